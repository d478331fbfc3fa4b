"""A notebook run by itself builds what it needs: the steps before it, run once into the workbench.

Each notebook runs alone with its defaults (JupyterLab, ``papermill notebooks/NN_x.ipynb out.ipynb``)
and writes into the workbench (``paths.WORKBENCH``, ``reports/workbench``). Its first call is
``prepare``: when the workbench does not hold the notebooks before it for this dataset and as_of,
``prepare`` runs them there with the runner (``helpers.run.execute_series``: the same papermill
execution, skip rules and records), saying so in one line. The workbench's ``run.json`` (mode
"workbench") records the dataset, as_of and every notebook it holds: built, skipped with the reason,
or run by hand, so stepping through the series in order never rebuilds a step, nor overwrites one
the analyst ran with other parameters. A notebook given a ``run_dir`` (the runner's run folder)
builds nothing: the runner runs the series in order.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from helpers import paths
from helpers.data import contract
from helpers.progress import StatusLine, duration

RECORD = "run.json"


def prepare(dataset: str, as_of: str, run_dir: str = "", step: str = "", account_table: str = "") -> Path:
    """The folder the notebook ``step`` (its stem, e.g. "09_health_score") writes into, with what it
    reads from earlier steps. In the workbench (``run_dir`` empty) the missing earlier notebooks are run
    first, once, saying so; a flat-mode table (``account_table``) needs no earlier step."""
    out = paths.run_dir(run_dir)
    if str(run_dir) or account_table:
        return out
    from helpers import run as runner  # the runner imports the package's stages; only a workbench build needs it

    folder = str(paths.dataset_dir(dataset).resolve())
    record = _current(out, folder, dataset, as_of)
    record["notebooks"] = [n for n in record["notebooks"] if n["status"] != "failed"]  # a failed step is rebuilt
    held = {n["notebook"] for n in record["notebooks"]}
    missing = [nb for nb in runner.notebooks() if nb.stem < step and nb.name not in held]
    if missing:
        names = ", ".join(nb.stem[:2] for nb in missing)
        print(f"{out} lacks {names} for {dataset} as of {as_of}: running them there first... ", end="", flush=True)
        t0 = time.perf_counter()
        source = contract.load_dataset(dataset, as_of)
        params = {"dataset": dataset, "as_of": as_of, "run_dir": str(out)}
        (out / "notebooks").mkdir(exist_ok=True)
        record["status"] = "building"  # not a finished run until every step is in
        _write(out, record)
        try:
            runner.execute_series(
                missing, source, params, out, record, StatusLine(len(missing), enabled=False), save=_save(out)
            )
        except runner.RunFailed as exc:
            _write(out, record | {"status": "failed"})
            raise runner.RunFailed(f"building {step}'s earlier steps in {out}: {exc}") from None
        record["status"] = "ok"
        print(f"done in {duration(time.perf_counter() - t0)}")
    if f"{step}.ipynb" not in held:
        record["notebooks"].append({"notebook": f"{step}.ipynb", "seconds": 0.0, "status": "by hand"})
    _write(out, record)
    return out


def _current(out: Path, folder: str, dataset: str, as_of: str) -> dict:
    """The workbench's record for this dataset and as_of; one for another is cleared away, saying so."""
    where = out / RECORD
    record = json.loads(where.read_text()) if where.exists() else None
    if record is not None and (record.get("dataset_dir"), record["parameters"].get("as_of")) != (folder, as_of):
        before = f"{record['parameters'].get('dataset')} as of {record['parameters'].get('as_of')}"
        print(f"{out} held {before}: cleared for {dataset} as of {as_of}")
        for sub in ("artifacts", "notebooks"):
            shutil.rmtree(out / sub, ignore_errors=True)
        (out / "artifacts").mkdir(parents=True)
        record = None
    return record or {
        "mode": "workbench",
        "parameters": {"dataset": dataset, "as_of": as_of, "run_dir": str(out)},
        "dataset_dir": folder,
        "notebooks": [],
        "status": "ok",
    }


def _save(out: Path):
    return lambda record: _write(out, record)


def _write(out: Path, record: dict) -> None:
    record = record | {"notebooks": sorted(record["notebooks"], key=lambda n: n["notebook"])}
    record.pop("running", None)
    (out / RECORD).write_text(json.dumps(record, indent=2) + "\n")
