"""Event-log validation: the workbook's DuckDB path against a plain pandas baseline, same file, same run.

    python benchmarks/bench_events.py [--dataset DIR] [--skip-baseline]

Each side runs in its own process so its peak memory (max RSS) is its own. Prints rows,
seconds, events per second and peak memory for both. Defaults to the `large` synthetic
dataset (100M+ events, generated on first use into data/large).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys

DUCKDB_SIDE = """
import time, json, resource
from helpers.data.contract import load_dataset
t = time.perf_counter()
ds = load_dataset({ds!r}, {as_of!r})
print(json.dumps(dict(rows=ds.events.n_rows, seconds=time.perf_counter() - t)))
"""

PANDAS_SIDE = """
import time, json
import pandas as pd
t = time.perf_counter()
ev = pd.read_parquet({events!r})
users = pd.read_csv({users!r}, dtype=str)
ts = pd.to_datetime(ev["timestamp"], errors="coerce")
bad = int(ts.isna().sum() + ev["user_id"].isna().sum() + ev["event"].isna().sum())
orphans = int((~ev["user_id"].isin(users["user_id"])).sum())
counts = ev["event"].value_counts()
print(json.dumps(dict(rows=len(ev), seconds=time.perf_counter() - t, bad=bad, orphans=orphans)))
"""


def measure(code: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["peak_mb"] = round(max(peak, before) / 1024)
    return result


def main() -> None:
    from helpers import paths

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="large")
    ap.add_argument("--as-of", default="2026-10-31")
    ap.add_argument("--skip-baseline", action="store_true")
    args = ap.parse_args()
    folder = (
        paths.bundled(args.dataset) if args.dataset in ("tiny", "sample", "large") else paths.dataset_dir(args.dataset)
    )
    sides = [("duckdb (workbook)", DUCKDB_SIDE.format(ds=str(folder), as_of=args.as_of))]
    if not args.skip_baseline:
        sides.append(
            (
                "pandas (baseline)",
                PANDAS_SIDE.format(events=str(folder / "events.parquet"), users=str(folder / "users.csv")),
            )
        )
    print(f"dataset: {folder}")
    print(f"{'engine':<20}{'rows':>14}{'seconds':>10}{'events/s':>14}{'peak MB':>10}")
    for name, code in sides:  # RUSAGE_CHILDREN peaks are cumulative: run the lighter side first
        r = measure(code)
        print(f"{name:<20}{r['rows']:>14,}{r['seconds']:>10.1f}{r['rows'] / r['seconds']:>14,.0f}{r['peak_mb']:>10,}")


if __name__ == "__main__":
    main()
