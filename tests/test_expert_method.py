"""The expert-user method's pieces, on hand-made numbers, and its recovery of the planted truth."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import artifacts, paths
from helpers.data import contract
from helpers.data import subscriptions as outcomes
from helpers.errors import ConfigError
from helpers.expert import boundaries, cohorts, cutoffs, rollup, separation, tagging
from helpers.expert import model as expert_model
from helpers.report import changes as monthly_changes
from helpers.synth.recovery import expert_recovery


def test_best_cut_finds_the_separating_line():
    x = np.array([1, 2, 3, 4, 10, 11, 12, 13])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1], bool)
    cut, ba = boundaries.best_cut(x, y, "higher")
    assert cut == 7.0 and ba == 1.0
    cut, ba = boundaries.best_cut(-x, y, "lower")
    assert cut == -7.0 and ba == 1.0


def test_best_cut_with_overlap_maximises_balanced_accuracy():
    # experts at 3,5,6,7; intermediates at 1,2,4,8: cut at 2.5 gets 4/4 experts and 2/4 intermediates right (0.75);
    # cut at 4.5 gets 3/4 and 3/4 (0.75) -- ties go to the lowest cut, so the line is deterministic.
    x = np.array([1, 2, 4, 8, 3, 5, 6, 7])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1], bool)
    cut, ba = boundaries.best_cut(x, y)
    assert (cut, ba) == (2.5, 0.75)


def test_hedges_g_on_known_numbers():
    e = np.array([[2.0], [4.0], [6.0]])  # mean 4, var 4
    i = np.array([[0.0], [2.0], [4.0]])  # mean 2, var 4
    # pooled sd 2, d = 1, correction 1 - 3 / (4 * 6 - 9) = 0.8
    assert separation.hedges_g(e, i)[0] == pytest.approx(0.8)


def _table(n=40, seed=0):
    rng = np.random.default_rng(seed)
    label = np.array(["expert"] * n + ["intermediate"] * n)
    return pd.DataFrame(
        {
            "user_id": [f"u{k}" for k in range(2 * n)],
            "label": label,
            "strong": np.r_[rng.normal(3, 1, n), rng.normal(0, 1, n)],
            "noise": rng.normal(0, 1, 2 * n),
            "constant": 1.0,
        }
    )


def test_constant_and_noise_measures_are_set_aside_with_reasons():
    stats = separation.cohort_stats(_table(), ["strong", "noise", "constant"], n_boot=200)
    status = stats.set_index("measure").status
    assert status["strong"] == "kept"
    assert status["constant"].startswith("constant")
    assert status["noise"] != "kept"
    strong = stats.set_index("measure").loc["strong"]
    assert strong.effect_lo < strong.effect_size < strong.effect_hi and strong.effect_lo > 1.5


def test_no_separating_measure_is_a_clear_error():
    t = _table()[["user_id", "label", "noise", "constant"]].assign(active_days=5, account_id="A")
    with pytest.raises(ConfigError, match="no measure separates"):
        expert_model.select_measures(t, t, expert_model.Settings(n_boot_effect=0))


def _labels_dataset(tiny_copy, labels):
    path = tiny_copy / "csm_labels.csv"
    df = pd.read_csv(path)
    df = labels(df)
    df.to_csv(path, index=False)
    return contract.load_dataset(tiny_copy, "2026-10-31")


def test_one_class_label_file_is_explained(tiny_copy):
    ds = _labels_dataset(tiny_copy, lambda d: d.assign(label="expert"))
    reason = cohorts.unusable_reason(ds)
    print(reason)
    assert "csm_labels.csv: column 'label': every one of the" in reason and "'expert'" in reason
    with pytest.raises(cohorts.CohortError, match="expected both 'expert' and 'intermediate'"):
        cohorts.baseline(ds)


def test_too_small_cohort_is_explained(tiny_copy):
    ds = _labels_dataset(tiny_copy, lambda d: pd.concat([d[d.label == "intermediate"], d[d.label == "expert"].head(3)]))
    reason = cohorts.unusable_reason(ds)
    print(reason)
    assert "only 3 'expert' label(s)" in reason and f"at least {cohorts.HARD_MIN} per cohort" in reason


def test_small_cohort_warns_but_runs():
    sizes = pd.DataFrame({"cohort": ["expert", "intermediate"], "users": [12, 80]})
    warnings = cohorts.size_warnings(sizes)
    assert len(warnings) == 1 and "expert cohort has 12 users" in warnings[0]
    assert cohorts.size_note(sizes) == warnings[0]
    assert cohorts.size_note(sizes.assign(users=200)) == "Both cohorts are large enough for firm conclusions."


def test_labelled_users_without_events_are_set_aside(monkeypatch):
    measures = pd.DataFrame(
        {
            "user_id": ["a", "b", "c"],
            "account_id": "A",
            "exposure_days": 90,
            "active_days": [3, 0, 5],
            "m": [1.0, 0.0, 2.0],
        }
    )
    cohort = pd.DataFrame({"user_id": ["a", "b", "c"], "label": ["expert", "expert", "intermediate"]})
    with pytest.raises(
        cohorts.CohortError, match=r"only 1 'expert' user.s. have any activity in the measurement window"
    ):
        separation.labelled(measures, cohort)  # too few left to learn from: said plainly
    monkeypatch.setattr(separation, "HARD_MIN", 1)
    table, inactive = separation.labelled(measures, cohort)
    assert inactive == 1 and table.user_id.tolist() == ["a", "c"]
    model = expert_model.ExpertModel(
        measures=[{"name": "m", "direction": "higher", "boundary": 1.5, "scale": 0.1, "weight": 1.0}],
        cutoffs={"expert": 50, "beginner": 10},
        settings={},
    )
    tags = tagging.tag_users(measures, model).set_index("user_id")
    assert tags.loc["b", "tag"] == "Inactive" and np.isnan(tags.loc["b", "score"])
    assert tags.loc["c", "tag"] == "Expert" and tags.loc["a", "tag"] == "Beginner"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=1, max_size=50), st.floats(0, 60), st.floats(0, 40))
def test_tags_are_monotone_in_score(scores, expert_cut, gap):
    cutoffs = {"expert": expert_cut + gap, "beginner": expert_cut}
    s = pd.Series(sorted(scores))
    rank = tagging_rank(expert_model.tags_from_scores(s, cutoffs))
    assert (np.diff(rank) >= 0).all()


def tagging_rank(tags):
    return tags.map({"Beginner": 0, "Intermediate": 1, "Expert": 2}).to_numpy()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from(tagging.TAGS)), min_size=1, max_size=40))
def test_rollup_percentages_add_up(rows):
    from helpers.data.config import Roles
    from helpers.expert.rollup import tags_per_account

    tags = pd.DataFrame(
        {
            "user_id": [f"u{k}" for k in range(len(rows))],
            "account_id": [a for a, _ in rows],
            "tag": [t for _, t in rows],
        }
    )
    users = tags[["user_id", "account_id"]].assign(role="member")
    counts = tags_per_account(tags, users, Roles())
    total = counts[["experts", "intermediates", "beginners", "inactive"]].sum(axis=1)
    assert (total == tags.groupby("account_id").size()).all()
    pct_inactive = 100 * counts.inactive / total
    assert np.allclose(
        counts.pct_experts + counts.pct_intermediates + counts.pct_beginners + pct_inactive, 100, atol=0.2
    )
    assert np.allclose(counts.weighted_expert_share, counts.pct_experts, atol=0.06)  # equal role weights


def _labelled(experts: int, intermediates: int):
    """A dataset as far as cohorts.unusable_reason reads it: the CSM labels alone."""
    labels = pd.DataFrame({"label": ["expert"] * experts + ["intermediate"] * intermediates})
    return SimpleNamespace(
        tables={"csm_labels": labels},
        files={"csm_labels": Path("csm_labels.csv")},
        as_of=pd.Timestamp("2026-10-31"),
        events=SimpleNamespace(first=pd.Timestamp("2024-10-01")),
    )


def test_run_tags_are_read_or_empty_with_the_reason(tmp_path):
    (tmp_path / "artifacts").mkdir()
    tags = pd.DataFrame(
        {
            "user_id": ["u1", "u2"],
            "account_id": "A",
            "score": [80.0, np.nan],
            "tag": ["Expert", "Inactive"],
            "expert_probability": [0.9, np.nan],
            "active_days": [5, 0],
        }
    )
    artifacts.write_csv(tags, tmp_path, "user_tags.csv")
    usable = _labelled(cohorts.HARD_MIN, cohorts.HARD_MIN)
    got = tagging.for_run(usable, tmp_path)
    assert got.user_id.tolist() == ["u1", "u2"] and tagging.tags_note(usable, got) == "2 tagged users"
    unusable = _labelled(cohorts.HARD_MIN, 0)
    none = tagging.for_run(unusable, tmp_path)  # the expert steps stepped aside: a stale file is not read
    assert none.empty and list(none.columns) == tagging.COLUMNS == list(tags.columns)
    note = tagging.tags_note(unusable, none)
    assert note.startswith("no expert tags: csm_labels.csv: column 'label': every one of the 8 label(s)")


def _saved_model(run_dir):
    """A one-measure expert model saved in ``run_dir`` as notebook 06 would."""
    (run_dir / "artifacts").mkdir()
    model = expert_model.ExpertModel(
        measures=[{"name": "m", "direction": "higher", "boundary": 1.5, "scale": 0.1, "weight": 1.0}],
        cutoffs={"expert": 50, "beginner": 10},
        settings={},
    )
    expert_model.save(model, artifacts.path(run_dir, "expert_model.json"))
    return model


def test_expert_share_retention_uses_the_run_model_or_is_empty_with_its_columns(tmp_path, monkeypatch):
    model = _saved_model(tmp_path)
    rollup_then = pd.DataFrame({"account_id": ["A", "B", "C"], "weighted_expert_share": [0.0, 30.0, 80.0]})
    churned = pd.Series([True, False, False], index=["A", "B", "C"], name="churned")
    table = rollup.churn_by_expert_share(rollup_then, churned)
    seen = {}

    def computed(ds, run_model, lookback_days, window_days):
        seen.update(model=run_model.model_id, days=(lookback_days, window_days))
        return table

    monkeypatch.setattr(rollup, "expert_share_retention", computed)
    usable = _labelled(cohorts.HARD_MIN, cohorts.HARD_MIN)
    got = rollup.expert_share_retention_for_run(usable, tmp_path, lookback_days=120, window_days=60)
    assert got is table and seen == {"model": model.model_id, "days": (120, 60)}
    assert table.accounts.tolist() == [1, 0, 1, 1]  # none, 0-20, 20-40, 40-100 %
    seen.clear()
    empty = rollup.expert_share_retention_for_run(SimpleNamespace(tables={}, files={}), tmp_path)  # no labels
    assert empty.empty and list(empty.columns) == list(table.columns) and seen == {}


def test_spells_join_renewals_within_grace_and_churn_is_known_only_when_closed():
    subs = pd.DataFrame(
        {
            "account_id": ["A", "A", "B", "C"],
            "start_date": pd.to_datetime(["2025-01-01", "2025-07-10", "2025-01-01", "2025-01-01"]),
            "end_date": pd.to_datetime(["2025-06-30", None, "2025-03-31", "2025-05-31"]),
        }
    )
    sp = outcomes.spells(subs, grace_days=30)
    assert len(sp[sp.account_id == "A"]) == 1 and sp[sp.account_id == "A"].end.isna().all()
    churned = outcomes.churned_within(sp, pd.Timestamp("2025-02-01"), 90, pd.Timestamp("2025-12-31"), 30)
    assert churned.to_dict() == {"A": False, "B": True, "C": False}  # C ends on day 119, after the window
    with pytest.raises(ValueError, match="not closed"):
        outcomes.churned_within(sp, pd.Timestamp("2025-11-01"), 90, pd.Timestamp("2025-12-31"), 30)


def test_overrides_are_checked_and_recorded():
    assert boundaries.parse_overrides("strong=2.5, other=1", ["strong", "other"]) == {"strong": 2.5, "other": 1.0}
    with pytest.raises(ConfigError, match="'nope' is not one of the boundary measures"):
        boundaries.parse_overrides("nope=1", ["strong"])
    stats = separation.cohort_stats(_table(), ["strong"], n_boot=0)
    bounds = boundaries.fit(_table(), stats, overrides="strong=2.0", n_boot=20)
    row = bounds.iloc[0]
    assert row.source == "override" and row.boundary == 2.0 and row.data_boundary != 2.0
    assert boundaries.override_note(bounds) == "1 boundary(ies) overridden: strong"
    assert boundaries.override_note(bounds.assign(source="data")) == "0 boundary(ies) overridden"


def test_model_round_trips_through_json(tmp_path):
    model = expert_model.fit(
        _table(), _table().assign(active_days=1), expert_model.Settings(n_boot_effect=50, n_boot_boundary=20)
    )
    path = expert_model.save(model, tmp_path / "m.json")
    again = expert_model.load(path)
    assert again.model_id == model.model_id and again.cutoffs == model.cutoffs
    assert '"schema": "workbook.expert_model/1"' in path.read_text()


def test_a_run_reuses_the_chosen_model_or_trains_one(tmp_path):
    table, settings = _table(), expert_model.Settings(n_boot_effect=50, n_boot_boundary=20)
    stats = expert_model.select_measures(table, table.assign(active_days=1), settings)
    bounds = boundaries.fit(table, stats, n_boot=20)
    inputs = dict(
        table=table,
        user_measures=table.assign(active_days=1),
        stats=stats,
        bounds=bounds,
        settings=settings,
        trained_as_of="2026-10-31",
        dataset="hand-made",
    )
    trained = expert_model.reuse_or_train(None, **inputs)
    assert trained.training["dataset"] == "hand-made" and trained.validation["n"] == len(table)
    assert expert_model.source_note(None) == "training a new model on this run's labels"
    path = expert_model.save(trained, tmp_path / "last_month.json")
    reused = expert_model.reuse_or_train(path, **inputs)
    assert reused.model_id == trained.model_id
    assert expert_model.source_note(path) == f"reusing the model in {path}"


QUICK = expert_model.Settings(n_boot_effect=0, n_boot_boundary=0)  # bootstraps only widen intervals


def test_tiny_recovers_planted_experts(tiny):
    result = expert_recovery(tiny, settings=QUICK)
    assert result["csm_labels"]["balanced_accuracy"] >= 0.85


@pytest.mark.slow
def test_sample_recovers_planted_experts_despite_label_mistakes():
    result = expert_recovery(paths.bundled("sample"), settings=QUICK)  # generated once (about 10 s) when missing
    print(result)
    csm, oracle = result["csm_labels"], result["true_labels"]
    assert result["label_accuracy"] < 0.95  # the planted mistakes are there
    assert csm["balanced_accuracy"] >= 0.93  # issue 15's bar, on users never labelled
    assert abs(csm["balanced_accuracy"] - oracle["balanced_accuracy"]) < 0.01  # as good as the true tiers
    assert csm["beginner_recall"] >= 0.7  # beginners from behaviour (a quantile of intermediates found half)
    assert abs(csm["estimated_expert_share"] - csm["true_expert_share"]) < 0.05
    assert csm["cutoff_method"] == "mixture"


def test_transitions_and_movers_by_hand():
    before = pd.DataFrame(
        {
            "user_id": ["a", "b", "c"],
            "account_id": "A",
            "score": [80.0, 40.0, 10.0],
            "tag": ["Expert", "Intermediate", "Beginner"],
        }
    )
    now = pd.DataFrame(
        {
            "user_id": ["a", "b", "c", "d"],
            "account_id": "A",
            "score": [85.0, 75.0, np.nan, 30.0],
            "tag": ["Expert", "Expert", "Inactive", "Intermediate"],
        }
    )
    moves = monthly_changes.tag_transitions(before, now)
    assert moves.loc["Expert", "Expert"] == 1 and moves.loc["Intermediate", "Expert"] == 1
    assert moves.loc["Beginner", "Inactive"] == 1 and moves.loc["New", "Intermediate"] == 1
    assert moves.to_numpy().sum() == 4
    movers = monthly_changes.tag_movers(before, now)
    assert movers.user_id.tolist() == ["b", "c"] and movers.iloc[0].score_change == 35.0


def test_expert_share_then_steps_aside_on_a_short_history(tmp_path):
    """Three months of events cannot show expert share 180 days ago (the crash of a 3-month export)."""
    short = _labelled(cohorts.HARD_MIN, cohorts.HARD_MIN)
    short.events.first = pd.Timestamp("2026-08-01")
    gap = rollup.share_retention_gap(short, lookback_days=180, window_days=90)
    assert "needs 270 days of events before as_of" in gap and "this dataset has 91" in gap
    assert rollup.share_retention_note(short, "12 tagged users") == gap
    assert rollup.share_retention_note(_labelled(5, 5), "12 tagged users") == "12 tagged users"
    _saved_model(tmp_path)
    got = rollup.expert_share_retention_for_run(short, tmp_path)
    assert got.empty and list(got.columns) == rollup.SHARE_RETENTION_COLUMNS


def _three_groups(n=3000, shares=(0.4, 0.4, 0.2), seed=0):
    """Scores of three groups, normal on the log-odds (beginner, intermediate, expert), and the group of each."""
    rng = np.random.default_rng(seed)
    group = rng.choice(3, n, p=shares)
    z = np.array([-2.5, -1.0, 1.5])[group] + rng.normal(0, 0.5, n)
    return 100 / (1 + np.exp(-z)), group


def _noisy_labels(scores, group, n=300, noise=0.2, seed=1):
    """A labelled subset of experts and intermediates, ``noise`` of their labels flipped."""
    rng = np.random.default_rng(seed)
    pick = rng.choice(np.flatnonzero(group > 0), n, replace=False)
    expert = (group[pick] == 2) ^ (rng.random(n) < noise)
    return scores[pick], expert


def test_cutoffs_come_from_the_score_mixture_not_the_noisy_labels():
    scores, group = _three_groups()
    labelled, said_expert = _noisy_labels(scores, group)
    chosen = cutoffs.choose(scores, labelled, said_expert, seed=0)
    cal, cut = chosen["calibration"], chosen["cutoffs"]
    assert cal["method"] == "mixture" and abs(cal["weights"][2] - (group == 2).mean()) < 0.02
    truth = group == 2
    # the line where an expert's score is as common as anyone's: on log-odds 0.25 + ln(ratio of densities)
    best, _ = boundaries.best_cut(scores, truth)
    assert abs(cut["expert"] - best) < 5
    tagged = scores >= cut["expert"]
    assert (tagged[truth].mean() + (~tagged[~truth]).mean()) / 2 > 0.98
    beginners = scores < cut["beginner"]
    assert beginners[group == 0].mean() > 0.85 and (group[beginners] == 0).mean() > 0.85
    p = cutoffs.expert_probability(scores, cal)
    assert np.all(np.diff(p[np.argsort(scores)]) >= -1e-12)  # more score, never less likely an expert
    assert abs(p.mean() - truth.mean()) < 0.02
    noise = cutoffs.label_noise(labelled, said_expert, cal)
    assert 0.1 < noise["expert_labels_wrong"] < 0.35 and noise["intermediate_labels_wrong"] < 0.3
    assert cutoffs.expected_balanced_accuracy(scores, cut["expert"], cal) > 0.97
    again = cutoffs.choose(scores, labelled, said_expert, seed=0)
    assert again == chosen  # deterministic for a seed


def test_cutoffs_fall_back_to_the_labels_and_say_why():
    scores, group = _three_groups(n=120)
    labelled, said_expert = _noisy_labels(scores, group, n=60, noise=0.0)
    chosen = cutoffs.choose(scores, labelled, said_expert)
    cal = chosen["calibration"]
    assert cal["method"] == "labels" and "only 120 active users" in cal["note"] and cal["note"].startswith("fallback")
    assert chosen["cutoffs"]["expert"] == chosen["labels_cutoff"]
    assert cutoffs.label_noise(labelled, said_expert, cal) == {}
    assert cutoffs.expected_balanced_accuracy(scores, 50, cal) is None
    p = cutoffs.expert_probability(np.array([5.0, 95.0, np.nan]), cal)
    assert p[0] < 0.5 < p[1] and np.isnan(p[2])
    scores, group = _three_groups()
    labelled, said_expert = _noisy_labels(scores, group)
    upside_down = cutoffs.choose(scores, labelled, ~said_expert)  # labels that contradict the data
    assert upside_down["calibration"]["method"] == "labels"
    assert "the data and the labels disagree" in upside_down["calibration"]["note"]
    assert np.isnan(cutoffs.expert_probability(np.array([50.0]), {})).all()  # a model from before calibration
    model = expert_model.ExpertModel(
        measures=[], cutoffs=upside_down["cutoffs"], settings={}, calibration=upside_down["calibration"]
    )
    model.validation = {"balanced_accuracy": 0.7, "labels_cutoff": upside_down["labels_cutoff"]}
    page = expert_model.cutoff_summary(model).set_index("figure").value
    assert page["how the lines were drawn"].startswith("fallback: the CSMs' experts are not mostly")
    assert page["experts among active users, estimated"].startswith("not estimated")
    assert not page.str.contains("nan|None").any()
