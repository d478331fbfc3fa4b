"""Where the event SQL runs: DuckDB (embedded, the default) or Apache Spark (``--engine spark``).

The measure catalogue (``measures.engine``) and the snapshot features (``health.usage``) are written
once, as DuckDB SQL generated from the declarative definitions. On Spark the same text is transpiled by
SQLGlot (read duckdb, write spark): there is no second catalogue. Both engines get one interface, a
``Session``: small pandas frames registered as tables, named SQL steps kept as tables or views, and a
final query returned as a pandas frame (Spark's in DuckDB's dtypes: 64-bit integers, datetime64).

The engine is chosen by ``WORKBOOK_ENGINE`` (duckdb or spark; the runner's ``--engine`` sets it for
every notebook's kernel), Spark's master by ``SPARK_MASTER`` (the runner's ``--spark-master``),
``local[*]`` when unset. Spark reads the event file itself (a Parquet file, a folder of Parquet files,
Hive-partitioned or not, or CSV) and applies the same timestamp policy, transpiled from the same SQL.
The rest of the workbook (validation, the small tables, per-account modelling) stays DuckDB and pandas.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from helpers.errors import ConfigError

if TYPE_CHECKING:
    from helpers.data.contract import Dataset

ENV = "WORKBOOK_ENGINE"
MASTER_ENV = "SPARK_MASTER"
ENGINES = ("duckdb", "spark")
DEFAULT_MASTER = "local[*]"
SETUP = "make spark-setup (or: apt-get install default-jre-headless; pip install -e '.[spark]')"


def chosen(engine: str | None = None) -> str:
    """The engine asked for: ``engine`` if given, else ``WORKBOOK_ENGINE``, else duckdb."""
    name = (engine or os.environ.get(ENV) or "duckdb").strip().lower()
    if name not in ENGINES:
        raise ConfigError(f"engine: '{name}' is not one of {', '.join(ENGINES)} (--engine, or {ENV})")
    return name


def master() -> str:
    return os.environ.get(MASTER_ENV) or DEFAULT_MASTER


def check(engine: str) -> None:
    """Raise ConfigError, one line naming what to install, when ``engine`` cannot run here."""
    if chosen(engine) != "spark":
        return
    missing = _missing("pyspark", "sqlglot")
    if missing:
        raise ConfigError(f"--engine spark needs {' and '.join(missing)} (not installed); install with {SETUP}")
    if _java() is None:
        raise ConfigError(
            f"--engine spark needs Java 17 or later (no java found, JAVA_HOME unset); install with {SETUP}"
        )


def _missing(*packages: str) -> list[str]:
    """The packages not installed here."""
    return [p for p in packages if importlib.util.find_spec(p) is None]


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def open_session(ds: Dataset, engine: str | None = None) -> Session:
    """A session over ``ds``'s events (views ``events`` and ``event_log``, cut at its cutoff) on the engine asked for."""
    if chosen(engine) == "spark":
        check("spark")
        return SparkSession(ds)
    return DuckDBSession(ds)


class Session:
    """One interface for both engines. ``sql`` is always DuckDB SQL."""

    name = ""

    def register(self, name: str, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def table(self, name: str, sql: str) -> None:
        """``sql``'s result kept as table ``name`` (computed now)."""
        raise NotImplementedError

    def view(self, name: str, sql: str) -> None:
        """``sql`` as view ``name`` (computed where it is read)."""
        raise NotImplementedError

    def query(self, sql: str) -> pd.DataFrame:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DuckDBSession(Session):
    name = "duckdb"

    def __init__(self, ds: Dataset):
        self.con = ds.connect()
        self.con.execute("SET preserve_insertion_order = false")  # every result is ordered explicitly

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register(f"{name}_frame", frame)
        self.con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_frame")
        self.con.unregister(f"{name}_frame")

    def table(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE TEMP TABLE {name} AS {sql}")

    def view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE TEMP VIEW {name} AS {sql}")

    def query(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def close(self) -> None:
        self.con.close()


def to_spark(sql: str) -> str:
    """DuckDB SQL as Spark SQL (SQLGlot); a construct SQLGlot cannot carry raises, never passes silently."""
    import sqlglot

    (out,) = sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    return out


class SparkSession(Session):
    """A Spark session of its own (temp views and settings apart) on the shared SparkContext."""

    name = "spark"

    def __init__(self, ds: Dataset):
        self.spark = spark().newSession()
        self.kept = []
        src = ds.events
        _read_events(self.spark, src.path).createOrReplaceTempView("events_file")
        self.register("users", ds.tables["users"][["user_id", "account_id"]])
        select = f"SELECT {src.columns} FROM events_file"
        cut = f"TIMESTAMP '{ds.cutoff}'"
        self.view(
            "events",
            f"""SELECT e.user_id, u.account_id, e.event, e.timestamp FROM ({select}) e
            JOIN users u USING (user_id) WHERE e.timestamp < {cut}""",
        )
        self.view("event_log", f"SELECT user_id, event, timestamp FROM ({select}) WHERE timestamp < {cut}")

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.spark.createDataFrame(_spark_ready(frame)).createOrReplaceTempView(name)

    def table(self, name: str, sql: str) -> None:
        df = self.spark.sql(to_spark(sql)).persist()  # computed once, where first read
        self.kept.append(df)
        df.createOrReplaceTempView(name)

    def view(self, name: str, sql: str) -> None:
        self.spark.sql(to_spark(sql)).createOrReplaceTempView(name)

    def query(self, sql: str) -> pd.DataFrame:
        return _like_duckdb(self.spark.sql(to_spark(sql)).toPandas())

    def close(self) -> None:
        for df in self.kept:
            df.unpersist()
        for name in self.spark.catalog.listTables():
            if name.isTemporary:
                self.spark.catalog.dropTempView(name.name)


def _spark_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps at microseconds (Spark's resolution), so Arrow carries them unchanged."""
    return frame.assign(
        **{c: frame[c].astype("datetime64[us]") for c in frame.columns if pd.api.types.is_datetime64_dtype(frame[c])}
    )


def _like_duckdb(df: pd.DataFrame) -> pd.DataFrame:
    """Spark's pandas frame in DuckDB's dtypes: 32-bit integers widened (DuckDB counts and date
    differences are BIGINT), dates and timestamps as datetime64[ns]/[us] as DuckDB gives them."""
    import datetime

    out = {}
    for c in df.columns:
        col = df[c]
        if pd.api.types.is_integer_dtype(col) and col.dtype.itemsize < 8:
            col = col.astype("int64")
        elif col.dtype == object and isinstance(col.dropna().iloc[0] if col.notna().any() else None, datetime.date):
            col = pd.to_datetime(col)
        elif pd.api.types.is_datetime64_dtype(col):
            col = col.astype("datetime64[ns]")
        out[c] = col
    return pd.DataFrame(out, index=df.index)


def _read_events(spark_session, path: Path):
    """The event file as Spark reads it: Parquet (a file, a folder, or a Hive-partitioned folder
    ``events/date=YYYY-MM-DD/*.parquet``, partition columns discovered), else CSV as text, like DuckDB's."""
    if path.is_dir() or path.suffix == ".parquet":
        return spark_session.read.parquet(str(path))
    from helpers.data.contract import delimiter

    return spark_session.read.csv(str(path), header=True, sep=delimiter(path), encoding="UTF-8")


# Spark logs errors only (a shell's own logger at the same level, so it does not announce a default)
LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = error
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
"""


@functools.cache
def spark():
    """The process's SparkSession: ``SPARK_MASTER`` (``local[*]`` when unset), UTC, quiet. Local mode
    gets one shuffle partition per core and no adaptive re-planning (the data is one machine's: on tiny
    Spark's defaults took half as long again) and no web UI; a cluster keeps its own
    settings (spark-defaults.conf). The driver's JVM options are launch options, so they go through
    ``PYSPARK_SUBMIT_ARGS``, unless that is set already (then it is yours, as given)."""
    import tempfile

    from pyspark.sql import SparkSession as Builder

    where = master()
    log4j = Path(tempfile.gettempdir()) / "workbook-spark-log4j2.properties"
    log4j.write_text(LOG4J)
    java_options = f"-Duser.timezone=UTC -Dlog4j2.configurationFile=file:{log4j}"
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS", f'--driver-java-options "{java_options}" pyspark-shell')
    builder = (
        Builder.builder.master(where)
        .appName("customer-health-workbook")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.pyspark.fallback.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if where.startswith("local"):
        threads = where.removeprefix("local").strip("[]").split(",")[0]
        cores = os.cpu_count() or 1 if threads in ("", "*") else int(threads)
        builder = (
            builder.config("spark.sql.shuffle.partitions", str(cores))
            .config("spark.sql.adaptive.enabled", "false")  # re-planning costs more than it saves on one machine
            .config("spark.ui.enabled", "false")
        )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def java_version() -> str:
    """The Java that Spark will start (for run.json), e.g. 'openjdk version "17.0.15"'."""
    java = _java()
    if java is None:
        return ""
    done = subprocess.run([java, "-version"], capture_output=True, text=True)
    return (done.stderr or done.stdout).splitlines()[0] if (done.stderr or done.stdout) else ""
