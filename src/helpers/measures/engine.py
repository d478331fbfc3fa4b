"""Compute a measure catalogue as DuckDB SQL over the event file.

Events are given small integer codes once, so the many per-measure filters compare
integers, not strings. No floating-point value is summed across rows (only integer
counts are), so parallel threads cannot change the last bit: same inputs,
byte-identical outputs.

Two scans of the events: one over the whole history before the cutoff (first-ever
core and advanced actions), one over the window (daily counts per user and event).
Everything after that works on small per-user tables. The SQL is generated from the
catalogue, once, in DuckDB's dialect but portable: Spark runs the same text transpiled by SQLGlot
(``helpers.data.engines``; no EXCLUDE, no PIVOT, no 7.0 that Spark would read as a decimal).
"""

from __future__ import annotations

import pandas as pd

from helpers.data import engines
from helpers.data.contract import Dataset
from helpers.data.timecut import cutoff
from helpers.errors import ConfigError
from helpers.measures.catalogue import GENERIC, KINDS, PAC_WEEKS, TREND_DAYS, Measure, active_events, catalogue, groups
from helpers.progress import bar as progress_bar

META = ["user_id", "account_id", "exposure_days", "active_days"]


def compute(
    ds: Dataset,
    window_days: int = 90,
    measures: list[Measure] | None = None,
    only: tuple[str, ...] | None = None,
    progress: bool = False,
    engine: str | None = None,
) -> pd.DataFrame:
    """One row per user (every user in ``users``): META columns, then one column per measure."""
    out = compute_at(ds, [ds.as_of], window_days, measures, only, progress, engine)
    return out.drop(columns="snapshot")


def compute_at(
    ds: Dataset,
    dates: list[pd.Timestamp],
    window_days: int = 90,
    measures: list[Measure] | None = None,
    only: tuple[str, ...] | None = None,
    progress: bool = False,
    engine: str | None = None,
) -> pd.DataFrame:
    """``compute`` at many snapshot dates in one pass: one row per date and user who existed then
    (``timecut``), each measured from the events before that date's cutoff, as ``compute(ds.at(t))``.
    ``engine``: duckdb or spark (``engines.chosen``: WORKBOOK_ENGINE, else duckdb)."""
    if window_days < 7 * (PAC_WEEKS + 1):
        raise ConfigError(
            f"window_days: {window_days} is too short; expected at least {7 * (PAC_WEEKS + 1)} "
            f"days, so the last {PAC_WEEKS} whole weeks fit in the window"
        )
    measures = measures if measures is not None else catalogue(ds.config, list(ds.events.event_counts))
    if only is not None:
        measures = [m for m in measures if m.name in only]
    snaps = _snapshots(ds, dates, window_days)
    people = users_created(ds)
    with engines.open_session(ds, engine) as session:
        for name, frame in (("people", people), *_calendar(snaps).items()):
            session.register(f"{name}_df", frame)
        *steps, final = _statements(ds, measures, window_days, snaps.win.min())
        for name, sql in progress_bar(steps, "measures", enabled=progress):
            session.table(name, sql)
        return session.query(final)


def users_created(ds: Dataset) -> pd.DataFrame:
    """user_id, account_id, created (``created_at``, or empty without one): who existed by each snapshot."""
    users = ds.tables["users"]
    created = users["created_at"] if "created_at" in users else pd.Series(pd.NaT, index=users.index)
    return users[["user_id", "account_id"]].assign(created=created)


def _snapshots(ds: Dataset, dates: list[pd.Timestamp], window_days: int) -> pd.DataFrame:
    """Each date's cutoff and window boundaries (``window_dates``), one row per date."""
    rows = [{"snapshot": pd.Timestamp(t), **window_dates(cutoff(t), ds.config, window_days)} for t in dates]
    return pd.DataFrame(rows, columns=["snapshot", "cut", "win", "week0", "pac_start", "pac_end", "last", "prior"])


def _calendar(snaps: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """snaps; snap_days: (day, snapshot) for every day of each window; segments: the stretches between
    window boundaries, as (day, segment) and (segment, snapshot). A sum over a window is then a sum over
    its segments: events are summed per segment once, however many windows overlap."""
    days = [
        (day, snap.snapshot)
        for snap in snaps.itertuples()
        for day in pd.date_range(snap.win, snap.cut, inclusive="left")
    ]
    edges = sorted(set(snaps.win) | set(snaps.cut))
    segment_of = {
        day: k for k, (a, b) in enumerate(zip(edges[:-1], edges[1:])) for day in pd.date_range(a, b, inclusive="left")
    }
    in_window = [
        (k, snap.snapshot)
        for snap in snaps.itertuples()
        for k, (a, b) in enumerate(zip(edges[:-1], edges[1:]))
        if a >= snap.win and b <= snap.cut
    ]
    as_dates = lambda df: df.assign(**{c: df[c].dt.date for c in df.columns if c not in ("snapshot", "segment")})
    return {
        "snaps": as_dates(snaps),
        "snap_days": as_dates(pd.DataFrame(days, columns=["day", "snapshot"])),
        "day_segments": as_dates(pd.DataFrame(list(segment_of.items()), columns=["day", "segment"])),
        "segment_snaps": pd.DataFrame(in_window, columns=["segment", "snapshot"]),
    }


def pac_end(cut: pd.Timestamp, week_starts_on: str) -> pd.Timestamp:
    """The start of the week holding the cutoff (the current, partial week): the activity coefficient
    counts whole weeks before it."""
    week_start = 0 if week_starts_on == "monday" else 6
    return cut - pd.Timedelta(days=(cut.weekday() - week_start) % 7)


def window_dates(cut: pd.Timestamp, config, window_days: int) -> dict[str, pd.Timestamp]:
    """The window's boundaries for a cutoff: its start (win), the week holding it (week0), the activity
    coefficient's whole weeks (pac_start, pac_end), and the two trend halves (prior, last)."""
    week_start = 0 if config.calendar.week_starts_on == "monday" else 6
    pac_to = pac_end(cut, config.calendar.week_starts_on)
    win = cut - pd.Timedelta(days=window_days)
    return {
        "cut": cut,
        "win": win,
        "week0": win - pd.Timedelta(days=(win.weekday() - week_start) % 7),
        "pac_start": pac_to - pd.Timedelta(weeks=PAC_WEEKS),
        "pac_end": pac_to,
        "last": cut - pd.Timedelta(days=TREND_DAYS),
        "prior": cut - pd.Timedelta(days=2 * TREND_DAYS),
    }


def week_sql(day: str, config) -> str:
    """SQL for the first day of ``day``'s week (``calendar.week_starts_on``)."""
    if config.calendar.week_starts_on == "monday":
        return f"date_trunc('week', {day})"
    return f"CAST(date_trunc('week', {day} + INTERVAL 1 DAY) - INTERVAL 1 DAY AS DATE)"


def sql_list(events) -> str:
    """A SQL list of quoted names; "(NULL)" when empty, which matches nothing."""
    return "(" + (", ".join("'" + e.replace("'", "''") + "'" for e in events) or "NULL") + ")"


BITS = 62  # event codes per BIGINT day mask (kept clear of the sign bit)


def _statements(ds: Dataset, measures: list[Measure], window_days: int, start: pd.Timestamp) -> list:
    """(table name, SELECT) for each step, then the final SELECT."""
    names = sorted(set(ds.events.event_counts) | {e for m in measures for e in m.events})
    code = {e: i for i, e in enumerate(names)}
    active = [e for e in names if e in set(active_events(ds.config, names))]
    is_active = f"code IN ({', '.join(str(code[e]) for e in active)})" if active else "FALSE"
    g = groups(ds.config)
    first = lambda name: f"min(t) FILTER (WHERE event IN {sql_list(g[name])})" if g[name] else "NULL::TIMESTAMP"
    day_flags = sorted({m.events for m in measures if m.kind == "group_frequency"})
    fid = {f: i for i, f in enumerate(day_flags)}
    used = sorted({code[e] for m in measures for e in m.events} | {code[e] for e in active})
    single = sorted({code[m.events[0]] for m in measures if m.kind == "frequency"})
    words = range(len(names) // BITS + 1)
    masks = ", ".join(
        f"bit_or(CASE WHEN code // {BITS} = {j} THEN 1::BIGINT << (code % {BITS}) END) AS mask_{j}" for j in words
    )
    bit = lambda k: f"((coalesce(mask_{k // BITS}, 0) >> {k % BITS}) & 1)"
    # Distinct weeks as bits of one integer when the window fits (a DISTINCT costs twice as much).
    week_bit = "1::BIGINT << (date_diff('day', s.week0, week) // 7)"
    weeks = (
        (lambda cond: f"bit_count(bit_or({week_bit}) FILTER (WHERE {cond}))")
        if window_days <= 7 * (BITS - 2)
        else (lambda cond: f"count(DISTINCT week) FILTER (WHERE {cond})")
    )
    any_of = lambda f: " OR ".join(
        f"(coalesce(mask_{j}, 0) & {m}) <> 0"
        for j in words
        if (m := sum(1 << (code[e] % BITS) for e in f if code[e] // BITS == j))
    )
    values = ", ".join(f"('{e.replace(chr(39), chr(39) * 2)}', {i})" for e, i in code.items())
    day_columns = [f"gd_{fid[f]}" for f in day_flags] + [f"d_{k}" for k in single]
    return [
        ("codes", f"SELECT * FROM (VALUES {values}) t(event, code)"),
        # Grouping by (user, event) first is cheaper than filtering every one of the rows. A first
        # action before a snapshot's cutoff is the first ever (the log is cut at as_of already).
        (
            "firsts",
            f"""WITH per_event AS (SELECT user_id, event, min(timestamp) AS t FROM event_log GROUP BY user_id, event)
            SELECT user_id, min(t) AS first_seen, {first("core")} AS first_core, {first("advanced")} AS first_advanced
            FROM per_event GROUP BY user_id""",
        ),
        # One pass over the windows, two groupings: per user-day (with a bit mask of the events used
        # that day) and per user, event and segment (the stretch between window boundaries). Far fewer
        # groups than per user-day-event, and a segment is summed once however many windows hold it.
        (
            "window_agg",
            f"""WITH w AS (SELECT user_id, CAST(timestamp AS DATE) AS day, code
                       FROM event_log JOIN codes USING (event) WHERE timestamp >= TIMESTAMP '{start}')
            SELECT user_id, day, segment, code, GROUPING(day) AS per_event, count(*) AS n,
              count(*) FILTER (WHERE {is_active}) AS n_active, {masks}
            FROM w JOIN day_segments_df USING (day) GROUP BY GROUPING SETS ((user_id, day), (user_id, segment, code))""",
        ),
        (
            "by_day",
            f"""WITH per_user_day AS (
              SELECT w.*, d.snapshot, {week_sql("w.day", ds.config)} AS week
              FROM window_agg w JOIN snap_days_df d USING (day) WHERE per_event = 0)
            SELECT snapshot, user_id, count(*) FILTER (WHERE n_active > 0) AS active_days,
              coalesce(sum(n_active), 0) AS active_events,
              {weeks("n_active > 0")} AS active_weeks,
              {weeks("n_active > 0 AND day >= s.pac_start AND day < s.pac_end")} AS pac_weeks,
              date_diff('day', max(day) FILTER (WHERE n_active > 0), any_value(s.cut)) - 1 AS recency,
              coalesce(sum(n_active) FILTER (WHERE day >= s.last), 0) AS last_n,
              coalesce(sum(n_active) FILTER (WHERE day >= s.prior AND day < s.last), 0) AS prior_n
              {"".join(f", count(*) FILTER (WHERE {any_of(f)}) AS gd_{fid[f]}" for f in day_flags)}
              {"".join(f", sum({bit(k)}) AS d_{k}" for k in single)}
            FROM per_user_day JOIN snaps_df s USING (snapshot) GROUP BY snapshot, user_id""",
        ),
        # each used event's count as a column "{code}_n" (a pivot, written as conditional sums)
        (
            "by_event",
            f"""SELECT snapshot, user_id {"".join(f', sum(n) FILTER (WHERE code = {k}) AS "{k}_n"' for k in used)}
            FROM window_agg JOIN segment_snaps_df USING (segment) WHERE per_event = 1 GROUP BY snapshot, user_id""",
        ),
        _final(measures, code, [code[e] for e in active], fid, window_days, day_columns, used),
    ]


def _final(
    measures: list[Measure], code: dict, active: list[int], fid: dict, window_days: int, day_columns, used
) -> str:
    n = lambda ks: "(" + " + ".join(f'coalesce("{k}_n", 0)' for k in ks) + ")"
    cols = []
    for m in measures:
        ks = [code[e] for e in m.events]
        if m.kind in KINDS:
            expr = KINDS[m.kind][0].format(
                n=n(ks),
                days=f"d_{ks[0]}",
                k=len(ks),
                id=fid.get(m.events),
                used="(" + " + ".join(f'(coalesce("{k}_n", 0) > 0)::INT' for k in ks) + ")",
            )
        else:
            expr = GENERIC[m.name][0].format(trend=TREND_DAYS)
        cols.append(f'coalesce(CAST({expr} AS DOUBLE), 0) AS "{m.name}"')
    # Entropy as ln(N) - sum(n ln n) / N: a fixed sum over columns, so no thread can reorder it.
    nlogn = " + ".join(f'coalesce("{k}_n" * ln("{k}_n"), 0)' for k in active) or "0"
    distinct = " + ".join(f'(coalesce("{k}_n", 0) > 0)::INT' for k in active) or "0"
    # what was known at the snapshot: a first action after its cutoff had not happened yet
    then = lambda c: f"CASE WHEN f.{c} < s.cut THEN f.{c} END"
    born = f"coalesce(CAST(p.created AS DATE), CAST({then('first_seen')} AS DATE))"
    # DuckDB's greatest() skips NULLs, so "never" must stay NULL explicitly (it becomes tenure later).
    since = lambda c: (
        f"CASE WHEN {then(c)} IS NULL THEN NULL ELSE greatest(date_diff('day', {born}, CAST(f.{c} AS DATE)), 0) END"
    )
    return f"""
        WITH base AS (
          SELECT s.snapshot, p.user_id, p.account_id,
            greatest(date_diff('day', greatest(coalesce({born}, s.win), s.win), s.cut), 1) AS exposure_days,
            greatest(date_diff('day', coalesce({born}, s.win), s.cut), 1) AS tenure_days,
            {since("first_core")} AS to_core, {since("first_advanced")} AS to_advanced,
            coalesce(d.active_days, 0) AS active_days, coalesce(d.active_events, 0) AS active_events,
            coalesce(d.active_weeks, 0) AS active_weeks, d.pac_weeks, d.recency,
            coalesce(d.last_n, 0) AS last_n, coalesce(d.prior_n, 0) AS prior_n,
            CASE WHEN d.active_events > 0 THEN ln(d.active_events) - ({nlogn}) / d.active_events END AS entropy,
            {distinct} AS distinct_events,
            {window_days} AS window_days{"".join(f", d.{c}" for c in day_columns)}{"".join(f', e."{k}_n"' for k in used)}
          FROM snaps_df s JOIN people_df p ON p.created IS NULL OR p.created < s.cut
            LEFT JOIN firsts f ON f.user_id = p.user_id
            LEFT JOIN by_day d ON d.snapshot = s.snapshot AND d.user_id = p.user_id
            LEFT JOIN by_event e ON e.snapshot = s.snapshot AND e.user_id = p.user_id)
        SELECT snapshot, user_id, account_id, exposure_days, active_days, {", ".join(cols)}
        FROM (SELECT *, exposure_days / CAST(7 AS DOUBLE) AS weeks FROM base) ORDER BY snapshot, user_id"""
