"""Composite account health: normalise each sub-metric to 0-100, weigh, tier and explain.

Health = sum of component scores x component weights (seed 001). A component's score
is the weighted mean of its sub-metrics that have data; when a sub-metric or a whole
component is missing, the weights renormalise over what is present and the account
is flagged low-confidence rather than punished. Drivers say, in the metrics' own
words, what pulls an account below (or above) its segment's norm.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.health import actions
from helpers.health.config import HealthConfig, Metric

MAX_DRIVERS = 3
COLUMNS = ("health_score", "tier", "confidence", "onboarding", "low_confidence", "drivers")  # and score_<component>


def is_score_column(name: str) -> bool:
    """Whether ``score`` writes this column (a score's, not a feature's: a history is scored anew without them)."""
    return name in COLUMNS or name.startswith("score_")


def normalise(values: pd.Series, metric: Metric, groups: pd.Series | list | None = None) -> pd.Series:
    """0-100 points for each value (missing stays missing); a percentile is taken within ``groups``
    (a key, or a list of keys, per value)."""
    n = metric.normalise
    v = pd.to_numeric(values, errors="coerce").astype(float)
    if n.method == "linear":
        points = (v - n.zero) / (n.target - n.zero) * 100
    elif n.method == "bands":
        better = (lambda x, t: x >= t) if metric.direction == "higher" else (lambda x, t: x <= t)
        order = sorted(n.bands, key=lambda b: b[0], reverse=metric.direction == "higher")
        points = pd.Series(n.otherwise, index=v.index, dtype=float)
        for threshold, score in reversed(order):  # the best band is applied last, so it wins
            points = points.where(~better(v, threshold), score)
    else:  # percentile within the segment: the best value gets 100
        keys = groups if groups is not None else pd.Series(0, index=v.index)
        points = v.groupby(keys).rank(pct=True, method="max", ascending=metric.direction == "higher") * 100
    return points.clip(n.floor, n.cap).where(v.notna())


def score(table: pd.DataFrame, config: HealthConfig, within: str | None = None) -> pd.DataFrame:
    """One row per account (per row of ``table``, on its index): health_score, tier, confidence,
    score_<component>, drivers. ``within`` (a column, such as "snapshot"): each of its values is scored
    as a table of its own, percentiles and segment norms taken among its rows only."""
    segment = table[config.segment_column] if config.segment_column else pd.Series("all", index=table.index)
    peers = [segment, table[within]] if within else segment  # whom an account is compared with
    points, shares = {}, {}
    for cname, comp in config.components.items():
        for mname, metric in comp.metrics.items():
            if mname not in table:
                continue  # absent column: the weights renormalise (and confidence drops)
            points[(cname, mname)] = normalise(table[mname], metric, peers)
    comp_scores = pd.DataFrame(index=table.index)
    confidence = pd.Series(0.0, index=table.index)
    weights = pd.DataFrame(
        [config.component_weights(s if config.segments else None) for s in segment], index=table.index
    )
    onboarding = _onboarding(table, config)
    for cname, comp in config.components.items():
        w = {m: metric.weight * metric.multiplier for m, metric in comp.metrics.items()}
        present = pd.DataFrame({m: points[(cname, m)] for m in w if (cname, m) in points}, index=table.index)
        mw = pd.Series({m: w[m] for m in present.columns}, dtype=float)
        have = present.notna()
        denom = (have * mw).sum(axis=1)
        comp_scores[cname] = (present.fillna(0) * mw).sum(axis=1) / denom.where(denom > 0)
        confidence += weights[cname] / 100 * denom / sum(w.values())
        for m in present.columns:
            shares[(cname, m)] = weights[cname] / 100 * (mw[m] / denom.where(denom > 0)) * have[m]
    cw = weights[comp_scores.columns].where(comp_scores.notna())
    if onboarding.any():  # young accounts: only the onboarding components count, when they have data
        others = [c for c in cw.columns if c not in config.onboarding.components]
        onboarding &= cw.drop(columns=others).sum(axis=1) > 0
        cw.loc[onboarding, others] = 0.0
    health = (comp_scores.fillna(0) * cw.fillna(0)).sum(axis=1) / cw.sum(axis=1).where(cw.sum(axis=1) > 0)
    health = _trend_adjusted(health, table, config)
    out = pd.DataFrame({config.id_column: table[config.id_column], "health_score": health.round(1)})
    out["tier"] = tier_of(out.health_score, config)
    out["confidence"] = confidence.round(2)
    out["onboarding"] = onboarding
    out["low_confidence"] = out.confidence < config.low_confidence_below
    for cname in comp_scores:
        out[f"score_{cname}"] = comp_scores[cname].round(1)
    out["drivers"] = drivers(table, points, shares, peers, config)
    return out


def _onboarding(table: pd.DataFrame, config: HealthConfig) -> pd.Series:
    ob = config.onboarding
    if ob is None or ob.tenure_metric not in table:
        return pd.Series(False, index=table.index)
    return pd.to_numeric(table[ob.tenure_metric], errors="coerce").lt(ob.below_days).fillna(False)


def _trend_adjusted(health: pd.Series, table: pd.DataFrame, config: HealthConfig) -> pd.Series:
    if config.trend is None or config.trend.metric not in table:
        return health
    change = pd.to_numeric(table[config.trend.metric], errors="coerce").fillna(0)
    change = change.clip(-config.trend.limit, config.trend.limit)
    return (health * (1 + change * config.trend.factor)).clip(0, 100)


def tier_of(scores: pd.Series, config: HealthConfig) -> pd.Series:
    tiers = sorted(config.tiers, key=lambda t: t.min, reverse=True)
    out = pd.Series(pd.NA, index=scores.index, dtype=object)
    for t in reversed(tiers):  # the highest tier the score reaches wins
        out = out.where(~(scores >= t.min), t.name)
    return out


def drivers(table, points, shares, peers, config: HealthConfig) -> pd.Series:
    """The sub-metrics that pull each account furthest below its segment's norm (``peers``: the segment,
    or the segment and the snapshot), in words.

    Pull = the sub-metric's share of the score x (its points - the segment's median points).
    An account with nothing below the norm is described by its strongest pulls upwards. Equal pulls
    are named in the configuration's order.
    """
    if not points:
        return pd.Series("", index=table.index)
    keys = list(points)
    pulls = np.column_stack(
        [(shares[k] * (p - p.groupby(peers).transform("median"))).to_numpy(float) for k, p in points.items()]
    )
    below = (pulls < -0.05).any(axis=1)
    # the most negative pulls first, or (nothing below the norm) the most positive; others sort last
    rank = np.where(below[:, None], np.where(pulls < -0.05, pulls, np.inf), np.where(pulls > 0.05, -pulls, np.inf))
    order = np.argsort(rank, axis=1, kind="stable")[:, :MAX_DRIVERS]
    named = np.take_along_axis(rank, order, axis=1) < np.inf
    phrases = config.phrases()
    values = {k[1]: table[k[1]].to_numpy() for k in keys}
    sentences = []
    for i in range(len(table)):
        words = [_phrase(phrases[keys[j][1]], keys[j][1], values[keys[j][1]][i]) for j in order[i][named[i]]]
        prefix = "" if below[i] else "strong: "
        sentences.append(prefix + ", ".join(words) if words else "in line with its segment")
    return pd.Series(sentences, index=table.index)


def _phrase(phrase: str, name: str, value) -> str:
    """A metric's own phrase with its value, e.g. "6 open tickets"; an event type's rate in words."""
    if actions.is_action(name):
        return actions.describe(name, float(pd.to_numeric(value, errors="coerce")))
    return phrase.format(name=name.replace("_", " "), value=float(pd.to_numeric(value, errors="coerce")))


def tier_counts(scored: pd.DataFrame, config: HealthConfig) -> pd.DataFrame:
    names = [t.name for t in sorted(config.tiers, key=lambda t: t.min, reverse=True)]
    out = scored.tier.value_counts().reindex(names, fill_value=0).rename("accounts").to_frame()
    out["share"] = (out.accounts / max(len(scored), 1)).round(3)
    return out.rename_axis("tier").reset_index()


def lowest(scored: pd.DataFrame, n: int = 12):
    """The n lowest-scoring accounts as a reader takes them in: who, the score and tier, how sure the score is,
    why, and what to do; no index, no raw NaN or True/False (a Styler, shown as a table in the notebook)."""
    cols = ("name", scored.columns[0], "health_score", "tier", "confidence", "drivers", "recommended_action")
    table = scored.sort_values(["health_score", scored.columns[0]], kind="stable").head(n)
    shown = table[[c for c in dict.fromkeys(cols) if c in table]].rename(columns=lambda c: c.replace("_", " "))
    return (
        shown.style.set_uuid("lowest")  # a fixed id: the executed notebook is the same bytes run after run
        .hide(axis="index")
        .format({"health score": "{:.1f}", "confidence": "{:.0%}"}, na_rep="–")
        .set_table_styles([{"selector": "td", "props": "text-align: left"}])
    )
