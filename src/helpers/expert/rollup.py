"""From users to accounts (step 8): who the account's users are, and how it uses the product.

The expert share is the seed's own figure, experts / all users x 100. Beside it, a
role-weighted share: a manager's expertise moves an account more than an intern's,
so each user counts with their role's weight from ``dataset.yaml``. Activity
(Product Activity Coefficient, feature adoption) is measured on the account as a
whole, and seat utilisation compares active users with the seats paid for.
"""

from __future__ import annotations

import pandas as pd

from helpers.data import subscriptions as outcomes
from helpers.data.contract import Dataset
from helpers.expert import model as expert_model
from helpers.expert import tagging
from helpers.health import usage
from helpers.measures import engine as measure_engine
from helpers.measures.catalogue import PAC_WEEKS, active_events
from helpers.measures.engine import sql_list, week_sql, window_dates
from helpers.stats import small_note, wilson

TAG_COLUMNS = {"Expert": "experts", "Intermediate": "intermediates", "Beginner": "beginners", "Inactive": "inactive"}
SHARE_RETENTION_COLUMNS = ["weighted_expert_share", "accounts", "churned", "churn_rate", "ci_low", "ci_high", "note"]


def account_rollup(
    ds: Dataset, user_measures: pd.DataFrame, tags: pd.DataFrame | None, window_days: int = 90
) -> pd.DataFrame:
    """One row per account known at as_of; tag columns only when there are tags (None or no rows: none)."""
    users = ds.tables["users"]
    accounts = ds.tables["accounts"][["account_id"] + [c for c in ("segment", "csm") if c in ds.tables["accounts"]]]
    out = accounts.set_index("account_id")
    out["users"] = users.groupby("account_id").size().reindex(out.index, fill_value=0)
    out["active_users"] = (
        (user_measures.active_days > 0).groupby(user_measures.account_id).sum().reindex(out.index, fill_value=0)
    )
    if tags is not None and len(tags):
        out = out.join(tags_per_account(tags, users, ds.config.roles))
    out = out.join(account_activity(ds, window_days))
    seats = outcomes.seats_at(ds.tables["subscriptions"], ds.as_of)
    if seats.empty and "seats_purchased" in ds.tables["accounts"]:
        seats = ds.tables["accounts"].set_index("account_id").seats_purchased
    if not seats.empty:
        out["seats"] = seats.reindex(out.index)
        out["seat_utilisation"] = (out.active_users / out.seats.where(out.seats > 0)).round(3)
    spell_table = outcomes.spells(ds.tables["subscriptions"], ds.config.churn.grace_days)
    out["customer"] = out.index.isin(outcomes.active_at(spell_table, ds.as_of))
    return out.reset_index()


def tags_per_account(tags: pd.DataFrame, users: pd.DataFrame, roles) -> pd.DataFrame:
    # counted by groupby: crosstab counts each account in Python (13 s over 36 snapshots of 10,000 accounts)
    counts = tags.groupby(["account_id", "tag"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(TAG_COLUMNS), fill_value=0)
    counts = counts.rename(columns=TAG_COLUMNS)
    total = counts.sum(axis=1)
    for col in ("experts", "intermediates", "beginners"):
        counts[f"pct_{col}"] = (100 * counts[col] / total).round(1)
    role = users.set_index("user_id")["role"] if "role" in users else pd.Series(dtype=object)
    weight = tags.user_id.map(role).map(roles.weights).fillna(roles.default_weight)
    expert_weight = (weight * (tags.tag == "Expert")).groupby(tags.account_id).sum()
    counts["weighted_expert_share"] = (100 * expert_weight / weight.groupby(tags.account_id).sum()).round(1)
    return counts


def account_activity(ds: Dataset, window_days: int = 90) -> pd.DataFrame:
    """Per account with events in the last 24 weeks: activity coefficient (0-7) and core / expansion /
    advanced adoption (share of the group's features used in ``window_days``), as the health score reads them."""
    counted = usage.at_dates(ds, [ds.as_of], adoption_days=window_days).droplevel("snapshot")
    return counted[[c for c in counted if c == "activity_coefficient" or c.endswith("_adoption")]]


def activity_history(ds: Dataset, accounts: list[str], weeks: int = 26) -> pd.DataFrame:
    """account_id, week, activity_coefficient: the coefficient (active weeks of the last 7 whole weeks)
    at the end of each of the last ``weeks`` whole weeks, for sparklines (seed 002). No accounts (nothing to act
    on this month): no rows."""
    if not len(accounts):  # an empty id list registers as numbers, which SQL cannot compare with ids
        return pd.DataFrame(columns=["week", "account_id", "activity_coefficient"])
    t = window_dates(ds.cutoff, ds.config, 7 * (weeks + PAC_WEEKS + 1))
    active = f"event IN {sql_list(active_events(ds.config, ds.events.event_counts))}"
    week = week_sql("CAST(timestamp AS DATE)", ds.config)
    con = ds.connect()
    con.register("wanted", pd.DataFrame({"account_id": accounts}))
    seen = con.execute(f"""SELECT DISTINCT account_id, {week} AS week FROM events
        WHERE timestamp >= TIMESTAMP '{t["win"]}' AND timestamp < TIMESTAMP '{t["pac_end"]}' AND {active}
          AND account_id IN (SELECT account_id FROM wanted)""").df()
    con.close()
    end = measure_engine.pac_end(ds.cutoff, ds.config.calendar.week_starts_on)
    grid = pd.date_range(end=end - pd.Timedelta(weeks=1), periods=weeks + PAC_WEEKS - 1, freq="7D")
    hit = (
        seen.assign(on=1)
        .pivot_table(index="week", columns="account_id", values="on", aggfunc="max")
        .reindex(index=grid, columns=accounts)
        .fillna(0)
    )
    pac = hit.rolling(PAC_WEEKS, min_periods=PAC_WEEKS).sum().iloc[PAC_WEEKS - 1 :]
    # label each value with the end of its last week (the day the coefficient would be read)
    pac.index = pac.index + pd.Timedelta(days=7)
    return (
        pac.rename_axis("week")
        .reset_index()
        .melt(id_vars="week", var_name="account_id", value_name="activity_coefficient")
    )


def churn_by_expert_share(rollup_then: pd.DataFrame, churned: pd.Series, bands=(-0.1, 0, 20, 40, 100)) -> pd.DataFrame:
    """Churn rate by band of weighted expert share, with n and a 95 % Wilson interval."""
    df = rollup_then.set_index("account_id").join(churned, how="inner")
    df["band"] = pd.cut(
        df.weighted_expert_share.fillna(0),
        list(bands),
        labels=[_band_label(a, b) for a, b in zip(bands[:-1], bands[1:])],
    )
    g = df.groupby("band", observed=False).churned
    out = pd.DataFrame({"accounts": g.size(), "churned": g.sum().astype(int)})
    out["churn_rate"] = (out.churned / out.accounts.where(out.accounts > 0)).round(3)
    lo, hi = wilson(out.churned.to_numpy(), out.accounts.to_numpy())
    out["ci_low"], out["ci_high"] = lo.round(3), hi.round(3)
    out["note"] = small_note(out.accounts)
    return out.rename_axis("weighted_expert_share").reset_index()


def _band_label(a, b) -> str:
    return "none" if b == 0 else f"{max(a, 0):g}-{b:g} %"


def expert_share_retention(ds: Dataset, model, lookback_days: int = 180, window_days: int = 90) -> pd.DataFrame:
    """Tag users as they were ``lookback_days`` ago, and see which accounts churned since.

    The outcome window closes ``grace_days`` before as_of so every churn in it is
    known. The model saw this run's labels, not these outcomes.
    """
    grace = ds.config.churn.grace_days
    then = ds.at(ds.as_of - pd.Timedelta(days=lookback_days))
    measures_then = measure_engine.compute(then, window_days)
    tags_then = tagging.tag_users(measures_then, model)
    rollup_then = account_rollup(then, measures_then, tags_then, window_days)
    spell_table = outcomes.spells(ds.tables["subscriptions"], grace)
    churned = outcomes.churned_within(spell_table, then.as_of, lookback_days - grace, ds.as_of, grace)
    return churn_by_expert_share(rollup_then, churned)


def expert_share_retention_for_run(
    ds: Dataset, run_dir, lookback_days: int = 180, window_days: int = 90
) -> pd.DataFrame:
    """``expert_share_retention`` with the run's expert model (notebook 06); no rows, the same columns,
    when the expert steps stepped aside (``tagging.tags_note`` says why)."""
    model = expert_model.for_run(ds, run_dir)
    if model is None or share_retention_gap(ds, lookback_days, window_days):
        return pd.DataFrame(columns=SHARE_RETENTION_COLUMNS)
    return expert_share_retention(ds, model, lookback_days, window_days)


def share_retention_note(ds: Dataset, tags_note: str, lookback_days: int = 180, window_days: int = 90) -> str:
    """What the expert-share-then chart says when it draws nothing: too little history, else the tags' note."""
    return share_retention_gap(ds, lookback_days, window_days) or tags_note


def share_retention_gap(ds: Dataset, lookback_days: int = 180, window_days: int = 90) -> str:
    """Why expert share then cannot be compared with churn since (too little history), or ''."""
    then = ds.as_of - pd.Timedelta(days=lookback_days)
    need = ds.events.first.normalize() + pd.Timedelta(days=window_days)
    if then >= need:
        return ""
    have = (ds.as_of - ds.events.first.normalize()).days
    return (
        f"expert share then and churn since needs {lookback_days + window_days} days of events before as_of "
        f"({window_days} of behaviour, then {lookback_days} to watch); this dataset has {have}"
    )
