"""Why the churn model says what it says: importance overall, odds ratios, and each account's drivers in words."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from helpers.health import actions
from helpers.health.config import HealthConfig

MAX_DRIVERS = 3
# Past this many held-out rows, importance reads a stratified sample of them. At 5,000 of large's 19,704
# rows, a binary feature's drop halved (0.0025 to 0.0012, its shuffle sd 0.0002): rows sampled move the
# smaller drops by more than the sd shows, so the cap sits where it rarely binds and the note says so.
IMPORTANCE_ROWS = 20_000


def importance(
    model, X: pd.DataFrame, y: pd.Series, seed: int, repeats: int = 5, max_rows: int = IMPORTANCE_ROWS
) -> tuple[pd.DataFrame, str]:
    """Permutation importance on held-out data: the AUC lost when a feature's values are shuffled, with a
    note of the rows it was measured on. Past ``max_rows``, a stratified sample of them (the churn share
    kept) bounds the time; the sd is then over shuffles of those rows only, as the note says."""
    rows = _stratified(y, max_rows, seed)
    r = permutation_importance(
        model, X.iloc[rows], y.iloc[rows], scoring="roc_auc", n_repeats=repeats, random_state=seed, n_jobs=1
    )
    out = pd.DataFrame({"feature": X.columns, "auc_drop": r.importances_mean, "sd": r.importances_std})
    table = out.sort_values("auc_drop", ascending=False, kind="stable").round(4).reset_index(drop=True)
    churned, of = int(y.iloc[rows].sum()), f"{len(y):,} rows the model is judged on"
    shuffles = f"{repeats} shuffles per feature"
    if len(rows) < len(y):
        return table, (
            f"measured on a stratified sample of {len(rows):,} of the {of} ({churned:,} churned), {shuffles}; "
            "the sd covers the shuffles, not the choice of rows, which moves the smaller drops too"
        )
    return table, f"measured on all {of} ({churned:,} churned), {shuffles}"


def _stratified(y: pd.Series, n: int, seed: int) -> np.ndarray:
    """Positions of at most ``n`` rows, churners and stayers in their shares, in their original order."""
    if len(y) <= n:
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    flags = np.asarray(y, bool)
    churners = round(n * flags.mean())
    picked = [
        rng.choice(np.flatnonzero(flags == f), size=k, replace=False)
        for f, k in ((True, churners), (False, n - churners))
    ]
    return np.sort(np.concatenate(picked))


def odds_ratios(X: pd.DataFrame, y: pd.Series, renewal_within: int = 0) -> tuple[pd.DataFrame, str]:
    """statsmodels Logit on standardised features: odds ratio per standard deviation, 95 % CI, p-value.

    Churn can only happen at a renewal, so with ``renewal_within`` (the outcome window) the
    fit uses only snapshots renewing inside it: far from renewal nobody churns, which would
    separate the data perfectly and tell the reader nothing. A level no churner has (say
    segment=Enterprise, or expanded_last_year=1) separates too: it is left out and named.
    The first remaining level of each one-hot group is the reference.

    Returns the table and a note of what was fitted (at least the number of rows); when the fit
    fails the table is empty and the note says why.
    """
    import statsmodels.api as sm

    notes = []
    if renewal_within and "days_to_renewal" in X:
        near = X.days_to_renewal.le(renewal_within).to_numpy()
        X, y = X[near].drop(columns="days_to_renewal"), y[near]
        notes.append(
            f"fitted on the {len(y):,} account-snapshots renewing within {renewal_within} days "
            f"({int(y.sum())} churned), since churn only happens at a renewal"
        )
    X, y, separated = _without_separating_levels(X, y)
    notes += separated
    Z = X.drop(columns=_reference_levels(X)).fillna(X.median()).loc[:, lambda d: d.std() > 0]
    Z = (Z - Z.mean()) / Z.std()
    try:
        fit = sm.Logit(y.astype(float), sm.add_constant(Z)).fit(disp=0, maxiter=500)
    except Exception as exc:  # statsmodels raises several kinds; the reader only needs the reason
        return pd.DataFrame(
            columns=["feature", "odds_ratio_per_sd", "ci_low", "ci_high", "p_value"]
        ), f"the logistic fit failed ({type(exc).__name__}: {exc}); odds ratios are not shown"
    if not fit.mle_retvals.get("converged", True):
        notes.append("the fit did not converge (some value range still has no churn): extreme odds ratios are bounds")
    ci = np.exp(fit.conf_int())
    table = pd.DataFrame(
        {
            "feature": Z.columns,
            "odds_ratio_per_sd": np.exp(fit.params[Z.columns]).to_numpy(),
            "ci_low": ci.loc[Z.columns, 0].to_numpy(),
            "ci_high": ci.loc[Z.columns, 1].to_numpy(),
            "p_value": fit.pvalues[Z.columns].to_numpy(),
        }
    )
    note = "; ".join(notes) or f"logistic regression on {len(y):,} training rows"
    return table.sort_values("p_value", kind="stable").round(4).reset_index(drop=True), note


def _without_separating_levels(X: pd.DataFrame, y: pd.Series) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """Drop 0/1 columns whose 1s hold no churner (or only churners); a one-hot level takes its rows along."""
    notes = []
    for col in [c for c in X.columns if X[c].dropna().isin([0, 1]).all() and X[c].nunique() == 2]:
        hit = X[col].eq(1).to_numpy()
        churned = int(y[hit].sum())
        if not hit.any() or 0 < churned < hit.sum():
            continue
        notes.append(f"{col}: {churned} of {int(hit.sum())} churned (no odds ratio can express that), left out")
        if "=" in col:  # a one-hot level: its rows leave with it, or they would join the reference
            X, y = X[~hit], y[~hit]
        X = X.drop(columns=col)
    return X, y, notes


def _reference_levels(X: pd.DataFrame) -> list[str]:
    """The first level of each one-hot group (name=level), left out so the dummies and the constant are not collinear."""
    seen, reference = set(), []
    for col in X.columns:
        if "=" in col and col.split("=")[0] not in seen:
            seen.add(col.split("=")[0])
            reference.append(col)
    return reference


def directions(model, X: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Which way the model pushes each feature: the mean probability with the feature set to its
    10th and then its 90th percentile for every row, the rest as they are (partial dependence)."""
    rows = []
    for col in features:
        low, high = X[col].quantile([0.1, 0.9])
        if pd.isna(low) or low == high:
            low, high = X[col].min(), X[col].max()
        if pd.isna(low) or low == high:
            continue
        risk = [model.predict_proba(X.assign(**{col: v}))[:, 1].mean() for v in (low, high)]
        rows.append(
            {
                "feature": col,
                "low": low,
                "high": high,
                "risk_at_low": risk[0],
                "risk_at_high": risk[1],
                "change": risk[1] - risk[0],
            }
        )
    return pd.DataFrame(rows, columns=["feature", "low", "high", "risk_at_low", "risk_at_high", "change"]).round(4)


def contributions(model, X: pd.DataFrame, typical: pd.Series) -> pd.DataFrame:
    """Each feature's push on each account's probability: p(account) - p(account with that feature typical).

    Typical = the training median. Positive = this value raises the risk.
    """
    base = model.predict_proba(X)[:, 1]
    out = {}
    for col in X.columns:
        swapped = X.copy()
        swapped[col] = typical[col]
        out[col] = base - model.predict_proba(swapped)[:, 1]
    return pd.DataFrame(out, index=X.index)


def drivers(
    contrib: pd.DataFrame,
    X: pd.DataFrame,
    typical: pd.Series,
    config: HealthConfig | None = None,
    min_push: float = 0.005,
) -> pd.Series:
    """The two or three features raising each account's risk most, in words with the numbers."""
    phrases = _phrases(config)
    sentences = []
    for idx, row in contrib.iterrows():
        top = row[row > min_push].sort_values(ascending=False).head(MAX_DRIVERS)
        words = [_describe(col, X.at[idx, col], typical[col], phrases) for col in top.index]
        sentences.append(", ".join(words) if words else "no feature raises the risk above typical")
    return pd.Series(sentences, index=contrib.index)


def _phrases(config: HealthConfig | None) -> dict[str, str]:
    return {} if config is None else config.phrases()


def _describe(col: str, value, typical, phrases: dict[str, str]) -> str:
    if actions.is_action(col) and pd.notna(value):
        return actions.describe(col, value, typical)
    if col.startswith("segment=") or col.count("=") == 1:
        name, level = col.split("=", 1)
        return f"{name.replace('_', ' ')} {level}" if value == 1 else f"{name.replace('_', ' ')} not {level}"
    if pd.isna(value):
        return f"no {col.replace('_', ' ')} data"
    if col in phrases:
        spec = re.search(r"\{value(:[^}]*)?\}", phrases[col])
        try:
            said = phrases[col].format(name=col.replace("_", " "), value=value)  # the default phrase names it
            return f"{said} (typical {('{' + (spec.group(0)[1:] if spec else 'value}')).format(value=typical)})"
        except (ValueError, TypeError, KeyError):
            pass
    return f"{col.replace('_', ' ')} {value:.3g} (typical {typical:.3g})"
