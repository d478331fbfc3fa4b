"""The report's front page (index.html), rendered from notebook 13's artifacts for the person who reads it.

A VP reads: the month in three paragraphs, the headline figures as tiles against last month and
target, the health of the base, the accounts and renewals that need attention, the largest accounts,
what changed since last month, and what each figure means. Every number has one definition, given at
the foot of the page; the notebooks behind it are one link away.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from markupsafe import Markup

from helpers import artifacts, text
from helpers.report import executive
from helpers.report.templating import Column, account, render, table

NAV = [
    ("CSM action lists", "html/csm_actions.html"),
    ("The analyst's summary", "html/13_executive_summary.html"),
    ("Every notebook and artifact", "contents.html"),
]
STATUS_WORDS = {"green": "healthy", "yellow": "watch", "red": "at risk"}


def facts(run_dir: Path) -> dict | None:
    """Notebook 13's page facts (``executive_summary.json``), or None when it did not run."""
    where = artifacts.path(run_dir, "executive_summary.json")
    return artifacts.read_json(run_dir, "executive_summary.json") if where.exists() else None


def heading(f: dict) -> dict:
    """The title and subtitle every page of the report shares."""
    return {
        "title": f"Customer health report, {text.month(f['as_of'])}",
        "subtitle": f"{f['dataset']} · data up to {text.day(f['as_of'])} · last month: {f['compared_with']}",
    }


def page(run_dir: Path, f: dict, skipped: dict[str, str] | None = None) -> str:
    """index.html; ``skipped`` (notebook -> reason) is said at the foot: what this month's report lacks."""
    actions = artifacts.read(run_dir, "csm_actions.csv")
    return render(
        "front.html.j2",
        **heading(f),
        links=NAV,
        story=[(f"{part}.", words) for part, words in f["story"]],
        tiles=[_tile(r) for r in artifacts.read(run_dir, "executive_kpis.csv").itertuples()],
        tiles_note="Retention is over the trailing twelve months; health figures are this month's scores.",
        health=_health(artifacts.read(run_dir, "health_distribution.csv")),
        health_note=_health_note(artifacts.read_json(run_dir, "health_backtest.json")),
        attention=_attention(actions, f["top_n"]),
        attention_note=_attention_note(actions, f),
        renewals=_renewals(artifacts.read(run_dir, "renewals_at_risk.csv").head(f["top_n"])),
        renewals_note=_renewals_note(artifacts.read(run_dir, "renewals_at_risk.csv"), f),
        strategic=_strategic(artifacts.read(run_dir, "strategic_accounts.csv"), f),
        strategic_note=_strategic_note(artifacts.read(run_dir, "strategic_accounts.csv")),
        disagree=_disagree(artifacts.read(run_dir, "health_churn_disagreements.csv")),
        disagree_note=_disagree_note(artifacts.read(run_dir, "health_churn_disagreements.csv"), f),
        changes=f["since_last_month"],
        movers=_movers(artifacts.read(run_dir, "health_movers.csv")),
        definitions=definitions(f),
        aside=_aside(skipped or {}),
    )


def _aside(skipped: dict[str, str]) -> str:
    if not skipped:
        return ""
    names = ", ".join(Path(nb).stem.replace("_", " ") for nb in sorted(skipped))
    return (
        f"{text.counted(len(skipped), 'notebook')} stepped aside this month, each saying why on the contents page: "
        f"{names}."
    )


def definitions(f: dict) -> list[tuple[str, str]]:
    """Each figure on the report, defined once."""
    risk = (
        "ARR x the account's churn probability (its expected loss) for the accounts that need attention"
        if f["churn_model"]
        else "the whole ARR of the accounts that need attention (no churn model ran this month)"
    )
    return [
        ("ARR", "annual recurring revenue: twelve times the account's monthly recurring revenue on the report date."),
        ("ARR at risk", risk + "."),
        ("Low-health ARR", f"the ARR of accounts whose health score is under {f['low_health_below']:g}."),
        (
            "Health score",
            "0 to 100, from usage, engagement, growth, support, billing and relationships, each against its "
            "segment; its tier (for example At-risk) sets the play and how fast it is due. A score that crosses "
            f"a tier line by less than {f['tier_margin']:g} points changes tier only when it is still there "
            "a month later, so tiers do not flip on noise.",
        ),
        (
            "Churn risk",
            "the churn model's probability that the account leaves within the outcome window, checked against "
            "accounts it never learned from."
            if f["churn_model"]
            else "not shown this month: the churn model did not run (too little churn history).",
        ),
        (
            "Needs attention",
            "a health tier marked red, one of the churn model's two riskiest bands, or a critical alert "
            f"(such as a renewal within {f['renewal_within_days']} days at health under "
            f"{f['renewal_health_below']:g}).",
        ),
    ]


def _tile(r) -> dict:
    show = (lambda v: text.share(v, 1)) if r.unit == "%" else (lambda v: text.points(v, 1))
    measured = bool(r.measured)
    change = _change(r)
    return {
        "label": r.kpi,
        "value": show(r.value) if measured else "not yet measurable",
        "last": show(r.previous),
        "change": change[0],
        "change_class": change[1],
        "target": ("at least " if r.higher_is_better else "at most ") + show(r.target),
        "status": "on target" if r.on_target else ("off target" if measured else "not measurable yet"),
        "status_class": "on" if r.on_target else ("off" if measured else ""),
    }


def _change(r) -> tuple[str, str]:
    """The tile's change in words and its colour class (``executive.kpi_move``: the notebook's judgement)."""
    move = executive.kpi_move(r)
    if move is None:
        return "", ""
    shown, better = move
    if shown == 0:
        return "no change", ""
    return f"{'up' if shown > 0 else 'down'} {abs(shown):.1f} points", "better" if better else "worse"


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with an ``account`` column: each name with its id beside it (a table with no names, such as
    renewals without renewal dates, is left as it is and shows no account column)."""
    if "name" not in frame:
        return frame
    return frame.assign(account=[account(n, i) for n, i in zip(frame["name"], frame["account_id"])])


MONEY = dict(show=text.money, kind="number")
ACCOUNT = Column("account", "Account")  # name and id (``_named``)
CSM = Column("csm", "CSM", kind="short")
ARR = Column("arr", "ARR", **MONEY)
HEALTH = Column("health_score", "Health", lambda v: text.points(v), "number")
CHANGE = Column("health_change", "Change", lambda v: text.points(v, signed=True), "number")
RISK = Column("churn_probability", "Churn risk", text.share, "number")


def _health(dist: pd.DataFrame) -> dict:
    biggest = max(dist.share_of_arr.max(), dist.share_of_accounts.max(), 1e-9)
    bar = lambda v: _bar(v, biggest)
    return table(
        dist.assign(accounts_bar=dist.share_of_accounts, arr_bar=dist.share_of_arr),
        [
            Column("tier", "Health tier"),
            Column("accounts", "Accounts", lambda v: f"{int(v):,}", "number"),
            Column("accounts_bar", "Share of accounts", bar),
            Column("share_of_accounts_last_month", "Last month", text.share, "number"),
            ARR,
            Column("arr_bar", "Share of ARR", bar),
            Column("share_of_arr_last_month", "Last month", text.share, "number"),
        ],
    )


def _health_note(backtest: dict) -> str:
    """Which weights the score uses when they were learned from past outcomes (``health.weights``), or, when
    learned ones rank churn clearly better than the configured ones (notebook 09), one sentence saying so;
    else nothing (the configured score stands)."""
    used = backtest.get("weights", {})
    if used.get("in_use") == "learned":
        auc = used["judged"]["auc"]
        return (
            f"The score uses weights learned from past outcomes on {text.day(used['learned_as_of'])}, "
            "including which actions signal churn: on the months they were judged on, they ranked churners at AUC "
            f"{auc['learned']:.2f}, against {auc['configured']:.2f} with the configured weights."
        )
    learned = backtest.get("learned_weights", {})
    if not learned.get("clearly_better"):
        return ""
    auc = learned["auc"]
    return (
        "The score could warn earlier: weights learned from past outcomes, including which actions signal "
        f"churn, ranked churners better on the most recent months (AUC {auc['configured']:.2f} with today's "
        f"weights, {auc['learned']:.2f} learned). Notebook 09 has the configuration to adopt."
    )


def _bar(v, biggest: float) -> Markup:
    """A share drawn as a bar beside its percentage."""
    return Markup('<span class="bar" style="width:{:.2f}rem"></span>{}').format(8 * float(v) / biggest, text.share(v))


def _attention(actions: pd.DataFrame, n: int) -> dict:
    top = actions.sort_values(["arr_at_risk", "arr"], ascending=False, kind="stable").head(n)
    return table(
        _named(top),
        [
            ACCOUNT,
            CSM,
            ARR,
            Column("arr_at_risk", "ARR at risk", **MONEY),
            HEALTH,
            CHANGE,
            RISK,
            Column("drivers", "Why"),
            Column("recommended_action", "Action"),
            Column("due_date", "Due", text.day, "short"),
        ],
    )


def _attention_note(actions: pd.DataFrame, f: dict) -> str:
    if actions.empty:
        return "No account needs attention this month."
    shown = min(len(actions), f["top_n"])
    return (
        f"{text.counted(len(actions), 'account')} need attention this month, {text.money(actions.arr_at_risk.sum())} "
        f"ARR at risk between them. The {text.counted(shown, 'largest risk')} by ARR at risk are shown here; "
        "every one is on its CSM's list."
        if len(actions) > 1
        else f"1 account needs attention this month, {text.money(actions.arr_at_risk.sum())} ARR at risk."
    )


def _renewals(renewals: pd.DataFrame) -> dict:
    return table(
        _named(renewals),
        [
            ACCOUNT,
            CSM,
            ARR,
            Column("renewal_date", "Renews", text.day, "short"),
            HEALTH,
            RISK,
            Column("recommended_action", "Action"),
        ],
    )


def _renewals_note(renewals: pd.DataFrame, f: dict) -> str:
    rule = f"renewing within {f['renewal_within_days']} days with health under {f['renewal_health_below']:g}"
    if renewals.empty:
        return f"No account is {rule}."
    shown = (
        f"the {text.counted(f['top_n'], 'largest')} by ARR are shown here"
        if len(renewals) > f["top_n"]
        else "largest first"
    )
    return (
        f"{text.counted(len(renewals), 'account')} {rule}, {text.money(renewals.arr.sum())} ARR; {shown}. "
        "Each is on its CSM's list."
    )


def _strategic(top: pd.DataFrame, f: dict) -> dict:
    status = [Markup('<span class="status {}"></span>{}').format(s, t) for s, t in zip(top.status.fillna(""), top.tier)]
    return table(
        _named(top).assign(tier_status=status),
        [
            ACCOUNT,
            Column("segment", "Segment", kind="short"),
            CSM,
            ARR,
            HEALTH,
            CHANGE,
            Column("tier_status", "Health tier", kind="short"),
            RISK,
            Column("drivers", "What moves the score"),
        ],
    )


def _strategic_note(top: pd.DataFrame) -> str:
    counts = top.status.value_counts()
    parts = [f"{int(counts.get(s, 0))} {words}" for s, words in STATUS_WORDS.items()]
    return f"The {text.counted(len(top), 'largest account')} by ARR: {', '.join(parts)}."


def _disagree(rows: pd.DataFrame) -> dict:
    return table(
        _named(rows),
        [
            ACCOUNT,
            CSM,
            ARR,
            HEALTH,
            Column("tier", "Health tier", kind="short"),
            RISK,
            Column("why", "Why both can be true"),
        ],
    )


def _disagree_note(rows: pd.DataFrame, f: dict) -> str:
    if not f["churn_model"]:
        return "No churn model ran this month, so there is no second opinion to set against health."
    if rows.empty:
        return "Health tiers and churn risk agree this month: no red tier with a low risk, no green tier with an urgent one."
    return (
        f"{text.counted(len(rows), 'account')} where the health tier and the churn risk point different ways "
        "(a red tier with a churn risk under 10 %, or a green tier in one of the churn model's two riskiest bands)."
    )


def _movers(movers: pd.DataFrame) -> dict:
    moved = movers.assign(tiers=[f"{a} to {b}" if a != b else b for a, b in zip(movers.tier_before, movers.tier)])
    return table(
        _named(moved),
        [
            ACCOUNT,
            CSM,
            Column("health_score_before", "Last month", lambda v: text.points(v), "number"),
            Column("health_score", "Now", lambda v: text.points(v), "number"),
            Column("change", "Change", lambda v: text.points(v, signed=True), "number"),
            Column("tiers", "Health tier"),
        ],
    )
