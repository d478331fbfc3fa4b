"""A run sees the world as it was on its as-of date, and nothing later.

``as_of`` is the last day of data a run may use: the cutoff is the start of the
next day. Every table is cut here, once, at load time, so no notebook can leak
the future by accident. A running subscription or an open ticket at the cutoff
shows no end date, as an export taken that day would.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from helpers.errors import ConfigError

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

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


def parse_as_of(value, name: str = "as_of") -> pd.Timestamp:
    """An as-of date written exactly YYYY-MM-DD (a date or Timestamp passes as it is), as a day.

    Nothing looser: '2026-10' is not October's last day, '10/11/2026' is not unambiguous, so either
    is a ``ConfigError`` naming ``name`` (the parameter, or the runner's ``--as-of``) and the value."""
    if isinstance(value, (pd.Timestamp, date)):
        return pd.Timestamp(value).normalize()
    text = str(value)
    try:
        if not ISO_DAY.fullmatch(text):
            raise ValueError
        return pd.Timestamp(date.fromisoformat(text))
    except ValueError:
        raise ConfigError(f"{name} '{text}': not a date written YYYY-MM-DD; expected e.g. 2026-10-31") from None


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
