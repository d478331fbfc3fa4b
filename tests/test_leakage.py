"""Nothing after as_of reaches an artifact: the same dataset with later data appended gives the same run.

A whole run on a dataset that reaches months past as_of, and on the same dataset cut at as_of, must
write byte-identical artifacts, every one of them. CI runs it on the tiny dataset;
``WORKBOOK_LEAKAGE_DATASET=sample pytest tests/test_leakage.py`` runs it on the sample.
"""

import os

import pandas as pd
import pytest

from helpers import paths
from helpers.data import contract, coverage
from helpers.measures import catalogue
from helpers.run import run

AS_OF = "2026-06-30"


def _append_future(folder):
    """Events after as_of: more of the existing events, and one the product only launched later."""
    events = pd.read_parquet(folder / "events.parquet")
    later = events.tail(500).assign(timestamp=pd.Timestamp("2026-08-15 10:00"))
    launch = later.head(20).assign(event="future_feature")
    pd.concat([events, later, launch]).to_parquet(folder / "events.parquet", index=False)


def test_later_events_change_no_event_artifact(tiny_copy, tiny):
    before = contract.load_dataset(tiny, AS_OF)
    _append_future(tiny_copy)
    after = contract.load_dataset(tiny_copy, AS_OF)
    pd.testing.assert_frame_equal(coverage.event_catalogue(before), coverage.event_catalogue(after))
    assert "future_feature" not in set(coverage.event_catalogue(after).event)
    seen = [coverage.seen_as_of(coverage.table_summary(d)).drop(columns="file") for d in (before, after)]
    pd.testing.assert_frame_equal(*seen)
    last = seen[1].set_index("table").at["events", "last"]
    assert last <= AS_OF  # the last event day seen, not the exclusive cutoff (as_of + 1 day)
    names = [[m.name for m in catalogue.catalogue(d.config, list(d.events.event_counts))] for d in (before, after)]
    assert names[0] == names[1]
    assert after.rows_in_file["events"] > before.rows_in_file["events"]  # the later rows are there, unseen


@pytest.fixture(scope="module")
def leak_runs(tmp_path_factory, cut_copy, june_run):
    """The whole series as of AS_OF on a dataset that goes on four months longer, and on it cut at AS_OF."""
    name = os.environ.get("WORKBOOK_LEAKAGE_DATASET", "tiny")
    base = tmp_path_factory.mktemp("leak")
    cut = cut_copy(paths.bundled(name), base / "cut", AS_OF)
    full = june_run if name == "tiny" else run(str(paths.bundled(name)), AS_OF, base / "run-full", progress=False)
    return {"full": full, "cut": run(str(cut), AS_OF, base / "run-cut", progress=False)}


def test_every_artifact_of_a_run_is_the_same_without_the_data_after_as_of(leak_runs):
    """Two runs, on different files holding the same data up to as_of, write the same bytes: nothing after as_of
    is read, and a run is deterministic (this replaced a second run on the very same files)."""
    full, cut = (leak_runs[k] / "artifacts" for k in ("full", "cut"))
    names = sorted(p.name for p in full.iterdir())
    assert names == sorted(p.name for p in cut.iterdir())
    assert {"account_health.csv", "user_tags.csv", "retention_kpis.json", "csm_actions.csv"} <= set(names)
    differ = [n for n in names if (full / n).read_bytes() != (cut / n).read_bytes()]
    assert differ == [], differ
    ds = contract.load_dataset(paths.bundled(os.environ.get("WORKBOOK_LEAKAGE_DATASET", "tiny")), AS_OF)
    assert (
        ds.rows_in_file["events"] > contract.load_dataset(leak_runs["cut"].parent / "cut", AS_OF).rows_in_file["events"]
    )
