"""The simple reference the churn model must beat: a plain logistic regression on event counts.

The standard churn-forecasting baseline: each (account, snapshot) row described only by how many
events of each type the account had in the 4 whole weeks before the snapshot (log1p, the
``action:<event>`` columns of ``health.actions``), standardised, one plain logistic regression.
In flat mode, with no event log, it is a plain logistic regression on every column of the table
as exported (one-hot categories), before any pruning. It is the first of notebook 10's candidates,
judged on the same folds: a more complex model ships only when it beats it by more than the
folds' noise (``churn_model.choose``). Notebook 11 judges it again on the held-out rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.churn import model as churn_model
from helpers.health import actions

COLUMNS = ["account_id", "snapshot", "churned", "reference_probability"]


def inputs(problem, X: pd.DataFrame) -> list[str]:
    """The reference's columns of X: each event type's 4-week log count, or (flat mode) every column."""
    return list(X.columns) if problem.mode == "flat" else actions.reference_columns(X.columns)


def described(problem) -> str:
    """What the reference reads, in words."""
    if problem.mode == "flat":
        return "a plain logistic regression on every column of the table as exported (categories one-hot)"
    return "a plain logistic regression on how many times the account did each event type in the last 4 weeks"


def holdout(problem, comparison: churn_model.Comparison) -> pd.DataFrame:
    """The reference's probabilities on the model's held-out rows (no rows in flat mode, which has none)."""
    if problem.split is None or churn_model.REFERENCE not in comparison.fitted:
        return pd.DataFrame(columns=COLUMNS)
    test = problem.split.test
    X = problem.X("test")[comparison.inputs[churn_model.REFERENCE]]
    p = comparison.fitted[churn_model.REFERENCE].predict_proba(X)[:, 1]
    out = test[["account_id", "snapshot"]].assign(churned=test.churned.astype(bool).to_numpy())
    return out.assign(reference_probability=np.round(p, 6)).reset_index(drop=True)
