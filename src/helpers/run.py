"""Run the whole series for one month: ``python -m helpers.run --dataset DIR --as-of YYYY-MM-DD --out DIR``.

Each notebook in ``notebooks/`` runs in order under papermill with the same parameters
(``dataset``, ``as_of``, ``run_dir``, plus any ``-p name value``). The run is written to
``<out>.partial`` and moved into place only when every notebook succeeds, so a failed
run never damages the last good report at ``<out>``.

Flat mode scores one exported account table instead of a dataset:
``python -m helpers.run --table FILE --id-column NAME --label-column NAME --health-config YAML --out DIR``.
The health score (09), the churn model (10) and its validation (11) run on it; the notebooks that
need the multi-table dataset step aside, each with its reason in run.json.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import functools
import hashlib
import json
import os
import platform
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import nbformat
import papermill as pm
import yaml
from papermill.engines import NBClientEngine, papermill_engines

from helpers import artifacts, kernels, paths
from helpers.churn import history as churn_data
from helpers.data import contract, coverage, engines, flat_table
from helpers.data.timecut import parse_as_of
from helpers.errors import ConfigError, DataContractError
from helpers.expert import cohorts
from helpers.health import inputs as health_inputs
from helpers.health.config import load as load_health_config
from helpers.progress import StatusLine, duration, headings, kernel_env
from helpers.report import pages as report

PACKAGES = (
    "pandas",
    "numpy",
    "duckdb",
    "pyarrow",
    "pandera",
    "scikit-learn",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "pyspark",  # when installed (--engine spark)
    "sqlglot",
    "customer-health-workbook",
)


@dataclass
class FlatSource:
    """A flat run's input: one exported account table and its column roles, checked before the run."""

    table: Path
    id_column: str
    label_column: str
    health_config: Path
    rows: flat_table.FlatTable  # the cleaned, labelled table (flat_table.load)


def _satisfied(ds) -> None:
    return None  # every dataset has the required tables (the data contract checked them)


def _no_dataset(flat: FlatSource) -> str:
    return (
        f"flat mode: this notebook checks the multi-table dataset; {flat.table.name} was checked before the run "
        "instead (one row per id, a readable label); run with --dataset for the data contract"
    )


def _no_event_log(flat: FlatSource) -> str:
    return (
        f"flat mode: needs the users and the event log (a --dataset); {flat.table.name} has one row per "
        "account and no events, so user tags, measures and the account rollup do not apply"
    )


def _no_subscriptions(flat: FlatSource) -> str:
    return (
        f"flat mode: needs subscriptions over time (start and end dates, MRR: a --dataset); {flat.table.name} is "
        "one row per account, not a history, so retention, ARR and renewals do not apply"
    )


def _no_portfolio(flat: FlatSource) -> str:
    return (
        "flat mode: the executive summary needs ARR, renewal dates and activity over time (a --dataset); "
        f"index.html opens on the health score (09) and the churn model's validation (11) of {flat.table.name} "
        "instead"
    )


# What a notebook may declare in its metadata (``workbook.requires``): name -> why-not check, for a dataset
# (``contract.Dataset``) and for one flat table (``FlatSource``).
REQUIREMENTS = {
    "dataset": _satisfied,
    "event_log": _satisfied,
    "subscriptions": _satisfied,
    "portfolio": _satisfied,
    "expert_labels": cohorts.unusable_reason,
    "churn_history": churn_data.unusable_reason,
}
FLAT_REQUIREMENTS = {
    "dataset": _no_dataset,
    "event_log": _no_event_log,
    "subscriptions": _no_subscriptions,
    "portfolio": _no_portfolio,
    "expert_labels": _no_event_log,
    "churn_history": lambda flat: flat_table.unusable_reason(flat.rows, flat.table.name, flat.label_column),
}
RUNNER_PARAMETERS = {"dataset": "--dataset", "as_of": "--as-of", "run_dir": "--out", "previous_run": "--previous"}
PATH_PARAMETERS = ("account_table", "health_config", "model_source")  # -p values read from the current folder
MODEL_SOURCES = ("train", "previous", "auto")  # model_source's words (helpers.expert.model.resolve_source)
AS_EXPORTED = "as exported"  # a flat run's as_of label when none is given: the table as it is, no cut


# The kernels' own log (a TCP warning at every start) is
# noise on a good run; their stderr stays the runner's, so a long step's bar reaches the terminal
# (helpers.progress) instead of the report's page.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", "--IPKernelApp.capture_fd_output=False"]


class RunFailed(RuntimeError):
    pass


class Interrupted(RuntimeError):
    """Ctrl-C: the run stopped, its unfinished folder removed; the message says where it was."""


class _Engine(NBClientEngine):
    """papermill's engine, telling ``on_cell`` the notebook's cells and the index of each as it starts."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, on_cell=None, **kwargs):
        if on_cell is not None:
            start = nb_man.cell_start

            def cell_start(cell, cell_index=None, **kw):
                on_cell(nb_man.nb.cells, cell_index)  # the cells as executed: papermill's parameters cell included
                return start(cell, cell_index, **kw)

            nb_man.cell_start = cell_start
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)


papermill_engines.register("workbook", _Engine)


def notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


def run(
    dataset: str,
    as_of: str,
    out: str | Path,
    extra: dict | None = None,
    notebooks_dir: Path = paths.NOTEBOOKS,
    progress: bool = True,
) -> Path:
    """The whole series on ``dataset`` (a bundled name, or a folder: relative paths are read from the
    current folder) as of ``as_of`` into ``out``. Every check comes first: the date, the parameters
    (``extra``, each declared by some notebook), the dataset's contract, and ``previous_run`` (a finished
    run of the same dataset, earlier); a problem raises ``ConfigError`` or ``DataContractError``."""
    out = Path(out).resolve()
    parse_as_of(as_of, "--as-of")
    dataset = paths.from_cwd(dataset)
    extra = check_parameters(extra or {}, notebooks(notebooks_dir))
    ds = contract.load_dataset(dataset, as_of)  # bad input fails here, before anything is written
    if extra.get("previous_run"):
        extra["previous_run"] = str(check_previous(extra["previous_run"], ds))
    tmp = _fresh(out)
    params = {"dataset": dataset, "as_of": as_of, "run_dir": str(tmp), **extra}
    record = {
        "mode": "dataset",
        "parameters": params | {"run_dir": str(out)},
        "versions": _versions(),
        "inputs": _fingerprints(paths.dataset_dir(dataset)),
        "assumptions": coverage.fallbacks(ds),
        "engine": _engine(),
        "notebooks": [],
        "status": "running",
    }
    return _execute(ds, params, record, tmp, out, notebooks_dir, progress)


def _engine() -> dict:
    """Where the event SQL of notebooks 03 and 08-13 runs (``WORKBOOK_ENGINE``, which the kernels inherit)."""
    name = engines.chosen()
    if name == "spark":
        return {"name": name, "spark_master": engines.master(), "java": engines.java_version()}
    return {"name": name}


def run_flat(
    table: str | Path,
    id_column: str,
    label_column: str,
    health_config: str | Path,
    out: str | Path,
    as_of: str = "",
    extra: dict | None = None,
    notebooks_dir: Path = paths.NOTEBOOKS,
    progress: bool = True,
) -> Path:
    """Flat mode: one exported account table (one row per account, a churn label) instead of a dataset.

    Relative paths are read from the working directory. ``as_of`` is only a label (the table is taken
    as exported: nothing is cut); without it the run says "as exported", never today's date, so the
    same files give the same run."""
    out = Path(out).resolve()
    flat = check_flat(table, id_column, label_column, health_config, as_of)  # before anything is written
    extra = check_parameters(extra or {}, notebooks(notebooks_dir))
    if extra.get("previous_run"):
        extra["previous_run"] = str(check_previous(extra["previous_run"], flat))
    tmp = _fresh(out)
    params = {
        "dataset": "",
        "as_of": as_of,
        "run_dir": str(tmp),
        "account_table": str(flat.table),
        "id_column": id_column,
        "label_column": label_column,
        "health_config": str(flat.health_config),
        **(extra or {}),
    }
    record = {
        "mode": "flat",
        "parameters": params | {"run_dir": str(out)},
        "as_of": as_of or AS_EXPORTED,
        "versions": _versions(),
        "inputs": {p.name: _sha256(p) for p in (flat.table, flat.health_config)},
        "assumptions": _flat_assumptions(flat),
        "notebooks": [],
        "status": "running",
    }
    about = {"source": flat.table.name, "as_of": as_of or AS_EXPORTED}
    return _execute(flat, params, record, tmp, out, notebooks_dir, progress, about)


def check_flat(table, id_column: str, label_column: str, health_config, as_of: str = "") -> FlatSource:
    """Every check on a flat run's input, before anything is written: the health configuration, the table
    (it exists, has the id and label columns, one row per id, yes/no-like labels with both outcomes) and
    the optional as_of label. A problem is a ``ConfigError`` or ``DataContractError`` naming what is wrong."""
    if not health_config:
        raise ConfigError(
            "--table needs --health-config: a YAML that gives each column its component, direction and "
            "normalisation (see data/examples/usage_export_health.yaml)"
        )
    if as_of:
        parse_as_of(as_of, "--as-of")  # in flat mode a label only, but still a date
    table, config = Path(table).expanduser().resolve(), Path(health_config).expanduser().resolve()
    health_inputs.flat(str(table), str(config), id_column)  # the table's file, id column, ids; the configuration
    rows = flat_table.load(table, id_column, label_column)  # the label column and its values
    return FlatSource(table, id_column, label_column, config, rows)


def _flat_assumptions(flat: FlatSource) -> list[str]:
    configured = load_health_config(flat.health_config)
    replaced = (
        f"; it replaces the health configuration's id_column '{configured.id_column}'"
        if configured.id_column != flat.id_column
        else ""
    )
    unlabelled = "".join(f"; {a} (no label)" for a in flat.rows.notes[flat.rows.notes.kind == "label"].action)
    return [
        f"flat mode: {flat.table.name} taken as exported (one row per account, no as_of cut, no history)",
        f"accounts are identified by column '{flat.id_column}' (--id-column{replaced})",
        f"churn label: column '{flat.label_column}', {int(flat.rows.y.sum())} churned and "
        f"{int((~flat.rows.y).sum())} retained{unlabelled}",
        f"health configuration: {flat.health_config.name}, {len(configured.components)} component(s)",
    ]


def _fresh(out: Path) -> Path:
    """The run's temporary folder, ``<out>.partial``, empty with its subfolders."""
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    for sub in ("notebooks", "html", "artifacts"):
        (tmp / sub).mkdir(parents=True)
    return tmp


def _execute(source, params, record, tmp: Path, out: Path, notebooks_dir, progress, about=None) -> Path:
    """Every notebook in order (or skipped, saying why), the report pages, run.json; then into place.
    ``about`` heads the report pages (source, as_of; a dataset run's come from its data contract).
    Ctrl-C removes the unfinished folder and raises ``Interrupted`` saying where the run was."""
    series = notebooks(notebooks_dir)
    status = StatusLine(len(series), enabled=progress)
    try:
        with ThreadPoolExecutor(1) as pager:  # each page is made while the next notebook runs
            pages = []
            finished = lambda copy: pages.append(pager.submit(_page, copy, tmp, out))
            execute_series(series, source, params, tmp, record, status, finished=finished)
            skipped = {n["notebook"]: n["reason"] for n in record["notebooks"] if n["status"] == "skipped"}
            report.render(tmp, skipped=skipped, about=about, pages=[page.result() for page in pages])
        _finish(tmp, record, "ok")
        _swap_into_place(tmp, out)
    except RunFailed as exc:
        _finish(tmp, record, "failed")
        raise RunFailed(f"{exc}\nPartial run kept in {tmp}; {out} is untouched.") from None
    except KeyboardInterrupt:
        status.close()
        shutil.rmtree(tmp, ignore_errors=True)
        where = record.get("running") or "the report pages"
        raise Interrupted(
            f"interrupted during {where}: the unfinished run ({tmp.name}) was removed; {out} is as it was before"
        ) from None
    status.say(f"done in {_duration(record)}")
    return out


def execute_series(
    series: list[Path], source, params: dict, folder: Path, record: dict, status: StatusLine, save=None, finished=None
):
    """Each notebook of ``series`` in order into ``folder`` (its executed copy in ``folder/notebooks``), or
    skipped saying why (``skip_reason``), each appended to ``record["notebooks"]``, ``save(record)`` and
    ``finished(executed copy)`` after each that ran. A failing notebook is recorded and raises ``RunFailed``
    naming it, the cell and the error.
    While a notebook runs, the next one's kernel starts and imports (``helpers.kernels``)."""
    reasons = [skip_reason(nb, source) for nb in series]
    runnable = [nb for nb, reason in zip(series, reasons) if not reason]
    environment = lambda nb: kernel_env(status.kernel_value(series.index(nb), nb))
    with kernels.Relay(runnable, environment, KERNEL_ARGUMENTS) as relay:
        for index, (nb, reason) in enumerate(zip(series, reasons)):
            if reason:
                status.skipped(index, nb, reason)
                record["notebooks"].append({"notebook": nb.name, "seconds": 0.0, "status": "skipped", "reason": reason})
                continue
            record["running"] = nb.name
            status.start(index, nb)
            t0 = time.perf_counter()
            kernel = relay.take(nb)
            try:
                _execute_one(nb, folder / "notebooks" / nb.name, _for_notebook(nb, params), status, kernel)
            except pm.PapermillExecutionError as exc:
                message = (
                    f"notebook {nb.name} failed in cell {exc.cell_index} (execution count {exc.exec_count}): "
                    f"{exc.ename}: {exc.evalue}"
                )
                status.done("failed")
                seconds = round(time.perf_counter() - t0, 2)
                record["notebooks"].append(
                    {"notebook": nb.name, "seconds": seconds, "status": "failed", "error": message}
                )
                del record["running"]
                raise RunFailed(message) from None
            finally:
                relay.done(kernel)
            status.done("ok")
            record["notebooks"].append(
                {"notebook": nb.name, "seconds": round(time.perf_counter() - t0, 2), "status": "ok"}
            )
            del record["running"]
            if save is not None:
                save(record)
            if finished is not None:
                finished(folder / "notebooks" / nb.name)


def _execute_one(nb: Path, executed: Path, parameters: dict, status: StatusLine, kernel) -> None:
    """One notebook under papermill in ``kernel``, told where progress goes (``helpers.progress``)."""

    def on_cell(cells, index):
        status.step(headings(cells)[index])

    pm.execute_notebook(
        nb,
        executed,
        parameters=parameters,
        kernel_name="python3",
        cwd=str(nb.parent),
        progress_bar=False,
        engine_name="workbook",
        on_cell=on_cell,
        km=kernel,
        # written once, when it ends (or fails, with the error): not twice per cell, 4 s of a sample's month
        request_save_on_cell_execute=False,
    )


def _page(copy: Path, tmp: Path, out: Path) -> dict:
    """A finished notebook's page: its executed copy made to name the final folder, then as HTML."""
    _show_final_path(copy, tmp, out)
    return report.notebook_page(tmp, copy)


def _show_final_path(copy: Path, tmp: Path, out: Path) -> None:
    """The executed copy names the run folder it ends up in, not the temporary one it ran in
    (papermill's parameters cell and metadata; artifacts and pages never hold the path)."""
    nb = nbformat.read(copy, as_version=4)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace(str(tmp), str(out))
    meta = nb.metadata.get("papermill", {})
    meta["output_path"] = str(meta.get("output_path", "")).replace(str(tmp), str(out))
    if "run_dir" in meta.get("parameters", {}):
        meta["parameters"]["run_dir"] = str(out)
    nbformat.write(nb, copy)


def _duration(record: dict) -> str:
    return duration(sum(n["seconds"] for n in record["notebooks"]))


def skip_reason(nb: Path, ds) -> str | None:
    """Why a notebook steps aside on this dataset, or this flat table (its metadata ``workbook.requires``),
    or None."""
    needs = nbformat.read(nb, as_version=4).metadata.get("workbook", {}).get("requires", [])
    checks = FLAT_REQUIREMENTS if isinstance(ds, FlatSource) else REQUIREMENTS
    for need in needs:
        reason = checks[need](ds)
        if reason:
            return reason
    return None


@functools.cache
def declared(nb: Path) -> tuple[str, ...]:
    """The parameters a notebook declares in its ``parameters`` cell."""
    return tuple(pm.inspect_notebook(str(nb)))


def _for_notebook(nb: Path, params: dict) -> dict:
    """The run's parameters this notebook declares: each notebook is passed only what it takes
    (``previous_run`` reaches 06, 07, 09, 11 and 13; the flat-mode ones 09 and 10)."""
    return {k: v for k, v in params.items() if k in declared(nb)}


def check_parameters(extra: dict, series: list[Path]) -> dict:
    """``extra`` (``-p NAME VALUE``), each name declared by at least one notebook of ``series``, or a
    ``ConfigError`` naming it, the closest declared name and where the names are listed."""
    known = sorted({name for nb in series for name in declared(nb)})
    for name in extra:
        if name in RUNNER_PARAMETERS and name != "previous_run":
            raise ConfigError(f"-p {name}: set by the runner; use {RUNNER_PARAMETERS[name]} instead")
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ConfigError(
                f"-p {name}: no notebook has a parameter '{name}'; {hint}expected one of: {', '.join(known)}"
            )
    return dict(extra)


def check_previous(previous: str | Path, source) -> Path:
    """``--previous``: last month's run folder, checked before anything is written. It must be a folder whose
    run.json says the run finished, of the same dataset (its data contract's name; a flat run's table) and an
    earlier as_of. Relative paths are read from the current folder."""
    folder = Path(previous).expanduser().resolve()
    said = f"--previous {previous}"
    if not folder.is_dir():
        raise ConfigError(f"{said}: no such folder; expected last month's run folder (the --out of an earlier run)")
    record_path = folder / "run.json"
    if not record_path.exists():
        raise ConfigError(f"{said}: not a run folder (no run.json in {folder}); expected the --out of an earlier run")
    record = json.loads(record_path.read_text())
    if record.get("status") != "ok":
        raise ConfigError(
            f"{said}: that run did not finish (run.json status '{record.get('status')}'); expected a finished run"
        )
    if isinstance(source, FlatSource):
        if record.get("mode") != "flat":
            raise ConfigError(f"{said}: a {record.get('mode')} run; expected a flat run (--table) like this one")
        return folder
    contract_path = artifacts.path(folder, "data_contract.json")
    if not contract_path.exists():
        raise ConfigError(f"{said}: has no artifacts/data_contract.json; expected a run of a dataset (--dataset)")
    before = json.loads(contract_path.read_text())
    if before.get("dataset") != source.config.name:
        raise ConfigError(
            f"{said}: a run of '{before.get('dataset')}', not of '{source.config.name}' (the name in "
            f"{source.root / 'dataset.yaml'}); expected last month's run of the same dataset"
        )
    if str(before.get("as_of")) >= str(source.as_of.date()):
        raise ConfigError(
            f"{said}: as of {before.get('as_of')}, not before this run's as_of {source.as_of.date()}; "
            "expected an earlier month's run"
        )
    return folder


def _finish(tmp: Path, record: dict, status: str) -> None:
    record.pop("running", None)
    record["status"] = status
    record["total_seconds"] = round(sum(n["seconds"] for n in record["notebooks"]), 2)
    (tmp / "run.json").write_text(json.dumps(record, indent=2) + "\n")


def _swap_into_place(tmp: Path, out: Path) -> None:
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _versions() -> dict:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def _fingerprints(root: Path) -> dict:
    """sha256 of every input file (ground truth excluded: the run never reads it)."""
    prints = {}
    for f in sorted(p for p in root.rglob("*") if p.is_file() and "truth" not in p.relative_to(root).parts):
        prints[str(f.relative_to(root))] = _sha256(f)
    return prints


def _sha256(f: Path) -> str:
    h = hashlib.sha256()
    with f.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _parameter_value(name: str, value: str):
    """A ``-p NAME VALUE`` value, read as YAML (numbers, true/false); a path (``PATH_PARAMETERS``) is read
    from the current folder, like every path on the command line."""
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at column {mark.column + 1}" if mark else ""
        raise ConfigError(
            f"-p {name} {value!r}: not a value{where} ({getattr(exc, 'problem', None) or exc}); "
            "expected a number, true/false or text (quote text that holds : [ ] { } or #)"
        ) from None
    if name in PATH_PARAMETERS and isinstance(parsed, str) and parsed not in ("", *MODEL_SOURCES):
        return str(Path(parsed).expanduser().resolve())
    return parsed


def _choose_engine(engine: str | None, master: str | None) -> None:
    """Check the engine can run here (Spark: pyspark, sqlglot and Java), before anything runs, and hand
    it to every notebook's kernel through the environment they inherit."""
    name = engines.chosen(engine)
    if master and name != "spark":
        raise ConfigError("--spark-master: only with --engine spark")
    engines.check(name)
    os.environ[engines.ENV] = name
    if master:
        os.environ[engines.MASTER_ENV] = master


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m helpers.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", help='dataset folder, or "sample"')
    source.add_argument("--table", help="flat mode: one exported account table (CSV, one row per account)")
    ap.add_argument(
        "--as-of",
        default="",
        help="last day of data the run may see (YYYY-MM-DD); in flat mode optional, a label only",
    )
    ap.add_argument("--out", required=True, help="run folder to write (replaced only on success)")
    ap.add_argument("--previous", default="", help="last month's run folder, for month-over-month comparisons")
    flat = ap.add_argument_group("flat mode (with --table)")
    flat.add_argument("--id-column", default="account_id", help="the table's account id column")
    flat.add_argument("--label-column", default="churned", help="the churn label column (yes/no, true/false, 1/0)")
    flat.add_argument("--health-config", default="", help="health YAML naming each column's component")
    ap.add_argument(
        "-p",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="extra notebook parameter (repeatable); VALUE is read as YAML (numbers, true/false)",
    )
    ap.add_argument(
        "--engine",
        choices=engines.ENGINES,
        default=None,
        help=f"where the measures and snapshot features are computed (default: ${engines.ENV}, else duckdb)",
    )
    ap.add_argument(
        "--spark-master",
        default=None,
        help=f"with --engine spark: the Spark master URL (default: ${engines.MASTER_ENV}, else {engines.DEFAULT_MASTER})",
    )
    ap.add_argument("--notebooks", default=str(paths.NOTEBOOKS), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.dataset and not args.as_of:
        ap.error("--dataset needs --as-of (the last day of data the run may see, YYYY-MM-DD)")
    try:
        _choose_engine(args.engine, args.spark_master)
        extra = {name: _parameter_value(name, value) for name, value in args.p}
        if args.previous:
            extra["previous_run"] = args.previous  # checked by run() / run_flat() before anything is written
        if args.table:
            out = run_flat(
                args.table,
                args.id_column,
                args.label_column,
                args.health_config,
                args.out,
                as_of=args.as_of,
                extra=extra,
                notebooks_dir=Path(args.notebooks),
            )
        else:
            out = run(args.dataset, args.as_of, args.out, extra, Path(args.notebooks))
    except (DataContractError, ConfigError) as exc:
        print(f"bad input: {exc}", file=sys.stderr)
        return 2
    except RunFailed as exc:
        print(f"run failed: {exc}", file=sys.stderr)
        return 1
    except Interrupted as exc:
        print(exc, file=sys.stderr)
        return 130
    except KeyboardInterrupt:  # before the run folder existed
        print("interrupted before the run started: nothing was written", file=sys.stderr)
        return 130
    print(f"report: {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
