"""One flat account table from a real-world export, made fit for a model, saying what was done.

Exports are messy: labels written Yes/No or True/False, numbers stored as text with
blanks, currency signs and thousands separators, text categories, constant columns and
ID-like columns. Each column is parsed, kept as a number, one-hot encoded as a category,
or dropped, and every decision is a row in ``notes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.errors import DataContractError, rows_message

POSITIVE = {"yes", "y", "true", "t", "1", "1.0", "churned", "churn", "lost", "cancelled", "canceled"}
NEGATIVE = {"no", "n", "false", "f", "0", "0.0", "retained", "active", "renewed", "stayed"}
BLANK = {"", "na", "n/a", "nan", "null", "none", "-", "--", "?"}
MAX_CATEGORIES = 12  # a text column with more distinct values keeps the most common, the rest is 'other'
NUMERIC_SHARE = 0.9  # share of non-blank cells that must parse for a column to count as numeric


@dataclass
class FlatTable:
    ids: pd.Series
    y: pd.Series  # True = churned
    X: pd.DataFrame  # numeric model inputs (categories one-hot encoded)
    notes: pd.DataFrame  # column, kind, action, reason


def read(path: str | Path, id_column: str, label_column: str = "") -> pd.DataFrame:
    """The table as stripped text, checked: the file exists, the id (and label) column is there, and
    every id appears once. Each problem is a ``DataContractError`` naming the file, column and rows."""
    path = Path(path)
    if not path.is_file():
        raise DataContractError(f"{path}: account table not found; expected a CSV file with one row per account")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    name = path.name
    for col, role in ((id_column, "id"), (label_column, "label")):
        if col and col not in raw:
            raise DataContractError(
                f"{name}: missing column '{col}' (found: {', '.join(raw.columns)}); expected the "
                f"{role} column named by the parameters"
            )
    raw = raw.apply(lambda s: s.str.strip())
    dup = raw[id_column].duplicated(keep=False)
    if dup.any():
        raise DataContractError(
            rows_message(
                name, id_column, np.flatnonzero(dup), raw[id_column][dup], f"each {id_column} once (duplicates)"
            )
        )
    return raw


def typed(raw: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """``read``'s text with every column that reads as numbers (currency signs, thousands separators,
    percent signs and blanks handled) made numeric; the id column and text columns stay text."""
    out = raw.copy()
    for col in raw.columns.drop(id_column):
        present = ~raw[col].str.lower().isin(BLANK)
        numbers = _numbers(raw[col])
        numeric = present.any() and (numbers.notna() & present).sum() >= NUMERIC_SHARE * present.sum()
        out[col] = numbers if numeric else raw[col].where(present)
    return out


def unusable_reason(t: FlatTable, name: str, label_column: str, at_least: int = 5) -> str | None:
    """Why no churn model can be fitted on this table (fewer than ``at_least`` churned or retained
    accounts for cross-validation), or None when one can."""
    churned, retained = int(t.y.sum()), int((~t.y).sum())
    if min(churned, retained) < at_least:
        return (
            f"{name}: column '{label_column}': {churned} churned and {retained} retained account(s); "
            f"expected at least {at_least} of each for cross-validation"
        )
    return None


def load(path: str | Path, id_column: str, label_column: str) -> FlatTable:
    path = Path(path)
    raw = read(path, id_column, label_column)
    name = path.name
    y, unlabelled = _labels(raw[label_column], name, label_column)
    notes = (
        []
        if not unlabelled.any()
        else [
            {
                "column": label_column,
                "kind": "label",
                "action": f"{int(unlabelled.sum())} row(s) left out",
                "reason": "no label: the outcome is unknown",
            }
        ]
    )
    raw, y = raw[~unlabelled], y[~unlabelled]
    if y.nunique() < 2:
        only = "churned" if y.iloc[0] else "retained"
        raise DataContractError(
            f"{name}: column '{label_column}': every one of the {len(y)} labelled row(s) is "
            f"{only}; expected both churned and retained accounts to learn the difference"
        )
    parts = []
    for col in raw.columns.drop([id_column, label_column]):
        values, note = _column(raw[col], col)
        notes.append(note)
        if values is not None:
            parts.append(values)
    X = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=raw.index)
    return FlatTable(
        raw[id_column].reset_index(drop=True),
        y.reset_index(drop=True),
        X.reset_index(drop=True),
        pd.DataFrame(notes, columns=["column", "kind", "action", "reason"]),
    )


def _labels(s: pd.Series, name: str, col: str) -> tuple[pd.Series, pd.Series]:
    low = s.str.lower()
    blank = low.isin(BLANK)
    bad = ~blank & ~low.isin(POSITIVE | NEGATIVE)
    if bad.any():
        raise DataContractError(
            rows_message(
                name,
                col,
                np.flatnonzero(bad),
                s[bad],
                "a churn label such as Yes/No, True/False, 1/0 or churned/retained",
            )
        )
    return low.isin(POSITIVE), blank


def _numbers(s: pd.Series) -> pd.Series:
    """Text to numbers: currency signs, thousands separators, percent signs and blanks handled."""
    cleaned = s.str.replace(r"[$€£,\s]", "", regex=True).str.replace(r"%$", "", regex=True)
    cleaned = cleaned.where(~s.str.lower().isin(BLANK))
    return pd.to_numeric(cleaned, errors="coerce").astype(float)


def _column(s: pd.Series, col: str) -> tuple[pd.DataFrame | None, dict]:
    present = ~s.str.lower().isin(BLANK)
    note = lambda kind, action, reason: {"column": col, "kind": kind, "action": action, "reason": reason}
    if not present.any():
        return None, note("empty", "dropped", "every cell is blank")
    numbers = _numbers(s)
    parsed = numbers.notna() & present
    if parsed.sum() >= NUMERIC_SHARE * present.sum():
        if numbers.nunique() <= 1:
            return None, note("number", "dropped", f"constant ({numbers.dropna().iloc[0]:g} everywhere)")
        if _id_like(numbers, col, len(s)):
            return None, note("number", "dropped", "ID-like: a different whole number on every row")
        blanks, unparsed = int((~present).sum()), int((present & ~parsed).sum())
        extra = f"; {unparsed} unreadable cell(s) treated as blank" if unparsed else ""
        return numbers.rename(col).to_frame(), note("number", "kept", f"{blanks} blank(s) left for imputation{extra}")
    text = s.where(present)
    distinct = text.nunique()
    if distinct <= 1:
        return None, note("text", "dropped", f"constant ('{text.dropna().iloc[0]}' everywhere)")
    if distinct == present.sum() and distinct > MAX_CATEGORIES:
        return None, note("text", "dropped", "ID-like: a different value on every row")
    if _looks_like_dates(text):
        return None, note("date", "dropped", "a date: not a feature without a reference date (derive 'days since')")
    top = text.value_counts().index[:MAX_CATEGORIES]
    grouped = text.where(text.isin(top) | text.isna(), "other")
    dummies = pd.get_dummies(grouped, prefix=col, prefix_sep="=", dtype=float)
    more = f"; {distinct - len(top)} rarer value(s) grouped as 'other'" if distinct > len(top) else ""
    return dummies, note("text", f"one-hot ({dummies.shape[1]} columns)", f"{distinct} categories{more}")


def _id_like(numbers: pd.Series, col: str, n: int) -> bool:
    whole = numbers.dropna()
    named = bool(re.search(r"(^|_)(id|key|number|no)$", col.lower()))
    return whole.nunique() == n and bool((whole % 1 == 0).all()) and (named or whole.is_monotonic_increasing)


def _looks_like_dates(text: pd.Series) -> bool:
    sample = text.dropna().head(50)
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed") if len(sample) else sample
    return bool(len(sample)) and parsed.notna().mean() > 0.9 and sample.str.contains(r"\d{4}|\d/\d").mean() > 0.9
