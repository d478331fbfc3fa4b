"""Paying on day t: one definition, whichever day a billing system's end_date names.

A monthly plan renewing back to back is exported either with end_date = the next start_date
(the first unpaid day) or the day before it (the last paid day). Both must read as one
constant payment: no day paid twice, no day unpaid.
"""

import json
import shutil

import pandas as pd
import pytest

from helpers import paths
from helpers.data import subscriptions
from helpers.retention import revenue as retention
from helpers.run import run

AS_OF = "2026-10-31"
STARTS = pd.date_range("2025-01-01", "2027-01-01", freq="MS")  # monthly periods, back to back, past as_of


def monthly_plan(accounts: dict[str, float], end_is_next_start: bool) -> pd.DataFrame:
    """Each account on one monthly price, renewed back to back, in one of the two export conventions."""
    rows = []
    for account, mrr in accounts.items():
        for start, nxt in zip(STARTS[:-1], STARTS[1:]):
            end = nxt if end_is_next_start else nxt - pd.Timedelta(days=1)
            rows.append({"account_id": account, "start_date": start, "end_date": end, "mrr": mrr})
    return pd.DataFrame(rows)


BOTH = pytest.mark.parametrize("end_is_next_start", [True, False], ids=["first_unpaid_day", "last_paid_day"])


@BOTH
def test_the_convention_is_detected_and_said(end_is_next_start):
    plan = monthly_plan({"a": 100.0}, end_is_next_start)
    convention, said = subscriptions.end_date_convention(plan)
    assert convention == ("first_unpaid_day" if end_is_next_start else "last_paid_day")
    assert "detected" in said and "23" in said  # 24 monthly periods: 23 renewals


def test_without_back_to_back_renewals_the_assumption_is_said():
    one = pd.DataFrame({"account_id": ["a"], "start_date": [STARTS[0]], "end_date": [STARTS[5]], "mrr": [1.0]})
    convention, said = subscriptions.end_date_convention(one)
    assert convention == "last_paid_day" and said.startswith("end_date assumed") and "billing.end_date" in said
    assert subscriptions.end_date_convention(one, "first_unpaid_day")[0] == "first_unpaid_day"


@BOTH
def test_a_back_to_back_monthly_plan_pays_once_every_day(end_is_next_start):
    raw = monthly_plan({"a": 100.0, "b": 250.0}, end_is_next_start)
    plan = subscriptions.as_last_paid_day(raw, subscriptions.end_date_convention(raw)[0])
    days = pd.date_range("2025-01-01", "2026-12-31", freq="D")
    paid = pd.DataFrame({t: subscriptions.mrr_at(plan, t) for t in days})
    assert (paid.loc["a"] == 100.0).all() and (paid.loc["b"] == 250.0).all()  # never twice, never zero
    assert (subscriptions.seats_at(plan, days[0]).empty) and len(subscriptions.spells(plan, grace_days=0)) == 2


@BOTH
def test_retention_reads_a_back_to_back_plan_as_constant(end_is_next_start):
    raw = monthly_plan({"a": 100.0, "b": 250.0}, end_is_next_start)
    plan = subscriptions.as_last_paid_day(raw, subscriptions.end_date_convention(raw)[0])
    as_of = pd.Timestamp(AS_OF)
    k = retention.trailing_year(plan, as_of)
    assert k["grr"] == k["nrr"] == k["logo_retention"] == 1.0 and k["expansion_rate"] == 0.0
    moves = retention.movements(plan, as_of)
    steady = moves[moves.month > "2025-01"]
    assert (steady[["new", "expansion", "reactivation", "contraction", "churn"]] == 0).all().all()
    assert (steady.mrr_start == 350.0).all() and (steady.mrr_end == 350.0).all()


@pytest.mark.slow
def test_every_notebook_reads_both_conventions_alike(tiny_copy, tmp_path):
    """The series on the tiny dataset with its subscriptions replaced by back-to-back monthly plans:
    constant MRR, ARR = 12 x MRR counted once, GRR and NRR 100 %, and the same artifacts either way."""
    (tiny_copy / "csm_labels.csv").unlink()  # the expert steps have nothing to do with payments: skip them
    accounts = pd.read_csv(tiny_copy / "accounts.csv")
    prices = {a: float(50 * (1 + i % 4)) for i, a in enumerate(accounts.account_id)}
    by_name = dict(zip(accounts.name, accounts.account_id))
    series = tmp_path / "notebooks"  # the notebooks that read payments: 09 (MRR, seats), 12 (retention), 13 (ARR)
    series.mkdir()
    for name in ("00_data_contract", "09_health_score", "12_retention_cohorts", "13_executive_summary"):
        shutil.copy(paths.NOTEBOOKS / f"{name}.ipynb", series)
    runs = {}
    for end_is_next_start in (True, False):
        plan = monthly_plan(prices, end_is_next_start)
        plan.to_csv(tiny_copy / "subscriptions.csv", index=False, date_format="%Y-%m-%d")
        out = tmp_path / str(end_is_next_start)
        runs[end_is_next_start] = run(str(tiny_copy), AS_OF, out, notebooks_dir=series, progress=False)
    for out in runs.values():
        art = out / "artifacts"
        kpis = json.loads((art / "retention_kpis.json").read_text())
        assert kpis["grr"] == kpis["nrr"] == 1.0 and kpis["expansion_rate"] == 0.0
        moves = pd.read_csv(art / "retention_mrr_movements.csv")
        steady = moves[moves.month > "2025-01"]
        assert (steady[["expansion", "contraction", "churn", "reactivation"]] == 0).all().all()
        assert (steady.mrr_end == sum(prices.values())).all()
        strategic = pd.read_csv(art / "strategic_accounts.csv")
        assert (strategic.arr == 12 * strategic.name.map(by_name).map(prices)).all()
    first, last = (sorted(p.name for p in (o / "artifacts").iterdir()) for o in runs.values())
    assert first == last
    for name in first:
        if name != "data_contract.json":  # says which convention it detected
            a, b = ((o / "artifacts" / name).read_bytes() for o in runs.values())
            assert a == b, name


def test_a_plan_bought_inside_a_running_one_is_one_spell():
    """An add-on or upgrade starting inside a row still running at as_of (end empty): one spell, still running
    (the reach of a running row is the far future, and adding the grace days to it overflowed)."""
    t = pd.Timestamp
    subs = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "b", "b"],
            "start_date": [t("2025-01-01"), t("2026-03-01"), t("2026-02-01"), t("2025-01-01"), t("2025-06-01")],
            "end_date": [pd.NaT, pd.NaT, t("2026-04-30"), t("2025-12-31"), t("2025-07-31")],
            "mrr": [100.0, 20.0, 50.0, 80.0, 10.0],
        }
    )
    spells = subscriptions.spells(subs, grace_days=14).sort_values("account_id").reset_index(drop=True)
    assert spells.account_id.tolist() == ["a", "b"]
    assert spells.start.tolist() == [t("2025-01-01"), t("2025-01-01")]
    assert pd.isna(spells.end[0]) and spells.end[1] == t("2025-12-31")
    assert subscriptions.mrr_at(subs, t("2026-03-15"))["a"] == 170.0  # every product paying that day
