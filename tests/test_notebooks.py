"""House rules for the committed notebooks (their execution is nbval's job: pytest --nbval-lax)."""

import ast
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

from helpers import paths
from helpers.run import notebooks

NOTEBOOKS = notebooks()


def test_there_are_notebooks():
    assert NOTEBOOKS


def test_committed_without_outputs():
    strip = Path(sys.executable).with_name("nbstripout")
    result = subprocess.run([str(strip), "--verify", *map(str, NOTEBOOKS)], capture_output=True, text=True)
    assert result.returncode == 0, f"strip outputs first (make strip): {result.stdout}{result.stderr}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_conventions(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "**Inputs**" in first.source and "**Outputs**" in first.source and "**Run first**" in first.source
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    for node in ast.parse(tagged[0].source).body:
        assert isinstance(node, ast.AnnAssign), "parameters are annotated assignments"
        assert isinstance(node.value, ast.Constant), "parameters are literals; derive values in the next cell"
    lines = [ln for ln in tagged[0].source.splitlines() if ln.strip()]
    assert all("#" in ln for ln in lines), "every parameter has a comment"
    names = {n.target.id for n in ast.parse(tagged[0].source).body}
    assert {"dataset", "as_of", "run_dir"} <= names
    assert set(papermill.inspect_notebook(str(path))) == names, "papermill must parse every parameter"
    assert "## Summary" in nb.cells[-1].source
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "sys.path" not in code and "def " not in code, "notebooks call helpers; logic lives in src/helpers"
    assert paths.NOTEBOOKS in path.parents
