"""The dimensional space: every behavioural measure a user could show expertise in.

Measures are declared, not coded: a ``Measure`` is a name, a kind and an event
filter, and the catalogue is generated from the taxonomy in ``dataset.yaml`` (every
active event and every feature group gets its frequency, intensity and share), plus
the generic measures below and any ``measures:`` the dataset adds. Each kind is one
SQL template, so a new measure is a catalogue entry, and the whole catalogue runs
as DuckDB SQL over the event file (two scans, out of core), bringing only one row
per user into pandas.

Every rate is normalised by the user's exposure: the days of the window in which
the user existed (from ``created_at``, else their first event). No all-time totals,
which would reward tenure rather than expertise.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.data.config import DatasetConfig
from helpers.errors import ConfigError

PAC_WEEKS = 7  # the Product Activity Coefficient counts active weeks out of the last 7 whole weeks
TREND_DAYS = 30  # trend: the last 30 days against the 30 before

# kind -> (SQL over the per-user aggregates, what it means). In the SQL, {n} is the
# count of the filter's events, {days} the days with the (single) event, {used} how
# many of the filter's {k} events were used, {id} the group's day-flag column.
KINDS = {
    "frequency": ("coalesce({days}, 0) / weeks", "days with {what} per week of exposure"),
    "group_frequency": ("coalesce(gd_{id}, 0) / weeks", "days with {what} per week of exposure"),
    "intensity": ("{n} / nullif(active_days, 0)", "{what} per active day"),
    "share": ("{n} / nullif(active_events, 0)", "share of all active events that are {what}"),
    "rate": ("{n} / weeks", "{what} per week of exposure"),
    "adoption": ("{used} / {k}", "share of the {what} used at least once"),
}


@dataclass(frozen=True)
class Measure:
    name: str
    kind: str  # a key of KINDS, or one of the generic measures
    events: tuple[str, ...] = ()  # the event filter (empty for generic measures)
    what: str = ""  # words for the description
    direction_hint: str = ""  # "lower" where less means more expert (used only for wording)

    @property
    def description(self) -> str:
        if self.kind in KINDS:
            return KINDS[self.kind][1].format(what=self.what)
        return GENERIC[self.name][1]


# Generic measures: (SQL over the per-user aggregates, description).
GENERIC = {
    "active_days_per_week": ("active_days / weeks", "active days per week of exposure"),
    "active_weeks_share": ("least(active_weeks / ceil(weeks), 1.0)", "share of exposed weeks with any activity"),
    "activity_coefficient": (
        "coalesce(pac_weeks, 0)",
        "Product Activity Coefficient: active weeks out of the last 7 whole weeks (0-7)",
    ),
    "events_per_active_day": ("active_events / nullif(active_days, 0)", "active events per active day"),
    "events_per_week": ("active_events / weeks", "active events per week of exposure"),
    "distinct_events": ("coalesce(distinct_events, 0)", "distinct active event types used"),
    "event_diversity": ("coalesce(entropy, 0)", "diversity of the event mix (Shannon entropy, nats)"),
    "recency_days": ("coalesce(recency, window_days)", "days from the last active day to as_of (0: active on as_of)"),
    "trend_30d": (
        "CASE WHEN exposure_days >= 2 * {trend} THEN ln((1 + last_n) / (1 + prior_n)) ELSE 0 END",
        "log ratio of active events, last 30 days vs the 30 before (0 when history is shorter)",
    ),
    "days_to_first_core": (
        "coalesce(to_core, tenure_days)",
        "days from user creation to the first core action (never: tenure so far)",
    ),
    "days_to_first_advanced": (
        "coalesce(to_advanced, tenure_days)",
        "days from user creation to the first advanced action (never: tenure so far)",
    ),
}


def catalogue(config: DatasetConfig, event_names: list[str]) -> list[Measure]:
    """The full measure catalogue for this dataset's taxonomy.

    ``event_names`` are the events that occur in the data; with no ``active_events``
    in the taxonomy, every event but the session event counts as active.
    """
    tax = config.taxonomy
    active = active_events(config, event_names)
    out: list[Measure] = []
    for e in active:
        out += [
            Measure(f"{e}_days_per_week", "frequency", (e,), f"'{e}'"),
            Measure(f"{e}_per_active_day", "intensity", (e,), f"'{e}' events"),
            Measure(f"{e}_share", "share", (e,), f"'{e}'"),
        ]
    if tax.session_event:
        s = (tax.session_event,)
        out += [
            Measure("login_days_per_week", "frequency", s, f"a '{tax.session_event}'"),
            Measure("logins_per_week", "rate", s, f"'{tax.session_event}' events"),
        ]
    for group, events in groups(config).items():
        if not events:
            continue
        words = group.replace("_", " ")
        out += [
            Measure(f"{group}_days_per_week", "group_frequency", events, f"any {words} event"),
            Measure(f"{group}_per_active_day", "intensity", events, f"{words} events"),
            Measure(f"{group}_per_week", "rate", events, f"{words} events"),
            Measure(f"{group}_share", "share", events, f"{words} events"),
        ]
        if group in ("core", "expansion", "advanced"):
            out.append(Measure(f"{group}_adoption", "adoption", events, f"{words} features"))
    out += [
        Measure(name, name)
        for name in GENERIC
        if not (name == "days_to_first_advanced" and not tax.features.advanced)
        and not (name == "days_to_first_core" and not tax.features.core)
    ]
    for extra in config.measures:
        kind = "group_frequency" if extra.kind == "frequency" and len(extra.events) > 1 else extra.kind
        out.append(Measure(extra.name, kind, tuple(extra.events), extra.description or ", ".join(extra.events)))
    _check_unique(out)
    return out


def active_events(config: DatasetConfig, event_names) -> list[str]:
    """Events that count as activity: the taxonomy's list, else every event but the session event."""
    tax = config.taxonomy
    if tax.active_events is not None:
        return list(tax.active_events)
    return [e for e in sorted(event_names) if e != tax.session_event]


def groups(config: DatasetConfig) -> dict[str, tuple[str, ...]]:
    tax = config.taxonomy
    return {
        "core": tuple(tax.features.core),
        "expansion": tuple(tax.features.expansion),
        "advanced": tuple(tax.features.advanced),
        "asset_creation": tuple(tax.asset_creation),
        "collaboration": tuple(tax.collaboration),
    }


def _check_unique(measures: list[Measure]) -> None:
    seen: set[str] = set()
    for m in measures:
        if m.name in seen:
            raise ConfigError(
                f"dataset.yaml: two measures are named '{m.name}' "
                "(an event shares its name with a group or a custom measure); rename one"
            )
        if m.kind not in KINDS and m.kind not in GENERIC:
            raise ConfigError(
                f"dataset.yaml: measure '{m.name}' has kind '{m.kind}'; "
                f"expected one of {', '.join(k for k in KINDS if k != 'group_frequency')}"
            )
        seen.add(m.name)


def describe(measures: list[Measure]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure": [m.name for m in measures],
            "kind": [m.kind for m in measures],
            "events": [", ".join(m.events) for m in measures],
            "description": [m.description for m in measures],
        }
    )


# The first look (notebook 02): simple measures anyone would check first.
BASIC = ("active_days_per_week", "logins_per_week", "asset_creation_per_week", "events_per_active_day")


def basic(measures: list[Measure]) -> list[Measure]:
    return [m for m in measures if m.name in BASIC]


def overview(described: pd.DataFrame, user_measures: pd.DataFrame) -> pd.DataFrame:
    """The catalogue with each measure's median among active users and how many active users show it."""
    active = user_measures[user_measures.active_days > 0]
    names = described.measure.tolist()
    return described.assign(
        median_active=active[names].median().round(4).to_numpy(),
        share_nonzero=(active[names] != 0).mean().round(3).to_numpy(),
    )
