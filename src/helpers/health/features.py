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
from helpers.measures.catalogue import active_events, groups
from helpers.measures.engine import sql_list

DAY = pd.Timedelta(days=1)


def snapshot(ds: Dataset, tags: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per paying customer on ds.as_of, with every sub-metric the data allows (expert share with tags)."""
    subs = ds.tables["subscriptions"]
    spell_table = outcomes.spells(subs, ds.config.churn.grace_days)
    customers = outcomes.active_at(spell_table, ds.as_of)
    out = pd.DataFrame(index=pd.Index(sorted(customers), name="account_id"))
    accounts = ds.tables["accounts"].set_index("account_id")
    for col in ("segment", "csm"):
        out[col] = (
            accounts[col].reindex(out.index) if col in accounts else ("all" if col == "segment" else "unassigned")
        )
    parts = [_usage(ds), _financial(ds, spell_table), _growth(ds)]
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
    if not seats.empty:
        out["seat_utilisation"] = (out.active_users_30d / seats.reindex(out.index).where(lambda s: s > 0)).round(3)
        if "tickets" in ds.tables:
            out["tickets_per_seat_90d"] = (
                out.pop("tickets_90d") / seats.reindex(out.index).where(lambda s: s > 0)
            ).round(3)
    return out.reset_index()


def _usage(ds: Dataset) -> pd.DataFrame:
    """Activity coefficient, DAU/MAU, L7/L30, adoption, usage velocity, login trend.

    "30 days" here is 4 whole weeks, "90 days" 12 weeks (``whole_weeks``); the names keep the familiar labels."""
    cut = ds.cutoff
    d = lambda days: f"TIMESTAMP '{cut - whole_weeks(days)}'"
    active = f"event IN {sql_list(active_events(ds.config, ds.events.event_counts))}"
    session = ds.config.taxonomy.session_event
    # A login is a session event; without one, a user's active day (fallbacks.sessions says so).
    logins = (
        (lambda when: f"count(*) FILTER (WHERE {when} AND event = '{session}')")
        if session
        else (lambda when: f"count(DISTINCT (user_id, CAST(timestamp AS DATE))) FILTER (WHERE {when} AND {active})")
    )
    last_login = f"max(timestamp) FILTER (WHERE event = '{session}')" if session else "NULL"
    con = ds.connect()
    df = (
        con.execute(f"""
        SELECT account_id,
          count(DISTINCT user_id) FILTER (WHERE timestamp >= {d(30)} AND {active}) AS active_users_30d,
          count(DISTINCT user_id) FILTER (WHERE timestamp >= {d(7)} AND {active}) AS active_users_7d,
          count(DISTINCT (user_id, CAST(timestamp AS DATE))) FILTER (WHERE timestamp >= {d(30)} AND {active})
            / {whole_weeks(30).days}
            AS daily_active_users,
          count(*) FILTER (WHERE timestamp >= {d(30)} AND {active}) AS events_30d,
          count(*) FILTER (WHERE timestamp >= {d(15)} AND {active}) AS events_14d,
          count(*) FILTER (WHERE timestamp >= {d(30)} AND timestamp < {d(15)} AND {active}) AS events_prior_14d,
          count(*) FILTER (WHERE timestamp >= {d(60)} AND timestamp < {d(30)} AND {active}) AS events_prior_30d,
          count(*) FILTER (WHERE timestamp >= {d(90)} AND timestamp < {d(60)} AND {active}) AS events_90_to_60d,
          count(*) FILTER (WHERE timestamp >= {d(60)} AND {active}) AS events_60d,
          count(*) FILTER (WHERE timestamp >= {d(120)} AND timestamp < {d(60)} AND {active}) AS events_prior_60d,
          count(*) FILTER (WHERE timestamp >= {d(90)} AND {active}) AS events_90d,
          count(*) FILTER (WHERE timestamp >= {d(180)} AND timestamp < {d(90)} AND {active}) AS events_prior_90d,
          {logins(f"timestamp >= {d(30)}")} AS logins_30d,
          {logins(f"timestamp >= {d(60)} AND timestamp < {d(30)}")} AS logins_prior_30d,
          max(timestamp) FILTER (WHERE {active}) AS last_active,
          {last_login} AS last_login
        FROM events WHERE timestamp >= {d(180)} GROUP BY account_id""")
        .df()
        .set_index("account_id")
    )
    weekly = _weekly_active_events(con, cut, active)
    con.close()
    out = pd.DataFrame(index=df.index)
    out["active_users_30d"] = df.active_users_30d
    out["dau_mau"] = (df.daily_active_users / df.active_users_30d.where(lambda s: s > 0)).round(3)
    out["l7_l30"] = (df.active_users_7d / df.active_users_30d.where(lambda s: s > 0)).round(3)
    out["events_30d"] = df.events_30d  # volume: what a short history knows best (four weeks)
    out["usage_velocity_14d"] = _change(df.events_14d, df.events_prior_14d)  # the last 2 weeks against the 2 before
    out["usage_velocity_30d"] = _change(df.events_30d, df.events_prior_30d)
    out["usage_change_vs_90d"] = _change(df.events_30d, df.events_90_to_60d)  # slow declines show here first
    out["usage_velocity_60d"] = _change(df.events_60d, df.events_prior_60d)
    out["usage_velocity_90d"] = _change(df.events_90d, df.events_prior_90d)
    out["usage_slope_13w"] = _relative_slope(weekly).reindex(out.index)
    out["login_trend_30d"] = _change(df.logins_30d, df.logins_prior_30d)
    out["logins_30d"] = df.logins_30d
    out["days_since_active"] = (ds.as_of - df.last_active.dt.normalize()).dt.days
    if session:  # without one, days since a login would repeat days since activity
        out["days_since_login"] = (ds.as_of - pd.to_datetime(df.last_login).dt.normalize()).dt.days
    activity = rollup.account_activity(ds)
    out = activity.join(out, how="outer")
    out["active_users_30d"] = out.active_users_30d.fillna(0)
    out["logins_30d"] = out.logins_30d.fillna(0)
    out["events_30d"] = out.events_30d.fillna(0)
    for col in ("days_since_active", "days_since_login"):
        if col in out:
            out[col] = out[col].fillna(90)  # nothing in the last 90 days: at least 90
    for col in (
        "activity_coefficient",
        *(f"{g}_adoption" for g in groups(ds.config) if g in ("core", "expansion", "advanced")),
    ):
        if col in out:
            out[col] = out[col].fillna(0)
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
    seen = (ds.cutoff - ds.events.first.normalize()).days
    late = [c for c, days in LOOKBACK_DAYS.items() if c in out and days > seen]
    return out.assign(**dict.fromkeys(late, np.nan))


def whole_weeks(days: int) -> pd.Timedelta:
    """A usage window in whole weeks, a month counted as 4 weeks (7 -> 7, 30 -> 28, 60 -> 56, 90 -> 84 days).

    Every window then holds the same weekdays, and adjacent windows the same number of them, so a
    month end on a Saturday reads like one on a Wednesday (product use sleeps at weekends: a 30-day
    window ending on a Saturday holds one working day fewer than the 30 days before it)."""
    return 7 * round(days * 4 / 30) * DAY


def _weekly_active_events(con, cut: pd.Timestamp, active: str, weeks: int = 13) -> pd.DataFrame:
    """Active events per account in each of the last ``weeks`` whole weeks (column 0 = oldest), zeros kept."""
    start = cut - weeks * 7 * DAY
    counts = con.execute(f"""
        SELECT account_id, CAST(floor(date_diff('day', TIMESTAMP '{start}', timestamp) / 7) AS INT) AS week, count(*) AS n
        FROM events WHERE timestamp >= TIMESTAMP '{start}' AND timestamp < TIMESTAMP '{cut}' AND {active}
        GROUP BY ALL""").df()
    return counts.pivot(index="account_id", columns="week", values="n").reindex(columns=range(weeks)).fillna(0)


def _relative_slope(weekly: pd.DataFrame) -> pd.Series:
    """Least-squares trend of weekly usage, as a share of the account's average week (-0.05 = 5 % less each week)."""
    x = np.arange(weekly.shape[1], dtype=float) - (weekly.shape[1] - 1) / 2
    y = weekly.to_numpy(float)
    slope = (y * x).sum(axis=1) / (x * x).sum()
    mean = y.mean(axis=1)
    return pd.Series(np.where(mean > 0, slope / np.where(mean > 0, mean, 1), np.nan), index=weekly.index).round(4)


def _change(now: pd.Series, before: pd.Series) -> pd.Series:
    """Seed 001's velocity, (current - previous) / previous; capped at +300 % so one tiny base cannot dominate."""
    return ((now - before) / before.where(before > 0)).clip(upper=3).round(3)


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
        out["seat_trend_90d"] = _change(now.reindex(out.index), before.reindex(out.index))
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
