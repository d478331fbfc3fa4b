"""The measure catalogue: generated from the taxonomy, computed in DuckDB, checked by hand."""

import pandas as pd
import pytest
import yaml

from helpers.data import contract
from helpers.data.config import DatasetConfig
from helpers.errors import ConfigError
from helpers.measures import catalogue as measures
from helpers.measures import engine as measure_engine

# as_of 2026-03-01 (a Sunday): cutoff 2026-03-02, the 90-day window starts 2025-12-02,
# and the last 7 whole weeks are the Mondays 2026-01-12 .. 2026-02-23.
AS_OF = "2026-03-01"
TAXONOMY = {
    "session_event": "login",
    "active_events": ["view", "build", "api"],
    "features": {"core": ["view", "build"], "advanced": ["api"]},
    "collaboration": ["build"],
}


@pytest.fixture
def hand_made(tmp_path):
    (tmp_path / "dataset.yaml").write_text(yaml.safe_dump({"name": "hand", "taxonomy": TAXONOMY}))
    pd.DataFrame({"account_id": ["A"]}).to_csv(tmp_path / "accounts.csv", index=False)
    pd.DataFrame({"account_id": ["A"], "start_date": ["2025-01-01"], "end_date": [None], "mrr": [10]}).to_csv(
        tmp_path / "subscriptions.csv", index=False
    )
    pd.DataFrame(
        {"user_id": ["u1", "u2", "u3"], "account_id": "A", "created_at": ["2025-01-01", "2026-02-15", "2025-01-01"]}
    ).to_csv(tmp_path / "users.csv", index=False)
    events = [
        # u1: old user, 4 active days in the window, two in the last 30 days
        ("u1", "login", "2026-02-27 09:00"),
        ("u1", "view", "2026-02-27 09:05"),
        ("u1", "view", "2026-02-27 09:06"),
        ("u1", "build", "2026-02-27 10:00"),
        ("u1", "login", "2026-02-10 09:00"),
        ("u1", "api", "2026-02-10 09:30"),
        ("u1", "view", "2026-01-20 09:00"),
        ("u1", "view", "2026-01-21 09:00"),
        ("u1", "view", "2025-06-01 09:00"),  # before the window: only counts for first-core
        ("u1", "api", "2026-03-05 09:00"),  # after as_of: invisible
        # u2: joined 2026-02-15, one active day
        ("u2", "login", "2026-02-16 08:00"),
        ("u2", "view", "2026-02-16 08:01"),
        # u3: only a login in the window (not an active event)
        ("u3", "login", "2026-02-20 08:00"),
        ("u3", "view", "2025-03-01 08:00"),
    ]
    pd.DataFrame(events, columns=["user_id", "event", "timestamp"]).to_csv(tmp_path / "events.csv", index=False)
    return contract.load_dataset(tmp_path, AS_OF)


def test_measures_by_hand(hand_made):
    m = measure_engine.compute(hand_made, window_days=90).set_index("user_id")
    u1, u2 = m.loc["u1"], m.loc["u2"]
    assert u1.exposure_days == 90 and u1.active_days == 4
    assert u1.view_days_per_week == pytest.approx(3 / (90 / 7))  # view on 3 distinct days
    assert u1.view_per_active_day == pytest.approx(4 / 4)  # 4 views over 4 active days
    assert u1.view_share == pytest.approx(4 / 6)  # of 6 active events
    assert u1.api_share == pytest.approx(1 / 6)  # the event after as_of is not seen
    assert u1.core_days_per_week == pytest.approx(3 / (90 / 7))  # days with view or build
    assert u1.core_adoption == 1.0 and u1.advanced_adoption == 1.0
    assert u1.logins_per_week == pytest.approx(2 / (90 / 7))
    assert u1.activity_coefficient == 3  # weeks of 01-19, 02-09, 02-23
    assert u1.recency_days == 2  # last active 02-27, as_of 03-01
    assert u1.trend_30d == pytest.approx(__import__("math").log((1 + 4) / (1 + 2)))  # 4 events since 01-31, 2 before
    assert u1.days_to_first_core == (pd.Timestamp("2025-06-01") - pd.Timestamp("2025-01-01")).days
    assert u1.days_to_first_advanced == (pd.Timestamp("2026-02-10") - pd.Timestamp("2025-01-01")).days
    assert u1.event_diversity == pytest.approx(
        -(4 / 6 * __import__("math").log(4 / 6) + 2 * (1 / 6) * __import__("math").log(1 / 6))
    )
    # u2 exists for 15 days of the window: rates are per its own exposure, not the whole window
    assert u2.exposure_days == 15 and u2.active_days_per_week == pytest.approx(1 / (15 / 7))
    assert u2.days_to_first_advanced == 15  # never: censored at tenure so far
    assert u2.trend_30d == 0  # too little history for a trend
    # u3 only logged in: no active day, so activity measures are zero but the login shows
    assert m.loc["u3", "active_days"] == 0 and m.loc["u3", "login_days_per_week"] > 0


def test_catalogue_is_generated_from_the_taxonomy(tiny):
    ds = contract.load_dataset(tiny, "2026-10-31")
    cat = measures.catalogue(ds.config, list(ds.events.event_counts))
    names = {m.name for m in cat}
    assert len(cat) >= 40
    assert {
        "call_api_days_per_week",
        "call_api_per_active_day",
        "call_api_share",
        "advanced_adoption",
        "activity_coefficient",
        "days_to_first_advanced",
        "collaboration_per_active_day",
    } <= names


def test_a_custom_measure_is_one_catalogue_entry(hand_made):
    config = DatasetConfig.model_validate(
        {"taxonomy": TAXONOMY, "measures": [{"name": "building_days", "kind": "frequency", "events": ["build", "api"]}]}
    )
    cat = measures.catalogue(config, ["login", "view", "build", "api"])
    assert cat[-1].name == "building_days" and cat[-1].kind == "group_frequency"
    m = measure_engine.compute(hand_made, 90, cat).set_index("user_id")
    assert m.loc["u1", "building_days"] == pytest.approx(2 / (90 / 7))


def test_clashing_names_and_short_windows_are_config_errors(hand_made):
    config = DatasetConfig.model_validate(
        {"taxonomy": TAXONOMY, "measures": [{"name": "view_share", "kind": "share", "events": ["view"]}]}
    )
    with pytest.raises(ConfigError, match="two measures are named 'view_share'"):
        measures.catalogue(config, ["view"])
    with pytest.raises(ConfigError, match="window_days: 30 is too short"):
        measure_engine.compute(hand_made, window_days=30)
