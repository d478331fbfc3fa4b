"""What changed since last month's run (``--previous``): biggest movers, tier changes, new and
resolved alerts, and users' tag transitions, each read from the two runs' artifacts."""

from __future__ import annotations

import pandas as pd

from helpers import artifacts


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
    order = [*tier_order, "(not scored)"]
    both = both.fillna({"tier_before": "(not scored)", "tier_now": "(not scored)"})
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


def alert_changes(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Alerts raised this month that were not up last month ('new') and last month's that cleared ('resolved')."""
    key = ["account_id", "alert"]
    merged = now.merge(before[[*key, "severity"]], on=key, how="outer", suffixes=("", "_before"), indicator=True)
    merged["change"] = merged._merge.astype(str).map(
        {"left_only": "new", "right_only": "resolved", "both": "still open"}
    )
    merged["severity"] = merged.severity.fillna(merged.severity_before)
    out = merged[merged.change != "still open"][["change", "account_id", "alert", "severity", "detail"]]
    return out.sort_values(["change", "severity", "account_id", "alert"], kind="stable").reset_index(drop=True)


def tag_transitions(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Users by last month's tag (rows) and this month's (columns), for users tagged in both runs."""
    both = before[["user_id", "tag"]].merge(now[["user_id", "tag"]], on="user_id", suffixes=("_before", "_now"))
    return pd.crosstab(both.tag_before, both.tag_now).rename_axis(index="last month", columns="this month")


def summary(tiers: dict, alerts: pd.DataFrame, top: pd.DataFrame, tags: pd.DataFrame | None) -> list[str]:
    """The month-over-month story in a few sentences."""
    lines = [
        f"{tiers['accounts_in_both']} accounts scored in both months: {tiers['improved']} moved up a tier or more, "
        f"{tiers['worsened']} moved down, {tiers['unchanged']} stayed; {tiers['new_accounts']} new, "
        f"{tiers['gone_accounts']} no longer scored."
    ]
    counts = alerts.groupby(["change", "severity"]).size()
    lines.append(
        f"Alerts: {int(counts.get('new', pd.Series()).sum())} new "
        f"({int(counts.get(('new', 'critical'), 0))} of critical severity), "
        f"{int(counts.get('resolved', pd.Series()).sum())} resolved."
    )
    if len(top):
        fall = top.sort_values("change").iloc[0]
        rise = top.sort_values("change").iloc[-1]
        who = lambda r: f"{r['name']} ({r.account_id})" if "name" in r else r.account_id
        lines.append(
            f"Biggest fall: {who(fall)} {fall.health_score_before:.0f} -> {fall.health_score:.0f}; "
            f"biggest rise: {who(rise)} {rise.health_score_before:.0f} -> {rise.health_score:.0f}."
        )
    if tags is not None and tags.size:
        moved = int(tags.to_numpy().sum() - sum(tags.at[t, t] for t in tags.index if t in tags.columns))
        lines.append(f"{moved} of {int(tags.to_numpy().sum())} users changed tag.")
    return lines


def compare(
    now: pd.DataFrame,
    alerts: pd.DataFrame | None,
    tags: pd.DataFrame | None,
    previous: dict[str, pd.DataFrame | None],
    tier_order: list[str],
) -> dict:
    """Everything that changed against last month's artifacts, plus the summary sentences."""
    before = previous["account_health.csv"]
    empty_alerts = pd.DataFrame(columns=["account_id", "alert", "severity", "detail"])
    out = {
        "movers": movers(now, before),
        "tiers": tier_changes(now, before, tier_order),
        "alerts": alert_changes(
            alerts if alerts is not None else empty_alerts,
            previous.get("alerts.csv") if previous.get("alerts.csv") is not None else empty_alerts,
        ),
        "tags": tag_transitions(tags, previous["user_tags.csv"])
        if tags is not None and previous.get("user_tags.csv") is not None
        else None,
    }
    out["summary"] = summary(tier_summary(now, before, tier_order), out["alerts"], out["movers"], out["tags"])
    return out


def write(changes: dict | None, run_dir) -> None:
    """changes_movers / _tiers / _alerts / _tags.csv (nothing without a previous run)."""
    for name in ("movers", "tiers", "alerts", "tags"):
        table = changes.get(name) if changes else None
        if table is not None:
            artifacts.write_csv(
                table.reset_index() if name in ("tiers", "tags") else table, run_dir, f"changes_{name}.csv"
            )
