"""The CSM page (html/csm_actions.html): one section per CSM, each a list a CSM can work from.

Every CSM is listed, with an anchor of their own (``csm_actions.html#csm-02``): one with nothing to
do reads "Nothing needs you this month", so nobody mistakes a quiet month for being forgotten. Each
account row carries its name and id, ARR, renewal date, health and its change, churn risk, the drivers
in words, why it is on the list, the play, who owns it and the day it is due.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from helpers import artifacts, text
from helpers.report import front
from helpers.report.templating import Column, account, render, table

COLUMNS = [
    front.ACCOUNT,
    front.ARR,
    Column("renewal_date", "Renews", text.day, "short"),
    front.HEALTH,
    front.CHANGE,
    front.RISK,
    Column("drivers", "Why the score is what it is"),
    Column("reasons", "On the list for"),
    Column("recommended_action", "Action"),
    Column("who", "Who"),
    Column("due", "Due (SLA)"),
]


def anchor(csm: str) -> str:
    """'CSM 02' -> 'csm-02': the section's address on the page."""
    return re.sub(r"[^a-z0-9]+", "-", str(csm).lower()).strip("-") or "unassigned"


def page(run_dir: Path, f: dict) -> str:
    actions = artifacts.read(run_dir, "csm_actions.csv")
    sections = [_section(csm, accounts, actions[actions.csm.astype(str) == csm]) for csm, accounts in f["csms"].items()]
    return render(
        "csm.html.j2",
        **front.heading(f) | {"title": f"CSM action lists, {text.month(f['as_of'])}"},
        links=[("Front page", "../index.html"), ("As a spreadsheet (CSV)", "../artifacts/csm_actions.csv")],
        intro=(
            "Every account that needs you this month, per CSM, largest ARR at risk first, with the play and the day "
            f"it is due. {text.counted(len(f['csms']), 'CSM')}, {text.counted(len(actions), 'account')} to act on. "
            "What each figure means is at the foot of the front page."
        ),
        overview=_overview(sections),
        csms=sections,
    )


def _section(csm: str, accounts: int, rows: pd.DataFrame) -> dict:
    rows = rows.sort_values(["arr_at_risk", "account_id"], ascending=[False, True], kind="stable")
    shown = rows.assign(
        account=[account(n, i) for n, i in zip(rows.name, rows.account_id)],
        reasons=rows.reasons.map(_reasons),
        who=rows.owner.astype(str).str.replace(rf" \({re.escape(csm)}\)$", "", regex=True),
        due=[f"{text.day(d)} ({sla})" if not text.missing(d) else str(sla) for d, sla in zip(rows.due_date, rows.sla)],
    )
    needs = (
        f"{text.counted(len(rows), 'account')} to act on, {text.money(rows.arr_at_risk.sum())} ARR at risk"
        if len(rows)
        else "nothing to act on"
    )
    return {
        "name": csm,
        "anchor": anchor(csm),
        "summary": f"{text.counted(accounts, 'account')} in the book; {needs}.",
        "table": table(shown, COLUMNS),
        "needs": len(rows),
        "accounts": accounts,
        "at_risk": float(rows.arr_at_risk.sum()),
    }


def _reasons(reasons: str) -> str:
    """notebook 13's reasons in words: 'health At-risk' -> 'health tier At-risk'."""
    return re.sub(r"^health |(?<=, )health ", "health tier ", str(reasons))


def _overview(sections: list[dict]) -> dict:
    frame = pd.DataFrame(
        {
            "csm": [Markup('<a href="#{}">{}</a>').format(s["anchor"], s["name"]) for s in sections],
            "accounts": [s["accounts"] for s in sections],
            "needs": [s["needs"] for s in sections],
            "at_risk": [s["at_risk"] for s in sections],
        }
    )
    return table(
        frame,
        [
            Column("csm", "CSM"),
            Column("accounts", "Accounts", lambda v: f"{int(v):,}", "number"),
            Column("needs", "To act on", lambda v: f"{int(v):,}" if v else "none", "number"),
            Column("at_risk", "ARR at risk", text.money, "number"),
        ],
    )
