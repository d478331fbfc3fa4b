import os
import shutil

import duckdb
import pytest

from helpers import paths
from helpers.data import contract
from helpers.data.timecut import cutoff


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


def _cut_copy(src, dst, as_of):
    """The dataset with everything after as_of physically removed (and facts learned later blanked)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("truth"))
    ds = contract.load_dataset(src, as_of)
    for name, table in ds.tables.items():
        table.to_csv(dst / ds.files[name].name, index=False)
    events = ds.files["events"]
    duckdb.sql(
        f"COPY (SELECT * FROM read_parquet('{events}') WHERE timestamp < TIMESTAMP '{cutoff(as_of)}') "
        f"TO '{dst / events.name}' (FORMAT parquet)"
    )
    return dst


@pytest.fixture(scope="session")
def june_run(tmp_path_factory):
    """The whole series on the tiny dataset as of 2026-06-30 (it goes on to 2026-10-31), made the way an
    analyst makes it: notebook 13 run by itself with papermill, its defaults but as_of, into an empty
    workbench. It builds 00-12 there first (helpers.workbench), so the workbench holds a whole run's
    artifacts; test_leakage holds them byte for byte to a runner's run on the same data."""
    import papermill as pm

    bench = tmp_path_factory.mktemp("runs") / "june"
    (bench / "notebooks").mkdir(parents=True)
    before = os.environ.get("WORKBOOK_WORKBENCH")
    os.environ["WORKBOOK_WORKBENCH"] = str(bench)  # the kernel (and the ones it starts) inherit it
    try:
        pm.execute_notebook(
            paths.NOTEBOOKS / "13_executive_summary.ipynb",
            bench / "notebooks" / "13_executive_summary.ipynb",
            parameters={"as_of": "2026-06-30"},
            kernel_name="python3",
            cwd=str(paths.NOTEBOOKS),
            progress_bar=False,
        )
    finally:
        if before is None:
            del os.environ["WORKBOOK_WORKBENCH"]
        else:
            os.environ["WORKBOOK_WORKBENCH"] = before
    return bench


@pytest.fixture(scope="session")
def cut_copy():
    """cut_copy(src, dst, as_of): a copy of a dataset as an export taken on as_of would be."""
    return _cut_copy


DATASET_FIXTURES = {
    "tiny",
    "tiny_copy",
    "first_run",
    "june_run",
    "sample_runs",
    "sample",
    "shaped_run",
    "leak_runs",
    "short_run",
}


def pytest_collection_modifyitems(config, items):
    """A test on a dataset (any of DATASET_FIXTURES) is slow: `make check` leaves it out."""
    for item in items:
        if DATASET_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
