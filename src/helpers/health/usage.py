"""How every account used the product, at many snapshot dates, in one pass over the event log.

The log is aggregated once, to account-days and active user-days; every window of every
snapshot is then a range join on those small tables, so thirty month-end snapshots cost one
scan of the events, not thirty. A snapshot at T sees what a run as of T sees: events before
T's cutoff (the next midnight), from users who existed by then (``timecut``: a user counts from
``created_at``). Windows are whole weeks (``whole_weeks``) ending at the cutoff. Only integer
counts are summed in SQL; every ratio is taken in pandas, so thread order cannot change a bit.
"""

from __future__ import annotations

import pandas as pd

from helpers.data import engines
from helpers.data.contract import Dataset
from helpers.data.timecut import cutoff
from helpers.measures.catalogue import PAC_WEEKS, active_events, groups
from helpers.measures.engine import pac_end, sql_list, users_created

DAY = pd.Timedelta(days=1)
ADOPTION_GROUPS = ("core", "expansion", "advanced")
SLOPE_WEEKS = 13
BITS = 62  # event codes per BIGINT mask (kept clear of the sign bit)


def whole_weeks(days: int) -> pd.Timedelta:
    """A usage window in whole weeks, a month counted as 4 weeks (7 -> 7, 30 -> 28, 60 -> 56, 90 -> 84 days).

    Every window then holds the same weekdays, and adjacent windows the same number of them, so a
    month end on a Saturday reads like one on a Wednesday (product use sleeps at weekends: a 30-day
    window ending on a Saturday holds one working day fewer than the 30 days before it)."""
    return 7 * round(days * 4 / 30) * DAY


# Window starts before the cutoff, in days: "30 days" is 4 whole weeks, "90 days" 12 (whole_weeks).
WINDOWS = {f"d{n}": whole_weeks(n).days for n in (7, 15, 30, 60, 90, 120, 180)}


def at_dates(
    ds: Dataset, dates: list[pd.Timestamp], adoption_days: int = 90, engine: str | None = None
) -> pd.DataFrame:
    """One row per snapshot date and account with any event in the 24 weeks before it (d180): the usage
    sub-metrics (``features.LOOKBACK_DAYS`` says how far back each reads), indexed (snapshot, account_id).

    Activity coefficient and adoption read the last ``adoption_days`` (seed 002). ``engine``: duckdb or
    spark (``engines.chosen``: WORKBOOK_ENGINE, else duckdb); the ratios are taken in pandas either way."""
    snaps = _bounds(ds, dates or [ds.as_of], adoption_days)  # no dates: the columns, no rows
    people = users_created(ds)
    with engines.open_session(ds, engine) as session:
        session.register("snaps_df", snaps)
        days = ", ".join(f"CAST({c} AS DATE) AS {c}" for c in snaps.columns if c != "snapshot")
        session.table("snaps", f"SELECT snapshot, {days} FROM snaps_df")
        session.register("people_df", people[["user_id", "created"]])
        _aggregate(session, ds, snaps.d180.min())
        counts = session.query(_per_snapshot_sql(ds))
        users = session.query(_distinct_users_sql())
    counts = counts.merge(users, on=["snapshot", "account_id"], how="left")
    out = _metrics(counts, ds).set_index(["snapshot", "account_id"]).sort_index()
    return out if dates else out.iloc[:0]


def on(counted: pd.DataFrame, t: pd.Timestamp) -> pd.DataFrame:
    """One date's rows of ``at_dates``, indexed by account_id (none when nobody used the product)."""
    rows = counted.index.get_level_values("snapshot") == t
    return counted[rows].droplevel("snapshot")


def _bounds(ds: Dataset, dates: list[pd.Timestamp], adoption_days: int) -> pd.DataFrame:
    """Each snapshot's cutoff and window starts, as dates (every boundary is a midnight)."""
    rows = []
    for t in dates:
        cut = cutoff(t)
        to = pac_end(cut, ds.config.calendar.week_starts_on)
        row = {"snapshot": pd.Timestamp(t), "cut": cut}
        row |= {name: cut - days * DAY for name, days in WINDOWS.items()}
        row |= {
            "slope_start": cut - 7 * SLOPE_WEEKS * DAY,
            "adoption_start": cut - adoption_days * DAY,
            "pac_start": to - pd.Timedelta(weeks=PAC_WEEKS),
            "pac_end": to,
        }
        rows.append(row)
    out = pd.DataFrame(rows)
    return out


def _aggregate(session: engines.Session, ds: Dataset, start) -> None:
    """account_days: per account, day and the day its events became visible (the user's creation, if
    later), the active and session event counts, active users, and bit masks of the adoption events
    used; active_user_days: who was active on which day."""
    active = active_events(ds.config, ds.events.event_counts)
    session_event = ds.config.taxonomy.session_event
    tracked = _adoption_codes(ds)
    masks = "".join(
        f", bit_or(CASE WHEN code // {BITS} = {j} THEN 1::BIGINT << (code % {BITS}) END) AS mask_{j}"
        for j in range(_words(tracked))
    )
    none = "(CAST(NULL AS VARCHAR), CAST(NULL AS INTEGER))"  # typed, so Spark can join on it too
    codes = ", ".join(f"('{e.replace(chr(39), chr(39) * 2)}', {c})" for e, c in tracked.items()) or none
    session.table("codes", f"SELECT * FROM (VALUES {codes}) t(event, code)")
    # a view, read twice: materialised it would hold every event since start
    session.view(
        "usage_rows",
        f"""SELECT e.account_id, e.user_id, CAST(e.timestamp AS DATE) AS day,
          greatest(CAST(e.timestamp AS DATE), CAST(p.created AS DATE)) AS visible,
          e.event IN {sql_list(active)} AS active, {f"e.event = '{session_event}'" if session_event else "FALSE"} AS session, c.code
        FROM events e JOIN people_df p USING (user_id) LEFT JOIN codes c ON c.event = e.event
        WHERE e.timestamp >= TIMESTAMP '{start}'""",
    )
    session.table(
        "account_days",
        f"""SELECT account_id, day, visible, count(*) FILTER (WHERE active) AS n_active,
          count(*) FILTER (WHERE session) AS n_session,
          count(DISTINCT user_id) FILTER (WHERE active) AS active_users {masks}
        FROM usage_rows GROUP BY account_id, day, visible""",
    )
    session.table("active_user_days", "SELECT DISTINCT account_id, user_id, day, visible FROM usage_rows WHERE active")


def _per_snapshot_sql(ds: Dataset) -> str:
    windows = {  # name: (from, to) as snaps columns; to = cut when None
        "events_30d": ("d30", None),
        "events_14d": ("d15", None),
        "events_prior_14d": ("d30", "d15"),
        "events_prior_30d": ("d60", "d30"),
        "events_90_to_60d": ("d90", "d60"),
        "events_60d": ("d60", None),
        "events_prior_60d": ("d120", "d60"),
        "events_90d": ("d90", None),
        "events_prior_90d": ("d180", "d90"),
    }
    within = lambda a, b: f"a.day >= s.{a}" + (f" AND a.day < s.{b}" if b else "")
    sums = "".join(f", sum(a.n_active) FILTER (WHERE {within(a, b)}) AS {name}" for name, (a, b) in windows.items())
    # A login is a session event; without one, a user's active day (fallbacks.sessions says so).
    login = "a.n_session" if ds.config.taxonomy.session_event else "a.active_users"
    adoption = "".join(
        f", bit_or(a.mask_{j}) FILTER (WHERE a.day >= s.adoption_start) AS mask_{j}"
        for j in range(_words(_adoption_codes(ds)))
    )
    slope_week = "(date_diff('day', s.slope_start, a.day) // 7)"
    return f"""
        SELECT s.snapshot, a.account_id {sums},
          sum(a.active_users) FILTER (WHERE a.day >= s.d30) AS active_user_days_30d,
          sum({login}) FILTER (WHERE a.day >= s.d30) AS logins_30d,
          sum({login}) FILTER (WHERE {within("d60", "d30")}) AS logins_prior_30d,
          max(a.day) FILTER (WHERE a.n_active > 0) AS last_active,
          max(a.day) FILTER (WHERE a.n_session > 0) AS last_login,
          count(DISTINCT {_week("a.day", ds)}) FILTER (
            WHERE a.n_active > 0 AND a.day >= s.pac_start AND a.day < s.pac_end) AS active_weeks,
          sum(a.n_active) FILTER (WHERE a.day >= s.slope_start) AS slope_events,
          sum(({slope_week} - {(SLOPE_WEEKS - 1) // 2}) * a.n_active) FILTER (WHERE a.day >= s.slope_start)
            AS slope_moment {adoption}
        FROM snaps s JOIN account_days a ON a.day >= s.d180 AND a.day < s.cut AND a.visible < s.cut
        GROUP BY s.snapshot, a.account_id"""


def _distinct_users_sql() -> str:
    return """
        SELECT s.snapshot, u.account_id, count(DISTINCT u.user_id) AS active_users_30d,
          count(DISTINCT u.user_id) FILTER (WHERE u.day >= s.d7) AS active_users_7d
        FROM snaps s JOIN active_user_days u ON u.day >= s.d30 AND u.day < s.cut AND u.visible < s.cut
        GROUP BY s.snapshot, u.account_id"""


def _metrics(c: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """The sub-metrics from the counts (zeros where a window held nothing)."""
    counts = [name for name in c.columns if name.startswith(("events_", "logins_", "active_user"))]
    c = c.assign(**{name: c[name].fillna(0).astype("int64") for name in counts})  # counts, whatever SQL summed
    out = c[["snapshot", "account_id"]].copy()
    out["activity_coefficient"] = c.active_weeks.astype(float)
    tracked = _adoption_codes(ds)
    for group, events in _adoption_groups(ds).items():
        used = sum(_bit_count(c[f"mask_{j}"], _group_mask(events, tracked, j)) for j in range(_words(tracked)))
        out[f"{group}_adoption"] = (used / len(events)).round(3)
    users = c.active_users_30d.where(lambda s: s > 0)
    out["active_users_30d"] = c.active_users_30d
    out["dau_mau"] = (c.active_user_days_30d / WINDOWS["d30"] / users).round(3)
    out["l7_l30"] = (c.active_users_7d / users).round(3)
    out["events_30d"] = c.events_30d  # volume: what a short history knows best (four weeks)
    out["usage_velocity_14d"] = change(c.events_14d, c.events_prior_14d)  # the last 2 weeks against the 2 before
    out["usage_velocity_30d"] = change(c.events_30d, c.events_prior_30d)
    out["usage_change_vs_90d"] = change(c.events_30d, c.events_90_to_60d)  # slow declines show here first
    out["usage_velocity_60d"] = change(c.events_60d, c.events_prior_60d)
    out["usage_velocity_90d"] = change(c.events_90d, c.events_prior_90d)
    out["usage_slope_13w"] = _relative_slope(c.slope_moment, c.slope_events)
    out["login_trend_30d"] = change(c.logins_30d, c.logins_prior_30d)
    out["logins_30d"] = c.logins_30d
    since = lambda col: (c.snapshot - pd.to_datetime(c[col])).dt.days
    out["days_since_active"] = since("last_active")
    if ds.config.taxonomy.session_event:  # without one, days since a login would repeat days since activity
        out["days_since_login"] = since("last_login")
    return out


def change(now: pd.Series, before: pd.Series) -> pd.Series:
    """Seed 001's velocity, (current - previous) / previous; capped at +300 % so one tiny base cannot dominate."""
    return ((now - before) / before.where(before > 0)).clip(upper=3).round(3)


def _relative_slope(moment: pd.Series, events: pd.Series) -> pd.Series:
    """Least-squares trend of weekly usage over SLOPE_WEEKS weeks, as a share of the average week
    (-0.05 = 5 % less each week): with weeks centred on 0, slope = sum(week x events) / sum(week^2)."""
    half = (SLOPE_WEEKS - 1) // 2
    slope = moment / (2 * sum(k * k for k in range(1, half + 1)))
    mean = events / SLOPE_WEEKS
    return (slope / mean.where(mean > 0)).round(4)


def _adoption_groups(ds: Dataset) -> dict[str, tuple[str, ...]]:
    return {g: e for g, e in groups(ds.config).items() if g in ADOPTION_GROUPS and e}


def _adoption_codes(ds: Dataset) -> dict[str, int]:
    """A code per event that adoption counts: in an adoption group, and active (only active use counts)."""
    active = set(active_events(ds.config, ds.events.event_counts))
    tracked = sorted({e for events in _adoption_groups(ds).values() for e in events if e in active})
    return {e: i for i, e in enumerate(tracked)}


def _words(tracked: dict[str, int]) -> int:
    return max(1, -(-len(tracked) // BITS))


def _group_mask(events: tuple[str, ...], tracked: dict[str, int], word: int) -> int:
    return sum(1 << (tracked[e] % BITS) for e in events if e in tracked and tracked[e] // BITS == word)


def _bit_count(masks: pd.Series, group: int) -> pd.Series:
    return masks.fillna(0).astype("int64").map(lambda m: (m & group).bit_count())


def _week(day: str, ds: Dataset) -> str:
    """The first day of ``day``'s week (``calendar.week_starts_on``)."""
    if ds.config.calendar.week_starts_on == "monday":
        return f"date_trunc('week', {day})"
    return f"CAST(date_trunc('week', {day} + INTERVAL 1 DAY) - INTERVAL 1 DAY AS DATE)"
