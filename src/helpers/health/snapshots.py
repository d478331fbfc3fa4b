"""The account snapshot at a date T: every paying account's features and health score, from data before T.

One definition serves every look at the accounts in the past: the health backtest (09), the
churn model's history (10, 11) and last month's recomputation (13). A snapshot sees the
dataset cut at T (``Dataset.at``); with an expert model, users are tagged as they were at T,
so expert share is scored as today's score scores it. Its label is churn within the outcome
window after T (``churn.outcome_window_days``), counted only once that window and the grace
period after it closed before as_of.

The history of closed month-end snapshots is computed once per run and cached in the run
folder (``account_snapshots.parquet``, keyed by what it was computed from), so notebook 10
reuses notebook 09's, and a notebook run alone builds it once. So is today's (``today``): the
accounts notebook 09 scores are the accounts notebook 10 predicts for, one table.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers import artifacts
from helpers.data import subscriptions
from helpers.data.contract import Dataset
from helpers.expert import model as expert_model
from helpers.expert import tagging
from helpers.health import actions, usage
from helpers.health import features as account_features
from helpers.health import score as health_score
from helpers.health.config import HealthConfig
from helpers.measures import engine as measure_engine
from helpers.progress import bar as progress_bar

SHORT_HISTORY_DAYS = 365  # under a year of events: weekly snapshots, four weeks of behaviour, 28-day outcomes


@dataclass(frozen=True)
class Cadence:
    """How the history is sampled: snapshot dates, the behaviour each needs before it, the outcome window."""

    name: str  # "monthly" or "weekly"
    freq: str  # pandas offset alias of the snapshot dates
    behind_days: int  # a snapshot needs this much behaviour before it
    horizon_days: int  # churn within this many days after the snapshot
    reason: str

    def dates(self, first_event: pd.Timestamp, last_closed: pd.Timestamp) -> list[pd.Timestamp]:
        start = first_event.normalize() + pd.Timedelta(days=self.behind_days)
        return [t for t in pd.date_range(start, last_closed, freq=self.freq) if t > start]


def cadence(ds: Dataset, horizon_days: int = 0) -> Cadence:
    """Month ends with 90 days behind each when there is a year of events or more; else weekly snapshots
    with four weeks behind each. The outcome window: the parameter, else ``churn.outcome_window_days``,
    else 90 days (28 under a year). The reason says which and why (notebooks 09 and 10 print it)."""
    days = (ds.as_of - ds.events.first.normalize()).days + 1
    configured = horizon_days or ds.config.churn.outcome_window_days
    short = days < SHORT_HISTORY_DAYS
    horizon = configured or (28 if short else 90)
    window = (
        f"churn within {horizon} days"
        if configured
        else f"churn within {horizon} days (churn.outcome_window_days is not set)"
    )
    if short:
        week_end = "SUN" if ds.config.calendar.week_starts_on == "monday" else "SAT"
        return Cadence(
            "weekly",
            f"W-{week_end}",
            28,
            horizon,
            f"{days} days of events, under a year: weekly snapshots with four weeks of behaviour behind each, {window}",
        )
    return Cadence(
        "monthly",
        "ME",
        90,
        horizon,
        f"{days} days of events: month-end snapshots with 90 days of behaviour behind each, {window}",
    )


def at(ds: Dataset, t: pd.Timestamp, config: HealthConfig, model=None) -> pd.DataFrame:
    """Features and health score of every account paying on ``t``, from data before the end of ``t``
    (no rows when nobody paid on ``t``, e.g. before the first subscription)."""
    return next(tables(ds, [t], config, model))[1]


def tables(ds: Dataset, dates: list[pd.Timestamp], config: HealthConfig, model=None, progress: bool = False):
    """(t, ``at(ds, t, ...)``) for each date: ``features_at``, scored."""
    for t, features in features_at(ds, dates, model, progress):
        yield t, (scored(features, config) if len(features) else features)


def features_at(ds: Dataset, dates: list[pd.Timestamp], model=None, progress: bool = False):
    """(t, every paying account's features on t) for each date, from one pass over the events for all of
    them: usage (``usage.at_dates``), each event type's counts (``actions.at_dates``) and, with an expert model, every user's measures (``compute_at``) are
    counted for every date at once; only the small tables are cut date by date."""
    counted, acted = usage.at_dates(ds, dates), actions.at_dates(ds, dates)
    # only the measures the model scores: all ~90 for every user and date would not fit in memory at scale
    used = tuple(m["name"] for m in model.measures) if model is not None else ()
    measured = measure_engine.compute_at(ds, dates, only=used) if model is not None and dates else None
    for t in progress_bar(dates, "snapshots", enabled=progress, mininterval=5):
        view = ds.at(t)
        tags = None
        if measured is not None:
            tags = tagging.tag_users(measured[measured.snapshot == t].drop(columns="snapshot"), model)
        yield t, account_features.snapshot(view, tags, usage.on(counted, t), actions.on(acted, t))


def scored(features: pd.DataFrame, config: HealthConfig) -> pd.DataFrame:
    """The features with the score's columns beside them (the score's own columns win a clash)."""
    score = health_score.score(features, config)
    keep = features.drop(columns=[c for c in score if c in features and c != config.id_column])
    return keep.merge(score, on=config.id_column)


def cadence_note(ds: Dataset | None, horizon_days: int = 0) -> str:
    """How the history is sampled and why, in one line (a flat table has no history to sample)."""
    return "a flat table has no history to sample" if ds is None else cadence(ds, horizon_days).reason


def closed_dates(ds: Dataset, horizon_days: int) -> list[pd.Timestamp]:
    """Snapshot dates (``cadence``) with behaviour behind them whose outcome window (and grace) closed by as_of."""
    plan = cadence(ds, horizon_days)
    last = ds.as_of - pd.Timedelta(days=plan.horizon_days + ds.config.churn.grace_days)
    return plan.dates(ds.events.first, last)


def history(ds: Dataset, config: HealthConfig, horizon_days: int, model=None, progress: bool = False) -> pd.DataFrame:
    """One row per account and closed snapshot: the snapshot's features and score, snapshot, churned."""
    grace = ds.config.churn.grace_days
    spells = subscriptions.spells(ds.tables["subscriptions"], grace)
    parts = [(t, f) for t, f in features_at(ds, closed_dates(ds, horizon_days), model, progress) if not f.empty]
    if not parts:
        return pd.DataFrame(columns=["account_id", "snapshot", "churned"])
    together = pd.concat([f.assign(snapshot=t) for t, f in parts], ignore_index=True)
    churned = pd.concat(
        [f.account_id.map(subscriptions.churned_within(spells, t, horizon_days, ds.as_of, grace)) for t, f in parts],
        ignore_index=True,
    )
    return rescored(together.assign(churned=churned.fillna(False).astype(bool)), config)


def rescored(history: pd.DataFrame, config: HealthConfig) -> pd.DataFrame:
    """The history's features scored under ``config``, whatever scored them before: every snapshot in one
    call, each among its own accounts (``score(within="snapshot")``; one call per snapshot took 13 s of 36
    snapshots of 10,000 accounts). A history scored anew equals one computed under ``config`` (tested)."""
    features = history.drop(columns=[c for c in history if health_score.is_score_column(c)])
    score = health_score.score(features, config, within="snapshot")
    outcome = ["snapshot", "churned"]
    return pd.concat([features.drop(columns=outcome), score.drop(columns=config.id_column), features[outcome]], axis=1)


def cached_history(
    ds: Dataset, config: HealthConfig, run_dir: str | Path, horizon_days: int, progress: bool = False
) -> pd.DataFrame:
    """``history`` for this run, read from the run folder when it was computed from the same inputs; scored
    anew (``rescored``) when only the health configuration differs, as when a run's learned weights
    (``health.weights``) replace the configured ones: the pass over the events is the costly part."""
    model = expert_model.for_run(ds, run_dir)
    key = _key(ds, config, model, horizon_days)
    where, stamp = (
        artifacts.path(run_dir, "account_snapshots.parquet"),
        artifacts.path(run_dir, "account_snapshots.json"),
    )
    kept = json.loads(stamp.read_text()) if where.exists() and stamp.exists() else {}
    if kept == key:
        return pd.read_parquet(where)
    if kept.keys() == key.keys() and all(kept[k] == v for k, v in key.items() if k != "health_config"):
        history_ = pd.read_parquet(where)
        table = rescored(history_, config) if len(history_) else history_
    else:
        table = history(ds, config, horizon_days, model, progress)
    artifacts.write_parquet(table, run_dir, "account_snapshots.parquet")
    artifacts.write_json(key, run_dir, "account_snapshots.json")
    return table


def today(ds: Dataset, run_dir: str | Path) -> pd.DataFrame:
    """Every paying account's features on as_of, expert share from the run's tags (notebook 07's), computed
    once per run and kept in the run folder (``account_features.parquet``, keyed by the data and the tags):
    notebook 09 scores it and notebook 10 predicts for it. ``at(ds, ds.as_of, ...)``, which tags users
    from the expert model itself, gives the same table (tested): this is the cheaper way to it."""
    tags = tagging.for_run(ds, run_dir)
    key = {"dataset": _fingerprint(ds), "as_of": str(ds.as_of.date()), "tags": _hash([tags])} | _shaped_by(ds)
    where, stamp = artifacts.path(run_dir, "account_features.parquet"), artifacts.path(run_dir, "account_features.json")
    if where.exists() and stamp.exists() and json.loads(stamp.read_text()) == key:
        return pd.read_parquet(where)
    table = account_features.snapshot(ds, tags)
    artifacts.write_parquet(table, run_dir, "account_features.parquet")
    artifacts.write_json(key, run_dir, "account_features.json")
    return table


def current(ds: Dataset, config: HealthConfig, run_dir: str | Path) -> pd.DataFrame:
    """``today``'s accounts with their health score beside their features, as a past snapshot has them."""
    features = today(ds, run_dir)
    return scored(features, config) if len(features) else features


def _fingerprint(ds: Dataset) -> str:
    """The dataset as a run on as_of sees it: its small tables and what the event log holds before the
    cutoff (events per code, first and last), never the path nor rows after as_of."""
    log = {"events": ds.events.event_counts, "first": str(ds.events.first), "last": str(ds.events.last)}
    return _hash([ds.tables[t] for t in sorted(ds.tables)], json.dumps(log, sort_keys=True).encode())


def _hash(tables: list[pd.DataFrame], more: bytes = b"") -> str:
    rows = b"".join(pd.util.hash_pandas_object(t, index=False).to_numpy().tobytes() for t in tables)
    return hashlib.sha256(rows + more).hexdigest()[:12]


def _key(ds: Dataset, config: HealthConfig, model, horizon_days: int) -> dict:
    return {
        "dataset": _fingerprint(ds),
        "as_of": str(ds.as_of.date()),
        "horizon_days": horizon_days,
        "health_config": hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:12],
        "expert_model": getattr(model, "model_id", None),
    } | _shaped_by(ds)


def _shaped_by(ds: Dataset) -> dict:
    """What shapes the features beyond the tables: dataset.yaml (its taxonomy, measures, calendar; the health
    configuration only scores them, ``rescored``) and the package's code. A run folder kept across an edit of
    either (the workbench) computes its features again instead of serving last edit's."""
    setup = ds.config.model_dump_json(exclude={"health"}).encode()
    return {"dataset_yaml": hashlib.sha256(setup).hexdigest()[:12], "code": _code()}


@functools.cache
def _code() -> str:
    """The package's Python sources, hashed once per process."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parents[1].rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]
