"""Load a dataset folder and hold it to the data contract before any work is done.

``load_dataset(dataset, as_of)`` reads ``dataset.yaml`` and every table, renames the
customer's columns onto ours, validates each table with pandera (events, the big one,
with DuckDB, out of core), checks the references between tables, and cuts everything
at ``as_of``. Any breach raises ``DataContractError`` with one line naming the file,
the column, example rows and what was expected.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from helpers import paths
from helpers.data import cache, fallbacks, subscriptions
from helpers.data.config import TABLES, DatasetConfig, check_mapping, load_config
from helpers.data.events import EventSource, open_events
from helpers.data.tables import SPECS
from helpers.data.timecut import cut_table, cutoff, parse_as_of
from helpers.errors import DataContractError, rows_message


class DataContractWarning(UserWarning):
    """Something worth knowing about the input that does not stop the run."""


@dataclass
class Dataset:
    root: Path
    config: DatasetConfig
    as_of: pd.Timestamp
    tables: dict[str, pd.DataFrame]  # small tables: canonical columns, typed, cut at as_of
    files: dict[str, Path]  # table -> the file it came from
    events: EventSource  # the event log, validated, read through DuckDB
    rows_in_file: dict[str, int] = field(default_factory=dict)
    missing_columns: dict[str, list[str]] = field(default_factory=dict)
    empty_columns: dict[str, list[str]] = field(default_factory=dict)  # present, every cell empty: treated as absent
    notes: list[str] = field(default_factory=list)  # warnings, also shown in notebook 00
    assumptions: list[str] = field(default_factory=list)  # what the run read into the data (notebook 00, run.json)

    @property
    def cutoff(self) -> pd.Timestamp:
        return cutoff(self.as_of)

    def has(self, table: str) -> bool:
        return table in self.tables or (table == "events")

    def at(self, t: pd.Timestamp) -> Dataset:
        """The same dataset seen from an earlier date (tables re-cut; events cut by the connection)."""
        cut = cutoff(t)
        tables = {name: cut_table(name, df, cut) for name, df in self.tables.items()}
        return dataclasses.replace(self, as_of=pd.Timestamp(t), tables=tables)

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with views ``events`` (before the cutoff) and ``users``."""
        return self.events.connect(self.tables["users"], self.cutoff)


def load_dataset(dataset: str | Path, as_of: str) -> Dataset:
    """The dataset as of ``as_of``, every table checked against the contract (or a clear error naming the
    file, column and rows), its notes said as warnings. Checked once per files, day and code (``cache``)."""
    day = parse_as_of(as_of)  # strictly YYYY-MM-DD, checked before any table is read
    root = paths.dataset_dir(dataset)
    if not root.is_dir():
        raise DataContractError(f"{root}: dataset folder not found")
    ds = cache.remembered(root, day, lambda: _checked(root, day))
    for n in ds.notes:
        warnings.warn(n, DataContractWarning, stacklevel=2)
    return ds


def _checked(root: Path, day: pd.Timestamp) -> Dataset:
    config = load_config(root / "dataset.yaml")
    notes: list[str] = []
    files = {t: f for t in TABLES if (f := _locate(root, t, config)) is not None}
    for t in TABLES:
        if SPECS[t].required_table and t not in files:
            raise DataContractError(f"{root}: required table '{t}' not found (looked for {t}.csv, {t}.parquet, {t}/)")
    raw = {t: _read(t, files[t], config.tables.__getattribute__(t).columns) for t in files if t != "events"}
    tables = {t: _validate(t, df, files[t]) for t, df in raw.items()}
    _check_references(tables, files)
    events = open_events(
        files["events"], config.tables.events.columns, tables["users"], config.validation.orphan_events
    )
    as_of_ts = _check_as_of(day, events, files["events"])
    events = events.until(cutoff(as_of_ts))  # from here on, nothing after as_of: counts, last event
    notes += events.notes + _taxonomy_notes(config, events, files["events"])
    cut = cutoff(as_of_ts)
    known = cut_table("subscriptions", tables["subscriptions"], cut)  # decided on what as_of knew
    convention, assumed = subscriptions.end_date_convention(known, config.billing.end_date)
    tables["subscriptions"] = subscriptions.as_last_paid_day(tables["subscriptions"], convention)
    empty = {t: _empty_optional(t, df) for t, df in tables.items()}
    tables = {t: cut_table(t, df.drop(columns=empty[t]), cut) for t, df in tables.items()}
    return Dataset(
        root=root,
        config=config,
        as_of=as_of_ts,
        files=files,
        events=events,
        notes=notes,
        assumptions=fallbacks.at_load(config, tables, assumed, events.assumptions),
        tables=tables,
        rows_in_file={**{t: len(df) for t, df in raw.items()}, "events": events.n_rows},
        missing_columns={
            t: [c for c in SPECS[t].optional if c not in raw.get(t, pd.DataFrame()).columns]
            for t in files
            if t != "events"
        },
        empty_columns={t: cols for t, cols in empty.items() if cols},
    )


def _empty_optional(table: str, df: pd.DataFrame) -> list[str]:
    """Optional columns present but with nothing in them: treated as absent (and said so in notebook 00)."""
    return [c for c in SPECS[table].optional if c in df and df[c].isna().all()]


def _locate(root: Path, table: str, config: DatasetConfig) -> Path | None:
    named = getattr(config.tables, table).file
    if named:
        path = root / named
        if not path.exists():
            raise DataContractError(
                f"{root / 'dataset.yaml'}: tables.{table}.file names '{named}', which does not exist"
            )
        return path
    for candidate in (root / f"{table}.parquet", root / f"{table}.csv", root / table):
        if candidate.exists():
            return candidate
    return None


def _read(table: str, path: Path, renames: dict[str, str]) -> pd.DataFrame:
    """Every cell as text (or missing), columns renamed onto the contract's names (each mapped column must exist)."""
    if path.suffix == ".parquet" or path.is_dir():
        df = pd.read_parquet(path)
        df = df.astype(object).where(df.notna(), None).map(lambda v: v if v is None else str(v))
    else:
        _require_utf8(path)
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8", sep=delimiter(path))
    df.columns = [c.strip() for c in df.columns]
    check_mapping(table, renames, df.columns, path)
    return df.rename(columns=renames)


def delimiter(path: Path) -> str:
    """The field separator a small table uses: the most frequent of , ; tab | in its header line."""
    with path.open(encoding="utf-8", errors="replace") as fh:
        header = fh.readline()
    return max((",", ";", "\t", "|"), key=header.count)


def _require_utf8(path: Path) -> None:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataContractError(
            f"{path.name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}); "
            "expected UTF-8: re-export the file as UTF-8"
        ) from None


def _validate(table: str, df: pd.DataFrame, path: Path) -> pd.DataFrame:
    spec = SPECS[table]
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        raise DataContractError(
            f"{path.name}: missing required column '{missing[0]}' (found: {', '.join(df.columns)}); "
            f"map your name for it in dataset.yaml under tables.{table}.columns"
        )
    from pandera.errors import SchemaErrors  # here: a dataset read back from the cache never needs pandera

    try:
        spec.schema(df.columns).validate(df, lazy=True)
    except SchemaErrors as exc:
        raise DataContractError(_describe_failure(exc.failure_cases, df, path, spec)) from None
    typed = df.copy()
    for col, kind in spec.kinds(df.columns).items():
        typed[col] = kind.convert(df[col])
    if table == "subscriptions":
        bad = typed.index[typed.end_date.notna() & (typed.end_date < typed.start_date)]
        if len(bad):
            raise DataContractError(
                _rows_message(path, "end_date", bad, df.loc[bad, "end_date"], "an end_date on or after start_date")
            )
    return typed


def _describe_failure(cases: pd.DataFrame, df: pd.DataFrame, path: Path, spec) -> str:
    cases = cases[cases["index"].notna()]
    first = cases.iloc[0]
    col, check = first["column"], str(first["check"])
    rows = cases[(cases.column == col) & (cases.check == first["check"])]["index"].astype(int).unique()
    if check == "field_uniqueness":
        expected = f"each {col} once (duplicates)"
    elif check == "not_nullable":
        expected = "a value (found empty cells)"
    else:
        expected = check
    return _rows_message(path, col, rows, df[col].reindex(rows), expected)


def _rows_message(path: Path, column: str, rows, values, expected: str) -> str:
    rows = list(rows)
    return rows_message(path.name, column, rows, values, expected, count=len(rows))


def _check_references(tables: dict[str, pd.DataFrame], files: dict[str, Path]) -> None:
    accounts = set(tables["accounts"].account_id)
    users = set(tables["users"].user_id)
    refs = [
        (t, "account_id", accounts, "accounts")
        for t in tables
        if t not in ("accounts", "csm_labels") and "account_id" in tables[t]
    ] + [("csm_labels", "user_id", users, "users")]
    for table, col, known, target in refs:
        if table not in tables:
            continue
        df = tables[table]
        bad = df.index[~df[col].isin(known)]
        if len(bad):
            raise DataContractError(
                _rows_message(files[table], col, bad, df.loc[bad, col], f"an {col} that exists in {files[target].name}")
            )


def _check_as_of(ts: pd.Timestamp, events: EventSource, path: Path) -> pd.Timestamp:
    first, last = events.first.normalize(), events.last.normalize()
    if not first <= ts <= last:
        raise DataContractError(
            f"as_of: {ts.date()} is outside the data's range {first.date()} .. {last.date()} "
            f"({path.name}, column 'timestamp'); expected a date inside it"
        )
    return ts


def _taxonomy_notes(config: DatasetConfig, events: EventSource, path: Path) -> list[str]:
    never = sorted(config.taxonomy.named_events() - set(events.event_counts))
    if not never:
        return []
    return [
        f"dataset.yaml names events that never occur in {path.name} up to as_of: {', '.join(never)} "
        "(check the spelling, or the product's tracking)"
    ]
