"""The simple reference the churn model must beat: logistic regression on 4-week event counts.

The standard churn-forecasting baseline: each (account, snapshot) row described only by how
many events of each type the account had in the 28 days before the snapshot (log1p, then
standardised), one plain logistic regression fitted on the training rows of the same split,
and judged on the same held-out rows as the workbook's model (notebook 11). When the model
cannot beat it, its health features, tuning and calibration add nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from helpers.data.contract import Dataset

WINDOW_DAYS = 28
COLUMNS = ["account_id", "snapshot", "churned", "reference_probability"]


def event_counts(ds: Dataset, rows: pd.DataFrame) -> pd.DataFrame:
    """Per row (account_id, snapshot): events of each type in the 28 days up to the end of the snapshot day."""
    keys = rows[["account_id", "snapshot"]].drop_duplicates()
    con = ds.connect()
    con.register("keys", keys)
    counts = con.execute(f"""
        SELECT k.account_id, k.snapshot, e.event, count(*) AS n
        FROM keys k JOIN events e ON e.account_id = k.account_id
          AND e.timestamp >= k.snapshot + INTERVAL 1 DAY - INTERVAL {WINDOW_DAYS} DAY
          AND e.timestamp < k.snapshot + INTERVAL 1 DAY
        GROUP BY ALL""").df()
    con.close()
    wide = counts.pivot_table(index=["account_id", "snapshot"], columns="event", values="n", fill_value=0)
    index = pd.MultiIndex.from_frame(rows[["account_id", "snapshot"]])
    return wide.reindex(index, fill_value=0).sort_index(axis=1).astype(float)


def holdout(problem) -> pd.DataFrame:
    """The reference's probabilities on the model's held-out rows (no rows in flat mode: no event log)."""
    if problem.ds is None or problem.split is None:
        return pd.DataFrame(columns=COLUMNS)
    train, test = problem.split.train, problem.split.test
    X_train = event_counts(problem.ds, train)
    X_test = event_counts(problem.ds, test).reindex(columns=X_train.columns, fill_value=0.0)
    model = make_pipeline(FunctionTransformer(np.log1p), StandardScaler(), LogisticRegression(max_iter=2000))
    model.fit(X_train.to_numpy(), train.churned.astype(bool).to_numpy())
    p = model.predict_proba(X_test.to_numpy())[:, 1]
    out = test[["account_id", "snapshot"]].assign(churned=test.churned.astype(bool).to_numpy())
    return out.assign(reference_probability=np.round(p, 6)).reset_index(drop=True)
