"""Where Expert and Beginner begin on the expert score, and how likely each user is to be an expert (step 7).

The CSMs' labels teach the score which behaviour marks an expert; they are a poor guide to where
on that score the line goes. Some labels are wrong, so a line drawn to agree best with them
follows the mistakes, and the CSMs hardly ever name beginners, so the labels cannot place the
low end at all. The line is drawn from every active user's behaviour instead: the scores of
all active users (each labelled user scored by a model fitted without them) are described as
three overlapping groups (a Gaussian mixture on the log-odds of the score, scikit-learn's
``GaussianMixture``): the low group are the beginners, the middle one the intermediates,
the high one the experts. Expert begins where an expert's score becomes as common as everyone
else's, which is the line with the best balanced accuracy against the true groups (not
against the labels); Beginner ends where a beginner's score stops being as common as an
intermediate's. Each user's probability of being an expert is the mixture's own answer.

The labels then check the mixture and say what they can about themselves: the share of the
CSMs' experts who fall in the mixture's intermediate or beginner groups estimates how many
expert labels are mistakes, and the share of their intermediates in the expert group the
reverse. When the data cannot support a mixture (too few active users, or the CSMs' experts
not mostly in its top group) the cutoffs fall back, said out loud, to the best balanced
accuracy against the labels and the score 90 % of labelled intermediates reach; the
probability is then calibrated to the labels (Platt scaling), mistakes included.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture

from helpers.expert import boundaries

GROUPS = ("beginner", "intermediate", "expert")
MIN_USERS = 150  # active users below which three groups are not fitted to the score
BEGINNER_QUANTILE = 0.10  # fallback: beginners score below what 90 % of labelled intermediates score
_EDGE = 0.005  # scores are clipped to [0.5, 99.5] before the log-odds
_GRID = np.round(np.arange(0, 100.001, 0.01), 2)  # candidate cutoffs, in score points


def log_odds(scores) -> np.ndarray:
    p = np.clip(np.asarray(scores, float) / 100, _EDGE, 1 - _EDGE)
    return np.log(p / (1 - p))


def choose(scores: np.ndarray, labelled_scores: np.ndarray, is_expert: np.ndarray, seed: int = 42) -> dict:
    """Cutoffs and the probability model, from the active users' ``scores`` (labelled users scored out
    of sample where possible) and the labelled users' ``labelled_scores`` with their CSM labels.

    Returns ``{"cutoffs": {"expert", "beginner"}, "calibration": {...}, "labels_cutoff": float}``;
    ``calibration["method"]`` is "mixture" or "labels", and ``calibration["note"]`` says why."""
    labelled_scores, is_expert = np.asarray(labelled_scores, float), np.asarray(is_expert, bool)
    labels_cut = float(boundaries.best_cut(labelled_scores, is_expert, "higher")[0])
    scores = np.asarray(scores, float)
    scores = scores[~np.isnan(scores)]
    mixture, reason = _mixture(scores, seed), ""
    if len(scores) < MIN_USERS:
        reason = f"only {len(scores)} active users (a three-group mixture needs {MIN_USERS})"
    else:
        post = posterior(labelled_scores, mixture)[:, 2]
        if post[is_expert].mean() < 0.5:
            reason = (
                f"the CSMs' experts are not mostly in the mixture's top group (on average "
                f"{post[is_expert].mean():.0%} likely experts): the data and the labels disagree on where experts are"
            )
    expert_cut, beginner_cut = _crossings(mixture) if not reason else (None, None)
    if not reason and expert_cut is None:
        reason = "the mixture's expert group never outnumbers the others on the score: no line to draw"
    if reason:
        return _fallback(labelled_scores, is_expert, labels_cut, reason)
    beginner_note = ""
    if beginner_cut is None:
        beginner_cut = _beginner_quantile(labelled_scores, is_expert)
        beginner_note = (
            " The beginner group never outnumbers the intermediates on the score, so Beginner falls "
            f"back to the score {1 - BEGINNER_QUANTILE:.0%} of labelled intermediates reach."
        )
    return {
        "cutoffs": {"expert": expert_cut, "beginner": min(beginner_cut, expert_cut)},
        "labels_cutoff": labels_cut,
        "calibration": {
            "method": "mixture",
            **mixture,
            "note": (
                f"three groups fitted to the scores of {len(scores):,} active users; Expert where an expert's "
                "score is as common as anyone else's, Beginner where a beginner's stops being as common as an "
                "intermediate's." + beginner_note
            ),
        },
    }


def _mixture(scores: np.ndarray, seed: int) -> dict:
    """Three Gaussian groups on the log-odds of the score (the best of five k-means starts, seeded)."""
    if len(scores) < 3:
        return {}
    z = log_odds(scores)[:, None]
    gm = GaussianMixture(3, n_init=5, random_state=seed, max_iter=500).fit(z)
    order = np.argsort(gm.means_[:, 0])
    return {
        "weights": [round(float(w), 6) for w in gm.weights_[order]],
        "means": [round(float(m), 6) for m in gm.means_[order, 0]],
        "sds": [round(float(np.sqrt(c)), 6) for c in gm.covariances_[order].ravel()],
    }


def _densities(scores, mixture: dict) -> np.ndarray:
    """Per score (rows) and group (columns): the group's share times its density, on the log-odds."""
    z = log_odds(scores)[:, None]
    return np.asarray(mixture["weights"]) * norm.pdf(z, np.asarray(mixture["means"]), np.asarray(mixture["sds"]))


def posterior(scores, mixture: dict) -> np.ndarray:
    """P(beginner), P(intermediate), P(expert) for each score (rows), from the mixture."""
    d = _densities(scores, mixture)
    return d / np.maximum(d.sum(1, keepdims=True), 1e-300)


def _crossings(mixture: dict) -> tuple[float | None, float | None]:
    """The lowest score above the intermediates' centre where experts' scores are at least as dense as
    everyone else's, and the highest below it where beginners' are at least as dense as intermediates'."""
    w = np.asarray(mixture["weights"])
    per_group = _densities(_GRID, mixture) / w  # each group's own density
    rest = (per_group[:, :2] * w[:2]).sum(1) / w[:2].sum()
    middle = 100 / (1 + np.exp(-mixture["means"][1]))
    expert = np.flatnonzero((per_group[:, 2] >= rest) & (middle < _GRID))
    beginner = np.flatnonzero((per_group[:, 0] >= per_group[:, 1]) & (middle > _GRID))
    return (
        float(_GRID[expert[0]]) if expert.size else None,
        float(_GRID[beginner[-1]]) if beginner.size else None,
    )


def _beginner_quantile(labelled_scores: np.ndarray, is_expert: np.ndarray) -> float:
    return float(np.quantile(labelled_scores[~is_expert], BEGINNER_QUANTILE))


def _fallback(labelled_scores, is_expert, labels_cut: float, reason: str) -> dict:
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(log_odds(labelled_scores)[:, None], is_expert)
    return {
        "cutoffs": {"expert": labels_cut, "beginner": min(_beginner_quantile(labelled_scores, is_expert), labels_cut)},
        "labels_cutoff": labels_cut,
        "calibration": {
            "method": "labels",
            "slope": round(float(platt.coef_[0, 0]), 6),
            "intercept": round(float(platt.intercept_[0]), 6),
            "note": (
                f"fallback: {reason}. Expert begins at the best balanced accuracy against the CSMs' labels, Beginner "
                f"below the score {1 - BEGINNER_QUANTILE:.0%} of labelled intermediates reach, and the probability "
                "is calibrated to the labels, so it carries their mistakes."
            ),
        },
    }


def expert_probability(scores, calibration: dict) -> np.ndarray:
    """P(expert) for each score: the mixture's, or the labels' Platt curve; NaN where the score is NaN
    or the model predates calibration (an empty ``calibration``)."""
    scores = np.asarray(scores, float)
    out = np.full(scores.shape, np.nan)
    ok = ~np.isnan(scores)
    if calibration.get("method") == "mixture":
        out[ok] = posterior(scores[ok], calibration)[:, 2]
    elif calibration.get("method") == "labels":
        out[ok] = 1 / (1 + np.exp(-(calibration["slope"] * log_odds(scores[ok]) + calibration["intercept"])))
    return out


def label_noise(labelled_scores, is_expert, calibration: dict) -> dict:
    """What the labels say about themselves, read through the mixture: the estimated share of the CSMs'
    experts who are not experts, and of their intermediates who are; empty when there is no mixture."""
    if calibration.get("method") != "mixture":
        return {}
    p = expert_probability(labelled_scores, calibration)
    is_expert = np.asarray(is_expert, bool)
    return {
        "expert_labels_wrong": round(float(1 - p[is_expert].mean()), 4),
        "intermediate_labels_wrong": round(float(p[~is_expert].mean()), 4),
    }


def expected_balanced_accuracy(scores, expert_cutoff: float, calibration: dict) -> float | None:
    """The balanced accuracy the Expert cutoff should reach against the true groups, if the mixture
    describes them: each active user counts as an expert by their probability of being one. No labels
    enter it, so their mistakes do not pull it down; None without a mixture."""
    if calibration.get("method") != "mixture":
        return None
    scores = np.asarray(scores, float)
    scores = scores[~np.isnan(scores)]
    p, tagged = expert_probability(scores, calibration), scores >= expert_cutoff
    found = (p * tagged).sum() / p.sum()
    kept_out = ((1 - p) * ~tagged).sum() / (1 - p).sum()
    return round(float((found + kept_out) / 2), 4)
