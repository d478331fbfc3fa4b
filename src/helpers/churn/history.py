"""Monthly account snapshots for the churn model: features at T from data before T, churn after T.

A snapshot T is a month end. Its features come from the dataset cut at T (rollup.at),
the same sub-metrics and health score as notebook 09, plus expert share when an expert
model exists. Its label is churn within ``horizon_days`` after T, known only when that
window and the grace period after it closed before as_of; accounts already gone at T
are not in the snapshot.
"""

from __future__ import annotations

import pandas as pd
from tqdm import tqdm

from helpers.data import subscriptions as outcomes
from helpers.data.contract import Dataset
from helpers.errors import DataContractError
from helpers.expert import rollup, tagging
from helpers.health import backtest as health_backtest
from helpers.health import features as account_features
from helpers.health.config import HealthConfig
from helpers.measures import engine as measure_engine

MIN_CHURNED = 20  # churned account-snapshots below which no model is fitted
MIN_SNAPSHOTS = 4  # closed snapshots: enough for older training and newer evaluation
MIN_TRAIN_CHURNED, MIN_TEST_CHURNED = 15, 5  # per side of the time split
HOLDOUT_MONTHS = 6  # the default time holdout (notebook 10's holdout_months)


class ChurnDataError(DataContractError):
    """The history cannot support a churn model (too short, or too little churn)."""


def closed_dates(ds: Dataset, horizon_days: int) -> list[pd.Timestamp]:
    """Every month end with 90 days of history behind it whose outcome window has closed."""
    return health_backtest.snapshot_dates(ds, horizon_days, months=1200)


def unusable_reason(ds: Dataset, horizon_days: int | None = None) -> str | None:
    """Why no churn model can be trained on this dataset at as_of, or None when one can."""
    horizon = horizon_days or ds.config.churn.outcome_window_days
    dates = closed_dates(ds, horizon)
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


def features_at(ds: Dataset, config: HealthConfig, expert_model=None) -> pd.DataFrame:
    """Sub-metrics and health score of every paying account on ds.as_of (expert share if a model is given)."""
    tags = tagging.tag_users(measure_engine.compute(ds), expert_model) if expert_model is not None else None
    return health_backtest.scored_snapshot(account_features.snapshot(ds, tags), config)


def history(
    ds: Dataset, config: HealthConfig, horizon_days: int, expert_model=None, progress: bool = False
) -> pd.DataFrame:
    """One row per account and closed snapshot: snapshot, features at T, churned (bool)."""
    reason = unusable_reason(ds, horizon_days)
    if reason:
        raise ChurnDataError(reason)
    grace = ds.config.churn.grace_days
    spell_table = outcomes.spells(ds.tables["subscriptions"], grace)
    rows = []
    for t in tqdm(closed_dates(ds, horizon_days), desc="snapshots", disable=not progress, mininterval=5):
        table = features_at(rollup.at(ds, t), config, expert_model)
        churned = outcomes.churned_within(spell_table, t, horizon_days, ds.as_of, grace)
        rows.append(table.assign(snapshot=t, churned=table.account_id.map(churned).fillna(False).astype(bool)))
    return pd.concat(rows, ignore_index=True)
