"""The executive summary's content: one table of accounts, the headline KPIs against target, the lists a VP acts on,
and a situation-complication-resolution narrative built from them (seed 001)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.config import Report
from helpers.data.subscriptions import mrr_at
from helpers.health import playbook
from helpers.health.config import Alerts, Tier
from helpers.retention.revenue import KPI_NAMES
from helpers.text import counted, money


def present(table: pd.DataFrame, *columns: str) -> list[str]:
    """The columns, in this order, that the table has (optional data leaves some out)."""
    return [c for c in columns if c in table]


def portfolio(
    health: pd.DataFrame,
    accounts: pd.DataFrame,
    subscriptions: pd.DataFrame,
    as_of: pd.Timestamp,
    churn: pd.DataFrame | None = None,
    renewals: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per scored account: name, segment, csm, ARR now, health, tier, drivers, action, SLA and the
    day it falls due, churn probability and risk band (when notebook 10 ran), the renewal (when known)."""
    keep = ["account_id", *(c for c in ("name", "segment", "csm") if c in accounts and c not in health)]
    out = health.merge(accounts[keep], on="account_id", how="left")
    out["name"] = out.get("name", out.account_id).fillna(out.account_id)
    out["csm"] = out.get("csm", pd.Series("unassigned", index=out.index)).fillna("unassigned")
    out["arr"] = (12 * out.account_id.map(mrr_at(subscriptions, as_of))).fillna(0).round(2)
    if churn is not None:
        out = out.merge(
            churn[["account_id", "churn_probability", "risk_band", "top_drivers"]], on="account_id", how="left"
        )
    if renewals is not None:
        out["days_to_renewal"] = out.account_id.map(renewals)
        out["renewal_date"] = as_of.normalize() + pd.to_timedelta(out.days_to_renewal, unit="D")
    if "sla" in out:
        out["due_date"] = playbook.due_dates(out.sla, as_of)
    return out


def with_change(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Each account's change in health since last period (blank for an account not scored then)."""
    last = now.account_id.map(before.set_index("account_id").health_score)
    return now.assign(health_change=(now.health_score - last).round(1))


def at_risk_arr(p: pd.DataFrame, below: float) -> float:
    return float(p.arr[p.health_score < below].sum())


def headline(
    now: pd.DataFrame, before: pd.DataFrame | None, kpis_now: dict, kpis_before: dict, settings: Report
) -> pd.DataFrame:
    """Each KPI now, in the previous period, its change, its target and whether it is met."""
    t = settings.targets
    share = lambda p: at_risk_arr(p, settings.at_risk_health_below) / max(p.arr.sum(), 1e-9)
    rows = [
        (f"{label} (12 months)", kpis_now.get(key), kpis_before.get(key), getattr(t, key), True, "%")
        for key, label in KPI_NAMES.items()
    ]
    rows += [
        (
            f"Low-health ARR share (health under {settings.at_risk_health_below:g})",
            share(now),
            share(before) if before is not None else np.nan,
            t.at_risk_arr_share,
            False,
            "%",
        ),
        (
            "Average health score",
            now.health_score.mean(),
            before.health_score.mean() if before is not None else np.nan,
            t.average_health,
            True,
            "points",
        ),
    ]
    table = pd.DataFrame(rows, columns=["kpi", "value", "previous", "target", "higher_is_better", "unit"]).astype(
        {"value": float, "previous": float}
    )
    table["change"] = table.value - table.previous
    table["measured"] = table.value.notna()  # e.g. no retention ratio before a year of subscriptions
    met = np.where(table.higher_is_better, table.value >= table.target, table.value <= table.target)
    table["on_target"] = table.measured & met
    return table


def off_target(kpis: pd.DataFrame) -> pd.DataFrame:
    """The KPIs measured this month that miss their target (one not measurable is neither on nor off)."""
    return kpis[kpis.measured & ~kpis.on_target]


def kpi_move(r) -> tuple[float, bool] | None:
    """A headline KPI's change since last month as printed (in points, to one decimal) and whether it is for
    the better; None when either month has no value. Judged as printed: a change that rounds away is 0."""
    if pd.isna(r.change):
        return None
    shown = round(100 * r.change if r.unit == "%" else r.change, 1) + 0.0
    return shown, (shown > 0) == bool(r.higher_is_better)


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """The headline table as a VP reads it: percentages, arrows, target met or not."""

    def fmt(v, unit):
        return "n/a" if pd.isna(v) else (f"{100 * v:.1f} %" if unit == "%" else f"{v:.1f}")

    def change(r):
        move = kpi_move(r)
        if move is None:
            return "n/a"
        shown, better = move
        if shown == 0:
            return "no change"
        return f"{shown:+.1f}{' pts' if r.unit == '%' else ''} ({'better' if better else 'worse'})"

    return pd.DataFrame(
        {
            "KPI": table.kpi,
            "Now": [fmt(v, u) for v, u in zip(table.value, table.unit)],
            "Last month": [fmt(v, u) for v, u in zip(table.previous, table.unit)],
            "Change": [change(r) for r in table.itertuples()],
            "Target": [
                ("at least " if h else "at most ") + fmt(v, u)
                for v, u, h in zip(table.target, table.unit, table.higher_is_better)
            ],
            "Status": np.select([~table.measured, table.on_target], ["not measurable yet", "on target"], "OFF TARGET"),
        }
    )


def health_distribution(p: pd.DataFrame, tier_order: list[str], before: pd.DataFrame | None = None) -> pd.DataFrame:
    """Accounts and ARR per health tier, in counts and shares (and last period's shares when given)."""

    def shares(q: pd.DataFrame) -> pd.DataFrame:
        g = q.groupby("tier").agg(accounts=("account_id", "size"), arr=("arr", "sum")).reindex(tier_order).fillna(0)
        g["share_of_accounts"] = (g.accounts / max(g.accounts.sum(), 1)).round(3)
        g["share_of_arr"] = (g.arr / max(g.arr.sum(), 1e-9)).round(3)
        return g.astype({"accounts": int})

    out = shares(p)
    if before is not None:
        last = shares(before)
        out["share_of_accounts_last_month"] = last.share_of_accounts
        out["share_of_arr_last_month"] = last.share_of_arr
    return out.rename_axis("tier").reset_index()


def red_tiers(tiers: list[Tier]) -> list[str]:
    """The configured health tiers whose accounts need a CSM this month (red: risk 2 and up)."""
    return [t.name for t in tiers if t.status == "red"]


def needs_action(
    p: pd.DataFrame, alerts: pd.DataFrame | None, tiers: list[Tier], urgent_bands: list[str]
) -> pd.DataFrame:
    """Accounts that need a CSM this month, each with its reasons: a red health tier, an urgent churn risk band,
    or an alert of critical severity from notebook 09 (a renewal close at low health is one).
    ARR at risk = ARR x churn probability where the model ran (its expected loss), else the whole ARR."""
    p = p.reset_index(drop=True)
    reasons = [[] for _ in range(len(p))]

    def add(mask: pd.Series, words: pd.Series) -> None:
        for i in np.flatnonzero(mask.fillna(False).to_numpy(bool)):
            reasons[i].append(words.iloc[i])

    add(p.tier.isin(red_tiers(tiers)), "health " + p.tier.astype(str))
    if "risk_band" in p:
        add(p.risk_band.isin(urgent_bands), "churn risk " + p.risk_band.astype(str))
    if alerts is not None and len(alerts):
        critical = alerts[alerts.severity == "critical"].groupby("account_id").alert.agg(", ".join)
        add(p.account_id.isin(critical.index), "alert: " + p.account_id.map(critical).fillna(""))
    why = pd.Series([", ".join(r) for r in reasons], index=p.index)
    out = p.assign(reasons=why)[why != ""]
    prob = out.churn_probability.fillna(1.0) if "churn_probability" in out else 1.0
    return out.assign(arr_at_risk=(out.arr * prob).round(0))


def action_lists(actions: pd.DataFrame) -> pd.DataFrame:
    """Per CSM, the accounts needing action ordered by ARR at risk, with the action and its SLA."""
    cols = [
        "csm",
        "account_id",
        "name",
        "segment",
        "arr",
        "arr_at_risk",
        "renewal_date",
        "health_score",
        "health_change",
        "tier",
        "churn_probability",
        "risk_band",
        "reasons",
        "recommended_action",
        "owner",
        "sla",
        "due_date",
        "drivers",
        "activity",
    ]
    cols = [c for c in cols if c in actions]
    return (
        actions[cols]
        .sort_values(["csm", "arr_at_risk", "account_id"], ascending=[True, False, True], kind="stable")
        .reset_index(drop=True)
    )


def top_at_risk(actions: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    cols = present(
        actions,
        "name",
        "segment",
        "csm",
        "arr",
        "health_score",
        "tier",
        "churn_probability",
        "drivers",
        "recommended_action",
        "sla",
    )
    return (
        actions.sort_values(["arr_at_risk", "arr"], ascending=False, kind="stable").head(n)[cols].reset_index(drop=True)
    )


def renewals_at_risk(p: pd.DataFrame, rule: Alerts) -> pd.DataFrame:
    """Renewals inside the alert rule's window with health under its bar, largest ARR first."""
    if "days_to_renewal" not in p:
        return pd.DataFrame()
    soon = p[p.days_to_renewal.le(rule.renewal_within_days) & p.health_score.lt(rule.renewal_health_below)]
    cols = present(
        soon,
        "account_id",
        "name",
        "csm",
        "arr",
        "renewal_date",
        "days_to_renewal",
        "health_score",
        "tier",
        "churn_probability",
        "recommended_action",
    )
    return soon.sort_values(["arr", "days_to_renewal"], ascending=[False, True], kind="stable")[cols].reset_index(
        drop=True
    )


def strategic(p: pd.DataFrame, before: pd.DataFrame | None, n: int, tiers: list[Tier]) -> pd.DataFrame:
    """The top-n accounts by ARR: their health tier's status (green, yellow or red, from its configured risk)
    and the change since last period."""
    top = p.sort_values(["arr", "account_id"], ascending=[False, True], kind="stable").head(n).copy()
    top["status"] = top.tier.map({t.name: t.status for t in tiers})
    if before is not None and "health_change" not in top:
        top = with_change(top, before)
    cols = present(
        top,
        "account_id",
        "name",
        "segment",
        "csm",
        "arr",
        "health_score",
        "health_change",
        "tier",
        "status",
        "churn_probability",
        "drivers",
    )
    return top[cols].reset_index(drop=True)


def narrative(
    kpis: pd.DataFrame,
    p: pd.DataFrame,
    actions: pd.DataFrame,
    renewals: pd.DataFrame,
    strategic_accounts: pd.DataFrame,
    settings: Report,
    rule: Alerts,
    moves: dict | None = None,
) -> dict[str, str]:
    """Situation, complication, resolution: three short paragraphs generated from the figures; ``moves``
    (``changes.tier_summary``) adds what changed since last month to the situation."""
    grr, nrr, health = kpis.value.iloc[0], kpis.value.iloc[1], kpis.value.iloc[-1]
    risk_arr = at_risk_arr(p, settings.at_risk_health_below)
    red = strategic_accounts[strategic_accounts.status == "red"]
    kept = (
        f"Over the last twelve months the base kept {100 * grr:.1f} % of its revenue before expansion and "
        f"{100 * nrr:.1f} % after it"
        if pd.notna(grr) and pd.notna(nrr)
        else "Revenue retention needs a year of subscription history, which this dataset does not have yet"
    )
    situation = (
        f"{len(p):,} paying accounts, ${p.arr.sum():,.0f} ARR. {kept}; the average health score is {health:.1f}."
        + (f" {_tier_moves(moves)}" if moves else "")
    )
    complication = " ".join(
        filter(
            None,
            [
                f"${risk_arr:,.0f} of ARR ({100 * risk_arr / max(p.arr.sum(), 1e-9):.1f} %) sits in low-health "
                f"accounts (health under {settings.at_risk_health_below:g}).",
                _worst_move(kpis),
                f"Off target: {', '.join(off_target(kpis).kpi)}."
                if len(off_target(kpis))
                else "Every measured KPI is on target.",
                f"{counted(len(renewals), 'renewal')} in the next {rule.renewal_within_days} days "
                f"{'has' if len(renewals) == 1 else 'have'} health under "
                f"{rule.renewal_health_below:g} (${renewals.arr.sum():,.0f} ARR)."
                if len(renewals)
                else "",
                f"{len(red)} of the top {len(strategic_accounts)} accounts are red: {', '.join(red.name)}."
                if len(red)
                else f"None of the top {len(strategic_accounts)} accounts is red.",
            ],
        )
    )
    first = actions.sort_values(["arr_at_risk", "arr"], ascending=False, kind="stable").head(3)
    plays = actions.recommended_action.value_counts()
    resolution = " ".join(
        filter(
            None,
            [
                f"{counted(len(actions), 'account')} {'needs' if len(actions) == 1 else 'need'} action this month, "
                f"${actions.arr_at_risk.sum():,.0f} of ARR at risk "
                f"(ARR weighted by churn probability where the model ran).",
                f"Start with {', '.join(first.name)} (${first.arr_at_risk.sum():,.0f} at risk between them)."
                if len(first)
                else "",
                f"The most common play is '{plays.index[0]}' ({plays.iloc[0]} accounts)." if len(plays) else "",
                "Every CSM has a list ordered by ARR at risk, with the action and its SLA.",
            ],
        )
    )
    return {"situation": situation, "complication": complication, "resolution": resolution}


def _tier_moves(moves: dict) -> str:
    """Tier moves since last month, in one sentence."""
    return (
        f"Since last month {counted(moves['improved'], 'account')} rose a health tier or more and "
        f"{counted(moves['worsened'], 'account')} fell, of {moves['accounts_in_both']:,} scored in both months."
    )


def story_markdown(story: dict[str, str]) -> str:
    """The narrative's paragraphs as Markdown, each led by its part in bold (**Situation.** ...)."""
    return "\n\n".join(f"**{part.title()}.** {text}" for part, text in story.items())


def _worst_move(kpis: pd.DataFrame) -> str:
    """The KPI that moved most the wrong way since last period, in words (empty if none did)."""
    k = kpis.dropna(subset=["change"])
    worse = k[(k.change < 0) == k.higher_is_better]
    worse = worse[(worse.change.abs() * np.where(worse.unit == "%", 100, 1)).round(1) > 0]
    if worse.empty:
        return "No headline KPI got worse since last month."
    size = worse.change.abs() * np.where(worse.unit == "%", 100, 1)
    r = worse.loc[size.idxmax()]
    amount = f"{100 * abs(r.change):.1f} points" if r.unit == "%" else f"{abs(r.change):.1f} points"
    direction = "fell" if r.change < 0 else "rose"
    return f"{r.kpi} {direction} {amount} since last month."


def for_display(table: pd.DataFrame) -> pd.DataFrame:
    """Money as $, probabilities as %, scores to one decimal: a table as it is printed for a VP."""
    out = table.copy()
    for col in ("arr", "arr_at_risk"):
        if col in out:
            out[col] = out[col].map(money)
    if "churn_probability" in out:
        out["churn_probability"] = out.churn_probability.map(lambda v: "n/a" if pd.isna(v) else f"{100 * v:.0f} %")
    for col in ("health_score", "health_change"):
        if col in out:
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:.1f}")
    text = out.select_dtypes(exclude="number").columns
    out[text] = out[text].astype(object).where(out[text].notna(), "")  # a blank, never "NaN" or "None"
    return out.rename(columns=lambda c: c.replace("_", " "))


def flagged_for_sparklines(actions: pd.DataFrame, n: int = 12) -> dict[str, str]:
    """The n flagged accounts with most ARR at risk, labelled for the sparkline grid."""
    top = actions.sort_values(["arr_at_risk", "arr"], ascending=False, kind="stable").head(n)
    return {
        a: f"{name} (${arr / 1000:,.0f}K, health {h:.0f})"
        for a, name, arr, h in zip(top.account_id, top.name, top.arr, top.health_score)
    }


def summary(kpis: pd.DataFrame, actions: pd.DataFrame, renewals: pd.DataFrame, strategic_accounts: pd.DataFrame) -> str:
    on = int(kpis.on_target.sum())
    red = int((strategic_accounts.status == "red").sum())
    off = ", ".join(off_target(kpis).kpi) or "none"
    return "\n".join(
        [
            f"{on} of {int(kpis.measured.sum())} measured headline KPIs on target; off target: {off}.",
            f"{counted(len(actions), 'account')} to act on (${actions.arr_at_risk.sum():,.0f} ARR at risk), "
            f"across {counted(actions.csm.nunique(), 'CSM list')}.",
            f"{counted(len(renewals), 'renewal')} in the window at low health; "
            f"{counted(red, 'red strategic account')}.",
        ]
    )


SPARK = "▁▂▃▄▅▆▇█"  # one block per activity-coefficient level, 0..7


def spark_text(history: pd.DataFrame) -> pd.Series:
    """Each account's weekly activity coefficient as a text sparkline (oldest week first), for tables and CSVs."""
    steps = history.sort_values("week", kind="stable").groupby("account_id", sort=False).activity_coefficient
    return steps.agg(lambda s: "".join(SPARK[int(min(max(v, 0), 7))] for v in s))


def page_facts(inputs, story: dict[str, str], changes: dict, top_n: int) -> dict:
    """What the report's front page and CSM page say beyond the tables (``executive_summary.json``): the
    dataset, the date, what last month means, the three paragraphs, the month's changes in words, the rules
    behind the lists, and every CSM with their number of paying accounts (a CSM with nothing to do is
    listed as such, not forgotten)."""
    ds, settings, rule = inputs.ds, inputs.settings, inputs.renewal_rule
    accounts = ds.tables["accounts"]
    roster = accounts.csm.dropna().astype(str) if "csm" in accounts else pd.Series(dtype=str)
    return {
        "dataset": ds.config.name or ds.root.name,
        "as_of": str(ds.as_of.date()),
        "compared_with": inputs.before_source,
        "story": [[part.title(), words] for part, words in story.items()],  # in order (the file sorts keys)
        "since_last_month": changes["summary"],
        "low_health_below": settings.at_risk_health_below,
        "renewal_within_days": rule.renewal_within_days,
        "renewal_health_below": rule.renewal_health_below,
        "top_n": top_n,
        "tiers": {t.name: t.status for t in inputs.tiers},
        "tier_margin": inputs.tier_margin,
        "csms": {c: int((inputs.now.csm.astype(str) == c).sum()) for c in sorted(set(roster) | set(inputs.now.csm))},
        "churn_model": "churn_probability" in inputs.now,
    }


DISAGREE_COLUMNS = ["account_id", "name", "csm", "arr", "health_score", "tier", "churn_probability", "why"]


def disagreements(p: pd.DataFrame, tiers: list[Tier], urgent_bands: list[str], low_risk: float = 0.10) -> pd.DataFrame:
    """Accounts whose health tier and churn risk disagree sharply, each with a sentence saying why both can be
    true: a red health tier with a churn risk under ``low_risk``, or a green tier in one of the churn model's
    urgent bands. No rows without a churn model (there is nothing to disagree with)."""
    if "churn_probability" not in p:
        return pd.DataFrame(columns=DISAGREE_COLUMNS)
    status = p.tier.map({t.name: t.status for t in tiers})
    low = (status == "red") & (p.churn_probability < low_risk)
    high = (status == "green") & p.risk_band.isin(urgent_bands)
    out = p[low | high].copy()
    out["why"] = [
        (
            f"Health is low ({d}), but in the history accounts like this one rarely churned: the churn model, "
            f"which learned from who actually left, puts the risk at {100 * r:.0f} %. Worth a call before an escalation."
            if is_low
            else f"Health looks fine, but the churn model puts the risk at {100 * r:.0f} %: {c} came before churn "
            "in similar accounts."
        )
        for is_low, d, r, c in zip(low[low | high], out.drivers, out.churn_probability, out.top_drivers)
    ]
    return out.sort_values(["arr", "account_id"], ascending=[False, True], kind="stable")[DISAGREE_COLUMNS]
