"""What each account did, event type by event type, at many snapshot dates, in one pass over the log.

Churn often shows in *which* actions users take rather than in how much they use the product: more
members removed, meetings cancelled or leads unsubscribed, fewer reports shared. A usage total
counts every event as good use; here each event type counts as itself, and the churn model learns
which ones are good signs and which bad. Per account and snapshot: each type's count in the 4 whole
weeks before the cutoff and in the 4 weeks before those (``at_dates``), turned into rates
(``rates``): per account, per active user, per seat where seats are known, log-scaled, and the trend
against the window before; plus the ratios the taxonomy gives a meaning (advanced per core,
collaboration per active user). The log is aggregated once to account-event-days; every snapshot's
windows are range joins on that small table (as ``usage.at_dates``), on DuckDB or Spark alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data import engines
from helpers.data.contract import Dataset
from helpers.data.timecut import cutoff
from helpers.health.usage import WINDOWS
from helpers.measures.catalogue import groups
from helpers.measures.engine import users_created
from helpers.text import counted

MAX_TYPES = 40  # the most frequent event types get rates of their own (a model of 160 rates is plenty)
PREFIX = "action:"  # every event type's rates start with this
RATIO = "ratio:"  # the taxonomy's ratios (advanced per core, collaboration per active user)
NOW, BEFORE = "d30", "d60"  # the 4 whole weeks before the cutoff, and the 4 before those (usage.WINDOWS)
LOOKBACK_DAYS = WINDOWS[BEFORE]  # the trend reads this far back: unknown on a shorter history


def tracked(ds: Dataset) -> list[str]:
    """The event types given rates: the MAX_TYPES most frequent before as_of, in name order."""
    counts = ds.events.event_counts
    return sorted(sorted(counts, key=lambda e: (-counts[e], e))[:MAX_TYPES])


def note(ds: Dataset | None) -> str:
    """What the rates leave out, in one sentence ('' when every event type has its own, or in flat mode)."""
    left = len(ds.events.event_counts) - MAX_TYPES if ds is not None else 0
    if left <= 0:
        return ""
    return (
        f"the {MAX_TYPES} most frequent event types have rates of their own for the churn model; "
        f"{counted(left, 'rarer type')} count only in the usage totals"
    )


def at_dates(ds: Dataset, dates: list[pd.Timestamp], engine: str | None = None) -> pd.DataFrame:
    """One row per snapshot date and account with any tracked event in the 8 weeks before it, indexed
    (snapshot, account_id): ``now:<event>`` and ``before:<event>`` counts (4 whole weeks each) for
    every tracked event type. A snapshot at T sees what a run as of T sees (events before T's cutoff,
    from users who existed by then). No dates: the columns, no rows."""
    events = tracked(ds)
    snaps = pd.DataFrame(
        [{"snapshot": pd.Timestamp(t), **_bounds(cutoff(t))} for t in (dates or [ds.as_of])],
        columns=["snapshot", "cut", NOW, BEFORE],
    )
    with engines.open_session(ds, engine) as session:
        session.register("snaps_df", snaps)
        session.table("snaps", f"SELECT snapshot, {', '.join(_day(c) for c in ('cut', NOW, BEFORE))} FROM snaps_df")
        session.register("people_df", users_created(ds)[["user_id", "created"]])
        session.register("codes", pd.DataFrame({"event": events, "code": np.arange(len(events), dtype="int32")}))
        session.table("action_days", _action_days_sql(snaps[BEFORE].min()))
        long = session.query(_per_snapshot_sql())
    wide = _wide(long, events)
    return wide if dates else wide.iloc[:0]


def on(acted: pd.DataFrame, t: pd.Timestamp) -> pd.DataFrame:
    """One date's rows of ``at_dates``, indexed by account_id."""
    return acted[acted.index.get_level_values("snapshot") == t].droplevel("snapshot")


def rates(
    acted: pd.DataFrame,
    accounts: pd.Index,
    active_users: pd.Series,
    seats: pd.Series | None,
    config,
    history_days: int,
) -> pd.DataFrame:
    """Each tracked event type's rates for ``accounts`` (zeros for an account that did nothing):
    ``action:<event>`` log(1 + count in 4 weeks), ``/user`` per active user (at least one), ``/seat``
    per seat (with seats), ``:trend`` log of (1 + now) over (1 + the 4 weeks before), unknown when the
    history is shorter than 8 weeks; and the taxonomy's ratios. Rounded, so thread order cannot show."""
    counts = acted.reindex(accounts).fillna(0)
    events = [c[4:] for c in counts.columns if c.startswith("now:")]
    now = counts[[f"now:{e}" for e in events]].to_numpy(float)
    before = counts[[f"before:{e}" for e in events]].to_numpy(float)
    users = active_users.reindex(accounts).fillna(0).clip(lower=1).to_numpy(float)[:, None]
    blocks = {"": np.log1p(now), "/user": np.log1p(now / users)}  # one array op per kind, not per event
    if seats is not None and not seats.empty:
        blocks["/seat"] = np.log1p(now / seats.reindex(accounts).where(lambda s: s > 0).to_numpy(float)[:, None])
    known = history_days >= LOOKBACK_DAYS
    blocks[":trend"] = np.log1p(now) - np.log1p(before) if known else np.full_like(now, np.nan)
    columns = [f"{PREFIX}{e}{kind}" for e in events for kind in blocks]  # each event's rates side by side
    values = np.stack(list(blocks.values()), axis=2).reshape(len(accounts), -1)
    out = pd.DataFrame(values, index=accounts, columns=columns)
    ratios = _taxonomy_ratios(counts, pd.Series(users[:, 0], index=accounts), config)
    return out.assign(**ratios).round(4)


def _taxonomy_ratios(counts: pd.DataFrame, users: pd.Series, config) -> dict[str, pd.Series]:
    """log((1 + advanced) / (1 + core)) and log(1 + collaboration per active user), where the taxonomy
    names those groups (from the tracked types only)."""
    named = groups(config)
    total = {g: counts[[f"now:{e}" for e in named.get(g, ()) if f"now:{e}" in counts]].sum(axis=1) for g in named}
    out = {}
    if total.get("advanced") is not None and total.get("core") is not None:
        out[f"{RATIO}advanced/core"] = np.log1p(total["advanced"]) - np.log1p(total["core"])
    if total.get("collaboration") is not None:
        out[f"{RATIO}collaboration/user"] = np.log1p(total["collaboration"] / users)
    return out


def is_action(column: str) -> bool:
    """A column ``rates`` wrote."""
    return column.startswith((PREFIX, RATIO))


def describe(column: str, value: float, typical: float | None = None) -> str:
    """A rate in words a CSM reads, with the typical value when given: 'remove member 12 times in 4 weeks
    (typical 2)' (the event's name with spaces for underscores, as a page shows it)."""
    if column == f"{RATIO}advanced/core":
        times = lambda v: f"{np.exp(v):.2g}x"
        return f"advanced events per core event {times(value)}{_typical(typical, times)}"
    name = column.split(":", 1)[1].replace("_", " ")
    if name.endswith(":trend"):
        change = lambda v: f"{np.expm1(v):+.0%}"
        return f"{name[:-6]} {change(value)} on the 4 weeks before{_typical(typical, change)}"
    base, _, per = name.rpartition("/") if "/" in name else (name, "", "")
    unit = {"user": " per active user", "seat": " per seat"}.get(per, " times")
    count = lambda v: f"{np.expm1(v):.3g}"
    return f"{base} {count(value)}{unit} in 4 weeks{_typical(typical, count)}"


def _typical(typical: float | None, words) -> str:
    return "" if typical is None else f" (typical {words(typical)})"


def reference_columns(columns) -> list[str]:
    """The simple reference's inputs (``churn.reference``): each event type's log count per account."""
    return [c for c in columns if c.startswith(PREFIX) and "/" not in c and not c.endswith(":trend")]


def _bounds(cut: pd.Timestamp) -> dict:
    return {"cut": cut, NOW: cut - pd.Timedelta(days=WINDOWS[NOW]), BEFORE: cut - pd.Timedelta(days=WINDOWS[BEFORE])}


def _day(column: str) -> str:
    return f"CAST({column} AS DATE) AS {column}"


def _action_days_sql(start) -> str:
    """Per account, event code, day and the day its events became visible (the user's creation, if later)."""
    return f"""
        SELECT e.account_id, c.code, CAST(e.timestamp AS DATE) AS day,
          greatest(CAST(e.timestamp AS DATE), CAST(p.created AS DATE)) AS visible, count(*) AS n
        FROM events e JOIN people_df p USING (user_id) JOIN codes c ON c.event = e.event
        WHERE e.timestamp >= TIMESTAMP '{start}'
        GROUP BY e.account_id, c.code, CAST(e.timestamp AS DATE), greatest(CAST(e.timestamp AS DATE), CAST(p.created AS DATE))"""


def _per_snapshot_sql() -> str:
    return f"""
        SELECT s.snapshot, a.account_id, a.code,
          sum(a.n) FILTER (WHERE a.day >= s.{NOW}) AS now_n,
          sum(a.n) FILTER (WHERE a.day < s.{NOW}) AS before_n
        FROM snaps s JOIN action_days a ON a.day >= s.{BEFORE} AND a.day < s.cut AND a.visible < s.cut
        GROUP BY s.snapshot, a.account_id, a.code"""


def _wide(long: pd.DataFrame, events: list[str]) -> pd.DataFrame:
    """(snapshot, account_id) rows, now:/before: columns per tracked event, counts as integers."""
    index = ["snapshot", "account_id"]
    long = long.assign(event=pd.Categorical.from_codes(long.code.astype("int32"), categories=events))
    counts = long.set_index([*index, "event"])[["now_n", "before_n"]].fillna(0).astype("int64")
    wide = counts.unstack("event", fill_value=0).reindex(columns=events, level="event", fill_value=0)
    wide = wide.reindex(columns=pd.MultiIndex.from_product([["now_n", "before_n"], events]), fill_value=0)
    wide.columns = [f"{'now' if kind == 'now_n' else 'before'}:{e}" for kind, e in wide.columns]
    empty = pd.MultiIndex.from_arrays([pd.DatetimeIndex([]), pd.Index([], dtype=object)], names=index)
    return wide.sort_index() if len(wide) else pd.DataFrame(columns=wide.columns, index=empty, dtype="int64")
