"""Alerts: what changed enough since last month, or stands badly enough now, to act on.

Rules and thresholds come from the health configuration (``alerts:``); a rule whose
input is missing (no previous run, no seats, no renewal date) simply does not fire.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.health.config import HealthConfig

COLUMNS = ["alert", "severity", "detail"]  # after the id column (the configuration's id_column)
# The account features the rules read besides the score (a previous run's score and tier for the drops).
RULE_INPUTS = ("usage_velocity_30d", "days_since_login", "seat_utilisation", "days_to_renewal")


def gap(features: pd.DataFrame, previous: pd.DataFrame | None = None) -> str:
    """Why no alert rule can fire ('' when one can): no previous run for score and tier drops, and none
    of the features the other rules read (a flat table usually has none of them)."""
    if previous is not None or any(c in features for c in RULE_INPUTS):
        return ""
    return (
        "no alert rule applies: score and tier drops need a previous run (--previous), and the other rules "
        f"read {', '.join(RULE_INPUTS)}, none of which is a column here"
    )


def evaluate(
    features: pd.DataFrame, scored: pd.DataFrame, config: HealthConfig, previous: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per alert: the account's id (``config.id_column``), alert, severity (warning / critical), detail."""
    a, key = config.alerts, config.id_column
    df = features.merge(scored[[key, "health_score", "tier"]], on=key, how="left")
    found = []
    if previous is not None:
        df = df.merge(
            previous[[key, "health_score", "tier"]].rename(
                columns={"health_score": "score_before", "tier": "tier_before"}
            ),
            on=key,
            how="left",
        )
        drop = df.score_before - df.health_score
        found.append(
            _banded(
                df,
                key,
                drop,
                a.score_drop,
                "health score fell",
                lambda r, v: f"{r.score_before:.0f} -> {r.health_score:.0f} ({v:.0f} points) since the last run",
            )
        )
        rank = {t.name: i for i, t in enumerate(sorted(config.tiers, key=lambda t: t.min))}
        fell = df.tier.map(rank) < df.tier_before.map(rank)
        found.append(_rows(df[fell], key, "tier dropped", "warning", lambda r: f"{r.tier_before} -> {r.tier}"))
    if "usage_velocity_30d" in df:
        found.append(
            _banded(
                df,
                key,
                -df.usage_velocity_30d,
                a.usage_drop,
                "usage fell",
                lambda r, v: f"active events {-v:+.0%} month over month",
            )
        )
    if "days_since_login" in df:
        found.append(
            _banded(
                df, key, df.days_since_login, a.no_login_days, "no login", lambda r, v: f"no login for {v:.0f}+ days"
            )
        )
    if "seat_utilisation" in df:
        low = df.seat_utilisation < a.seat_utilisation_below
        found.append(
            _rows(df[low], key, "seats unused", "warning", lambda r: f"{r.seat_utilisation:.0%} of seats active")
        )
    if "days_to_renewal" in df:
        risky = (df.days_to_renewal <= a.renewal_within_days) & (df.health_score < a.renewal_health_below)
        found.append(
            _rows(
                df[risky],
                key,
                "renewal at risk",
                "critical",
                lambda r: f"renews in {r.days_to_renewal:.0f} days with health {r.health_score:.0f}",
            )
        )
    out = (
        pd.concat([f for f in found if len(f)], ignore_index=True)
        if any(len(f) for f in found)
        else pd.DataFrame(columns=[key, *COLUMNS])
    )
    order = {"critical": 0, "warning": 1}
    return out.sort_values(
        [key, "severity", "alert"], key=lambda s: s.map(order) if s.name == "severity" else s, kind="stable"
    ).reset_index(drop=True)[[key, *COLUMNS]]


def _banded(df, key, value, bands, alert, words) -> pd.DataFrame:
    """Rows whose ``value`` reaches the warning band (critical from the second), keyed by ``df[key]``."""
    warn, crit = bands
    hit = (value >= warn).fillna(False)
    sub, v = df[hit], value[hit]
    return pd.DataFrame(
        {
            key: sub[key],
            "alert": alert,
            "severity": np.where(v >= crit, "critical", "warning"),
            "detail": [words(r, x) for r, x in zip(sub.itertuples(), v)],
        }
    )


def _rows(sub, key, alert, severity, words) -> pd.DataFrame:
    return pd.DataFrame(
        {
            key: sub[key],
            "alert": alert,
            "severity": severity,
            "detail": [words(r) for r in sub.itertuples()],
        }
    )
