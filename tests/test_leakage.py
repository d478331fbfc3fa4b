"""Nothing after as_of reaches an artifact: the same dataset with later data appended gives the same run.

Here for what notebook 00 and the measure catalogue read from the event log (counts, names, the last event
day); tests/test_churn.py proves the same for the churn model's outputs on the sample.
"""

import pandas as pd

from helpers.data import contract, coverage
from helpers.measures import catalogue

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
