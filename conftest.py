# pytest (and nbval's kernels, which inherit this environment) run the notebooks'
# default "sample" dataset as its tiny build, so the whole suite stays fast.
import os

os.environ.setdefault("WORKBOOK_SAMPLE_SCALE", "tiny")

import pytest

NOTEBOOK_DEFAULTS = ("sample", "2026-10-31")  # the dataset and as_of in every notebook's parameters cell


def pytest_collection_modifyitems(config, items):
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
