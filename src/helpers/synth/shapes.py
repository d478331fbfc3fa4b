"""Export shapes the default generator never makes, applied to a generated dataset folder.

A real company's export differs from ours in history length, plan shapes, how periods
end, which tables and columns exist and how timestamps are written. Each shape here
rewrites a folder written by ``generate`` in place, the way such an export would look,
so the series can be run on it (``tests/test_shapes.py``). History length and plans are
the generator's own options (``months``, ``monthly_only``); the rest are these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import yaml

REQUIRED_TABLES = ("accounts", "users", "subscriptions", "events")
OPTIONAL_TABLES = ("csm_labels", "tickets", "nps", "touchpoints", "assessments")


class Folder:
    """A generated dataset folder: its dataset.yaml and its tables, read and written as text."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.doc = yaml.safe_load((self.path / "dataset.yaml").read_text())

    def file(self, table: str) -> Path:
        spec = self.doc.get("tables", {}).get(table, {})
        return self.path / spec.get("file", f"{table}.csv" if table != "events" else "events.parquet")

    def column(self, table: str, ours: str) -> str:
        """The export's name for one of our columns."""
        renames = self.doc.get("tables", {}).get(table, {}).get("columns", {})
        return next((theirs for theirs, o in renames.items() if o == ours), ours)

    def read(self, table: str) -> pd.DataFrame:
        path = self.file(table)
        header = path.open().readline()
        sep = ";" if header.count(";") > header.count(",") else ","
        return pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep)

    def write(self, table: str, df: pd.DataFrame, sep: str = ",") -> None:
        df.to_csv(self.file(table), index=False, sep=sep)

    def rewrite_events(self, sql: str) -> None:
        """Replace the event log by ``sql`` over the view ``events`` (the file as it is)."""
        path = self.file("events")
        tmp = path.with_name(path.stem + ".new.parquet")
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{path}')")
        con.execute(f"COPY ({sql}) TO '{tmp}' (FORMAT parquet)")
        con.close()
        tmp.replace(path)

    def save(self) -> None:
        (self.path / "dataset.yaml").write_text(yaml.safe_dump(self.doc, sort_keys=False, width=100))


def back_to_back_monthly(f: Folder, end: date) -> None:
    """Each subscription row becomes one row per calendar month, ``end_date`` equal to the next
    ``start_date`` (the first unpaid day); a running plan's last row ends after the data ends."""
    subs = f.read("subscriptions")
    start_col, end_col = f.column("subscriptions", "start_date"), f.column("subscriptions", "end_date")
    rows = []
    for row in subs.to_dict("records"):
        closed = bool(row[end_col])
        start = pd.Timestamp(row[start_col])
        stop = pd.Timestamp(row[end_col] if closed else end) + pd.Timedelta(days=1)
        while start < stop:
            nxt = start + pd.DateOffset(months=1)
            last = min(nxt, stop) if closed else nxt
            rows.append({**row, start_col: start.date().isoformat(), end_col: last.date().isoformat()})
            start = nxt
    f.write("subscriptions", pd.DataFrame(rows, columns=subs.columns))


def one_user_per_account(f: Folder, end: date) -> None:
    """A prosumer product: the account's first user is its only one (their events and labels kept)."""
    users = f.read("users")
    acc, created = f.column("users", "account_id"), f.column("users", "created_at")
    uid = f.column("users", "user_id")
    keep = users.sort_values([acc, created, uid]).drop_duplicates(acc)
    f.write("users", users[users[uid].isin(keep[uid])])
    ids = ", ".join(f"'{u}'" for u in keep[uid])
    f.rewrite_events(f'SELECT * FROM events WHERE "{f.column("events", "user_id")}" IN ({ids})')
    if f.file("csm_labels").exists():
        labels = f.read("csm_labels")
        f.write("csm_labels", labels[labels[f.column("csm_labels", "user_id")].isin(keep[uid])])


def no_seats(f: Folder, end: date) -> None:
    f.write("subscriptions", f.read("subscriptions").drop(columns=[f.column("subscriptions", "seats")]))


def empty_seats(f: Folder, end: date) -> None:
    """The optional column is there, with nothing in it."""
    f.write("subscriptions", f.read("subscriptions").assign(**{f.column("subscriptions", "seats"): ""}))


def no_billing_period(f: Folder, end: date) -> None:
    subs = f.read("subscriptions")
    f.write("subscriptions", subs.drop(columns=[f.column("subscriptions", "billing_period")]))


def no_session_event(f: Folder, end: date) -> None:
    """A product with no login event: its session events are gone and the taxonomy names none."""
    taxonomy = f.doc["taxonomy"]
    session = taxonomy.pop("session_event")
    f.rewrite_events(f"SELECT * FROM events WHERE \"{f.column('events', 'event')}\" <> '{session}'")
    f.save()


def required_tables_only(f: Folder, end: date) -> None:
    for table in OPTIONAL_TABLES:
        f.file(table).unlink(missing_ok=True)
        f.doc.get("tables", {}).pop(table, None)
    f.save()


REQUIRED_COLUMNS = {
    "accounts": ["account_id"],
    "users": ["user_id", "account_id"],
    "subscriptions": ["account_id", "start_date", "end_date", "mrr"],
}


def required_columns_only(f: Folder, end: date) -> None:
    """The small required tables with their required columns and nothing else (no names, segments, CSMs, seats)."""
    for table, ours in REQUIRED_COLUMNS.items():
        f.write(table, f.read(table)[[f.column(table, c) for c in ours]])


def utc_offsets(f: Folder, end: date) -> None:
    """Event times written as local time with an offset (+02:00), small-table times with ``Z``."""
    ts = f.column("events", "timestamp")
    f.rewrite_events(
        f'SELECT * REPLACE (strftime("{ts}" + INTERVAL 2 HOUR, \'%Y-%m-%dT%H:%M:%S+02:00\') AS "{ts}") FROM events'
    )
    for table, column in (("nps", "responded_at"), ("tickets", "opened_at")):
        if f.file(table).exists():
            df = f.read(table)
            col = f.column(table, column)
            df[col] = df[col].str.replace(" ", "T").where(df[col] == "", df[col].str.replace(" ", "T") + "Z")
            f.write(table, df)


def epoch_seconds(f: Folder, end: date) -> None:
    """Event times as integer seconds since 1970-01-01 UTC."""
    ts = f.column("events", "timestamp")
    f.rewrite_events(f'SELECT * REPLACE (CAST(epoch("{ts}") AS BIGINT) AS "{ts}") FROM events')


def users_without_events(f: Folder, end: date) -> None:
    """A few users who never did anything: invited, never came (beside the five earliest users, so an
    export cut at any later date has the same ones)."""
    users = f.read("users")
    order = [c for c in (f.column("users", "created_at"), f.column("users", "user_id")) if c in users]
    first = users.sort_values(order)
    extra = first.drop_duplicates(f.column("users", "account_id")).head(5).copy()
    extra[f.column("users", "user_id")] = [f"never-{i}" for i in range(len(extra))]
    f.write("users", pd.concat([users, extra], ignore_index=True))


def account_starting_on_the_last_day(f: Folder, end: date) -> None:
    """An account signed on the last day of data: a subscription and a user, no events yet."""
    day = end.isoformat()
    for table, row in (
        ("accounts", {"account_id": "NEW-1", "contract_start": day}),
        ("users", {"user_id": "NEW-1-u1", "account_id": "NEW-1", "created_at": day}),
        ("subscriptions", {"account_id": "NEW-1", "start_date": day, "end_date": "", "mrr": "100"}),
    ):
        df = f.read(table)
        new = {f.column(table, ours): value for ours, value in row.items()}
        f.write(table, pd.concat([df, pd.DataFrame([new])], ignore_index=True).fillna(""))


def overlapping_plans(f: Folder, end: date) -> None:
    """Plans bought mid-term, one row per product, as billing systems export them. Every fourth account's
    last plan gets an add-on bought halfway through it and ending with it (both running past the data's end
    where the plan does); every fourth, from the third, an upgrade bought halfway through a closed term, ending with it."""
    subs = f.read("subscriptions")
    col = {ours: f.column("subscriptions", ours) for ours in ("account_id", "start_date", "end_date", "mrr", "product")}
    last = subs.sort_values([col["account_id"], col["start_date"]]).drop_duplicates(col["account_id"], keep="last")
    rows = []
    for k, row in enumerate(last.to_dict("records")):
        start, closed = pd.Timestamp(row[col["start_date"]]), row[col["end_date"]]
        inside = start + (pd.Timestamp(closed or end) - start) / 2
        if k % 4 == 0 and inside.date() <= end:
            rows.append(_bought_inside(row, col, inside, closed, 0.2, "add-on"))
        elif k % 4 == 2 and closed:
            rows.append(_bought_inside(row, col, inside, closed, 0.5, "upgrade"))
    f.write("subscriptions", pd.concat([subs, pd.DataFrame(rows, columns=subs.columns)], ignore_index=True))


def _bought_inside(row: dict, col: dict, start: pd.Timestamp, end_date: str, share: float, kind: str) -> dict:
    """A row for ``kind`` bought on ``start`` inside ``row``'s term, at ``share`` of its MRR."""
    new = {**row, col["start_date"]: start.date().isoformat(), col["end_date"]: end_date}
    new[col["mrr"]] = f"{float(row[col['mrr']]) * share:.2f}"
    if col["product"] in row:
        new[col["product"]] = f"{row[col['product']] or 'plan'} {kind}"
    return new


def semicolons(f: Folder, end: date) -> None:
    """The small tables exported with ';' between fields (a spreadsheet in a comma-decimal locale)."""
    for table in ("accounts", "users", "subscriptions", *OPTIONAL_TABLES):
        if f.file(table).exists():
            f.write(table, f.read(table), sep=";")


# The export issue 13 was found on: a self-serve product, one user per account, nothing but the required tables.
BARE_EXPORT = (
    "back_to_back_monthly",
    "one_user_per_account",
    "empty_seats",
    "no_billing_period",
    "no_session_event",
    "required_tables_only",
)

SHAPES: dict[str, Callable[[Folder, date], None]] = {
    "back_to_back_monthly": back_to_back_monthly,
    "one_user_per_account": one_user_per_account,
    "no_seats": no_seats,
    "empty_seats": empty_seats,
    "no_billing_period": no_billing_period,
    "no_session_event": no_session_event,
    "required_tables_only": required_tables_only,
    "required_columns_only": required_columns_only,
    "utc_offsets": utc_offsets,
    "epoch_seconds": epoch_seconds,
    "users_without_events": users_without_events,
    "account_starting_on_the_last_day": account_starting_on_the_last_day,
    "overlapping_plans": overlapping_plans,
    "semicolons": semicolons,  # last: the others read and write commas
}


def reshape(folder: str | Path, shapes: Iterable[str], end: str | date) -> Path:
    """Apply ``shapes`` (names from SHAPES) to a generated folder, in SHAPES' order; return the folder."""
    unknown = set(shapes) - set(SHAPES)
    if unknown:
        raise ValueError(f"unknown shape(s) {sorted(unknown)}; known: {', '.join(SHAPES)}")
    f, last = Folder(folder), date.fromisoformat(str(end))
    for name, fn in SHAPES.items():
        if name in shapes:
            fn(f, last)
    (f.path / "truth").mkdir(exist_ok=True)
    (f.path / "truth" / "shapes.txt").write_text("\n".join(n for n in SHAPES if n in shapes) + "\n")
    return f.path
