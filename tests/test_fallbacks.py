"""Nothing assumed silently: each fallback on hand-made tables (the shape matrix runs them end to end)."""

from types import SimpleNamespace

import duckdb
import pandas as pd

from helpers.data import fallbacks, subscriptions
from helpers.data.config import DatasetConfig
from helpers.data.contract import delimiter
from helpers.data.events import open_events
from helpers.data.tables import parse_timestamps
from helpers.health import features, score
from helpers.health.config import HealthConfig, Metric
from helpers.text import counted

T = pd.Timestamp


def _subs(rows, **extra):
    df = pd.DataFrame(rows, columns=["account_id", "start_date", "end_date"])
    df[["start_date", "end_date"]] = df[["start_date", "end_date"]].apply(pd.to_datetime)
    return df.assign(**extra)


MONTHLY_BACK_TO_BACK = [
    ("m", "2026-07-01", "2026-07-31"),
    ("m", "2026-08-01", "2026-08-31"),
    ("m", "2026-09-01", None),
]


def test_billing_period_is_read_from_row_lengths_and_said():
    subs = _subs(
        [*MONTHLY_BACK_TO_BACK, ("a", "2025-01-01", "2025-12-31"), ("a", "2026-01-01", None), ("n", "2026-05-01", None)]
    )
    periods, sentence = subscriptions.billing_periods(subs)
    assert periods.to_dict() == {"a": "annual", "m": "monthly", "n": None}
    assert "no billing_period column" in sentence and "1 monthly, 1 annual" in sentence
    assert "2 of them read from the length" in sentence and "1 account unknown" in sentence
    # the column wins where it speaks, in the spellings exports use
    given = subs.assign(billing_period=["Monthly"] * 3 + ["yearly", "yearly", "Quarterly"])
    periods, sentence = subscriptions.billing_periods(given)
    assert periods.to_dict() == {"a": "annual", "m": "monthly", "n": "quarterly"} and sentence == ""


def test_billing_period_from_lengths_is_the_most_common_and_of_a_tie_the_shortest():
    rows = [
        ("q", "2025-01-01", "2025-03-31"),  # 3 months, twice; 12 months once: quarterly
        ("q", "2025-04-01", "2025-06-30"),
        ("q", "2025-07-01", "2026-06-30"),
        ("t", "2024-01-01", "2024-12-31"),  # 12 and 6 months once each: a tie, the shorter wins
        ("t", "2025-01-01", "2025-06-30"),
        ("o", "2025-01-01", "2025-02-28"),  # 2 months, a period the workbook does not know
    ]
    periods, sentence = subscriptions.billing_periods(_subs(rows))
    assert periods.to_dict() == {"o": None, "q": "quarterly", "t": "semiannual"}
    assert "1 account unknown" in sentence


def test_renewal_of_a_monthly_plan_without_billing_period_is_within_a_month():
    """The silent assumption that made every account renew in ~276 days: now each renews within its period."""
    subs = _subs(MONTHLY_BACK_TO_BACK, mrr=100.0)
    ds = SimpleNamespace(tables={"subscriptions": subs}, as_of=T("2026-10-20"))
    spell_table = subscriptions.spells(subs, 30)
    got = features._financial(ds, spell_table)
    assert 0 < got.at["m", "days_to_renewal"] <= 30 and got.at["m", "annual_billing"] == 0
    unknown = SimpleNamespace(
        tables={"subscriptions": _subs([("n", "2026-05-01", None)], mrr=1.0)}, as_of=T("2026-10-20")
    )
    got = features._financial(unknown, subscriptions.spells(unknown.tables["subscriptions"], 30))
    assert got.days_to_renewal.isna().all()  # nothing tells: no renewal date, never a guessed one


def test_timestamps_policy_offsets_z_and_epoch_to_utc():
    raw = pd.Series(["2026-01-31T10:00:00+02:00", "2026-01-31T08:00:00Z", "1769853600", "1769853600000", "", None])
    got = parse_timestamps(raw.replace("", None))
    assert got.iloc[:4].tolist() == [T("2026-01-31 08:00"), T("2026-01-31 08:00"), T("2026-01-31 10:00")] * 1 + [
        T("2026-01-31 10:00")
    ]
    assert got.iloc[4:].isna().all()


def test_epoch_event_times_are_read_and_said(tmp_path):
    path = tmp_path / "events.parquet"
    duckdb.sql(
        "SELECT * FROM (VALUES ('u1', 'login', 1769853600), ('u1', 'view', 1769857200)) t(user_id, event, timestamp)"
    ).write_parquet(str(path))
    src = open_events(path, {}, pd.DataFrame({"user_id": ["u1"]}), "error").until(T("2026-02-01"))
    assert src.first == T("2026-01-31 10:00") and src.last == T("2026-01-31 11:00")
    assert "2 timestamps are numbers, read as seconds since 1970-01-01 UTC" in src.assumptions[0]


def test_semicolon_exports_are_read(tmp_path):
    (tmp_path / "accounts.csv").write_text("account_id;name;segment\nA1;Acme;SMB\n")
    (tmp_path / "plain.csv").write_text("account_id,name\nA1,Acme; Inc\n")
    assert delimiter(tmp_path / "accounts.csv") == ";" and delimiter(tmp_path / "plain.csv") == ","


def test_without_a_session_event_drivers_say_active_days():
    config = DatasetConfig()
    assert "a login is counted as a user's active day" in fallbacks.sessions(config)[0]
    assert fallbacks.sessions(DatasetConfig(taxonomy={"session_event": "login"})) == []
    metric = Metric(direction="higher", normalise={"target": 1}, phrase="{sessions} {value:+.0%} month over month")
    config = HealthConfig(components={"engagement": {"weight": 100, "metrics": {"login_trend_30d": metric}}})
    phrase = config.model_copy(update={"sessions": "active days"}).phrases()["login_trend_30d"]
    assert score._phrase(phrase, "login_trend_30d", -0.28) == "active days -28% month over month"
    assert config.phrases()["login_trend_30d"] == "logins {value:+.0%} month over month"


def test_only_meeting_kinds_count_as_meetings_and_the_rest_is_said():
    touch = pd.DataFrame(
        {
            "account_id": ["A"] * 4,
            "date": pd.to_datetime(["2026-10-01"] * 4),
            "kind": ["QBR", "email", "email", "call"],
            "status": ["held", "held", "held", "cancelled"],
        }
    )
    config = DatasetConfig()
    ds = SimpleNamespace(tables={"touchpoints": touch}, cutoff=T("2026-10-31"), config=config)
    got = features._touchpoints(ds)
    assert got.at["A", "meetings_held_share"] == 0.5 and got.at["A", "touchpoints_180d"] == 4  # emails left out
    said = fallbacks.touchpoint_kinds(config, {"touchpoints": touch})
    assert said and "email (2)" in said[0] and "touchpoints.meeting_kinds" in said[0]


def test_counts_read_as_words():
    assert counted(1, "renewal") == "1 renewal" and counted(0, "renewal") == "0 renewals"
    assert counted(1200, "account") == "1,200 accounts"
