"""The whole series on exports shaped unlike the generator's default (issue 13's shape matrix).

Each shape is a small generated dataset reshaped by ``helpers.synth.shapes``; the series runs
on it end to end. Every notebook either succeeds or steps aside with a reason naming what is
missing and how much would be enough, and on every shape the report holds no nan/None/NaT,
counts stated in sentences match the tables they describe, and every fallback is in run.json.
"""

import json
import re
import shutil
from html import unescape

import pandas as pd
import pytest

import browser
from helpers.report.csm_page import anchor
from helpers.run import run
from helpers.synth import generate
from helpers.synth.shapes import BARE_EXPORT, reshape

END = "2026-10-31"  # the last day of generated data
AS_OF = "2026-09-30"  # each run's as_of: a month of data after it, which no artifact may see
# name -> (generator options, shapes); the history before AS_OF is the name's. Together they cover every shape in helpers.synth.shapes.
MATRIX = {
    "prosumer-6m": (dict(months=7, accounts=120, monthly_only=True), list(BARE_EXPORT)),
    "short-3m": (
        dict(months=4, accounts=60),
        [
            "required_tables_only",
            "required_columns_only",
            "epoch_seconds",
            "semicolons",
            "users_without_events",
            "account_starting_on_the_last_day",
        ],
    ),
    "year-12m": (
        dict(months=13, accounts=60),
        ["utc_offsets", "users_without_events", "no_seats", "overlapping_plans"],
    ),
}
# 24 and 36 months are the bundled tiny and sample datasets, run end to end by test_run and test_notebooks.
# The shapes whose run is also held byte for byte to the same export taken on AS_OF. year-12m's twin (the expert
# steps on 12 months, about 80 s) is left out to keep CI within its limit: tiny's leakage test runs those steps.
LEAKAGE_TWINS = ("prosumer-6m", "short-3m")
WHY = re.compile(r"expected|needs|need |no \w+ table|nothing|every one of the|at least")


@pytest.fixture(scope="module", params=sorted(MATRIX))
def shaped_run(request, tmp_path_factory, cut_copy):
    """The series as of AS_OF on the shaped export, and (for the leakage check) on the same export taken on AS_OF:
    the generated data cut there, then shaped alike."""
    name = request.param
    options, shapes = MATRIX[name]
    root = tmp_path_factory.mktemp(name)
    generated = generate(root / "generated", "tiny", seed=11, end=END, progress=False, **options)
    cut = cut_copy(generated, root / "cut", AS_OF)
    if "required_columns_only" in shapes:
        # users then carry no creation date, so an export taken on AS_OF lists the users a later one does
        shutil.copy(generated / "users.csv", cut / "users.csv")
    cut = reshape(cut, shapes, AS_OF)
    folder = reshape(generated, shapes, AS_OF)
    twins = (("full", folder), ("cut", cut)) if name in LEAKAGE_TWINS else (("full", folder),)
    runs = {k: run(str(f), AS_OF, root / f"run-{k}", progress=False) for k, f in twins}
    return name, folder, runs["full"], runs.get("cut")


def _text(page) -> str:
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", page.read_text(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_every_notebook_runs_or_steps_aside_with_a_reason(shaped_run):
    name, _, out, _ = shaped_run
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "ok"
    for nb in record["notebooks"]:
        assert nb["status"] in ("ok", "skipped"), (name, nb)
        if nb["status"] == "skipped":
            assert WHY.search(nb["reason"]), (name, nb)
    ran = {nb["notebook"][:2] for nb in record["notebooks"] if nb["status"] == "ok"}
    assert {"00", "03", "08", "09", "12", "13"} <= ran, (name, ran)


def test_the_report_says_no_nan_and_its_counts_match_its_tables(shaped_run):
    name, _, out, _ = shaped_run
    for page in (out / "index.html", out / "html" / "csm_actions.html"):
        text = _text(page)
        assert not re.search(r"\b(nan|NaN|NaT|<NA>)\b|\bNone\b(?! of)", text), (name, page.name)
    front = _text(out / "index.html")
    actions = pd.read_csv(out / "artifacts" / "csm_actions.csv")
    stated = re.search(r"(\d+) accounts? needs? action this month", front)
    assert stated and int(stated.group(1)) == len(actions), name
    renewals = pd.read_csv(out / "artifacts" / "renewals_at_risk.csv")
    stated = re.search(r"(\d+) renewals? (?:with)?in the next \d+ days", front)
    assert stated is None or int(stated.group(1)) == len(renewals), name


def test_the_report_reads_clean_in_a_real_browser_on_every_shape(shaped_run):
    """The front page and the CSM page of each shape, as Chromium renders them (``tests/browser.py``): whatever
    the export lacks, a reader sees no raw Python, nan/None, '(s)', absolute path or console block, and
    nothing sticks out sideways; every CSM the run knows ("unassigned" without a csm column) has a section."""
    name, _, out, _ = shaped_run
    for page in ("index.html", "html/csm_actions.html"):
        assert browser.problems(browser.read(out / page)) == [], (name, page)
    facts = json.loads((out / "artifacts" / "executive_summary.json").read_text())
    csm_page = (out / "html" / "csm_actions.html").read_text()
    assert facts["csms"] and all(f'id="{anchor(csm)}"' in csm_page for csm in facts["csms"]), name


def test_every_fallback_is_listed(shaped_run):
    name, _, out, _ = shaped_run
    said = " ".join(json.loads((out / "run.json").read_text())["assumptions"])
    shapes = MATRIX[name][1]
    expected = {
        "back_to_back_monthly": "first unpaid day",
        "no_billing_period": "no billing_period column",
        "no_session_event": "no session event",
        "empty_seats": "subscriptions.seats (present, every cell empty) is absent",
        "no_seats": "column subscriptions.seats",
        "required_tables_only": "table tickets",
        "epoch_seconds": "timestamps are numbers",
    }
    for shape in shapes:
        if shape in expected:
            assert expected[shape] in said, (name, shape, said)


def test_no_artifact_sees_the_data_after_as_of(shaped_run):
    name, _, full, cut = shaped_run
    if cut is None:
        pytest.skip(f"{name}: no leakage twin (LEAKAGE_TWINS)")
    names = sorted(p.name for p in (full / "artifacts").iterdir())
    assert names == sorted(p.name for p in (cut / "artifacts").iterdir()), name
    differ = [n for n in names if (full / "artifacts" / n).read_bytes() != (cut / "artifacts" / n).read_bytes()]
    assert differ == [], (name, differ)


def test_the_bare_minimum_still_gives_the_report(shaped_run):
    """DESIGN §3: the four required tables with only their required columns still give health, retention
    and the report, every account on an 'unassigned' list."""
    name, _, out, _ = shaped_run
    if "required_columns_only" not in MATRIX[name][1]:
        pytest.skip("not the bare-minimum shape")
    actions = pd.read_csv(out / "artifacts" / "csm_actions.csv")
    assert set(actions.csm) == {"unassigned"} and len(actions) > 0
    from helpers.report import pages as report

    assert report.broken_links(out) == []


def test_drivers_follow_what_was_measured(shaped_run):
    name, _, out, _ = shaped_run
    drivers = " ".join(pd.read_csv(out / "artifacts" / "account_health.csv").drivers.fillna(""))
    if "no_session_event" in MATRIX[name][1]:
        assert "login" not in drivers
    renewals = pd.read_csv(out / "artifacts" / "account_health.csv")
    assert "health_score" in renewals and renewals.health_score.notna().all()
