"""In a kernel the runner starts ahead of its notebook (``helpers.kernels``): import the notebook's modules.
Nothing else is imported here, so that the kernel pays only for what its notebook uses."""

from __future__ import annotations

import importlib


def modules(names: str) -> None:
    """In the kernel: import each module of the comma-separated ``names`` (or, for a name, its
    parent). A module that fails to import is left alone here: the notebook's own import cell raises
    it, on the page, where it belongs."""
    for name in names.split(","):
        for candidate in (name, name.rpartition(".")[0]):
            try:
                importlib.import_module(candidate)
                break
            except ModuleNotFoundError:
                continue
            except Exception:
                break
