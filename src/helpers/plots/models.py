"""Figures of the churn model and its validation: cost, importance, retention curves, lift, reliability."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.plots import style


def expected_cost(costs: pd.DataFrame, threshold: float, cost_false_alarm: float, cost_missed_churn: float):
    style.apply()
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.plot(costs.threshold, costs.cost_per_account, color="#333333")
    ax.axvline(threshold, color="#c44e52", ls="--", label=f"chosen threshold {threshold:.2f}")
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set(
        xlabel="act on accounts with churn probability at or above",
        ylabel="expected cost per account",
        title=f"Expected cost (false alarm {cost_false_alarm:g}, missed churn {cost_missed_churn:g})",
    )
    ax.legend()
    fig.tight_layout()
    return fig


def importance(table: pd.DataFrame, top: int = 15):
    style.apply()
    d = table.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(d) + 1.2))
    ax.barh(d.feature, d.auc_drop, xerr=d.sd, color="#4c72b0")
    ax.set(xlabel="AUC lost when the feature is shuffled (held-out data)", title="What the model relies on")
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    return fig


def retention_curves(curves: pd.DataFrame | None, group: str, title: str, note: str = ""):
    """A Kaplan-Meier curve per group with its 95 % band; no curve draws nothing and ``note`` says why."""
    if curves is None or curves.empty:
        return style.nothing_to_draw(note, title)
    style.apply()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for name, c in curves.groupby(group, observed=True, sort=False):
        line = ax.step(c.days, c.retained, where="post", label=f"{name} (n = {int(c.n.iloc[0])})")[0]
        ax.fill_between(c.days, c.ci_low, c.ci_high, step="post", color=line.get_color(), alpha=0.12)
    ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set(xlabel="days since the start date", ylabel="accounts still paying", title=title)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def lift(table: pd.DataFrame):
    style.apply()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.bar(table.decile.astype(str), table.lift, color="#4c72b0")
    ax.axhline(1, color="black", lw=0.8)
    for x, (lift_, _n) in enumerate(zip(table.lift, table.accounts)):
        ax.annotate(f"{lift_:.1f}x", (x, lift_), ha="center", va="bottom", fontsize=8)
    ax.set(
        xlabel="decile of predicted risk (1 = riskiest tenth)",
        ylabel="churn rate / average",
        title="Lift by decile (held-out data)",
    )
    fig.tight_layout()
    return fig


def reliability(table: pd.DataFrame):
    style.apply()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="#999999", ls="--", lw=1, label="perfect calibration")
    ax.errorbar(
        table.predicted,
        table.observed,
        yerr=[table.observed - table.ci_low, table.ci_high - table.observed],
        fmt="o",
        color="#4c72b0",
        capsize=3,
        label="observed, 95 % interval",
    )
    for _, r in table.iterrows():
        ax.annotate(
            f"n={int(r.accounts)}", (r.predicted, r.observed), textcoords="offset points", xytext=(6, -10), fontsize=7
        )
    top = float(np.nanmax([table.predicted.max(), table.ci_high.max(), 0.1])) * 1.05
    ax.set(
        xlim=(0, top),
        ylim=(0, top),
        xlabel="predicted churn probability",
        ylabel="observed churn rate",
        title="Reliability (held-out data)",
    )
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
