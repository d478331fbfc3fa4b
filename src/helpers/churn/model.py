"""The churn model: time-based split, candidate models, calibration, a threshold by cost, risk bands.

Every choice is made on the training period (cross-validation grouped by account), and
the newest closed snapshots of accounts the model never saw are kept for the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from helpers.churn import evaluation
from helpers.churn.history import MIN_TEST_CHURNED, MIN_TRAIN_CHURNED, ChurnDataError, split_dates
from helpers.health import actions

# Not features: identifiers, the label, and columns that only restate others (component scores, health tier).
NOT_FEATURES = {
    "account_id",
    "snapshot",
    "churned",
    "csm",
    "tier",
    "drivers",
    "onboarding",
    "low_confidence",
    "confidence",
    "recommended_action",
    "owner",
    "sla",
    "signals",
}
# Risk bands of churn probability (seed 001's thresholds), riskiest first; named apart from the
# health tiers and the alert severities. The URGENT_BANDS riskiest call for a CSM this month.
DEFAULT_BANDS = "Very high:0.7, High:0.5, Medium:0.3, Low:0.1, Very low:0"
URGENT_BANDS = 2
SIMPLER_WITHIN = 0.01  # a model simpler to explain within this much validation AUC of the best is preferred
REFERENCE = evaluation.REFERENCE  # the simplest candidate: churn.reference says what it reads
LINEAR = (REFERENCE, "logistic regression")  # simpler to explain than any forest or boosting
CHOICE_DRAWS = 200  # bootstrap draws of each candidate's margin over the reference (account-resampled)


@dataclass
class Split:
    train: pd.DataFrame
    test: pd.DataFrame
    train_dates: list
    test_dates: list
    note: str = ""  # how the split differs from what was asked (a shorter holdout), or ''

    def describe(self) -> pd.DataFrame:
        rows = [
            (name, len(df), int(df.churned.sum()), df.account_id.nunique(), f"{min(d).date()} .. {max(d).date()}")
            for name, df, d in (("train", self.train, self.train_dates), ("test", self.test, self.test_dates))
        ]
        return pd.DataFrame(rows, columns=["part", "account_snapshots", "churned", "accounts", "snapshots"])


def time_split(
    history: pd.DataFrame,
    horizon_days: int,
    grace_days: int,
    holdout: int = 6,
    holdout_share: float = 0.5,
    seed: int = 42,
) -> Split:
    """Test: the newest ``holdout`` closed snapshots of a held-out share of accounts (fewer on a short
    history: ``split_dates``). Train: the other accounts' snapshots whose outcome windows closed before
    the test period began."""
    dates = sorted(history.snapshot.unique())
    train_dates, test_dates, note = split_dates(dates, horizon_days + grace_days, holdout)
    in_test = history[history.snapshot.isin(test_dates)]
    churns = in_test.groupby("account_id").churned.any().sort_index()
    rng = np.random.default_rng(seed)
    held = set()
    for flag in (True, False):  # stratified: churners and stayers held out in the same share
        ids = churns.index[churns == flag].to_numpy()
        held |= set(rng.choice(ids, size=round(holdout_share * len(ids)), replace=False))
    test = in_test[in_test.account_id.isin(held)]
    train = history[history.snapshot.isin(train_dates) & ~history.account_id.isin(held)]
    split = Split(train.reset_index(drop=True), test.reset_index(drop=True), train_dates, test_dates, note)
    _check_enough(split)
    return split


def _check_enough(split: Split) -> None:
    for part, df, need in (("training", split.train, MIN_TRAIN_CHURNED), ("test", split.test, MIN_TEST_CHURNED)):
        if df.empty or df.churned.sum() < need:
            raise ChurnDataError(
                f"the {part} period has {int(df.churned.sum())} churned account-snapshot(s) "
                f"({len(df)} in all); expected at least {need}: too few positives to fit or judge a "
                "model (a longer history, a shorter holdout_months, or a larger holdout_share)"
            )


KNOWN_SNAPSHOTS = 0.5  # a feature unknown at more of the training snapshots than this is not learned from


def feature_columns(train: pd.DataFrame) -> list[str]:
    """Numeric columns known at most training snapshots (for some account). On a short history a
    long-window sub-metric is unknown for everyone at the early snapshots the model learns from;
    a sparse one (NPS, CSAT) is known for some accounts at every snapshot and is kept."""
    numeric = [
        c
        for c in train.columns
        if c not in NOT_FEATURES and not c.startswith("score_") and pd.api.types.is_numeric_dtype(train[c])
    ]
    known = train[numeric].notna()
    share = known.groupby(train.snapshot).any().mean() if "snapshot" in train else known.any().astype(float)
    return [c for c in numeric if share[c] >= KNOWN_SNAPSHOTS]


def design(table: pd.DataFrame, features: list[str], segments: list[str]) -> pd.DataFrame:
    """The model's inputs: the numeric features, plus the segment one-hot against fixed categories."""
    X = table[features].astype(float)
    if segments:
        for s in segments:
            X[f"segment={s}"] = (table["segment"] == s).astype(float)
    return X


def univariate_auc(X: pd.DataFrame, y: pd.Series) -> pd.Series:
    """How well each feature alone ranks churn, 0.5 = not at all (direction ignored)."""
    out = {}
    for col in X:
        have = X[col].notna()
        ok = have.sum() > 10 and y[have].nunique() == 2 and X[col][have].nunique() > 1
        out[col] = max(a := roc_auc_score(y[have], X[col][have]), 1 - a) if ok else 0.5
    return pd.Series(out)


def prune_correlated(X: pd.DataFrame, y: pd.Series, threshold: float = 0.8) -> tuple[list[str], pd.DataFrame]:
    """Keep the more informative feature of every pair correlated above ``threshold`` (Spearman).

    Features are visited from the best univariate AUC down; one is dropped when it is
    that correlated with a feature already kept.
    """
    order = univariate_auc(X, y).sort_values(ascending=False, kind="stable").index
    corr = X.corr(method="spearman").abs()
    kept, dropped = [], []
    for col in order:
        clash = [k for k in kept if corr.at[col, k] > threshold]
        if clash:
            dropped.append(
                {"feature": col, "kept_instead": clash[0], "spearman_r": round(float(corr.at[col, clash[0]]), 3)}
            )
        else:
            kept.append(col)
    return [c for c in X.columns if c in kept], pd.DataFrame(dropped, columns=["feature", "kept_instead", "spearman_r"])


MAX_ACTION_FEATURES = 20  # event-type rates kept after pruning (``screen_actions``)


def strongest(X: pd.DataFrame, y: pd.Series, n: int, among: list[str] | None = None) -> list[str]:
    """The ``n`` columns (of ``among``, default all) that rank churn best on their own, strongest first."""
    among = list(X.columns) if among is None else among
    return univariate_auc(X[among], y).sort_values(ascending=False, kind="stable").index[:n].tolist()


def screen_actions(X: pd.DataFrame, y: pd.Series, kept: list[str]) -> tuple[list[str], str]:
    """``kept`` with at most MAX_ACTION_FEATURES event-type rates (``health.actions``): those that rank churn
    best on their own, on the training data. Four rates per event type give a product with 40 types 160
    columns, most of them noise to a forest and time to every model; the health features all stay. Also a
    sentence saying how many features are kept of X's and why."""
    rates = [c for c in kept if actions.is_action(c)]
    keep = set(strongest(X, y, MAX_ACTION_FEATURES, among=rates))
    screened = [c for c in kept if not actions.is_action(c) or c in keep]
    said = f"{len(screened)} of {X.shape[1]} features kept"
    if len(rates) <= MAX_ACTION_FEATURES:
        return screened, said
    return screened, (
        f"{said}: of the {len(rates)} event-type rates left after pruning, the {MAX_ACTION_FEATURES} that rank "
        "churn best on their own (training data)"
    )


def candidates(seed: int) -> dict:
    """The models compared, simplest first. The simple reference is a plain logistic regression on the few
    inputs ``churn.reference`` names (each event type's 4-week count; in flat mode every column as exported):
    the bar every other candidate must clear. Class weights balance the rare churners for the logistic
    regression and the forest. Gradient boosting fits the plain log-loss: it ranks as well without them
    (out-of-fold AUC 0.9145 against 0.9138 on sample, 0.9597 against 0.9589 on large; see
    benchmarks/bench_churn_candidates.py), and scikit-learn 1.9 bins weighted rows one percentile at a
    time (scikit-learn#34248, not yet released), 80 % of its fit. Calibration makes every candidate's
    probabilities honest either way."""
    impute = lambda: SimpleImputer(strategy="median", add_indicator=True)
    return {
        REFERENCE: make_pipeline(impute(), StandardScaler(), LogisticRegression(max_iter=5000)),
        "logistic regression": make_pipeline(
            impute(), StandardScaler(), LogisticRegression(C=0.5, class_weight="balanced", max_iter=5000)
        ),
        "random forest": make_pipeline(
            impute(),
            RandomForestClassifier(
                n_estimators=100, min_samples_leaf=10, class_weight="balanced_subsample", random_state=seed, n_jobs=1
            ),
        ),
        "gradient boosting": HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=200,
            max_leaf_nodes=15,
            min_samples_leaf=20,
            l2_regularization=1.0,
            random_state=seed,
        ),
    }


def folds(y: pd.Series, groups: pd.Series | None, seed: int, k: int = 5) -> list:
    """Cross-validation folds; grouped by account when rows repeat an account over snapshots."""
    k = int(min(k, y.sum(), (~y).sum()))
    if groups is None:
        return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    return list(StratifiedGroupKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y, groups))


def score(model, X: pd.DataFrame) -> np.ndarray:
    """What calibration maps: the model's decision function where it has one (log-odds), else its churn
    probability; scikit-learn's own choice (``CalibratedClassifierCV``), made in this one place."""
    if hasattr(model, "decision_function"):
        return model.decision_function(X)
    return model.predict_proba(X)[:, 1]


def out_of_fold(model, X: pd.DataFrame, y: pd.Series, splits: list) -> tuple[np.ndarray, np.ndarray]:
    """Each row's churn probability and ``score`` from the fold that did not train on it, one fit per fold."""
    from sklearn.base import clone

    probability, scores = np.full(len(y), np.nan), np.full(len(y), np.nan)
    for fit_idx, pred_idx in splits:
        fold = clone(model).fit(X.iloc[fit_idx], y.iloc[fit_idx])
        probability[pred_idx] = fold.predict_proba(X.iloc[pred_idx])[:, 1]
        scores[pred_idx] = score(fold, X.iloc[pred_idx])
    return probability, scores


@dataclass
class Comparison:
    """The candidates judged on the same folds: ``table`` (one row each), and per candidate its input
    columns, out-of-fold probabilities and scores (``score``), and the model fitted on every row."""

    table: pd.DataFrame
    inputs: dict[str, list[str]]
    probabilities: dict[str, np.ndarray]
    scores: dict[str, np.ndarray]
    fitted: dict


def inputs_for(reference: list[str], kept: list[str]) -> dict[str, list[str]]:
    """Each candidate's input columns: the reference's own, the others the features kept after pruning."""
    return {name: list(reference if name == REFERENCE else kept) for name in candidates(0)}


def compare(
    X: pd.DataFrame,
    y: pd.Series,
    splits: list,
    seed: int,
    inputs: dict[str, list[str]],
    groups: pd.Series | None = None,
    X_test=None,
    y_test=None,
) -> Comparison:
    """Each candidate (on its ``inputs`` columns of X) judged out of fold: validation AUC, PR-AUC, Brier,
    and its AUC over the reference on the same rows with a 95 % interval resampling accounts (``groups``;
    None: rows are accounts). Test AUC shown, never used to choose (none without a test set: None or no
    rows). A candidate without inputs (no event log, so no reference) is left out."""
    rows, probabilities, scores, fitted = [], {}, {}, {}
    used = {name: columns for name, columns in inputs.items() if columns}
    for name, model in candidates(seed).items():
        if name not in used:
            continue
        columns = used[name]
        probabilities[name], scores[name] = out_of_fold(model, X[columns], y, splits)
        fitted[name] = model.fit(X[columns], y)
        p = probabilities[name]
        row = {
            "model": name,
            "inputs": len(columns),
            "validation_auc": roc_auc_score(y, p),
            "validation_pr_auc": average_precision_score(y, p),
            "validation_brier_uncalibrated": brier_score_loss(y, p),
        }
        row |= _over_reference(y, p, probabilities.get(REFERENCE), groups, seed)
        if X_test is not None and len(X_test):
            row["test_auc"] = roc_auc_score(y_test, model.predict_proba(X_test[columns])[:, 1])
        rows.append(row)
    return Comparison(pd.DataFrame(rows).round(4), used, probabilities, scores, fitted)


def _over_reference(y, p, reference, groups, seed: int) -> dict:
    """A candidate's validation AUC over the reference's, with its 95 % paired bootstrap interval."""
    if reference is None:
        return {"auc_over_reference": np.nan, "interval_low": np.nan, "interval_high": np.nan}
    margin, low, high = evaluation.paired_auc_margin(y, p, reference, groups, seed, CHOICE_DRAWS)
    return {"auc_over_reference": margin, "interval_low": low, "interval_high": high}


def choose(comparison: pd.DataFrame) -> tuple[str, str]:
    """The model to ship and why. A candidate more complex than the reference is eligible only when it beats
    the reference by more than the folds' noise (its interval over the reference lies above 0). Of the
    eligible, the best validation AUC, unless a linear one (a weighted sum a CSM can read) is within
    SIMPLER_WITHIN of it."""
    table = comparison.set_index("model", drop=False)
    has_reference = REFERENCE in table.index
    eligible = table[(table.model == REFERENCE) | (table.interval_low > 0)] if has_reference else table
    best = eligible.loc[eligible.validation_auc.idxmax()]
    close = eligible[(eligible.validation_auc >= best.validation_auc - SIMPLER_WITHIN) & eligible.model.isin(LINEAR)]
    chosen = close.iloc[0] if len(close) else best  # the simplest linear one: a forest is no easier than boosting
    return chosen.model, _why(chosen, best, table, has_reference)


def _why(chosen, best, table: pd.DataFrame, has_reference: bool) -> str:
    auc = f"validation AUC {chosen.validation_auc:.3f}"
    if chosen.model == REFERENCE:
        runner = table.drop(REFERENCE).sort_values("validation_auc", ascending=False, kind="stable").iloc[0]
        return (
            f"{auc}: no more complex model beats it by more than the folds' noise (the best, {runner.model}, "
            f"{runner.auc_over_reference:+.3f}, 95 % interval {runner.interval_low:+.3f} .. "
            f"{runner.interval_high:+.3f}), so the simplest ships"
        )
    over = (
        f"; {chosen.auc_over_reference:+.3f} over the simple reference (95 % interval "
        f"{chosen.interval_low:+.3f} .. {chosen.interval_high:+.3f})"
        if has_reference
        else ""
    )
    if chosen.model == best.model:
        return f"highest {auc}{over}"
    return f"{auc}, within {SIMPLER_WITHIN} of the best ({best.model}, {best.validation_auc:.3f}), and linear{over}"


def calibration_method(y: pd.Series, method: str = "auto") -> str:
    """Isotonic with enough churners to fit a step function, else Platt's sigmoid; or the method asked for."""
    return ("isotonic" if y.sum() >= 200 else "sigmoid") if method == "auto" else method


def calibrated(model, scores: np.ndarray, y: pd.Series, method: str = "auto") -> tuple[ScoreCalibrated, str]:
    """The chosen model, fitted on every training row (``compare``), with its scores mapped to probabilities
    by a calibrator fitted on its out-of-fold scores (``calibration_method``).

    This is what ``CalibratedClassifierCV(model, cv=splits, ensemble=False)`` fits, to the last bit (a test
    holds them equal), without refitting the folds ``compare`` already fitted. One model, not the average of
    one per fold: it predicts five times faster, which permutation importance and every driver need, at the
    same AUC (sample holdout 0.904 against 0.903)."""
    method = calibration_method(y, method)
    return ScoreCalibrated(model, _score_calibrator(scores, y, method)), method


def _score_calibrator(scores: np.ndarray, y: pd.Series, method: str) -> CalibratedClassifierCV:
    """The calibrator of ``scores`` (one per row of y): the frozen scores are only mapped, so cv splits
    nothing that is fitted and the map is fitted on every row."""
    calibrator = CalibratedClassifierCV(FrozenEstimator(_Scores()), method=method, cv=2)
    calibrator.fit(np.asarray(scores, float).reshape(-1, 1), y)
    base = float(np.mean(y))
    for sigmoid in (c for part in calibrator.calibrated_classifiers_ for c in part.calibrators if hasattr(c, "a_")):
        if sigmoid.a_ > 0:  # Platt's fit slopes downwards: it would turn the ranking upside down
            sigmoid.a_, sigmoid.b_ = 0.0, float(np.log((1 - base) / base))  # everyone the base rate
    return calibrator


def ranks_nothing(model: ScoreCalibrated) -> bool:
    """Whether the calibrator maps every score to one probability: the out-of-fold scores ranked churn
    backwards (Platt's slope the wrong way), so no account is told apart (``_score_calibrator``)."""
    return any(
        getattr(c, "a_", None) == 0.0 for part in model.calibrator.calibrated_classifiers_ for c in part.calibrators
    )


def calibration_said(model: ScoreCalibrated, oof: np.ndarray, y: pd.Series) -> str:
    """How the chosen model was calibrated, its mean out-of-fold probability against the observed rate, and,
    when its scores ranked churn backwards, that every account gets the base rate."""
    said = (
        f"calibration: {model.calibrator.method}; mean predicted {np.mean(oof):.3f} against {y.mean():.3f} observed "
        "(out of fold, training data)"
    )
    if ranks_nothing(model):
        said += (
            ". Its out-of-fold scores ranked churn backwards (a sigmoid sloping the wrong way), so the calibration "
            "gives every account the base rate rather than turn the ranking upside down: this model tells no "
            "account from another"
        )
    return said


def oof_calibrated(scores: np.ndarray, y: pd.Series, splits: list, method: str) -> np.ndarray:
    """Held-out calibrated probabilities for every training row, so the threshold is chosen on predictions
    like the ones it will meet: each fold's out-of-fold scores (``compare``) mapped by a calibrator fitted
    on the other folds' scores, the way ``calibrated`` maps new scores."""
    p = np.full(len(y), np.nan)
    column = np.asarray(scores, float).reshape(-1, 1)
    for fit_idx, pred_idx in splits:
        p[pred_idx] = _score_calibrator(column[fit_idx], y.iloc[fit_idx], method).predict_proba(column[pred_idx])[:, 1]
    return p


class ScoreCalibrated(ClassifierMixin, BaseEstimator):
    """A fitted model whose scores (``score``) a fitted calibrator maps to probabilities (``calibrated``).
    Both parts come fitted together; refitting one without the other would break the map."""

    def __init__(self, model=None, calibrator=None):
        self.model = model
        self.calibrator = calibrator

    @property
    def classes_(self):
        return self.model.classes_

    def __sklearn_is_fitted__(self):
        return True

    def fit(self, X, y):  # scikit-learn's checks ask for one (permutation importance never refits)
        raise NotImplementedError("a ScoreCalibrated comes fitted: churn_model.calibrated makes one")

    def predict_proba(self, X):
        return self.calibrator.predict_proba(score(self.model, X).reshape(-1, 1))

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class _Scores(ClassifierMixin, BaseEstimator):
    """A classifier whose decision function is its one input column: lets ``CalibratedClassifierCV`` calibrate
    scores computed elsewhere (``score``, out of fold) with exactly the mapping it fits for the model."""

    classes_ = np.array([False, True])

    def fit(self, X, y=None):
        return self

    def __sklearn_is_fitted__(self):
        return True  # nothing to learn

    def decision_function(self, X):
        return np.asarray(X, float)[:, 0]

    def predict(self, X):  # scikit-learn's checks ask for one; calibration never calls it
        raise NotImplementedError("_Scores only passes scores to a calibrator")


def expected_cost(y: np.ndarray, p: np.ndarray, cost_false_alarm: float, cost_missed_churn: float) -> pd.DataFrame:
    """Cost per account of acting on every probability at or above each threshold."""
    thresholds = np.round(np.arange(0.01, 1.0, 0.01), 2)
    y = np.asarray(y, bool)
    rows = []
    for t in thresholds:
        flag = p >= t
        fp, fn = int((flag & ~y).sum()), int((~flag & y).sum())
        rows.append(
            {
                "threshold": t,
                "false_alarms": fp,
                "missed_churns": fn,
                "cost_per_account": (fp * cost_false_alarm + fn * cost_missed_churn) / len(y),
            }
        )
    return pd.DataFrame(rows)


def best_threshold(costs: pd.DataFrame) -> float:
    return float(costs.loc[costs.cost_per_account.idxmin(), "threshold"])


def parse_bands(text: str) -> list[tuple[str, float]]:
    """'Very high:0.7, High:0.5, ...' to [(name, lower bound)], riskiest first; the last must start at 0."""
    try:
        bands = [(name.strip(), float(bound)) for name, bound in (item.split(":") for item in text.split(","))]
    except ValueError:
        raise ValueError(f"risk_bands: {text!r}; expected 'Name:lower_bound, ...' such as {DEFAULT_BANDS!r}") from None
    bands.sort(key=lambda b: -b[1])
    if bands[-1][1] != 0 or any(not 0 <= b < 1 for _, b in bands):
        raise ValueError(f"risk_bands: {text!r}; expected bounds in [0, 1) with the lowest band starting at 0")
    return bands


def risk_band(p: pd.Series, bands: list[tuple[str, float]]) -> pd.Series:
    out = pd.Series(bands[-1][0], index=p.index, dtype=object)
    for name, bound in reversed(bands):
        out = out.where(~(p >= bound), name)
    return out


def urgent_bands(bands, n: int = URGENT_BANDS) -> list[str]:
    """The n riskiest bands' names (bands: (name, lower bound) pairs in any order): they call for action."""
    return [name for name, _ in sorted(bands, key=lambda b: -b[1])[:n]]
