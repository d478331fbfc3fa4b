"""The account's voice outside the product: support tickets, NPS, CSM touchpoints, assessments.

All follow the same latent health as the product activity, and all turn during a
churner's decline: tickets rise and escalate, NPS falls, meetings get cancelled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .accounts import SEGMENT_SPECS


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _active_days(accounts, a):
    return np.nonzero(accounts.engagement[a] > 0)[0]


def make_tickets(rng, accounts, users) -> pd.DataFrame:
    rows = []
    seats = accounts.table.seats0.to_numpy()
    for a in range(len(accounts.table)):
        days = _active_days(accounts, a)
        h, dec = accounts.health[a, days], accounts.decline[a, days]
        rate = 0.012 * np.sqrt(seats[a]) * np.exp(-0.45 * h) * (1 + 2.5 * dec)
        hit = days[rng.random(days.size) < rate]
        for d in hit:
            dcl = accounts.decline[a, d]
            priority = rng.choice(["low", "normal", "high", "urgent"], p=[0.3, 0.45, 0.18, 0.07])
            escalated = rng.random() < 0.04 + 0.25 * dcl + 0.1 * (priority == "urgent")
            resolve = rng.exponential({"low": 5, "normal": 3, "high": 1.5, "urgent": 0.8}[priority] * (1 + dcl))
            csat = np.clip(round(4.2 + 0.5 * accounts.health[a, d] - 1.8 * dcl + rng.normal(0, 0.7)), 1, 5)
            rows.append(
                dict(
                    idx=a,
                    opened=d + rng.uniform(0.3, 0.8),
                    resolve_days=resolve,
                    priority=priority,
                    escalated=bool(escalated),
                    csat=int(csat),
                )
            )
    t = pd.DataFrame(rows).sort_values(["opened", "idx"], kind="stable").reset_index(drop=True)
    t.insert(0, "ticket_id", [f"T{i + 1:07d}" for i in range(len(t))])
    return t


def make_nps(rng, accounts, users) -> pd.DataFrame:
    """A survey wave each quarter; a few users of each live account answer."""
    rows = []
    n_days = accounts.health.shape[1]
    by_account = users.groupby("account_idx").user_id.agg(list)
    for wave in range(45, n_days, 91):
        live = np.nonzero(accounts.engagement[:, wave] > 0)[0]
        for a in live:
            if rng.random() > 0.55 or a not in by_account.index:
                continue
            for uid in rng.choice(by_account[a], size=min(len(by_account[a]), rng.integers(1, 4)), replace=False):
                day = wave + int(rng.integers(0, 14))
                if day >= n_days:
                    continue
                score = 7.4 + 1.6 * accounts.health[a, day] - 4.5 * accounts.decline[a, day] + rng.normal(0, 1.6)
                rows.append(
                    dict(idx=a, user_id=uid, day=day + rng.uniform(0.3, 0.9), score=int(np.clip(round(score), 0, 10)))
                )
    return pd.DataFrame(rows).sort_values(["day", "idx"], kind="stable").reset_index(drop=True)


def make_touchpoints(rng, accounts) -> pd.DataFrame:
    """CSM meetings at the segment's cadence, plus onboarding; a sinking account cancels more."""
    rows = []
    for acc in accounts.table.itertuples():
        every = SEGMENT_SPECS[acc.segment].touch_days
        if not every:
            continue
        days = _active_days(accounts, acc.idx)
        for d in days[::every]:
            h, dcl = accounts.health[acc.idx, d], accounts.decline[acc.idx, d]
            kind = (
                "onboarding"
                if d - days[0] < 45
                else ("qbr" if (d - days[0]) % 90 < every and acc.segment == "Enterprise" else "check_in")
            )
            held = rng.random() < _sigmoid(2.2 + 0.8 * h - 4.0 * dcl)
            status = "held" if held else rng.choice(["cancelled", "no_show"], p=[0.65, 0.35])
            rows.append(dict(idx=acc.idx, day=int(d + rng.integers(0, 5)), kind=kind, status=status))
    return pd.DataFrame(rows).sort_values(["day", "idx"], kind="stable").reset_index(drop=True)


ASSESSMENT_ITEMS = ("executive_relationship", "poc_relationship", "org_breadth", "product_satisfaction")


def make_assessments(rng, accounts) -> pd.DataFrame:
    """Quarterly 1-10 CSM ratings (seed 003's relationship family), high-touch segments only."""
    rows = []
    for acc in accounts.table.itertuples():
        if acc.segment not in ("Enterprise", "Mid-Market"):
            continue
        days = _active_days(accounts, acc.idx)
        for d in days[30::91]:
            h, dcl = accounts.health[acc.idx, d], accounts.decline[acc.idx, d]
            row = dict(idx=acc.idx, day=int(d))
            for item in ASSESSMENT_ITEMS:
                row[item] = int(np.clip(round(6.5 + 1.4 * h - 3.0 * dcl + rng.normal(0, 1.1)), 1, 10))
            rows.append(row)
    return pd.DataFrame(rows).sort_values(["day", "idx"], kind="stable").reset_index(drop=True)
