"""The whole month, notebook by notebook: time and peak memory on two datasets, and their ratio.

    python benchmarks/bench_month.py [--datasets sample large] [--as-of 2026-10-31] [--busy]

Each dataset is run exactly as a user runs it (``python -m helpers.run``), in this same
invocation, so the ratio between datasets is read on the same machine in the same state.
A notebook's time is the runner's own (``run.json``); its peak memory is the high-water mark
of its kernel's resident memory (``VmHWM`` in /proc), polled while it runs. ``--busy`` runs
a second, identical month at the same time, as on a shared runner or a laptop doing other
work: parallel code that spins shows up as a collapse in the ratio busy / quiet.

A missing bundled dataset is generated first (``large`` takes several minutes, once).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from helpers import paths
from helpers.synth.generate import SCALES


def kernel_peaks(runner: int, stop: threading.Event, seen: dict[int, int]) -> None:
    """Poll the kernels the ``runner`` process started (one per notebook, its children) for their peak
    resident memory (kB), until ``stop``."""
    while not stop.is_set():
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                status = (proc / "status").read_text()
            except OSError:
                continue  # the process ended meanwhile
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields.get("PPid", "0")) == runner and "VmHWM" in fields:
                seen[int(proc.name)] = max(seen.get(int(proc.name), 0), int(fields["VmHWM"].split()[0]))
        stop.wait(0.2)


def run_month(dataset: str, as_of: str, out: Path, busy: bool) -> dict:
    """One month with the runner; returns run.json with each notebook's peak memory (MB) added."""
    command = [sys.executable, "-m", "helpers.run", "--dataset", dataset, "--as-of", as_of]
    others = [subprocess.Popen([*command, "--out", str(out) + "-busy"], stdout=subprocess.DEVNULL)] if busy else []
    started = time.perf_counter()
    main = subprocess.Popen([*command, "--out", str(out)], stdout=subprocess.DEVNULL)
    seen: dict[int, int] = {}
    stop = threading.Event()
    poller = threading.Thread(target=kernel_peaks, args=(main.pid, stop, seen), daemon=True)
    poller.start()
    if main.wait():
        raise SystemExit(f"{dataset}: the run failed (exit {main.returncode})")
    wall = time.perf_counter() - started
    stop.set()
    poller.join()
    for other in others:
        other.wait()
    run = json.loads((out / "run.json").read_text())
    ran = [n for n in run["notebooks"] if n["status"] == "ok"]
    peaks = [kb // 1024 for _, kb in sorted(seen.items())]  # kernels start in notebook order
    for notebook, peak in zip(ran, peaks):
        notebook["peak_mb"] = peak
    run["wall_seconds"] = round(wall, 1)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["sample", "large"])
    parser.add_argument("--as-of", default="2026-10-31")
    parser.add_argument("--busy", action="store_true", help="run a second identical month at the same time")
    args = parser.parse_args()
    # the synthetic scales, generated once before any clock starts; anything else is a dataset folder
    where = {name: str(paths.bundled(name)) if name in SCALES else name for name in args.datasets}
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.datasets:
            runs[name] = run_month(where[name], args.as_of, Path(tmp) / Path(name).name, args.busy)
    names = list(runs)
    header = "| notebook | " + " | ".join(f"{n} s | {n} peak MB" for n in names)
    if len(names) == 2:
        header += f" | time {names[1]} / {names[0]}"
    print(header + " |")
    print("|" + "---|" * (1 + 2 * len(names) + (len(names) == 2)))
    books = [n["notebook"] for n in runs[names[0]]["notebooks"]]
    for book in books:
        cells = []
        for name in names:
            row = next(n for n in runs[name]["notebooks"] if n["notebook"] == book)
            cells += [f"{row['seconds']:.1f}" if row["status"] == "ok" else "skipped", str(row.get("peak_mb") or "")]
        if len(names) == 2:
            a, b = (next(n for n in runs[x]["notebooks"] if n["notebook"] == book) for x in names)
            cells.append(f"{b['seconds'] / a['seconds']:.1f}x" if a["status"] == b["status"] == "ok" else "")
        print(f"| {book.removesuffix('.ipynb')} | " + " | ".join(cells) + " |")
    totals = [
        f"{runs[n]['total_seconds']:.0f} | {max((x.get('peak_mb') or 0) for x in runs[n]['notebooks'])}" for n in names
    ]
    ratio = f" | {runs[names[1]]['total_seconds'] / runs[names[0]]['total_seconds']:.1f}x" if len(names) == 2 else ""
    print("| **whole month** | " + " | ".join(totals) + ratio + " |")
    print(
        f"\n{'busy: a second identical month ran at the same time' if args.busy else 'one month at a time (no --busy)'}; "
        + ", ".join(f"{n}: {runs[n]['wall_seconds']} s wall" for n in names)
    )


if __name__ == "__main__":
    main()
