"""The executive summary's figures and lists on hand-made accounts, and the sparkline history against the coefficient."""

import numpy as np
import pandas as pd
import pytest

from helpers.data import contract
from helpers.data.config import Report
from helpers.expert import rollup
from helpers.health.config import DEFAULT_TIERS, Alerts
from helpers.report import changes as monthly_changes
from helpers.report import executive


def _portfolio():
    return pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "name": ["A", "B", "C", "D"],
            "csm": ["x", "x", "y", "y"],
            "arr": [100_000.0, 20_000.0, 50_000.0, 10_000.0],
            "health_score": [40.0, 80.0, 55.0, 90.0],
            "tier": ["At-risk", "Healthy", "Neutral", "Thriving"],
            "churn_probability": [0.5, 0.8, 0.1, np.nan],
            "risk_band": ["High", "Very high", "Low", None],
            "days_to_renewal": [200, 300, 30, 10],
        }
    )


def test_who_needs_action_and_why():
    alerts = pd.DataFrame(
        {
            "account_id": ["d", "d", "c"],
            "alert": ["usage drop", "seats unused", "renewal at risk"],
            "severity": ["critical", "warning", "critical"],
            "detail": ["", "", ""],
        }
    )
    acts = executive.needs_action(_portfolio(), alerts, DEFAULT_TIERS, ["Very high", "High"]).set_index("account_id")
    assert acts.at["a", "reasons"] == "health At-risk, churn risk High"
    assert acts.at["b", "reasons"] == "churn risk Very high"  # healthy score, but the model says go
    assert acts.at["c", "reasons"] == "alert: renewal at risk"
    assert acts.at["d", "reasons"] == "alert: usage drop"  # critical alerts only
    renewals = executive.renewals_at_risk(_portfolio(), Alerts())  # within 90 days and under 60: c only
    assert renewals.name.tolist() == ["C"]
    # ARR at risk = ARR x churn probability; no probability -> the whole ARR
    assert acts.arr_at_risk.to_dict() == {"a": 50_000, "b": 16_000, "c": 5_000, "d": 10_000}
    lists = executive.action_lists(acts.reset_index())
    assert lists.account_id.tolist() == ["a", "b", "d", "c"]  # per CSM, by ARR at risk


def test_headline_targets_and_directions():
    p = _portfolio()
    before = p.assign(health_score=[60.0, 80.0, 70.0, 90.0])
    kpis = executive.headline(
        p,
        before,
        {"grr": 0.92, "nrr": 1.01, "logo_retention": 0.9, "expansion_rate": 0.2},
        {"grr": 0.90, "nrr": 1.06, "logo_retention": 0.9, "expansion_rate": 0.2},
        Report(),
    ).set_index("kpi")
    # low-health ARR share: only a (health 40 < 50): 100,000 / 180,000; before: nobody under 50
    share = kpis.loc[kpis.index.str.startswith("Low-health ARR share")].iloc[0]
    assert share.value == pytest.approx(100 / 180) and share.previous == 0 and not share.on_target  # at most 15 %
    assert kpis.loc["Gross revenue retention (12 months)"].on_target  # 92 % >= 90 %
    assert not kpis.loc["Net revenue retention (12 months)"].on_target  # 101 % < 105 %
    assert kpis.loc["Average health score"].change == pytest.approx(66.25 - 75)
    table = executive.readable(executive.headline(p, before, {"grr": 0.92}, {"grr": 0.90}, Report()))
    assert table.Change.iloc[0] == "+2.0 pts (better)" and table.Change.iloc[4].endswith("(worse)")


def test_alert_and_tier_changes():
    now = pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "alert": ["x", "y", "x"],
            "severity": ["critical", "warning", "critical"],
            "detail": ["", "", ""],
        }
    )
    before = pd.DataFrame(
        {"account_id": ["a", "d"], "alert": ["x", "x"], "severity": ["critical", "critical"], "detail": ["", ""]}
    )
    changes = monthly_changes.alert_changes(before, now)
    assert sorted(zip(changes.change, changes.account_id)) == [("new", "b"), ("new", "c"), ("resolved", "d")]
    tiers = ["Thriving", "Healthy", "Neutral", "At-risk", "Critical"]
    h_now = pd.DataFrame(
        {"account_id": ["a", "b", "e"], "health_score": [30, 80, 70], "tier": ["At-risk", "Healthy", "Healthy"]}
    )
    h_before = pd.DataFrame(
        {"account_id": ["a", "b", "d"], "health_score": [60, 75, 50], "tier": ["Neutral", "Thriving", "Neutral"]}
    )
    s = monthly_changes.tier_summary(h_now, h_before, tiers)
    assert (s["worsened"], s["improved"], s["new_accounts"], s["gone_accounts"]) == (2, 0, 1, 1)
    table = monthly_changes.tier_changes(h_now, h_before, tiers)
    assert (
        table.loc["Neutral", "At-risk"] == 1
        and table.loc["(not scored)", "Healthy"] == 1
        and table.to_numpy().sum() == 4
    )
    assert monthly_changes.movers(h_now, h_before).account_id.tolist() == ["a", "b"]  # -30 before +5


def test_sparkline_history_ends_at_the_activity_coefficient(tiny):
    ds = contract.load_dataset(tiny, "2026-10-31")
    now = rollup.account_activity(ds).activity_coefficient
    accounts = sorted(now.index)[:25]
    history = rollup.activity_history(ds, accounts, weeks=10)
    last = history.sort_values("week").groupby("account_id").activity_coefficient.last()
    assert last.reindex(accounts).tolist() == now.reindex(accounts).tolist()
    assert history.activity_coefficient.between(0, 7).all() and history.groupby("account_id").size().eq(10).all()
    none = rollup.activity_history(ds, [], weeks=10)  # nothing to act on this month (BinderException before)
    assert none.empty and list(none.columns) == list(history.columns)


def test_a_change_that_rounds_away_is_no_change():
    p = _portfolio()
    kpis = executive.headline(p, p.assign(health_score=p.health_score + 0.01), {"grr": 0.9}, {"grr": 0.90004}, Report())
    table = executive.readable(kpis).set_index("KPI")
    assert table.at["Average health score", "Change"] == "no change"
    assert table.at["Gross revenue retention (12 months)", "Change"] == "no change"


def test_the_story_reads_as_markdown_paragraphs():
    story = {"situation": "60 accounts.", "complication": "Two renewals at risk.", "resolution": "Call them."}
    text = executive.story_markdown(story)
    assert (
        text == "**Situation.** 60 accounts.\n\n**Complication.** Two renewals at risk.\n\n**Resolution.** Call them."
    )
    assert executive.story_markdown({}) == ""


def test_a_kpi_that_cannot_be_measured_yet_is_neither_on_nor_off_target():
    """Issue 13: under a year of history there is no GRR or NRR; the page says so, never 'OFF TARGET' or 'nan'."""
    p = _portfolio()
    young = {"start": "2025-10-31", "end": "2026-10-31", "accounts_at_start": 0}  # retention.kpis without a base
    kpis = executive.headline(p, None, young, young, Report())
    retention_rows = kpis[kpis.kpi.str.endswith("(12 months)")]
    assert not retention_rows.measured.any() and not retention_rows.on_target.any()
    assert set(executive.readable(kpis).Status.iloc[:4]) == {"not measurable yet"}
    assert not executive.off_target(kpis).kpi.str.endswith("(12 months)").any()
    actions = executive.needs_action(p, None, DEFAULT_TIERS, ["Very high", "High"]).assign(recommended_action="call")
    strategic = executive.strategic(p, None, 3, DEFAULT_TIERS)
    story = executive.narrative(kpis, p, actions, p.iloc[:0], strategic, Report(), Alerts())
    text = " ".join(story.values()) + executive.summary(kpis, actions, p.iloc[:0], strategic)
    assert "needs a year of subscription history" in story["situation"]
    assert "nan" not in text.lower() and "Gross revenue retention" not in story["complication"]
    assert "measured headline KPIs on target" in text


def test_a_red_tier_with_a_low_churn_risk_and_a_green_one_with_an_urgent_risk_are_explained():
    from helpers.health.config import Tier

    tiers = [
        Tier(name="Good", min=60, colour="#1a9850", priority="monitor"),
        Tier(name="Poor", min=0, colour="#d73027", priority="intervene", risk=2),
    ]
    p = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "name": ["A", "B", "C", "D"],
            "csm": ["x"] * 4,
            "arr": [1000.0, 2000, 3000, 4000],
            "health_score": [20.0, 80, 25, 85],
            "tier": ["Poor", "Good", "Poor", "Good"],
            "churn_probability": [0.03, 0.75, 0.60, 0.02],
            "risk_band": ["Very low", "Very high", "High", "Very low"],
            "drivers": ["no activity for 30 days", "", "", ""],
            "top_drivers": ["", "seats -40% over 90 days", "", ""],
        }
    )
    out = executive.disagreements(p, tiers, urgent_bands=["Very high", "High"]).set_index("account_id")
    assert list(out.index) == ["b", "a"]  # largest ARR first; c (red, risky) and d (green, safe) agree
    assert "no activity for 30 days" in out.at["a", "why"] and "3 %" in out.at["a", "why"]
    assert "seats -40% over 90 days" in out.at["b", "why"] and "75 %" in out.at["b", "why"]
    assert executive.disagreements(p.drop(columns=["churn_probability"]), tiers, urgent_bands=[]).empty


def test_figures_read_the_same_everywhere_and_a_missing_one_is_a_dash():
    from helpers import text

    assert [text.points(v, signed=True) for v in (0.3, -0.3, 0.6, -2.4)] == ["0", "0", "+1", "-2"]
    assert text.money(1234567.4) == "$1,234,567" and text.share(0.1224, 1) == "12.2 %"
    assert text.day("2026-11-02") == "2 Nov 2026" and text.month("2026-10-31") == "October 2026"
    assert {text.money(None), text.share(float("nan")), text.points(pd.NA), text.day(pd.NaT)} == {text.DASH}
