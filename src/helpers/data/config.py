"""dataset.yaml: what only the customer knows about their data.

Column renames, the product's event taxonomy, role weights, the churn definition,
the calendar, validation policy, and room for the health-score configuration.
Unknown keys are errors (a typo must not silently fall back to a default), and the
message names the closest valid key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, field_validator

from helpers.errors import DataContractError
from helpers.settings import Strict, read_yaml, validate
from helpers.stats import SMALL_SAMPLE

TABLES = ("accounts", "users", "events", "subscriptions", "csm_labels", "tickets", "nps", "touchpoints", "assessments")


class TableSource(Strict):
    file: str | None = None  # default: <table>.csv / .parquet / <table>/
    columns: dict[str, str] = Field(default_factory=dict)  # their column name -> ours


def check_mapping(table: str, renames: dict[str, str], found, path: Path) -> None:
    """Every column ``tables.<table>.columns`` maps must exist in the table's file, else a
    ``DataContractError`` naming the file, the mapping and the columns the file has."""
    found = [c for c in found if c != "file_row_number"]
    absent = [c for c in renames if c not in found]
    if absent:
        raise DataContractError(
            f"dataset.yaml: tables.{table}.columns maps '{absent[0]}' to '{renames[absent[0]]}', but {path.name} "
            f"has no column '{absent[0]}' (its columns: {', '.join(found)}); expected one of those"
        )


class Tables(Strict):
    accounts: TableSource = TableSource()
    users: TableSource = TableSource()
    events: TableSource = TableSource()
    subscriptions: TableSource = TableSource()
    csm_labels: TableSource = TableSource()
    tickets: TableSource = TableSource()
    nps: TableSource = TableSource()
    touchpoints: TableSource = TableSource()
    assessments: TableSource = TableSource()


class Features(Strict):
    core: list[str] = Field(default_factory=list)
    expansion: list[str] = Field(default_factory=list)
    advanced: list[str] = Field(default_factory=list)


class Taxonomy(Strict):
    session_event: str | None = None  # a login / session start; counted for login frequency
    active_events: list[str] | None = None  # None: every event counts as activity
    features: Features = Features()
    asset_creation: list[str] = Field(default_factory=list)
    collaboration: list[str] = Field(default_factory=list)

    def named_events(self) -> set[str]:
        f = self.features
        names = [
            *(self.active_events or []),
            *f.core,
            *f.expansion,
            *f.advanced,
            *self.asset_creation,
            *self.collaboration,
        ]
        return set(names) | ({self.session_event} if self.session_event else set())


class Roles(Strict):
    weights: dict[str, float] = Field(default_factory=dict)
    default_weight: float = 1.0


class Churn(Strict):
    grace_days: int = Field(30, ge=0)  # a gap this short between subscriptions is not churn
    # "churn within N days after the snapshot"; unset: 90, or 28 under a year of events (snapshots.cadence)
    outcome_window_days: int | None = Field(None, gt=0)


class Billing(Strict):
    # Which day a subscription's end_date names: billing systems differ. "auto" reads it from
    # back-to-back renewals (next start_date on the end_date, or the day after).
    end_date: Literal["auto", "last_paid_day", "first_unpaid_day"] = "auto"


class Touchpoints(Strict):
    # Which touchpoint kinds are CSM meetings (case-insensitive): the health score's "meetings held"
    # counts only these; emails, notes and the like are left out, and notebook 00 says which were.
    meeting_kinds: list[str] = Field(
        default_factory=lambda: [
            "meeting", "call", "check_in", "check-in", "qbr", "ebr", "onboarding", "kickoff", "review",
            "visit", "workshop", "training", "demo",
        ]
    )  # fmt: skip

    def is_meeting(self, kind: pd.Series) -> pd.Series:
        """Which touchpoints are CSM meetings (their kind in meeting_kinds, case and spaces aside)."""
        return kind.astype(str).str.strip().str.lower().isin([k.lower() for k in self.meeting_kinds])


class Calendar(Strict):
    fiscal_year_start_month: int = Field(1, ge=1, le=12)
    week_starts_on: Literal["monday", "sunday"] = "monday"


class Validation(Strict):
    orphan_events: Literal["error", "drop"] = "error"  # events whose user is not in users


class CustomMeasure(Strict):
    """An extra measure for the dimensional space (notebook 03), without code."""

    name: str
    kind: Literal["frequency", "intensity", "share", "rate", "adoption"]
    events: list[str] = Field(min_length=1)
    description: str = ""


class Targets(Strict):
    """The company's goals for the executive summary (seed 001's benchmarks by default)."""

    grr: float = Field(0.90, gt=0)  # at least
    nrr: float = Field(1.05, gt=0)  # at least
    logo_retention: float = Field(0.90, gt=0, le=1)  # at least
    expansion_rate: float = Field(0.15, ge=0, le=1)  # at least
    at_risk_arr_share: float = Field(0.15, ge=0, le=1)  # at most
    average_health: float = Field(70, ge=0, le=100)  # at least


class Report(Strict):
    """The executive summary's settings (renewals at risk follow the health configuration's alert rule)."""

    targets: Targets = Targets()
    at_risk_health_below: float = Field(50, ge=0, le=100)  # at-risk ARR: accounts scoring under this
    strategic_accounts: int = Field(20, gt=0)  # the top N by ARR
    arr_bands: list[float] = Field(default_factory=lambda: [5000, 20000, 50000, 100000])  # ascending edges
    min_cohort_size: int = Field(SMALL_SAMPLE, gt=0)  # smaller cohorts are shown with a warning

    @field_validator("arr_bands")
    @classmethod
    def _ascending(cls, edges: list[float]) -> list[float]:
        if any(b <= a for a, b in zip(edges, edges[1:])) or any(e <= 0 for e in edges):
            raise ValueError(f"ARR band edges must be positive and ascending, got {edges}")
        return edges


class DatasetConfig(Strict):
    name: str = "unnamed dataset"
    description: str = ""
    tables: Tables = Tables()
    taxonomy: Taxonomy = Taxonomy()
    roles: Roles = Roles()
    churn: Churn = Churn()
    billing: Billing = Billing()
    touchpoints: Touchpoints = Touchpoints()
    calendar: Calendar = Calendar()
    validation: Validation = Validation()
    measures: list[CustomMeasure] = Field(default_factory=list)  # added to the generated catalogue
    health: dict[str, Any] = Field(default_factory=dict)  # health-score configuration (notebook 09)
    report: Report = Report()  # targets and lists of the monthly report (12, 13)


def load_config(path: str | Path) -> DatasetConfig:
    path = Path(path)
    if not path.exists():
        return DatasetConfig()
    return validate(DatasetConfig, read_yaml(path), str(path))
