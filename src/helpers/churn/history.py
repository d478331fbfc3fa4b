"""Can the history support a churn model? The minimums, and the reason when it cannot.

The snapshots themselves (features at T from data before T, churn after T) are
``health.snapshots``: the same ones notebook 09 backtests the health score on.
"""

from __future__ import annotations

import pandas as pd

from helpers.data import subscriptions as outcomes
from helpers.data.contract import Dataset
from helpers.errors import DataContractError
from helpers.health import snapshots
from helpers.health.config import HealthConfig

MIN_CHURNED = 20  # churned account-snapshots below which no model is fitted
MIN_SNAPSHOTS = 4  # closed snapshots: enough for older training and newer evaluation
MIN_TRAIN_CHURNED, MIN_TEST_CHURNED = 15, 5  # per side of the time split
HOLDOUT_MONTHS = 6  # the default time holdout (notebook 10's holdout_months)


class ChurnDataError(DataContractError):
    """The history cannot support a churn model (too short, or too little churn)."""


def unusable_reason(ds: Dataset, horizon_days: int | None = None) -> str | None:
    """Why no churn model can be trained on this dataset at as_of, or None when one can."""
    horizon = horizon_days or ds.config.churn.outcome_window_days
    dates = snapshots.closed_dates(ds, horizon)
    if len(dates) < MIN_SNAPSHOTS:
        return (
            f"only {len(dates)} month-end snapshot(s) have a closed {horizon}-day outcome window before "
            f"as_of {ds.as_of.date()}; expected at least {MIN_SNAPSHOTS}: the churn model needs older "
            "snapshots to learn from and newer ones to be judged on (a longer history, or a later as_of)"
        )
    churned = churned_count(ds, dates, horizon)
    gap = pd.Timedelta(days=horizon + ds.config.churn.grace_days)
    test = dates[-HOLDOUT_MONTHS:]
    train = [d for d in dates if d + gap <= test[0]]
    # the default split keeps half the accounts from each side: each side needs twice its minimum
    if churned >= MIN_CHURNED:
        n_train, n_test = churned_count(ds, train, horizon), churned_count(ds, test, horizon)
        if n_train < 2 * MIN_TRAIN_CHURNED or n_test < 2 * MIN_TEST_CHURNED:
            return (
                f"{ds.files['subscriptions'].name}: {n_train} churned account-snapshot(s) in the training period "
                f"and {n_test} in the newest {HOLDOUT_MONTHS} snapshots; expected at least {2 * MIN_TRAIN_CHURNED} "
                f"and {2 * MIN_TEST_CHURNED} (half the accounts are held out): too few to fit and judge a model"
            )
    if churned < MIN_CHURNED:
        return (
            f"{ds.files['subscriptions'].name}: only {churned} account-snapshot(s) churned within {horizon} days "
            f"in {len(dates)} closed snapshots ({dates[0].date()} .. {dates[-1].date()}); expected at least "
            f"{MIN_CHURNED} to fit and judge a model: with so few churns any model would be noise"
        )
    return None


def churned_count(ds: Dataset, dates: list[pd.Timestamp], horizon_days: int) -> int:
    grace = ds.config.churn.grace_days
    spell_table = outcomes.spells(ds.tables["subscriptions"], grace)
    return int(sum(outcomes.churned_within(spell_table, t, horizon_days, ds.as_of, grace).sum() for t in dates))


def history(ds: Dataset, config: HealthConfig, run_dir, horizon_days: int, progress: bool = False) -> pd.DataFrame:
    """The run's closed snapshots (cached with notebook 09's), or ChurnDataError saying why they cannot train a model."""
    reason = unusable_reason(ds, horizon_days)
    if reason:
        raise ChurnDataError(reason)
    return snapshots.cached_history(ds, config, run_dir, horizon_days, progress)
