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

from helpers.churn.history import MIN_TEST_CHURNED, MIN_TRAIN_CHURNED, ChurnDataError, split_dates

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
SIMPLER_WITHIN = 0.01  # a simpler model within this much validation AUC of the best is preferred


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


def candidates(seed: int) -> dict:
    """The models compared, simplest first. Class weights balance the rare churners for the logistic
    regression and the forest. Gradient boosting fits the plain log-loss: it ranks as well without them
    (out-of-fold AUC 0.9145 against 0.9138 on sample, 0.9597 against 0.9589 on large; see
    benchmarks/bench_churn_candidates.py), and scikit-learn 1.9 bins weighted rows one percentile at a
    time (scikit-learn#34248, not yet released), 80 % of its fit. Calibration makes every candidate's
    probabilities honest either way."""
    impute = lambda: SimpleImputer(strategy="median", add_indicator=True)
    return {
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


def compare(
    X: pd.DataFrame, y: pd.Series, splits: list, seed: int, X_test=None, y_test=None
) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict]:
    """Each candidate's validation AUC, PR-AUC and Brier (out of fold); test AUC shown, never used to choose
    (none without a test set: None or no rows). Also each candidate's out-of-fold scores (``score``) and the
    candidate fitted on every row: ``calibrated`` makes the chosen one's probabilities from these two."""
    rows, scores, fitted = [], {}, {}
    for name, model in candidates(seed).items():
        p, scores[name] = out_of_fold(model, X, y, splits)
        fitted[name] = model.fit(X, y)
        row = {
            "model": name,
            "validation_auc": roc_auc_score(y, p),
            "validation_pr_auc": average_precision_score(y, p),
            "validation_brier_uncalibrated": brier_score_loss(y, p),
        }
        if X_test is not None and len(X_test):
            row["test_auc"] = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
        rows.append(row)
    return pd.DataFrame(rows).round(4), scores, fitted


def choose(comparison: pd.DataFrame) -> tuple[str, str]:
    """The model to use and why: the best validation AUC, unless a simpler one is within SIMPLER_WITHIN."""
    best = comparison.loc[comparison.validation_auc.idxmax()]
    for row in comparison.itertuples():  # candidates are listed simplest first
        if row.validation_auc >= best.validation_auc - SIMPLER_WITHIN:
            if row.model == best.model:
                return row.model, f"highest validation AUC ({row.validation_auc:.3f})"
            return row.model, (
                f"validation AUC {row.validation_auc:.3f}, within {SIMPLER_WITHIN} of the best "
                f"({best.model}, {best.validation_auc:.3f}), and simpler to explain"
            )
    raise AssertionError("unreachable: the best model is within the margin of itself")


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
    return calibrator.fit(np.asarray(scores, float).reshape(-1, 1), y)


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
