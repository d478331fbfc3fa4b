"""The event log, read in place by DuckDB: validated out of core, never loaded whole.

Events can be tens to hundreds of millions of rows, so their checks run as SQL
over the Parquet/CSV file(s). Downstream code gets a DuckDB view ``events`` with the
contract's column names, the user's account attached, and only rows before the
run's cutoff.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from helpers.data.config import check_mapping
from helpers.errors import DataContractError, rows_message

REQUIRED = ("user_id", "event", "timestamp")


@dataclass
class EventSource:
    path: Path
    select: str  # SQL: the source with our column names and a parsed timestamp
    n_rows: int
    first: pd.Timestamp
    last: pd.Timestamp
    event_counts: dict[str, int]
    orphans: int  # events whose user is not in users (dropped when allowed)
    notes: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)  # how its timestamps were read, when not plain (until)
    raw: str = ""  # SQL: select plus the raw timestamp text, for what until() says of it
    columns: str = ""  # SQL: the select list of ``select`` alone (our names, the policy's timestamp), for Spark
    typed: bool = False  # the file stores timestamps as timestamps (Parquet), so none can be a number

    def until(self, cut: pd.Timestamp) -> EventSource:
        """The log as a run on this cutoff sees it: event counts and last event from rows before ``cut`` only,
        so data appended later changes nothing (the whole file was validated already)."""
        seen = f"SELECT event, timestamp FROM ({self.select}) WHERE timestamp < TIMESTAMP '{cut}'"
        con = _connection()
        per_event = con.execute(f"SELECT event, count(*), max(timestamp) FROM ({seen}) GROUP BY event").fetchall()
        counts = {event: n for event, n, _ in sorted(per_event)}
        last = max((t for _, _, t in per_event), default=None)
        # a typed timestamp column holds no numbers: no need to read 100M values as text to count them
        numeric = 0
        if not self.typed:
            numeric = con.execute(
                f"SELECT count(*) FROM ({self.raw}) WHERE timestamp < TIMESTAMP '{cut}' AND {_is_number('raw_timestamp')}"
            ).fetchone()[0]
        said = [
            f"{self.path.name}: {numeric:,} timestamps are numbers, read as {EPOCH_POLICY} "
            "(TIMESTAMP POLICY in helpers.data.events)"
        ]
        return dataclasses.replace(
            self, last=pd.Timestamp(last), event_counts=counts, assumptions=said if numeric else []
        )

    def connect(self, users: pd.DataFrame, cut: pd.Timestamp) -> duckdb.DuckDBPyConnection:
        con = _connection()
        con.register("users_df", users[["user_id", "account_id"]])
        con.execute("CREATE TABLE users AS SELECT * FROM users_df")
        con.execute(f"""CREATE VIEW events AS
            SELECT e.user_id, u.account_id, e.event, e.timestamp FROM ({self.select}) e
            JOIN users u USING (user_id) WHERE e.timestamp < TIMESTAMP '{cut}'""")
        # The same rows without the account join, for per-user work that never needs it.
        con.execute(f"""CREATE VIEW event_log AS
            SELECT user_id, event, timestamp FROM ({self.select}) WHERE timestamp < TIMESTAMP '{cut}'""")
        return con


# TIMESTAMP POLICY, for every table: a time with a UTC offset or "Z" is converted to UTC; a time
# without one is taken as UTC already; a number is seconds since 1970-01-01 UTC (milliseconds when
# above 100 billion, i.e. after the year 5138 in seconds). Days, weeks and as_of are UTC days.
EPOCH_POLICY = "seconds since 1970-01-01 UTC (milliseconds when above 100 billion)"
EPOCH_MS_ABOVE = 100_000_000_000


def _is_number(column: str) -> str:
    # anchored regexp_matches (not regexp_full_match): SQLGlot carries it to Spark as RLIKE
    return f"regexp_matches(trim(CAST({column} AS VARCHAR)), '^-?[0-9]+([.][0-9]+)?$')"


def timestamp_sql(column: str, duckdb_type: str) -> str:
    """SQL turning a raw timestamp column into naive UTC (the policy above)."""
    if duckdb_type.startswith("TIMESTAMP") or duckdb_type == "DATE":
        return f"CAST({column} AS TIMESTAMP)"  # the session is UTC: a time zone is converted
    number = f"TRY_CAST(trim(CAST({column} AS VARCHAR)) AS DOUBLE)"
    # microseconds since the epoch (make_timestamp; Spark's TIMESTAMP_MICROS), rounded the same on both engines
    micros = f"CASE WHEN abs({number}) > {EPOCH_MS_ABOVE} THEN {number} * 1000 ELSE {number} * 1000000 END"
    return f"""CASE WHEN {_is_number(column)}
        THEN make_timestamp(CAST(round({micros}) AS BIGINT))
        ELSE CAST(TRY_CAST({column} AS TIMESTAMPTZ) AS TIMESTAMP) END"""


def _connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def hive_partitioned(path: Path) -> bool:
    """A folder of Parquet files in key=value subfolders (``events/date=2026-01-31/part-0.parquet``)."""
    return path.is_dir() and any(d.is_dir() and "=" in d.name for d in path.iterdir())


def _scan(path: Path) -> str:
    p = str(path).replace("'", "''")
    if hive_partitioned(path):
        return f"read_parquet('{p}/**/*.parquet', hive_partitioning = true, file_row_number = true)"
    if path.is_dir():
        return f"read_parquet('{p}/*.parquet', file_row_number = true)"
    if path.suffix == ".parquet":
        return f"read_parquet('{p}', file_row_number = true)"
    return f"(SELECT *, row_number() OVER () - 1 AS file_row_number FROM read_csv('{p}', header = true, all_varchar = true))"


def open_events(path: Path, renames: dict[str, str], users: pd.DataFrame, orphan_policy: str) -> EventSource:
    con = _connection()
    scan = _scan(path)
    try:
        columns = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()}
    except duckdb.Error as exc:
        if "unicode" in str(exc).lower() or "utf" in str(exc).lower():
            raise DataContractError(
                f"{path.name}: not UTF-8 text; expected UTF-8: re-export the file as UTF-8"
            ) from None
        raise DataContractError(f"{path.name}: cannot be read as a table ({str(exc).splitlines()[0]})") from None
    check_mapping("events", renames, columns, path)
    ours = {renames.get(c, c): c for c in columns}
    missing = [c for c in REQUIRED if c not in ours]
    if missing:
        found = ", ".join(c for c in columns if c != "file_row_number")
        raise DataContractError(
            f"{path.name}: missing required column '{missing[0]}' (found: {found}); "
            "map your name for it in dataset.yaml under tables.events.columns"
        )
    q = lambda c: '"' + ours[c].replace('"', '""') + '"'
    ts_raw = q("timestamp")
    ts = timestamp_sql(ts_raw, columns[ours["timestamp"]])
    ours_sql = f"CAST({q('user_id')} AS VARCHAR) AS user_id, CAST({q('event')} AS VARCHAR) AS event, {ts} AS timestamp"
    raw = f"SELECT {ours_sql}, CAST({ts_raw} AS VARCHAR) AS raw_timestamp, file_row_number FROM {scan}"
    con.execute(f"CREATE VIEW raw AS {raw}")
    n, first, last, counts = _check_rows(con, path)
    con.register("users_df", users[["user_id"]])
    orphans = con.execute("SELECT count(*) FROM raw ANTI JOIN users_df USING (user_id)").fetchone()[0]
    notes = []
    if orphans:
        example = con.execute(
            "SELECT file_row_number, user_id FROM raw ANTI JOIN users_df USING (user_id) "
            "ORDER BY file_row_number LIMIT 3"
        ).fetchall()
        rows = ", ".join(f"row {r + 1} {u!r}" for r, u in example)
        msg = f"{path.name}: column 'user_id': {orphans:,} event(s) whose user is not in users ({rows})"
        if orphan_policy == "error":
            raise DataContractError(
                msg + "; expected every event's user in users (or set validation.orphan_events: drop in dataset.yaml)"
            )
        notes.append(msg + "; dropped (validation.orphan_events: drop)")
    select = f"SELECT user_id, event, timestamp FROM ({raw})"
    typed = columns[ours["timestamp"]].startswith(("TIMESTAMP", "DATE"))
    return EventSource(
        path,
        select,
        n,
        pd.Timestamp(first),
        pd.Timestamp(last),
        counts,
        orphans,
        notes,
        raw=raw,
        columns=ours_sql,
        typed=typed,
    )


ROW_CHECKS = (  # column, a bad row, what was expected, what the message shows of a bad row
    ("user_id", "user_id IS NULL OR user_id = ''", "a user_id on every event", "user_id"),
    ("event", "event IS NULL OR event = ''", "an event name on every row", "event"),
    ("timestamp", "timestamp IS NULL", "an ISO timestamp such as 2026-01-31 14:05:00", "raw_timestamp"),
)


def _check_rows(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[int, object, object, dict[str, int]]:
    """Every row's checks, the row count, first and last timestamp and the count per event, in one pass
    over the log (on 100 million events each pass is seconds, and every notebook loads the dataset)."""
    bad = ", ".join(f"count_if({condition})" for _, condition, _, _ in ROW_CHECKS)
    per_event = con.execute(
        f"SELECT event, count(*), min(timestamp), max(timestamp), {bad} FROM raw GROUP BY event"
    ).fetchall()
    n = sum(row[1] for row in per_event)
    if n == 0:
        raise DataContractError(f"{path.name}: no events; expected at least one row")
    for position, (column, condition, expected, shown) in enumerate(ROW_CHECKS):
        count = sum(row[4 + position] for row in per_event)
        if count:
            example = con.execute(
                f"SELECT file_row_number, {shown} FROM raw WHERE {condition} ORDER BY file_row_number LIMIT 3"
            ).fetchall()
            raise DataContractError(
                rows_message(path.name, column, [r for r, _ in example], [v for _, v in example], expected, count)
            )
    counts = {event: count for event, count, *_ in sorted(per_event)}
    return n, min(row[2] for row in per_event), max(row[3] for row in per_event), counts
