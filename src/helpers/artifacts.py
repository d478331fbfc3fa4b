"""Run artifacts: every stable name and the notebook that writes it, read and written in one place.

Other tools read these files, so their names are a contract: ``REGISTRY`` lists each one with
the notebook that makes it, and every read or write goes through here (this run's, or last
month's with ``previous``). Writers are deterministic: the same inputs give byte-identical files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

# name -> the notebook that writes it (its stem in notebooks/)
REGISTRY = {
    **dict.fromkeys(["coverage.csv", "event_catalogue.csv", "data_contract.json"], "00_data_contract"),
    **dict.fromkeys(["baseline_cohorts.csv", "cohort_sizes.csv"], "01_csm_baseline_cohorts"),
    **dict.fromkeys(["basic_measure_stats.csv", "flagged_labels.csv"], "02_explore_baseline"),
    **dict.fromkeys(["user_measures.parquet", "measure_catalogue.csv"], "03_dimensional_space"),
    "measure_stats.csv": "04_cohort_averages",
    "boundaries.csv": "05_boundaries",
    **dict.fromkeys(["expert_model.json", "expert_weights.csv"], "06_weighting"),
    **dict.fromkeys(["user_tags.csv", "tag_transitions.csv"], "07_tag_users"),
    **dict.fromkeys(["account_rollup.csv", "expert_share_retention.csv"], "08_account_rollup"),
    **dict.fromkeys(
        [
            "account_health.csv",
            "account_health_last_month.csv",
            "alerts.csv",
            "alert_changes.csv",
            "account_snapshots.parquet",
            "account_snapshots.json",
            "account_features.parquet",
            "account_features.json",
            "health_backtest.json",
            "health_backtest_tiers.csv",
            "health_weight_suggestions.csv",
            "health_learned_rates.csv",
            "health_learned.yaml",
        ],
        "09_health_score",
    ),
    **dict.fromkeys(
        [
            "churn_scores.csv",
            "churn_model.skops",
            "churn_model.json",
            "churn_holdout.csv",
            "churn_reference.csv",
            "churn_model_comparison.csv",
            "churn_importance.csv",
            "churn_directions.csv",
            "churn_odds_ratios.csv",
            "churn_features_train.parquet",
            "churn_features_current.parquet",
        ],
        "10_churn_model",
    ),
    **dict.fromkeys(
        [
            "validation.json",
            "validation_lift.csv",
            "validation_calibration.csv",
            "validation_segments.csv",
            "validation_drift.csv",
        ],
        "11_validation_report",
    ),
    **dict.fromkeys(
        [
            "retention_kpis.json",
            "retention_logo_cohorts.csv",
            "retention_revenue_cohorts.csv",
            "retention_segments.csv",
            "retention_behaviours.csv",
            "retention_value_bands.csv",
            "retention_mrr_movements.csv",
        ],
        "12_retention_cohorts",
    ),
    **dict.fromkeys(
        [
            "executive_kpis.csv",
            "renewals_at_risk.csv",
            "strategic_accounts.csv",
            "csm_actions.csv",
            "tier_changes.csv",
            "health_movers.csv",
            "health_distribution.csv",
            "health_churn_disagreements.csv",
            "executive_summary.json",
        ],
        "13_executive_summary",
    ),
}


def path(run_dir: str | Path, name: str) -> Path:
    """Where a registered artifact lives in a run folder."""
    if name not in REGISTRY:
        raise KeyError(f"'{name}' is not a registered artifact; add it to helpers.artifacts.REGISTRY")
    return Path(run_dir) / "artifacts" / name


def existing(run_dir: str | Path, name: str) -> Path:
    """An earlier step's artifact, or a clear message: the notebook to run first, or, when the folder's
    run.json says that notebook stepped aside (a run folder, the workbench), why."""
    where = path(run_dir, name)
    if not where.exists():
        record = Path(run_dir) / "run.json"
        steps = json.loads(record.read_text()).get("notebooks", []) if record.exists() else []
        aside = [n["reason"] for n in steps if n["notebook"] == f"{REGISTRY[name]}.ipynb" and n.get("reason")]
        if aside:
            raise FileNotFoundError(f"{where} not found: {REGISTRY[name]} stepped aside on this data: {aside[0]}")
        raise FileNotFoundError(f"{where} not found: run {REGISTRY[name]} first (with the same run_dir)")
    return where


def read(run_dir: str | Path, name: str) -> pd.DataFrame:
    """An earlier step's table (CSV or Parquet)."""
    return _load(existing(run_dir, name))


def read_json(run_dir: str | Path, name: str) -> dict:
    return json.loads(existing(run_dir, name).read_text())


def optional(run_dir: str | Path, name: str) -> pd.DataFrame | None:
    """An earlier step's table when that step has run (or did not step aside), else None."""
    where = path(run_dir, name)
    return _load(where) if where.exists() else None


def previous(previous_run: str | Path, name: str) -> pd.DataFrame | None:
    """A table of last month's run, or None when no previous run was given or it lacks one."""
    return optional(previous_run, name) if str(previous_run) else None


def previous_path(previous_run: str | Path, name: str) -> Path | None:
    """A file of last month's run, or None when no previous run was given or it lacks one."""
    where = path(previous_run, name) if str(previous_run) else None
    return where if where is not None and where.exists() else None


def _load(where: Path) -> pd.DataFrame:
    return pd.read_parquet(where) if where.suffix == ".parquet" else pd.read_csv(where, keep_default_na=True)


def write_csv(df: pd.DataFrame, run_dir: str | Path, name: str) -> Path:
    where = path(run_dir, name)
    df.to_csv(where, index=False, float_format="%.6g", lineterminator="\n")
    return where


def write_json(obj, run_dir: str | Path, name: str) -> Path:
    where = path(run_dir, name)
    where.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")
    return where


def write_text(text: str, run_dir: str | Path, name: str) -> Path:
    where = path(run_dir, name)
    where.write_text(text)
    return where


def write_parquet(df: pd.DataFrame, run_dir: str | Path, name: str) -> Path:
    where = path(run_dir, name)
    df.to_parquet(where, index=False, compression="zstd")
    return where
