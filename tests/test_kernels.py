"""A warm kernel (started while the notebook before runs) runs a notebook exactly as a fresh one does:
the only difference is that the notebook's modules are already imported."""

import nbformat
import papermill as pm
import psutil

from helpers import kernels
from helpers.progress import kernel_env
from helpers.run import KERNEL_ARGUMENTS

PROBE = """import sys
names = sorted(name for name in globals() if not name.startswith("_"))
print(names, "nbformat" in sys.modules, "email.mime.text" in sys.modules)"""


def _notebook(folder):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(PROBE),
        nbformat.v4.new_code_cell("from email.mime import text\nimport json as js"),
        nbformat.v4.new_code_cell("%time x = 1"),  # IPython syntax: skipped by the import scan, still run
    ]
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_import_scan_names_every_module_once_in_order(tmp_path):
    assert kernels.imports(_notebook(tmp_path)) == ["sys", "email.mime.text", "json"]


def test_a_warm_kernel_runs_a_notebook_as_a_fresh_one_does_with_its_imports_done_first(tmp_path):
    nb = _notebook(tmp_path)
    cold = pm.execute_notebook(nb, tmp_path / "cold.ipynb", kernel_name="python3", progress_bar=False)
    kernel = kernels.start(nb, kernel_env("off"), KERNEL_ARGUMENTS)
    pid = kernel.provisioner.pid
    warm = pm.execute_notebook(nb, tmp_path / "warm.ipynb", kernel_name="python3", progress_bar=False, km=kernel)
    kernel.close()
    kernel.reap()
    (cold_names, cold_runner, cold_ready), (warm_names, warm_runner, warm_ready) = (
        nbformat.reads(nbformat.writes(out), as_version=4).cells[0].outputs[0].text.rsplit(" ", 2)
        for out in (cold, warm)
    )
    assert cold_ready.strip() == "False" and warm_ready.strip() == "True"  # imported before the first cell
    assert warm_runner == cold_runner == "False"  # and nothing else: not the runner's own modules
    assert warm_names == cold_names and "text" not in warm_names  # nothing bound in the notebook's namespace
    assert [c.execution_count for c in warm.cells] == [c.execution_count for c in cold.cells] == [1, 2, 3]
    assert not psutil.pid_exists(pid)  # ended and reaped


def test_the_runner_starts_without_compiling_iri_grammars():
    """jsonschema (through nbformat) would compile rfc3987_syntax's grammars, a second of every run's start:
    the runner's process never loads it, and notebooks are still validated."""
    import subprocess
    import sys

    probe = (
        "import sys, helpers.run, nbformat, nbformat.validator\n"
        "nb = nbformat.v4.new_notebook(); nb.cells = [nbformat.v4.new_code_cell('1')]\n"
        "nbformat.validate(nb)\n"
        "bad = nbformat.v4.new_notebook(); bad.cells = [{'cell_type': 'code'}]\n"
        "print(sys.modules.get('rfc3987_syntax'), nbformat.validator.isvalid(bad))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["None", "False"]
