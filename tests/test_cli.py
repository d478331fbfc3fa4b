"""The runner's command line: every bad option is refused before any notebook runs (exit code 2, one line,
nothing written), paths are read from the current folder, and a run reports its progress in one line."""

import io
import json
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest

from helpers import paths, progress
from helpers.errors import ConfigError
from helpers.run import _for_notebook, check_previous, main, notebooks

AS_OF = "2026-10-31"


def refused(capsys, tmp_path, *args, dataset="sample"):
    """main() on ``args``: exit code 2, one line on stderr (returned), nothing written."""
    out = tmp_path / "out"
    code = main(["--dataset", dataset, "--as-of", AS_OF, "--out", str(out), *args])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert not out.exists() and not out.with_name("out.partial").exists()
    return err.strip()


@pytest.mark.parametrize("as_of", ["2026-10", "10/11/2026", "Oct 31 2026", "2026-10-31T00:00", "2026-13-01"])
def test_as_of_is_a_date_written_yyyy_mm_dd(as_of, tmp_path, capsys):
    code = main(["--dataset", "sample", "--as-of", as_of, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and not (tmp_path / "out.partial").exists()
    assert err == f"bad input: --as-of '{as_of}': not a date written YYYY-MM-DD; expected e.g. 2026-10-31\n"


def test_an_unknown_parameter_is_refused_with_the_closest_name(tmp_path, capsys):
    err = refused(capsys, tmp_path, "-p", "sead", "7")
    assert err.startswith(
        "bad input: -p sead: no notebook has a parameter 'sead'; did you mean 'seed'? expected one of:"
    )
    assert "top_n" in err


def test_the_runners_own_parameters_are_options_not_p(tmp_path, capsys):
    err = refused(capsys, tmp_path, "-p", "run_dir", "/tmp/x")
    assert err == "bad input: -p run_dir: set by the runner; use --out instead"


def test_a_parameter_value_that_is_not_yaml_names_the_parameter(tmp_path, capsys):
    err = refused(capsys, tmp_path, "-p", "top_n", "[10")
    assert err.startswith("bad input: -p top_n '[10': not a value at column 4 (expected ',' or ']'")


def test_relative_paths_are_read_from_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert paths.from_cwd("exports/2026-10") == str(tmp_path / "exports" / "2026-10")
    assert paths.from_cwd("sample") == "sample" and paths.from_cwd("tiny") == "tiny"  # the bundled datasets
    assert paths.from_cwd(str(tmp_path)) == str(tmp_path)


def test_a_missing_relative_dataset_is_named_from_the_current_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, tmp_path, dataset="exports/2026-10")
    assert err == f"bad input: {tmp_path / 'exports' / '2026-10'}: dataset folder not found"


def test_previous_run_reaches_only_the_notebooks_that_take_it():
    params = {"dataset": "sample", "as_of": AS_OF, "run_dir": "/r", "previous_run": "/p", "top_n": 5}
    given = {nb.stem[:2]: _for_notebook(nb, params) for nb in notebooks()}
    assert sorted(n for n, p in given.items() if "previous_run" in p) == ["06", "07", "09", "11", "13"]
    assert sorted(n for n, p in given.items() if "top_n" in p) == ["13"]
    assert all({"dataset", "as_of", "run_dir"} <= set(p) for p in given.values())


def _run_folder(folder: Path, status="ok", name="Acme", as_of="2026-09-30", mode="dataset") -> Path:
    (folder / "artifacts").mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"mode": mode, "status": status}))
    (folder / "artifacts" / "data_contract.json").write_text(json.dumps({"dataset": name, "as_of": as_of}))
    return folder


ACME = SimpleNamespace(config=SimpleNamespace(name="Acme"), as_of=pd.Timestamp(AS_OF), root=Path("/data/acme"))


@pytest.mark.parametrize(
    "make,expected",
    [
        (lambda f: f, "--previous {p}: no such folder; expected last month's run folder (the --out of an earlier run)"),
        (
            lambda f: f.mkdir() or f,
            "--previous {p}: not a run folder (no run.json in {p}); expected the --out of an earlier run",
        ),
        (
            lambda f: _run_folder(f, status="failed"),
            "--previous {p}: that run did not finish (run.json status 'failed'); expected a finished run",
        ),
        (
            lambda f: _run_folder(f, name="Other"),
            "--previous {p}: a run of 'Other', not of 'Acme' (the name in /data/acme/dataset.yaml); "
            "expected last month's run of the same dataset",
        ),
        (
            lambda f: _run_folder(f, as_of=AS_OF),
            "--previous {p}: as of 2026-10-31, not before this run's as_of 2026-10-31; expected an earlier month's run",
        ),
    ],
    ids=["mistyped", "not-a-run", "unfinished", "other-dataset", "not-earlier"],
)
def test_previous_must_be_a_finished_earlier_run_of_the_same_dataset(tmp_path, make, expected):
    folder = make(tmp_path / "sample-2026-09-30")
    with pytest.raises(ConfigError) as info:
        check_previous(folder, ACME)
    assert str(info.value) == expected.format(p=folder)


def test_a_finished_earlier_run_of_the_same_dataset_is_last_month(tmp_path, monkeypatch):
    folder = _run_folder(tmp_path / "sample-2026-09-30")
    monkeypatch.chdir(tmp_path)
    assert check_previous("sample-2026-09-30", ACME) == folder  # relative: from the current folder


def test_a_mistyped_previous_stops_the_cli_before_anything_is_written(tiny, tmp_path, capsys):
    err = refused(capsys, tmp_path, "--previous", str(tmp_path / "sample-2026-09-3"), dataset=str(tiny))
    assert err == (
        f"bad input: --previous {tmp_path / 'sample-2026-09-3'}: no such folder; "
        "expected last month's run folder (the --out of an earlier run)"
    )


def test_the_status_line_names_each_notebook_and_its_section():
    stream = io.StringIO()  # not a terminal: one finished line per notebook
    status = progress.StatusLine(14, stream=stream)
    status.start(9, Path("10_churn_model.ipynb"))
    status.step("Three models, compared")
    status.done("ok")
    status.skipped(10, Path("11_validation_report.ipynb"), "too few churned accounts")
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[10/14] 10_churn_model  ok in ") and lines[0].endswith(" s")
    assert lines[1] == "[11/14] 11_validation_report  skipped: too few churned accounts"
    assert (
        status.kernel_value(10, Path("11_validation_report.ipynb")) == "off"
    )  # no terminal: the kernels draw no bars either
    cells = [nbformat.v4.new_markdown_cell("# T\n## Load"), nbformat.v4.new_code_cell("x")]
    cells += [nbformat.v4.new_markdown_cell("Why.\n### Fit the model"), nbformat.v4.new_code_cell("y")]
    assert progress.headings(cells) == ["Load", "Load", "Fit the model", "Fit the model"]


def test_a_bar_goes_to_the_page_by_hand_and_to_the_terminal_under_the_runner(monkeypatch, capfd):
    monkeypatch.delenv(progress.ENV, raising=False)
    assert not progress.bar(range(3), "snapshots").disable  # by hand: tqdm as usual
    quiet, live = progress.kernel_env("off"), progress.kernel_env("terminal:[10/14] 09_health_score")
    assert progress.ENV not in __import__("os").environ  # the runner's own environment is left as it was
    monkeypatch.setenv(progress.ENV, quiet[progress.ENV])
    assert progress.bar(range(3), "snapshots").disable
    monkeypatch.setenv(progress.ENV, live[progress.ENV])
    bar = progress.bar(range(3), "snapshots")
    list(bar)
    assert bar.desc == "[10/14] 09_health_score · snapshots" and not bar.leave
    assert "09_health_score · snapshots" in capfd.readouterr().err
