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
