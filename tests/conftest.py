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


DATASET_FIXTURES = {"tiny", "tiny_copy", "first_run", "june_run", "sample_runs", "sample", "shaped_run"}


def pytest_collection_modifyitems(config, items):
    """A test on a dataset (any of DATASET_FIXTURES) is slow: `make check` leaves it out."""
    for item in items:
        if DATASET_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
