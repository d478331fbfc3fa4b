"""What notebook 10 learns from: the dataset's monthly snapshots, or one flat labelled account table.

Dataset mode: closed snapshots split by time and account (churn_model.time_split); the
accounts paying on as_of are scored. Flat mode: one CSV, one row per account with a known
label, judged by stratified cross-validation; each account is scored by models that never
saw its label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers import artifacts, paths
from helpers.churn import history as churn_data
from helpers.churn import model as churn_model
from helpers.data import contract, flat_table
from helpers.health import config as health_config
from helpers.health import inputs as health_inputs
from helpers.health import snapshots
from helpers.health.config import HealthConfig


@dataclass
class ChurnProblem:
    mode: str  # "dataset" or "flat"
    evaluation: str  # "time_holdout" or "cross_validation"
    train: pd.DataFrame  # rows with features, churned, account_id (and snapshot, segment)
    test: pd.DataFrame | None  # the time holdout (dataset mode)
    current: pd.DataFrame  # the accounts to score
    features: list[str]
    segments: list[str]
    config: HealthConfig | None = None
    notes: pd.DataFrame = field(default_factory=pd.DataFrame)  # flat mode: what was done to each column
    split: churn_model.Split | None = None
    ds: contract.Dataset | None = None
    history: pd.DataFrame | None = None  # every closed snapshot, before the split
    horizon_days: int = 0  # the outcome window (dataset mode)
    id_column: str = "account_id"  # the accounts' id: account_id, or (flat mode) the table's own

    @property
    def ids(self) -> pd.Series:
        """The id of every training row (an account, or an account at a snapshot)."""
        return self.train[self.id_column]

    def X(self, part: str) -> pd.DataFrame:
        return churn_model.design(getattr(self, part), self.features, self.segments)

    def y(self, part: str) -> pd.Series:
        return getattr(self, part).churned.astype(bool)

    def groups(self) -> pd.Series | None:
        return self.ids if self.mode == "dataset" else None


def load(
    dataset: str,
    as_of: str,
    run_dir: Path,
    horizon_days: int = 0,
    holdout_months: int = 6,
    holdout_share: float = 0.5,
    seed: int = 42,
    account_table: str = "",
    id_column: str = "account_id",
    label_column: str = "churned",
    health_config: str = "",
    progress: bool = False,
) -> ChurnProblem:
    if account_table:
        return _flat(account_table, id_column, label_column, health_config, run_dir)
    ds = contract.load_dataset(dataset, as_of)
    plan = snapshots.cadence(ds, horizon_days)
    horizon = plan.horizon_days
    config, _ = health_inputs.config_for(ds, health_config, run_dir)
    history = churn_data.history(ds, config, run_dir, horizon, progress)
    holdout = churn_data.holdout_snapshots(plan, holdout_months)
    split = churn_model.time_split(history, horizon, ds.config.churn.grace_days, holdout, holdout_share, seed)
    current = snapshots.current(ds, config, run_dir)  # the accounts notebook 09 scored, one table
    features = churn_model.feature_columns(split.train)
    segments = sorted(history.segment.dropna().unique()) if "segment" in history else []
    return ChurnProblem(
        "dataset",
        "time_holdout",
        split.train,
        split.test,
        current,
        features,
        segments,
        config,
        split=split,
        ds=ds,
        history=history,
        horizon_days=horizon,
    )


def _flat(account_table: str, id_column: str, label_column: str, config_path: str, run_dir: Path) -> ChurnProblem:
    """The labelled table, cleaned (``flat_table.load``), keyed by its own id column. With a health
    configuration whose ``segment_column`` is in the table, each row carries its segment (for notebook
    11's figures per segment); with notebook 09's ``account_health.csv`` in the run, its health score
    (for the score's verdict on the same outcomes; never a feature)."""
    path = paths.dataset_dir(account_table)
    t = flat_table.load(path, id_column, label_column)
    reason = flat_table.unusable_reason(t, path.name, label_column)
    if reason:
        raise churn_data.ChurnDataError(reason)
    table = t.X.assign(**{id_column: t.ids, "churned": t.y})
    config = health_config.load(paths.dataset_dir(config_path)) if config_path else None
    if config is not None and config.segment_column:
        raw = flat_table.read(path, id_column).set_index(id_column)
        table["segment"] = t.ids.map(raw[config.segment_column]) if config.segment_column in raw else None
    health = artifacts.optional(run_dir, "account_health.csv")
    if health is not None and id_column in health:
        table["health_score"] = t.ids.map(health.set_index(health[id_column].astype(str)).health_score)
    return ChurnProblem(
        "flat",
        "cross_validation",
        table,
        None,
        table,
        list(t.X.columns),
        [],
        config,
        notes=t.notes,
        id_column=id_column,
    )


def describe(problem: ChurnProblem) -> pd.DataFrame:
    if problem.split is not None:
        return problem.split.describe()
    return pd.DataFrame(
        [
            {
                "part": "all (cross-validated)",
                "account_snapshots": len(problem.train),
                "churned": int(problem.train.churned.sum()),
                "accounts": len(problem.train),
                "snapshots": "one flat table",
            }
        ]
    )


def split_note(problem: ChurnProblem) -> str:
    """How the split differs from what was asked (a shorter holdout on a short history), or ''."""
    return problem.split.note if problem.split is not None else ""


def overview(problem: ChurnProblem, last: int = 6) -> pd.DataFrame:
    """What the model learns from, at a glance: the newest ``last`` training snapshots (account-snapshots,
    churned, churn rate), or in flat mode what was done to each column of the table."""
    if problem.mode == "flat":
        return problem.notes
    return problem.train.groupby("snapshot").churned.agg(["size", "sum", "mean"]).tail(last)


def held_out(problem: ChurnProblem, kept: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """The time holdout's inputs (the ``kept`` features) and labels; no rows in flat mode, which has no
    holdout (it is judged by cross-validation: ``problem.evaluation``)."""
    if problem.test is None:
        return problem.X("train")[kept].iloc[:0], problem.y("train").iloc[:0]
    return problem.X("test")[kept], problem.y("test")


def judged_on(problem: ChurnProblem, kept: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """The data importance and directions are read on: the time holdout, or in flat mode (no holdout)
    the training data."""
    X_test, y_test = held_out(problem, kept)
    if len(X_test):
        return X_test, y_test
    return problem.X("train")[kept], problem.y("train")
