"""Health tiers come from configuration only: renamed tiers flow through the score, the executive summary and
the charts; no tier name is written in Python; the churn model's risk bands are named apart from them."""

import ast

import numpy as np
import pandas as pd
import papermill as pm
import pytest
import yaml
from matplotlib.colors import to_hex

from helpers import paths
from helpers.churn import model as churn_model
from helpers.health import config as health_config
from helpers.health import score as health_score
from helpers.health.config import DEFAULT_TIERS
from helpers.plots import report as report_plots
from helpers.plots import style
from helpers.report import executive

RENAMED = [
    {"name": "Green", "min": 70, "colour": "#2e7d32", "priority": "grow", "risk": 0},
    {"name": "Amber", "min": 40, "colour": "#ffb300", "priority": "engage", "risk": 1},
    {"name": "Red", "min": 0, "colour": "#c62828", "priority": "intervene", "risk": 2},
]
COLOURS = {t["name"]: t["colour"] for t in RENAMED}
EXAMPLE = paths.DATA / "examples"


def _renamed(path=health_config.DEFAULT_CONFIG) -> dict:
    """A health configuration (as YAML data) whose tiers are Green, Amber and Red."""
    return {**yaml.safe_load(path.read_text()), "tiers": RENAMED}


@pytest.fixture(scope="module")
def tiers():
    return health_config.parse(_renamed()).tiers


def _portfolio() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ["g", "a", "r"],
            "name": ["G", "A", "R"],
            "csm": ["x", "x", "y"],
            "arr": [30_000.0, 20_000.0, 10_000.0],
            "health_score": [80.0, 50.0, 20.0],
            "tier": ["Green", "Amber", "Red"],
        }
    )


def test_the_health_score_uses_the_configured_tier_names():
    cfg = health_config.parse(_renamed(EXAMPLE / "usage_export_health.yaml"))
    scored = health_score.score(pd.read_csv(EXAMPLE / "usage_export.csv"), cfg).set_index("account_id")
    assert set(scored.tier) <= set(COLOURS)
    assert scored.at["ACME-Corp", "tier"] == "Green" and scored.at["Delta-Co", "tier"] == "Red"  # 5.7 points
    assert health_score.tier_of(pd.Series([70.0, 69.9, 40.0, 39.9]), cfg).tolist() == ["Green", "Amber", "Amber", "Red"]


def test_status_follows_each_tiers_risk(tiers):
    assert [t.status for t in tiers] == ["green", "yellow", "red"]
    assert executive.red_tiers(tiers) == ["Red"]
    assert executive.red_tiers(DEFAULT_TIERS) == [t.name for t in DEFAULT_TIERS if t.risk >= 2]


def test_executive_lists_follow_the_renamed_tiers(tiers):
    p = _portfolio()
    top = executive.strategic(p, None, 3, tiers)
    assert dict(zip(top.name, top.status)) == {"G": "green", "A": "yellow", "R": "red"}
    actions = executive.needs_action(p, None, tiers, [])
    assert actions.account_id.tolist() == ["r"] and actions.reasons.tolist() == ["health Red"]
    assert executive.action_lists(actions).account_id.tolist() == ["r"]
    story = executive.summary(
        pd.DataFrame({"kpi": ["k"], "on_target": [True], "measured": [True]}), actions, pd.DataFrame(), top
    )
    assert "1 red strategic account." in story
    # the default names mean nothing to a configuration that does not define them
    default_named = p.assign(tier=["Thriving", "Neutral", "Critical"])
    assert executive.needs_action(default_named, None, tiers, []).empty


def test_tier_charts_use_the_configured_colours(tiers):
    assert style.tier_colours(tiers) == COLOURS
    assert not set(style.PALETTE) & {t.name for t in DEFAULT_TIERS}  # no palette of its own for tiers
    dist = executive.health_distribution(_portfolio(), [t.name for t in tiers])
    fig = report_plots.health_mix(dist, tiers)
    arr_row = fig.axes[0].patches[: len(dist)]  # the first stacked bar, one segment per tier in order
    assert [to_hex(b.get_facecolor()) for b in arr_row] == [COLOURS[t] for t in dist.tier]


def test_urgent_risk_bands_are_the_riskiest_by_order():
    bands = churn_model.parse_bands("Low:0, Top:0.8, Mid:0.3, Second:0.6")
    assert [b for b, _ in bands] == ["Top", "Second", "Mid", "Low"]
    assert churn_model.urgent_bands(bands) == ["Top", "Second"]
    assert churn_model.urgent_bands(reversed(bands), n=1) == ["Top"]
    p = pd.Series([0.9, 0.65, 0.1])
    assert churn_model.risk_band(p, bands).tolist() == ["Top", "Second", "Low"]


def test_default_risk_band_names_collide_with_no_tier_or_severity():
    bands = {b.lower() for b, _ in churn_model.parse_bands(churn_model.DEFAULT_BANDS)}
    assert not bands & {t.name.lower() for t in DEFAULT_TIERS} and not bands & {"critical", "warning"}
    defaults = pm.inspect_notebook(str(paths.NOTEBOOKS / "10_churn_model.ipynb"))
    assert defaults["risk_bands"]["default"].strip("\"'") == churn_model.DEFAULT_BANDS


def _string_literals(path) -> list[tuple[int, str]]:
    """Every string constant in a module (f-string parts included), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_no_health_tier_name_is_a_literal_in_python():
    names = {t.name for t in DEFAULT_TIERS}  # read from default_health.yaml, their only home
    assert len(names) == 5
    modules = sorted((paths.REPO / "src" / "helpers").rglob("*.py"))
    found = [
        f"{m.relative_to(paths.REPO)}:{line}: {text!r}"
        for m in modules
        for line, text in _string_literals(m)
        if text.strip() in names
    ]
    assert modules and not found, "tier names belong in default_health.yaml:\n" + "\n".join(found)


@pytest.mark.slow
def test_renamed_tiers_flow_through_notebooks_09_and_13(tiny_copy, tmp_path):
    (tiny_copy / "csm_labels.csv").unlink()  # no expert model needed: notebook 09 runs without 07
    dataset_yaml = tiny_copy / "dataset.yaml"
    raw = yaml.safe_load(dataset_yaml.read_text())
    report = {**raw.get("report", {}), "strategic_accounts": 100}  # every account strategic: every status shows
    dataset_yaml.write_text(yaml.safe_dump({**raw, "health": _renamed(), "report": report}, sort_keys=False))
    run = tmp_path / "run"
    (run / "artifacts").mkdir(parents=True)
    for nb in ("09_health_score.ipynb", "13_executive_summary.ipynb"):
        pm.execute_notebook(
            str(paths.NOTEBOOKS / nb),
            str(run / nb),
            parameters={"dataset": str(tiny_copy), "as_of": "2026-10-31", "run_dir": str(run)},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(paths.NOTEBOOKS),
        )
    art = run / "artifacts"
    health = pd.read_csv(art / "account_health.csv")
    assert set(health.tier) == set(COLOURS)  # every tier used on the tiny data, and only these
    strategic = pd.read_csv(art / "strategic_accounts.csv")
    assert strategic.status.tolist() == strategic.tier.map({"Green": "green", "Amber": "yellow", "Red": "red"}).tolist()
    assert set(strategic.status) == {"green", "yellow", "red"}
    actions = pd.read_csv(art / "csm_actions.csv")
    red = set(health.account_id[health.tier == "Red"])
    flagged = set(actions.account_id[actions.reasons.str.contains("health Red")])
    assert red and flagged == red
    assert not actions.reasons.str.contains("health (?:Green|Amber)").any()
    assert np.isin(actions.tier, list(COLOURS)).all()
