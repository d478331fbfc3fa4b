"""What each account did in its first 30 days, and how long accounts of each kind stayed (seed 001's behavioural cohorts).

The behaviours come from the dataset's taxonomy (core features, collaboration, asset
creation, advanced features), so a second product gets its own. Only accounts whose whole
first 30 days lie inside the event log are judged; the others are left out and counted.
"""

from __future__ import annotations

import math

import pandas as pd

from helpers.churn import survival
from helpers.data.contract import Dataset
from helpers.measures.catalogue import active_events, groups
from helpers.measures.engine import sql_list

FIRST_DAYS = 30


def first_month(ds: Dataset, signup: pd.Series) -> pd.DataFrame:
    """Per account signed up inside the event log: active users, core features used, collaboration,
    assets created and advanced features used in its first 30 days."""
    g = groups(ds.config)
    active = sql_list(active_events(ds.config, ds.events.event_counts))
    start = pd.DataFrame({"account_id": signup.index, "signup": signup.to_numpy()})
    judged = start[
        (start.signup >= ds.events.first.normalize()) & (start.signup + pd.Timedelta(days=FIRST_DAYS) <= ds.as_of)
    ]
    con = ds.connect()
    con.register("signup_df", judged)
    df = con.execute(f"""
        SELECT s.account_id,
          count(DISTINCT e.user_id) FILTER (WHERE e.event IN {active}) AS active_users,
          count(DISTINCT e.event) FILTER (WHERE e.event IN {sql_list(g["core"])}) AS core_features,
          count(*) FILTER (WHERE e.event IN {sql_list(g["collaboration"])}) AS collaboration_events,
          count(*) FILTER (WHERE e.event IN {sql_list(g["asset_creation"])}) AS assets_created,
          count(*) FILTER (WHERE e.event IN {sql_list(g["advanced"])}) AS advanced_events
        FROM signup_df s LEFT JOIN events e ON e.account_id = s.account_id
          AND e.timestamp >= s.signup AND e.timestamp < s.signup + INTERVAL {FIRST_DAYS} DAY
        GROUP BY s.account_id ORDER BY s.account_id""").df()
    con.close()
    return df.set_index("account_id")


def behaviours(first: pd.DataFrame, n_core: int) -> pd.DataFrame:
    """One boolean column per behaviour, named in words (the taxonomy decides what exists)."""
    half = max(1, math.ceil(n_core / 2))
    out = {"3+ users active": first.active_users >= 3}
    if n_core:
        out[f"used {half}+ of {n_core} core features"] = first.core_features >= half
    for col, words in (
        ("collaboration_events", "collaborated"),
        ("assets_created", "created 10+ assets"),
        ("advanced_events", "tried an advanced feature"),
    ):
        if first[col].sum() > 0:
            out[words] = first[col] >= (10 if col == "assets_created" else 1)
    out["no activity at all"] = first.active_users == 0
    return pd.DataFrame(out, index=first.index)


def retention_by_behaviour(did: pd.DataFrame, lives: pd.DataFrame, days: int = 180, min_size: int = 30) -> pd.DataFrame:
    """For each behaviour: accounts that did / did not, Kaplan-Meier retention at ``days`` for each, and the
    index against all judged accounts (seed 001's 'retention index'); small groups are flagged."""
    lives = lives.set_index("account_id").reindex(did.index).dropna(subset=["days"])
    overall = _retained(lives, days)
    rows = []
    for name in did.columns:
        yes, no = lives[did.loc[lives.index, name]], lives[~did.loc[lives.index, name]]
        r_yes, r_no = _retained(yes, days), _retained(no, days)
        rows.append(
            {
                "behaviour": name,
                "accounts_did": len(yes),
                f"retained_{days}d_did": r_yes,
                "accounts_did_not": len(no),
                f"retained_{days}d_did_not": r_no,
                "index": round(r_yes / overall, 2) if overall and r_yes == r_yes else float("nan"),
                "note": "small group: read with care" if min(len(yes), len(no)) < min_size else "",
            }
        )
    return pd.DataFrame(rows).sort_values("index", ascending=False, kind="stable").reset_index(drop=True)


def _retained(lives: pd.DataFrame, days: int) -> float:
    if lives.empty:
        return float("nan")
    curve = survival.kaplan_meier(lives.assign(all="all"), "all")
    return float(survival.retained_at(curve, "all", days)[f"retained_{days}d"].iloc[0])
