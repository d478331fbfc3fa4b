"""The data contract's tables: which columns each needs, and what each column must hold.

Tables are read as text and checked by pandera *before* conversion, so a bad value is
reported with its row and its raw text ("line 7: 'yesterday'"), not as a NaN later.
Each column kind knows its checks, its conversion, and how to say what it expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from helpers.data.events import EPOCH_MS_ABOVE

if TYPE_CHECKING:  # imported where a table is checked: a dataset read back from the cache never needs it
    import pandera.pandas as pa

TRUE, FALSE = {"true", "yes", "y", "1", "t"}, {"false", "no", "n", "0", "f"}


def parse_timestamps(s: pd.Series) -> pd.Series:
    """ISO dates or timestamps to naive UTC, by the TIMESTAMP POLICY of ``helpers.data.events``
    (an offset or "Z" converted to UTC, none taken as UTC, a number as seconds since 1970 UTC)."""
    text = s.astype("string").str.strip()
    number = pd.to_numeric(text.where(text.str.fullmatch(r"-?\d+(\.\d+)?", na=False)), errors="coerce")
    seconds = number.where(number.abs() <= EPOCH_MS_ABOVE, number / 1000)
    iso = pd.to_datetime(text.where(number.isna()), errors="coerce", format="ISO8601", utc=True)
    epoch = pd.to_datetime(seconds.dropna(), unit="s", utc=True, errors="coerce").reindex(s.index)
    out = iso.where(number.isna(), epoch)
    return out.dt.tz_localize(None).astype("datetime64[ns]")


def _numbers(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


@dataclass(frozen=True)
class Kind:
    """A column kind: checks on the raw text, and the conversion once they pass."""

    expected: str
    nullable: bool = True

    def checks(self) -> list[pa.Check]:
        return []

    def describe(self) -> str:
        return self.expected

    def convert(self, s: pd.Series) -> pd.Series:
        return s


@dataclass(frozen=True)
class Text(Kind):
    expected: str = "text"


@dataclass(frozen=True)
class Id(Kind):
    expected: str = "a non-empty identifier"
    nullable: bool = False


@dataclass(frozen=True)
class Date(Kind):
    expected: str = "an ISO date or timestamp such as 2026-01-31 or 2026-01-31 14:05:00"

    def checks(self):
        import pandera.pandas as pa

        return [pa.Check(lambda s: parse_timestamps(s).notna() | s.isna(), error=self.expected)]

    def convert(self, s):
        return parse_timestamps(s)


@dataclass(frozen=True)
class Number(Kind):
    lo: float | None = None
    hi: float | None = None
    integer: bool = False
    expected: str = ""

    def describe(self) -> str:
        word = "a whole number" if self.integer else "a number"
        if self.lo is not None and self.hi is not None:
            return f"{word} from {self.lo:g} to {self.hi:g}"
        return f"{word} of at least {self.lo:g}" if self.lo is not None else word

    def checks(self):
        def ok(s):
            x = _numbers(s)
            good = x.notna()
            if self.lo is not None:
                good &= x >= self.lo
            if self.hi is not None:
                good &= x <= self.hi
            if self.integer:
                good &= x == x.round()
            return good | s.isna()

        import pandera.pandas as pa

        return [pa.Check(ok, error=self.describe())]

    def convert(self, s):
        x = _numbers(s)
        return x.astype("Int64") if self.integer else x.astype(float)


@dataclass(frozen=True)
class Choice(Kind):
    values: tuple[str, ...] = ()
    expected: str = ""

    def describe(self) -> str:
        return "one of " + " / ".join(self.values)

    def checks(self):
        import pandera.pandas as pa

        allowed = set(self.values)
        return [pa.Check(lambda s: s.str.strip().str.lower().isin(allowed) | s.isna(), error=self.describe())]

    def convert(self, s):
        return s.str.strip().str.lower()


@dataclass(frozen=True)
class Flag(Kind):
    expected: str = "true/false or yes/no"

    def checks(self):
        import pandera.pandas as pa

        return [pa.Check(lambda s: s.str.strip().str.lower().isin(TRUE | FALSE) | s.isna(), error=self.expected)]

    def convert(self, s):
        low = s.str.strip().str.lower()
        return low.map(lambda v: v in TRUE if isinstance(v, str) else pd.NA).astype("boolean")


ID, TEXT, DATE = Id(), Text(), Date()
REQUIRED_DATE = Date(nullable=False)
MONEY = Number(lo=0)
COUNT = Number(lo=0, integer=True)
RATING = Number(lo=1, hi=10, integer=True)


@dataclass(frozen=True)
class TableSpec:
    name: str
    required: dict[str, Kind]
    optional: dict[str, Kind] = field(default_factory=dict)
    key: str | None = None  # unique per row
    required_table: bool = False
    other_columns: Kind | None = None  # kind for any column not named here (assessments' ratings)
    disables: str = ""  # what is lost without this table

    def kinds(self, columns) -> dict[str, Kind]:
        named = {**self.required, **self.optional}
        extra = {c: self.other_columns for c in columns if c not in named and self.other_columns}
        return {c: k for c, k in {**named, **extra}.items() if c in columns}

    def schema(self, columns) -> pa.DataFrameSchema:
        import pandera.pandas as pa

        cols = {
            c: pa.Column(str, checks=k.checks(), nullable=k.nullable, unique=(c == self.key), required=True)
            for c, k in self.kinds(columns).items()
        }
        return pa.DataFrameSchema(cols, strict=False)


SPECS: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "accounts",
            {"account_id": ID},
            {
                "segment": TEXT,
                "csm": TEXT,
                "seats_purchased": COUNT,
                "contract_start": DATE,
                "name": TEXT,
                "industry": TEXT,
                "plan": TEXT,
                "arr": MONEY,
                "renewal_date": DATE,
            },
            key="account_id",
            required_table=True,
        ),
        TableSpec(
            "users",
            {"user_id": ID, "account_id": ID},
            {"role": TEXT, "created_at": DATE},
            key="user_id",
            required_table=True,
        ),
        TableSpec(
            "events",
            {"user_id": ID, "event": ID, "timestamp": REQUIRED_DATE},
            {"account_id": TEXT, "value": Number()},
            required_table=True,
        ),
        TableSpec(
            "subscriptions",
            {"account_id": ID, "start_date": REQUIRED_DATE, "end_date": DATE, "mrr": MONEY},
            {"seats": COUNT, "product": TEXT, "billing_period": TEXT},
            required_table=True,
        ),
        TableSpec(
            "csm_labels",
            {"user_id": ID, "label": Choice(values=("expert", "intermediate"), nullable=False)},
            {"labeled_by": TEXT, "labeled_at": DATE},
            key="user_id",
            disables="the expert-user method (notebooks 01-07) and expert share downstream",
        ),
        TableSpec(
            "tickets",
            {"account_id": ID, "opened_at": REQUIRED_DATE},
            {
                "ticket_id": TEXT,
                "closed_at": DATE,
                "priority": TEXT,
                "escalated": Flag(),
                "csat": Number(lo=1, hi=5, integer=True),
            },
            disables="the support component of the health score",
        ),
        TableSpec(
            "nps",
            {
                "account_id": ID,
                "responded_at": REQUIRED_DATE,
                "score": Number(lo=0, hi=10, integer=True, nullable=False),
            },
            {"user_id": TEXT},
            disables="NPS in the engagement component",
        ),
        TableSpec(
            "touchpoints",
            {"account_id": ID, "date": REQUIRED_DATE, "kind": TEXT},
            {"status": Choice(values=("held", "cancelled", "no_show"))},
            disables="CSM touchpoints in the engagement component",
        ),
        TableSpec(
            "assessments",
            {"account_id": ID, "assessed_at": REQUIRED_DATE},
            other_columns=RATING,
            disables="the relationships component (CSM assessments)",
        ),
    )
}

# What an absent optional column costs, said in notebook 00.
OPTIONAL_COLUMN_EFFECTS = {
    ("accounts", "seats_purchased"): "seats taken from subscriptions.seats (time-aware)",
    ("accounts", "arr"): "ARR computed as 12 x MRR from subscriptions (time-aware)",
    ("accounts", "renewal_date"): "renewal dates derived from subscription terms",
    ("accounts", "contract_start"): "contract start taken from the first subscription",
    ("accounts", "segment"): "one segment for all accounts (no per-segment norms)",
    ("accounts", "csm"): "one owner, 'unassigned', on every action list",
    ("subscriptions", "seats"): "no seat utilisation or seat trend",
    ("subscriptions", "billing_period"): "billing periods read from subscription lengths (see the assumptions)",
    ("users", "role"): "no role weighting in the expert share",
    ("users", "created_at"): "tenure measured from each user's first event",
    ("tickets", "escalated"): "no escalation signal",
    ("tickets", "csat"): "no CSAT signal",
    ("tickets", "closed_at"): "no time-to-resolve or open-ticket count",
    ("touchpoints", "status"): "all touchpoints treated as held",
}
