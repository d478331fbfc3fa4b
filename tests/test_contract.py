"""The bad-input catalogue: each breach of the contract gets its own one-line error."""

import re
import warnings

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from helpers.data.contract import DataContractWarning, load_dataset
from helpers.errors import ConfigError, DataContractError

AS_OF = "2026-10-31"


def edit_csv(folder, table, change):
    path = folder / f"{table}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = change(df)
    df.to_csv(path, index=False)


def edit_yaml(folder, change):
    path = folder / "dataset.yaml"
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def expect_error(folder, *fragments, as_of=AS_OF, error=DataContractError):
    with pytest.raises(error) as info:
        load_dataset(folder, as_of)
    msg = str(info.value)
    assert "\n" not in msg, "errors are one line"
    for f in fragments:
        assert re.search(f, msg), f"{f!r} not in: {msg}"
    print(f"\n  {msg}")  # pytest tests/test_contract.py -s lists the whole catalogue's messages
    return msg


def test_valid_dataset_loads(tiny):
    ds = load_dataset(tiny, AS_OF)
    assert ds.notes == []
    assert len(ds.tables["users"]) > 100
    assert ds.tables["subscriptions"].start_date.dtype.kind == "M"


def test_missing_required_column(tiny_copy):
    edit_csv(tiny_copy, "users", lambda d: d.drop(columns="account_id"))
    expect_error(
        tiny_copy,
        r"users\.csv",
        r"missing required column 'account_id'",
        r"found: user_id, role",
        r"tables\.users\.columns",
    )


def test_unparseable_date(tiny_copy):
    def bad(d):
        d.loc[[3, 9], "start_date"] = ["yesterday", "31/02/2025"]
        return d

    edit_csv(tiny_copy, "subscriptions", bad)
    expect_error(
        tiny_copy,
        r"subscriptions\.csv",
        r"column 'start_date'",
        r"2 bad row",
        r"line 5 'yesterday'",
        r"line 11 '31/02/2025'",
        r"expected an ISO date",
    )


def test_unparseable_event_timestamp(tiny_copy):
    path = tiny_copy / "events.parquet"
    df = pq.read_table(path).to_pandas()
    df["timestamp"] = df["timestamp"].astype(str)
    df.loc[4, "timestamp"] = "not a time"
    df.to_parquet(path)
    expect_error(
        tiny_copy,
        r"events\.parquet",
        r"column 'timestamp'",
        r"1 bad row",
        r"row 5 'not a time'",
        r"expected an ISO timestamp",
    )


@pytest.mark.parametrize("table,key", [("accounts", "account_id"), ("users", "user_id")])
def test_duplicate_keys(tiny_copy, table, key):
    edit_csv(tiny_copy, table, lambda d: pd.concat([d, d.iloc[[0]]], ignore_index=True))
    expect_error(tiny_copy, rf"{table}\.csv", rf"column '{key}'", r"2 bad row", r"line 2 ", r"duplicates")


def test_user_whose_account_does_not_exist(tiny_copy):
    edit_csv(tiny_copy, "users", lambda d: d.assign(account_id=d.account_id.where(d.index != 2, "A99999")))
    expect_error(tiny_copy, r"users\.csv", r"column 'account_id'", r"line 4 'A99999'", r"exists in accounts\.csv")


def _orphan_events(folder):
    path = folder / "events.parquet"
    df = pq.read_table(path).to_pandas()
    df["user_id"] = df["user_id"].astype(str)
    df.loc[[10, 11, 12], "user_id"] = "U_GHOST"
    df.to_parquet(path)
    return len(df)


def test_event_whose_user_does_not_exist_is_an_error_by_default(tiny_copy):
    _orphan_events(tiny_copy)
    expect_error(
        tiny_copy,
        r"events\.parquet",
        r"3 event\(s\) whose user is not in users",
        r"row 11 'U_GHOST'",
        r"orphan_events: drop",
    )


def test_event_whose_user_does_not_exist_can_be_dropped(tiny_copy):
    total = _orphan_events(tiny_copy)
    edit_yaml(tiny_copy, lambda d: d["validation"].update(orphan_events="drop"))
    with pytest.warns(DataContractWarning, match="3 event"):
        ds = load_dataset(tiny_copy, AS_OF)
    assert ds.connect().execute("SELECT count(*) FROM events").fetchone()[0] == total - 3


@pytest.mark.parametrize("table,column", [("subscriptions", "seats"), ("subscriptions", "mrr")])
def test_negative_seats_or_mrr(tiny_copy, table, column):
    edit_csv(tiny_copy, table, lambda d: d.assign(**{column: d[column].where(d.index != 1, "-5")}))
    expect_error(tiny_copy, rf"{table}\.csv", rf"column '{column}'", r"line 3 '-5'", r"of at least 0")


def test_nps_outside_0_to_10(tiny_copy):
    edit_csv(tiny_copy, "nps", lambda d: d.assign(score=d.score.where(d.index != 0, "11")))
    expect_error(tiny_copy, r"nps\.csv", r"column 'score'", r"line 2 '11'", r"from 0 to 10")


def test_csm_label_not_expert_or_intermediate(tiny_copy):
    edit_csv(tiny_copy, "csm_labels", lambda d: d.assign(label=d.label.where(d.index != 6, "guru")))
    expect_error(tiny_copy, r"csm_labels\.csv", r"column 'label'", r"line 8 'guru'", r"expert / intermediate")


def test_subscription_ending_before_it_starts(tiny_copy):
    edit_csv(tiny_copy, "subscriptions", lambda d: d.assign(end_date=d.end_date.where(d.index != 0, "2000-01-01")))
    expect_error(
        tiny_copy, r"subscriptions\.csv", r"column 'end_date'", r"line 2 '2000-01-01'", r"on or after start_date"
    )


def test_empty_events_table(tiny_copy):
    path = tiny_copy / "events.parquet"
    pq.write_table(pq.read_table(path).slice(0, 0), path)
    expect_error(tiny_copy, r"events\.parquet", r"no events", r"at least one row")


def test_file_not_utf8(tiny_copy):
    path = tiny_copy / "accounts.csv"
    lines = path.read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b",", b",Caf" + "é".encode("latin-1"), 1)  # a Latin-1 export
    path.write_bytes(b"\n".join(lines))
    expect_error(tiny_copy, r"accounts\.csv", r"not UTF-8", r"byte 0xe9 at line 5", r"re-export")


@pytest.mark.parametrize("as_of", ["2019-01-31", "2027-03-31"])
def test_as_of_outside_the_data(tiny, as_of):
    expect_error(tiny, rf"as_of: {as_of}", r"outside the data's range", r"events\.parquet", as_of=as_of)


def test_taxonomy_names_an_event_that_never_occurs(tiny_copy):
    edit_yaml(tiny_copy, lambda d: d["taxonomy"]["features"]["advanced"].append("use_ai_copilot"))
    with pytest.warns(DataContractWarning, match=r"never occur in events\.parquet up to as_of: use_ai_copilot"):
        ds = load_dataset(tiny_copy, AS_OF)
    assert any("use_ai_copilot" in n for n in ds.notes)


def test_unknown_key_in_dataset_yaml_names_the_closest(tiny_copy):
    edit_yaml(tiny_copy, lambda d: d["churn"].update(grace_dayz=14))
    expect_error(
        tiny_copy, r"dataset\.yaml", r"unknown key 'churn\.grace_dayz'", r"did you mean 'grace_days'", error=ConfigError
    )


def test_renamed_columns_are_mapped(tiny_copy):
    """A customer's own column names, mapped in dataset.yaml, load as ours."""
    edit_csv(tiny_copy, "users", lambda d: d.rename(columns={"user_id": "member_id", "account_id": "org"}))
    edit_yaml(tiny_copy, lambda d: d["tables"].update(users={"columns": {"member_id": "user_id", "org": "account_id"}}))
    ds = load_dataset(tiny_copy, AS_OF)
    assert {"user_id", "account_id"} <= set(ds.tables["users"].columns)


def test_a_mapping_of_a_column_the_file_lacks_names_the_file_and_its_columns(tiny_copy):
    """A typo on the left of a column mapping is an error, not a mapping silently ignored."""
    edit_yaml(tiny_copy, lambda d: d["tables"].update(users={"columns": {"member": "user_id"}}))
    expect_error(
        tiny_copy,
        r"^dataset\.yaml: tables\.users\.columns maps 'member' to 'user_id', but users\.csv has no column 'member'",
        r"\(its columns: user_id, account_id, role, created_at\)",
    )


def test_a_mapping_of_an_event_column_the_log_lacks_is_an_error(tmp_path):
    from helpers.data.config import check_mapping

    with pytest.raises(DataContractError) as info:
        check_mapping(
            "events",
            {"occurred_at": "timestamp"},
            ["user_id", "event", "ts", "file_row_number"],
            tmp_path / "e.parquet",
        )
    assert str(info.value) == (
        "dataset.yaml: tables.events.columns maps 'occurred_at' to 'timestamp', but e.parquet has no column "
        "'occurred_at' (its columns: user_id, event, ts); expected one of those"
    )
    check_mapping("events", {"ts": "timestamp"}, ["user_id", "event", "ts"], tmp_path / "e.parquet")  # present: fine


def test_missing_optional_table_disables_what_needs_it(tiny_copy):
    from helpers.data.coverage import disabled_features

    (tiny_copy / "tickets.csv").unlink()
    (tiny_copy / "csm_labels.csv").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = load_dataset(tiny_copy, AS_OF)
    effects = disabled_features(ds).set_index("missing").effect
    assert "support component" in effects["table tickets"]
    assert "expert-user method" in effects["table csm_labels"]


def test_missing_required_table(tiny_copy):
    (tiny_copy / "subscriptions.csv").unlink()
    expect_error(tiny_copy, r"required table 'subscriptions' not found")


def test_report_settings_are_checked(tiny_copy):
    edit_yaml(tiny_copy, lambda d: d.update(report={"arr_bands": [20000, 5000]}))
    expect_error(
        tiny_copy, r"dataset\.yaml", r"report\.arr_bands", r"positive and ascending, got \[20000", error=ConfigError
    )
