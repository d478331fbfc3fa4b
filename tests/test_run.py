"""The runner: a whole month end to end, reproducibly, and safely when something breaks."""

import json
import shutil

import nbformat
import pandas as pd
import psutil
import pytest

import browser
from helpers import paths
from helpers.report.csm_page import anchor as csm_page_anchor
from helpers.run import Interrupted, RunFailed, main, notebooks, run

AS_OF = "2026-10-31"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tiny = paths.bundled("tiny")
    return run(str(tiny), AS_OF, tmp_path_factory.mktemp("runs") / "month", progress=False)


def test_run_folder_is_complete(first_run):
    record = json.loads((first_run / "run.json").read_text())
    skipped = {n["notebook"]: n["reason"] for n in record["notebooks"] if n["status"] == "skipped"}
    # the tiny build has too little churn for a model: 10 and 11 step aside, saying why
    assert sorted(skipped) == ["10_churn_model.ipynb", "11_validation_report.ipynb"]
    assert all("churned" in r and "expected at least" in r for r in skipped.values())
    names = [nb.stem for nb in notebooks() if nb.name not in skipped]
    assert names and names[0] == "00_data_contract"
    for stem in names:
        assert (first_run / "notebooks" / f"{stem}.ipynb").exists()
        assert (first_run / "html" / f"{stem}.html").stat().st_size > 10_000
    contents = (first_run / "contents.html").read_text()
    assert all(f'href="html/{stem}.html"' in contents for stem in names)
    assert record["status"] == "ok"
    assert record["parameters"]["as_of"] == AS_OF
    assert [n["notebook"] for n in record["notebooks"]] == [nb.name for nb in notebooks()]
    assert len(record["inputs"]["events.parquet"]) == 64 and "pandas" in record["versions"]
    contract = json.loads((first_run / "artifacts" / "data_contract.json").read_text())
    assert contract["status"] == "valid" and contract["events_to_as_of"] > 100_000
    model = json.loads((first_run / "artifacts" / "expert_model.json").read_text())
    assert model["training"]["as_of"] == AS_OF  # without --previous, a run trains its own expert model


def test_executed_notebooks_name_the_run_folder_and_keep_bars_off_the_page(first_run):
    """The executed copies show run_dir as the folder they live in, never the temporary <out>.partial;
    a long step's progress bar (09's snapshots, 03's measures) is not a stderr block on the page."""
    for copy in sorted((first_run / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(copy, as_version=4)
        injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
        assert f'run_dir = "{first_run}"' in injected.source, copy.name
        assert nb.metadata.papermill.parameters["run_dir"] == str(first_run)
        assert (
            ".partial" not in copy.read_text()
            and ".partial" not in (first_run / "html" / f"{copy.stem}.html").read_text()
        )
        streams = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("name") == "stderr"]
        assert streams == [], f"{copy.name}: {streams[0]['text'][:80]}"
    params = nbformat.read(
        first_run / "notebooks" / "09_health_score.ipynb", as_version=4
    ).metadata.papermill.parameters
    assert "previous_run" not in params and set(params) >= {"dataset", "as_of", "run_dir"}


def test_a_notebook_run_alone_builds_the_steps_before_it_saying_so(june_run):
    """june_run is notebook 13 run by itself into an empty workbench: one line says it ran 00-12 there first,
    the workbench records each (built, or skipped with the runner's reason) and 13 as run by hand."""
    nb = nbformat.read(june_run / "notebooks" / "13_executive_summary.ipynb", as_version=4)
    said = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    line = f"{june_run} lacks 00, 01, 02, 03, 04, 05, 06, 07, 08, 09, 10, 11, 12 for sample as of 2026-06-30"
    assert said.count(line + ": running them there first... done in ") == 1
    record = json.loads((june_run / "run.json").read_text())
    assert record["mode"] == "workbench" and record["status"] == "ok"
    status = {n["notebook"][:2]: n["status"] for n in record["notebooks"]}
    assert status == {f"{i:02d}": "ok" for i in range(13)} | {"10": "skipped", "11": "skipped", "13": "by hand"}
    assert all(
        (june_run / "notebooks" / n["notebook"]).exists() for n in record["notebooks"] if n["status"] != "skipped"
    )


def test_non_default_parameters_change_the_run(june_run):
    contract = json.loads((june_run / "artifacts" / "data_contract.json").read_text())
    assert contract["as_of"] == "2026-06-30"
    model = json.loads((june_run / "artifacts" / "expert_model.json").read_text())
    assert model["training"]["as_of"] == "2026-06-30"


def test_next_month_reuses_the_model_and_shows_tag_transitions(june_run, tmp_path):
    out = run(
        str(paths.bundled("tiny")), AS_OF, tmp_path / "october", extra={"previous_run": str(june_run)}, progress=False
    )
    june_model = json.loads((june_run / "artifacts" / "expert_model.json").read_text())
    model = json.loads((out / "artifacts" / "expert_model.json").read_text())
    assert model["model_id"] == june_model["model_id"] and model["training"]["as_of"] == "2026-06-30"
    moves = pd.read_csv(out / "artifacts" / "tag_transitions.csv").set_index("tag_before")
    tags = pd.read_csv(out / "artifacts" / "user_tags.csv")
    assert moves.to_numpy().sum() == len(tags)
    before = pd.read_csv(june_run / "artifacts" / "user_tags.csv")
    assert moves.loc["New"].sum() == (~tags.user_id.isin(before.user_id)).sum() > 0
    assert moves.loc["Expert", "Expert"] > 0 and moves.drop(index="New").to_numpy().trace() < len(before)
    # the executive summary's month-over-month tables
    health, health_before = (pd.read_csv(r / "artifacts" / "account_health.csv") for r in (out, june_run))
    tiers = pd.read_csv(out / "artifacts" / "tier_changes.csv").set_index("last month")
    assert tiers.to_numpy().sum() == len(set(health.account_id) | set(health_before.account_id))
    assert tiers["(not scored)"].sum() == (~health_before.account_id.isin(health.account_id)).sum()
    alerts = pd.read_csv(out / "artifacts" / "alert_changes.csv")
    now_alerts = pd.read_csv(out / "artifacts" / "alerts.csv")
    assert set(alerts.change) <= {"new", "resolved"} and (alerts.change == "new").sum() == len(
        now_alerts.merge(
            pd.read_csv(june_run / "artifacts" / "alerts.csv")[["account_id", "alert"]],
            how="left",
            on=["account_id", "alert"],
            indicator=True,
        ).query("_merge == 'left_only'")
    )
    movers = pd.read_csv(out / "artifacts" / "health_movers.csv")
    assert movers.change.abs().is_monotonic_decreasing and len(movers) == 10


def test_a_failing_notebook_names_itself_and_spares_the_last_report(first_run, tmp_path, capfd):
    good = tmp_path / "report"
    shutil.copytree(first_run, good)
    before = {p: p.read_bytes() for p in good.rglob("*") if p.is_file()}
    broken = tmp_path / "notebooks"  # one good notebook, then the broken one: enough to fail late
    broken.mkdir()
    shutil.copy(paths.NOTEBOOKS / "00_data_contract.ipynb", broken)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# broken"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('planted failure')"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, broken / "99_broken.ipynb")
    with pytest.raises(RunFailed) as info:
        run(str(paths.bundled("tiny")), AS_OF, good, notebooks_dir=broken, progress=False)
    msg = str(info.value)
    # cell 2 of the executed copy: the notebook declares no parameters, so papermill injects none
    assert "99_broken.ipynb failed in cell 2" in msg and "ValueError: planted failure" in msg
    assert {p: p.read_bytes() for p in good.rglob("*") if p.is_file()} == before
    failed = json.loads((tmp_path / "report.partial" / "run.json").read_text())
    assert failed["status"] == "failed" and failed["notebooks"][-1]["notebook"] == "99_broken.ipynb"
    # written once, as it failed: the executed copy shows the error where it happened
    executed = nbformat.read(tmp_path / "report.partial" / "notebooks" / "99_broken.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["evalue"] == "planted failure"
    assert "IPKernelApp" not in capfd.readouterr().err  # the kernels' own log stays out of the terminal


def test_bad_input_stops_the_cli_before_anything_is_written(tiny_copy, tmp_path, capsys):
    (tiny_copy / "users.csv").write_text("user_id,account_id\nU1,NOPE\n")
    code = main(["--dataset", str(tiny_copy), "--as-of", AS_OF, "--out", str(tmp_path / "out")])
    assert code == 2
    assert "bad input: users.csv: column 'account_id'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def test_ctrl_c_ends_in_one_line_and_leaves_no_partial_folder(tiny, first_run, tmp_path, monkeypatch, capsys):
    """Ctrl-C during a notebook: no traceback, the unfinished folder removed, the last report untouched."""
    import helpers.run as runner

    good = tmp_path / "report"
    shutil.copytree(first_run, good)

    def interrupted(nb, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_execute_one", interrupted)
    code = main(["--dataset", str(tiny), "--as-of", AS_OF, "--out", str(good)])
    err = capsys.readouterr().err
    assert code == 130 and err.count("\n") == 1
    assert err == (
        f"interrupted during 00_data_contract.ipynb: the unfinished run (report.partial) was removed; "
        f"{good} is as it was before\n"
    )
    assert not (tmp_path / "report.partial").exists() and (good / "index.html").exists()
    kernels = [p for p in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]
    assert kernels == []  # the notebook's kernel and the next one's, started ahead, both ended
    with pytest.raises(Interrupted):
        run(str(tiny), AS_OF, tmp_path / "other", progress=False)
    assert not (tmp_path / "other.partial").exists() and not (tmp_path / "other").exists()


@pytest.mark.slow
def test_second_product_runs_the_expert_method_on_its_own_yaml(tmp_path):
    """Quill has other event names and other column names; only its dataset.yaml differs."""
    from helpers.synth import generate

    quill = generate(tmp_path / "quill", "tiny", seed=5, product="quill", progress=False)
    out = run(str(quill), AS_OF, tmp_path / "quill-run", progress=False)
    record = json.loads((out / "run.json").read_text())
    # the tiny build has too little churn for 10 and 11: they step aside; everything else runs
    assert all(n["status"] == ("skipped" if n["notebook"][:3] in ("10_", "11_") else "ok") for n in record["notebooks"])
    measures = pd.read_parquet(out / "artifacts" / "user_measures.parquet")
    assert {"run_automation_share", "build_workflow_days_per_week", "advanced_adoption"} <= set(measures.columns)
    assert "call_api_share" not in measures  # nothing of the first product leaks in
    model = json.loads((out / "artifacts" / "expert_model.json").read_text())
    assert model["validation"]["balanced_accuracy"] > 0.7
    tags = pd.read_csv(out / "artifacts" / "user_tags.csv")
    assert list(tags.columns[:4]) == ["user_id", "account_id", "score", "tag"]
    assert set(tags.tag) <= {"Expert", "Intermediate", "Beginner", "Inactive"} and (tags.tag == "Expert").sum() > 10
    assert len(tags) == len(pd.read_csv(quill / "members.csv"))


def test_unusable_labels_make_the_expert_steps_step_aside(tiny_copy, tmp_path):
    labels = pd.read_csv(tiny_copy / "csm_labels.csv").assign(label="intermediate")
    labels.to_csv(tiny_copy / "csm_labels.csv", index=False)
    out = run(str(tiny_copy), AS_OF, tmp_path / "no-experts", progress=False)
    record = {n["notebook"][:2]: n for n in json.loads((out / "run.json").read_text())["notebooks"]}
    for nb in ("01", "02", "04", "05", "06", "07"):
        assert record[nb]["status"] == "skipped" and "every one of the" in record[nb]["reason"]
    assert record["03"]["status"] == "ok" and record["08"]["status"] == "ok"
    rollup = pd.read_csv(out / "artifacts" / "account_rollup.csv")
    assert "experts" not in rollup and {"activity_coefficient", "seat_utilisation"} <= set(rollup.columns)
    assert (
        "stepped aside" in (out / "index.html").read_text() and "stepped aside" in (out / "contents.html").read_text()
    )


def test_report_opens_on_its_front_page_and_every_link_resolves(first_run):
    from helpers.report import pages as report

    assert report.broken_links(first_run) == []
    index = (first_run / "index.html").read_text()
    assert "<title>Customer health report, October 2026</title>" in index and "13 ·" not in index
    nav = index[index.index("<nav") : index.index("</nav>")]
    assert nav.index("CSM action lists") < nav.index("analyst") < nav.index("Every notebook")
    assert "Traceback" not in index and "Warning" not in index
    kpis = pd.read_csv(first_run / "artifacts" / "executive_kpis.csv")
    assert index.count('class="tile ') == len(kpis)  # one tile per headline figure
    assert index.count("<dt>ARR at risk</dt>") == 1  # one definition of each figure
    contents = (first_run / "contents.html").read_text()
    assert (
        contents.index("13_executive_summary") < contents.index("csm_actions.html") < contents.index("00_data_contract")
    )


def test_the_csm_page_lists_every_csm_and_every_account_artifact_names_its_accounts(first_run):
    accounts = pd.read_csv(paths.bundled("tiny") / "accounts.csv")
    actions = pd.read_csv(first_run / "artifacts" / "csm_actions.csv")
    page = (first_run / "html" / "csm_actions.html").read_text()
    csms = sorted(accounts.csm.dropna().unique())
    assert len(csms) > actions.csm.nunique() > 0  # some CSMs have nothing to do this month: listed all the same
    for csm in csms:
        section = page[page.index(f'id="{csm_page_anchor(csm)}"') :].split("</section>")[0]
        mine = actions[actions.csm == csm]
        assert ("Nothing needs you this month." in section) == mine.empty, csm
        assert all(a in section for a in mine.account_id) and all(n in section for n in mine.name)
    assert set(actions.columns) >= {"renewal_date", "health_change", "due_date", "drivers", "sla"}
    assert actions.due_date.notna().all()  # every default SLA names a time
    for name in ("account_health.csv", "csm_actions.csv", "renewals_at_risk.csv", "strategic_accounts.csv"):
        table = pd.read_csv(first_run / "artifacts" / name)
        assert {"account_id", "name"} <= set(table.columns), name


def test_the_report_reads_clean_in_a_real_browser_on_screen_and_on_paper(first_run):
    """Chromium renders the front page and the CSM page: no raw reprs, nan/None, '(s)', absolute paths or
    console blocks, and nothing sticks out sideways on a laptop or at paper width (A4 or Letter)."""
    for page in ("index.html", "html/csm_actions.html"):
        for width in (1280, 720):
            seen = browser.read(first_run / page, width)
            assert browser.problems(seen) == [], (page, width)
        assert "Customer health report" in seen.text or "CSM action lists" in seen.text
    notebook_page = browser.read(first_run / "html" / "13_executive_summary.html")
    assert browser.problems(notebook_page)  # the checks can fail: the analyst's notebook page keeps console text


def test_broken_links_are_found(first_run, tmp_path):
    from helpers.report import pages as report

    copy = tmp_path / "copy"
    shutil.copytree(first_run, copy)
    (copy / "html" / "09_health_score.html").unlink()
    page = copy / "html" / "csm_actions.html"
    page.write_text(page.read_text().replace("</body>", '<img src="data:image/png;base64,AAAA"></body>'))
    problems = report.broken_links(copy)
    assert "contents.html: href html/09_health_score.html does not exist" in problems
    assert "csm_actions.html: an empty embedded image" in problems
