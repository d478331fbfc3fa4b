"""Is the health score right? Score past snapshots and see who churned afterwards.

The snapshots are the run's history (``health.snapshots``): month ends whose outcome window
and the grace period after it closed before as_of, so every churn counted is known, each
scored from the dataset cut at T exactly as today's accounts are scored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.contract import Dataset
from helpers.health import score as health_score
from helpers.health import snapshots
from helpers.health.config import HealthConfig
from helpers.stats import wilson

TIER_COLUMNS = ["tier", "accounts", "churned", "churn_rate", "ci_low", "ci_high"]  # by_tier
WEIGHT_COLUMNS = ["component", "configured_weight", "learned_weight"]  # learned_weights: suggestions
JUDGED_COLUMNS = ["weights", "snapshots_judged", "lowest_decile_lift", "surprise_churn_rate", "churned"]


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


def learned_weights(
    results: pd.DataFrame | None, config: HealthConfig, seed: int = 42
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Component weights suggested by the outcomes, beside the configured ones, judged on later snapshots.

    A logistic regression of churn on the component scores is fitted on the earlier half
    of the snapshots; a component's suggested weight is its (negative) coefficient's share,
    components that do not lower risk get 0. The later half, which the fit never saw, is
    then scored again with the suggested weights (everything else in the configuration
    unchanged) and both are judged on it. With nothing to learn from (``learning_gap``), both
    tables have their columns and no rows.
    """
    from sklearn.linear_model import LogisticRegression

    if learning_gap(results):
        return pd.DataFrame(columns=WEIGHT_COLUMNS), pd.DataFrame(columns=JUDGED_COLUMNS)
    early, late = _halves(results)
    # a component with no data in the earlier half (its tables are missing, or its windows reach before the
    # first event on a short history) has nothing to learn from
    comps = [c for c in config.components if f"score_{c}" in early and early[f"score_{c}"].notna().any()]
    X = early[[f"score_{c}" for c in comps]]
    X = X.apply(lambda col: col.fillna(col.mean())) / 100
    model = LogisticRegression(class_weight="balanced", max_iter=1000, random_state=seed).fit(X, early.churned)
    pull = np.clip(-model.coef_[0], 0, None)
    configured = config.component_weights()
    learned = dict(zip(comps, 100 * pull / pull.sum())) if pull.sum() > 0 else configured
    learned = {c: learned.get(c, 0.0) for c in config.components}
    table = pd.DataFrame(
        {
            "component": comps,
            "configured_weight": [configured[c] for c in comps],
            "learned_weight": [round(learned[c], 1) for c in comps],
        }
    )
    rows = []
    for name, scores in (("configured", late.health_score), ("learned", rescored(late, with_weights(config, learned)))):
        s = summary(late.assign(health_score=scores))
        rows.append(
            {
                "weights": name,
                "snapshots_judged": s["snapshots"],
                "lowest_decile_lift": s["lowest_decile_lift"],
                "surprise_churn_rate": s["surprise_churn_rate"],
                "churned": s["churned"],
            }
        )
    return table, pd.DataFrame(rows)


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
    suggested, judged = learned_weights(res, cfg)
    print(suggested.to_string(index=False))
    print(judged.to_string(index=False))
