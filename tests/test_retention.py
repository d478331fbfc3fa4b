"""Retention KPIs, MRR movements and cohorts on hand-made subscriptions, with the arithmetic spelled out."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.retention import revenue as retention

T0, T1 = pd.Timestamp("2025-01-31"), pd.Timestamp("2026-01-31")


def _subs(rows):
    df = pd.DataFrame(rows, columns=["account_id", "start_date", "end_date", "mrr"])
    df["start_date"] = pd.to_datetime(df.start_date)
    df["end_date"] = pd.to_datetime(df.end_date)
    return df


# A keeps 100. B (200) leaves in June. C renews in June at 150 (end 31 May, next starts 1 June: no gap).
# D renews in September at 200, down from 300. E signs in March: new, so in no ratio.
HAND = _subs(
    [
        ("A", "2024-01-01", None, 100.0),
        ("B", "2024-03-01", "2025-06-30", 200.0),
        ("C", "2024-06-01", "2025-05-31", 100.0),
        ("C", "2025-06-01", None, 150.0),
        ("D", "2024-09-01", "2025-08-31", 300.0),
        ("D", "2025-09-01", None, 200.0),
        ("E", "2025-03-01", None, 500.0),
    ]
)


def test_kpis_by_hand():
    k = retention.kpis(HAND, T0, T1)
    # paying at T0: A 100 + B 200 + C 100 + D 300 = 700 (E not yet a customer)
    assert k["accounts_at_start"] == 4 and k["mrr_at_start"] == 700
    # GRR: each capped at its start: A 100 + B 0 + C min(150, 100) = 100 + D 200 = 400 -> 400 / 700
    assert k["grr"] == pytest.approx(400 / 700, abs=1e-4)
    # NRR: A 100 + B 0 + C 150 + D 200 = 450 -> 450 / 700 (E's 500 is new business, not retention)
    assert k["nrr"] == pytest.approx(450 / 700, abs=1e-4)
    # logos: A, C, D still pay -> 3 / 4; expanded: C only -> 1 / 4
    assert k["logo_retention"] == 0.75 and k["expansion_rate"] == 0.25


def test_movements_by_hand_and_balanced():
    mv = retention.movements(HAND, T1).set_index("month")
    assert mv.at["2025-03", "new"] == 500  # E
    assert mv.at["2025-06", "expansion"] == 50  # C 100 -> 150 (no false churn on 31 May)
    assert mv.at["2025-06", "churn"] == 0 and mv.at["2025-07", "churn"] == 200  # B paid through 30 June
    assert mv.at["2025-09", "contraction"] == 100  # D 300 -> 200
    assert mv.loc["2025-05", retention.MOVEMENTS].sum() == 0
    assert mv.at["2026-01", "mrr_end"] == 100 + 150 + 200 + 500


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 600), st.integers(1, 400), st.integers(1, 50)),
        min_size=1,
        max_size=25,
    )
)
def test_every_month_balances(rows):
    base = pd.Timestamp("2024-01-01")
    subs = _subs(
        [(f"a{a}", base + pd.Timedelta(days=s), base + pd.Timedelta(days=s + d), float(m)) for a, s, d, m in rows]
    )
    mv = retention.movements(subs, pd.Timestamp("2026-03-31"))
    flows = mv.new + mv.expansion + mv.reactivation - mv.contraction - mv.churn
    assert np.allclose(mv.mrr_start + flows, mv.mrr_end, atol=0.05)
    assert (mv[retention.MOVEMENTS] >= -1e-9).all().all()
    assert np.allclose(mv.mrr_start.iloc[1:].to_numpy(), mv.mrr_end.iloc[:-1].to_numpy())


def test_reactivation_is_not_new_business():
    subs = _subs([("R", "2024-01-10", "2024-02-15", 80.0), ("R", "2024-05-01", None, 90.0)])
    mv = retention.movements(subs, pd.Timestamp("2024-06-30")).set_index("month")
    assert mv.at["2024-01", "new"] == 80 and mv.at["2024-02", "churn"] == 80
    assert mv.at["2024-05", "reactivation"] == 90 and mv.new.sum() == 80


def test_cohorts_by_hand():
    logos = retention.logo_cohorts(HAND, T1).set_index("cohort")
    assert (
        logos.at["2024-03", 0] == 1.0 and logos.at["2024-03", 15] == 1.0 and logos.at["2024-03", 16] == 0.0
    )  # B: paid 30 Jun 2025, gone 31 Jul
    assert np.isnan(logos.at["2025-03", 11])  # E's month 11 (Feb 2026) is after as_of
    revenue = retention.revenue_cohorts(HAND, T1).set_index("cohort")
    # 2024Q3 = D alone: 300 at Q0's end; 200 from Sept 2025 = quarter 4 (2025-09-30) on
    assert revenue.at["2024Q3", "mrr_q0"] == 300 and revenue.at["2024Q3", 4] == pytest.approx(200 / 300, abs=1e-4)


def test_value_bands():
    bands = retention.by_value_band(HAND, T1, [1500, 3000]).set_index("arr_band")
    # ARR at T0: A 1,200 and C 1,200 -> under $1.5K; B 2,400 -> $1.5K-$3K; D 3,600 -> $3K and over
    assert bands.accounts.tolist() == [2, 1, 1]
    assert bands.at["under $1.5K", "nrr"] == pytest.approx(250 / 200) and bands.at["$1.5K-$3K", "logo_retention"] == 0


def test_value_bands_with_todays_health_or_why_there_is_none():
    health = retention.health_now(pd.DataFrame({"account_id": ["A", "C", "D"], "health_score": [80.0, 60.0, 30.0]}))
    assert retention.health_note(health) == "average health now: notebook 09's scores of 3 accounts"
    bands = retention.by_value_band(HAND, T1, [1500, 3000], health=health).set_index("arr_band")
    assert bands.average_health_now.tolist()[0] == 70.0 and np.isnan(bands.average_health_now.iloc[1])  # B left
    none = retention.health_now(None)  # notebook 09 has not run in this folder
    assert none.empty and retention.health_note(none).startswith("no account_health.csv in this run")
    without = retention.by_value_band(HAND, T1, [1500, 3000], health=none)
    assert "average_health_now" not in without and without.equals(retention.by_value_band(HAND, T1, [1500, 3000]))


def test_under_a_year_of_history_says_so_instead_of_failing():
    """Issue 13: with under a year of subscriptions nobody paid at the trailing year's start; no KeyError, a sentence."""
    young = _subs([("A", "2025-09-01", None, 100.0), ("B", "2025-10-01", "2025-12-31", 50.0)])
    t1 = pd.Timestamp("2026-01-31")
    now, before = retention.trailing_year(young, t1), retention.trailing_year(young, pd.Timestamp("2025-12-31"))
    assert "grr" not in now and now["accounts_at_start"] == 0
    text = retention.summary(now, before, pd.DataFrame({"note": []}), pd.DataFrame(), retention.movements(young, t1))
    assert text.startswith("No trailing year to 2026-01-31 yet: no account was paying on 2025-01-31")
    assert "nan" not in text and "A month earlier" not in text
