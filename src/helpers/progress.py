"""Progress: the runner's one status line, and the bars of long steps inside a notebook.

A notebook run by hand (JupyterLab, papermill, nbval) shows its bars on the page, as tqdm does.
Under the runner (``python -m helpers.run``) the page is the report, so a bar belongs in the
terminal instead: the runner tells its kernels so through ``ENV`` (``"off"``, or ``"terminal:"`` and
the notebook's label) and starts them without capturing their own stderr, which is the runner's.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

ENV = "WORKBOOK_PROGRESS"  # unset: bars on the page; "off": none; "terminal:<label>": in the runner's terminal


def bar(iterable: Iterable, desc: str, enabled: bool = True, **kw) -> tqdm:
    """tqdm over ``iterable``: on the page when run by hand, in the terminal under the runner (``ENV``)."""
    where = os.environ.get(ENV, "")
    if not enabled or where == "off":
        return tqdm(iterable, desc=desc, disable=True, **kw)
    if where.startswith("terminal:"):
        label = where.removeprefix("terminal:")
        return tqdm(iterable, desc=f"{label} · {desc}", file=sys.__stderr__, leave=False, **kw)
    return tqdm(iterable, desc=desc, **kw)


def kernel_env(value: str) -> dict[str, str]:
    """The environment a notebook's kernel starts with: the runner's, and ``ENV`` set to ``value``."""
    return {**os.environ, ENV: value}


def headings(cells) -> list[str]:
    """For each cell, the title of the section it belongs to (the last markdown heading above it)."""
    current, found = "", []
    for cell in cells:
        if cell.cell_type == "markdown":
            titles = [line.lstrip("#").strip() for line in cell.source.splitlines() if line.startswith("#")]
            current = titles[-1] if titles else current
        found.append(current)
    return found


def duration(seconds: float) -> str:
    """'8 s', '2 min 5 s'."""
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60} s"


class StatusLine:
    """The runner's progress: one line per notebook, naming it and, while it runs, the section it is in.

    On a terminal the line is rewritten in place; in a log (not a terminal) each notebook gets one
    finished line. ``enabled=False`` prints nothing (tests, the workbench's builds)."""

    def __init__(self, total: int, enabled: bool = True, stream=None):
        self.total, self.enabled = total, enabled
        self.stream = stream or sys.stderr
        self.live = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.label, self.t0 = "", 0.0

    def kernel_value(self, index: int, nb: Path) -> str:
        """What the kernel of notebook ``index`` of the series finds in ``ENV``."""
        return f"terminal:{self._label(index, nb)}" if self.live else "off"  # a log gets no bars

    def start(self, index: int, nb: Path) -> None:
        self.label = self._label(index, nb)
        self.t0 = time.perf_counter()
        self._show(f"{self.label} …")

    def step(self, title: str) -> None:
        if title:
            self._show(f"{self.label} · {title} ({duration(time.perf_counter() - self.t0)})")

    def done(self, status: str) -> None:
        self._show(f"{self.label}  {status} in {duration(time.perf_counter() - self.t0)}", final=True)

    def skipped(self, index: int, nb: Path, reason: str) -> None:
        self.label = self._label(index, nb)
        self._show(f"{self.label}  skipped: {reason}", final=True)

    def _label(self, index: int, nb: Path) -> str:
        return f"[{index + 1:>{len(str(self.total))}}/{self.total}] {nb.stem}"

    def close(self) -> None:
        """End a running line (on a terminal) so that what follows starts on its own row."""
        if self.live:
            self.stream.write("\n")
            self.stream.flush()

    def say(self, line: str) -> None:
        if self.enabled:
            print(line, file=self.stream, flush=True)

    def _show(self, text: str, final: bool = False) -> None:
        if not self.enabled:
            return
        if self.live:
            width = shutil.get_terminal_size((120, 24)).columns  # a terminal that reports no width: 120
            line = text if final or width < 40 else text[: width - 1]  # a running line fits on one row
            self.stream.write("\r\x1b[2K" + line + ("\n" if final else ""))
            self.stream.flush()
        elif final:
            print(text, file=self.stream, flush=True)
