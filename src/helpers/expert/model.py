"""The expert-user model: weighted boundaries, learned from the CSMs' cohorts (step 6).

Measures are ranked by how far apart the cohorts are (the effect size), put into measure
tiers (1-3, not the health tiers), and each gets a weight as a multiplier. A user earns
a measure's weight by being on the expert side of its boundary: half of it at the line
itself, nearly all of it one ``scale`` beyond (half a within-cohort standard deviation),
nearly none one scale short. Soft points keep what a hard 0/1 throws away (a user just
under a line is nearer expertise than one far under it), which is what lets the lowest
scores single out beginners. The score is the share of the total weight earned, 0-100.
Cutoffs on that score, chosen from the labelled users, make the tags. The whole fit is
one function, so cross-validation can refit it on each fold and measure it honestly on
users it never saw.

The model is saved as a versioned JSON file: later runs tag with the same model
instead of quietly retraining on next month's labels.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from helpers import artifacts
from helpers.errors import ConfigError
from helpers.expert import boundaries, cohorts, cutoffs, separation

SCHEMA = "workbook.expert_model/1"
TIER_EFFECT = (1.2, 0.8)  # |g| at least 1.2: measure tier 1; at least 0.8: tier 2; else tier 3
TIER_WEIGHT = {1: 3.0, 2: 2.0, 3: 1.0}
SCALE_SD = 0.5  # soft-point scale, in within-cohort standard deviations


@dataclass
class Settings:
    window_days: int = 90
    top_measures: int = 12
    min_effect: float = 0.5
    max_correlation: float = 0.8
    alpha: float = 0.05
    n_boot_effect: int = 1000  # bootstrap draws for effect-size intervals
    n_boot_boundary: int = 200  # bootstrap draws for boundary stability
    seed: int = 42


@dataclass
class ExpertModel:
    measures: list[dict]  # name, direction, boundary, source, effect_size, tier, weight
    cutoffs: dict[str, float]  # expert, beginner (score 0-100)
    settings: dict
    calibration: dict = field(default_factory=dict)  # how P(expert) follows from the score (expert.cutoffs)
    training: dict = field(default_factory=dict)
    validation: dict = field(default_factory=dict)
    schema: str = SCHEMA

    @property
    def model_id(self) -> str:
        core = {"measures": self.measures, "cutoffs": self.cutoffs, "calibration": self.calibration}
        core = json.dumps(core, sort_keys=True, default=float)
        return hashlib.sha256(core.encode()).hexdigest()[:12]

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "model_id": self.model_id}, indent=2, sort_keys=True, default=_plain) + "\n"


def _plain(v):
    return v.item() if hasattr(v, "item") else str(v)


def tier_of(effect: float) -> int:
    a = abs(effect)
    return 1 if a >= TIER_EFFECT[0] else 2 if a >= TIER_EFFECT[1] else 3


def weigh(bounds: pd.DataFrame) -> pd.DataFrame:
    """Measure tier and weight per boundary measure, strongest first."""
    out = bounds.copy()
    out["tier"] = out.effect_size.map(tier_of)
    out["weight"] = out.tier.map(TIER_WEIGHT)
    return out


def score(user_measures: pd.DataFrame, model_measures: list[dict]) -> pd.Series:
    """0-100: the share of the model's weight a user earns by being on the expert side of each boundary."""
    missing = [m["name"] for m in model_measures if m["name"] not in user_measures]
    if missing:
        raise ConfigError(
            f"expert model: measure(s) {', '.join(missing)} are not in this dataset's catalogue; "
            "the taxonomy changed since the model was trained: retrain it (expert_model: train)"
        )
    total = sum(m["weight"] for m in model_measures)
    earned = np.zeros(len(user_measures))
    for m in model_measures:
        z = (user_measures[m["name"]].to_numpy(float) - m["boundary"]) / m["scale"]
        earned += m["weight"] * norm.cdf(z if m["direction"] == "higher" else -z)
    return pd.Series(100 * earned / total, index=user_measures.index, name="score")


def fit(table: pd.DataFrame, user_measures: pd.DataFrame, settings: Settings, overrides=None) -> ExpertModel:
    """Steps 4-6 in one (statistics, pruning, boundaries, weights, cutoffs): what cross-validation refits."""
    stats = select_measures(table, user_measures, settings)
    bounds = boundaries.fit(table, stats, settings.top_measures, overrides, settings.n_boot_boundary, settings.seed)
    return build(table, user_measures, stats, bounds, settings)


def select_measures(table: pd.DataFrame, user_measures: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Step 4: the ranked statistics table, with non-separating and duplicate measures set aside."""
    stats = separation.cohort_stats(
        table,
        separation.measure_names(user_measures),
        n_boot=settings.n_boot_effect,
        seed=settings.seed,
        alpha=settings.alpha,
        min_effect=settings.min_effect,
    )
    stats = separation.prune_duplicates(stats, user_measures, settings.max_correlation)
    if not (stats.status == "kept").any():
        raise ConfigError(
            "no measure separates the CSMs' experts from their intermediates (every measure was "
            "constant, not significant or too small a difference): check the labels with the CSMs "
            "or widen the dimensional space"
        )
    return stats


def build(
    table: pd.DataFrame, user_measures: pd.DataFrame, stats: pd.DataFrame, bounds: pd.DataFrame, settings: Settings
) -> ExpertModel:
    """Step 6: measure tiers and weights on the boundary measures, soft-point scales, and the cutoffs
    (``expert.cutoffs``: from every active user's score, checked against the labelled users)."""
    bounds = weigh(bounds)
    sd = stats.set_index("measure")
    pooled = np.sqrt((sd.expert_sd**2 + sd.intermediate_sd**2) / 2)
    measures = [
        {
            "name": r.measure,
            "direction": r.direction,
            "boundary": float(r.boundary),
            "scale": float(SCALE_SD * pooled[r.measure]) or 1.0,
            "data_boundary": float(r.data_boundary),
            "source": r.source,
            "effect_size": round(float(r.effect_size), 4),
            "tier": int(r.tier),
            "weight": float(r.weight),
        }
        for r in bounds.itertuples()
    ]
    y = (table.label == "expert").to_numpy()
    active = user_measures[user_measures.active_days > 0]
    chosen = cutoffs.choose(score(active, measures).to_numpy(), score(table, measures).to_numpy(), y, settings.seed)
    return ExpertModel(
        measures=measures,
        cutoffs=chosen["cutoffs"],
        settings=asdict(settings),
        calibration=chosen["calibration"],
        training={"experts": int(y.sum()), "intermediates": int((~y).sum())},
    )


def tags_from_scores(scores: pd.Series, cutoffs: dict[str, float]) -> pd.Series:
    return pd.Series(
        np.where(
            scores >= cutoffs["expert"], "Expert", np.where(scores < cutoffs["beginner"], "Beginner", "Intermediate")
        ),
        index=scores.index,
        name="tag",
    )


def out_of_fold(
    table: pd.DataFrame, user_measures: pd.DataFrame, settings: Settings, folds: int = 5, logistic: bool = True
) -> pd.DataFrame:
    """Refit the whole method on each fold's training users; score, tag and (``logistic``) ask a logistic
    regression about the held-out ones. One row per labelled user: score, tagged_expert, logistic_expert
    (missing without ``logistic``)."""
    y = (table.label == "expert").to_numpy()
    out = pd.DataFrame(
        {"score": np.nan, "tagged_expert": False, "logistic_expert": False}, index=table.user_id.to_numpy()
    )
    quick = Settings(**{**asdict(settings), "n_boot_effect": 0, "n_boot_boundary": 0})
    splitter = StratifiedKFold(folds, shuffle=True, random_state=settings.seed)
    for train, test in splitter.split(table, y):
        model = fit(table.iloc[train], user_measures, quick)
        held_out = score(table.iloc[test], model.measures).to_numpy()
        out.iloc[test, 0] = held_out
        out.iloc[test, 1] = held_out >= model.cutoffs["expert"]
        if logistic:
            names = [m["name"] for m in model.measures]
            lr = _logistic(settings.seed).fit(table.iloc[train][names], y[train])
            out.iloc[test, 2] = lr.predict(table.iloc[test][names]).astype(bool)
    return out if logistic else out.drop(columns="logistic_expert")


def validate(
    model: ExpertModel,
    table: pd.DataFrame,
    user_measures: pd.DataFrame,
    settings: Settings,
    folds: int = 5,
    oof: pd.DataFrame | None = None,
) -> ExpertModel:
    """Cross-validate the whole fit, then choose the model's cutoffs on cross-validated scores: every active
    user's score, each labelled user's from the fold that did not see them (``expert.cutoffs``).
    ``oof``: ``out_of_fold``'s table, when the caller has it already."""
    y = (table.label == "expert").to_numpy()
    oof = out_of_fold(table, user_measures, settings, folds) if oof is None else oof
    active = user_measures[user_measures.active_days > 0]
    scores = score(active, model.measures).set_axis(active.user_id.to_numpy())
    scores.update(oof.score)
    chosen = cutoffs.choose(scores.to_numpy(), oof.score.to_numpy(), y, settings.seed)
    noise = cutoffs.label_noise(oof.score.to_numpy(), y, chosen["calibration"])
    predicted = oof.tagged_expert.to_numpy(bool)
    confusion = _confusion(y, predicted)
    model.cutoffs, model.calibration = chosen["cutoffs"], chosen["calibration"]
    weights = chosen["calibration"].get("weights")
    model.validation = {
        "method": f"{folds}-fold stratified cross-validation, the whole fit repeated per fold",
        "n": len(y),
        **confusion,
        "logistic_balanced_accuracy": (
            round(_balanced_accuracy(y, oof.logistic_expert.to_numpy(bool)), 4) if "logistic_expert" in oof else None
        ),
        "labels_cutoff": round(chosen["labels_cutoff"], 2),
        "estimated_expert_share": round(weights[2], 4) if weights else None,
        "estimated_label_noise": noise,
        "expected_balanced_accuracy": cutoffs.expected_balanced_accuracy(
            scores.to_numpy(), model.cutoffs["expert"], model.calibration
        ),
    }
    return model


def _confusion(y, pred) -> dict:
    tp, fn = int((y & pred).sum()), int((y & ~pred).sum())
    fp, tn = int((~y & pred).sum()), int((~y & ~pred).sum())
    return {
        "confusion": {
            "expert_tagged_expert": tp,
            "expert_tagged_other": fn,
            "intermediate_tagged_expert": fp,
            "intermediate_tagged_other": tn,
        },
        "sensitivity": round(tp / max(tp + fn, 1), 4),
        "specificity": round(tn / max(tn + fp, 1), 4),
        "balanced_accuracy": round(_balanced_accuracy(y, pred), 4),
    }


def _balanced_accuracy(y, pred) -> float:
    return float((pred[y].mean() + (~pred[~y]).mean()) / 2)


def _logistic(seed: int):
    """L2-regularised, strength chosen by an inner cross-validation on balanced accuracy."""
    inner = GridSearchCV(
        LogisticRegression(class_weight="balanced", max_iter=2000),
        {"C": np.logspace(-3, 2, 11)},
        scoring="balanced_accuracy",
        cv=StratifiedKFold(5, shuffle=True, random_state=seed),
    )
    return make_pipeline(StandardScaler(), inner)


def logistic_check(table: pd.DataFrame, bounds: pd.DataFrame, seed: int = 42) -> pd.DataFrame:
    """A regularised logistic regression on the same measures: does it weigh them as the measure tiers do?"""
    bounds = weigh(bounds)
    names = bounds.measure.tolist()
    y = (table.label == "expert").to_numpy()
    lr = _logistic(seed).fit(table[names], y)
    coef = lr[-1].best_estimator_.coef_[0]
    out = bounds[["measure", "direction", "effect_size", "tier", "weight"]].copy()
    out["lr_coefficient"] = coef  # per standard deviation of the measure
    out["lr_rank"] = (-np.abs(coef)).argsort().argsort() + 1
    out["tier_rank"] = np.arange(1, len(out) + 1)
    sign_ok = np.sign(coef) == np.where(out.direction == "higher", 1, -1)
    third = max(1, len(out) // 3)
    out["agreement"] = np.select(
        [
            np.abs(coef) < 1e-9,
            ~sign_ok,
            (out.tier == 1) & (out.lr_rank > len(out) - third),
            (out.tier == 3) & (out.lr_rank <= third),
        ],
        [
            "regression drops it (redundant given the others)",
            "regression gives the opposite sign",
            "tier 1, but among the regression's weakest",
            "tier 3, but among the regression's strongest",
        ],
        default="agree",
    )
    return out


def train(
    table: pd.DataFrame,
    user_measures: pd.DataFrame,
    stats: pd.DataFrame,
    bounds: pd.DataFrame,
    settings: Settings,
    trained_as_of,
    dataset: str,
) -> ExpertModel:
    """The model from this run's steps 4-5, validated by cross-validation of the whole fit, its cutoffs
    chosen on cross-validated scores."""
    model = build(table, user_measures, stats, bounds, settings)
    model.training |= {
        "as_of": str(pd.Timestamp(trained_as_of).date()),
        "dataset": dataset,
        "overridden_boundaries": [m["name"] for m in model.measures if m["source"] == "override"],
    }
    return validate(model, table, user_measures, settings)


def resolve_source(source: str, previous_run: str) -> Path | None:
    """The model file to reuse, or None to train: 'train', 'previous', 'auto' or a path to a model file."""
    previous = artifacts.previous_path(previous_run, "expert_model.json")
    if source == "train":
        return None
    if source == "auto":
        return previous
    if source == "previous":
        if previous is None:
            raise ConfigError("model_source: 'previous' needs a previous run (--previous DIR, or previous_run)")
        return previous
    return Path(source)


def source_note(reuse: Path | None) -> str:
    """Where this run's model comes from (``resolve_source``): a file it reuses, or this run's labels."""
    return f"reusing the model in {reuse}" if reuse else "training a new model on this run's labels"


def reuse_or_train(reuse: Path | None, **training) -> ExpertModel:
    """The model ``resolve_source`` chose (``reuse``), or, without one, a new one trained (``train``'s keywords)."""
    return load(reuse) if reuse else train(**training)


def weights_table(model: ExpertModel) -> pd.DataFrame:
    cols = ["name", "tier", "weight", "effect_size", "direction", "boundary", "source", "scale"]
    out = pd.DataFrame(model.measures)[cols].rename(columns={"name": "measure"})
    out["share_of_score"] = (out.weight / out.weight.sum()).round(3)
    return out


def validation_table(model: ExpertModel) -> pd.DataFrame:
    v = model.validation
    return pd.DataFrame(
        {
            "figure": [
                "labelled users",
                "balanced accuracy",
                "sensitivity (experts found)",
                "specificity (intermediates kept out)",
                "logistic regression, balanced accuracy",
                "balanced accuracy the score mixture expects against the true groups",
            ],
            "value": [
                v.get("n"),
                v.get("balanced_accuracy"),
                v.get("sensitivity"),
                v.get("specificity"),
                v.get("logistic_balanced_accuracy"),
                v.get("expected_balanced_accuracy") or "not estimated (fallback)",
            ],
        }
    )


def cutoff_summary(model: ExpertModel) -> pd.DataFrame:
    """How the cutoffs were chosen, and what the labels can and cannot say, in words and numbers."""
    v, cal = model.validation, model.calibration
    noise = v.get("estimated_label_noise") or {}
    unknown = "not estimated (no mixture: see the note)"

    def share(x):
        return unknown if x is None else f"{x:.0%}"

    rows = [
        ("how the lines were drawn", cal.get("note", "before calibration: the labels' best agreement")),
        ("Expert begins at score", f"{model.cutoffs['expert']:.1f}"),
        ("Beginner ends at score", f"{model.cutoffs['beginner']:.1f}"),
        ("the labels' own best line", f"{v['labels_cutoff']:.1f}" if "labels_cutoff" in v else unknown),
        ("experts among active users, estimated", share(v.get("estimated_expert_share"))),
        ("CSM 'expert' labels that look wrong", share(noise.get("expert_labels_wrong"))),
        ("CSM 'intermediate' labels that look wrong", share(noise.get("intermediate_labels_wrong"))),
        ("balanced accuracy against the CSMs' labels (cross-validated)", f"{v.get('balanced_accuracy', 0):.3f}"),
        (
            "balanced accuracy the mixture expects against the true groups",
            unknown if v.get("expected_balanced_accuracy") is None else f"{v['expected_balanced_accuracy']:.3f}",
        ),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"])


def confusion_frame(model: ExpertModel) -> pd.DataFrame:
    c = model.validation["confusion"]
    return pd.DataFrame(
        [
            [c["expert_tagged_expert"], c["expert_tagged_other"]],
            [c["intermediate_tagged_expert"], c["intermediate_tagged_other"]],
        ],
        index=pd.Index(["expert", "intermediate"], name="CSM label"),
        columns=pd.Index(["Expert", "not Expert"], name="model tag"),
    )


def save(model: ExpertModel, path: Path) -> Path:
    Path(path).write_text(model.to_json())
    return Path(path)


def for_run(ds, run_dir: str | Path) -> ExpertModel | None:
    """The run's expert model (notebook 06), or None when the expert steps stepped aside
    (``cohorts.unusable_reason`` says why)."""
    return None if cohorts.unusable_reason(ds) else load(artifacts.existing(run_dir, "expert_model.json"))


def load(path: str | Path) -> ExpertModel:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: expert model not found; run 06_weighting first, or set expert_model: train")
    raw = json.loads(path.read_text())
    if raw.get("schema") != SCHEMA:
        raise ConfigError(f"{path}: schema {raw.get('schema')!r}; expected {SCHEMA!r}")
    raw.pop("model_id", None)
    return ExpertModel(**raw)
