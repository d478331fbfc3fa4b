"""Writing run artifacts so that the same inputs give byte-identical files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def write_csv(df: pd.DataFrame, run_dir: Path, name: str) -> Path:
    path = Path(run_dir) / "artifacts" / name
    df.to_csv(path, index=False, float_format="%.6g", lineterminator="\n")
    return path


def write_json(obj, run_dir: Path, name: str) -> Path:
    path = Path(run_dir) / "artifacts" / name
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")
    return path


def write_parquet(df: pd.DataFrame, run_dir: Path, name: str) -> Path:
    path = Path(run_dir) / "artifacts" / name
    df.to_parquet(path, index=False, compression="zstd")
    return path


def previous(previous_run: str, name: str) -> pd.DataFrame | None:
    """An artifact of last month's run, or None when no previous run was given or it lacks one."""
    path = Path(previous_run) / "artifacts" / name if previous_run else None
    return pd.read_csv(path) if path is not None and path.exists() else None


def read(run_dir: Path, name: str, made_by: str) -> pd.DataFrame:
    """An earlier step's artifact, or a clear message naming the notebook to run first."""
    path = Path(run_dir) / "artifacts" / name
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run {made_by} first (with the same run_dir)")
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, keep_default_na=True)


def optional(run_dir: Path, name: str) -> pd.DataFrame | None:
    """An earlier step's artifact when that step has run (or did not step aside), else None."""
    return previous(str(run_dir), name)
