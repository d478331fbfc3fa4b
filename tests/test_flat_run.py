"""Flat mode as a first-class run: one exported account table, any column names, end to end from the CLI."""

import json

import nbformat
import pandas as pd
import pytest

from helpers import paths
from helpers.health import alerts
from helpers.health import config as health_config
from helpers.report import pages as report
from helpers.run import main
from helpers.synth import flat

EXAMPLE = paths.DATA / "examples"
CONFIG = EXAMPLE / "usage_export_health.yaml"  # its id_column is account_id: --id-column replaces it
FLAT_NOTEBOOKS = ("09", "10", "11")


def _cli(table, out, *more, label="churned_flag", config=CONFIG):
    return main(
        [
            "--table",
            str(table),
            "--id-column",
            "customer",
            "--label-column",
            label,
            "--health-config",
            str(config),
            "--out",
            str(out),
            *more,
        ]
    )


@pytest.fixture(scope="module")
def flat_run(tmp_path_factory):
    """400 accounts with a planted churn signal, keyed by 'customer', labelled by 'churned_flag' (yes/no)."""
    folder = tmp_path_factory.mktemp("flat")
    flat.usage_export(400, seed=11).to_csv(folder / "export.csv", index=False)
    assert _cli(folder / "export.csv", folder / "run") == 0
    return folder / "run"


@pytest.mark.slow
def test_flat_run_scores_models_and_validates_and_the_rest_steps_aside(flat_run):
    record = json.loads((flat_run / "run.json").read_text())
    assert record["status"] == "ok" and record["mode"] == "flat"
    assert record["parameters"]["as_of"] == "" and record["as_of"] == "as exported"  # never today's date
    assert set(record["inputs"]) == {"export.csv", "usage_export_health.yaml"}
    assert any("replaces the health configuration's id_column 'account_id'" in a for a in record["assumptions"])
    status = {n["notebook"][:2]: n for n in record["notebooks"]}
    assert len(status) == 14
    for nb, entry in status.items():
        if nb in FLAT_NOTEBOOKS:
            assert entry["status"] == "ok", entry
        else:
            assert entry["status"] == "skipped" and entry["reason"].startswith("flat mode: "), entry
    assert "users and the event log" in status["03"]["reason"]
    assert "subscriptions over time" in status["12"]["reason"]
    assert "opens on the health score (09)" in status["13"]["reason"]
    v = json.loads((flat_run / "artifacts" / "validation.json").read_text())
    assert v["evaluation"] == "cross_validation" and v["n"] == 400
    assert v["auc_roc"] > 0.6  # the planted signal is found on predictions out of fold


@pytest.mark.slow
def test_the_id_column_is_the_tables_own_everywhere(flat_run):
    for name in ("account_health.csv", "alerts.csv", "churn_scores.csv", "churn_holdout.csv"):
        table = pd.read_csv(flat_run / "artifacts" / name)
        assert table.columns[0] == "customer" and "account_id" not in table, name
    health = pd.read_csv(flat_run / "artifacts" / "account_health.csv")
    assert len(health) == 400 and health.customer.is_unique and health.health_score.between(0, 100).all()
    holdout = pd.read_csv(flat_run / "artifacts" / "churn_holdout.csv")
    assert holdout.health_score.notna().all()  # notebook 09's score, judged against the same outcomes
    for stem in ("09_health_score", "10_churn_model", "11_validation_report"):
        text = (flat_run / "notebooks" / f"{stem}.ipynb").read_text()
        assert "KeyError" not in text and "Traceback" not in text, stem


def _shown(run, stem, code=""):
    """The outputs of an executed notebook's code cells (those whose source holds ``code``), as text: stream
    text and each display's plain and Markdown forms."""
    nb = nbformat.read(run / "notebooks" / f"{stem}.ipynb", as_version=4)
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []) if code in cell.source else []:
            out.append(o.get("text", ""))
            out += [o.get("data", {}).get(k, "") for k in ("text/plain", "text/markdown")]
    return "\n".join(out)


@pytest.mark.slow
def test_sections_that_cannot_apply_step_aside_with_a_reason(flat_run):
    shown = _shown(flat_run, "11_validation_report")
    assert "Steps aside: no segment on the held-out predictions" in shown
    assert "Steps aside: one flat table is one period" in shown
    for section in ("by_segment", "drift"):  # one line instead of an empty table
        assert "Empty DataFrame" not in _shown(flat_run, "11_validation_report", section), section
    page = (flat_run / "html" / "11_validation_report.html").read_text()
    assert "Steps aside: one flat table is one period" in page
    health = _shown(flat_run, "09_health_score")
    assert "Steps aside: flat mode: no history to backtest" in health
    assert "Steps aside: no alert rule applies" in health
    drift = pd.read_csv(flat_run / "artifacts" / "validation_drift.csv")
    assert drift.empty and list(drift.columns) == ["feature", "psi", "status"]  # not the table against itself


@pytest.mark.slow
def test_the_front_page_opens_on_the_health_score_and_the_validation(flat_run):
    assert report.broken_links(flat_run) == []
    index = (flat_run / "index.html").read_text()
    assert 'href="html/09_health_score.html"' in index and 'href="html/11_validation_report.html"' in index
    v = json.loads((flat_run / "artifacts" / "validation.json").read_text())
    assert f"{v['auc_roc']:.3f}" in index and "export.csv" in index and "as exported" in index
    assert "Stepped aside" in index and "13_executive_summary" in index
    contents = (flat_run / "contents.html").read_text()
    assert "as exported" in contents and "stepped aside" in contents


def _bad(tmp_path, table: pd.DataFrame, name="export.csv"):
    table.to_csv(tmp_path / name, index=False)
    return tmp_path / name


@pytest.mark.parametrize(
    ("breaking", "label", "expected"),
    [
        (lambda t: t.drop(columns="churned_flag"), "churned_flag", "export.csv: missing column 'churned_flag'"),
        (lambda t: t.drop(columns="customer"), "churned_flag", "export.csv: missing column 'customer'"),
        (
            lambda t: t.assign(customer=t.customer.where(t.index != 5, "C0001")),
            "churned_flag",
            "export.csv: column 'customer': 2 bad row(s) (line 2 'C0001', line 7 'C0001'); expected each customer once",
        ),
        (
            lambda t: t.assign(churned_flag=t.churned_flag.where(t.index != 3, "maybe")),
            "churned_flag",
            "export.csv: column 'churned_flag': 1 bad row(s) (line 5 'maybe'); expected a churn label such as Yes/No",
        ),
        (lambda t: t, "plan", "export.csv: column 'plan': 400 bad row(s)"),
    ],
    ids=["no label column", "no id column", "duplicated ids", "a label that is not yes/no", "a text label"],
)
def test_bad_input_exits_2_naming_file_and_column_and_writes_nothing(tmp_path, capsys, breaking, label, expected):
    table = _bad(tmp_path, breaking(flat.usage_export(400, seed=11)))
    assert _cli(table, tmp_path / "out", label=label) == 2
    err = capsys.readouterr().err
    assert err.startswith("bad input: ") and expected in err, err
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def test_missing_files_and_settings_are_bad_input_too(tmp_path, capsys):
    table = _bad(tmp_path, flat.usage_export(40, seed=11))
    assert _cli(tmp_path / "nope.csv", tmp_path / "out") == 2
    assert "nope.csv: account table not found" in capsys.readouterr().err
    assert _cli(table, tmp_path / "out", config=tmp_path / "nope.yaml") == 2
    assert "nope.yaml: health configuration not found" in capsys.readouterr().err
    assert _cli(table, tmp_path / "out", "--as-of", "last week") == 2
    assert "--as-of 'last week': not a date written YYYY-MM-DD; expected e.g. 2026-10-31" in capsys.readouterr().err
    other = tmp_path / "other.yaml"
    other.write_text(CONFIG.read_text().replace("logins_30d:", "logins_7d:").replace("features_used:", "seats:"))
    only_unknown = _bad(tmp_path, flat.usage_export(40, seed=11)[["customer", "churned_flag"]], "bare.csv")
    assert _cli(only_unknown, tmp_path / "out", config=other) == 2
    assert "bare.csv: none of the health configuration's sub-metrics" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def test_alerts_are_keyed_by_the_configured_id_column():
    cfg = health_config.load(CONFIG).model_copy(update={"id_column": "customer"})
    features = pd.DataFrame({"customer": ["a", "b", "c"], "days_since_login": [2, 20, 40]})
    scored = pd.DataFrame({"customer": ["a", "b", "c"], "health_score": [80, 50, 20], "tier": ["Healthy"] * 3})
    found = alerts.evaluate(features, scored, cfg)
    assert list(found.columns) == ["customer", "alert", "severity", "detail"]
    assert found.set_index("customer").severity.to_dict() == {"b": "warning", "c": "critical"}
    assert alerts.gap(features) == "" and alerts.gap(features.drop(columns="days_since_login")).startswith(
        "no alert rule applies"
    )
    nothing = alerts.evaluate(features.drop(columns="days_since_login"), scored, cfg)
    assert nothing.empty and list(nothing.columns) == ["customer", "alert", "severity", "detail"]


def test_the_labelled_example_is_the_generators():
    example = pd.read_csv(EXAMPLE / "usage_export_labelled.csv")
    pd.testing.assert_frame_equal(example, flat.usage_export())


def test_too_few_churners_make_10_and_11_step_aside(tmp_path):
    from helpers.run import check_flat, notebooks, skip_reason

    table = flat.usage_export(60, seed=11)
    table["churned_flag"] = ["yes"] * 3 + ["no"] * 57
    source = check_flat(_bad(tmp_path, table), "customer", "churned_flag", CONFIG)
    reasons = {nb.name[:2]: skip_reason(nb, source) for nb in notebooks()}
    assert reasons["09"] is None
    for nb in ("10", "11"):
        assert reasons[nb] == (
            "export.csv: column 'churned_flag': 3 churned and 57 retained account(s); "
            "expected at least 5 of each for cross-validation"
        )


def test_a_segment_column_gives_figures_per_segment(tmp_path):
    from helpers.churn import evaluation, scoring
    from helpers.churn import inputs as churn_inputs

    config = tmp_path / "segmented.yaml"
    config.write_text(CONFIG.read_text().replace("id_column: account_id", "id_column: customer\nsegment_column: plan"))
    table = _bad(tmp_path, flat.usage_export(400, seed=11))
    problem = churn_inputs.load(
        "",
        "",
        tmp_path,
        account_table=str(table),
        id_column="customer",
        label_column="churned_flag",
        health_config=str(config),
    )
    assert problem.id_column == "customer" and set(problem.train.segment) == {"Starter", "Team", "Business"}
    assert not any(c.startswith("segment=") for c in problem.X("train"))  # the plan one-hot is plan=...
    holdout = scoring.holdout_table(problem, None, problem.features, oof=problem.y("train").astype(float).to_numpy())
    segments = evaluation.by_segment(holdout)
    assert sorted(segments.segment) == ["Business", "Starter", "Team"] and evaluation.segment_gap(segments) == ""
    assert evaluation.accounts(holdout).equals(holdout.customer)
