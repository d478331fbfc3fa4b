"""Why the churn model says what it says: importance overall, odds ratios, and each account's drivers in words."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from .health_config import HealthConfig

MAX_DRIVERS = 3


def importance(model, X: pd.DataFrame, y: pd.Series, seed: int, repeats: int = 10) -> pd.DataFrame:
    """Permutation importance on held-out data: the AUC lost when a feature's values are shuffled."""
    r = permutation_importance(model, X, y, scoring="roc_auc", n_repeats=repeats, random_state=seed, n_jobs=1)
    out = pd.DataFrame({"feature": X.columns, "auc_drop": r.importances_mean, "sd": r.importances_std})
    return out.sort_values("auc_drop", ascending=False, kind="stable").round(4).reset_index(drop=True)


def odds_ratios(X: pd.DataFrame, y: pd.Series) -> tuple[pd.DataFrame, str]:
    """statsmodels Logit on standardised features: odds ratio per standard deviation, 95 % CI, p-value.

    The first level of each one-hot group (segment=...) is left out as the reference, or
    the dummies and the constant would be collinear.

    Returns the table and a note; when the fit fails (separation, too few churners) the
    table is empty and the note says why.
    """
    import statsmodels.api as sm
    reference = [c for c in X.columns if "=" in c and c.split("=")[0] not in
                 {k.split("=")[0] for k in X.columns[:list(X.columns).index(c)] if "=" in k}]
    Z = X.drop(columns=reference).fillna(X.median()).loc[:, lambda d: d.std() > 0]  # first level of each one-hot: reference
    Z = (Z - Z.mean()) / Z.std()
    try:
        fit = sm.Logit(y.astype(float), sm.add_constant(Z)).fit(disp=0, maxiter=500)
    except Exception as exc:  # statsmodels raises several kinds; the reader only needs the reason
        return pd.DataFrame(columns=["feature", "odds_ratio_per_sd", "ci_low", "ci_high", "p_value"]), \
            f"the logistic fit failed ({type(exc).__name__}: {exc}); odds ratios are not shown"
    ci = np.exp(fit.conf_int())
    table = pd.DataFrame({"feature": Z.columns, "odds_ratio_per_sd": np.exp(fit.params[Z.columns]).to_numpy(),
                          "ci_low": ci.loc[Z.columns, 0].to_numpy(), "ci_high": ci.loc[Z.columns, 1].to_numpy(),
                          "p_value": fit.pvalues[Z.columns].to_numpy()})
    note = "" if fit.mle_retvals.get("converged", True) else (
        "the fit did not converge, usually (quasi-)separation: some feature value range has no churn at all "
        "(e.g. far from renewal); the extreme odds ratios are bounds, the others read as usual")
    return table.sort_values("p_value", kind="stable").round(4).reset_index(drop=True), note


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


def drivers(contrib: pd.DataFrame, X: pd.DataFrame, typical: pd.Series, config: HealthConfig | None = None,
            min_push: float = 0.005) -> pd.Series:
    """The two or three features raising each account's risk most, in words with the numbers."""
    phrases = _phrases(config)
    sentences = []
    for idx, row in contrib.iterrows():
        top = row[row > min_push].sort_values(ascending=False).head(MAX_DRIVERS)
        words = [_describe(col, X.at[idx, col], typical[col], phrases) for col in top.index]
        sentences.append(", ".join(words) if words else "no feature raises the risk above typical")
    return pd.Series(sentences, index=contrib.index)


def _phrases(config: HealthConfig | None) -> dict[str, str]:
    if config is None:
        return {}
    return {m: metric.phrase for comp in config.components.values() for m, metric in comp.metrics.items() if metric.phrase}


def _describe(col: str, value, typical, phrases: dict[str, str]) -> str:
    if col.startswith("segment=") or col.count("=") == 1:
        name, level = col.split("=", 1)
        return f"{name.replace('_', ' ')} {level}" if value == 1 else f"{name.replace('_', ' ')} not {level}"
    if pd.isna(value):
        return f"no {col.replace('_', ' ')} data"
    if col in phrases:
        spec = re.search(r"\{value(:[^}]*)?\}", phrases[col])
        try:
            return f"{phrases[col].format(value=value)} (typical {('{' + (spec.group(0)[1:] if spec else 'value}')).format(value=typical)})"
        except (ValueError, TypeError):
            pass
    return f"{col.replace('_', ' ')} {value:.3g} (typical {typical:.3g})"
