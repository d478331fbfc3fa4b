"""Every path the workbook uses comes from here (notebooks never touch sys.path or cwd)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(os.environ.get("WORKBOOK_HOME", Path(__file__).resolve().parents[2]))
NOTEBOOKS = REPO / "notebooks"
DATA = REPO / "data"
REPORTS = REPO / "reports"
WORKBENCH = Path(os.environ.get("WORKBOOK_WORKBENCH", REPORTS / "workbench"))  # where a notebook run by hand writes

BUNDLED_SEED = 42
BUNDLED = ("sample", "tiny")


def dataset_dir(dataset: str | os.PathLike) -> Path:
    """A dataset folder: a path, or the name of a bundled dataset (generated on first use).

    ``WORKBOOK_SAMPLE_SCALE=tiny`` makes the name "sample" mean the tiny build, so CI
    can execute every notebook, defaults untouched, in seconds.
    """
    name = str(dataset)
    if name in BUNDLED:
        scale = os.environ.get("WORKBOOK_SAMPLE_SCALE", name) if name == "sample" else name
        return bundled(scale)
    path = Path(name).expanduser()
    return path if path.is_absolute() else (REPO / path)


def from_cwd(dataset: str | os.PathLike) -> str:
    """A dataset as the command line means it: a bundled name (``BUNDLED``) as it is, any other path made
    absolute from the current folder (``dataset_dir`` alone reads a notebook's relative path from the
    repository, where the notebooks run)."""
    name = str(dataset)
    return name if name in BUNDLED else str(Path(name).expanduser().resolve())


def bundled(scale: str) -> Path:
    """data/<scale>: the deterministic synthetic dataset, generated if it is not there yet."""
    folder = DATA / scale
    if (folder / "dataset.yaml").exists():
        return folder
    from filelock import FileLock

    DATA.mkdir(parents=True, exist_ok=True)
    with FileLock(DATA / f".{scale}.lock"):  # processes asking at once (parallel tests): one generates
        if not (folder / "dataset.yaml").exists():
            from helpers.synth import generate

            print(f"Generating the bundled '{scale}' dataset in {folder} (seed {BUNDLED_SEED}, once)...")
            generate(folder, scale=scale, seed=BUNDLED_SEED, progress=False)
    return folder


def run_dir(run_dir: str | os.PathLike = "") -> Path:
    """The run folder a notebook writes into: the runner's, or the workbench when run by hand."""
    path = Path(run_dir) if str(run_dir) else WORKBENCH
    path = path if path.is_absolute() else REPO / path
    (path / "artifacts").mkdir(parents=True, exist_ok=True)
    return path
