"""Account sub-metrics at a snapshot date, from the multi-table dataset (notebook 09).

Everything is measured from data before the snapshot's cutoff: the dataset view is
cut there first (``Dataset.at``), so a snapshot in the past sees what was known then.
Column names are the sub-metric names the health configuration refers to; a table
the dataset lacks simply leaves its columns out, and the score renormalises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data import subscriptions as outcomes
from helpers.data.contract import Dataset
from helpers.expert import rollup
from helpers.health import actions, usage
from helpers.measures.catalogue import groups

DAY = pd.Timedelta(days=1)


def snapshot(
    ds: Dataset,
    tags: pd.DataFrame | None = None,
    counted: pd.DataFrame | None = None,
    acted: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per paying customer on ds.as_of, with every sub-metric the data allows (expert share with tags)
    and each event type's rates (``actions.rates``). ``counted`` and ``acted``: this date's usage and action
    counts, when ``usage.at_dates`` and ``actions.at_dates`` computed many dates in one pass."""
    subs = ds.tables["subscriptions"]
    spell_table = outcomes.spells(subs, ds.config.churn.grace_days)
    customers = outcomes.active_at(spell_table, ds.as_of)
    out = pd.DataFrame(index=pd.Index(sorted(customers), name="account_id"))
    accounts = ds.tables["accounts"].set_index("account_id")
    for col in ("segment", "csm"):
        out[col] = (
            accounts[col].reindex(out.index) if col in accounts else ("all" if col == "segment" else "unassigned")
        )
    parts = [_usage(ds, counted), _financial(ds, spell_table), _growth(ds)]
    if tags is not None and len(tags):
        parts.append(_expert_share(ds, tags))
    for table, fn in (
        ("nps", _nps),
        ("touchpoints", _touchpoints),
        ("tickets", _support),
        ("assessments", _relationships),
    ):
        if table in ds.tables:
            parts.append(fn(ds))
    for part in parts:
        out = out.join(part.reindex(out.index))
    out = _unknown_before_history(out, ds)
    seats = outcomes.seats_at(subs, ds.as_of)
    acted = acted if acted is not None else actions.on(actions.at_dates(ds, [ds.as_of]), ds.as_of)
    out = out.join(actions.rates(acted, out.index, out.active_users_30d, seats, ds.config, _history_days(ds)))
    if not seats.empty:
        out["seat_utilisation"] = (out.active_users_30d / seats.reindex(out.index).where(lambda s: s > 0)).round(3)
        if "tickets" in ds.tables:
            out["tickets_per_seat_90d"] = (
                out.pop("tickets_90d") / seats.reindex(out.index).where(lambda s: s > 0)
            ).round(3)
    return out.reset_index()


def _usage(ds: Dataset, counted: pd.DataFrame | None = None) -> pd.DataFrame:
    """Activity coefficient, DAU/MAU, L7/L30, adoption, usage velocity, login trend (``usage``), with the
    zeros and floors of an account that did nothing. ``counted``: this date's rows of ``usage.at_dates``
    when the caller computed many dates in one pass."""
    out = counted if counted is not None else usage.at_dates(ds, [ds.as_of]).droplevel("snapshot")
    out = out.copy()
    for col in (
        "active_users_30d",
        "logins_30d",
        "events_30d",
        "activity_coefficient",
        *(f"{g}_adoption" for g in groups(ds.config) if g in usage.ADOPTION_GROUPS),
    ):
        if col in out:
            out[col] = out[col].fillna(0)
    for col in ("days_since_active", "days_since_login"):
        if col in out:
            out[col] = out[col].fillna(90)  # nothing in the last 24 weeks: at least 90
    return out


# Days of event history each usage sub-metric reads before the snapshot (whole weeks, see whole_weeks).
LOOKBACK_DAYS = {
    "active_users_30d": 28,
    "dau_mau": 28,
    "l7_l30": 28,
    "logins_30d": 28,
    "events_30d": 28,
    "usage_velocity_14d": 28,
    "activity_coefficient": 49,  # 7 whole weeks (seed 002)
    "usage_velocity_30d": 56,
    "login_trend_30d": 56,
    "usage_change_vs_90d": 84,
    "core_adoption": 90,
    "expansion_adoption": 90,
    "advanced_adoption": 90,
    "usage_slope_13w": 91,
    "usage_velocity_60d": 112,
    "usage_velocity_90d": 168,
}


def _unknown_before_history(out: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """A sub-metric whose window starts before the first event is unknown, not zero: the export
    does not reach back that far (a short history, or an early snapshot of a long one)."""
    seen = _history_days(ds)
    late = [c for c, days in LOOKBACK_DAYS.items() if c in out and days > seen]
    return out.assign(**dict.fromkeys(late, np.nan))


def _history_days(ds: Dataset) -> int:
    """Days of event history before the snapshot's cutoff."""
    return (ds.cutoff - ds.events.first.normalize()).days


def _expert_share(ds: Dataset, tags: pd.DataFrame) -> pd.DataFrame:
    counts = rollup.tags_per_account(tags, ds.tables["users"], ds.config.roles)
    return counts[["weighted_expert_share"]].rename(columns={"weighted_expert_share": "expert_share"})


def _nps(ds: Dataset) -> pd.DataFrame:
    n = ds.tables["nps"]
    recent = n[n.responded_at >= ds.cutoff - 180 * DAY]
    last90 = recent[recent.responded_at >= ds.cutoff - 90 * DAY].groupby("account_id").score.mean()
    prior90 = recent[recent.responded_at < ds.cutoff - 90 * DAY].groupby("account_id").score.mean()
    return pd.DataFrame(
        {"nps_180d": recent.groupby("account_id").score.mean().round(2), "nps_trend_90d": (last90 - prior90).round(2)}
    )


def _touchpoints(ds: Dataset) -> pd.DataFrame:
    """Touchpoints in 180 days, and the share of CSM meetings (``touchpoints.meeting_kinds``) that were held."""
    t = ds.tables["touchpoints"]
    recent = t[t.date >= ds.cutoff - 180 * DAY]
    out = pd.DataFrame({"touchpoints_180d": recent.groupby("account_id").size()})
    if "status" in recent:
        meetings = recent[ds.config.touchpoints.is_meeting(recent.kind)]
        out["meetings_held_share"] = meetings.status.eq("held").groupby(meetings.account_id).mean().round(3)
    return out


def _support(ds: Dataset) -> pd.DataFrame:
    t = ds.tables["tickets"]
    recent = t[t.opened_at >= ds.cutoff - 90 * DAY]
    g = recent.groupby("account_id")
    out = pd.DataFrame({"tickets_90d": g.size()})
    if "escalated" in recent:
        out["escalations_90d"] = g.escalated.sum()
    if "csat" in recent:
        out["csat_90d"] = g.csat.mean().round(2)
    if "closed_at" in recent:
        hours = (recent.closed_at - recent.opened_at).dt.total_seconds() / 3600
        out["hours_to_resolve"] = hours.groupby(recent.account_id).median().round(1)
        out["open_tickets"] = recent.closed_at.isna().groupby(recent.account_id).sum()
    return out


def _relationships(ds: Dataset) -> pd.DataFrame:
    a = ds.tables["assessments"]
    recent = a[a.assessed_at >= ds.cutoff - 365 * DAY].sort_values("assessed_at")
    items = [c for c in recent.columns if c not in ("account_id", "assessed_at")]
    return recent.groupby("account_id")[items].last()


def _growth(ds: Dataset) -> pd.DataFrame:
    """Seat trend over 90 days, and whether the account expanded in the last year."""
    subs = ds.tables["subscriptions"]
    out = pd.DataFrame(index=pd.Index(subs.account_id.unique(), name="account_id"))
    if "seats" in subs:
        now, before = outcomes.seats_at(subs, ds.as_of), outcomes.seats_at(subs, ds.as_of - 90 * DAY)
        out["seat_trend_90d"] = usage.change(now.reindex(out.index), before.reindex(out.index))
    mrr_now = outcomes.mrr_at(subs, ds.as_of)
    mrr_year = outcomes.mrr_at(subs, ds.as_of - 365 * DAY)
    out["expanded_last_year"] = (mrr_now.reindex(out.index) > mrr_year.reindex(out.index) * 1.001).astype(float)
    out["contracted_last_year"] = (mrr_now.reindex(out.index) < mrr_year.reindex(out.index) * 0.999).astype(float)
    return out


def _financial(ds: Dataset, spell_table: pd.DataFrame) -> pd.DataFrame:
    """Days to the next renewal (every billing period from the spell's start), tenure, MRR.

    An account whose billing period nothing tells (``outcomes.billing_periods``) has no renewal date."""
    live = spell_table[spell_table.end.isna()].set_index("account_id")
    subs = ds.tables["subscriptions"]
    periods, _ = outcomes.billing_periods(subs)
    length = periods.reindex(live.index).map(outcomes.PERIOD_DAYS).astype(float)
    age = (ds.as_of - live.start).dt.days
    return pd.DataFrame(
        {
            "days_to_renewal": length - age % length,
            "tenure_days": age,
            "annual_billing": (length >= 365).astype(float).where(length.notna()),
            "mrr": outcomes.mrr_at(subs, ds.as_of).reindex(live.index).round(2),
        },
        index=live.index,
    )


def days_to_renewal(ds: Dataset) -> pd.Series:
    """Days from as_of to each paying account's next renewal."""
    spell_table = outcomes.spells(ds.tables["subscriptions"], ds.config.churn.grace_days)
    return _financial(ds, spell_table).days_to_renewal
