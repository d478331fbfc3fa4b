"""The as-of cut: rows born later vanish, facts learned later are blanked."""

import pandas as pd
import pytest

from helpers.data.timecut import cut_table, cutoff, parse_as_of
from helpers.errors import ConfigError


def test_cutoff_is_the_start_of_the_next_day():
    assert cutoff("2026-06-30") == pd.Timestamp("2026-07-01")


def test_as_of_is_strictly_a_day_written_yyyy_mm_dd():
    assert parse_as_of("2026-10-31") == pd.Timestamp("2026-10-31")
    assert parse_as_of(pd.Timestamp("2026-10-31 13:00")) == pd.Timestamp("2026-10-31")
    # looser spellings pandas would take, each read as a day nobody meant
    for loose in ("2026-10", "10/11/2026", "Oct 31 2026", "20261031", "2026-10-31T00:00", "2026-02-30", ""):
        with pytest.raises(ConfigError) as info:
            parse_as_of(loose, "--as-of")
        assert str(info.value) == f"--as-of '{loose}': not a date written YYYY-MM-DD; expected e.g. 2026-10-31"


def test_subscriptions_running_at_the_cutoff_show_no_end():
    subs = pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "start_date": pd.to_datetime(["2025-01-01", "2025-01-01", "2026-08-01"]),
            "end_date": pd.to_datetime(["2026-03-31", "2026-12-31", None]),
        }
    )
    out = cut_table("subscriptions", subs, cutoff("2026-06-30"))
    assert list(out.account_id) == ["a", "b"]  # c starts after as_of
    assert out.end_date.iloc[0] == pd.Timestamp("2026-03-31")  # ended before: known
    assert pd.isna(out.end_date.iloc[1])  # ends later: unknown then


def test_tickets_open_at_the_cutoff_lose_close_and_csat():
    t = pd.DataFrame(
        {
            "account_id": ["a", "a", "a"],
            "opened_at": pd.to_datetime(["2026-06-01 09:00", "2026-06-30 23:00", "2026-07-01 00:00"]),
            "closed_at": pd.to_datetime(["2026-06-02", "2026-07-03", "2026-07-02"]),
            "csat": pd.array([5, 2, 4], "Int64"),
        }
    )
    out = cut_table("tickets", t, cutoff("2026-06-30"))
    assert len(out) == 2  # the last was opened on the cutoff
    assert out.csat.iloc[0] == 5 and pd.isna(out.csat.iloc[1]) and pd.isna(out.closed_at.iloc[1])
