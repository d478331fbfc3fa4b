"""Every snapshot in one pass: counting many dates at once gives what each date alone gives.

The one-pass engine (``usage.at_dates``, ``engine.compute_at``) reads the log cut at as_of and
applies each snapshot's cutoff in SQL; a date alone reads ``Dataset.at(t)``, where the tables
and the log are cut before any SQL runs. The two paths agree only if every window, first action
and user's existence is cut right, including a week starting on Sunday and users whose events
began before their ``created_at``.
"""

import pandas as pd
import pytest
import yaml

from helpers.data.contract import load_dataset
from helpers.health import snapshots, usage
from helpers.measures import engine

AS_OF = "2026-10-31"


def _odd_calendar_copy(folder):
    """Weeks from Sunday; a few users created weeks after their first event (an export's oddity)."""
    config = yaml.safe_load((folder / "dataset.yaml").read_text())
    config.setdefault("calendar", {})["week_starts_on"] = "sunday"
    (folder / "dataset.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    users = pd.read_csv(folder / "users.csv")
    late = users.index[:: max(len(users) // 8, 1)]
    users.loc[late, "created_at"] = "2026-03-15"
    users.to_csv(folder / "users.csv", index=False)


@pytest.mark.parametrize("calendar", ["as generated", "sunday weeks, late users"])
def test_many_dates_at_once_equal_each_date_alone(tiny_copy, calendar):
    if calendar != "as generated":
        _odd_calendar_copy(tiny_copy)
    ds = load_dataset(tiny_copy, AS_OF)
    closed = snapshots.closed_dates(ds, 90)
    dates = [closed[0], pd.Timestamp("2026-02-28"), pd.Timestamp("2026-04-30"), closed[-1], ds.as_of]
    counted = usage.at_dates(ds, dates)
    measured = engine.compute_at(ds, dates)
    for t in dates:
        alone = ds.at(t)
        expected_usage = usage.at_dates(alone, [t]).droplevel("snapshot")
        pd.testing.assert_frame_equal(usage.on(counted, t), expected_usage, check_exact=True)
        expected_measures = engine.compute(alone)
        got = measured[measured.snapshot == t].drop(columns="snapshot").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected_measures, check_exact=True)
    assert measured.snapshot.nunique() == len(dates) and counted.index.get_level_values(0).nunique() == len(dates)


def test_no_dates_give_the_columns_and_no_rows(tiny):
    ds = load_dataset(tiny, AS_OF)
    empty = usage.at_dates(ds, [])
    assert empty.empty and {"activity_coefficient", "dau_mau", "days_since_active"} <= set(empty.columns)
    assert snapshots.history(ds.at(pd.Timestamp("2024-01-15")), None, 90).empty  # nothing closed yet
