"""Is the health score right? Score past snapshots and see who churned afterwards.

Each snapshot T is a month end whose outcome window (T, T + horizon] and the grace
period after it closed before as_of, so every churn counted is known. Features at T
come from the dataset cut at T; outcomes from the subscriptions as known at as_of.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data import subscriptions as outcomes
from helpers.data.contract import Dataset
from helpers.expert import rollup
from helpers.health import features as account_features
from helpers.health import score as health_score
from helpers.health.config import HealthConfig


def snapshot_dates(ds: Dataset, horizon_days: int, months: int) -> list[pd.Timestamp]:
    last = ds.as_of - pd.Timedelta(days=horizon_days + ds.config.churn.grace_days)
    ends = pd.date_range(end=last, periods=months, freq="ME")
    return [t for t in ends if t > ds.events.first + pd.Timedelta(days=90)]


def backtest(ds: Dataset, config: HealthConfig, horizon_days: int = 90, months: int = 12) -> pd.DataFrame:
    """One row per account and snapshot: snapshot, the sub-metrics at T, the score at T, churned after T."""
    spell_table = outcomes.spells(ds.tables["subscriptions"], ds.config.churn.grace_days)
    rows = []
    for t in snapshot_dates(ds, horizon_days, months):
        features = account_features.snapshot(rollup.at(ds, t))
        scored = scored_snapshot(features, config)
        churned = outcomes.churned_within(spell_table, t, horizon_days, ds.as_of, ds.config.churn.grace_days)
        scored["churned"] = scored.account_id.map(churned).fillna(False).astype(bool)
        rows.append(scored.assign(snapshot=t.date()))
    return pd.concat(rows, ignore_index=True)


def scored_snapshot(features: pd.DataFrame, config: HealthConfig) -> pd.DataFrame:
    """The features with the score's columns beside them (the score's own columns win a clash)."""
    scored = health_score.score(features, config)
    keep = features.drop(columns=[c for c in scored if c in features and c != config.id_column])
    return keep.merge(scored, on=config.id_column)


def summary(results: pd.DataFrame, surprise_above: float = 60) -> dict:
    """Lowest-decile lift, surprise churn rate, score-outcome correlation, with the counts behind them."""
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


def by_tier(results: pd.DataFrame, config: HealthConfig) -> pd.DataFrame:
    """Churn within the horizon per tier at the snapshot, with n (account-snapshots) and a 95 % interval."""
    names = [t.name for t in sorted(config.tiers, key=lambda t: t.min, reverse=True)]
    g = results.groupby("tier").churned
    out = pd.DataFrame({"accounts": g.size(), "churned": g.sum()}).reindex(names).fillna(0).astype(int)
    out["churn_rate"] = (out.churned / out.accounts.where(out.accounts > 0)).round(3)
    lo, hi = rollup.wilson(out.churned.to_numpy(), out.accounts.to_numpy())
    out["ci_low"], out["ci_high"] = lo.round(3), hi.round(3)
    return out.rename_axis("tier").reset_index()


def rescored(results: pd.DataFrame, config: HealthConfig) -> pd.Series:
    """Each snapshot scored again under another configuration (percentiles stay within their snapshot)."""
    parts = [health_score.score(g, config).health_score.set_axis(g.index) for _, g in results.groupby("snapshot")]
    return pd.concat(parts).reindex(results.index)


def with_weights(config: HealthConfig, weights: dict[str, float]) -> HealthConfig:
    """The same configuration with other component weights for every segment."""
    comps = {name: c.model_copy(update={"weight": weights[name]}) for name, c in config.components.items()}
    return config.model_copy(update={"components": comps, "preset": None, "segments": {}})


def learned_weights(results: pd.DataFrame, config: HealthConfig, seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Component weights suggested by the outcomes, beside the configured ones, judged on later snapshots.

    A logistic regression of churn on the component scores is fitted on the earlier half
    of the snapshots; a component's suggested weight is its (negative) coefficient's share,
    components that do not lower risk get 0. The later half, which the fit never saw, is
    then scored again with the suggested weights (everything else in the configuration
    unchanged) and both are judged on it.
    """
    from sklearn.linear_model import LogisticRegression

    # a component with no data at all (its tables are missing) has nothing to learn from
    comps = [c for c in config.components if f"score_{c}" in results and results[f"score_{c}"].notna().any()]
    dates = sorted(results.snapshot.unique())
    early = results[results.snapshot.isin(dates[: len(dates) // 2])]
    late = results[results.snapshot.isin(dates[len(dates) // 2 :])]
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


if __name__ == "__main__":  # python -m helpers.health.backtest DATASET AS_OF
    import json
    import sys

    from helpers.data import contract
    from helpers.health import config as health_config
    from helpers.health import inputs as health_inputs

    ds = contract.load_dataset(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "2026-10-31")
    cfg = (
        health_config.parse(ds.config.health, "dataset.yaml: health")
        if ds.config.health
        else health_config.load(health_inputs.DEFAULT_CONFIG)
    )
    res = backtest(ds, cfg)
    print(json.dumps(summary(res), indent=2))
    print(by_tier(res, cfg).to_string(index=False))
    suggested, judged = learned_weights(res, cfg)
    print(suggested.to_string(index=False))
    print(judged.to_string(index=False))
