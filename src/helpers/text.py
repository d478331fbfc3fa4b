"""Plain words and numbers for the report: a count with its noun (never "renewal(s)"), money, shares, dates.

Every page a person reads formats through here, so a figure looks the same wherever it appears, and
a missing value reads as a dash, never "nan" or "None"."""

from __future__ import annotations

import math

import pandas as pd

DASH = "–"  # a value that is not there


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 account', '3 accounts', '0 renewals' (``plural`` for irregular nouns)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def money(v) -> str:
    """'$12,345' (whole dollars)."""
    return DASH if missing(v) else f"${float(v):,.0f}"


def share(v, digits: int = 0) -> str:
    """A fraction as a percentage: 0.122 -> '12 %'."""
    return DASH if missing(v) else f"{100 * float(v):.{digits}f} %"


def points(v, digits: int = 0, signed: bool = False) -> str:
    """A score or a change in score points: '62', '+4'; a change that rounds to nothing is '0', never '+0'."""
    if missing(v):
        return DASH
    shown = round(float(v), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{shown:{'+' if signed and shown else ''}.{digits}f}"


def day(v) -> str:
    """'31 Oct 2026'."""
    return DASH if missing(v) or str(v) == "" else pd.Timestamp(v).strftime("%-d %b %Y")


def month(v) -> str:
    """'October 2026'."""
    return pd.Timestamp(v).strftime("%B %Y")
