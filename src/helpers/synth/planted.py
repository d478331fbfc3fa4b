"""What the generator planted, measured from its output and truth/ (for tests and notes only)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd


def planted_summary(folder: str | Path) -> dict:
    folder = Path(folder)
    acc = pd.read_csv(folder / "truth" / "accounts.csv")
    users = pd.read_csv(folder / "truth" / "users.csv")
    labels = pd.read_csv(folder / "truth" / "labels.csv").merge(users[["user_id", "role"]], on="user_id")
    wrong = labels[~labels.label_correct]
    return {
        "churn_by_segment": acc.assign(churned=acc.churn_date.notna())
        .groupby("segment")
        .churned.mean()
        .round(3)
        .to_dict(),
        "expert_share": round((users.true_tier == "expert").mean(), 3),
        "labelled_share": round(len(labels) / len(users), 3),
        "label_accuracy": round(labels.label_correct.mean(), 3),
        "mistaken_labels_in_visible_roles": round(
            wrong.role.isin(["executive", "admin", "manager", "analyst"]).mean(), 3
        ),
        "activity_before_churn": activity_before_churn(folder),
    }


def activity_before_churn(folder: Path) -> pd.DataFrame:
    """Events per churned account in each 30-day band before its churn date."""
    events = next(p for p in folder.glob("*.parquet"))
    return duckdb.sql(f"""
        WITH t AS (SELECT account_id, CAST(churn_date AS DATE) AS cd
                   FROM read_csv('{folder}/truth/accounts.csv') WHERE churn_date IS NOT NULL),
             e AS (SELECT account_id, CAST(timestamp AS DATE) AS d FROM '{events}')
        SELECT CAST(floor(date_diff('day', e.d, t.cd) / 30) AS INT) AS months_before,
               round(count(*) / (SELECT count(*) FROM t), 1) AS events_per_account
        FROM e JOIN t USING (account_id)
        WHERE e.d < t.cd AND date_diff('day', e.d, t.cd) < 180
        GROUP BY 1 ORDER BY 1""").df()


def alerts_on_planted_declines(folder: str | Path, as_of: str = "2026-10-31", previous: str = "2026-09-30") -> dict:
    """Two monthly snapshots scored with the default health configuration: do alerts find the declines?

    'Declining' = truth says the account's decline had begun by as_of and it had not churned yet.
    """
    from helpers.data import contract
    from helpers.health import alerts
    from helpers.health import config as health_config
    from helpers.health import features as account_features
    from helpers.health import inputs as health_inputs
    from helpers.health import score as health_score

    ds = contract.load_dataset(folder, as_of)
    cfg = health_config.load(health_inputs.DEFAULT_CONFIG)
    before = health_score.score(account_features.snapshot(ds.at(pd.Timestamp(previous))), cfg)
    features = account_features.snapshot(ds)
    fired = alerts.evaluate(features, health_score.score(features, cfg), cfg, before)
    truth = pd.read_csv(Path(folder) / "truth" / "accounts.csv", parse_dates=["decline_start", "churn_date"])
    t = pd.Timestamp(as_of)
    declining = set(truth.account_id[(truth.decline_start <= t) & ~(truth.churn_date <= t)])
    accounts = set(features.account_id)
    critical = set(fired.account_id[fired.severity == "critical"])
    rate = lambda group: round(len(group & critical) / max(len(group), 1), 3)
    return {
        "accounts": len(accounts),
        "declining": len(accounts & declining),
        "critical_alert_rate_declining": rate(accounts & declining),
        "critical_alert_rate_others": rate(accounts - declining),
        "alerts_by_kind": fired.groupby(["alert", "severity"]).size().to_dict(),
    }


def surprise_churn_against_truth(folder: str | Path, as_of: str = "2026-10-31") -> dict:
    """Churners the default health score called safe (> 60): how many could any score have seen?

    Unseeable: silent churners, and churners whose decline began after the snapshot.
    """
    from helpers.data import contract
    from helpers.health import backtest as health_backtest
    from helpers.health import config as health_config
    from helpers.health import inputs as health_inputs
    from helpers.health import snapshots

    ds = contract.load_dataset(folder, as_of)
    results = health_backtest.recent(
        snapshots.history(ds, health_config.load(health_inputs.DEFAULT_CONFIG), horizon_days=90), months=12
    )
    truth = pd.read_csv(Path(folder) / "truth" / "accounts.csv", parse_dates=["decline_start"])
    churners = results[results.churned].merge(truth, on="account_id")
    unseeable = churners.silent_churn | (churners.decline_start > pd.to_datetime(churners.snapshot))
    surprise = churners.health_score > 60
    return {
        "churned": len(churners),
        "surprises": int(surprise.sum()),
        "surprises_unseeable": int((surprise & unseeable).sum()),
        "surprises_already_declining": int((surprise & ~unseeable).sum()),
    }


def churn_in_event_mix(folder: str | Path, end: str = "2026-10-31", window_days: int = 28, horizon_days: int = 90):
    """Where a product that plants churn in its event mix (truth/signal_events.csv) lets it show.

    Each account live at a month end T (the last 12 whose horizon closed by ``end``): over the
    ``window_days`` before T, its active users, sessions, active events, and the bad and good signs'
    share of those events; churned = truth's churn date within ``horizon_days`` after T. Returns the
    AUC of each against churn (bad-sign share and the volumes as is, good-sign share reversed), and n.
    """
    from sklearn.metrics import roc_auc_score

    folder = Path(folder)
    last = pd.Timestamp(end) - pd.Timedelta(days=horizon_days)
    month_ends = list(pd.date_range(end=last, periods=12, freq="ME").date)
    rows = _event_mix_at(folder, end, month_ends, window_days)
    truth = pd.read_csv(folder / "truth" / "accounts.csv", parse_dates=["churn_date"])
    rows = rows.merge(truth[["account_id", "churn_date"]], on="account_id")
    rows = rows[~(rows.churn_date <= rows.t)]  # live at T
    churned = rows.churn_date <= rows.t + pd.Timedelta(days=horizon_days)
    measures = ["active_users", "sessions", "active_events", "bad_share", "good_share_reversed"]
    out = {m: round(float(roc_auc_score(churned, rows[m])), 3) for m in measures}
    return {**out, "snapshots": len(rows), "churned": int(churned.sum())}


def _event_mix_at(folder: Path, end: str, month_ends: list, window_days: int) -> pd.DataFrame:
    from helpers.data.contract import load_dataset

    ds = load_dataset(folder, end)
    tax = ds.config.taxonomy
    signs = pd.read_csv(folder / "truth" / "signal_events.csv")
    listed = lambda names: "[" + ", ".join(f"'{n}'" for n in names) + "]"
    share = lambda sign: (
        f"count(*) FILTER (list_contains({listed(signs.event[signs.planted_as == sign])}, event))"
        " / greatest(count(*) FILTER (active), 1)"
    )
    sql = f"""
        WITH t AS (SELECT unnest(?::DATE[]) AS t),
             e AS (SELECT account_id, user_id, event, CAST(timestamp AS DATE) AS d,
                          list_contains({listed(tax.active_events)}, event) AS active FROM events)
        SELECT t, account_id, count(DISTINCT user_id) AS active_users,
               count(*) FILTER (event = '{tax.session_event}') AS sessions,
               count(*) FILTER (active) AS active_events,
               {share("bad_sign")} AS bad_share, -{share("good_sign")} AS good_share_reversed
        FROM t JOIN e ON e.d <= t.t AND e.d > t.t - {window_days} GROUP BY ALL"""
    return ds.connect().execute(sql, [month_ends]).df()


# What the generator makes churn depend on: +1 = more of it, more churn; -1 = less of it, more churn.
# Churn is decided at renewals from latent health; in the months before, a churner's activity fades,
# tickets rise and escalate, CSAT and NPS fall, meetings get cancelled, CSM ratings drop.
PLANTED_CHURN_SIGNS = {
    "days_to_renewal": -1,
    "health_score": -1,
    "logins_30d": -1,
    "dau_mau": -1,
    "l7_l30": -1,
    "activity_coefficient": -1,
    "days_since_active": +1,
    "usage_velocity_30d": -1,
    "usage_velocity_60d": -1,
    "usage_velocity_90d": -1,
    "usage_change_vs_90d": -1,
    "tickets_per_seat_90d": +1,
    "open_tickets": +1,
    "escalations_90d": +1,
    "hours_to_resolve": +1,
    "csat_90d": -1,
    "nps_180d": -1,
    "nps_trend_90d": -1,
    "meetings_held_share": -1,
    "executive_relationship": -1,
    "poc_relationship": -1,
    "org_breadth": -1,
    "product_satisfaction": -1,
}


def churn_model_against_truth(
    folder: str | Path, artifacts: str | Path, min_auc_drop: float = 0.002, min_change: float = 0.005
) -> dict:
    """Notebook 10's learned effects and held-out risks against what the generator planted.

    Directions: every feature the model leans on (permutation AUC drop >= min_auc_drop) with a
    planted sign, compared with the sign of the model's partial dependence (churn_directions.csv).
    An effect under min_change (half a point of probability from low to high) is flat: its sign is noise.
    Declines: held-out snapshots of accounts truth says were in their pre-churn decline, against the rest.
    """
    from sklearn.metrics import roc_auc_score

    artifacts = Path(artifacts)
    effects = pd.read_csv(artifacts / "churn_directions.csv").merge(
        pd.read_csv(artifacts / "churn_importance.csv"), on="feature"
    )
    effects = effects[effects.feature.isin(PLANTED_CHURN_SIGNS) & (effects.auc_drop >= min_auc_drop)]
    flat = effects.change.abs() < min_change
    effects, flat = effects[~flat], effects.feature[flat].tolist()
    effects = effects.assign(planted=effects.feature.map(PLANTED_CHURN_SIGNS), learned=np.sign(effects.change))
    holdout = pd.read_csv(artifacts / "churn_holdout.csv", parse_dates=["snapshot"])
    truth = pd.read_csv(Path(folder) / "truth" / "accounts.csv", parse_dates=["decline_start", "churn_date"])
    rows = holdout.merge(truth[["account_id", "decline_start", "churn_date"]], on="account_id", how="left")
    declining = ((rows.decline_start <= rows.snapshot) & (rows.churn_date > rows.snapshot)).to_numpy()
    return {
        "features_checked": effects.feature.tolist(),
        "directions_agree": int((effects.planted == effects.learned).sum()),
        "directions_disagree": effects.feature[effects.planted != effects.learned].tolist(),
        "flat": flat,
        "holdout_declining": int(declining.sum()),
        "holdout_other": int((~declining).sum()),
        "mean_risk_declining": round(float(rows.churn_probability[declining].mean()), 4),
        "mean_risk_other": round(float(rows.churn_probability[~declining].mean()), 4),
        "auc_for_declining": round(float(roc_auc_score(declining, rows.churn_probability)), 4),
    }


if __name__ == "__main__":  # python -m helpers.synth.planted data/sample [RUN_DIR]
    import sys

    folder = sys.argv[1]
    print("surprise churn against truth:", surprise_churn_against_truth(folder))
    print("alerts on planted declines:", alerts_on_planted_declines(folder, "2026-06-30", "2026-05-31"))
    if len(sys.argv) > 2:  # a run folder with notebook 10's artifacts
        print("churn model against truth:", churn_model_against_truth(folder, Path(sys.argv[2]) / "artifacts"))
