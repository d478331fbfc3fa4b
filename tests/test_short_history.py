"""Short histories train and validate: the cadence, the split and the features adapt, and say so."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import papermill as pm
import pytest

from helpers import paths
from helpers.churn import evaluation
from helpers.churn import model as churn_model
from helpers.churn.history import holdout_snapshots, split_dates
from helpers.data.config import DatasetConfig
from helpers.health import features, snapshots
from helpers.synth import generate
from helpers.synth.shapes import reshape

T = pd.Timestamp


def _ds(first: str, as_of: str = "2026-10-31", **config):
    return SimpleNamespace(
        as_of=T(as_of),
        cutoff=T(as_of) + pd.Timedelta(days=1),
        events=SimpleNamespace(first=T(first)),
        config=DatasetConfig(**config),
    )


def test_under_a_year_snapshots_are_weekly_with_four_weeks_behind_and_a_28_day_window():
    short = snapshots.cadence(_ds("2026-04-01"))
    assert (short.name, short.freq, short.behind_days, short.horizon_days) == ("weekly", "W-SUN", 28, 28)
    assert "under a year" in short.reason and "churn.outcome_window_days is not set" in short.reason
    long = snapshots.cadence(_ds("2023-11-01"))
    assert (long.name, long.behind_days, long.horizon_days) == ("monthly", 90, 90)
    # one setting for the outcome window: dataset.yaml's wins, then the notebook parameter
    assert snapshots.cadence(_ds("2026-04-01", churn={"outcome_window_days": 60})).horizon_days == 60
    assert snapshots.cadence(_ds("2026-04-01", churn={"outcome_window_days": 60}), 45).horizon_days == 45
    dates = short.dates(T("2026-04-01"), T("2026-08-31"))
    assert dates[0] == T("2026-05-03") and all(d.dayofweek == 6 for d in dates)


def test_the_holdout_shrinks_on_a_short_history_and_says_so():
    weekly = list(pd.date_range("2026-05-03", periods=17, freq="W-SUN"))
    train, test, note = split_dates(weekly, 58, holdout_snapshots(snapshots.cadence(_ds("2026-04-01"))))
    assert len(test) == 4 and len(train) >= len(test) and train[-1] + pd.Timedelta(days=58) <= test[0]
    assert "the newest 4 snapshots, not 26" in note
    monthly = list(pd.date_range("2024-01-31", periods=28, freq="ME"))
    train, test, note = split_dates(monthly, 120, 6)
    assert test == monthly[-6:] and note == "" and train[-1] + pd.Timedelta(days=120) <= test[0]


def test_a_window_reaching_before_the_first_event_is_unknown_not_zero():
    table = pd.DataFrame({"active_users_30d": [3.0], "usage_velocity_30d": [0.5], "usage_velocity_90d": [3.0]})
    got = features._unknown_before_history(table, _ds("2026-09-20"))  # 42 days of events by the cutoff
    assert got.active_users_30d.iloc[0] == 3 and got.usage_velocity_30d.isna().all()
    assert got.usage_velocity_90d.isna().all()


def test_features_unknown_at_the_early_training_snapshots_are_left_out_sparse_ones_kept():
    snaps = np.repeat(pd.date_range("2026-05-03", periods=4, freq="W-SUN"), 10)
    train = pd.DataFrame(
        {
            "snapshot": snaps,
            "account_id": np.tile([f"A{i}" for i in range(10)], 4),
            "churned": False,
            "events_30d": 1.0,
            "usage_velocity_90d": np.where(snaps >= T("2026-05-24"), 0.1, np.nan),  # known at 1 of 4
            "nps_180d": np.where(np.arange(40) % 10 == 0, 8.0, np.nan),  # one account, every snapshot
        }
    )
    assert churn_model.feature_columns(train) == ["events_30d", "nps_180d"]


def test_the_reference_comparison_names_the_margin_with_its_interval():
    rng = np.random.default_rng(0)
    n = 600
    y = rng.random(n) < 0.2
    holdout = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(n)],
            "snapshot": T("2026-08-02"),
            "churned": y,
            "churn_probability": np.clip(y * 0.5 + rng.random(n) * 0.6, 0, 1),
        }
    )
    reference = holdout[["account_id", "snapshot", "churned"]].assign(reference_probability=rng.random(n))
    table = evaluation.against_reference(holdout, reference, seed=1, draws=200)
    margin, low, high = table.attrs["margin"]
    assert table["AUC-ROC"].iloc[0] > 0.85 and abs(table["AUC-ROC"].iloc[1] - 0.5) < 0.08 and low > 0.2
    assert evaluation.reference_note(table).startswith("the model beats it: AUC +")
    summary_bits = evaluation.summary(
        pd.DataFrame({"metric": ["auc_roc", "pr_auc", "brier"], "value": [0.9, 0.5, 0.1]}),
        pd.DataFrame({"lift": [3.0]}),
        2.0,
        at=dict.fromkeys(
            ("precision", "recall", "f1", "churn_prediction_accuracy", "surprise_churn_rate", "false_positive_rate"), 0
        ),
        holdout=holdout,
        card={"evaluation": "time_holdout", "id": "x", "model": "m", "threshold": 0.3},
        reference=table,
    )
    assert summary_bits["auc_over_reference"] == [margin, low, high]
    level = reference.assign(reference_probability=holdout.churn_probability)
    assert "cannot be told apart" in evaluation.reference_note(evaluation.against_reference(holdout, level, seed=1))
    empty = evaluation.against_reference(holdout, reference.iloc[:0], seed=1)
    assert empty.empty and "flat table has no held-out period" in evaluation.reference_gap(empty)
    shipped = evaluation.reference_note(evaluation.against_reference(holdout, level, seed=1), "simple reference")
    assert shipped.startswith("the shipped model is the simple reference itself")


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """Six months of a monthly-billed product (no billing_period, renewals back to back), no CSM labels:
    notebooks 10 and 11 only, as the churn model's own test on a short history."""
    base = tmp_path_factory.mktemp("short")
    folder = generate(base / "data", "sample", seed=3, months=6, accounts=1200, monthly_only=True, progress=False)
    reshape(folder, ["back_to_back_monthly", "no_billing_period"], "2026-10-31")
    (folder / "csm_labels.csv").unlink()
    out = base / "run"
    (out / "artifacts").mkdir(parents=True)
    for nb in ("10_churn_model.ipynb", "11_validation_report.ipynb"):
        pm.execute_notebook(
            str(paths.NOTEBOOKS / nb),
            str(out / nb),
            parameters={"run_dir": str(out), "dataset": str(folder), "as_of": "2026-10-31"},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(paths.NOTEBOOKS),
        )
    return out / "artifacts"


def test_six_months_of_events_train_a_calibrated_model_that_beats_the_reference(short_run):
    card = json.loads((short_run / "churn_model.json").read_text())
    train, test = card["training"]
    assert train["part"] == "train" and train["churned"] >= 30 and test["churned"] >= 10
    first, last = (T(d) for d in test["snapshots"].split(" .. "))
    assert (last - first).days < 60 and first.dayofweek == 6  # weekly snapshots, the holdout shortened
    v = json.loads((short_run / "validation.json").read_text())
    print(
        {
            k: v[k]
            for k in ("auc_roc", "reference_auc_roc", "auc_over_reference", "lift_top_decile", "calibration_error")
        }
    )
    assert v["evaluation"] == "time_holdout" and v["auc_roc"] >= 0.75 and v["calibration_error"] < 5
    margin, low, _ = v["auc_over_reference"]
    assert margin > 0 and low > 0  # better than logistic regression on 4-week event counts, on the same rows
