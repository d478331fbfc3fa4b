"""How well each measure separates the CSMs' experts from their intermediates (step 4).

Per measure and cohort: mean, standard deviation, median and n; a standardised
difference (Hedges' g) with a bootstrap interval; a Mann-Whitney test (behaviour is
skewed, so no normality is assumed) with Benjamini-Hochberg correction across the
catalogue, since testing ninety measures would otherwise find a few by luck. Then
pruning: measures that do not separate, and measures that merely repeat a stronger
one (rank correlation above a threshold), are set aside with the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from helpers.expert.cohorts import HARD_MIN, LABELS, CohortError
from helpers.measures.engine import META


def labelled(user_measures: pd.DataFrame, cohort: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Labelled users with activity in the window (measures + label), and how many were left out as inactive."""
    both = user_measures.merge(cohort[[c for c in COHORT_COLUMNS if c in cohort]], on="user_id")
    active = both[both.active_days > 0].reset_index(drop=True)
    counts = active.label.value_counts().reindex(list(LABELS), fill_value=0)
    if (counts < HARD_MIN).any():
        short = counts.idxmin()
        raise CohortError(
            f"csm_labels: only {counts[short]} '{short}' user(s) have any activity in the measurement window "
            f"({(both.label == short).sum()} labelled, the rest inactive); expected at least {HARD_MIN} per cohort: "
            "widen window_days, or ask the CSMs to label users who still use the product"
        )
    return active, len(both) - len(active)


COHORT_COLUMNS = ("user_id", "label", "labeled_by", "role")


def measure_names(user_measures: pd.DataFrame) -> list[str]:
    return [c for c in user_measures.columns if c not in META and c not in COHORT_COLUMNS]


def cohort_stats(
    table: pd.DataFrame,
    names: list[str],
    n_boot: int = 1000,
    seed: int = 42,
    alpha: float = 0.05,
    min_effect: float = 0.5,
) -> pd.DataFrame:
    """One row per measure, ranked by the size of the difference (|g|), with its status."""
    e = table.loc[table.label == "expert", names].to_numpy(float)
    i = table.loc[table.label == "intermediate", names].to_numpy(float)
    out = pd.DataFrame({"measure": names})
    for tag, x in zip(LABELS, (e, i)):
        out[f"{tag}_n"] = len(x)
        out[f"{tag}_mean"] = x.mean(0)
        out[f"{tag}_sd"] = x.std(0, ddof=1)
        out[f"{tag}_median"] = np.median(x, 0)
    out["effect_size"] = hedges_g(e, i)
    lo, hi = bootstrap_g(e, i, n_boot, seed)
    out["effect_lo"], out["effect_hi"] = lo, hi
    constant = (out.expert_sd == 0) & (out.intermediate_sd == 0)
    u, p = _mann_whitney(e, i, constant.to_numpy())
    out["auc"] = u / (len(e) * len(i))
    out["p_value"] = p
    out["p_adjusted"] = np.nan
    ok = ~np.isnan(p)
    if ok.any():
        from statsmodels.stats.multitest import multipletests  # here: importing statsmodels takes about a second

        out.loc[ok, "p_adjusted"] = multipletests(p[ok], alpha=alpha, method="fdr_bh")[1]
    out["direction"] = np.where(out.effect_size >= 0, "higher", "lower")
    out["status"] = np.select(
        [constant, out.p_adjusted >= alpha, out.effect_size.abs() < min_effect],
        [
            "constant: the same value for every labelled user",
            f"no significant difference (adjusted p >= {alpha})",
            f"too small a difference (|g| < {min_effect})",
        ],
        default="kept",
    )
    return out.reindex(out.effect_size.abs().sort_values(ascending=False, kind="stable").index).reset_index(drop=True)


def hedges_g(e: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Standardised mean difference with the small-sample correction; 0 where both cohorts are constant."""
    ne, ni = len(e), len(i)
    pooled = np.sqrt(((ne - 1) * e.var(0, ddof=1) + (ni - 1) * i.var(0, ddof=1)) / (ne + ni - 2))
    correction = 1 - 3 / (4 * (ne + ni) - 9)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (e.mean(0) - i.mean(0)) / pooled * correction
    return np.where(pooled > 0, g, 0.0)


def bootstrap_g(e: np.ndarray, i: np.ndarray, n_boot: int, seed: int, level: float = 0.95):
    """Percentile interval of g, resampling users within each cohort."""
    if n_boot <= 0:
        nan = np.full(e.shape[1], np.nan)
        return nan, nan
    rng = np.random.default_rng(seed)
    draws = []
    for start in range(0, n_boot, 100):  # chunks keep memory flat
        b = min(100, n_boot - start)
        ei = rng.integers(0, len(e), (b, len(e)))
        ii = rng.integers(0, len(i), (b, len(i)))
        draws += [hedges_g(e[ei[k]], i[ii[k]]) for k in range(b)]
    tail = (1 - level) / 2 * 100
    return np.percentile(draws, tail, axis=0), np.percentile(draws, 100 - tail, axis=0)


def _mann_whitney(e, i, constant):
    u = np.full(e.shape[1], len(e) * len(i) / 2.0)
    p = np.full(e.shape[1], np.nan)
    vary = ~constant
    if vary.any():
        res = stats.mannwhitneyu(e[:, vary], i[:, vary], alternative="two-sided", axis=0)
        u[vary], p[vary] = res.statistic, res.pvalue
    return u, p


def prune_duplicates(measure_stats: pd.DataFrame, user_measures: pd.DataFrame, threshold: float = 0.8) -> pd.DataFrame:
    """Set aside kept measures whose |Spearman rho| with a stronger kept measure exceeds ``threshold``.

    Correlations are taken over every user active in the window (no labels needed,
    so more data than the cohorts alone).
    """
    out = measure_stats.copy()
    kept = out.index[out.status == "kept"]
    active = user_measures[user_measures.active_days > 0]
    rho = active[out.loc[kept, "measure"].tolist()].rank().corr().abs()
    chosen: list[str] = []
    for idx in kept:  # already in order of strength
        name = out.at[idx, "measure"]
        twin = next((c for c in chosen if rho.at[name, c] > threshold), None)
        if twin is None:
            chosen.append(name)
        else:
            out.at[idx, "status"] = f"duplicate of {twin} (|rho| = {rho.at[name, twin]:.2f})"
    return out


def correlation(user_measures: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    active = user_measures[user_measures.active_days > 0]
    return active[names].rank().corr()


def status_counts(measure_stats: pd.DataFrame) -> pd.DataFrame:
    reason = measure_stats.status.str.replace(r" \(.*\)$", "", regex=True).str.replace(
        r"^duplicate of .*", "duplicate of a stronger measure", regex=True
    )
    return reason.value_counts().rename_axis("status").rename("measures").reset_index()


def contradicting_labels(table: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Labelled users who sit on the other cohort's side on every basic measure: ask their CSM again.

    The line per measure is halfway between the two cohorts' medians.
    """
    e, i = table[table.label == "expert"], table[table.label == "intermediate"]
    mid = (e[names].median() + i[names].median()) / 2
    expert_side = (table[names] > mid) == (e[names].median() > i[names].median())
    contradicts = np.where(table.label.to_numpy()[:, None] == "expert", ~expert_side, expert_side).all(axis=1)
    cols = ["user_id", "label"] + [c for c in ("labeled_by", "role") if c in table] + names
    out = table.loc[contradicts, cols].copy()
    out["looks_like"] = np.where(out.label == "expert", "intermediate or lower", "expert")
    return out.reset_index(drop=True)
