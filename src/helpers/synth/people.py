"""Users, their latent expertise, and the CSMs' judgement of them.

Each user belongs to one of three true tiers (expert, intermediate, beginner);
within a tier, a continuous latent skill varies and the tiers overlap a little.
Roles shift the odds (admins and analysts are more often experts, interns less).
CSMs label a minority of users, favouring visible roles, and get about one label
in ten wrong; those mistakes are written to truth/ so tests can measure them. The share
of experts, of wrong labels and the lean to visible roles are knobs (``synth.difficulty``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ROLES = ("executive", "admin", "manager", "analyst", "member", "viewer", "intern")
ROLE_SHARE = (0.04, 0.08, 0.12, 0.24, 0.32, 0.12, 0.08)
# P(expert), P(intermediate) per role; the rest are beginners.
ROLE_TIER_ODDS = {
    "executive": (0.10, 0.45),
    "admin": (0.45, 0.40),
    "manager": (0.22, 0.50),
    "analyst": (0.35, 0.45),
    "member": (0.15, 0.50),
    "viewer": (0.05, 0.35),
    "intern": (0.05, 0.30),
}
TIER_SKILL = {"expert": (1.6, 0.45), "intermediate": (0.0, 0.45), "beginner": (-1.4, 0.45)}
LABEL_VISIBILITY = {
    "executive": 2.5,
    "admin": 3.0,
    "manager": 2.5,
    "analyst": 2.0,
    "member": 1.0,
    "viewer": 0.4,
    "intern": 0.3,
}
LABEL_ERROR_RATE = 0.10
CHAMPION_LOSS_SHARE = 0.35  # share of declining churners who lose their most expert user


def tier_odds(expert_share: float | None = None) -> dict[str, tuple[float, float]]:
    """P(expert), P(intermediate) per role: the roles' own odds, or scaled so that ``expert_share``
    of all users are experts (the other tiers keep their ratio within each role)."""
    if expert_share is None:
        return ROLE_TIER_ODDS
    now = sum(s * ROLE_TIER_ODDS[r][0] for r, s in zip(ROLES, ROLE_SHARE))
    out = {}
    for role, (pe, pi) in ROLE_TIER_ODDS.items():
        new = min(pe * expert_share / now, 0.9)
        out[role] = (new, pi * (1 - new) / (1 - pe))
    return out


def make_users(
    rng: np.random.Generator,
    accounts: pd.DataFrame,
    n_days: int,
    expert_share: float | None = None,
    coupling: float = 1.0,
) -> pd.DataFrame:
    """``coupling`` (``Product.health_coupling``): how much of the account's fate its users show. At 1,
    late joiners arrive over its actual life and some churners lose their champion as they decline; at 0,
    joiners come over the whole history (none after the churn) and no champion leaves early."""
    odds = tier_odds(expert_share)
    rows = []
    for acc in accounts.itertuples():
        util = rng.uniform(0.55, 0.95)
        n = max(1, round(acc.seats0 * util))
        roles = rng.choice(ROLES, size=n, p=ROLE_SHARE)
        for r in roles:
            pe, pi = odds[r]
            tier = rng.choice(("expert", "intermediate", "beginner"), p=(pe, pi, 1 - pe - pi))
            mu, sd = TIER_SKILL[tier]
            fate = n_days if pd.isna(acc.churn_day) else int(acc.churn_day)
            life_end = round(n_days - coupling * (n_days - fate))
            late = rng.random() < 0.3  # joined after the account started
            created = acc.start_day + rng.integers(0, max(1, life_end - acc.start_day - 14) if late else 21)
            left = n_days
            if rng.random() < 0.08:  # ordinary turnover
                left = int(created + rng.integers(90, 720))
            rows.append(
                dict(
                    account_idx=acc.idx,
                    account_id=acc.account_id,
                    role=r,
                    tier=tier,
                    skill=rng.normal(mu, sd),
                    created_day=int(min(created, n_days - 1)),
                    left_day=int(min(left, n_days)),
                )
            )
    users = pd.DataFrame(rows)
    users.insert(0, "user_id", [f"U{i + 1:06d}" for i in range(len(users))])
    return _champion_departures(rng, users, accounts, CHAMPION_LOSS_SHARE * coupling)


def _champion_departures(rng, users, accounts, share):
    """Some churners lose their strongest user as the decline starts (seed 001's top risk factor)."""
    losing = accounts[accounts.decline_start.notna() & ~accounts.silent]
    for acc in losing.itertuples():
        if rng.random() >= share:
            continue
        members = users.index[users.account_idx == acc.idx]
        champion = users.loc[members, "skill"].idxmax()
        users.loc[champion, "left_day"] = min(users.loc[champion, "left_day"], int(acc.decline_start))
    return users


def make_labels(
    rng: np.random.Generator,
    users: pd.DataFrame,
    accounts: pd.DataFrame,
    share: float,
    n_days: int,
    noise: float = LABEL_ERROR_RATE,
    role_bias: float = 1.0,
) -> pd.DataFrame:
    """CSM judgements of experts and intermediates; beginners are rarely put forward at all.

    ``noise`` of the labels are wrong; ``role_bias`` is the exponent on each role's visibility
    in the choice of whom to label (``synth.difficulty``)."""
    csm = accounts.set_index("idx")["csm"]
    human = csm.reindex(users.account_idx).to_numpy() != "Digital Success"
    visibility = users.role.map(LABEL_VISIBILITY).to_numpy()
    weight = (visibility if role_bias == 1.0 else visibility**role_bias) * human
    weight *= np.where(users.tier == "beginner", 0.15, 1.0)
    weight *= np.where(users.tier == "expert", 1.8, 1.0)  # CSMs put their champions forward
    n = min(round(share * len(users)), int((weight > 0).sum()))
    pick = rng.choice(len(users), size=n, replace=False, p=weight / weight.sum())
    chosen = users.iloc[np.sort(pick)]
    truth = np.where(chosen.tier == "expert", "expert", "intermediate")
    wrong = rng.random(n) < noise
    label = np.where(wrong, np.where(truth == "expert", "intermediate", "expert"), truth)
    days = np.clip(n_days - rng.integers(45, 400, size=n), chosen.created_day.to_numpy() + 30, n_days - 31)
    return pd.DataFrame(
        {
            "user_id": chosen.user_id.to_numpy(),
            "label": label,
            "labeled_by": csm.reindex(chosen.account_idx).to_numpy(),
            "labeled_day": days,
            "label_correct": ~wrong,
        }
    )
