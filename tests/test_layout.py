"""The package's layout keeps its promises: test oracles stay out of monthly runs, paths come from one place."""

import ast
import json
import re
from pathlib import Path

import pytest

from helpers import artifacts, paths
from helpers.run import notebooks

SRC = paths.REPO / "src" / "helpers"
ORACLES = ("helpers.synth.planted", "helpers.synth.recovery")


def _imports(tree: ast.AST, package: str) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing module's package
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found |= {base} | {f"{base}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def _module_imports() -> dict[str, set[str]]:
    out = {}
    for path in SRC.rglob("*.py"):
        name = ".".join(("helpers", *path.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")
        out[name] = _imports(ast.parse(path.read_text()), name)
    return out


def test_no_monthly_run_imports_a_test_oracle():
    """What a monthly run executes (the runner, every notebook, everything they import) never imports the oracles."""
    graph = _module_imports()
    roots = {"helpers.run"}
    for nb in notebooks():
        cells = json.loads(nb.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        roots |= {m for m in _imports(ast.parse(code), "") if m.startswith("helpers")}
    seen, todo = set(), [r for r in roots if r in graph]
    while todo:
        mod = todo.pop()
        if mod not in seen:
            seen.add(mod)
            todo += [m for m in graph[mod] if m in graph and m not in seen]
    assert len(seen) > 20  # the walk really covered the package
    assert not [m for m in seen if m.startswith(ORACLES)], sorted(m for m in seen if m.startswith(ORACLES))


def test_run_folder_paths_come_from_the_artifact_registry():
    """No module spells out a run folder's artifacts/ path: every read and write goes through helpers.artifacts."""
    into = re.compile(r'/\s*"artifacts"\s*/')  # a path into a run folder's artifacts
    offenders = [
        str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if p.name != "artifacts.py" and into.search(p.read_text())
    ]
    assert offenders == []


def test_every_registered_artifact_is_written_by_its_notebook():
    sources = {nb.stem: nb.read_text() for nb in notebooks()}
    for name, notebook in artifacts.REGISTRY.items():
        assert notebook in sources, f"{name}: {notebook} is not a notebook"
    unknown = []
    for stem, text in sources.items():
        for node in ast.walk(ast.parse("\n".join(_code(text)))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "").startswith("write_"):
                names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                unknown += [(stem, n) for n in names if artifacts.REGISTRY.get(n) != stem]
    assert unknown == []


def _code(text: str) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "code"]


def test_an_unregistered_artifact_is_refused(tmp_path):
    with pytest.raises(KeyError, match="not a registered artifact"):
        artifacts.path(tmp_path, "surprise.csv")
    with pytest.raises(FileNotFoundError, match="run 09_health_score first"):
        artifacts.read(tmp_path, "account_health.csv")


def test_the_map_names_every_subpackage():
    import helpers

    subpackages = sorted(p.parent.name for p in SRC.glob("*/__init__.py"))
    assert subpackages and all(f"\n{name} " in helpers.__doc__ for name in subpackages), subpackages
    assert Path(helpers.__file__).parent == SRC
