"""Is the churn model right? Discrimination, calibration, business accuracy, segments and drift.

Every figure is computed on held-out predictions (the time holdout, or out-of-fold
predictions in flat mode). Intervals come from a bootstrap over accounts, so an account
seen at several snapshots counts once per draw.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from helpers import artifacts
from helpers.stats import SMALL_SAMPLE, small_note, wilson

PSI_WATCH, PSI_ALERT = 0.10, 0.25
REFERENCE = "simple reference"  # churn_model.REFERENCE (model imports this module)
BANDS = (0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
SEGMENT_FIGURES = ["n", "churned", "churn_rate", "mean_probability", "auc_roc", "note"]  # by_segment, per segment
COMPARISON_COLUMNS = ["metric", "previous", "current", "change"]  # compare_previous
DRIFT_COLUMNS = ["feature", "psi", "status"]  # drift
CHANCE_DRAWS = 1000  # outcomes drawn from the predictions, for the calibration error chance alone gives


def unchecked():
    """scikit-learn's metrics without their argument and finiteness checks, for a bootstrap's hundreds
    of calls on arrays checked once: those checks were 30 % of notebook 11's 1,500 metric calls."""
    return sklearn.config_context(skip_parameter_validation=True, assume_finite=True)


def resampled_rows(groups, y, seed: int, draws: int):
    """Bootstrap samples of row positions, resampling accounts (``groups``) with replacement; a sample
    holding only churners or only stayers is skipped (no AUC on it)."""
    ids, inverse = np.unique(np.asarray(groups), return_inverse=True)
    members = [np.flatnonzero(inverse == i) for i in range(len(ids))]
    rng = np.random.default_rng(seed)
    for _ in range(draws):
        rows = np.concatenate([members[i] for i in rng.integers(0, len(ids), len(ids))])
        if y[rows].any() and not y[rows].all():
            yield rows


def paired_auc_margin(y, mine, theirs, groups, seed: int, draws: int = 500) -> tuple[float, float, float]:
    """AUC(mine) - AUC(theirs) on the same rows, with a 95 % paired bootstrap interval resampling accounts
    (``groups``; None: each row its own account). The draws are ``resampled_rows``' (same seed, same samples),
    each judged as a weighted AUC on rows ranked once: 180,000 rows x 500 draws in seconds, not minutes."""
    y = np.asarray(y, bool)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    _, inverse = np.unique(groups, return_inverse=True)
    ranked = [_ranks(np.asarray(q, float)) for q in (mine, theirs)]
    rng, n = np.random.default_rng(seed), inverse.max() + 1
    margins = []
    for _ in range(draws):
        w = np.bincount(rng.integers(0, n, n), minlength=n)[inverse].astype(float)
        if (w * y).sum() and (w * ~y).sum():
            margins.append(_weighted_auc(y, w, *ranked[0]) - _weighted_auc(y, w, *ranked[1]))
    whole = np.ones(len(y))
    margin = _weighted_auc(y, whole, *ranked[0]) - _weighted_auc(y, whole, *ranked[1])
    low, high = np.percentile(margins, [2.5, 97.5])
    return round(float(margin), 4), round(float(low), 4), round(float(high), 4)


def _ranks(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows in score order, and each sorted row's group of tied scores."""
    order = np.argsort(p, kind="stable")
    ordered = p[order]
    return order, np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) - 1


def _weighted_auc(y: np.ndarray, w: np.ndarray, order: np.ndarray, ties: np.ndarray) -> float:
    """AUC-ROC with each row counted ``w`` times (a bootstrap draw): the chance a churner outranks a stayer,
    ties counting half. Equals roc_auc_score on the rows repeated (tested)."""
    yo, wo = y[order], w[order]
    churners = np.bincount(ties, weights=wo * yo)
    stayers = np.bincount(ties, weights=wo * ~yo)
    below = np.cumsum(stayers) - stayers
    return float((churners * (below + 0.5 * stayers)).sum() / (churners.sum() * stayers.sum()))


def headline(y, p, groups, seed: int, draws: int = 500) -> pd.DataFrame:
    """AUC-ROC, PR-AUC and Brier with 95 % bootstrap intervals (resampling accounts)."""
    y, p, groups = np.asarray(y, bool), np.asarray(p, float), np.asarray(groups)
    metrics = {"auc_roc": roc_auc_score, "pr_auc": average_precision_score, "brier": brier_score_loss}
    samples = {k: [] for k in metrics}
    with unchecked():
        for rows in resampled_rows(groups, y, seed, draws):
            for k, f in metrics.items():
                samples[k].append(f(y[rows], p[rows]))
    return pd.DataFrame(
        [
            {
                "metric": k,
                "value": f(y, p),
                "ci_low": np.percentile(samples[k], 2.5),
                "ci_high": np.percentile(samples[k], 97.5),
            }
            for k, f in metrics.items()
        ]
    ).round(4)


def at_threshold(y, p, threshold: float) -> dict:
    """Precision, recall, F1, and seed 001's accuracy, surprise churn and false-positive rates."""
    y, flag = np.asarray(y, bool), np.asarray(p) >= threshold
    tp, fp, fn = int((flag & y).sum()), int((flag & ~y).sum()), int((~flag & y).sum())
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    return {
        "threshold": threshold,
        "flagged": tp + fp,
        "churned": tp + fn,
        "correctly_predicted": tp,
        "false_alarms": fp,
        "surprise_churns": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if tp else 0.0,
        # seed 001: accuracy = churn predicted / actual churn; surprise = churned unflagged / actual churn;
        # false-positive rate = false alerts / all alerts
        "churn_prediction_accuracy": round(recall, 4),
        "surprise_churn_rate": round(1 - recall, 4),
        "false_positive_rate": round(fp / (tp + fp), 4) if tp + fp else float("nan"),
    }


def lift_table(y, p, bins: int = 10) -> pd.DataFrame:
    """Deciles of predicted risk, highest first: n, churned, rate, lift, share of all churn captured so far."""
    df = pd.DataFrame({"y": np.asarray(y, bool), "p": np.asarray(p, float)})
    order = df.p.rank(method="first", ascending=False)
    df["decile"] = np.ceil(order / len(df) * bins).astype(int)
    g = df.groupby("decile")
    out = pd.DataFrame({"accounts": g.size(), "churned": g.y.sum(), "mean_probability": g.p.mean()})
    out["churn_rate"] = out.churned / out.accounts
    out["lift"] = out.churn_rate / df.y.mean()
    out["captured"] = out.churned.cumsum() / df.y.sum()
    return out.round(4).reset_index()


def calibration_table(y, p, bands=BANDS) -> pd.DataFrame:
    """Per band of predicted probability: n, mean predicted, observed rate with 95 % interval, gap (points)."""
    df = pd.DataFrame({"y": np.asarray(y, bool), "p": np.asarray(p, float)})
    df["band"] = pd.cut(df.p, list(bands), include_lowest=True)
    g = df.groupby("band", observed=True)
    out = pd.DataFrame({"accounts": g.size(), "churned": g.y.sum(), "predicted": g.p.mean(), "observed": g.y.mean()})
    lo, hi = wilson(out.churned.to_numpy(), out.accounts.to_numpy())
    out["ci_low"], out["ci_high"] = lo, hi
    out["gap_points"] = 100 * (out.observed - out.predicted)
    out["note"] = small_note(out.accounts)
    out.index = out.index.astype(str)
    return out.round(4).reset_index()


def calibration_error(y, p, bins: int = 10) -> float:
    """Mean calibration error in points: |observed - predicted| over equal-count bins, weighted by size."""
    df = pd.DataFrame({"y": np.asarray(y, float), "p": np.asarray(p, float)})
    df["bin"] = pd.qcut(df.p.rank(method="first"), bins, labels=False)
    g = df.groupby("bin")
    return round(float(100 * ((g.y.mean() - g.p.mean()).abs() * g.size()).sum() / len(df)), 2)


def calibration_by_chance(p, bins: int = 10, seed: int = 42, draws: int = CHANCE_DRAWS) -> tuple[float, float]:
    """The mean calibration error (``calibration_error``) a perfectly calibrated model would show on these rows
    by chance alone: outcomes drawn from the predicted probabilities themselves, ``draws`` times; the median
    and the 95th percentile, in points. On a small holdout with few churners it is several points: below it,
    the holdout cannot say the probabilities are off."""
    p = np.asarray(p, float)
    rank = pd.Series(p).rank(method="first")
    group = pd.qcut(rank, bins, labels=False).to_numpy()
    predicted = np.bincount(group, weights=p, minlength=bins)
    rng = np.random.default_rng(seed)
    observed = np.stack([np.bincount(group, weights=rng.random(len(p)) < p, minlength=bins) for _ in range(draws)])
    errors = 100 * np.abs(observed - predicted).sum(axis=1) / len(p)  # |mean gap| x size, summed over bins
    return round(float(np.median(errors)), 2), round(float(np.percentile(errors, 95)), 2)


def calibration_note(error: float, chance: tuple[float, float], y, good: float = 3.0) -> str:
    """The calibration error against what chance gives a calibrated model on the same rows (outcomes ``y``), in
    one sentence; when chance alone reaches ``good`` points, how many held-out rows would bring it under."""
    median, high = chance
    n, positives = len(y), int(np.sum(y))
    said = (
        f"mean calibration error {error:.2f} points on {n:,} held-out account-snapshots with {positives:,} churned; "
        f"a perfectly calibrated model would show {median:.2f} by chance on the same rows (95 % of draws under "
        f"{high:.2f})"
    )
    if error > high:
        return f"{said}: the probabilities are off by more than chance explains."
    said += ": the gap is within what chance gives"
    if median < good:
        return said + "."
    need = int(np.ceil(n * (median / good) ** 2 / 100) * 100)  # chance shrinks as 1/sqrt(rows)
    return (
        f"{said}, so this holdout cannot check the probabilities to within {good:g} points; about {need:,} "
        "held-out account-snapshots would."
    )


def base_rates(card: dict) -> dict:
    """Churn in the training snapshots and in the held-out ones (the card's ``training`` parts), and whether they
    differ beyond chance (a two-proportion z-test, 5 %); {} without a time holdout (flat mode)."""
    parts = {p["part"]: p for p in card.get("training", [])}
    if card.get("evaluation") != "time_holdout" or not {"train", "test"} <= set(parts):
        return {}
    (k1, n1), (k2, n2) = ((parts[x]["churned"], parts[x]["account_snapshots"]) for x in ("train", "test"))
    pooled = (k1 + k2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    shifted = bool(se > 0 and abs(k1 / n1 - k2 / n2) / se > 1.96)
    return {"training": round(k1 / n1, 4), "holdout": round(k2 / n2, 4), "shifted": shifted}


def base_rate_note(rates: dict) -> str:
    """In words, when churn moved between the training and the held-out snapshots beyond chance ('' when not):
    probabilities learned at one rate misstate risk at the other, however well the model ranks."""
    if not rates.get("shifted"):
        return ""
    before, after = rates["training"], rates["holdout"]
    way = "fell" if after < before else "rose"
    return (
        f"Churn {way} from {before:.1%} of account-snapshots in training to {after:.1%} in the held-out ones, beyond "
        f"chance: probabilities learned at the old rate {'overstate' if after < before else 'understate'} risk at "
        "the new one, however well the model ranks."
    )


def by_segment(table: pd.DataFrame, segment: str = "segment") -> pd.DataFrame:
    """AUC, churn rate and mean prediction per segment, with n and a warning where it is small; no rows
    (the same columns) when no prediction has a segment (``segment_note`` says so)."""
    rows = []
    for name, g in table.groupby(segment, observed=True):
        both = g.churned.nunique() == 2
        rows.append(
            {
                segment: name,
                "n": len(g),
                "churned": int(g.churned.sum()),
                "churn_rate": g.churned.mean(),
                "mean_probability": g.churn_probability.mean(),
                "auc_roc": roc_auc_score(g.churned, g.churn_probability) if both else np.nan,
                "note": (
                    "no churn: AUC undefined"
                    if not both
                    else f"n < {SMALL_SAMPLE} or < 5 churned: read with care"
                    if len(g) < SMALL_SAMPLE or g.churned.sum() < 5
                    else ""
                ),
            }
        )
    return pd.DataFrame(rows, columns=[segment, *SEGMENT_FIGURES]).round(4)


def segment_note(segments: pd.DataFrame) -> str:
    """What the per-segment table holds, or why it is empty."""
    if segments.empty:
        return (
            "no segment on the held-out predictions (no segment column; a flat table names one as "
            "segment_column in its health configuration): no figures per segment"
        )
    return f"{len(segments)} segment(s), each judged on its own held-out predictions"


def segment_gap(segments: pd.DataFrame) -> str:
    """Why the section per segment steps aside ('' when there are segments)."""
    return segment_note(segments) if segments.empty else ""


def accounts(holdout: pd.DataFrame) -> pd.Series:
    """The held-out predictions' account ids: their first column (account_id, or a flat table's own id
    column; ``churn.scoring.holdout_table``), for bootstrap draws by account."""
    return holdout.iloc[:, 0]


def score_outcome(table: pd.DataFrame) -> pd.DataFrame:
    """How the health score and the model each relate to the outcome: correlation and AUC."""
    rows = []
    for name, col, sign in (("churn model", "churn_probability", 1), ("health score (09)", "health_score", -1)):
        if col in table and table[col].notna().any():
            d = table[[col, "churned"]].dropna()
            rows.append(
                {
                    "score": name,
                    "n": len(d),
                    "correlation_with_churn": np.corrcoef(d[col], d.churned)[0, 1],
                    "auc_roc": roc_auc_score(d.churned, sign * d[col]),
                }
            )
    return pd.DataFrame(rows).round(4)


def psi(expected: pd.Series, actual: pd.Series, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected`` (deciles of expected; blanks a bin of their own)."""
    e, a = expected.astype(float), actual.astype(float)
    edges = np.unique(np.nanquantile(e.dropna(), np.linspace(0, 1, bins + 1))) if e.notna().any() else np.array([])

    def shares(x):
        idx = (
            np.where(x.isna(), -1, np.searchsorted(edges[1:-1], x, side="right"))
            if len(edges) > 1
            else np.where(x.isna(), -1, 0)
        )
        counts = pd.Series(idx).value_counts()
        return counts / len(x)

    se, sa = shares(e), shares(a)
    keys = se.index.union(sa.index)
    se, sa = se.reindex(keys, fill_value=0) + 1e-4, sa.reindex(keys, fill_value=0) + 1e-4
    return float(((sa - se) * np.log(sa / se)).sum())


def drift_gap(card: dict) -> str:
    """Why drift cannot be measured ('' when it can): a flat table is one period, so its scoring data is
    its training data, and comparing them would only compare the table with itself."""
    if card.get("evaluation") == "cross_validation":
        return "one flat table is one period: drift needs a training period and a later scoring period"
    return ""


def drift(train: pd.DataFrame, current: pd.DataFrame, card: dict | None = None) -> pd.DataFrame:
    """PSI of every feature, scoring period against training period, with a status; no rows (the same
    columns) when there is no second period (``drift_gap`` of the model's ``card`` says why)."""
    if card is not None and drift_gap(card):
        return pd.DataFrame(columns=DRIFT_COLUMNS)
    rows = [{"feature": c, "psi": round(psi(train[c], current[c]), 4)} for c in train.columns if c in current]
    out = pd.DataFrame(rows, columns=["feature", "psi"])
    out = out.sort_values("psi", ascending=False, kind="stable").reset_index(drop=True)
    out["status"] = np.select([out.psi >= PSI_ALERT, out.psi >= PSI_WATCH], ["alert: shifted", "watch"], "stable")
    return out


def against_reference(holdout: pd.DataFrame, reference: pd.DataFrame, seed: int, draws: int = 500) -> pd.DataFrame:
    """AUC-ROC and PR-AUC of the model and of the simple reference (``churn.reference``) on the same
    held-out rows, and the model's margin with a 95 % paired bootstrap interval (resampling accounts).
    No rows when there is no reference (flat mode)."""
    if reference.empty:
        return pd.DataFrame(columns=["", "AUC-ROC", "PR-AUC", "n", "churned"])
    both = holdout.merge(reference.drop(columns="churned"), on=["account_id", "snapshot"], validate="1:1")
    y = both.churned.astype(bool).to_numpy()
    p = {"the workbook's model": both.churn_probability.to_numpy(), "reference": both.reference_probability.to_numpy()}
    margin = paired_auc_margin(y, p["the workbook's model"], p["reference"], both.account_id, seed, draws)
    table = pd.DataFrame(
        [
            {
                "": name,
                "AUC-ROC": roc_auc_score(y, q),
                "PR-AUC": average_precision_score(y, q),
                "n": len(y),
                "churned": int(y.sum()),
            }
            for name, q in p.items()
        ]
    )
    table = table.round(4)
    table.attrs["margin"] = margin
    return table


def reference_gap(table: pd.DataFrame) -> str:
    """Why there is no comparison with the reference on held-out rows, or ''."""
    if not table.empty:
        return ""
    return (
        "a flat table has no held-out period: the simple reference (a plain logistic regression on every "
        "column) was judged with the other candidates in notebook 10's cross-validation"
    )


def reference_note(table: pd.DataFrame, shipped: str = "") -> str:
    """The verdict against the reference, in one sentence; ``shipped`` names the model notebook 10 shipped."""
    if table.empty:
        return f"Steps aside: {reference_gap(table)}."
    margin, low, high = table.attrs["margin"]
    interval = f"95 % interval {low:+.3f} .. {high:+.3f}, same {int(table.n.iloc[0]):,} held-out rows"
    if shipped == REFERENCE:
        return (
            "the shipped model is the simple reference itself, calibrated: no candidate beat it by more than "
            f"the folds' noise in notebook 10 (AUC {margin:+.3f} after calibration, {interval})"
        )
    verdict = "beats it" if low > 0 else "does worse" if high < 0 else "cannot be told apart from it"
    return f"the model {verdict}: AUC {margin:+.3f} against logistic regression on 4-week event counts ({interval})"


def summary(
    metrics: pd.DataFrame,
    lift: pd.DataFrame,
    calibration_error_points: float,
    at: dict,
    holdout: pd.DataFrame,
    card: dict,
    reference: pd.DataFrame | None = None,
    calibration_chance: tuple[float, float] = (np.nan, np.nan),
) -> dict:
    """The headline figures of validation.json, from the tables above them (``against_reference`` too;
    ``calibration_chance``: ``calibration_by_chance``'s on the same rows)."""
    value = metrics.set_index("metric").value
    against = {}
    if reference is not None and not reference.empty:
        margin, low, high = reference.attrs["margin"]
        against = {"reference_auc_roc": float(reference["AUC-ROC"].iloc[1]), "auc_over_reference": [margin, low, high]}
    keep = ("precision", "recall", "f1", "churn_prediction_accuracy", "surprise_churn_rate", "false_positive_rate")
    return {
        "auc_roc": float(value["auc_roc"]),
        "pr_auc": float(value["pr_auc"]),
        "brier": float(value["brier"]),
        "calibration_error": calibration_error_points,
        "calibration_error_by_chance": list(calibration_chance),
        "base_rates": base_rates(card),
        "lift_top_decile": float(lift.lift.iloc[0]),
        "n": len(holdout),
        "positives": int(holdout.churned.sum()),
        "evaluation": card["evaluation"],
        "model_id": card["id"],
        "model": card["model"],
        "threshold": card["threshold"],
        **{k: at[k] for k in keep},
        **against,
    }


def previous_summary(previous_run: str) -> dict | None:
    """Last month's validation.json, or None without a previous run (or when it had none)."""
    path = artifacts.previous_path(previous_run, "validation.json")
    return json.loads(path.read_text()) if path is not None else None


def compare_previous(previous: dict | None, current: dict) -> pd.DataFrame:
    """This run's headline figures beside the previous run's, with the change; no rows (the same columns)
    without a previous validation (``comparison_note`` says why)."""
    if not previous:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    keys = ["auc_roc", "pr_auc", "brier", "calibration_error", "lift_top_decile", "n", "positives"]
    rows = [{"metric": k, "previous": previous.get(k), "current": current.get(k)} for k in keys]
    out = pd.DataFrame(rows)
    out["change"] = pd.to_numeric(out.current, errors="coerce") - pd.to_numeric(out.previous, errors="coerce")
    return out.round(4)


def comparison_note(previous: dict | None) -> str:
    """What this run is compared with, or why it is compared with nothing."""
    if not previous:
        return "no previous run given: the comparison appears from the second monthly run"
    return f"compared with the previous run's validation (model {previous.get('model_id', 'unknown')})"


def recommendations(summary: dict, segments: pd.DataFrame, drifted: pd.DataFrame) -> list[str]:
    """Plain sentences from the findings, most urgent first."""
    out = []
    if summary["auc_roc"] < 0.7:
        out.append(
            f"Ranking is weak (AUC {summary['auc_roc']:.2f}): do not act on the scores alone; add features or history."
        )
    margin = summary.get("auc_over_reference")
    if margin is not None and margin[1] <= 0:
        out.append(
            f"The model cannot be told apart from counting events (AUC {margin[0]:+.3f} over the simple "
            f"reference, interval {margin[1]:+.3f} .. {margin[2]:+.3f}): more history (more training "
            "snapshots, more churners) is what would separate them; until then weigh its ranking like a usage count."
        )
    chance = np.nan_to_num(summary.get("calibration_error_by_chance", [0.0, 0.0]))
    if summary["calibration_error"] >= 5 and summary["calibration_error"] > chance[1]:
        moved = base_rate_note(summary.get("base_rates", {}))
        out.append(
            f"Probabilities are off by {summary['calibration_error']:.1f} points on average, more than chance "
            f"explains ({chance[1]:.1f} at most): recalibrate before quoting them as chances."
            + (f" {moved} Rank accounts by them; retrain on the newest months before quoting them." if moved else "")
        )
    elif chance[0] >= 3:
        out.append(
            f"The holdout is too small to check the probabilities finely: chance alone gives a calibrated model "
            f"{chance[0]:.1f} points of calibration error here. Quote them as rough chances until more history "
            "is held out."
        )
    if summary["lift_top_decile"] < 3:
        out.append(
            f"The riskiest tenth churns only {summary['lift_top_decile']:.1f}x the average: the list "
            "CSMs work from is not concentrated enough."
        )
    alerts = drifted[drifted.status.str.startswith("alert")].feature.tolist()
    if alerts:
        out.append(
            f"Inputs have shifted since training ({', '.join(alerts[:5])}): retrain, and check the "
            "tracking behind them."
        )
    small = segments[segments.note != ""] if "note" in segments else segments.iloc[:0]
    if len(small):
        out.append(
            f"Segment figures for {', '.join(map(str, small.iloc[:, 0]))} rest on few accounts: "
            "do not tune thresholds per segment yet."
        )
    if summary.get("false_positive_rate", 0) > 0.2:
        out.append(
            f"{summary['false_positive_rate']:.0%} of flags are false alarms (seed 001's target is under 20 %): "
            "raise the threshold if CSM time is the constraint, or keep it if a missed churn costs more."
        )
    if not out:
        out.append(
            "The model ranks, concentrates and calibrates well on accounts it never saw: use it, and "
            "re-validate next month."
        )
    return out


def as_bullets(lines: list[str]) -> str:
    """Sentences as a plain-text bulleted list, one per line."""
    return "\n".join(f"- {line}" for line in lines)
