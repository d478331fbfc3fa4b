"""Do the churn model and the health score hold on data nobody here designed? One markdown table.

    python benchmarks/bench_predictive.py [--out reports/bench-predictive] [--rows NAME ...] [--horizon 30] [--fresh]

Each row is a dataset and an as_of: the last month end with ``--horizon`` days of data after it, so what
happened next is known from the same files (the run never sees it: every table is cut at load). The month
runs into ``OUT/<row>/run`` (a finished run with the same parameters is reused unless ``--fresh``), and the
table sets notebook 11's holdout figures and notebook 09's backtest beside the truth after as_of: churn
within ``--horizon`` days, taken alike for every row from the dataset's own subscriptions (spells with the
grace of dataset.yaml, lost the day after the last paid day; ``helpers.data.subscriptions.churned_within``'s
arithmetic, without its grace check: a lapse near the data's end that a return within the grace would undo
counts as churn). ``truth/churn.csv``, where a dataset has one, is only cross-checked.

Rows: ChurnSim's ``test`` seeds 1-3 at 2,900 initial customers over 7 months (TEST_CUSTOMERS, TEST_MONTHS)
and ``crm5`` at its own 2 years (``benchmarks/churnsim.py``, another author's simulator; their as_of is
bounded by the simulated period, not the last event: no customer churns after it), the bundled sample, the
six-month bare export of ``benchmarks/short_history.py``, the ``ledger`` product (churn shows in particular
event types), and a flat table made from ChurnSim test seed 1 (its run's account features on as_of,
labelled with the truth), run in flat mode. A row whose data is missing says which command makes it
(CHURNSIM). Targets follow the table. Slow (minutes per row); CI does not run it.

``test`` rows are sized like the consumer app the issue judged the workbook on (six months of events,
single-user accounts, about 2,300 active accounts): ``--init-customers 2900`` leaves about 2,300 accounts
paying on as_of, and ``--months 7`` puts as_of at 2020-06-30, so the run sees six months of events and the
simulated seventh month gives the 30 days of truth after it. Six simulated months are too few: as_of would be
2020-05-31, 152 days of events, and under a year the workbook takes weekly snapshots with four weeks behind
each and 28-day outcomes (plus 30 grace days): 9 closed snapshots, none early enough to train on before the
newest are judged, so notebooks 10 and 11 step aside (they need about 158 days). ``test``'s own 500
customers leave too few churners (at 12 months its population ages and its churn falls: 6 to 9 churners
after as_of). Here too churn is highest early (about 13 % of accounts in January, 5 % in February, 3 to 4 %
a 30-day window from April): seeds 1-3 have 2,254 to 2,330 accounts paying on as_of and 46 to 60 churners
after it, and the model trains on three weekly snapshots in February (about 19 % churn in 28 days) and is
judged on three from mid-April (about 4 %). The exports for the ChurnSim rows:

    python benchmarks/churnsim.py --configs test --months 7 --init-customers 2900 --seeds 1 2 3 --out data/churnsim
    python benchmarks/churnsim.py --configs crm5 --seeds 1 --out data/churnsim
"""

from __future__ import annotations

import argparse
import json
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import roc_auc_score

from helpers import artifacts, paths
from helpers.churn.evaluation import REFERENCE
from helpers.data import contract, subscriptions
from helpers.errors import DataContractError
from helpers.health import backtest
from helpers.run import run, run_flat
from helpers.synth import generate
from helpers.synth.shapes import BARE_EXPORT, reshape

DAY = pd.Timedelta(days=1)
DASH = "—"
TEST_MONTHS = 7  # ChurnSim test's simulated period for its rows: as_of 2020-06-30, six months of events before it
TEST_CUSTOMERS = 2900  # its initial customers: about 2,300 paying on as_of, as in the data (own: 500)
TEST = f"test-{TEST_MONTHS}m-{TEST_CUSTOMERS}c"  # the export folders' prefix
CHURNSIM = {  # the command that makes each ChurnSim configuration's exports
    "test": f"python benchmarks/churnsim.py --configs test --months {TEST_MONTHS} --init-customers {TEST_CUSTOMERS} "
    "--seeds 1 2 3 --out data/churnsim",
    "crm5": "python benchmarks/churnsim.py --configs crm5 --seeds 1 --out data/churnsim",
}
SHORT_END = "2026-10-31"  # benchmarks/short_history.py's END
FEW = 20  # churners after as_of below which an AUC against them says little
BACKTEST_SNAPSHOTS = 12  # notebook 09's backtest_months: the newest closed snapshots it judges
FLAT_SOURCE = f"churnsim test {TEST_MONTHS}m {TEST_CUSTOMERS}c seed 1"
FLAT_HEALTH = {  # candidate columns of account_features.parquet for the flat row's minimal health config
    "events_30d": "higher",
    "activity_coefficient": "higher",
    "usage_change_vs_90d": "higher",
    "days_since_active": "lower",
}


@dataclass
class Row:
    name: str
    make: str  # how the data comes to be: a folder to read, or a generator below
    signal: bool = False  # planted or simulated churn signal: the model must beat the reference clearly
    flat: bool = False

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


ROWS = [
    *(
        Row(f"churnsim test {TEST_MONTHS}m {TEST_CUSTOMERS}c seed {s}", f"data/churnsim/{TEST}-seed{s}", signal=True)
        for s in (1, 2, 3)
    ),
    Row("churnsim crm5", "data/churnsim/crm5-seed1"),
    Row("sample", "sample"),
    Row("short history", "short history"),
    Row("hidden signal", "ledger", signal=True),
    Row(f"flat ({FLAT_SOURCE})", FLAT_SOURCE, flat=True),
]


@dataclass
class Result:
    row: Row
    as_of: str = ""
    seconds: float | None = None  # None: reused
    cells: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    truth: pd.Series | None = None  # churned within the horizon after as_of, per account paying on as_of


# ---- data and as_of -------------------------------------------------------------------------------------


def dataset_folder(row: Row, out: Path, fresh: bool) -> Path | None:
    """The row's dataset folder (generated into OUT for the synthetic rows), or None when it is missing."""
    if row.make == "sample":
        return paths.dataset_dir("sample")
    if row.make.startswith("data/"):
        folder = paths.REPO / row.make
        return folder if (folder / "dataset.yaml").exists() else None
    folder = out / row.slug / "data"
    if (folder / "dataset.yaml").exists() and not fresh:
        return folder
    if row.make == "ledger":
        return generate(folder, "sample", seed=42, product="ledger", progress=False)
    generate(folder, "sample", seed=3, months=6, accounts=3000, monthly_only=True, progress=False)
    return reshape(folder, BARE_EXPORT, SHORT_END)


def make_command(folder: str) -> str:
    """The command that makes a missing ChurnSim export folder ``data/churnsim/<config>[-<N>m][-<N>c]-seed<N>``."""
    config = Path(folder).name.split("-")[0]
    return f"`{CHURNSIM[config]}`" if config in CHURNSIM else "nothing known"


def data_end(folder: Path) -> pd.Timestamp:
    """The last day whose churn the files tell: the last event (as the data contract reads the log, from
    its range check), or for ChurnSim the last simulated day (its customers stop churning after it)."""
    try:
        contract.load_dataset(folder, "2999-12-31")
        raise AssertionError("2999-12-31 inside the data's range")
    except DataContractError as exc:
        found = re.search(r"range \d{4}-\d{2}-\d{2} \.\. (\d{4}-\d{2}-\d{2})", str(exc))
        if not found:
            raise
        last = pd.Timestamp(found[1])
    sim = folder / "truth" / "simulator_conf.yaml"
    if sim.exists():
        last = min(last, pd.Timestamp(str(yaml.safe_load(sim.read_text())["end_date"])) - DAY)
    return last


def month_end_before(day: pd.Timestamp) -> pd.Timestamp:
    """The last month end on or before ``day``."""
    return (day + DAY).replace(day=1) - DAY


def truth_after(folder: Path, as_of: pd.Timestamp, end: pd.Timestamp, horizon: int) -> pd.Series:
    """For accounts paying on as_of: lost within ``horizon`` days after it (read from data up to ``end``)."""
    ds = contract.load_dataset(folder, str(end.date()))
    spells = subscriptions.spells(ds.tables["subscriptions"], ds.config.churn.grace_days)
    live = subscriptions.live_at(spells, as_of)
    lost = live.end.notna() & (live.end + DAY <= as_of + pd.Timedelta(days=horizon))
    return pd.Series(lost.to_numpy(), index=live.account_id.to_numpy(), name="churned")


def cross_check(folder: Path, churned: pd.Series, as_of: pd.Timestamp, horizon: int) -> str:
    """Where truth/churn.csv exists: how many accounts it and the subscriptions disagree on."""
    f = folder / "truth" / "churn.csv"
    if not f.exists():
        return ""
    t = pd.read_csv(f, parse_dates=["churn_date"]).set_index("account_id").reindex(churned.index)
    theirs = t.churned.fillna(False).astype(bool) & (t.churn_date > as_of)
    theirs &= t.churn_date <= as_of + pd.Timedelta(days=horizon)
    off = theirs != churned
    if not off.any():
        return "truth/churn.csv agrees on every account"
    return (
        f"truth/churn.csv disagrees on {int(off.sum())} of {len(off)} accounts "
        f"({int((off & churned).sum())} lapsed here only, {int((off & theirs).sum())} churned there only)"
    )


# ---- runs ---------------------------------------------------------------------------------------------


def finished(run_dir: Path, parameters: dict) -> bool:
    record = run_dir / "run.json"
    if not record.exists():
        return False
    r = json.loads(record.read_text())
    return r.get("status") == "ok" and all(r["parameters"].get(k) == v for k, v in parameters.items())


def month(res: Result, run_dir: Path, parameters: dict, fresh: bool, start) -> None:
    """Reuse a finished run with these parameters, or ``start()`` one now, timed into ``res.seconds``."""
    if fresh or not finished(run_dir, parameters):
        t0 = time.perf_counter()
        start()
        res.seconds = time.perf_counter() - t0


def stepped_aside(run_dir: Path) -> list[str]:
    """The notebooks the run skipped, grouped by the gist of run.json's reason (its first clause)."""
    why: dict[str, list[str]] = {}
    for n in json.loads((run_dir / "run.json").read_text())["notebooks"]:
        if n["status"] == "skipped":
            why.setdefault(re.split(r": |; ", n["reason"])[0], []).append(n["notebook"][:2])
    return [f"{', '.join(nbs)} skipped: {gist}" for gist, nbs in why.items()]


def auc(y, score) -> float:
    y = np.asarray(y, dtype=bool)
    return roc_auc_score(y, score) if 0 < y.sum() < len(y) else np.nan


# ---- rows ---------------------------------------------------------------------------------------------


def dataset_row(row: Row, out: Path, horizon: int, fresh: bool) -> Result:
    res = Result(row)
    folder = dataset_folder(row, out, fresh)
    if folder is None:
        res.notes.append(f"no data: {make_command(row.make)} makes {row.make}")
        return res
    end = data_end(folder)
    as_of = month_end_before(end - pd.Timedelta(days=horizon))
    res.as_of = str(as_of.date())
    run_dir = (out / row.slug / "run").resolve()
    params = {"dataset": str(folder.resolve()), "as_of": res.as_of}
    month(res, run_dir, params, fresh, lambda: run(params["dataset"], res.as_of, run_dir, progress=False))
    churned = truth_after(folder, as_of, end, horizon)
    res.notes += [n for n in [cross_check(folder, churned, as_of, horizon)] if n]
    model_figures(res, run_dir, churned)
    health_figures(res, run_dir, churned)
    window = json.loads(artifacts.path(run_dir, "account_snapshots.json").read_text())["horizon_days"]
    if window != horizon:
        res.notes.append(f"the run's outcome window is {window} days, the truth's {horizon}")
    res.notes += stepped_aside(run_dir)
    res.truth = churned  # the flat row labels its table with it
    return res


def model_figures(res: Result, run_dir: Path, churned: pd.Series) -> None:
    c = res.cells
    c["n / churners"] = f"{len(churned):,} / {int(churned.sum()):,}"
    if churned.sum() < FEW:
        res.notes.append(f"only {int(churned.sum())} churners after as_of: the truth AUCs are noise")
    where = artifacts.path(run_dir, "validation.json")
    if not where.exists():
        return
    v = json.loads(where.read_text())
    c["model"], c["holdout AUC"], c["ref AUC"] = v["model"], v["auc_roc"], v.get("reference_auc_roc")
    c["margin"] = v.get("auc_over_reference")  # [margin, low, high]
    c["cal. error"], c["lift@10"] = v["calibration_error"], v["lift_top_decile"]
    if v["model"] == REFERENCE:
        res.notes.append("shipped the simple reference itself: no candidate beat it by more than the folds' noise")
    scores = pd.read_csv(artifacts.path(run_dir, "churn_scores.csv")).set_index("account_id").churn_probability
    both = churned.index.intersection(scores.index)
    c["truth AUC"] = auc(churned[both], scores[both])
    if len(both) < len(churned):
        res.notes.append(f"{len(churned) - len(both)} accounts paying on as_of have no churn score")


def health_figures(res: Result, run_dir: Path, churned: pd.Series) -> None:
    c = res.cells
    b = json.loads(artifacts.path(run_dir, "health_backtest.json").read_text())
    snaps = artifacts.optional(run_dir, "account_snapshots.parquet")
    if snaps is not None and len(snaps):
        r = backtest.recent(snaps, BACKTEST_SNAPSHOTS).dropna(subset=["health_score"])
        c["health AUC"] = auc(r.churned, -r.health_score)
    c["health lift"], c["surprise"] = b.get("lowest_decile_lift"), b.get("surprise_churn_rate")
    if "note" in b:
        res.notes.append(f"health backtest: {b['note']}")
    health = pd.read_csv(artifacts.path(run_dir, "account_health.csv")).set_index("account_id").health_score.dropna()
    both = churned.index.intersection(health.index)
    c["health truth AUC"] = auc(churned[both], -health[both])
    c["learned weights"] = learned_weights(run_dir)


def learned_weights(run_dir: Path) -> str:
    """The health score under weights learned on the earlier backtest snapshots, against the configured ones on
    the later snapshots (notebook 09's health_backtest.json): AUC, lowest-decile lift, surprise churn."""
    learned = json.loads(artifacts.path(run_dir, "health_backtest.json").read_text()).get("learned_weights")
    if not learned:
        return DASH
    pair = lambda key, f: f"{f(learned[key]['configured'])} → {f(learned[key]['learned'])}"
    verdict = "clearly better" if learned["clearly_better"] else "not clearly better"
    return (
        f"AUC {pair('auc', '{:.3f}'.format)}, lift {pair('lowest_decile_lift', '{:.2f}'.format)}, "
        f"surprise {pair('surprise_churn_rate', '{:.0%}'.format)} ({verdict})"
    )


def flat_row(row: Row, source: Result | None, out: Path, fresh: bool) -> Result:
    res = Result(row)
    if source is None or source.truth is None:
        res.notes.append(f"no data: needs the '{FLAT_SOURCE}' row (`{CHURNSIM['test']}`)")
        return res
    res.as_of, here = source.as_of, (out / row.slug).resolve()
    features = pd.read_parquet(artifacts.path(out / source.row.slug / "run", "account_features.parquet"))
    label = source.truth.reindex(features.account_id, fill_value=False)
    table, config, used = flat_inputs(features, label, here)
    run_dir = here / "run"
    params = {"account_table": str(table), "health_config": str(config), "as_of": res.as_of}
    start = lambda: run_flat(table, "account_id", "churned", config, run_dir, res.as_of, progress=False)
    month(res, run_dir, params, fresh, start)
    res.cells["n / churners"] = f"{len(label):,} / {int(label.sum()):,}"
    comparison = artifacts.optional(run_dir, "churn_model_comparison.csv")
    where = artifacts.path(run_dir, "validation.json")
    if comparison is not None and where.exists():
        v = json.loads(where.read_text())
        shipped, ref = comparison.set_index("model").loc[[v["model"], REFERENCE]].itertuples()
        res.cells |= {
            "model": v["model"],
            "holdout AUC": shipped.validation_auc,
            "ref AUC": ref.validation_auc,
            "margin": [shipped.auc_over_reference, shipped.interval_low, shipped.interval_high],
            "cal. error": v["calibration_error"],
            "lift@10": v["lift_top_decile"],
        }
        res.notes.append(
            f"AUCs cross-validated (churn_model_comparison.csv; validation.json's calibrated {v['auc_roc']:.3f}); "
            "the label is the truth"
        )
    health_figures(res, run_dir, label)
    res.notes += [f"health config: {', '.join(used)} (percentiles)", *stepped_aside(run_dir)]
    return res


def flat_inputs(features: pd.DataFrame, label: pd.Series, here: Path) -> tuple[Path, Path, list[str]]:
    """The flat row's table (the account features on as_of, churned yes/no) and a minimal health
    configuration (percentiles of the FLAT_HEALTH columns the table fills), written into ``here``."""
    here.mkdir(parents=True, exist_ok=True)
    table, config = here / "table.csv", here / "health.yaml"
    features.assign(churned=np.where(label.to_numpy(), "yes", "no")).to_csv(table, index=False)
    used = [k for k in FLAT_HEALTH if k in features and features[k].notna().any()]
    metrics = {
        k: {
            "direction": FLAT_HEALTH[k],
            "normalise": {"method": "percentile"},
            "phrase": k.replace("_", " ") + " {value:g}",
        }
        for k in used
    }  # a phrase of its own: the default's "{name}" breaks churn drivers (helpers.churn.explain._describe)
    health = {"id_column": "account_id", "components": {"usage": {"weight": 100, "metrics": metrics}}}
    config.write_text(yaml.safe_dump(health, sort_keys=False))
    return table, config, used


# ---- table and targets --------------------------------------------------------------------------------

COLUMNS = [
    "model", "holdout AUC", "ref AUC", "margin", "cal. error", "lift@10", "truth AUC", "n / churners",
    "health AUC", "health lift", "surprise", "health truth AUC", "learned weights",
]  # fmt: skip
HEADERS = {
    "margin": "margin over ref (95 %)",
    "cal. error": "cal. error (pts)",
    "health AUC": "health AUC (backtest)",
    "surprise": "surprise churn",
    "health truth AUC": "health truth AUC",
    "learned weights": "learned weights: AUC / lift",
}


def cell(name: str, value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return DASH
    if name == "margin":
        m, low, high = (round(x, 3) + 0.0 for x in value)  # + 0.0: no "-0.000"
        return f"{m:+.3f} ({low:+.3f} .. {high:+.3f})"
    if name == "surprise":
        return f"{value:.0%}"
    if name in ("cal. error", "lift@10", "health lift"):
        return f"{value:.2f}"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def table(results: list[Result]) -> str:
    head = ["row", "as_of", *(HEADERS.get(c, c) for c in COLUMNS), "notes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [r.row.name, r.as_of or DASH, *(cell(c, r.cells.get(c)) for c in COLUMNS), "; ".join(r.notes)]
        lines.append("| " + " | ".join(x.replace("|", "/") for x in cells) + " |")
    return "\n".join(lines)


def figure(r: Result, name: str, i: int | None = None) -> float:
    v = r.cells.get(name)
    return np.nan if v is None else float(v if i is None else v[i])


TARGETS = [  # what, on which rows, the figure, met when
    ("margin interval's upper bound ≥ 0", lambda row: True, lambda r: figure(r, "margin", 2), lambda v: v >= 0),
    ("margin ≥ +0.03 (signal)", lambda row: row.signal, lambda r: figure(r, "margin", 0), lambda v: v >= 0.03),
    (
        "|holdout AUC − truth AUC| ≤ 0.03 (signal)",
        lambda row: row.signal,
        lambda r: abs(figure(r, "holdout AUC") - figure(r, "truth AUC")),
        lambda v: v <= 0.03,
    ),
    ("calibration error ≤ 3 points", lambda row: True, lambda r: figure(r, "cal. error"), lambda v: v <= 3),
    ("sample holdout AUC ≥ 0.89", lambda row: row.name == "sample", lambda r: figure(r, "holdout AUC"), lambda v: v >= 0.89),
    ("sample health lift ≥ 4.5", lambda row: row.name == "sample", lambda r: figure(r, "health lift"), lambda v: v >= 4.5),
    (
        "flat: shipped CV AUC − reference's ≥ 0",
        lambda row: row.flat,
        lambda r: figure(r, "holdout AUC") - figure(r, "ref AUC"),
        lambda v: v >= 0,
    ),
]  # fmt: skip


def targets(results: list[Result]) -> str:
    """Each target and, per row it applies to, the figure and whether it is met (— when not measured)."""
    lines = ["Targets:"]
    for what, applies, value, met in TARGETS:
        said = []
        for r in (r for r in results if applies(r.row)):
            v = value(r)
            shown = f"{v:+.3f}" if what.startswith(("margin", "flat")) else f"{v:.3f}"
            said.append(
                f"{r.row.name} {DASH}" if np.isnan(v) else f"{r.row.name} {shown} {'ok' if met(v) else '**FAIL**'}"
            )
        lines.append(f"- {what}: " + ("; ".join(said) or "no row"))
    return "\n".join(lines)


def timings(results: list[Result]) -> str:
    said = [f"{r.row.name} {'reused' if r.seconds is None else f'{r.seconds:.0f} s'}" for r in results if r.as_of]
    return "Month runs: " + ("; ".join(said) or "none")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="reports/bench-predictive", help="runs and generated data go here")
    ap.add_argument("--rows", nargs="+", metavar="NAME", help="rows by name or slug (default: all)")
    ap.add_argument("--horizon", type=int, default=30, help="days after as_of whose churn is the truth")
    ap.add_argument("--fresh", action="store_true", help="re-run months (and regenerate data) even if finished")
    args = ap.parse_args(argv)
    known = {k: r for r in ROWS for k in (r.name, r.slug)}
    unknown = [n for n in args.rows or [] if n not in known]
    if unknown:
        ap.error(f"unknown row(s) {unknown}; known: {', '.join(r.slug for r in ROWS)}")
    chosen = [known[n] for n in args.rows] if args.rows else ROWS
    warnings.simplefilter("ignore")
    out = Path(args.out).resolve()
    done: dict[str, Result] = {}

    def result(row: Row) -> Result:
        if row.name not in done:
            try:
                if row.flat:
                    done[row.name] = flat_row(row, result(known[FLAT_SOURCE]), out, args.fresh)
                else:
                    done[row.name] = dataset_row(row, out, args.horizon, args.fresh)
            except Exception as exc:  # a failed run is a row's finding, not the end of the table
                done[row.name] = Result(row, notes=[f"failed: {type(exc).__name__}: {str(exc).splitlines()[0]}"])
        return done[row.name]

    results = [result(row) for row in chosen]
    print(table(results), "", targets(results), "", timings(results), sep="\n")


if __name__ == "__main__":
    main()
