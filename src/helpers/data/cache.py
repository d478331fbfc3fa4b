"""The checked dataset, remembered: every notebook of a run loads the same dataset as of the same day,
and on 100 million events the data contract's checks take seconds each time. The first load keeps the
result; a later one with the same files, the same ``dataset.yaml``, the same day and the same checking
code reads it back instead of checking again.

The key is what the result depends on: each table file's content and ``dataset.yaml``'s, the day, and
the source of ``helpers.data``. The event log is keyed by each file's size and modification time (a
file over ``HASHED_UP_TO``, or any file in a subfolder: a partitioned log may hold terabytes, and
reading it all to decide whether to read it would defeat the point). Anything else changed is a different key, so a stale entry is never
read; entries beyond the newest ``KEPT`` are removed. The folder is ``WORKBOOK_CACHE``, else
``reports/.cache`` (git-ignored). Entries are pickles this code wrote itself, never shared.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from helpers import paths

HASHED_UP_TO = 64 * 2**20  # bytes: a table file is hashed whole; a bigger one (the event log) by size and time
KEPT = 8  # newest entries kept
FOLDER = Path(os.environ.get("WORKBOOK_CACHE", paths.REPORTS / ".cache" / "datasets"))


def remembered(root: Path, day: pd.Timestamp, load: Callable[[], object]) -> object:
    """``load()``, or what it returned before for the same files, day and code."""
    entry = FOLDER / f"{key(root, day)}.pickle"
    if entry.exists():
        try:
            result = pickle.loads(entry.read_bytes())
            os.utime(entry)  # recently used: kept longest
            return result
        except Exception:  # an entry from another library version, or cut short: checked again below
            entry.unlink(missing_ok=True)
    result = load()
    _keep(entry, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    return result


def key(root: Path, day: pd.Timestamp) -> str:
    digest = hashlib.sha256(f"{root.resolve()}\n{day.date()}\n".encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}\n{stat.st_size}\n".encode())
        if stat.st_size > HASHED_UP_TO or path.parent != root:  # the event log, or a partitioned table
            digest.update(f"{stat.st_mtime_ns}\n".encode())
        else:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for source in sorted(Path(__file__).parent.glob("*.py")):  # the checking code
        digest.update(source.read_bytes())
    return digest.hexdigest()[:32]


def _keep(entry: Path, data: bytes) -> None:
    """Write ``entry`` whole or not at all (processes loading at once each write their own, then rename),
    and drop all but the newest ``KEPT`` entries."""
    try:
        FOLDER.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=FOLDER, prefix=".", delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, entry)
        for old in sorted(FOLDER.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)[KEPT:]:
            old.unlink(missing_ok=True)
    except OSError:
        return  # a read-only or full disk: the run goes on, checking the data each time
