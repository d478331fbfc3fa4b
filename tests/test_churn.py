"""The churn model and its validation: flat exports, no leakage, the sample's bar, hand-checked figures."""

import json
import shutil
from types import SimpleNamespace

import duckdb
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from helpers import paths
from helpers.churn import evaluation, survival
from helpers.churn import explain as churn_explain
from helpers.churn import history as churn_data
from helpers.churn import inputs as churn_inputs
from helpers.churn import model as churn_model
from helpers.churn import scoring as churn_scoring
from helpers.churn import store as model_store
from helpers.data import contract, flat_table
from helpers.data.timecut import cutoff
from helpers.errors import DataContractError


def _messy_table(n=300, seed=0, label=("Yes", "No")):
    """A real-world export: text numbers with blanks and separators, Yes/No label, an ID and a constant column."""
    rng = np.random.default_rng(seed)
    logins = rng.integers(0, 60, n)
    tickets = rng.integers(0, 8, n)
    risk = 1 / (1 + np.exp((logins - 15) / 5 - (tickets - 4) / 2))
    churned = rng.random(n) < risk
    mrr = rng.integers(500, 5000, n)
    return pd.DataFrame(
        {
            "Customer ID": [f"C-{i:04d}" for i in range(n)],
            "Logins (30d)": [("" if i % 17 == 0 else str(v)) for i, v in enumerate(logins)],
            "Open tickets": tickets.astype(str),
            "MRR": [f"${v:,}" for v in mrr],
            "Plan": rng.choice(["Starter", "Team", "Business"], n),
            "Region": "EMEA",
            "Row number": np.arange(1, n + 1),
            "Churned?": np.where(churned, label[0], label[1]),
        }
    )


def test_flat_table_cleans_a_messy_export(tmp_path):
    path = tmp_path / "export.csv"
    _messy_table().to_csv(path, index=False)
    t = flat_table.load(path, "Customer ID", "Churned?")
    print(t.notes.to_string())
    notes = t.notes.set_index("column")
    assert notes.at["Region", "action"] == "dropped" and "constant" in notes.at["Region", "reason"]
    assert notes.at["Row number", "action"] == "dropped" and "ID-like" in notes.at["Row number", "reason"]
    assert notes.at["Logins (30d)", "action"] == "kept" and "18 blank(s)" in notes.at["Logins (30d)", "reason"]
    assert t.X["MRR"].dtype == float and t.X["MRR"].min() >= 500  # "$1,234" read as 1234
    assert {"Plan=Starter", "Plan=Team", "Plan=Business"} <= set(t.X.columns)
    assert t.y.dtype == bool and 0 < t.y.mean() < 1 and len(t.ids) == 300


def test_flat_table_errors_name_file_column_and_rows(tmp_path):
    table = _messy_table()
    table.loc[[4, 9], "Churned?"] = ["maybe", "perhaps"]
    table.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(DataContractError, match=r"bad.csv: column 'Churned\?': 2 bad row\(s\) \(line 6 'maybe'"):
        flat_table.load(tmp_path / "bad.csv", "Customer ID", "Churned?")
    _messy_table().assign(**{"Churned?": "No"}).to_csv(tmp_path / "none.csv", index=False)
    with pytest.raises(DataContractError, match=r"every one of the 300 labelled row.s. is retained"):
        flat_table.load(tmp_path / "none.csv", "Customer ID", "Churned?")


def _run(nb, out, **params):
    pm.execute_notebook(
        str(paths.NOTEBOOKS / nb),
        str(out / nb),
        parameters={"run_dir": str(out), **params},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(paths.NOTEBOOKS),
    )


@pytest.mark.slow
def test_flat_mode_cross_validates_a_messy_table(tmp_path):
    _messy_table(label=("TRUE", "FALSE")).to_csv(tmp_path / "export.csv", index=False)
    (tmp_path / "artifacts").mkdir()
    flat = {"account_table": str(tmp_path / "export.csv"), "id_column": "Customer ID", "label_column": "Churned?"}
    _run("10_churn_model.ipynb", tmp_path, **flat)
    _run("11_validation_report.ipynb", tmp_path)
    scores = pd.read_csv(tmp_path / "artifacts" / "churn_scores.csv")
    # keyed by the table's own id column, as every flat-mode artifact is
    assert list(scores.columns[:4]) == ["Customer ID", "churn_probability", "risk_band", "top_drivers"]
    assert len(scores) == 300 and scores.churn_probability.between(0, 1).all()
    card = json.loads((tmp_path / "artifacts" / "churn_model.json").read_text())
    assert "Row number" not in card["features"] and "Region" not in card["features"]
    v = json.loads((tmp_path / "artifacts" / "validation.json").read_text())
    assert v["evaluation"] == "cross_validation" and v["n"] == 300
    assert v["auc_roc"] > 0.75  # the planted signal (logins, tickets) is found out of fold
    assert {"auc_roc", "pr_auc", "brier", "calibration_error", "lift_top_decile", "positives"} <= set(v)


def test_too_little_churn_steps_aside_with_the_reason(tiny):
    ds = contract.load_dataset(tiny, "2026-10-31")
    reason = churn_data.unusable_reason(ds)
    print(reason)
    # tiny has a few dozen churned account-snapshots: too few for a time split that holds out half the accounts
    assert reason.startswith("subscriptions.csv: ") and "expected at least" in reason and "churned" in reason
    with pytest.raises(churn_data.ChurnDataError, match="expected at least"):
        churn_data.history(ds, None, run_dir="", horizon_days=90)
    short = churn_data.unusable_reason(contract.load_dataset(tiny, "2025-04-30"))
    # seven months of events: weekly snapshots and 28-day outcomes, and still too short; it says how long is enough
    assert "weekly snapshots have a closed 28-day outcome window" in short and "0 of them early enough" in short
    assert "that takes about 158 days of events (this dataset has 148)" in short


LEAK_AS_OF = "2026-06-30"


def _sample_without_labels(dst):
    shutil.copytree(paths.bundled("sample"), dst, ignore=shutil.ignore_patterns("truth", "csm_labels.csv"))
    return dst


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory, cut_copy):
    """Notebooks 10 and 11 on the sample as of 2026-06-30, and on the same data cut at that date."""
    base = tmp_path_factory.mktemp("churn")
    full = _sample_without_labels(base / "full")
    cut = cut_copy(full, base / "cut", LEAK_AS_OF)
    runs = {}
    for name, folder in (("full", full), ("cut", cut)):
        out = base / f"run_{name}"
        (out / "artifacts").mkdir(parents=True)
        _run("10_churn_model.ipynb", out, dataset=str(folder), as_of=LEAK_AS_OF)
        _run("11_validation_report.ipynb", out, dataset=str(folder), as_of=LEAK_AS_OF)
        runs[name] = out / "artifacts"
    return runs


def test_data_after_as_of_changes_nothing(sample_runs):
    ds = contract.load_dataset(sample_runs["full"].parent.parent / "full", LEAK_AS_OF)
    in_file = duckdb.sql(f"SELECT max(timestamp) FROM read_parquet('{ds.files['events']}')").fetchone()[0]
    assert pd.Timestamp(in_file) > pd.Timestamp(LEAK_AS_OF) + pd.Timedelta(days=90)  # there was a future to leak
    assert ds.events.last < cutoff(LEAK_AS_OF)  # and the run never saw it
    for name in ("churn_scores.csv", "validation.json", "churn_holdout.csv", "churn_model.skops"):
        assert (sample_runs["full"] / name).read_bytes() == (sample_runs["cut"] / name).read_bytes(), name


def test_sample_model_meets_the_bar(sample_runs):
    v = json.loads((sample_runs["full"] / "validation.json").read_text())
    print({k: v[k] for k in ("auc_roc", "pr_auc", "brier", "calibration_error", "lift_top_decile", "n", "positives")})
    assert v["evaluation"] == "time_holdout" and v["positives"] >= 20
    assert v["auc_roc"] >= 0.80 and v["lift_top_decile"] >= 3 and v["calibration_error"] < 5
    scores = pd.read_csv(sample_runs["full"] / "churn_scores.csv")
    assert scores.account_id.is_unique and scores.top_drivers.str.len().gt(0).all()
    _model, card = model_store.load(sample_runs["full"] / "churn_model.json")
    assert card["schema"] == "workbook.churn_model/1" and card["as_of"] == LEAK_AS_OF and card["features"]


def test_model_store_is_deterministic_and_refuses_a_changed_file(tmp_path):
    from sklearn.ensemble import RandomForestClassifier

    X = np.random.default_rng(0).normal(size=(100, 3))
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, X[:, 0] > 0)
    first = model_store.save(model, {"note": "x"}, tmp_path / "churn_model.json")
    data = (tmp_path / "churn_model.skops").read_bytes()
    assert model_store.save(model, {"note": "x"}, tmp_path / "churn_model.json")["id"] == first["id"]
    assert (tmp_path / "churn_model.skops").read_bytes() == data
    loaded, card = model_store.load(tmp_path / "churn_model.json")
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X)) and card["note"] == "x"
    middle = len(data) // 2
    (tmp_path / "churn_model.skops").write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    with pytest.raises(ValueError, match="do not match the card's id"):
        model_store.load(tmp_path / "churn_model.json")


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibration_from_the_comparison_is_what_sklearn_fits(method, tmp_path):
    """The chosen model and its out-of-fold scores (``compare``) give CalibratedClassifierCV's model exactly,
    without refitting a fold; and it survives the store (its own types trusted, nothing else)."""
    from sklearn.calibration import CalibratedClassifierCV

    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(600, 4)), columns=list("abcd"))
    y = pd.Series(X.a + rng.normal(size=600) > 1.2)
    X_new = pd.DataFrame(rng.normal(size=(200, 4)), columns=list("abcd"))
    splits = churn_model.folds(y, pd.Series(np.arange(600) // 3), seed=1)
    comparison = churn_model.compare(X, y, splits, seed=1, inputs=churn_model.inputs_for([], list(X.columns)))
    scores, fitted = comparison.scores, comparison.fitted
    assert churn_model.REFERENCE not in fitted  # no inputs of its own: left out
    for name in ("logistic regression", "gradient boosting"):
        model, said = churn_model.calibrated(fitted[name], scores[name], y, method)
        reference = CalibratedClassifierCV(churn_model.candidates(1)[name], method=method, cv=splits, ensemble=False)
        assert said == method
        np.testing.assert_array_equal(model.predict_proba(X_new), reference.fit(X, y).predict_proba(X_new))
        np.testing.assert_array_equal(model.predict(X_new), reference.predict(X_new))
    model_store.save(model, {}, tmp_path / "churn_model.json")
    loaded, _ = model_store.load(tmp_path / "churn_model.json")
    np.testing.assert_array_equal(loaded.predict_proba(X_new), model.predict_proba(X_new))
    assert churn_model.calibration_method(y) == "sigmoid"  # auto: fewer than 200 churners


def test_importance_past_its_row_cap_reads_a_stratified_sample_and_says_so():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(3_000, 3)), columns=["signal", "noise", "other"])
    y = pd.Series(X.signal + rng.normal(scale=0.5, size=3_000) > 1.5)  # about 7 % churn
    model = LogisticRegression().fit(X, y)
    whole, note = churn_explain.importance(model, X, y, seed=1)
    assert (
        note == f"measured on all 3,000 rows the model is judged on ({int(y.sum()):,} churned), 5 shuffles per feature"
    )
    capped, note = churn_explain.importance(model, X, y, seed=1, max_rows=1_000)
    churned = round(1_000 * y.mean())
    assert note == (
        f"measured on a stratified sample of 1,000 of the 3,000 rows the model is judged on ({churned} churned), "
        "5 shuffles per feature; the sd covers the shuffles, not the choice of rows, which moves the smaller "
        "drops too"
    )
    assert capped.feature.iloc[0] == whole.feature.iloc[0] == "signal"
    assert capped.equals(churn_explain.importance(model, X, y, seed=1, max_rows=1_000)[0])  # seeded


def test_the_bootstrap_checks_its_arrays_once_and_gives_the_checked_figures():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(2)
    groups = np.repeat(np.arange(100), 3)
    y = rng.random(300) < 0.2
    p = np.clip(y * 0.3 + rng.random(300) * 0.7, 0, 1)
    table = evaluation.headline(y, p, groups, seed=0, draws=60).set_index("metric")
    checked = [roc_auc_score(y[rows], p[rows]) for rows in evaluation.resampled_rows(groups, y, 0, 60)]
    assert table.loc["auc_roc", "ci_low"] == round(np.percentile(checked, 2.5), 4)
    assert table.loc["auc_roc", "ci_high"] == round(np.percentile(checked, 97.5), 4)
    with pytest.raises(ValueError, match="NaN"):  # the draws skip the checks; the figure itself does not
        evaluation.headline(y, np.where(np.arange(300) == 7, np.nan, p), groups, seed=0, draws=60)


def test_validation_figures_by_hand():
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 1], bool)
    p = np.array([0.9, 0.8, 0.7, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2])
    t = evaluation.at_threshold(y, p, 0.5)
    # flagged: .9 .8 .7 -> 2 churners + 1 false alarm; the churner at .2 is a surprise
    assert (t["correctly_predicted"], t["false_alarms"], t["surprise_churns"]) == (2, 1, 1)
    assert t["precision"] == pytest.approx(2 / 3, abs=1e-4) and t["churn_prediction_accuracy"] == pytest.approx(
        2 / 3, abs=1e-4
    )
    assert t["false_positive_rate"] == pytest.approx(1 / 3, abs=1e-4)
    lift = evaluation.lift_table(y, p, bins=5)  # top fifth = the .9 and .8 rows, both churned: 1.0 / 0.3
    assert lift.lift.iloc[0] == pytest.approx(1 / 0.3, abs=1e-3) and lift.captured.iloc[0] == pytest.approx(
        2 / 3, abs=1e-3
    )
    # two bins of five by rank: five .1s (observed 0: gap 10 points); .1 .2 .7 .8 .9 (mean .54, observed .6:
    # gap 6) -> mean 8
    assert evaluation.calibration_error(y, p, bins=2) == pytest.approx(8.0, abs=0.01)
    same = pd.Series(np.arange(100.0))
    assert evaluation.psi(same, same) == pytest.approx(0, abs=1e-9)
    assert evaluation.psi(same, same + 50) > evaluation.PSI_ALERT


def test_follow_up_counts_churn_only_once_known():
    subs = pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "start_date": pd.to_datetime(["2025-01-01"] * 3),
            "end_date": pd.to_datetime(["2025-03-01", None, "2025-06-20"]),
            "mrr": [1.0, 1.0, 1.0],
        }
    )
    f = survival.follow_up(subs, pd.Timestamp("2025-02-01"), pd.Timestamp("2025-07-01"), 30).set_index("account_id")
    assert f.loc["a"].tolist() == [28, True]  # ended 2025-03-01, known (grace passed)
    assert f.loc["b"].tolist() == [120, False]  # censored at 2025-06-01 = as_of - grace
    assert f.loc["c"].tolist() == [120, False]  # ended 2025-06-20: not yet known as churn


def _problem(flat: bool) -> churn_inputs.ChurnProblem:
    """A hand-made churn problem: two training snapshots and a time holdout, or one flat table."""
    rows = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "snapshot": pd.to_datetime(["2025-01-31", "2025-01-31", "2025-02-28", "2025-02-28"]),
            "logins": [1.0, 9.0, 2.0, 8.0],
            "churned": [True, False, True, False],
        }
    )
    if flat:
        notes = pd.DataFrame({"column": ["logins"], "note": ["numeric"]})
        train = rows.drop(columns="snapshot")
        return churn_inputs.ChurnProblem("flat", "cross_validation", train, None, train, ["logins"], [], notes=notes)
    test = rows.assign(account_id=["e", "f", "g", "h"], logins=[3.0, 7.0, 4.0, 6.0])
    return churn_inputs.ChurnProblem("dataset", "time_holdout", rows, test, test, ["logins"], [])


def test_the_problem_shows_one_path_in_both_modes():
    dataset, flat = _problem(flat=False), _problem(flat=True)
    per_snapshot = churn_inputs.overview(dataset)
    assert per_snapshot["size"].tolist() == [2, 2] and per_snapshot["sum"].tolist() == [1, 1]
    assert churn_inputs.overview(flat).equals(flat.notes)
    X_test, y_test = churn_inputs.held_out(dataset, ["logins"])
    assert X_test.logins.tolist() == [3.0, 7.0, 4.0, 6.0] and y_test.tolist() == [True, False, True, False]
    assert churn_inputs.judged_on(dataset, ["logins"])[0].equals(X_test)  # explanations read on the holdout
    X_none, y_none = churn_inputs.held_out(flat, ["logins"])  # flat mode: no holdout, the same columns
    assert X_none.empty and list(X_none.columns) == ["logins"] and y_none.empty
    judge_X, judge_y = churn_inputs.judged_on(flat, ["logins"])
    assert judge_X.logins.tolist() == [1.0, 9.0, 2.0, 8.0] and judge_y.sum() == 2  # the training data
    X, y = flat.X("train"), flat.y("train")
    splits = [(np.array([0, 1]), np.array([2, 3])), (np.array([2, 3]), np.array([0, 1]))]
    inputs = churn_model.inputs_for(list(X.columns), list(X.columns))
    assert (
        "test_auc" not in churn_model.compare(X, y, splits, seed=0, inputs=inputs, X_test=X_none, y_test=y_none).table
    )


def test_band_counts_keep_every_band_riskiest_first():
    bands = churn_model.parse_bands("Low:0, High:0.5, Medium:0.2")
    scores = pd.DataFrame({"risk_band": ["Low", "High", "Low"]})
    counts = churn_scoring.band_counts(scores, bands)
    assert counts.index.tolist() == ["High", "Medium", "Low"] and counts.accounts.tolist() == [1, 0, 2]
    assert churn_scoring.band_counts(scores.iloc[:0], bands).accounts.tolist() == [0, 0, 0]


def test_survival_by_health_tier_follows_the_history_or_says_why_not():
    subs = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "start_date": pd.to_datetime(["2024-01-01"] * 4),
            "end_date": pd.to_datetime(["2025-03-31", None, None, None]),
            "mrr": 1.0,
        }
    )
    history = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "snapshot": pd.Timestamp("2025-01-31"),
            "tier": ["Low", "High", "Low", "High"],
            "health_score": [20.0, 90.0, 30.0, 80.0],
            "segment": "SMB",
        }
    )
    ds = SimpleNamespace(
        tables={"subscriptions": subs},
        as_of=pd.Timestamp("2026-01-31"),
        config=SimpleNamespace(churn=SimpleNamespace(grace_days=30)),
    )
    tiers = [SimpleNamespace(name="High"), SimpleNamespace(name="Low")]
    problem = _problem(flat=False)
    problem.ds, problem.history, problem.config = ds, history, SimpleNamespace(tiers=tiers)
    got = survival.by_health_tier_for(problem)
    assert got["start"] == pd.Timestamp("2025-01-31") and got["curves"].tier.unique().tolist() == ["High", "Low"]
    retention = got["retention"].set_index("tier")
    assert retention.at["High", "retained_180d"] == 1.0 and retention.at["Low", "retained_180d"] == 0.5
    assert got["hazards"].empty and list(got["hazards"].columns) == survival.HAZARD_COLUMNS
    assert got["note"].startswith("1 churns for 1 covariate(s); a hazard model needs about 10")  # and why
    flat = survival.by_health_tier_for(_problem(flat=True))
    assert flat["note"] == "flat mode: no history to follow" and pd.isna(flat["start"])
    for key in ("cohort", "curves", "retention", "hazards"):
        assert flat[key].empty and list(flat[key].columns) == list(got[key].columns), key


def test_comparison_with_last_month(tmp_path):
    assert evaluation.previous_summary("") is None and evaluation.previous_summary(str(tmp_path)) is None
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "validation.json").write_text(json.dumps({"auc_roc": 0.80, "n": 900, "positives": 40}))
    table = evaluation.compare_previous(
        evaluation.previous_summary(str(tmp_path)), {"auc_roc": 0.85, "n": 950, "positives": 48}
    ).set_index("metric")
    assert table.at["auc_roc", "change"] == pytest.approx(0.05) and table.at["positives", "change"] == 8
    assert np.isnan(table.at["brier", "change"])  # a figure last month lacked: no change claimed
    assert evaluation.comparison_note(evaluation.previous_summary(str(tmp_path))).startswith("compared with")
    none = evaluation.compare_previous(None, {"auc_roc": 0.85})  # the first monthly run
    assert none.empty and list(none.columns) == list(table.reset_index().columns)
    assert evaluation.comparison_note(None).startswith("no previous run given")


def test_segment_figures_or_why_there_are_none():
    holdout = pd.DataFrame(
        {
            "segment": ["SMB"] * 4 + ["Ent"] * 2,
            "churned": [True, False, False, True, False, False],
            "churn_probability": [0.9, 0.2, 0.1, 0.6, 0.3, 0.2],
        }
    )
    segments = evaluation.by_segment(holdout).set_index("segment")
    assert segments.at["SMB", "auc_roc"] == 1.0 and segments.at["Ent", "note"] == "no churn: AUC undefined"
    assert evaluation.segment_note(segments.reset_index()).startswith("2 segment(s)")
    none = evaluation.by_segment(holdout.assign(segment=np.nan))  # flat mode: no segment on any prediction
    assert none.empty and list(none.columns) == list(segments.reset_index().columns)
    assert evaluation.segment_note(none).startswith("no segment on the held-out predictions")
    assert evaluation.as_bullets(["Retrain.", "Recalibrate."]) == "- Retrain.\n- Recalibrate."


def test_the_model_learned_what_the_generator_planted(sample_runs):
    from helpers.synth.planted import churn_model_against_truth

    r = churn_model_against_truth(paths.bundled("sample"), sample_runs["full"])
    print(r)
    assert (
        len(r["features_checked"]) >= 4 and r["directions_disagree"] == []
    )  # every relied-on effect points the planted way
    assert r["holdout_declining"] >= 10 and r["mean_risk_declining"] >= 3 * r["mean_risk_other"]
    assert r["auc_for_declining"] >= 0.85


def test_odds_ratios_leave_out_what_separates():
    rng = np.random.default_rng(0)
    n = 600
    segment = rng.choice(["Ent", "SMB", "Startup"], n)
    X = pd.DataFrame(
        {
            "tickets": rng.poisson(2, n).astype(float),
            "days_to_renewal": rng.integers(0, 365, n).astype(float),
            "expanded": (rng.random(n) < 0.1).astype(float),
            **{f"segment={s}": (segment == s).astype(float) for s in ("Ent", "SMB", "Startup")},
        }
    )
    risk = 1 / (1 + np.exp(-(X.tickets - 2)))
    # churn only at renewal, never among expanders or Ent accounts: three separations
    y = pd.Series((X.days_to_renewal <= 90) & (X.expanded == 0) & (segment != "Ent") & (rng.random(n) < risk))
    table, note = churn_explain.odds_ratios(X, y, 90)
    print(note, table, sep="\n")
    near = X.days_to_renewal <= 90
    assert f"fitted on the {near.sum()} account-snapshots renewing within 90 days" in note
    assert "expanded: 0 of" in note and "segment=Ent: 0 of" in note and "did not converge" not in note
    assert set(table.feature) == {"tickets", "segment=Startup"}  # SMB is now the reference level
    assert table.set_index("feature").at["tickets", "odds_ratio_per_sd"] > 1.5
    plain = X[["tickets"]].assign(logins=rng.normal(0, 1, n))  # nothing left out: the note still says what
    assert churn_explain.odds_ratios(plain, y)[1] == f"logistic regression on {n} training rows"


def _table(rows):
    columns = ["model", "validation_auc", "auc_over_reference", "interval_low", "interval_high"]
    return pd.DataFrame(rows, columns=columns)


def test_a_complex_model_ships_only_when_it_beats_the_reference_beyond_the_noise():
    noisy = _table(
        [
            ("simple reference", 0.71, 0.0, 0.0, 0.0),
            ("logistic regression", 0.70, -0.01, -0.05, 0.03),
            ("random forest", 0.74, 0.03, -0.01, 0.07),  # better on average, not beyond the noise
            ("gradient boosting", 0.73, 0.02, -0.02, 0.06),
        ]
    )
    chosen, why = churn_model.choose(noisy)
    assert chosen == "simple reference" and "random forest" in why and "-0.010 .. +0.070" in why
    clear = noisy.assign(interval_low=[0.0, -0.05, 0.01, 0.005])
    assert churn_model.choose(clear)[0] == "random forest"
    close = clear.assign(validation_auc=[0.71, 0.735, 0.74, 0.73], interval_low=[0.0, 0.002, 0.01, 0.005])
    assert churn_model.choose(close)[0] == "logistic regression"  # linear, within 0.01 of the best
    trees = clear.assign(validation_auc=[0.71, 0.70, 0.74, 0.745])
    assert churn_model.choose(trees)[0] == "gradient boosting"  # a forest is no simpler to explain
    flat = noisy[noisy.model != "simple reference"].assign(interval_low=float("nan"))
    assert churn_model.choose(flat)[0] == "random forest"  # no reference (no inputs): the best


def test_the_paired_margin_is_the_bootstrap_of_the_repeated_rows():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.15
    mine, theirs = np.round(rng.random(400) + 0.4 * y, 2), rng.random(400)
    groups = np.arange(400) // 4
    by_rows = [
        roc_auc_score(y[r], mine[r]) - roc_auc_score(y[r], theirs[r])
        for r in evaluation.resampled_rows(groups, y, seed=3, draws=300)
    ]
    margin, low, high = evaluation.paired_auc_margin(y, mine, theirs, groups, seed=3, draws=300)
    assert margin == round(roc_auc_score(y, mine) - roc_auc_score(y, theirs), 4)
    assert (low, high) == tuple(np.round(np.percentile(by_rows, [2.5, 97.5]), 4))
    assert low > 0  # a real margin


def test_a_driver_reads_its_phrase_the_default_one_included():
    """A sub-metric configured without a phrase of its own has the default '{name} {value:g}': flat mode's
    drivers crashed on it (KeyError 'name'). An event type's rate reads in words."""
    phrases = {"tickets_90d": "{name} {value:g}", "nps": "NPS average {value:.1f}", "odd": "{unknown} {value}"}
    assert churn_explain._describe("tickets_90d", 7.0, 2.0, phrases) == "tickets 90d 7 (typical 2)"
    assert churn_explain._describe("nps", 6.0, 8.25, phrases) == "NPS average 6.0 (typical 8.2)"
    assert churn_explain._describe("odd", 3.0, 1.0, phrases) == "odd 3 (typical 1)"  # a phrase that cannot fill
    assert churn_explain._describe("action:remove_user", np.log1p(9), np.log1p(1), {}) == (
        "remove user 9 times in 4 weeks (typical 1)"
    )


def test_calibration_error_is_judged_against_what_chance_gives_a_calibrated_model():
    """On a small holdout with few churners, a perfectly calibrated model shows several points of calibration
    error by chance: outcomes drawn from the predictions land under the 95th percentile of chance in about
    95 % of holdouts, while probabilities twice too high land above it; the note says which, and how many
    rows would check to within 3 points."""
    from helpers.churn import evaluation

    rng = np.random.default_rng(3)
    p = rng.beta(1, 20, 300)  # ~5 % churn: about 14 churners
    chance = evaluation.calibration_by_chance(p, seed=1)
    assert chance == evaluation.calibration_by_chance(p, seed=1) and 1.5 < chance[0] < chance[1]
    within = [evaluation.calibration_error(rng.random(300) < p, p) <= chance[1] for _ in range(200)]
    assert 0.88 < np.mean(within) <= 1.0
    doubled = evaluation.calibration_error(rng.random(300) < p, np.clip(2 * p, 0, 1))
    twice = evaluation.calibration_by_chance(np.clip(2 * p, 0, 1), seed=1)
    assert doubled > twice[1]
    assert evaluation.calibration_note(doubled, twice, np.arange(300) < 14).endswith(
        "off by more than chance explains."
    )
    said = evaluation.calibration_note(3.0, (3.2, 4.5), np.arange(300) < 14)
    assert said.endswith(
        "cannot check the probabilities to within 3 points; about 400 held-out account-snapshots would."
    )
    summary = {
        "calibration_error": 6.0,
        "calibration_error_by_chance": [5.0, 7.0],
        "auc_roc": 0.8,
        "lift_top_decile": 4,
    }
    said = evaluation.recommendations(summary, pd.DataFrame(), pd.DataFrame(columns=["feature", "status"]))
    assert said[0].startswith("The holdout is too small to check the probabilities finely")
    summary["calibration_error_by_chance"] = [1.0, 2.0]
    said = evaluation.recommendations(summary, pd.DataFrame(), pd.DataFrame(columns=["feature", "status"]))
    assert said[0].startswith("Probabilities are off by 6.0 points on average, more than chance explains")


def test_calibration_never_turns_the_ranking_upside_down():
    """Scores that rank churn backwards out of fold (a model with no signal, fitted on few churners) made
    Platt's sigmoid slope downwards, and the shipped model ranked every account in reverse (Spearman -1.0
    against its own scores). The calibrator now gives everyone the base rate and says so; scores that rank
    churn the right way keep their order."""
    from scipy.stats import spearmanr

    from helpers.churn import model as churn_model

    rng = np.random.default_rng(0)
    s = rng.normal(size=400)
    backwards = pd.Series(rng.random(400) < 1 / (1 + np.exp(2 * s + 2)))
    flat, method = churn_model.calibrated(None, s, backwards)
    p = flat.calibrator.predict_proba(s.reshape(-1, 1))[:, 1]
    assert method == "sigmoid" and np.ptp(p) == 0 and p[0] == pytest.approx(backwards.mean())
    assert churn_model.ranks_nothing(flat)
    assert "ranked churn backwards" in churn_model.calibration_said(flat, p, backwards)
    forwards = pd.Series(rng.random(400) < 1 / (1 + np.exp(-2 * s + 2)))
    kept, _ = churn_model.calibrated(None, s, forwards)
    q = kept.calibrator.predict_proba(s.reshape(-1, 1))[:, 1]
    assert spearmanr(s, q).statistic == pytest.approx(1.0) and not churn_model.ranks_nothing(kept)
    assert "backwards" not in churn_model.calibration_said(kept, q, forwards)


def test_a_base_rate_that_moved_between_training_and_holdout_is_said_and_explains_the_calibration():
    """ChurnSim's test export, six months: training snapshots of new customers churned 19 %, the held-out ones
    3.9 %, and the probabilities were 8.6 points off. Notebook 11 and the recommendations say why; a rate that
    held steady (within chance) says nothing, and flat mode (no time holdout) has nothing to compare."""
    from helpers.churn import evaluation

    card = {
        "evaluation": "time_holdout",
        "training": [
            {"part": "train", "account_snapshots": 6000, "churned": 1132},
            {"part": "test", "account_snapshots": 6000, "churned": 231},
        ],
    }
    rates = evaluation.base_rates(card)
    assert rates == {"training": 0.1887, "holdout": 0.0385, "shifted": True}
    said = evaluation.base_rate_note(rates)
    assert said.startswith("Churn fell from 18.9% of account-snapshots in training to 3.9% in the held-out ones")
    assert "overstate risk" in said
    steady = {**card, "training": [{**card["training"][0]}, {"part": "test", "account_snapshots": 500, "churned": 90}]}
    assert (
        not evaluation.base_rates(steady)["shifted"] and evaluation.base_rate_note(evaluation.base_rates(steady)) == ""
    )
    assert evaluation.base_rates({"evaluation": "cross_validation", "training": card["training"]}) == {}
    summary = {
        "calibration_error": 8.6,
        "calibration_error_by_chance": [1.3, 1.8],
        "base_rates": rates,
        "auc_roc": 0.8,
        "lift_top_decile": 4,
    }
    first = evaluation.recommendations(summary, pd.DataFrame(), pd.DataFrame(columns=["feature", "status"]))[0]
    assert first.startswith("Probabilities are off by 8.6 points") and "Churn fell from 18.9%" in first
