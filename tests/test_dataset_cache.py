"""The checked dataset is remembered per files, day and code: a second load reads it back, and any change
to a file (even one that keeps its size) is checked again, never served stale."""

import warnings
from pathlib import Path

import pandas as pd
import pytest

from helpers.data import cache, contract
from helpers.errors import DataContractError

AS_OF = "2026-10-31"


@pytest.fixture
def remembered_in(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "FOLDER", tmp_path / "cache")
    return tmp_path / "cache"


def _load(root):
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        ds = contract.load_dataset(root, AS_OF)
    return ds, [str(w.message) for w in said if issubclass(w.category, contract.DataContractWarning)]


def test_a_second_load_is_read_back_whole_and_says_the_same(tiny_copy, remembered_in):
    first, first_notes = _load(tiny_copy)
    assert len(list(remembered_in.glob("*.pickle"))) == 1
    again, again_notes = _load(tiny_copy)
    assert again is not first and again_notes == first_notes  # the notes are said again, from the entry
    assert again.events == first.events and again.assumptions == first.assumptions
    for name, table in first.tables.items():
        assert again.tables[name].equals(table) and again.tables[name].dtypes.equals(table.dtypes)
    assert len(list(remembered_in.glob("*.pickle"))) == 1
    other_day = contract.load_dataset(tiny_copy, "2026-09-30")
    assert other_day.as_of != first.as_of and len(list(remembered_in.glob("*.pickle"))) == 2


def test_a_changed_file_of_the_same_size_is_checked_again(tiny_copy, remembered_in):
    _load(tiny_copy)
    users = (tiny_copy / "users.csv").read_text()
    first_row = users.splitlines()[1]
    broken = first_row.replace(first_row.split(",")[1], "x" * len(first_row.split(",")[1]), 1)
    (tiny_copy / "users.csv").write_text(users.replace(first_row, broken, 1))
    assert len((tiny_copy / "users.csv").read_text()) == len(users)
    with pytest.raises(DataContractError, match=r"users\.csv"):
        contract.load_dataset(tiny_copy, AS_OF)


def test_an_unreadable_entry_is_checked_again_and_replaced(tiny_copy, remembered_in):
    first, _ = _load(tiny_copy)
    (entry,) = remembered_in.glob("*.pickle")
    entry.write_bytes(b"cut short")
    again, _ = _load(tiny_copy)
    assert again.tables["users"].equals(first.tables["users"]) and entry.read_bytes() != b"cut short"


def test_a_partitioned_event_log_is_keyed_by_its_files_sizes_and_a_change_is_seen(
    tiny_copy, remembered_in, monkeypatch
):
    events = pd.read_parquet(tiny_copy / "events.parquet")
    (tiny_copy / "events.parquet").unlink()
    (tiny_copy / "events").mkdir()
    yaml = tiny_copy / "dataset.yaml"
    yaml.write_text(yaml.read_text().replace("events.parquet", "events"))
    events.to_parquet(tiny_copy / "events" / "part-0.parquet")
    first, _ = _load(tiny_copy)
    events.iloc[: len(events) // 2].to_parquet(tiny_copy / "events" / "part-0.parquet")  # half the log
    again, _ = _load(tiny_copy)
    assert first.events.n_rows == len(events) and again.events.n_rows < first.events.n_rows
    assert len(list(remembered_in.glob("*.pickle"))) == 2
    read = []
    original = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read.append(path) or original(path))
    cache.key(tiny_copy, pd.Timestamp("2026-10-31"))
    assert read and not [p for p in read if "events" in p.parts]  # the log's files are never read to key it
