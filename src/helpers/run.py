"""Run the whole series for one month: ``python -m helpers.run --dataset DIR --as-of YYYY-MM-DD --out DIR``.

Each notebook in ``notebooks/`` runs in order under papermill with the same parameters
(``dataset``, ``as_of``, ``run_dir``, plus any ``-p name value``). The run is written to
``<out>.partial`` and moved into place only when every notebook succeeds, so a failed
run never damages the last good report at ``<out>``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import platform
import shutil
import sys
import time
from importlib import metadata
from pathlib import Path

import nbformat
import papermill as pm
import yaml
from tqdm import tqdm

from helpers import paths
from helpers.churn import history as churn_data
from helpers.data import contract, coverage
from helpers.errors import ConfigError, DataContractError
from helpers.expert import cohorts
from helpers.report import pages as report

PACKAGES = (
    "pandas",
    "numpy",
    "duckdb",
    "pyarrow",
    "pandera",
    "scikit-learn",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "customer-health-workbook",
)


# What a notebook may declare in its metadata (``workbook.requires``): name -> why-not check.
REQUIREMENTS = {"expert_labels": cohorts.unusable_reason, "churn_history": churn_data.unusable_reason}


class RunFailed(RuntimeError):
    pass


def notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


def run(
    dataset: str,
    as_of: str,
    out: str | Path,
    extra: dict | None = None,
    notebooks_dir: Path = paths.NOTEBOOKS,
    progress: bool = True,
) -> Path:
    out = Path(out).resolve()
    ds = contract.load_dataset(dataset, as_of)  # bad input fails here, before anything is written
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    for sub in ("notebooks", "html", "artifacts"):
        (tmp / sub).mkdir(parents=True)
    params = {"dataset": str(dataset), "as_of": as_of, "run_dir": str(tmp), **(extra or {})}
    record = {
        "parameters": params | {"run_dir": str(out)},
        "versions": _versions(),
        "inputs": _fingerprints(paths.dataset_dir(dataset)),
        "assumptions": coverage.fallbacks(ds),
        "notebooks": [],
        "status": "running",
    }
    for nb in tqdm(notebooks(notebooks_dir), desc="notebooks", unit="nb", disable=not progress):
        t0 = time.perf_counter()
        reason = skip_reason(nb, ds)
        if reason:
            record["notebooks"].append({"notebook": nb.name, "seconds": 0.0, "status": "skipped", "reason": reason})
            continue
        try:
            pm.execute_notebook(
                nb,
                tmp / "notebooks" / nb.name,
                parameters=params,
                kernel_name="python3",
                cwd=str(nb.parent),
                progress_bar=False,
            )
        except pm.PapermillExecutionError as exc:
            message = (
                f"notebook {nb.name} failed in cell {exc.cell_index} (execution count {exc.exec_count}): "
                f"{exc.ename}: {exc.evalue}"
            )
            record["notebooks"].append(
                {
                    "notebook": nb.name,
                    "seconds": round(time.perf_counter() - t0, 2),
                    "status": "failed",
                    "error": message,
                }
            )
            _finish(tmp, record, "failed")
            raise RunFailed(f"{message}\nPartial run kept in {tmp}; {out} is untouched.") from None
        record["notebooks"].append({"notebook": nb.name, "seconds": round(time.perf_counter() - t0, 2), "status": "ok"})
    report.render(tmp, skipped={n["notebook"]: n["reason"] for n in record["notebooks"] if n["status"] == "skipped"})
    _finish(tmp, record, "ok")
    _swap_into_place(tmp, out)
    return out


def skip_reason(nb: Path, ds) -> str | None:
    """Why a notebook steps aside on this dataset (its metadata ``workbook.requires``), or None."""
    needs = nbformat.read(nb, as_version=4).metadata.get("workbook", {}).get("requires", [])
    for need in needs:
        reason = REQUIREMENTS[need](ds)
        if reason:
            return reason
    return None


def _finish(tmp: Path, record: dict, status: str) -> None:
    record["status"] = status
    record["total_seconds"] = round(sum(n["seconds"] for n in record["notebooks"]), 2)
    (tmp / "run.json").write_text(json.dumps(record, indent=2) + "\n")


def _swap_into_place(tmp: Path, out: Path) -> None:
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _versions() -> dict:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def _fingerprints(root: Path) -> dict:
    """sha256 of every input file (ground truth excluded: the run never reads it)."""
    prints = {}
    for f in sorted(p for p in root.rglob("*") if p.is_file() and "truth" not in p.relative_to(root).parts):
        h = hashlib.sha256()
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        prints[str(f.relative_to(root))] = h.hexdigest()
    return prints


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m helpers.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--dataset", required=True, help='dataset folder, or "sample"')
    ap.add_argument("--as-of", required=True, help="last day of data the run may see (YYYY-MM-DD)")
    ap.add_argument("--out", required=True, help="run folder to write (replaced only on success)")
    ap.add_argument("--previous", default="", help="last month's run folder, for month-over-month comparisons")
    ap.add_argument(
        "-p",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="extra notebook parameter (repeatable); VALUE is read as YAML (numbers, true/false)",
    )
    ap.add_argument("--notebooks", default=str(paths.NOTEBOOKS), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    extra = {name: yaml.safe_load(value) for name, value in args.p}
    if args.previous:
        extra["previous_run"] = str(Path(args.previous).resolve())
    try:
        out = run(args.dataset, args.as_of, args.out, extra, Path(args.notebooks))
    except (DataContractError, ConfigError) as exc:
        print(f"bad input: {exc}", file=sys.stderr)
        return 2
    except RunFailed as exc:
        print(f"run failed: {exc}", file=sys.stderr)
        return 1
    print(f"report: {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
