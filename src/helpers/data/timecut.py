"""A run sees the world as it was on its as-of date, and nothing later.

``as_of`` is the last day of data a run may use: the cutoff is the start of the
next day. Every table is cut here, once, at load time, so no notebook can leak
the future by accident. A running subscription or an open ticket at the cutoff
shows no end date, as an export taken that day would.
"""

from __future__ import annotations

import pandas as pd

# table -> (the column that says when a row came to exist, columns unknown until later)
ROW_TIME = {
    "accounts": ("contract_start", ()),
    "users": ("created_at", ()),
    "subscriptions": ("start_date", ("end_date",)),
    "csm_labels": ("labeled_at", ()),
    "tickets": ("opened_at", ("closed_at", "csat")),
    "nps": ("responded_at", ()),
    "touchpoints": ("date", ()),
    "assessments": ("assessed_at", ()),
}


def cutoff(as_of: str | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)


def cut_table(name: str, df: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    """Rows that existed before ``cut``, with facts learned after it blanked."""
    born, later = ROW_TIME.get(name, (None, ()))
    if born not in df.columns:
        return df
    keep = df[df[born].isna() | (df[born] < cut)].copy()
    if name == "subscriptions":
        ended_later = keep["end_date"] >= cut
        keep.loc[ended_later, "end_date"] = pd.NaT
    elif name == "tickets" and "closed_at" in keep:
        open_then = keep["closed_at"] >= cut
        for col in later:
            if col in keep:
                keep.loc[open_then, col] = pd.NA if col != "closed_at" else pd.NaT
    return keep.reset_index(drop=True)
