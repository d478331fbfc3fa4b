"""What the run reads into the data because the export does not say: every fallback, said out loud.

Each sentence names what was absent, what the run did instead, and how to say otherwise.
They are the dataset's ``assumptions``: listed in notebook 00, ``data_contract.json`` and
``run.json``. What an absent optional table or column switches off is
``coverage.disabled_features``; the two lists together are ``coverage.fallbacks``.
"""

from __future__ import annotations

import pandas as pd

from helpers.data import subscriptions
from helpers.data.config import DatasetConfig


def billing(known_subscriptions: pd.DataFrame) -> list[str]:
    """How each account's billing period was read, when billing_period did not say it for every account."""
    _, sentence = subscriptions.billing_periods(known_subscriptions)
    return [sentence] if sentence else []


def sessions(config: DatasetConfig) -> list[str]:
    if config.taxonomy.session_event:
        return []
    return [
        "no session event (taxonomy.session_event in dataset.yaml): a login is counted as a user's active day "
        "(a day with any active event), and drivers say 'active days', not 'logins'"
    ]


def touchpoint_kinds(config: DatasetConfig, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Touchpoint kinds left out of "meetings held" (not in touchpoints.meeting_kinds)."""
    if "touchpoints" not in tables or "status" not in tables["touchpoints"]:
        return []
    kinds = tables["touchpoints"].kind.astype(str).str.strip()
    other = kinds[~config.touchpoints.is_meeting(kinds)].value_counts()
    if other.empty:
        return []
    listed = ", ".join(f"{kind} ({n:,})" for kind, n in other.items())
    return [
        f"touchpoints of kind {listed} are not counted as CSM meetings in 'meetings held' "
        "(add them to touchpoints.meeting_kinds in dataset.yaml if they are meetings)"
    ]


def at_load(config: DatasetConfig, tables: dict[str, pd.DataFrame], end_date_sentence: str, events_notes) -> list[str]:
    """Every assumption of a run, from the tables as of as_of."""
    return [
        end_date_sentence,
        *billing(tables["subscriptions"]),
        *sessions(config),
        *touchpoint_kinds(config, tables),
        *events_notes,
    ]
