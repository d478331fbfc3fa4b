"""Tiers that hold still when nothing changed: a small move across a boundary must last two months.

Month to month, a score moves by several points with no change in the account: usage counted over
30 days is noisy, and so is everything compared with the month before. Tiers drawn at hard lines
then flip back and forth, and a CSM stops trusting them. So an account whose score crosses a tier
boundary and lands less than ``tier_margin`` points (3 by default) past it stays one tier back, on
last month's side, for a month: if next month's score is still there, last month's score was already
on the new side and the tier changes. Scores that land further past the line change tier at once.

The rule looks at two raw scores only (this month's and last month's), never at earlier decisions,
so the same data gives the same tiers however the runs were chained. The score itself is untouched:
ranking and the backtest's lift are the score's; only the tier is held. ``compare`` measures what
the rule buys on the backtest's snapshots: tier changes, score changes, lift and surprise churn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.expert import model as expert_model
from helpers.health import score as health_score
from helpers.health import snapshots
from helpers.health.config import HealthConfig
from helpers.retention.revenue import month_before

COMPARE_COLUMNS = [
    "tiers",
    "pairs",
    "tier_changed",
    "median_abs_score_change",
    "lowest_decile_lift",
    "surprise_churn_rate",
]


def held(scores: pd.Series, last: pd.Series, config: HealthConfig) -> pd.Series:
    """Each score's tier under the margin rule, given last month's score (NaN: none, the tier as scored):
    a score that changed tier and lands less than ``tier_margin`` points past the boundary it crossed
    last stays one tier back, on last month's side."""
    ordered = sorted(config.tiers, key=lambda t: t.min)
    bounds, names = np.array([t.min for t in ordered]), np.array([t.name for t in ordered], dtype=object)
    now = scores.to_numpy(float)
    now_idx = np.clip(np.searchsorted(bounds, now, side="right") - 1, 0, len(bounds) - 1)
    last_idx = np.clip(np.searchsorted(bounds, last.to_numpy(float), side="right") - 1, 0, len(bounds) - 1)
    down = now_idx < last_idx
    edge = bounds[np.where(down, np.minimum(now_idx + 1, len(bounds) - 1), now_idx)]  # the boundary crossed last
    hold = last.notna().to_numpy() & (now_idx != last_idx) & (np.abs(now - edge) < config.tier_margin)
    tiers = pd.Series(names[np.where(hold, now_idx + np.where(down, 1, -1), now_idx)], index=scores.index)
    return tiers.where(scores.notna(), health_score.tier_of(scores, config))


def last_month(inputs, run_dir) -> pd.DataFrame:
    """Every account paying at last month's close with its score and tier then (each held against the month
    before it), from the data as it stood then, with this run's configuration and expert model. No rows
    in flat mode (one table, no history) or before the first subscription."""
    columns = [inputs.config.id_column, "health_score", "tier"]
    if inputs.ds is None:
        return pd.DataFrame(columns=columns)
    t1 = month_before(inputs.ds.as_of)
    model = expert_model.for_run(inputs.ds, run_dir)
    (_, two), (_, one) = snapshots.tables(inputs.ds, [month_before(t1), t1], inputs.config, model)
    if one.empty:
        return pd.DataFrame(columns=columns)
    return settle(one, two if not two.empty else None, inputs.config)[columns]


def settle(scored: pd.DataFrame, last: pd.DataFrame | None, config: HealthConfig) -> pd.DataFrame:
    """Notebook 09's accounts with their tier under the margin rule, last month's score and tier beside
    (``health_score_last_month``, ``tier_last_month``) and ``tier_held`` where the rule kept last month's
    tier. Without last month's scores (flat mode, or no history a month back), tiers stay as scored."""
    key = config.id_column
    last = last if last is not None else pd.DataFrame(columns=[key, "health_score", "tier"])
    last = last.astype({"health_score": float})
    before = scored[key].map(last.set_index(key).health_score).astype(float)
    as_scored = health_score.tier_of(scored.health_score, config)
    tier = held(scored.health_score, before, config)
    return scored.assign(
        tier=tier,
        tier_held=tier != as_scored,
        health_score_last_month=before,
        tier_last_month=scored[key].map(last.set_index(key).tier),
    )


def compare(history: pd.DataFrame | None, config: HealthConfig) -> pd.DataFrame:
    """On the backtest's snapshots, from each snapshot to the next: the share of accounts changing tier
    and the median absolute score change, as scored and under the margin rule (each snapshot's tiers held
    against the one before), with the score's lowest-decile lift and surprise churn rate (the rule leaves
    the score alone, so these are the same on both rows: the check that stability cost no signal)."""
    from helpers.health import backtest

    if backtest.history_gap(history) or history.snapshot.nunique() < 2:
        return pd.DataFrame(columns=COMPARE_COLUMNS)
    h = history.sort_values(["account_id", "snapshot"], kind="stable")
    before = h.groupby("account_id").health_score.shift()
    dates = sorted(h.snapshot.unique())
    gap = h.snapshot.map(dict(zip(dates[1:], dates[:-1])))
    consecutive = before.notna() & (h.groupby("account_id").snapshot.shift() == gap)
    judged = backtest.summary(h)
    rules = {
        "as scored": health_score.tier_of(h.health_score, config),
        f"held within {config.tier_margin:g} points": held(h.health_score, before.where(consecutive), config),
    }
    rows = [
        {
            "tiers": name,
            "pairs": int(consecutive.sum()),
            "tier_changed": round(float((tiers != tiers.groupby(h.account_id).shift())[consecutive].mean()), 3),
            "median_abs_score_change": round(float((h.health_score - before)[consecutive].abs().median()), 1),
            "lowest_decile_lift": judged["lowest_decile_lift"],
            "surprise_churn_rate": judged["surprise_churn_rate"],
        }
        for name, tiers in rules.items()
    ]
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS)
