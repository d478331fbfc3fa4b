"""What the dataset holds and what it lacks: the coverage summary of notebook 00."""

from __future__ import annotations

import pandas as pd

from helpers.data.config import TABLES
from helpers.data.contract import Dataset
from helpers.data.tables import OPTIONAL_COLUMN_EFFECTS, SPECS
from helpers.data.timecut import ROW_TIME


def table_summary(ds: Dataset) -> pd.DataFrame:
    """Per table: file, rows in the file, rows up to as_of, and the date range it covers."""
    rows = []
    for t in TABLES:
        if t not in ds.files:
            rows.append(dict(table=t, file="(absent)", rows_in_file=0, rows_to_as_of=0, first="", last=""))
            continue
        if t == "events":
            n = ds.connect().execute("SELECT count(*) FROM events").fetchone()[0]
            first, last = ds.events.first, ds.events.last
        else:
            df, col = ds.tables[t], ROW_TIME.get(t, (None,))[0]
            n = len(df)
            first, last = (df[col].min(), df[col].max()) if col in df else (None, None)
        rows.append(
            dict(
                table=t,
                file=ds.files[t].name,
                rows_in_file=ds.rows_in_file[t],
                rows_to_as_of=n,
                first=_day(first),
                last=_day(last),
            )
        )
    return pd.DataFrame(rows)


def _day(ts) -> str:
    return "" if ts is None or pd.isna(ts) else str(pd.Timestamp(ts).date())


def disabled_features(ds: Dataset) -> pd.DataFrame:
    """Absent optional tables and columns, and what each absence switches off."""
    rows = [
        dict(missing=f"table {t}", effect=SPECS[t].disables) for t in TABLES if t not in ds.files and SPECS[t].disables
    ]
    rows += [
        dict(missing=f"column {t}.{c}", effect=OPTIONAL_COLUMN_EFFECTS.get((t, c), "not used yet"))
        for t, cols in ds.missing_columns.items()
        for c in cols
    ]
    rows += [
        dict(
            missing=f"column {t}.{c} (present, every cell empty)",
            effect=OPTIONAL_COLUMN_EFFECTS.get((t, c), "not used yet"),
        )
        for t, cols in ds.empty_columns.items()
        for c in cols
    ]
    return pd.DataFrame(rows, columns=["missing", "effect"])


def fallbacks(ds: Dataset) -> list[str]:
    """Every fallback of the run in one list (run.json): what was assumed, and what an absence switched off."""
    off = [
        f"{row.missing} is absent; " + ("left out: " if row.missing.startswith("table") else "so: ") + row.effect
        for row in disabled_features(ds).itertuples()
        if row.effect != "not used yet"
    ]
    return [*ds.assumptions, *off]


def seen_as_of(summary: pd.DataFrame) -> pd.DataFrame:
    """The coverage table as the coverage.csv artifact: without rows_in_file, which counts rows after as_of
    (the same dataset with later data appended must give the same artifact)."""
    return summary.drop(columns="rows_in_file")


def assumptions_and_notes(ds: Dataset) -> pd.DataFrame:
    """What the run read into the data (assumed) and what validation found worth a look (note)."""
    rows = [("assumed", a) for a in ds.assumptions] + [("note", n) for n in ds.notes]
    return pd.DataFrame(rows, columns=["kind", "detail"])


def contract_record(ds: Dataset, summary: pd.DataFrame) -> dict:
    """data_contract.json: the dataset, its as-of date, what was assumed and noted, what is switched off."""
    return {
        "dataset": ds.config.name,
        "as_of": str(ds.as_of.date()),
        "status": "valid",
        "assumptions": ds.assumptions,
        "notes": ds.notes,
        "disabled": disabled_features(ds).to_dict("records"),
        "events_to_as_of": int(summary.set_index("table").loc["events", "rows_to_as_of"]),
    }


def events_per_day(ds: Dataset) -> pd.DataFrame:
    """Daily event and active-user counts up to as_of (a gap or a cliff here is a pipeline problem)."""
    return (
        ds.connect()
        .execute("""
        SELECT CAST(timestamp AS DATE) AS day, count(*) AS events, count(DISTINCT user_id) AS active_users
        FROM events GROUP BY 1 ORDER BY 1""")
        .df()
    )


def users_per_account(ds: Dataset) -> pd.Series:
    users = ds.tables["users"]
    return users.groupby("account_id").size().reindex(ds.tables["accounts"].account_id, fill_value=0)


def event_catalogue(ds: Dataset) -> pd.DataFrame:
    """Every event name seen, its count, and where the taxonomy in dataset.yaml places it."""
    tax = ds.config.taxonomy
    groups = {
        "core": tax.features.core,
        "expansion": tax.features.expansion,
        "advanced": tax.features.advanced,
        "asset": tax.asset_creation,
        "collaboration": tax.collaboration,
    }
    active = set(tax.active_events) if tax.active_events is not None else None
    rows = []
    for event, n in sorted(ds.events.event_counts.items(), key=lambda kv: -kv[1]):
        rows.append(
            dict(
                event=event,
                count=n,
                active=active is None or event in active,
                session=event == tax.session_event,
                groups=", ".join(g for g, names in groups.items() if event in names),
            )
        )
    return pd.DataFrame(rows)


def data_dictionary() -> pd.DataFrame:
    """The contract itself: each table's columns, whether required, and what they must hold."""
    rows = []
    for t, spec in SPECS.items():
        for required, cols in ((True, spec.required), (False, spec.optional)):
            for c, kind in cols.items():
                expected = kind.describe()
                rows.append(
                    dict(
                        table=t,
                        column=c,
                        required=required and spec.required_table,
                        required_if_table_present=required,
                        expected=expected,
                    )
                )
        if spec.other_columns is not None:
            rows.append(
                dict(
                    table=t,
                    column="(any other column)",
                    required=False,
                    required_if_table_present=False,
                    expected=spec.other_columns.describe(),
                )
            )
    return pd.DataFrame(rows)
