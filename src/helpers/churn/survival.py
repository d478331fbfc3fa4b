"""Time to churn: Kaplan-Meier retention curves by group, and a proportional-hazards model (statsmodels).

Accounts paying at a start date are followed until their subscription ends (churn) or
until the last date whose churn is known (as_of minus the grace period), where they are
censored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.data import subscriptions as outcomes

if TYPE_CHECKING:
    from helpers.churn.inputs import ChurnProblem

EVENTS_PER_COVARIATE = 10  # the usual rule of thumb for a stable hazard model
CURVE_COLUMNS = ["days", "retained", "ci_low", "ci_high", "at_risk", "n"]  # kaplan_meier, after the group
HAZARD_COLUMNS = ["covariate", "hazard_ratio_per_sd", "ci_low", "ci_high", "p_value"]  # hazard_model

FLAT_GAP = "flat mode: no history to follow"  # by_health_tier_for: no subscriptions over time


def censored(start, end: pd.Series, as_of: pd.Timestamp, grace_days: int) -> tuple[pd.Series, pd.Series]:
    """Days followed and whether churn was seen: a spell end counts once the grace period after it has
    passed by as_of; otherwise the account is censored there."""
    known_until = as_of - pd.Timedelta(days=grace_days)
    churned = end.notna() & (end <= known_until)
    return (end.where(churned, known_until) - start).dt.days, churned


def follow_up(subscriptions: pd.DataFrame, start: pd.Timestamp, as_of: pd.Timestamp, grace_days: int) -> pd.DataFrame:
    """account_id, days (to churn or censoring), churned, for every account paying at ``start``."""
    spell_table = outcomes.spells(subscriptions, grace_days)
    live = outcomes.live_at(spell_table, start)
    days, churned = censored(start, live.end, as_of, grace_days)
    return pd.DataFrame(
        {"account_id": live.account_id.to_numpy(), "days": days.to_numpy(), "churned": churned.to_numpy()}
    )


def kaplan_meier(table: pd.DataFrame, group: str) -> pd.DataFrame:
    """Retention curve per group: group, days, retained, ci_low, ci_high, at_risk (accounts), n."""
    parts = []
    for name, g in table.groupby(group, observed=True):
        sf = _statsmodels().SurvfuncRight(g.days.to_numpy(float), g.churned.to_numpy(int))
        lo, hi = sf.simultaneous_cb() if g.churned.sum() > 1 else (sf.surv_prob, sf.surv_prob)
        start = pd.DataFrame({"days": [0.0], "retained": [1.0], "ci_low": [1.0], "ci_high": [1.0], "at_risk": [len(g)]})
        curve = pd.DataFrame(
            {"days": sf.surv_times, "retained": sf.surv_prob, "ci_low": lo, "ci_high": hi, "at_risk": sf.n_risk}
        )
        parts.append(pd.concat([start, curve]).assign(**{group: name, "n": len(g)}))
    return pd.concat(parts, ignore_index=True)[[group, "days", "retained", "ci_low", "ci_high", "at_risk", "n"]]


def retained_at(curves: pd.DataFrame, group: str, days: int) -> pd.DataFrame:
    """Each group's retention at ``days`` (the curve's last step on or before it)."""
    rows = []
    for name, c in curves.groupby(group, observed=True, sort=False):
        step = c[c.days <= days].iloc[-1]
        rows.append({group: name, "accounts": int(c.n.iloc[0]), f"retained_{days}d": round(float(step.retained), 3)})
    return pd.DataFrame(rows)


def hazard_model(table: pd.DataFrame, covariates: list[str]) -> tuple[pd.DataFrame, str]:
    """Cox proportional hazards: hazard ratio per standard deviation of each covariate, with 95 % CI.

    Fitted only when there are at least EVENTS_PER_COVARIATE churns per covariate; the note says why not.
    """
    events = int(table.churned.sum())
    need = EVENTS_PER_COVARIATE * len(covariates)
    if events < need:
        return pd.DataFrame(columns=HAZARD_COLUMNS), (
            f"{events} churns for {len(covariates)} covariate(s); a hazard model needs about "
            f"{need}: not fitted, the curves above are the evidence"
        )
    Z = table[covariates].astype(float)
    Z = (Z.fillna(Z.median()) - Z.mean()) / Z.std()
    fit = (
        _statsmodels()
        .PHReg(table.days.to_numpy(float), Z.to_numpy(), status=table.churned.to_numpy(int), ties="efron")
        .fit()
    )
    ci = np.exp(fit.conf_int())
    out = pd.DataFrame(
        {
            "covariate": covariates,
            "hazard_ratio_per_sd": np.exp(fit.params),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
            "p_value": fit.pvalues,
        }
    )
    return out.round(4), f"{events} churns among {len(table)} accounts"


def cohort_at(
    history: pd.DataFrame, subscriptions: pd.DataFrame, as_of: pd.Timestamp, grace_days: int, lookback_days: int = 365
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Accounts as scored at the snapshot nearest ``lookback_days`` before as_of, followed from there.

    Returns their tier, health score and segment at that snapshot with days and churned,
    and the snapshot date.
    """
    dates = pd.Series(sorted(history.snapshot.unique()))
    start = dates.iloc[(dates - (as_of - pd.Timedelta(days=lookback_days))).abs().argmin()]
    scored = history.loc[history.snapshot == start, ["account_id", "tier", "health_score", "segment"]]
    followed = follow_up(subscriptions, start, as_of, grace_days)
    return scored.merge(followed, on="account_id"), start


def by_health_tier(
    history: pd.DataFrame,
    subscriptions: pd.DataFrame,
    as_of: pd.Timestamp,
    grace_days: int,
    tier_order: list[str],
    lookback_days: int = 365,
) -> dict:
    """Kaplan-Meier curves by health tier a year back, retention at 90/180 days, and a hazard model on the score."""
    cohort, start = cohort_at(history, subscriptions, as_of, grace_days, lookback_days)
    cohort["tier"] = pd.Categorical(cohort.tier, [t for t in tier_order if t in set(cohort.tier)], ordered=True)
    curves = kaplan_meier(cohort.sort_values("tier"), "tier")
    table = retained_at(curves, "tier", 90).merge(retained_at(curves, "tier", 180), on=["tier", "accounts"])
    hazards, note = hazard_model(cohort, ["health_score"])
    return {"start": start, "cohort": cohort, "curves": curves, "retention": table, "hazards": hazards, "note": note}


def by_health_tier_for(problem: ChurnProblem, lookback_days: int = 365) -> dict:
    """``by_health_tier`` on notebook 10's history; in flat mode (no history to follow) the same keys with
    empty tables (their columns, no rows), no start date, and a note saying why. ``gap`` is that reason
    (the section steps aside), "" when there is a history."""
    if problem.ds is None:
        cohort = [problem.id_column, "tier", "health_score", "segment", "days", "churned"]
        return {
            "start": pd.NaT,
            "cohort": pd.DataFrame(columns=cohort),
            "curves": pd.DataFrame(columns=["tier", *CURVE_COLUMNS]),
            "retention": pd.DataFrame(columns=["tier", "accounts", "retained_90d", "retained_180d"]),
            "hazards": pd.DataFrame(columns=HAZARD_COLUMNS),
            "note": FLAT_GAP,
            "gap": FLAT_GAP,
        }
    ds = problem.ds
    found = by_health_tier(
        problem.history,
        ds.tables["subscriptions"],
        ds.as_of,
        ds.config.churn.grace_days,
        [t.name for t in problem.config.tiers],
        lookback_days,
    )
    return {**found, "gap": ""}


def _statsmodels():
    """statsmodels, imported when a curve or a hazard model is fitted: importing it takes about a second,
    which every notebook importing this module would pay at its first cell."""
    import statsmodels.api as sm

    return sm
