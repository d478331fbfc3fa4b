"""Small statistical tools shared by every stage: the small-sample rule and Wilson intervals."""

from __future__ import annotations

import numpy as np

# The one small-sample rule. Below this many cases a rate or an effect is shown but flagged:
# with n = 30 a proportion near 20 % has a 95 % interval about +/- 15 points wide, and a
# standardised difference of 0.8 one about +/- 0.5 wide. Report settings (min_cohort_size)
# default to it.
SMALL_SAMPLE = 30


def is_small(n) -> np.ndarray:
    return np.asarray(n) < SMALL_SAMPLE


def small_note(n, extra: str = "") -> np.ndarray:
    """'n < 30: read with care' where n is small, '' elsewhere (per element)."""
    return np.where(is_small(n), f"n < {SMALL_SAMPLE}{extra}: read with care", "")


def wilson(k: np.ndarray, n: np.ndarray, z: float = 1.96):
    """95 % Wilson score interval of k successes in n (NaN where n is 0)."""
    n_safe = np.maximum(n, 1)
    p = k / n_safe
    centre = (p + z * z / (2 * n_safe)) / (1 + z * z / n_safe)
    half = z * np.sqrt(p * (1 - p) / n_safe + z * z / (4 * n_safe**2)) / (1 + z * z / n_safe)
    return np.where(n > 0, centre - half, np.nan), np.where(n > 0, centre + half, np.nan)
