"""What notebook 13 reads: this month's artifacts, the same figures a period earlier, and last month's run.

The previous period's health comes from last month's run when ``previous_run`` is given
(what the VP was shown); otherwise from notebook 09, which scores last month too, from the
data as it stood then, with the same configuration and expert model (``health.stability``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers import artifacts, text
from helpers.churn import model as churn_model
from helpers.data import contract
from helpers.data.config import Report
from helpers.data.subscriptions import mrr_at
from helpers.health import features as account_features
from helpers.health import inputs as health_inputs
from helpers.health.config import Alerts, Tier
from helpers.report import executive
from helpers.retention import revenue as retention


@dataclass
class ExecutiveInputs:
    ds: contract.Dataset
    settings: Report
    renewal_rule: Alerts  # the health configuration's alert rule for renewals at risk
    tiers: list[Tier]  # the configured health tiers: names, order, risk and colour
    now: pd.DataFrame  # executive.portfolio at as_of
    before: pd.DataFrame  # the previous period's account_id, health_score, tier, arr
    before_source: str
    kpis_now: dict
    kpis_before: dict
    alerts: pd.DataFrame | None
    alert_changes: pd.DataFrame | None  # notebook 09's, against last month's run
    tag_transitions: pd.DataFrame | None  # notebook 07's (absent when the expert steps stepped aside)
    urgent_bands: list[str]  # the churn model's risk bands that call for action (none without a model)
    tier_margin: float  # points past a tier line before a one-month move changes the tier (health.stability)

    @property
    def tier_order(self) -> list[str]:
        return [t.name for t in self.tiers]


def load(dataset: str, as_of: str, run_dir: Path, previous_run: str = "") -> ExecutiveInputs:
    ds = contract.load_dataset(dataset, as_of)
    config, _ = health_inputs.config_for(ds, run_dir=run_dir)
    subs = ds.tables["subscriptions"]
    health = artifacts.read(run_dir, "account_health.csv")
    now = executive.portfolio(
        health,
        ds.tables["accounts"],
        subs,
        ds.as_of,
        artifacts.optional(run_dir, "churn_scores.csv"),
        account_features.days_to_renewal(ds),
    )
    t_before = retention.month_before(ds.as_of)
    before = artifacts.previous(previous_run, "account_health.csv")
    if before is not None:
        source = f"last month's run ({Path(previous_run).name})"
    else:  # notebook 09 scored last month too, from the data as it stood then (health.stability)
        before = artifacts.read(run_dir, "account_health_last_month.csv")
        source = f"recomputed from the data as it stood on {text.day(t_before)}"
    before = before[["account_id", "health_score", "tier"]].assign(
        arr=lambda d: (12 * d.account_id.map(mrr_at(subs, t_before))).fillna(0)
    )
    now = executive.with_change(now, before)
    return ExecutiveInputs(
        ds,
        ds.config.report,
        config.alerts,
        config.tiers,
        now,
        before,
        source,
        retention.trailing_year(subs, ds.as_of),
        retention.trailing_year(subs, t_before),
        artifacts.optional(run_dir, "alerts.csv"),
        artifacts.optional(run_dir, "alert_changes.csv"),
        _tag_transitions(run_dir),
        _urgent_bands(run_dir),
        config.tier_margin,
    )


def _tag_transitions(run_dir: Path) -> pd.DataFrame | None:
    table = artifacts.optional(run_dir, "tag_transitions.csv")
    return (
        table.set_index("tag_before").rename_axis(index="last month", columns="this month")
        if table is not None
        else None
    )


def _urgent_bands(run_dir: Path) -> list[str]:
    """The riskiest of the bands notebook 10 scored with (its model card's risk_bands)."""
    card = artifacts.path(run_dir, "churn_model.json")
    return churn_model.urgent_bands(json.loads(card.read_text())["risk_bands"].items()) if card.exists() else []
