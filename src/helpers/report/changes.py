"""Month over month: one definition of each change since last month's run (``--previous``).

Tag transitions (notebook 07), alert changes (09), and tier changes and score movers (13) are
each defined once here and written once, as ``tag_transitions.csv``, ``alert_changes.csv``,
``tier_changes.csv`` and ``health_movers.csv``. Whatever was absent last month counts as new:
without a previous run every user is new and every alert is new, and ``against`` says so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers import artifacts
from helpers.expert.tagging import TAGS

NEW, NOT_SCORED = "New", "(not scored)"
ALERT_COLUMNS = ["account_id", "alert", "severity", "detail"]


def against(previous_run: str) -> str:
    """What this month is compared with, in words."""
    if previous_run:
        return f"Compared with last month's run ({Path(previous_run).name})."
    return "No previous run given: everything counts as new. Changes appear from the second monthly run (--previous)."


def tag_transitions(before: pd.DataFrame | None, now: pd.DataFrame) -> pd.DataFrame:
    """Users by last month's tag (rows, 'New' when not tagged then) and this month's (columns)."""
    before = before if before is not None else now.iloc[:0]
    both = now[["user_id", "tag"]].merge(before[["user_id", "tag"]], on="user_id", how="left", suffixes=("", "_before"))
    both["tag_before"] = both.tag_before.fillna(NEW)
    order = list(TAGS)
    return pd.crosstab(both.tag_before, both.tag).reindex(index=[*order, NEW], columns=order, fill_value=0)


def tag_movers(before: pd.DataFrame | None, now: pd.DataFrame) -> pd.DataFrame:
    """Users whose tag changed since last month, biggest score change first."""
    before = before if before is not None else now.iloc[:0]
    both = now.merge(before[["user_id", "tag", "score"]], on="user_id", suffixes=("", "_before"))
    moved = both[both.tag != both.tag_before].copy()
    moved["score_change"] = (moved.score - moved.score_before).round(2)
    return moved.reindex(moved.score_change.abs().sort_values(ascending=False, kind="stable").index)[
        ["user_id", "account_id", "tag_before", "tag", "score_before", "score", "score_change"]
    ]


def alert_changes(before: pd.DataFrame | None, now: pd.DataFrame) -> pd.DataFrame:
    """Alerts up now that were not last month ('new'), and last month's that cleared ('resolved').

    Keyed by the alerts' id column, their first (``alerts.evaluate`` names it after the health
    configuration's ``id_column``: account_id for a dataset, the table's own in flat mode)."""
    columns = [now.columns[0], *ALERT_COLUMNS[1:]]
    before = before if before is not None else pd.DataFrame(columns=columns)
    key = [columns[0], "alert"]
    merged = now[columns].merge(
        before[[*key, "severity"]], on=key, how="outer", suffixes=("", "_before"), indicator=True
    )
    merged["change"] = merged._merge.astype(str).map({"left_only": "new", "right_only": "resolved", "both": "open"})
    merged["severity"] = merged.severity.fillna(merged.severity_before)
    out = merged[merged.change != "open"][["change", *columns]]
    return out.sort_values(["change", "severity", *key], kind="stable").reset_index(drop=True)


def alert_summary(changes: pd.DataFrame) -> str:
    counts = changes.groupby(["change", "severity"]).size()
    return (
        f"Alerts: {int(counts.get('new', pd.Series()).sum())} new "
        f"({int(counts.get(('new', 'critical'), 0))} of critical severity), "
        f"{int(counts.get('resolved', pd.Series()).sum())} resolved."
    )


def movers(now: pd.DataFrame, before: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The accounts whose health score moved most, either way (accounts scored in both months)."""
    named = [c for c in ("account_id", "name", "csm") if c in now]
    both = now[[*named, "health_score", "tier"]].merge(
        before[["account_id", "health_score", "tier"]], on="account_id", suffixes=("", "_before")
    )
    both["change"] = (both.health_score - both.health_score_before).round(1)
    order = both.change.abs().sort_values(ascending=False, kind="stable").index
    return (
        both.loc[order]
        .head(n)
        .reset_index(drop=True)[[*named, "health_score_before", "health_score", "change", "tier_before", "tier"]]
    )


def tier_changes(now: pd.DataFrame, before: pd.DataFrame, tier_order: list[str]) -> pd.DataFrame:
    """Accounts by last month's tier (rows) and this month's (columns); new and gone accounts have their own row/column."""
    both = before[["account_id", "tier"]].merge(
        now[["account_id", "tier"]], on="account_id", how="outer", suffixes=("_before", "_now")
    )
    order = [*tier_order, NOT_SCORED]
    both = both.fillna({"tier_before": NOT_SCORED, "tier_now": NOT_SCORED})
    table = pd.crosstab(pd.Categorical(both.tier_before, order), pd.Categorical(both.tier_now, order), dropna=False)
    return table.rename_axis(index="last month", columns="this month")


def tier_summary(now: pd.DataFrame, before: pd.DataFrame, tier_order: list[str]) -> dict:
    rank = {t: i for i, t in enumerate(tier_order)}  # 0 = best tier
    both = now[["account_id", "tier"]].merge(before[["account_id", "tier"]], on="account_id", suffixes=("", "_before"))
    step = both.tier.map(rank) - both.tier_before.map(rank)
    return {
        "accounts_in_both": len(both),
        "improved": int((step < 0).sum()),
        "worsened": int((step > 0).sum()),
        "unchanged": int((step == 0).sum()),
        "new_accounts": int((~now.account_id.isin(before.account_id)).sum()),
        "gone_accounts": int((~before.account_id.isin(now.account_id)).sum()),
    }


def compare(
    now: pd.DataFrame,
    before: pd.DataFrame,
    alerts: pd.DataFrame | None,
    tags: pd.DataFrame | None,
    tier_order: list[str],
    previous_run: str,
) -> dict:
    """The executive summary's month over month: tiers and movers against last month's health (the
    previous run's, or recomputed), alert and tag changes from 09 and 07 when a previous run was given."""
    given = bool(previous_run)
    out = {
        "movers": movers(now, before),
        "tiers": tier_changes(now, before, tier_order),
        "alerts": alerts if given and alerts is not None else pd.DataFrame(columns=["change", *ALERT_COLUMNS]),
        "tags": tags if given and tags is not None else None,
    }
    out["tier_moves"] = tier_summary(now, before, tier_order)
    out["summary"] = summary(out["tier_moves"], out["movers"])
    if given:
        out["summary"] += [alert_summary(out["alerts"]), *tag_summary(out["tags"])]
    else:
        out["summary"].append(
            "New and resolved alerts, and users whose expertise changed, show once this month is compared with last month's report."
        )
    return out


def summary(tiers: dict, top: pd.DataFrame) -> list[str]:
    """Tier moves and the biggest movers, in a few sentences."""
    lines = [
        f"{tiers['accounts_in_both']} accounts scored in both months: {tiers['improved']} moved up a tier or more, "
        f"{tiers['worsened']} moved down, {tiers['unchanged']} stayed; {tiers['new_accounts']} new, "
        f"{tiers['gone_accounts']} no longer scored."
    ]
    if len(top):
        fall = top.sort_values("change").iloc[0]
        rise = top.sort_values("change").iloc[-1]
        who = lambda r: f"{r['name']} ({r.account_id})" if "name" in r else r.account_id
        lines.append(
            f"Biggest fall: {who(fall)}, from {fall.health_score_before:.0f} to {fall.health_score:.0f}; "
            f"biggest rise: {who(rise)}, from {rise.health_score_before:.0f} to {rise.health_score:.0f}."
        )
    return lines


def tag_summary(tags: pd.DataFrame | None) -> list[str]:
    """How many users tagged last month changed tag (new users are not a change)."""
    if tags is None:
        return []
    kept = tags.drop(index=NEW, errors="ignore")
    moved = int(kept.to_numpy().sum() - sum(kept.at[t, t] for t in kept.index if t in kept.columns))
    return [f"{moved:,} of {int(kept.to_numpy().sum()):,} users tagged last month changed tag."]


def write(changes: dict, run_dir) -> None:
    """tier_changes.csv and health_movers.csv (alert and tag changes are 09's and 07's)."""
    artifacts.write_csv(changes["tiers"].reset_index(), run_dir, "tier_changes.csv")
    artifacts.write_csv(changes["movers"], run_dir, "health_movers.csv")
