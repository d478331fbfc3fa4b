"""The CSM baseline: the users the CSMs call experts and intermediates.

This is step 1 of the expert-user method: before any usage data is consulted, the
people who work beside the users name the strong ones and the middling ones. The
method then learns from these two cohorts what expertise looks like in the data.
Cohorts too small to learn from are reported here, with the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.contract import Dataset
from helpers.errors import DataContractError
from helpers.stats import SMALL_SAMPLE

LABELS = ("expert", "intermediate")
# Below this many users in a cohort, nothing is learned: a boundary fitted to four
# points is noise. The method steps aside.
HARD_MIN = 8
# Below the small-sample rule (helpers.stats), results are shown but flagged: a "strong"
# measure may be a moderate one, and a 0.5 one may be nothing.
ADVISED_MIN = SMALL_SAMPLE


class CohortError(DataContractError):
    """The CSM labels cannot support the expert-user method."""


def unusable_reason(ds: Dataset) -> str | None:
    """Why the expert-user method cannot run on this dataset, or None when it can."""
    if "csm_labels" not in ds.tables:
        return (
            "no csm_labels table: the expert-user method (notebooks 01-07) needs the CSMs' expert and "
            "intermediate labels, so user tags and expert share are absent from this run"
        )
    labels = ds.tables["csm_labels"]
    counts = labels.label.value_counts().reindex(LABELS, fill_value=0)
    name = ds.files["csm_labels"].name
    if (counts == 0).any():
        only = counts.idxmax()
        return (
            f"{name}: column 'label': every one of the {int(counts.sum())} label(s) is '{only}'; expected both "
            "'expert' and 'intermediate': the method learns from the difference between the two cohorts"
        )
    if (counts < HARD_MIN).any():
        small = counts.idxmin()
        return (
            f"{name}: column 'label': only {int(counts[small])} '{small}' label(s) up to as_of; expected at "
            f"least {HARD_MIN} per cohort (and {ADVISED_MIN} for firm conclusions): ask the CSMs for more"
        )
    return None


def baseline(ds: Dataset) -> pd.DataFrame:
    """One row per labelled user: user_id, account_id, role, label, labeled_by, labeled_at, csm."""
    reason = unusable_reason(ds)
    if reason:
        raise CohortError(reason)
    labels = ds.tables["csm_labels"]
    users = ds.tables["users"]
    accounts = ds.tables["accounts"]
    out = labels.merge(users[[c for c in ("user_id", "account_id", "role") if c in users]], on="user_id")
    for col, default in (("role", "unknown"), ("labeled_by", "unknown"), ("labeled_at", pd.NaT)):
        if col not in out:
            out[col] = default
    out["role"] = out["role"].fillna("unknown")
    csm = accounts.set_index("account_id")["csm"] if "csm" in accounts else pd.Series(dtype=object)
    out["csm"] = out.account_id.map(csm).fillna("unassigned")
    out["labeled_by"] = out["labeled_by"].fillna(out["csm"])
    cols = ["user_id", "account_id", "role", "label", "labeled_by", "labeled_at", "csm"]
    return out[cols].sort_values("user_id").reset_index(drop=True)


def sizes(cohort: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    """Per cohort: n, share of labels, accounts and labellers involved, and the size verdict."""
    g = cohort.groupby("label")
    out = pd.DataFrame({"users": g.size(), "accounts": g.account_id.nunique(), "labellers": g.labeled_by.nunique()})
    out = out.reindex(list(LABELS)).fillna(0).astype(int)
    out["share_of_labels"] = (out.users / out.users.sum()).round(3)
    out["share_of_all_users"] = (out.users / len(users)).round(4)
    out["verdict"] = np.where(
        out.users < HARD_MIN,
        f"too small (< {HARD_MIN}): the method steps aside",
        np.where(out.users < ADVISED_MIN, f"small (< {ADVISED_MIN}): read results as tentative", "large enough"),
    )
    return out.rename_axis("cohort").reset_index()


def by_labeller(cohort: pd.DataFrame) -> pd.DataFrame:
    """How many users each CSM labelled, and how many of those they called experts."""
    t = pd.crosstab(cohort.labeled_by, cohort.label).reindex(columns=list(LABELS), fill_value=0)
    t["total"] = t.sum(axis=1)
    t["expert_share"] = (t.expert / t.total).round(2)
    return t.sort_values("total", ascending=False).rename_axis("labeller").reset_index()


def account_coverage(cohort: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    """Labelled users per account, as a distribution: most accounts have none."""
    per_account = cohort.groupby("account_id").size().reindex(users.account_id.unique(), fill_value=0)
    bands = pd.cut(per_account, [-1, 0, 1, 2, 5, np.inf], labels=["0", "1", "2", "3-5", "6+"])
    out = bands.value_counts().reindex(["0", "1", "2", "3-5", "6+"]).rename("accounts").to_frame()
    out["share"] = (out.accounts / out.accounts.sum()).round(3)
    return out.rename_axis("labelled_users").reset_index()


def role_mix(cohort: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    """Share of each role in each cohort and among all users: who the CSMs see, and who they miss."""
    mix = pd.crosstab(cohort.role, cohort.label, normalize="columns").reindex(columns=list(LABELS))
    everyone = users["role"].fillna("unknown") if "role" in users else pd.Series("unknown", index=users.index)
    mix["all_users"] = everyone.value_counts(normalize=True)
    return mix.fillna(0).round(3).sort_values("all_users", ascending=False).rename_axis("role").reset_index()


def size_warnings(table: pd.DataFrame) -> list[str]:
    small = table[table.users < ADVISED_MIN]
    return [
        f"The {r.cohort} cohort has {r.users} users (< {ADVISED_MIN}): effect sizes and boundaries below "
        "will have wide intervals; treat them as tentative and ask the CSMs for more labels."
        for r in small.itertuples()
    ]


def size_note(table: pd.DataFrame) -> str:
    """The size warnings, one a line, or that both cohorts are large enough."""
    return "\n".join(size_warnings(table)) or "Both cohorts are large enough for firm conclusions."
