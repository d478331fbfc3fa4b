"""The measure catalogue (notebook 03): the workbook's DuckDB engine, the same SQL on Spark (local
mode), and a plain pandas version.

    python benchmarks/bench_measures.py [--dataset large] [--window-days 90] [--skip-baseline] [--skip-spark]

Every side computes the full catalogue for every user from the same event file, each in
its own process (so peak memory is its own, read from getrusage at the end; Spark's adds
its JVM's peak resident memory). The pandas side is the straightforward implementation:
load the events, group, pivot. Spark runs the generated SQL transpiled by SQLGlot, in
local mode (``SPARK_MASTER``, default local[*]); its seconds exclude starting the JVM,
which is reported apart. The results are compared cell by cell with DuckDB's, so every
side is provably the same work. Throughput counts the events before the cutoff.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

COMMON = """
import json, resource, time
from helpers.data import contract
from helpers.measures import engine as measure_engine
from helpers.measures import catalogue as M
ds = contract.load_dataset({ds!r}, {as_of!r})
catalogue = M.catalogue(ds.config, list(ds.events.event_counts))
con = ds.connect(); events_seen = con.execute("SELECT count(*) FROM events").fetchone()[0]; con.close()
t = time.perf_counter()
"""
REPORT = """
seconds = time.perf_counter() - t
out.sort_values("user_id").reset_index(drop=True).to_parquet({dump!r})
print(json.dumps(dict(seconds=seconds, users=len(out), measures=len(catalogue), events=int(events_seen),
                      peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))))
"""
DUCKDB_SIDE = (
    COMMON
    + """
out = measure_engine.compute(ds, {window}, catalogue)
"""
    + REPORT
)
PANDAS_SIDE = (
    COMMON
    + """
import sys; sys.path.insert(0, {here!r})
from pandas_measures import compute
out, _ = compute(ds, {window}, catalogue)
"""
    + REPORT
)
SPARK_SIDE = (
    COMMON.replace("t = time.perf_counter()\n", "")
    + """
from helpers.data import engines
started = time.perf_counter(); session = engines.spark(); startup = time.perf_counter() - started
t = time.perf_counter()
out = measure_engine.compute(ds, {window}, catalogue, engine="spark")
"""
    + REPORT.replace(
        "peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)",
        "startup=startup, peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + "
        "int(open(f'/proc/{{session.sparkContext._gateway.proc.pid}}/status').read().split('VmHWM:')[1].split()[0]) / 1024)",
    )
)


def side(code: str) -> dict:
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    from pathlib import Path

    import numpy as np
    import pandas as pd

    from helpers import paths

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="large")
    ap.add_argument("--as-of", default="2026-10-31")
    ap.add_argument("--window-days", type=int, default=90)
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--skip-spark", action="store_true", help="no Spark side (it needs make spark-setup)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per side; the median run is reported")
    args = ap.parse_args()
    folder = (
        paths.bundled(args.dataset) if args.dataset in ("tiny", "sample", "large") else paths.dataset_dir(args.dataset)
    )
    tmp = Path(paths.REPORTS / "bench")
    tmp.mkdir(parents=True, exist_ok=True)
    fmt = dict(ds=str(folder), as_of=args.as_of, window=args.window_days, here=str(Path(__file__).parent))
    codes = {"duckdb (workbook)": DUCKDB_SIDE.format(dump=str(tmp / "duckdb.parquet"), **fmt)}
    if not args.skip_spark:
        from helpers.data import engines
        from helpers.errors import ConfigError

        try:
            engines.check("spark")
            codes["spark (local mode)"] = SPARK_SIDE.format(dump=str(tmp / "spark.parquet"), **fmt)
        except ConfigError as exc:
            print(f"  spark (local mode): left out: {exc}")
    if not args.skip_baseline:
        codes["pandas (baseline)"] = PANDAS_SIDE.format(dump=str(tmp / "pandas.parquet"), **fmt)
    runs = {name: [] for name in codes}
    for _ in range(args.repeat):  # interleaved, so a slow spell on the machine hits both sides
        for name, code in codes.items():
            runs[name].append(side(code))
    results = {name: sorted(r, key=lambda x: x["seconds"])[len(r) // 2] for name, r in runs.items()}
    for name, r in runs.items():
        seconds = ", ".join(f"{x['seconds']:.1f}" for x in r)
        print(f"  {name}: runs of {seconds} s")
    print(
        f"{folder.name}: {results['duckdb (workbook)']['events']:,} events, "
        f"{results['duckdb (workbook)']['users']:,} users, {results['duckdb (workbook)']['measures']} measures"
    )
    for name, r in results.items():
        started = f"  (+{r['startup']:.1f} s starting Spark)" if "startup" in r else ""
        print(
            f"  {name:20s} {r['seconds']:7.1f} s  {r['events'] / r['seconds'] / 1e6:6.2f} M events/s  "
            f"peak {r['peak_mb']:,} MB{started}"
        )
    a = pd.read_parquet(tmp / "duckdb.parquet")
    d = results["duckdb (workbook)"]
    for name, dump in (("spark (local mode)", "spark.parquet"), ("pandas (baseline)", "pandas.parquet")):
        if name not in results:
            continue
        b = pd.read_parquet(tmp / dump)
        assert list(a.user_id) == list(b.user_id), f"{name}: not the same users"
        cols = [c for c in a.columns if c not in ("user_id", "account_id")]
        worst = max(float(np.nanmax(np.abs(a[c].to_numpy(float) - b[c].to_numpy(float)))) for c in cols)
        r = results[name]
        print(
            f"  {name} against duckdb: largest difference {worst:.2e}; duckdb {r['seconds'] / d['seconds']:.1f}x faster, "
            f"{r['peak_mb'] / d['peak_mb']:.1f}x less memory"
        )
        if worst > 1e-9:
            raise SystemExit(f"{name} and duckdb disagree")


if __name__ == "__main__":
    main()
