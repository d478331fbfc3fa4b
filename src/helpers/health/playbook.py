"""Recommended action, owner and SLA per account: the tier's escalation step, or a signal combination.

Seed 001: a usage decline alone calls for enablement; with declining engagement it
calls for an executive; with rising support load it is an immediate escalation. The
signals and rules are configuration (``signals:``, ``playbook:``); an account takes
the rule of highest risk that matches, unless its tier calls for more (at equal
risk the combination wins: it says what to do).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from helpers.health.config import HealthConfig

# An account with no value in any sub-metric has no score and no tier: its first step is to find out why.
UNSCORED = (-1, "no data to score: check its tracking", "CSM", "weekly review")


def signals(features: pd.DataFrame, config: HealthConfig) -> pd.DataFrame:
    """One boolean column per configured signal (a missing metric never switches a signal on)."""
    out = pd.DataFrame(index=features.index)
    for name, conditions in config.signals.items():
        on = pd.Series(False, index=features.index)
        for c in conditions:
            if c.metric not in features:
                continue
            v = pd.to_numeric(features[c.metric], errors="coerce")
            hit = pd.Series(True, index=features.index)
            if c.at_most is not None:
                hit &= v <= c.at_most
            if c.at_least is not None:
                hit &= v >= c.at_least
            on |= hit.fillna(False)
        out[name] = on
    return out


def recommend(features: pd.DataFrame, scored: pd.DataFrame, config: HealthConfig) -> pd.DataFrame:
    """scored + recommended_action, owner, sla, signals (the signals that are on); an account with no score
    (no sub-metric has a value) is to be looked into (``UNSCORED``), unless a signal rule calls for more."""
    tiers = {t.name: t for t in config.tiers}
    on = signals(features.reset_index(drop=True), config)
    rows = []
    for i, tier_name in enumerate(scored.tier.reset_index(drop=True)):
        tier = tiers.get(tier_name) if isinstance(tier_name, str) else None
        best = (tier.risk, tier.priority, tier.owner, tier.sla) if tier else UNSCORED
        for rule in sorted(config.playbook, key=lambda r: -r.risk):
            if rule.risk >= best[0] and all(on.at[i, s] for s in rule.when):
                best = (rule.risk, rule.action, rule.owner, rule.sla)
                break
        active = [s for s in on.columns if on.at[i, s]]
        rows.append({"recommended_action": best[1], "owner": best[2], "sla": best[3], "signals": ", ".join(active)})
    extra = pd.DataFrame(rows, index=scored.index)
    if "csm" in features:
        csm = features.set_index(config.id_column).csm
        extra["owner"] = [
            f"{o} ({csm.get(a, 'unassigned')})" if "CSM" in o else o
            for o, a in zip(extra.owner, scored[config.id_column])
        ]
    return pd.concat([scored, extra], axis=1)


SLA_UNITS = {"hour": 1 / 24, "day": 1, "week": 7, "month": 30}
SLA_WORDS = {"daily": 1, "weekly": 7, "monthly": 30, "quarterly": 91}


def sla_days(sla: str) -> float | None:
    """How long an SLA gives, in days: 'within 48 hours' -> 2, 'outreach within 1 week' -> 7,
    'monthly review' -> 30; None when the text names no time (the due date is then left blank)."""
    words = str(sla).lower()
    match = re.search(r"(\d+(?:\.\d+)?)\s*(hour|day|week|month)s?\b", words)
    if match:
        return float(match.group(1)) * SLA_UNITS[match.group(2)]
    return next((days for word, days in SLA_WORDS.items() if re.search(rf"\b{word}\b", words)), None)


def due_dates(sla: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """The day each SLA falls due, counted from as_of (the report's date); NaT where it names no time."""
    days = np.ceil(sla.map(sla_days).astype(float))  # "within 48 hours" of the 31st is due on the 2nd
    return as_of.normalize() + pd.to_timedelta(days, unit="D")
