"""The same measures on Apache Spark: the catalogue and the snapshot table, DuckDB against Spark.

``engine.compute_at`` (every user's measures) and ``usage.at_dates`` (every account's usage) run on
both engines over the tiny dataset at several snapshot dates (Spark in local mode, one session for
the module), and must give the same rows and the same values to 1e-9. Spark runs the same generated
SQL, transpiled by SQLGlot; nothing here is written twice.

Spark needs Java and the ``spark`` extra (``make spark-setup``). Without them these tests FAIL, with
what to install, unless ``WORKBOOK_SKIP_SPARK=1`` says Spark is not wanted here (CI never sets it).
"""

import os
import shutil

import duckdb
import pandas as pd
import pytest
import yaml

from helpers.data import engines
from helpers.data.contract import load_dataset
from helpers.errors import ConfigError
from helpers.health import snapshots, usage
from helpers.measures import engine

AS_OF = "2026-10-31"
ATOL = 1e-9


@pytest.fixture(scope="module")
def spark_ready():
    if os.environ.get("WORKBOOK_SKIP_SPARK") == "1":
        pytest.skip("WORKBOOK_SKIP_SPARK=1: Spark not wanted on this machine")
    engines.check("spark")  # ConfigError naming what to install: a failure, not a skip
    engines.spark()


def _copy(src, dst, sunday=False):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("truth"))
    if sunday:  # weeks from Sunday; a few users created weeks after their first event
        config = yaml.safe_load((dst / "dataset.yaml").read_text())
        config.setdefault("calendar", {})["week_starts_on"] = "sunday"
        (dst / "dataset.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        users = pd.read_csv(dst / "users.csv")
        users.loc[users.index[:: max(len(users) // 8, 1)], "created_at"] = "2026-03-15"
        users.to_csv(dst / "users.csv", index=False)
    return dst


def _events_file(folder, name):
    """The dataset's events now in ``name`` (a file or folder) instead of events.parquet."""
    config = yaml.safe_load((folder / "dataset.yaml").read_text())
    config["tables"]["events"]["file"] = name
    (folder / "dataset.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (folder / "events.parquet").unlink()


def _dates(ds):
    closed = snapshots.closed_dates(ds, 90)
    return [closed[0], pd.Timestamp("2026-02-28"), closed[-1], ds.as_of]


def _same(duck: pd.DataFrame, spark: pd.DataFrame) -> None:
    """Same columns, dtypes, rows (keys and order) and values to 1e-9; and the test can see a difference."""
    assert len(duck) > 0
    pd.testing.assert_frame_equal(duck, spark, check_exact=False, rtol=0, atol=ATOL)


@pytest.mark.slow
def test_measures_and_snapshots_equal_on_duckdb_and_spark(spark_ready, tiny):
    """Every measure of the catalogue for every user, and every account-snapshot's usage, at four dates."""
    ds = load_dataset(tiny, AS_OF)
    dates = _dates(ds)
    measured = {e: engine.compute_at(ds, dates, engine=e) for e in engines.ENGINES}
    _same(*measured.values())
    assert measured["spark"].snapshot.nunique() == len(dates) and measured["spark"].shape[1] > 60
    counted = {e: usage.at_dates(ds, dates, engine=e) for e in engines.ENGINES}
    _same(*counted.values())
    assert counted["spark"].index.get_level_values("snapshot").nunique() == len(dates)
    assert counted["spark"]["events_30d"].sum() > 0 and measured["spark"]["events_per_week"].sum() > 0


@pytest.mark.slow
def test_sunday_weeks_and_late_users_equal_on_duckdb_and_spark(spark_ready, tiny, tmp_path):
    """The other week start (its own SQL) and users created after their first events: the week-based
    measures and every usage sub-metric."""
    ds = load_dataset(_copy(tiny, tmp_path / "ds", sunday=True), AS_OF)
    dates, weekly = _dates(ds), ("activity_coefficient", "active_weeks_share", "days_to_first_core", "recency_days")
    _same(*(engine.compute_at(ds, dates, only=weekly, engine=e) for e in engines.ENGINES))
    _same(*(usage.at_dates(ds, dates, engine=e) for e in engines.ENGINES))


@pytest.mark.slow
def test_a_hive_partitioned_events_folder_reads_the_same_on_both_engines(spark_ready, tiny, tmp_path):
    """events/date=YYYY-MM-DD/*.parquet, read by DuckDB and by Spark, counts what the one file counts."""
    last_months = f"SELECT * FROM read_parquet('{tiny / 'events.parquet'}') WHERE timestamp >= DATE '2026-08-01'"
    one_file = _copy(tiny, tmp_path / "file")  # the last three months of events, as one file
    duckdb.sql(f"COPY ({last_months}) TO '{one_file / 'events.parquet'}' (FORMAT parquet)")
    folder = _copy(one_file, tmp_path / "hive")  # the same events, a folder per day
    _events_file(folder, "events")
    duckdb.sql(
        f"COPY (SELECT *, CAST(timestamp AS DATE) AS date FROM ({last_months})) "
        f"TO '{folder / 'events'}' (FORMAT parquet, PARTITION_BY (date))"
    )
    assert len(list((folder / "events").glob("date=2026-*/*.parquet"))) > 80
    whole, parts = load_dataset(one_file, AS_OF), load_dataset(folder, AS_OF)
    assert parts.events.n_rows == whole.events.n_rows and parts.events.event_counts == whole.events.event_counts
    dates = [pd.Timestamp("2026-09-30"), whole.as_of]
    expected = usage.at_dates(whole, dates, engine="duckdb")
    _same(expected, usage.at_dates(parts, dates, engine="duckdb"))
    _same(expected, usage.at_dates(parts, dates, engine="spark"))


@pytest.mark.slow
def test_the_timestamp_policy_reads_the_same_on_spark(spark_ready, tiny, tmp_path):
    """A CSV log with every timestamp form the policy accepts: ISO with an offset, Z, none, epoch
    seconds and milliseconds. Spark's transpiled policy must read each to the same UTC instant."""
    folder = _copy(tiny, tmp_path / "csv")
    _events_file(folder, "events.csv")
    events = pd.read_parquet(tiny / "events.parquet").iloc[::40].reset_index(drop=True)
    ts = events.timestamp.dt.floor("s")
    forms = [
        ts.dt.strftime("%Y-%m-%d %H:%M:%S"),
        ts.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        (ts + pd.Timedelta(hours=2)).dt.strftime("%Y-%m-%dT%H:%M:%S+02:00"),
        ((ts - pd.Timestamp(0)) // pd.Timedelta(seconds=1)).astype(str),  # epoch seconds
        ((ts - pd.Timestamp(0)) // pd.Timedelta(milliseconds=1)).astype(str),  # epoch milliseconds
    ]
    events["timestamp"] = [forms[i % len(forms)].iloc[i] for i in range(len(events))]
    events.to_csv(folder / "events.csv", index=False)
    ds = load_dataset(folder, AS_OF)
    read = "SELECT user_id, event, timestamp FROM event_log ORDER BY timestamp, user_id, event"
    with engines.open_session(ds, "duckdb") as duck, engines.open_session(ds, "spark") as spark:
        a, b = duck.query(read), spark.query(read)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)  # DuckDB's TIMESTAMP is datetime64[us], Spark's [ns]
    assert list(b.timestamp) == sorted(ts[ts < ds.cutoff])  # each form read to the instant it was written from


def test_an_unknown_engine_is_refused_by_name():
    with pytest.raises(ConfigError, match="'postgres' is not one of duckdb, spark"):
        engines.chosen("postgres")


def test_spark_without_java_says_what_to_install(monkeypatch):
    """Whatever the venv holds (the fast tier runs after make setup too, without the spark extra): with the
    packages present, the missing Java is named; with them absent, the packages are."""
    monkeypatch.setattr(engines, "_java", lambda: None)
    monkeypatch.setattr(engines, "_missing", lambda *packages: [])  # pyspark and sqlglot there
    with pytest.raises(ConfigError, match=r"needs Java 17 or later .*make spark-setup"):
        engines.check("spark")
    monkeypatch.setattr(engines, "_missing", lambda *packages: ["pyspark"])
    with pytest.raises(ConfigError, match=r"needs pyspark \(not installed\).*make spark-setup"):
        engines.check("spark")
    engines.check("duckdb")  # DuckDB needs nothing more


def test_the_engine_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(engines.ENV, raising=False)
    assert engines.chosen() == "duckdb"
    monkeypatch.setenv(engines.ENV, "Spark")
    assert engines.chosen() == "spark" and engines.chosen("duckdb") == "duckdb"
    monkeypatch.delenv(engines.MASTER_ENV, raising=False)
    assert engines.master() == "local[*]"
    monkeypatch.setenv(engines.MASTER_ENV, "spark://head:7077")
    assert engines.master() == "spark://head:7077"


def test_the_runner_refuses_spark_without_java_before_anything_runs(monkeypatch, tmp_path, capsys, tiny):
    from helpers import run

    monkeypatch.setattr(engines, "_java", lambda: None)
    monkeypatch.setattr(engines, "_missing", lambda *packages: [])  # whatever this venv holds
    monkeypatch.delenv(engines.ENV, raising=False)
    out = tmp_path / "run"
    argv = ["--dataset", str(tiny), "--as-of", AS_OF, "--out", str(out), "--engine", "spark"]
    assert run.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Java 17" in err and "make spark-setup" in err
    assert not out.exists() and not out.with_name("run.partial").exists()
    assert run.main([*argv[:-2], "--spark-master", "local[2]"]) == 2
    assert "only with --engine spark" in capsys.readouterr().err
    assert os.environ.get(engines.ENV) is None  # nothing handed to kernels
