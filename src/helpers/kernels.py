"""Warm kernels: the next notebook's kernel starts, and does that notebook's imports, while the
current notebook runs.

About two thirds of a short notebook's time is not its work: starting Python (a second) and
importing pandas, scikit-learn, matplotlib and the helpers (two to three). None of it depends on the
notebook before, so the runner does it on the other core meanwhile and hands the kernel to papermill
(``km=``). The notebook then runs exactly as in a fresh kernel: its imports are its own, done early;
nothing is bound in its namespace and nothing is counted in its history.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync

# kernels started ahead. Two would have the kernel after a short notebook ready too, but on two cores
# three busy processes slow the running notebook by more (the sample's month: 75 s with one, 77 with two)
AHEAD = 1
# nbclient's own argument when it starts a kernel: no history file for an unattended run
IN_MEMORY_HISTORY = "--HistoryManager.hist_file=:memory:"


class WarmKernel(AsyncKernelManager):
    """A kernel started ahead of its notebook (nbclient's own manager class, so that papermill's client
    runs on the same event loop). papermill does not own it: ``close`` ends it and the clients it gave
    out, as papermill does with a kernel of its own."""

    def client(self, **kwargs):
        kc = super().client(**kwargs)
        self._clients = [*getattr(self, "_clients", []), kc]
        return kc

    def close(self) -> None:
        """Ask the kernel to end; it finishes on its own while the run goes on (``reap`` waits)."""
        for kc in getattr(self, "_clients", []):
            kc.stop_channels()
        if self.has_kernel:
            run_sync(self.request_shutdown)()

    def reap(self) -> None:
        """Wait for a closed kernel's process to end (killing it after ``shutdown_wait_time``), and tidy up."""
        if self.has_kernel:
            run_sync(self.finish_shutdown)()
        run_sync(self.cleanup_resources)()


def start(nb: Path, env: dict[str, str], arguments: list[str]) -> WarmKernel:
    """A python3 kernel in ``nb``'s folder with ``env``, importing what ``nb`` imports as it starts
    (IPython's ``exec_lines``): papermill's first request is answered when the imports are done."""
    preload = f"__import__('helpers.preload').preload.modules({','.join(imports(nb))!r})"
    km = WarmKernel(kernel_name="python3")
    launch = [*arguments, IN_MEMORY_HISTORY, f"--IPKernelApp.exec_lines={preload}"]
    run_sync(km.start_kernel)(extra_arguments=launch, cwd=str(nb.parent), env=env)
    return km


def imports(nb: Path) -> list[str]:
    """The modules ``nb``'s code cells import, in order (``from a import b``: ``a.b``, which may be a
    module or a name in ``a``; ``helpers.preload`` tries both)."""
    found: list[str] = []
    for cell in nbformat.read(nb, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue  # a cell with IPython syntax: its imports are simply not done early
        for node in tree.body:
            if isinstance(node, ast.Import):
                found += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found += [f"{node.module}.{alias.name}" for alias in node.names]
    return list(dict.fromkeys(found))


class Relay:
    """The kernels of a series of notebooks, as a context: handing out one notebook's kernel starts the
    next one's. Leaving it (at the end, on an error or Ctrl-C) ends every kernel it started."""

    def __init__(self, notebooks: list[Path], environment: Callable[[Path], dict[str, str]], arguments: list[str]):
        self.notebooks, self.environment, self.arguments = notebooks, environment, arguments
        self.ahead: dict[Path, WarmKernel] = {}
        self.ended: list[WarmKernel] = []

    def take(self, nb: Path) -> WarmKernel:
        """``nb``'s kernel (started ahead, or now); the next ``AHEAD`` notebooks' start meanwhile."""
        kernel = self.ahead.pop(nb, None) or self._start(nb)
        following = self.notebooks[self.notebooks.index(nb) + 1 :][:AHEAD]
        self.ahead.update({n: self._start(n) for n in following if n not in self.ahead})
        return kernel

    def done(self, kernel: WarmKernel) -> None:
        """``kernel``'s notebook is done: ask it to end, and reap the one before (long ended by now)."""
        for earlier in self.ended:
            earlier.reap()
        kernel.close()
        self.ended = [kernel]

    def _start(self, nb: Path) -> WarmKernel:
        return start(nb, self.environment(nb), self.arguments)

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc) -> None:
        for kernel in self.ahead.values():
            kernel.close()
        for kernel in [*self.ended, *self.ahead.values()]:
            kernel.reap()
