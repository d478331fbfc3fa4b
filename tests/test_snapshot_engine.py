"""Every snapshot in one pass: counting many dates at once gives what each date alone gives.

The one-pass engine (``usage.at_dates``, ``engine.compute_at``) reads the log cut at as_of and
applies each snapshot's cutoff in SQL; a date alone reads ``Dataset.at(t)``, where the tables
and the log are cut before any SQL runs. The two paths agree only if every window, first action
and user's existence is cut right, including a week starting on Sunday and users whose events
began before their ``created_at``.
"""

import pandas as pd
import pytest
import yaml

from helpers.data.contract import load_dataset
from helpers.health import snapshots, usage
from helpers.measures import engine
from helpers.paths import bundled

AS_OF = "2026-10-31"


def _odd_calendar_copy(folder):
    """Weeks from Sunday; a few users created weeks after their first event (an export's oddity)."""
    config = yaml.safe_load((folder / "dataset.yaml").read_text())
    config.setdefault("calendar", {})["week_starts_on"] = "sunday"
    (folder / "dataset.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    users = pd.read_csv(folder / "users.csv")
    late = users.index[:: max(len(users) // 8, 1)]
    users.loc[late, "created_at"] = "2026-03-15"
    users.to_csv(folder / "users.csv", index=False)


@pytest.mark.parametrize("calendar", ["as generated", "sunday weeks, late users"])
def test_many_dates_at_once_equal_each_date_alone(tiny_copy, calendar):
    if calendar != "as generated":
        _odd_calendar_copy(tiny_copy)
    ds = load_dataset(tiny_copy, AS_OF)
    closed = snapshots.closed_dates(ds, 90)
    dates = [closed[0], pd.Timestamp("2026-02-28"), pd.Timestamp("2026-04-30"), closed[-1], ds.as_of]
    counted = usage.at_dates(ds, dates)
    measured = engine.compute_at(ds, dates)
    for t in dates:
        alone = ds.at(t)
        expected_usage = usage.at_dates(alone, [t]).droplevel("snapshot")
        pd.testing.assert_frame_equal(usage.on(counted, t), expected_usage, check_exact=True)
        expected_measures = engine.compute(alone)
        got = measured[measured.snapshot == t].drop(columns="snapshot").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected_measures, check_exact=True)
    assert measured.snapshot.nunique() == len(dates) and counted.index.get_level_values(0).nunique() == len(dates)


def test_no_dates_give_the_columns_and_no_rows(tiny):
    ds = load_dataset(tiny, AS_OF)
    empty = usage.at_dates(ds, [])
    assert empty.empty and {"activity_coefficient", "dau_mau", "days_since_active"} <= set(empty.columns)
    assert snapshots.history(ds.at(pd.Timestamp("2024-01-15")), None, 90).empty  # nothing closed yet


def test_the_run_folders_snapshot_caches_see_the_event_log(tiny_copy):
    """account_snapshots and account_features are reused when their key matches: a log changed before
    as_of must change it (else last month's features come back), rows after as_of must not."""
    import duckdb

    events = tiny_copy / "events.parquet"
    key = snapshots._fingerprint(load_dataset(tiny_copy, "2026-06-30"))

    def keep(where: str) -> str:
        duckdb.sql(f"COPY (SELECT * FROM read_parquet('{events}') WHERE {where}) TO '{events}.new' (FORMAT parquet)")
        events.with_suffix(".parquet.new").replace(events)
        return snapshots._fingerprint(load_dataset(tiny_copy, "2026-06-30"))

    assert keep("timestamp < TIMESTAMP '2026-09-01'") == key  # later rows gone: the same as of June
    assert keep("NOT (event = 'login' AND timestamp BETWEEN '2026-05-01' AND '2026-05-02')") != key


def test_today_is_one_table_for_the_health_score_and_the_churn_model(june_run):
    """Notebook 09 computes today's accounts once, from notebook 07's tags, and notebook 10 predicts for
    that table. Past snapshots tag users from the expert model itself (``snapshots.at``): today's table
    must be the one that path gives, or the churn model would score other features than it learned."""
    from helpers import artifacts, paths
    from helpers.expert import model as expert_model
    from helpers.health import inputs as health_inputs

    ds = load_dataset(paths.bundled("tiny"), "2026-06-30")
    config, _ = health_inputs.config_for(ds)
    assert artifacts.path(june_run, "account_features.parquet").exists()  # kept by notebook 09
    kept = snapshots.current(ds, config, june_run).sort_values("account_id", ignore_index=True)
    fresh = snapshots.at(ds, ds.as_of, config, expert_model.for_run(ds, june_run))
    fresh = fresh.sort_values("account_id", ignore_index=True)[kept.columns]
    assert len(kept) > 20 and "expert_share" in kept and kept.expert_share.notna().any()
    pd.testing.assert_frame_equal(kept, fresh, check_dtype=False)


def test_the_history_scored_in_one_call_is_each_snapshot_scored_alone(june_run):
    """history scores every snapshot in one call, percentiles and segment norms within each snapshot
    (``score(within="snapshot")``): each snapshot's rows must be what scoring it alone gives, columns and
    their order included (the churn model reads them in that order)."""
    from helpers.expert import model as expert_model
    from helpers.health import inputs as health_inputs

    ds = load_dataset(bundled("tiny"), "2026-06-30")
    config, _ = health_inputs.config_for(ds)
    model = expert_model.for_run(ds, june_run)
    history = snapshots.history(ds, config, 30, model)
    alone = dict(snapshots.tables(ds, snapshots.closed_dates(ds, 30), config, model))
    assert history.snapshot.nunique() >= 4 and set(history.snapshot) <= set(alone)
    for t, part in history.groupby("snapshot"):
        own = alone[t].columns
        assert [c for c in history.columns if c in own] == list(own)  # in its order
        assert part.drop(columns=[*own, "snapshot", "churned"]).isna().all().all()  # other snapshots' columns
        pd.testing.assert_frame_equal(part[own].reset_index(drop=True), alone[t], check_exact=True, check_dtype=False)
    assert list(history.columns[-2:]) == ["snapshot", "churned"]


def test_a_run_folder_kept_across_an_edit_of_dataset_yaml_computes_its_features_again(june_run, tiny_copy, tmp_path):
    """The workbench an analyst steps through is kept between runs. Its cached features were keyed on the tables
    and tags only, so after dataset.yaml changed (a sub-metric's events, a measure) the same folder served last
    edit's features, silently. Now dataset.yaml (but its health:, which only scores) and the code are in the key."""
    import json
    import shutil

    import yaml

    from helpers import artifacts

    run = tmp_path / "run"
    shutil.copytree(june_run, run)
    ds = load_dataset(tiny_copy, "2026-06-30")
    kept = snapshots.today(ds, run)  # the same tables and tags as the june run: its cache serves
    stamp = json.loads(artifacts.path(run, "account_features.json").read_text())
    meta = tiny_copy / "dataset.yaml"
    raw = yaml.safe_load(meta.read_text())
    moved = raw["taxonomy"]["features"]["core"].pop()  # one core feature less: core adoption changes
    meta.write_text(yaml.safe_dump(raw))
    edited = load_dataset(tiny_copy, "2026-06-30")
    again = snapshots.today(edited, run)
    restamped = json.loads(artifacts.path(run, "account_features.json").read_text())
    assert restamped["dataset_yaml"] != stamp["dataset_yaml"] and restamped["code"] == stamp["code"]
    assert not again.core_adoption.equals(kept.core_adoption), f"{moved} left the core group: adoption must move"
    meta.write_text(yaml.safe_dump(raw | {"health": {"tier_margin": 5}}))  # health: only scores the features
    assert snapshots._shaped_by(load_dataset(tiny_copy, "2026-06-30")) == snapshots._shaped_by(edited)


def test_a_cached_history_scored_under_other_weights_equals_one_computed_under_them(june_run, tmp_path):
    """Learned weights (health.weights) score the run's history anew instead of recomputing it: the history
    cached under the configured weights, rescored under others, must equal the history computed under them."""
    import json
    import shutil

    from helpers import artifacts
    from helpers.expert import model as expert_model
    from helpers.health import backtest
    from helpers.health import inputs as health_inputs

    run = tmp_path / "run"
    shutil.copytree(june_run, run)
    ds = load_dataset(bundled("tiny"), "2026-06-30")
    config, _ = health_inputs.config_for(ds)
    other = backtest.with_weights(config, {c: 100.0 if c == "usage" else 0.0 for c in config.components})
    snapshots.cached_history(ds, config, run, 30)
    again = snapshots.cached_history(ds, other, run, 30)  # rescored, not recomputed
    fresh = snapshots.history(ds, other, 30, expert_model.for_run(ds, run))
    assert len(again) > 100 and not again.health_score.equals(
        snapshots.cached_history(ds, config, run, 30).health_score
    )
    pd.testing.assert_frame_equal(again, fresh, check_dtype=False)
    stamp = json.loads(artifacts.path(run, "account_snapshots.json").read_text())
    assert stamp == snapshots._key(ds, config, expert_model.for_run(ds, run), 30)  # the last call's key
