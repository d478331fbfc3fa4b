"""The code is clean under the project's ruff configuration (pyproject.toml), lint and format alike."""

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import paths

RUFF = Path(sys.executable).with_name("ruff")


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_is_clean(args):
    result = subprocess.run([str(RUFF), *args, "."], cwd=paths.REPO, capture_output=True, text=True)
    assert result.returncode == 0, f"run `make format`, then fix what remains:\n{result.stdout}{result.stderr}"
