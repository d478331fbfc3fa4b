"""Is the health score right? Score past snapshots and see who churned afterwards.

The snapshots are the run's history (``health.snapshots``): month ends whose outcome window
and the grace period after it closed before as_of, so every churn counted is known, each
scored from the dataset cut at T exactly as today's accounts are scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from helpers.churn import evaluation
from helpers.churn.model import prune_correlated
from helpers.data.contract import Dataset
from helpers.health import actions, snapshots
from helpers.health import score as health_score
from helpers.health.config import Component, HealthConfig, Metric, Normalise
from helpers.stats import wilson

TIER_COLUMNS = ["tier", "accounts", "churned", "churn_rate", "ci_low", "ci_high"]  # by_tier
WEIGHT_COLUMNS = ["component", "configured_weight", "learned_weight"]  # learned_weights: suggestions
RATE_COLUMNS = ["metric", "direction", "weight", "auc_alone"]  # the learned behaviour component's rates
JUDGED_COLUMNS = ["weights", "snapshots_judged", "auc", "lowest_decile_lift", "surprise_churn_rate", "churned"]
MARGIN_COLUMNS = ["figure", "learned_minus_configured", "ci_low", "ci_high"]
BEHAVIOUR = "behaviour"  # the learned component: event-type rates, each in its learned direction
LEARNED_RATES = 8  # event-type rates in it, at most
MIN_EDGE = 0.03  # a rate whose AUC alone is within this of 0.5 tells nothing
Z_KEEP = 1.96  # a component earns weight when its coefficient lowers risk by more than this many standard errors


def horizon_for(ds: Dataset | None, horizon_days: int = 0) -> int:
    """The outcome window in days (``snapshots.cadence``): the parameter, else dataset.yaml's, else by history."""
    return snapshots.cadence(ds, horizon_days).horizon_days if ds is not None else horizon_days or 90


def for_run(inputs, run_dir, horizon_days: int, months: int, progress: bool = True) -> pd.DataFrame | None:
    """The newest ``months`` closed snapshots of the run's history, or None in flat mode (no history)."""
    if inputs.ds is None:
        return None
    return recent(snapshots.cached_history(inputs.ds, inputs.config, run_dir, horizon_days, progress), months)


def history_gap(results: pd.DataFrame | None) -> str:
    """Why there is nothing to backtest (empty when there is): flat mode has no history (None), and a
    dataset may have no closed snapshot yet (no rows)."""
    if results is None:
        return "flat mode: no history to backtest"
    if results.empty:
        return "no closed snapshots to backtest: the history is too short for the outcome window"
    return ""


def recent(history: pd.DataFrame, months: int) -> pd.DataFrame:
    """The newest ``months`` closed snapshots of the run's history (``snapshots.cached_history``)."""
    dates = sorted(history.snapshot.unique())[-months:]
    return history[history.snapshot.isin(dates)].reset_index(drop=True)


def summary(results: pd.DataFrame | None, surprise_above: float = 60) -> dict:
    """Lowest-decile lift, surprise churn rate, score-outcome correlation, with the counts behind them;
    with nothing to backtest, a note saying why (``history_gap``)."""
    gap = history_gap(results)
    if gap:
        return {"note": gap}
    r = results.dropna(subset=["health_score"])
    base = r.churned.mean()
    cut = r.health_score.quantile(0.10)
    low = r[r.health_score <= cut]
    churners = r[r.churned]
    return {
        "snapshots": int(r.snapshot.nunique()),
        "account_snapshots": len(r),
        "churned": int(r.churned.sum()),
        "base_churn_rate": round(float(base), 4),
        "lowest_decile_churn_rate": round(float(low.churned.mean()), 4),
        "lowest_decile_n": len(low),
        "lowest_decile_lift": round(float(low.churned.mean() / base), 2) if base > 0 else np.nan,
        "surprise_churn_rate": round(float((churners.health_score > surprise_above).mean()), 4),
        "score_outcome_correlation": round(float(np.corrcoef(r.health_score, r.churned)[0, 1]), 3),
    }


def by_tier(results: pd.DataFrame | None, config: HealthConfig) -> pd.DataFrame:
    """Churn within the horizon per tier at the snapshot, with n (account-snapshots) and a 95 % interval;
    no rows, the same columns, with nothing to backtest (``history_gap`` says why)."""
    if history_gap(results):
        return pd.DataFrame(columns=TIER_COLUMNS)
    names = [t.name for t in sorted(config.tiers, key=lambda t: t.min, reverse=True)]
    g = results.groupby("tier").churned
    out = pd.DataFrame({"accounts": g.size(), "churned": g.sum()}).reindex(names).fillna(0).astype(int)
    out["churn_rate"] = (out.churned / out.accounts.where(out.accounts > 0)).round(3)
    lo, hi = wilson(out.churned.to_numpy(), out.accounts.to_numpy())
    out["ci_low"], out["ci_high"] = lo.round(3), hi.round(3)
    return out.rename_axis("tier").reset_index()


def rescored(results: pd.DataFrame, config: HealthConfig) -> pd.Series:
    """Each snapshot scored again under another configuration (percentiles stay within their snapshot)."""
    return health_score.score(results, config, within="snapshot").health_score


def with_weights(config: HealthConfig, weights: dict[str, float]) -> HealthConfig:
    """The same configuration with other component weights for every segment."""
    comps = {name: c.model_copy(update={"weight": weights[name]}) for name, c in config.components.items()}
    return config.model_copy(update={"components": comps, "preset": None, "segments": {}})


def learning_gap(results: pd.DataFrame | None) -> str:
    """Why no weights can be learned from the backtest (empty when they can)."""
    if results is None or results.empty:
        return "No closed snapshots to learn from: the configured weights stand."
    if any(h.churned.nunique() < 2 for h in _halves(results)):
        return (
            "The earlier or the later half of the snapshots has no churn (or nothing else): there is nothing to "
            "learn weights from or to judge them on, so the configured weights stand."
        )
    return ""


def _halves(results: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The earlier half of the snapshots (to learn from) and the later half (to judge on)."""
    dates = sorted(results.snapshot.unique())
    return (
        results[results.snapshot.isin(dates[: len(dates) // 2])],
        results[results.snapshot.isin(dates[len(dates) // 2 :])],
    )


def learning_note(results: pd.DataFrame | None) -> str:
    """What the suggested weights below rest on, or why there are none (``learning_gap``)."""
    return learning_gap(results) or "Learned on the earlier half, judged on the later half."


@dataclass
class Learned:
    """Directions and weights learned on the earlier half of the backtest and judged on the later half
    (``learned_weights``); every table has its columns and no rows when nothing could be learned."""

    config: HealthConfig | None  # the configuration with the learned weights and behaviour component
    weights: pd.DataFrame  # WEIGHT_COLUMNS
    rates: pd.DataFrame  # RATE_COLUMNS: the behaviour component's event-type rates
    judged: pd.DataFrame  # JUDGED_COLUMNS: configured, then learned
    margins: pd.DataFrame  # MARGIN_COLUMNS: AUC and lowest-decile lift, learned minus configured

    @property
    def clearly_better(self) -> bool:
        """Both margins' 95 % intervals lie above zero."""
        return len(self.margins) == 2 and bool((self.margins.ci_low > 0).all())

    def verdict(self) -> str:
        """Whether the learned weights rank churn better, in one sentence ('' when nothing was learned)."""
        if self.config is None:
            return ""
        m = self.margins.set_index("figure")
        said = ", ".join(
            f"{f} {m.at[f, 'learned_minus_configured']:+.3g} (95 % interval {m.at[f, 'ci_low']:+.3g} .. "
            f"{m.at[f, 'ci_high']:+.3g})"
            for f in m.index
        )
        if self.clearly_better:
            return (
                f"The learned weights beat the configured ones on the later snapshots: {said}. To score with them, "
                "set health.weights: learned in dataset.yaml."
            )
        return f"The learned weights do not beat the configured ones clearly on the later snapshots ({said})."

    def figures(self) -> dict:
        """For health_backtest.json and the front page: both configurations' AUC, lift and surprise churn on the
        later snapshots, and the margins ({} when nothing was learned)."""
        if self.config is None:
            return {}
        judged = self.judged.set_index("weights")
        both = lambda figure: {w: float(judged.at[w, figure]) for w in ("configured", "learned")}
        margins = {r.figure: [r.learned_minus_configured, r.ci_low, r.ci_high] for r in self.margins.itertuples()}
        return {
            "learned_weights": {
                "clearly_better": self.clearly_better,
                "auc": both("auc"),
                "lowest_decile_lift": both("lowest_decile_lift"),
                "surprise_churn_rate": both("surprise_churn_rate"),
                "auc_margin": margins["AUC"],
                "lowest_decile_lift_margin": margins["lowest-decile lift"],
            }
        }


def learned_weights(results: pd.DataFrame | None, config: HealthConfig, seed: int = 42) -> Learned:
    """Each event type's and each component's direction and weight, learned from the outcomes of the earlier
    half of the snapshots, and both configurations judged on the later half, which the learning never saw.

    1. Behaviour: the event-type rates that tell churn alone (``behaviour_rates``) form a component of their
       own, BEHAVIOUR, each scored by percentile among its snapshot's accounts in its learned direction.
    2. Component weights: a logistic regression of churn on every component's score (that one included); a
       component's weight is its (negative) coefficient's share, a component that does not lower risk beyond
       the noise gets 0 (``_component_weights``).
    The later half is then scored with each configuration and judged: AUC of the score against churn,
    lowest-decile lift and surprise churn, and the learned minus configured AUC and lift with 95 % intervals
    from a paired bootstrap over accounts (``judge``)."""
    if learning_gap(results):
        return Learned(
            None,
            *(pd.DataFrame(columns=c) for c in (WEIGHT_COLUMNS, RATE_COLUMNS, JUDGED_COLUMNS)),
            pd.DataFrame(columns=MARGIN_COLUMNS),
        )
    early, late = _halves(results)
    rates = behaviour_rates(early)
    probe = with_behaviour(config, rates)
    learned = _component_weights(early, probe)
    final = with_weights(probe, learned)
    configured = config.component_weights()
    comps = [c for c in final.components if c in configured or c == BEHAVIOUR]
    weights = pd.DataFrame(
        {
            "component": comps,
            "configured_weight": [configured.get(c, 0.0) for c in comps],
            "learned_weight": [learned[c] for c in comps],
        }
    )
    judged, margins = judge(late, config, final, seed)
    return Learned(final, weights, _rates_table(rates, early), judged, margins)


def behaviour_rates(early: pd.DataFrame) -> dict[str, Metric]:
    """The event-type rates (``health.actions``) that tell churn on the earlier snapshots, each with its
    direction (a rate that goes with churn counts against health) and weight (ten times how far its AUC alone
    is from 0.5: seed 001's weights from historical correlation): strongest first, a rate correlated above 0.8
    with a stronger one left out (it would count one signal twice: ``prune_correlated``, as notebook 10
    prunes), at most LEARNED_RATES."""
    y = early.churned.astype(bool)
    rates = [c for c in early if actions.is_action(c) and early[c].notna().mean() > 0.5 and early[c].nunique() > 1]
    alone = pd.Series({c: roc_auc_score(y[early[c].notna()], early[c].dropna()) for c in rates}, dtype=float)
    edge = (alone - 0.5).abs().sort_values(ascending=False, kind="stable")
    edge = edge[edge >= MIN_EDGE].head(4 * LEARNED_RATES)
    kept, _ = prune_correlated(early[list(edge.index)], y, threshold=0.8)
    strongest = [c for c in edge.index if c in kept][:LEARNED_RATES]
    percentile = Normalise(method="percentile")
    return {
        c: Metric(
            direction="lower" if alone[c] > 0.5 else "higher", weight=round(10 * edge[c], 2), normalise=percentile
        )
        for c in strongest
    }


def with_behaviour(config: HealthConfig, rates: dict[str, Metric]) -> HealthConfig:
    """The configuration with a BEHAVIOUR component of ``rates`` (weight 10, the others scaled to 90 %: only
    its score matters until ``_component_weights`` weighs it); unchanged without rates."""
    if not rates:
        return config
    weights = {name: w * 0.9 for name, w in config.component_weights().items()} | {BEHAVIOUR: 10.0}
    comps = dict(config.components) | {BEHAVIOUR: Component(weight=10.0, metrics=rates)}
    return with_weights(config.model_copy(update={"components": comps}), weights)


def _component_weights(early: pd.DataFrame, config: HealthConfig) -> dict[str, float]:
    """Component weights from a logistic regression of churn on the component scores (earlier half): each
    component whose coefficient lowers risk beyond the noise (z below -Z_KEEP) gets its share of those
    coefficients, in tenths summing to 100; the others get 0: weight on a component whose pull is noise only
    dilutes the ones that tell. With no such component, or a fit that fails, the configured weights."""
    import warnings

    import statsmodels.api as sm

    scores = health_score.score(early, config, within="snapshot")
    # a component with no data in the earlier half (its tables are missing, or its windows reach before the
    # first event on a short history), or one value for every account, has nothing to learn from
    comps = [c for c in config.components if scores[f"score_{c}"].nunique() > 1]
    X = scores[[f"score_{c}" for c in comps]].apply(lambda col: col.fillna(col.mean())) / 100
    try:
        with warnings.catch_warnings():  # separation and slow convergence show in the z-values: no log noise
            warnings.simplefilter("ignore")
            fit = sm.Logit(early.churned.to_numpy(float), sm.add_constant(X.to_numpy())).fit(disp=0, maxiter=200)
    except (np.linalg.LinAlgError, ValueError):
        return config.component_weights()
    coef, z = fit.params[1:], fit.tvalues[1:]
    pull = {c: float(-b) for c, b, t in zip(comps, coef, z) if t < -Z_KEEP}
    total = sum(pull.values())
    if not total > 0:
        return config.component_weights()
    learned = {c: round(100 * pull.get(c, 0.0) / total, 1) for c in config.components}
    top = max(learned, key=learned.get)
    learned[top] = round(learned[top] + 100 - sum(learned.values()), 1)  # rounding leaves the sum at 100
    return learned


def _rates_table(rates: dict[str, Metric], early: pd.DataFrame) -> pd.DataFrame:
    y = early.churned.astype(bool)
    rows = [
        (name, m.direction, m.weight, round(roc_auc_score(y[early[name].notna()], early[name].dropna()), 3))
        for name, m in rates.items()
    ]
    return pd.DataFrame(rows, columns=RATE_COLUMNS)


def judge(late: pd.DataFrame, configured: HealthConfig, learned: HealthConfig, seed: int, draws: int = 200):
    """Both configurations on the later snapshots: AUC, lowest-decile lift, surprise churn (``summary``); and
    learned minus configured AUC and lift with 95 % intervals, resampling accounts on the same rows."""
    scores = {name: rescored(late, c) for name, c in (("configured", configured), ("learned", learned))}
    rows = []
    for name, s in scores.items():
        figures = summary(late.assign(health_score=s))
        auc = roc_auc_score(late.churned.astype(bool)[s.notna()], -s.dropna())
        rows.append(
            {"weights": name, "snapshots_judged": figures["snapshots"], "auc": round(float(auc), 3)}
            | {k: figures[k] for k in ("lowest_decile_lift", "surprise_churn_rate", "churned")}
        )
    both = late.assign(configured=scores["configured"], learned=scores["learned"]).dropna(
        subset=["configured", "learned"]
    )
    y, groups = both.churned.to_numpy(bool), both.account_id.to_numpy()
    auc = evaluation.paired_auc_margin(y, -both.learned.to_numpy(), -both.configured.to_numpy(), groups, seed, draws)
    lift = _paired_lift(both, seed, draws)
    margins = pd.DataFrame([("AUC", *auc), ("lowest-decile lift", *lift)], columns=MARGIN_COLUMNS)
    return pd.DataFrame(rows, columns=JUDGED_COLUMNS), margins


def _paired_lift(both: pd.DataFrame, seed: int, draws: int) -> tuple[float, float, float]:
    """Learned minus configured lowest-decile lift (``summary``'s), with a 95 % interval resampling accounts."""
    y = both.churned.to_numpy(bool)
    learned, configured = both.learned.to_numpy(float), both.configured.to_numpy(float)
    diff = lambda rows: _lift(learned[rows], y[rows]) - _lift(configured[rows], y[rows])
    samples = [diff(rows) for rows in evaluation.resampled_rows(both.account_id.to_numpy(), y, seed, draws)]
    low, high = np.nanpercentile(samples, [2.5, 97.5])
    return round(float(diff(np.arange(len(y)))), 2), round(float(low), 2), round(float(high), 2)


def _lift(score: np.ndarray, y: np.ndarray) -> float:
    """Churn among the lowest-scoring tenth (at or below the 10th percentile) over churn among all."""
    return y[score <= np.quantile(score, 0.10)].mean() / y.mean()


if __name__ == "__main__":  # python -m helpers.health.backtest DATASET AS_OF [RUN_DIR]: notebook 09's figures
    import json
    import sys

    from helpers.data import contract
    from helpers.health import inputs as health_inputs
    from helpers.health import snapshots

    ds = contract.load_dataset(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "2026-10-31")
    cfg, _ = health_inputs.config_for(ds)
    horizon = snapshots.cadence(ds).horizon_days
    runs = sys.argv[3:]  # with a run folder, its expert model and cached history, as notebook 09
    full = snapshots.cached_history(ds, cfg, runs[0], horizon) if runs else snapshots.history(ds, cfg, horizon)
    res = recent(full, 12)
    print(json.dumps(summary(res), indent=2))
    print(by_tier(res, cfg).to_string(index=False))
    learned = learned_weights(res, cfg)
    for table in (learned.weights, learned.rates, learned.judged, learned.margins):
        print(table.to_string(index=False))
    print(learned.verdict())
