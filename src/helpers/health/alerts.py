"""Alerts: what changed enough since last month, or stands badly enough now, to act on.

Rules and thresholds come from the health configuration (``alerts:``); a rule whose
input is missing (no previous run, no seats, no renewal date) simply does not fire.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.health.config import HealthConfig

COLUMNS = ["account_id", "alert", "severity", "detail"]


def evaluate(
    features: pd.DataFrame, scored: pd.DataFrame, config: HealthConfig, previous: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per alert: account_id, alert, severity (warning / critical), detail."""
    a = config.alerts
    df = features.merge(scored[["account_id", "health_score", "tier"]], on="account_id", how="left")
    found = []
    if previous is not None:
        df = df.merge(
            previous[["account_id", "health_score", "tier"]].rename(
                columns={"health_score": "score_before", "tier": "tier_before"}
            ),
            on="account_id",
            how="left",
        )
        drop = df.score_before - df.health_score
        found.append(
            _banded(
                df,
                drop,
                a.score_drop,
                "health score fell",
                lambda r, v: f"{r.score_before:.0f} -> {r.health_score:.0f} ({v:.0f} points) since the last run",
            )
        )
        rank = {t.name: i for i, t in enumerate(sorted(config.tiers, key=lambda t: t.min))}
        fell = df.tier.map(rank) < df.tier_before.map(rank)
        found.append(_rows(df[fell], "tier dropped", "warning", lambda r: f"{r.tier_before} -> {r.tier}"))
    if "usage_velocity_30d" in df:
        found.append(
            _banded(
                df,
                -df.usage_velocity_30d,
                a.usage_drop,
                "usage fell",
                lambda r, v: f"active events {-v:+.0%} month over month",
            )
        )
    if "days_since_login" in df:
        found.append(
            _banded(df, df.days_since_login, a.no_login_days, "no login", lambda r, v: f"no login for {v:.0f}+ days")
        )
    if "seat_utilisation" in df:
        low = df.seat_utilisation < a.seat_utilisation_below
        found.append(_rows(df[low], "seats unused", "warning", lambda r: f"{r.seat_utilisation:.0%} of seats active"))
    if "days_to_renewal" in df:
        risky = (df.days_to_renewal <= a.renewal_within_days) & (df.health_score < a.renewal_health_below)
        found.append(
            _rows(
                df[risky],
                "renewal at risk",
                "critical",
                lambda r: f"renews in {r.days_to_renewal:.0f} days with health {r.health_score:.0f}",
            )
        )
    out = (
        pd.concat([f for f in found if len(f)], ignore_index=True)
        if any(len(f) for f in found)
        else pd.DataFrame(columns=COLUMNS)
    )
    order = {"critical": 0, "warning": 1}
    return out.sort_values(
        ["account_id", "severity", "alert"], key=lambda s: s.map(order) if s.name == "severity" else s, kind="stable"
    ).reset_index(drop=True)[COLUMNS]


def _banded(df, value, bands, alert, words) -> pd.DataFrame:
    warn, crit = bands
    hit = value >= warn
    sub = df[hit.fillna(False)]
    v = value[hit.fillna(False)]
    return pd.DataFrame(
        {
            "account_id": sub.account_id,
            "alert": alert,
            "severity": np.where(v >= crit, "critical", "warning"),
            "detail": [words(r, x) for r, x in zip(sub.itertuples(), v)],
        }
    )


def _rows(sub, alert, severity, words) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": sub.account_id,
            "alert": alert,
            "severity": severity,
            "detail": [words(r) for r in sub.itertuples()],
        }
    )
