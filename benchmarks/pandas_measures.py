"""The baseline for bench_measures.py: the measure catalogue in plain pandas, the obvious way."""

import numpy as np
import pandas as pd

from helpers.measures.catalogue import PAC_WEEKS, TREND_DAYS, groups


def compute(ds, window_days, catalogue):
    cut = ds.cutoff
    win = cut - pd.Timedelta(days=window_days)
    ev = pd.read_parquet(ds.files["events"])
    ev.columns = [ds.config.tables.events.columns.get(c, c) for c in ev.columns]
    ev = ev[["user_id", "event", "timestamp"]]
    ev = ev[ev.timestamp < cut]
    ev = ev[ev.user_id.isin(ds.tables["users"].user_id)]
    seen = len(ev)
    tax = ds.config.taxonomy
    g = groups(ds.config)
    users = ds.tables["users"].set_index("user_id")
    created = users.get("created_at", pd.Series(pd.NaT, index=users.index)).dt.normalize()
    first_seen = ev.groupby("user_id", observed=True).timestamp.min().dt.normalize()
    born = created.fillna(first_seen.reindex(users.index))

    def first(names):
        sel = ev[ev.event.isin(names)]
        return (
            sel.groupby("user_id", observed=True).timestamp.min().dt.normalize().reindex(users.index) - born
        ).dt.days.clip(lower=0)

    w = ev[ev.timestamp >= win].copy()
    w["day"] = w.timestamp.dt.normalize()
    w["active"] = w.event.isin(tax.active_events) if tax.active_events is not None else w.event != tax.session_event
    daily = w.groupby(["user_id", "day", "event"], observed=True).size().rename("n").reset_index()
    daily["active"] = daily.event.isin(tax.active_events)
    act = daily[daily.active]
    per_day = act.groupby(["user_id", "day"], observed=True).n.sum().reset_index()
    per_day["week"] = per_day.day - pd.to_timedelta(per_day.day.dt.weekday, unit="D")
    ue = daily.groupby(["user_id", "event"], observed=True).agg(n=("n", "sum"), days=("n", "size")).reset_index()

    idx = users.index
    exposure = (cut - born.clip(lower=win).fillna(win)).dt.days.clip(lower=1)
    weeks = exposure / 7
    tenure = (cut - born.fillna(win)).dt.days.clip(lower=1)
    active_days = per_day.groupby("user_id").size().reindex(idx, fill_value=0)
    active_events = per_day.groupby("user_id").n.sum().reindex(idx, fill_value=0)
    pac_end = cut - pd.Timedelta(days=cut.weekday())
    pac = per_day[(per_day.day >= pac_end - pd.Timedelta(weeks=PAC_WEEKS)) & (per_day.day < pac_end)]
    out = pd.DataFrame(index=idx)
    out["account_id"] = users.account_id
    out["exposure_days"], out["active_days"] = exposure, active_days

    def ev_sum(names, col):
        return ue[ue.event.isin(names)].groupby("user_id").agg({col: "sum"})[col].reindex(idx, fill_value=0)

    for m in catalogue:
        f = list(m.events)
        if m.kind == "frequency":
            v = ev_sum(f, "days") / weeks
        elif m.kind == "group_frequency":
            v = daily[daily.event.isin(f)].groupby("user_id").day.nunique().reindex(idx, fill_value=0) / weeks
        elif m.kind == "intensity":
            v = ev_sum(f, "n") / active_days.replace(0, np.nan)
        elif m.kind == "share":
            v = ev_sum(f, "n") / active_events.replace(0, np.nan)
        elif m.kind == "rate":
            v = ev_sum(f, "n") / weeks
        elif m.kind == "adoption":
            v = ue[ue.event.isin(f)].groupby("user_id").size().reindex(idx, fill_value=0) / len(f)
        elif m.name == "active_days_per_week":
            v = active_days / weeks
        elif m.name == "active_weeks_share":
            v = (per_day.groupby("user_id").week.nunique().reindex(idx, fill_value=0) / np.ceil(weeks)).clip(upper=1)
        elif m.name == "activity_coefficient":
            v = pac.groupby("user_id").week.nunique().reindex(idx, fill_value=0)
        elif m.name == "events_per_active_day":
            v = active_events / active_days.replace(0, np.nan)
        elif m.name == "events_per_week":
            v = active_events / weeks
        elif m.name == "distinct_events":
            v = ue[ue.event.isin(tax.active_events)].groupby("user_id").size().reindex(idx, fill_value=0)
        elif m.name == "event_diversity":
            a = ue[ue.event.isin(tax.active_events)].copy()
            a["p"] = a.n / a.groupby("user_id").n.transform("sum")
            v = -(a.p * np.log(a.p)).groupby(a.user_id).sum().reindex(idx, fill_value=0)
        elif m.name == "recency_days":
            v = ((cut - per_day.groupby("user_id").day.max()).dt.days - 1).reindex(idx).fillna(window_days)
        elif m.name == "trend_30d":
            last = (
                per_day[per_day.day >= cut - pd.Timedelta(days=TREND_DAYS)]
                .groupby("user_id")
                .n.sum()
                .reindex(idx, fill_value=0)
            )
            prior = (
                per_day[
                    (per_day.day >= cut - pd.Timedelta(days=2 * TREND_DAYS))
                    & (per_day.day < cut - pd.Timedelta(days=TREND_DAYS))
                ]
                .groupby("user_id")
                .n.sum()
                .reindex(idx, fill_value=0)
            )
            v = np.log((1 + last) / (1 + prior)).where(exposure >= 2 * TREND_DAYS, 0)
        elif m.name == "days_to_first_core":
            v = first(g["core"]).fillna(tenure)
        elif m.name == "days_to_first_advanced":
            v = first(g["advanced"]).fillna(tenure)
        out[m.name] = v.fillna(0).astype(float)
    return out.rename_axis("user_id").reset_index(), seen
