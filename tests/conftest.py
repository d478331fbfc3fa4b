import shutil

import pytest

from helpers import paths


@pytest.fixture(scope="session")
def tiny():
    """The bundled tiny dataset (generated once, deterministically)."""
    return paths.bundled("tiny")


@pytest.fixture
def tiny_copy(tiny, tmp_path):
    """A private copy of the tiny dataset, free to break."""
    dst = tmp_path / "ds"
    shutil.copytree(tiny, dst, ignore=shutil.ignore_patterns("truth"))
    return dst
