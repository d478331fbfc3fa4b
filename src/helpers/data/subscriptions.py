"""What happened to each account: subscription spells, churn and the known-outcome rule.

Subscriptions separated by no more than ``churn.grace_days`` are one spell (a late
renewal is not churn). A spell that ends is a churn on its end date. An outcome is
only counted once it is knowable: a window (t0, t1] is judged only when
t1 + grace_days <= as_of, so a customer who might still renew is never called lost.
"""

from __future__ import annotations

import pandas as pd


def spells(subscriptions: pd.DataFrame, grace_days: int) -> pd.DataFrame:
    """account_id, start, end (NaT while running): contiguous paid coverage per account."""
    s = subscriptions[["account_id", "start_date", "end_date"]].sort_values(["account_id", "start_date"])
    far = pd.Timestamp.max.normalize()
    end = s.end_date.fillna(far)
    reach = end.groupby(s.account_id).cummax()
    prev_reach = reach.groupby(s.account_id).shift()
    new_spell = prev_reach.isna() | (s.start_date > prev_reach + pd.Timedelta(days=grace_days))
    spell_id = new_spell.cumsum()
    out = pd.DataFrame({"account_id": s.account_id, "start": s.start_date, "end": end, "spell": spell_id})
    out = out.groupby("spell").agg(account_id=("account_id", "first"), start=("start", "min"), end=("end", "max"))
    out.loc[out.end == far, "end"] = pd.NaT
    return out.reset_index(drop=True)


def active_at(spell_table: pd.DataFrame, t: pd.Timestamp) -> pd.Index:
    """Accounts with paid coverage on day ``t``."""
    on = (spell_table.start <= t) & (spell_table.end.isna() | (spell_table.end > t))
    return pd.Index(spell_table.loc[on, "account_id"].unique())


def churned_within(
    spell_table: pd.DataFrame, t0: pd.Timestamp, days: int, as_of: pd.Timestamp, grace_days: int
) -> pd.Series:
    """For accounts active at t0: did their spell end in (t0, t0 + days]? Raises if not yet knowable."""
    t1 = t0 + pd.Timedelta(days=days)
    if t1 + pd.Timedelta(days=grace_days) > as_of:
        raise ValueError(
            f"outcome window to {t1.date()} is not closed by as_of {as_of.date()} (plus {grace_days} grace days)"
        )
    on = (spell_table.start <= t0) & (spell_table.end.isna() | (spell_table.end > t0))
    live = spell_table[on]
    ended = live.end.notna() & (live.end <= t1)
    return pd.Series(ended.to_numpy(), index=live.account_id.to_numpy(), name="churned")


def running_at(subscriptions: pd.DataFrame, t: pd.Timestamp) -> pd.DataFrame:
    """Subscription rows in force on day ``t``."""
    s = subscriptions
    return s[(s.start_date <= t) & (s.end_date.isna() | (s.end_date > t))]


def seats_at(subscriptions: pd.DataFrame, t: pd.Timestamp) -> pd.Series:
    """Seats under subscriptions running on day ``t``, per account."""
    if "seats" not in subscriptions:
        return pd.Series(dtype=float)
    return running_at(subscriptions, t).groupby("account_id").seats.sum()


def mrr_at(subscriptions: pd.DataFrame, t: pd.Timestamp) -> pd.Series:
    """MRR under subscriptions running on day ``t``, per account."""
    return running_at(subscriptions, t).groupby("account_id").mrr.sum()
