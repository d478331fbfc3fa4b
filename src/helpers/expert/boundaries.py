"""Where to draw the line between experts and intermediates on each measure (step 5).

The cut is chosen from the data: the value that best separates the two cohorts,
scored by balanced accuracy (mean of the share of experts above the line and the
share of intermediates below it, which is Youden's J + 1 / 2), so the larger cohort
does not dominate. A bootstrap shows how far the line would move with other users
labelled. An analyst may override a line; the override is recorded beside the
line the data chose.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml

from helpers.errors import ConfigError


def best_cut(x: np.ndarray, is_expert: np.ndarray, direction: str = "higher") -> tuple[float, float]:
    """(cut, balanced accuracy): experts are ``x >= cut`` (or ``<=`` when direction is 'lower')."""
    x = np.asarray(x, float) if direction == "higher" else -np.asarray(x, float)
    y = np.asarray(is_expert, bool)
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    n_pos, n_neg = ys.sum(), (~ys).sum()
    if n_pos == 0 or n_neg == 0:
        raise ValueError("best_cut needs both experts and intermediates")
    # Cut between distinct values k-1 and k: everything from position k up is called expert.
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    pos_below = np.r_[0, np.cumsum(ys)][starts]
    neg_below = np.r_[0, np.cumsum(~ys)][starts]
    ba = ((n_pos - pos_below) / n_pos + neg_below / n_neg) / 2
    k = int(np.argmax(ba))
    cut = xs[starts[k]] if k == 0 else (xs[starts[k] - 1] + xs[starts[k]]) / 2
    return (cut if direction == "higher" else -cut), float(ba[k])


def bootstrap_cuts(x, is_expert, direction: str, n_boot: int = 200, seed: int = 42) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x, y = np.asarray(x, float), np.asarray(is_expert, bool)
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    cuts = []
    for _ in range(n_boot):  # resample within each cohort, so both are always present
        idx = np.r_[rng.choice(pos, pos.size), rng.choice(neg, neg.size)]
        cuts.append(best_cut(x[idx], y[idx], direction)[0])
    return np.array(cuts)


def fit(
    table: pd.DataFrame, measure_stats: pd.DataFrame, top: int = 12, overrides=None, n_boot: int = 200, seed: int = 42
) -> pd.DataFrame:
    """Boundaries for the ``top`` strongest kept measures, with stability and any overrides applied."""
    chosen = measure_stats[measure_stats.status == "kept"].head(top)
    y = (table.label == "expert").to_numpy()
    overrides = parse_overrides(overrides, chosen.measure.tolist())
    rows = []
    for r in chosen.itertuples():
        x = table[r.measure].to_numpy(float)
        cut, ba = best_cut(x, y, r.direction)
        boot = bootstrap_cuts(x, y, r.direction, n_boot, seed) if n_boot else np.array([cut])
        boundary = overrides.get(r.measure, cut)
        side = x >= boundary if r.direction == "higher" else x <= boundary
        rows.append(
            {
                "measure": r.measure,
                "direction": r.direction,
                "effect_size": r.effect_size,
                "data_boundary": cut,
                "boundary": boundary,
                "source": "override" if r.measure in overrides else "data",
                "boundary_lo": np.percentile(boot, 5),
                "boundary_hi": np.percentile(boot, 95),
                "experts_on_expert_side": side[y].mean(),
                "intermediates_on_expert_side": side[~y].mean(),
                "balanced_accuracy": (side[y].mean() + (1 - side[~y].mean())) / 2,
                "data_balanced_accuracy": ba,
            }
        )
    out = pd.DataFrame(rows)
    if len(out):
        spread = (out.boundary_hi - out.boundary_lo) / out.data_boundary.abs().where(lambda s: s > 0)
        out["stability"] = np.where(
            spread.fillna(np.inf) <= 0.5, "stable", np.where(spread.fillna(np.inf) <= 1.0, "moderate", "unstable")
        )
    return out


def override_note(bounds: pd.DataFrame) -> str:
    """How many boundaries the analyst overrode, and which."""
    overridden = bounds[bounds.source == "override"]
    which = ": " + ", ".join(overridden.measure) if len(overridden) else ""
    return f"{len(overridden)} boundary(ies) overridden{which}"


def parse_overrides(value, allowed: list[str]) -> dict[str, float]:
    """Analyst overrides: a mapping, or text such as "advanced_share=0.05, logins_per_week=3"."""
    if value in (None, "", {}):
        return {}
    if isinstance(value, str):
        text = value.replace("=", ": ").replace(";", ",")
        try:
            value = yaml.safe_load("{" + text + "}")
        except yaml.YAMLError:
            raise ConfigError(f"boundary_overrides: cannot read {value!r}; expected 'measure=value, ...'") from None
    out = {}
    for name, v in dict(value).items():
        if name not in allowed:
            raise ConfigError(
                f"boundary_overrides: '{name}' is not one of the boundary measures ({', '.join(allowed)})"
            )
        try:
            out[name] = float(v)
        except (TypeError, ValueError):
            raise ConfigError(f"boundary_overrides: '{name}' = {v!r}; expected a number") from None
    return out
