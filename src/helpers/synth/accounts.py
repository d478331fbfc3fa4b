"""Accounts and their lives: segment, latent health, renewals, churn, seat changes.

Everything is in whole days since the history start. Churn is decided at each
renewal point from the account's latent health at that time; a churner's
engagement then declines over the 60-120 days before it leaves (the planted
leading signal), except for a minority of "silent" churners who give no warning.
A product may hide all of that from usage and the account's voice (``Accounts.seen``)
and make every segment alike in churn (``segment_specs``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

SEGMENTS = ("Enterprise", "Mid-Market", "SMB", "Startup")


@dataclass(frozen=True)
class SegmentSpec:
    share: float
    seats: tuple[int, int]  # initial seats, uniform range
    price: float  # monthly price per seat
    health_mean: float  # mean latent health
    churn_logit: float  # log-odds of leaving at a renewal for an average account
    monthly_billing: float  # share of accounts billed month to month
    touch_days: int  # days between CSM touchpoints (0: none)


SEGMENT_SPECS = {
    "Enterprise": SegmentSpec(0.12, (40, 140), 75.0, 0.35, -2.9, 0.0, 30),
    "Mid-Market": SegmentSpec(0.26, (14, 55), 55.0, 0.15, -2.3, 0.0, 45),
    "SMB": SegmentSpec(0.34, (5, 20), 40.0, 0.0, -1.9, 0.3, 90),
    "Startup": SegmentSpec(0.28, (2, 9), 30.0, -0.15, -1.5, 1.0, 0),
}
MONTHLY_HAZARD_SCALE = 1 / 9  # a monthly renewal is a far smaller decision than an annual one
HEALTH_EFFECT = 1.7  # how strongly latent health drives churn (log-odds per sd)
DECLINE_FADE = 0.8  # share of engagement gone by the end of the pre-churn decline
SILENT_CHURN_SHARE = 0.12
REACTIVATION_SHARE = 0.08
INDUSTRIES = ("Software", "Retail", "Finance", "Healthcare", "Manufacturing", "Education", "Media")


@dataclass
class Accounts:
    table: pd.DataFrame  # one row per account, internal columns
    health: np.ndarray  # (accounts, days) latent health
    engagement: np.ndarray  # (accounts, days) multiplier 0..1: decline before churn, 0 when gone
    decline: np.ndarray  # (accounts, days) 0..1 progress of the pre-churn decline
    subscriptions: pd.DataFrame  # canonical subscription periods (days)

    def seen(self, coupling: float) -> Accounts:
        """The account as its usage, tickets, NPS, meetings and CSM ratings show it: latent health and
        the pre-churn decline scaled by ``coupling`` (1: all of it; 0: only whether it is live)."""
        if coupling == 1.0:
            return self
        decline = self.decline * np.float32(coupling)
        engagement = (self.engagement > 0) * _fade(decline)
        return replace(self, health=self.health * np.float32(coupling), engagement=engagement, decline=decline)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _fade(decline):
    return 1.0 - DECLINE_FADE * decline


def segment_specs(churn_logit: float | None = None) -> dict[str, SegmentSpec]:
    """Each segment's own health level, churn odds and billing, or (given ``churn_logit``, the log-odds
    of leaving at an annual renewal) the same for every segment, so that size tells nothing of churn."""
    if churn_logit is None:
        return SEGMENT_SPECS
    monthly = sum(v.share * v.monthly_billing for v in SEGMENT_SPECS.values())
    flat = dict(health_mean=0.0, churn_logit=churn_logit, monthly_billing=monthly)
    return {k: replace(v, **flat) for k, v in SEGMENT_SPECS.items()}


def make_accounts(
    rng: np.random.Generator,
    n_accounts: int,
    n_days: int,
    seat_scale: float,
    monthly_only: bool = False,
    specs: dict[str, SegmentSpec] = SEGMENT_SPECS,
    coupling: float = 1.0,
) -> Accounts:
    """``specs``: the segments (``segment_specs``); ``coupling``: how much health moves seats."""
    seg_names = np.array(SEGMENTS)
    seg = rng.choice(seg_names, size=n_accounts, p=[SEGMENT_SPECS[s].share for s in SEGMENTS])
    # Growth: more accounts signed recently; every account has at least 60 days of history.
    start = np.sort(np.floor(rng.power(1.3, n_accounts) * (n_days - 60)).astype(int))
    health = _health_paths(rng, seg, n_days, specs)
    rows, subs = [], []
    engagement = np.zeros((n_accounts, n_days), dtype=np.float32)
    decline = np.zeros((n_accounts, n_days), dtype=np.float32)
    n_csm = max(2, round(n_accounts / 30))
    csms = np.array([f"CSM {i + 1:02d}" for i in range(n_csm)])
    for a in range(n_accounts):
        spec = specs[seg[a]]
        monthly = (rng.random() < spec.monthly_billing) or monthly_only  # the draw is kept: same seed, same rest
        seats0 = max(1, round(rng.integers(spec.seats[0], spec.seats[1] + 1) * seat_scale))
        life = _live(rng, health[a], start[a], n_days, spec, monthly)
        for lo, hi in life["active"]:
            engagement[a, lo:hi] = 1.0
        if life["churn_day"] is not None and not life["silent"]:
            d0, d1 = life["decline_start"], life["churn_day"]
            ramp = (np.arange(d0, d1) - d0) / max(1, d1 - d0)
            decline[a, d0:d1] = ramp
            engagement[a, d0:d1] *= _fade(ramp)
        subs += _subscription_rows(rng, a, life, seats0, spec, monthly, coupling * health[a], n_days)
        rows.append(
            dict(
                idx=a,
                account_id=f"A{a + 1:05d}",
                segment=seg[a],
                start_day=int(start[a]),
                monthly=monthly,
                seats0=seats0,
                csm=csms[rng.integers(n_csm)] if spec.touch_days else "Digital Success",
                industry=INDUSTRIES[rng.integers(len(INDUSTRIES))],
                churn_day=life["churn_day"],
                decline_start=life["decline_start"],
                silent=life["silent"],
                reactivated_day=life["reactivated_day"],
            )
        )
    return Accounts(pd.DataFrame(rows), health, engagement, decline, pd.DataFrame(subs))


def _health_paths(rng, seg, n_days, specs):
    """Monthly AR(1) walk around each account's own level, held constant within a month."""
    n_months = n_days // 30 + 1
    level = np.array([specs[s].health_mean for s in seg]) + rng.normal(0, 0.9, len(seg))
    h = np.empty((len(seg), n_months))
    h[:, 0] = level + rng.normal(0, 0.4, len(seg))
    for m in range(1, n_months):
        h[:, m] = level + 0.85 * (h[:, m - 1] - level) + rng.normal(0, 0.35, len(seg))
    return np.repeat(h, 30, axis=1)[:, :n_days].astype(np.float32)


def _live(rng, health, start, n_days, spec, monthly):
    """Walk renewal points; the first 'no' is the churn. A few churners come back later."""
    step = 30 if monthly else 365
    logit = spec.churn_logit + (np.log(MONTHLY_HAZARD_SCALE) if monthly else 0.0)
    life = dict(active=[], churn_day=None, decline_start=None, silent=False, reactivated_day=None)
    day = start + step
    while day < n_days:
        if rng.random() < _sigmoid(logit - HEALTH_EFFECT * health[day - 1]):
            life["churn_day"] = int(day)
            break
        day += step
    if life["churn_day"] is None:
        life["active"] = [(start, n_days)]
        return life
    churn = life["churn_day"]
    life["active"] = [(start, churn)]
    life["silent"] = bool(rng.random() < SILENT_CHURN_SHARE)
    life["decline_start"] = int(max(start, churn - rng.integers(60, 121)))
    back = churn + int(rng.integers(90, 300))
    if rng.random() < REACTIVATION_SHARE and back < n_days - 30:
        life["reactivated_day"] = back
        life["active"].append((back, n_days))
    return life


def _subscription_rows(rng, a, life, seats0, spec, monthly, health, n_days):
    """Periods of constant seats and MRR; seat changes follow health (expansions when healthy)."""
    rows = []
    for k, (lo, hi) in enumerate(life["active"]):
        seats, day = seats0, lo
        churned = k == 0 and life["churn_day"] is not None
        term = 30 if monthly else 365
        # Contract end: for annual plans the term end is known at signing; monthly plans run until cancelled.
        last_end = hi if churned else (None if monthly else lo + term * ((n_days - lo) // term + 1))
        for cd in [*_seat_change_days(rng, lo, hi), None]:
            end = cd if cd is not None else last_end
            price = spec.price * (0.9 + 0.2 * ((a * 7919) % 100) / 100)
            rows.append(
                dict(
                    idx=a,
                    start_day=day,
                    end_day=end,
                    seats=seats,
                    mrr=round(seats * price, 2),
                    billing="monthly" if monthly else "annual",
                )
            )
            if cd is None:
                break
            grow = rng.random() < _sigmoid(1.2 * health[min(cd, n_days - 1)] + 0.2)
            factor = rng.uniform(1.1, 1.5) if grow else rng.uniform(0.7, 0.9)
            seats, day = max(1, round(seats * factor)), cd
    return rows


def _seat_change_days(rng, lo, hi):
    """About 0.6 seat changes a year, never in the first month."""
    if hi - lo <= 60:
        return []
    n = rng.poisson(0.6 * (hi - lo) / 365)
    return sorted({int(d) for d in lo + rng.integers(30, hi - lo, size=n)})
