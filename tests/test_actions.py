"""Each event type's rates per account (``health.actions``): counted by hand, one pass equal to each date
alone, unknown where the history is too short, and in words a CSM reads."""

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers.data import contract
from helpers.health import actions
from helpers.health import features as account_features

# as_of 2026-03-01: cutoff 2026-03-02; "now" is the 4 weeks from 2026-02-02, "before" the 4 from 2026-01-05.
AS_OF = "2026-03-01"
TAXONOMY = {
    "session_event": "login",
    "active_events": ["view", "remove", "share"],
    "features": {"core": ["view"], "advanced": ["share"]},
    "collaboration": ["share"],
}
EVENTS = [
    ("u1", "remove", "2026-02-10 09:00"),
    ("u1", "remove", "2026-02-20 09:00"),
    ("u1", "remove", "2026-01-10 09:00"),  # the 4 weeks before
    ("u1", "remove", "2026-01-04 09:00"),  # before both windows
    ("u1", "view", "2026-02-27 09:00"),
    ("u1", "view", "2026-02-27 09:01"),
    ("u1", "view", "2026-02-27 09:02"),
    ("u1", "share", "2026-01-20 09:00"),  # the 4 weeks before
    ("u1", "share", "2026-03-05 09:00"),  # after as_of: invisible
    ("u2", "view", "2026-02-16 08:00"),
    ("u2", "login", "2026-02-16 07:59"),
    ("u3", "view", "2025-11-03 08:00"),  # account B: nothing in either window
]


def _dataset(tmp_path, events, first_event: str | None = None):
    (tmp_path / "dataset.yaml").write_text(yaml.safe_dump({"name": "hand", "taxonomy": TAXONOMY}))
    pd.DataFrame({"account_id": ["A", "B"]}).to_csv(tmp_path / "accounts.csv", index=False)
    subs = {"account_id": ["A", "B"], "start_date": "2025-01-01", "end_date": None, "mrr": 10, "seats": [4, 2]}
    pd.DataFrame(subs).to_csv(tmp_path / "subscriptions.csv", index=False)
    users = {"user_id": ["u1", "u2", "u3"], "account_id": ["A", "A", "B"], "created_at": "2025-01-01"}
    pd.DataFrame(users).to_csv(tmp_path / "users.csv", index=False)
    rows = events + ([("u3", "view", first_event)] if first_event else [])
    pd.DataFrame(rows, columns=["user_id", "event", "timestamp"]).to_csv(tmp_path / "events.csv", index=False)
    return contract.load_dataset(tmp_path, AS_OF)


@pytest.fixture
def hand_made(tmp_path):
    return _dataset(tmp_path, EVENTS)


def test_counts_and_rates_by_hand(hand_made):
    counts = actions.on(actions.at_dates(hand_made, [hand_made.as_of]), hand_made.as_of)
    assert counts.loc["A", "now:remove"] == 2 and counts.loc["A", "before:remove"] == 1
    assert counts.loc["A", "now:view"] == 4 and counts.loc["A", "now:share"] == 0  # the 5 March: after as_of
    assert "B" not in counts.index  # nothing in either window
    table = account_features.snapshot(hand_made).set_index("account_id")
    a, b = table.loc["A"], table.loc["B"]
    assert a["action:remove"] == round(np.log1p(2), 4) and a["action:remove:trend"] == round(
        np.log1p(2) - np.log1p(1), 4
    )
    assert a["action:view/user"] == round(np.log1p(4 / 2), 4)  # two active users
    assert a["action:remove/seat"] == round(np.log1p(2 / 4), 4)
    assert a["ratio:advanced/core"] == round(np.log1p(0) - np.log1p(4), 4)
    assert (b.filter(regex="^(action|ratio):") == 0).all()  # did nothing: zeros, not unknown
    assert actions.reference_columns(table.columns) == ["action:login", "action:remove", "action:share", "action:view"]


def test_many_dates_in_one_pass_are_each_date_alone(hand_made):
    dates = [pd.Timestamp("2026-01-31"), pd.Timestamp("2026-02-15"), pd.Timestamp(AS_OF)]
    together = actions.at_dates(hand_made, dates)
    for t in dates:
        alone = actions.on(actions.at_dates(hand_made, [t]), t)
        pd.testing.assert_frame_equal(actions.on(together, t), alone)
    assert actions.on(together, dates[1]).loc["A", "now:remove"] == 1  # 2026-02-10 only: the 20th is later


def test_the_trend_is_unknown_before_eight_weeks_of_history(tmp_path):
    short = _dataset(tmp_path, [e for e in EVENTS if e[2] >= "2026-01-10"])
    table = account_features.snapshot(short).set_index("account_id")
    assert table["action:remove:trend"].isna().all() and table.loc["A", "action:remove"] == round(np.log1p(2), 4)


def test_rates_in_words():
    assert actions.describe("action:remove", np.log1p(12), np.log1p(2)) == "remove 12 times in 4 weeks (typical 2)"
    assert actions.describe("action:remove_member", np.log1p(3)) == "remove member 3 times in 4 weeks"
    assert actions.describe("action:remove/user", np.log1p(1.5), np.log1p(0.5)) == (
        "remove 1.5 per active user in 4 weeks (typical 0.5)"
    )
    assert actions.describe("ratio:advanced/core", np.log(2), 0.0) == "advanced events per core event 2x (typical 1x)"
    assert actions.describe("action:share:trend", np.log(0.5), 0.0) == "share -50% on the 4 weeks before (typical +0%)"


def test_event_types_past_the_most_frequent_are_said(hand_made, monkeypatch):
    assert actions.note(hand_made) == "" and actions.note(None) == ""  # four types; flat mode has none
    monkeypatch.setattr(actions, "MAX_TYPES", 2)
    assert actions.tracked(hand_made) == ["remove", "view"]  # the two most frequent, in name order
    assert actions.note(hand_made).endswith("2 rarer types count only in the usage totals")
