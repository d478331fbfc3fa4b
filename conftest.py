# pytest (and nbval's kernels, which inherit this environment) run the notebooks'
# default "sample" dataset as its tiny build, so the whole suite stays fast.
import os
import shutil
import tempfile

import pytest

os.environ.setdefault("WORKBOOK_SAMPLE_SCALE", "tiny")
# The checked datasets the tests load are cached in a folder of their own, removed at the end: in the
# user's (reports/.cache) their hundreds of small copies would push out a real dataset's entry.
OWN_CACHE = "WORKBOOK_CACHE" not in os.environ
if OWN_CACHE:
    os.environ["WORKBOOK_CACHE"] = tempfile.mkdtemp(prefix="workbook-test-cache-")

NOTEBOOK_DEFAULTS = ("sample", "2026-10-31")  # the dataset and as_of in every notebook's parameters cell
# `make test` spreads the tests over the cores by group (pytest-xdist, --dist loadgroup): a test module is
# a group, so its module fixtures (whole-series runs) are built once; the notebooks are one group, since
# they share the workbench and run in order; the tests that use the session's june_run are one group.
# The longest groups go first (each takes one to five minutes), so no core is left with one at the end.
LONGEST_FIRST = ["june_run", "test_shapes.py", "test_run.py", "test_spark_engine.py", "test_churn.py"]


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_group(item)))
    rank = {g: i for i, g in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_group(item), len(rank)))  # stable: the order within a group stays
    skip_notebooks_the_runner_would_skip(items)


def _group(item) -> str:
    if item.path.suffix == ".ipynb":
        return "notebooks"
    return "june_run" if "june_run" in getattr(item, "fixturenames", ()) else item.path.name


def skip_notebooks_the_runner_would_skip(items):
    """nbval steps aside exactly where the runner would: a notebook whose ``workbook.requires``
    fail on its default dataset (the tiny build here: too little churn for 10 and 11) is skipped,
    with the runner's reason. Tests run those notebooks on the full sample instead."""
    notebooks = {item.path for item in items if item.path.suffix == ".ipynb"}
    if not notebooks:
        return
    from helpers.data import contract
    from helpers.run import skip_reason

    ds = contract.load_dataset(*NOTEBOOK_DEFAULTS)
    reasons = {path: skip_reason(path, ds) for path in notebooks}
    for item in items:
        if reasons.get(item.path):
            item.add_marker(pytest.mark.skip(reason=f"{item.path.name}: {reasons[item.path]}"))


def pytest_sessionfinish(session):
    if OWN_CACHE and not hasattr(session.config, "workerinput"):  # the controller, after every worker
        shutil.rmtree(os.environ["WORKBOOK_CACHE"], ignore_errors=True)
