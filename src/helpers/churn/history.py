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


def holdout_snapshots(plan: snapshots.Cadence, holdout_months: int = HOLDOUT_MONTHS) -> int:
    """The holdout in snapshots: ``holdout_months`` month ends, or as many weeks (weekly cadence)."""
    return holdout_months if plan.name == "monthly" else round(holdout_months * 52 / 12)


def split_dates(dates: list, gap_days: int, holdout: int) -> tuple[list, list, str]:
    """Train and test snapshot dates: test the newest ``holdout``, train those whose outcome window
    (and grace, ``gap_days``) closed before the test began. On a short history the holdout shrinks
    until training is at least as long as it; the note says so ('' when it did not)."""
    gap = pd.Timedelta(days=gap_days)

    def parts(h: int) -> tuple[list, list]:
        test = dates[-h:] if h else []
        return [d for d in dates if test and d + gap <= test[0]], test

    h = min(holdout, len(dates))
    while h > 1 and len(parts(h)[0]) < h:
        h -= 1
    train, test = parts(h)
    note = (
        ""
        if h == holdout
        else (
            f"the holdout is the newest {h} snapshots, not {holdout}: the history is too short to keep more "
            "with training before them"
        )
    )
    return train, test, note


def unusable_reason(ds: Dataset, horizon_days: int | None = None) -> str | None:
    """Why no churn model can be trained on this dataset at as_of, or None when one can."""
    plan = snapshots.cadence(ds, horizon_days)
    horizon = plan.horizon_days
    dates = snapshots.closed_dates(ds, horizon)
    gap_days = horizon + ds.config.churn.grace_days
    train, test, _ = split_dates(dates, gap_days, holdout_snapshots(plan))
    if len(dates) < MIN_SNAPSHOTS or not train:
        # two training snapshots, a gap, two test snapshots, a gap: behind + 2 gaps + 2 steps
        enough = plan.behind_days + 2 * gap_days + 2 * (30 if plan.name == "monthly" else 7)
        return (
            f"{len(dates)} {plan.name} snapshots have a closed {horizon}-day outcome window "
            f"(plus {ds.config.churn.grace_days} grace days) before as_of {ds.as_of.date()}, {len(train)} of them "
            f"early enough to train on before the newest are judged; expected at least {MIN_SNAPSHOTS} snapshots "
            f"with some to train on: the churn model needs older snapshots to learn from and newer ones to be "
            f"judged on. With {plan.behind_days} days of behaviour per snapshot that takes about {enough} days of "
            f"events (this dataset has {(ds.as_of - ds.events.first.normalize()).days + 1})"
        )
    churned = churned_count(ds, dates, horizon)
    # the default split keeps half the accounts from each side: each side needs twice its minimum
    if churned >= MIN_CHURNED:
        n_train, n_test = churned_count(ds, train, horizon), churned_count(ds, test, horizon)
        if n_train < 2 * MIN_TRAIN_CHURNED or n_test < 2 * MIN_TEST_CHURNED:
            return (
                f"{ds.files['subscriptions'].name}: {n_train} churned account-snapshots in the training period "
                f"and {n_test} in the newest {len(test)} snapshots; expected at least {2 * MIN_TRAIN_CHURNED} "
                f"and {2 * MIN_TEST_CHURNED} (half the accounts are held out): too few to fit and judge a model"
            )
    if churned < MIN_CHURNED:
        return (
            f"{ds.files['subscriptions'].name}: only {churned} account-snapshots churned within {horizon} days "
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
