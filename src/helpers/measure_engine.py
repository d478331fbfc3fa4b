"""Compute a measure catalogue as DuckDB SQL over the event file.

Floating-point sums are ordered (``ORDER BY`` inside the aggregate) so that
parallel threads cannot change the last bit: same inputs, byte-identical outputs.

Two scans of the events: one over the whole history before the cutoff (first-ever
core and advanced actions), one over the window (daily counts per user and event).
Everything after that works on small per-user tables. The SQL is generated from the
catalogue, so the same text could be handed to a warehouse.
"""
from __future__ import annotations

import pandas as pd
from tqdm import tqdm

from .contract import Dataset
from .errors import ConfigError
from .measures import GENERIC, KINDS, PAC_WEEKS, TREND_DAYS, Measure, catalogue, groups

META = ["user_id", "account_id", "exposure_days", "active_days"]


def compute(ds: Dataset, window_days: int = 90, measures: list[Measure] | None = None,
            only: tuple[str, ...] | None = None, progress: bool = False) -> pd.DataFrame:
    """One row per user (every user in ``users``): META columns, then one column per measure."""
    if window_days < 7 * (PAC_WEEKS + 1):
        raise ConfigError(f"window_days: {window_days} is too short; expected at least {7 * (PAC_WEEKS + 1)} "
                          f"days, so the last {PAC_WEEKS} whole weeks fit in the window")
    measures = measures if measures is not None else catalogue(ds.config, list(ds.events.event_counts))
    if only is not None:
        measures = [m for m in measures if m.name in only]
    dates = window_dates(ds, window_days)
    steps = _statements(ds, measures, dates)
    con = ds.connect()
    people = ds.tables["users"].assign(created=lambda d: d.get("created_at", pd.Series(pd.NaT, index=d.index)))
    con.register("people_df", people[["user_id", "account_id", "created"]])
    for sql in tqdm(steps[:-1], desc="measures", disable=not progress):
        con.execute(sql)
    out = con.execute(steps[-1]).df()
    con.close()
    return out


def window_dates(ds: Dataset, window_days: int) -> dict[str, str]:
    cut = ds.cutoff
    week_start = 0 if ds.config.calendar.week_starts_on == "monday" else 6
    pac_end = cut - pd.Timedelta(days=(cut.weekday() - week_start) % 7)
    d = lambda t: f"DATE '{t.date()}'"
    return {"cut": d(cut), "win": d(cut - pd.Timedelta(days=window_days)), "window_days": str(window_days),
            "pac_start": d(pac_end - pd.Timedelta(weeks=PAC_WEEKS)), "pac_end": d(pac_end),
            "last": d(cut - pd.Timedelta(days=TREND_DAYS)), "prior": d(cut - pd.Timedelta(days=2 * TREND_DAYS)),
            "week": "date_trunc('week', day)" if week_start == 0 else
                    "CAST(date_trunc('week', day + INTERVAL 1 DAY) - INTERVAL 1 DAY AS DATE)"}


def sql_list(events) -> str:
    return "(" + ", ".join("'" + e.replace("'", "''") + "'" for e in events) + ")"


def _statements(ds: Dataset, measures: list[Measure], t: dict[str, str]) -> list[str]:
    tax = ds.config.taxonomy
    active = f"event IN {sql_list(tax.active_events)}" if tax.active_events is not None else \
        (f"event <> {sql_list([tax.session_event])[1:-1]}" if tax.session_event else "TRUE")
    g = groups(ds.config)
    first = lambda name: (f"min(timestamp) FILTER (WHERE event IN {sql_list(g[name])})" if g[name] else "NULL::TIMESTAMP")
    filters = {m.events for m in measures if m.kind in KINDS}
    fid = {f: i for i, f in enumerate(sorted(filters))}
    day_flags = [f for f in sorted(filters) if any(m.kind == "group_frequency" and m.events == f for m in measures)]
    return [
        f"""CREATE TEMP TABLE firsts AS SELECT user_id, min(timestamp) AS first_seen,
              {first('core')} AS first_core, {first('advanced')} AS first_advanced
            FROM events GROUP BY user_id""",
        f"""CREATE TEMP TABLE daily AS SELECT user_id, CAST(timestamp AS DATE) AS day, event, count(*) AS n,
              {active} AS active FROM events WHERE timestamp >= {t['win']} GROUP BY ALL""",
        f"""CREATE TEMP TABLE per_user_day AS
            SELECT user_id, sum(n) FILTER (WHERE active) AS n_active,
              {t['week']} AS week, day,
              {''.join(f"bool_or(event IN {sql_list(f)}) AS flag_{fid[f]}, " for f in day_flags)} TRUE AS _
            FROM daily GROUP BY user_id, day""",
        f"""CREATE TEMP TABLE by_day AS
            SELECT user_id, count(*) FILTER (WHERE n_active > 0) AS active_days,
              coalesce(sum(n_active), 0) AS active_events,
              count(DISTINCT week) FILTER (WHERE n_active > 0) AS active_weeks,
              count(DISTINCT week) FILTER (WHERE n_active > 0 AND day >= {t['pac_start']} AND day < {t['pac_end']}) AS pac_weeks,
              date_diff('day', max(day) FILTER (WHERE n_active > 0), {t['cut']}) - 1 AS recency,
              coalesce(sum(n_active) FILTER (WHERE day >= {t['last']}), 0) AS last_n,
              coalesce(sum(n_active) FILTER (WHERE day >= {t['prior']} AND day < {t['last']}), 0) AS prior_n,
              {''.join(f"count(*) FILTER (WHERE flag_{fid[f]}) AS gd_{fid[f]}, " for f in day_flags)} 0 AS _
            FROM per_user_day GROUP BY user_id""",
        f"""CREATE TEMP TABLE by_event AS
            WITH ue AS (SELECT user_id, event, any_value(active) AS active, sum(n) AS n, count(*) AS days
                        FROM daily GROUP BY user_id, event),
            ent AS (SELECT user_id, -sum(p * ln(p) ORDER BY event) AS entropy, count(*) AS distinct_events
                    FROM (SELECT user_id, event, n / sum(n) OVER (PARTITION BY user_id) AS p FROM ue WHERE active)
                    GROUP BY user_id)
            SELECT ue.user_id, any_value(ent.entropy) AS entropy, any_value(ent.distinct_events) AS distinct_events,
              {''.join(_event_aggs(f, fid[f]) for f in sorted(filters))} 0 AS _
            FROM ue LEFT JOIN ent USING (user_id) GROUP BY ue.user_id""",
        _final(measures, fid, t),
    ]


def _event_aggs(f: tuple[str, ...], i: int) -> str:
    return (f"sum(n) FILTER (WHERE event IN {sql_list(f)}) AS ev_n_{i}, "
            f"sum(days) FILTER (WHERE event IN {sql_list(f)}) AS ev_days_{i}, "
            f"count(*) FILTER (WHERE event IN {sql_list(f)}) AS ev_used_{i}, ")


def _final(measures: list[Measure], fid: dict, t: dict[str, str]) -> str:
    cols = []
    for m in measures:
        if m.kind in KINDS:
            expr = KINDS[m.kind][0].format(id=fid[m.events], k=len(m.events))
        else:
            expr = GENERIC[m.name][0].format(trend=TREND_DAYS)
        cols.append(f'coalesce(CAST({expr} AS DOUBLE), 0) AS "{m.name}"')
    born = "coalesce(CAST(p.created AS DATE), CAST(f.first_seen AS DATE))"
    since = lambda c: f"greatest(date_diff('day', {born}, CAST(f.{c} AS DATE)), 0)"
    return f"""
        WITH base AS (
          SELECT p.user_id, p.account_id,
            greatest(date_diff('day', greatest(coalesce({born}, {t['win']}), {t['win']}), {t['cut']}), 1) AS exposure_days,
            greatest(date_diff('day', coalesce({born}, {t['win']}), {t['cut']}), 1) AS tenure_days,
            {since('first_core')} AS to_core, {since('first_advanced')} AS to_advanced,
            coalesce(d.active_days, 0) AS active_days, coalesce(d.active_events, 0) AS active_events,
            coalesce(d.active_weeks, 0) AS active_weeks, d.pac_weeks, d.recency,
            coalesce(d.last_n, 0) AS last_n, coalesce(d.prior_n, 0) AS prior_n,
            {t['window_days']} AS window_days, d.* EXCLUDE (user_id, active_days, active_events, active_weeks,
              pac_weeks, recency, last_n, prior_n, _), e.* EXCLUDE (user_id, _)
          FROM people_df p LEFT JOIN firsts f USING (user_id) LEFT JOIN by_day d USING (user_id)
            LEFT JOIN by_event e USING (user_id))
        SELECT user_id, account_id, exposure_days, active_days, {', '.join(cols)}
        FROM (SELECT *, exposure_days / 7.0 AS weeks FROM base) ORDER BY user_id"""
