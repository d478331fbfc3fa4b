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
MAX_LINE = 100  # characters in a code cell's line, the parameters cell included
MAX_POSITIONAL = 3  # arguments a call may pass by position; the rest go by keyword
# Logic belongs in src/helpers: a notebook shows one path. An optional step is a helper that returns
# an empty table and a note saying why (a figure helper prints the reason), never a branch here.
NOT_IN_A_NOTEBOOK = {
    ast.IfExp: "a conditional expression",
    ast.If: "an if statement",
    ast.For: "a for loop",
    ast.AsyncFor: "a for loop",
    ast.While: "a while loop",
    ast.FunctionDef: "a function definition",
    ast.AsyncFunctionDef: "a function definition",
    ast.Lambda: "a lambda",
    ast.ClassDef: "a class definition",
    ast.ListComp: "a list comprehension",
    ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.BoolOp: "an 'and'/'or' fallback",
}


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
    # run alone, a notebook builds the steps before it (helpers.workbench): the step it names is itself
    assert code.count("workbench.prepare(") == 1 and f'step="{path.stem}"' in code, "out = workbench.prepare(...)"
    assert paths.NOTEBOOKS in path.parents


def one_path_problems(name: str, cells: list[tuple[int, str]]) -> list[str]:
    """Every break of the one-path rules in a notebook's code cells (index, source), each naming the
    notebook, the cell and the offending line. Cells of IPython magics (%...) are not Python."""
    return [p for index, source in cells if not source.lstrip().startswith("%") for p in _cell(name, index, source)]


def _cell(name: str, index: int, source: str) -> list[str]:
    lines = source.splitlines()

    def at(lineno: int, what: str) -> str:
        return f"{name}, cell {index}, line {lineno}: {what}: {lines[lineno - 1].strip()}"

    problems = []
    for node in ast.walk(ast.parse(source)):
        if type(node) in NOT_IN_A_NOTEBOOK:
            problems.append(at(node.lineno, f"{NOT_IN_A_NOTEBOOK[type(node)]} (move it into a helper)"))
        if isinstance(node, ast.Call) and len(node.args) > MAX_POSITIONAL:
            problems.append(at(node.lineno, f"{len(node.args)} positional arguments (at most {MAX_POSITIONAL})"))
    long = [n for n, line in enumerate(lines, 1) if len(line) > MAX_LINE]
    return problems + [at(n, f"{len(lines[n - 1])} characters (at most {MAX_LINE})") for n in long]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_path(path):
    """No branch, loop, definition or comprehension in a code cell, keywords after three positional
    arguments, and short lines: the notebook reads top to bottom as one path."""
    nb = nbformat.read(path, as_version=4)
    cells = [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    problems = one_path_problems(path.name, cells)
    assert not problems, "notebooks show one path (CONTRIBUTING.md, house rules):\n" + "\n".join(problems)


def test_one_path_rules_name_the_notebook_cell_and_line():
    cells = [
        (1, "%matplotlib inline"),
        (2, "tags = None if no_tags else read(out)\nfit(a, b, c, d)\nfit(a, b, c, seed=1)"),
        (4, "x = 1\n" + "y = '" + "z" * 100 + "'\n[t for t in tags]\nprint(note or 'none')"),
    ]
    problems = one_path_problems("99_example.ipynb", cells)
    assert problems == [
        "99_example.ipynb, cell 2, line 1: a conditional expression (move it into a helper): "
        "tags = None if no_tags else read(out)",
        "99_example.ipynb, cell 2, line 2: 4 positional arguments (at most 3): fit(a, b, c, d)",
        "99_example.ipynb, cell 4, line 3: a list comprehension (move it into a helper): [t for t in tags]",
        "99_example.ipynb, cell 4, line 4: an 'and'/'or' fallback (move it into a helper): print(note or 'none')",
        "99_example.ipynb, cell 4, line 2: 106 characters (at most 100): y = '" + "z" * 100 + "'",
    ]
