"""Probabilities out: the held-out predictions notebook 11 judges, and today's scores with drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.churn import explain as churn_explain
from helpers.churn import model as churn_model
from helpers.churn.inputs import ChurnProblem

HOLDOUT_COLUMNS = ["snapshot", "segment", "health_score", "churned", "churn_probability"]  # after the id column


def holdout_table(problem: ChurnProblem, model, kept: list[str], oof: np.ndarray) -> pd.DataFrame:
    """Predictions on data the model never learned from: the time holdout, or (flat mode) out-of-fold.
    The first column is the accounts' id (``problem.id_column``)."""
    if problem.test is not None:
        rows, p = problem.test, model.predict_proba(problem.X("test")[kept])[:, 1]
    else:
        rows, p = problem.train, oof
    out = rows.reindex(columns=[problem.id_column, *HOLDOUT_COLUMNS]).assign(churn_probability=np.round(p, 6))
    out["churned"] = rows.churned.astype(bool).to_numpy()
    return out.reset_index(drop=True)


def score_current(problem: ChurnProblem, model, kept: list[str], bands, oof: np.ndarray | None = None) -> pd.DataFrame:
    """churn_scores.csv: the id (``problem.id_column``), churn_probability, risk_band, top_drivers (the features
    raising the risk).

    In flat mode every account is in the training table, so its probability is the
    out-of-fold one: no account is scored by a model that saw its own label.
    """
    X = churn_model.design(problem.current, problem.features, problem.segments)[kept]
    p = oof if problem.mode == "flat" else model.predict_proba(X)[:, 1]
    typical = problem.X("train")[kept].median()
    contrib = churn_explain.contributions(model, X, typical)
    key = problem.id_column
    out = pd.DataFrame({key: problem.current[key].to_numpy(), "churn_probability": np.round(p, 6)})
    out["risk_band"] = churn_model.risk_band(out.churn_probability, bands).to_numpy()
    out["top_drivers"] = churn_explain.drivers(contrib, X, typical, problem.config).to_numpy()
    for col in ("segment", "csm", "mrr", "health_score"):
        if col in problem.current:
            out[col] = problem.current[col].to_numpy()
    return out.sort_values(["churn_probability", key], ascending=[False, True]).reset_index(drop=True)


def band_counts(scores: pd.DataFrame, bands) -> pd.DataFrame:
    """Accounts per risk band (``bands``: (name, lower bound) pairs, riskiest first), empty bands at 0."""
    names = [name for name, _ in bands]
    return scores.risk_band.value_counts().reindex(names).fillna(0).astype(int).rename("accounts").to_frame()
