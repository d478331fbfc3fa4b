"""Charts for the monthly report (notebooks 12 and 13): cohort heatmaps, MRR movements, KPIs, health mix, sparklines."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from helpers.health.config import Tier
from helpers.plots import style


def cohort_heatmap(table: pd.DataFrame, title: str, xlabel: str, min_size: int, center: float | None = None):
    """Cohorts down, periods across, percentages in the cells; cohort sizes on the left, small ones marked."""
    style.apply()
    periods = [c for c in table.columns if isinstance(c, (int, np.integer))]
    grid = table.set_index(
        table.cohort + "  n=" + table.accounts.astype(str) + np.where(table.accounts < min_size, " (!)", "")
    )[periods]
    grid = grid.dropna(axis=1, how="all")
    fig, ax = plt.subplots(figsize=(max(7, 0.45 * grid.shape[1] + 3), max(3, 0.3 * grid.shape[0] + 1.5)))
    sns.heatmap(
        grid * 100,
        annot=grid.shape[1] <= 16,
        fmt=".0f",
        cmap="RdYlGn",
        center=center,
        cbar_kws={"label": "%"},
        ax=ax,
        annot_kws={"fontsize": 7},
    )
    ax.set(title=title, xlabel=xlabel, ylabel=f"cohort (n = accounts; (!) under {min_size})")
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return fig


def mrr_movements(table: pd.DataFrame, months: int = 24):
    """Monthly MRR gained (new, expansion, reactivation) above the line and lost (contraction, churn) below it."""
    style.apply()
    t = table.tail(months).set_index("month")
    fig, ax = plt.subplots(figsize=(10, 4.5))
    up = {"new": "#1a9850", "expansion": "#91cf60", "reactivation": "#4c72b0"}
    down = {"contraction": "#fc8d59", "churn": "#d73027"}
    bottom = np.zeros(len(t))
    for col, color in up.items():
        ax.bar(t.index, t[col], bottom=bottom, color=color, label=col)
        bottom += t[col].to_numpy()
    bottom = np.zeros(len(t))
    for col, color in down.items():
        ax.bar(t.index, -t[col], bottom=bottom, color=color, label=col)
        bottom -= t[col].to_numpy()
    net = t[list(up)].sum(axis=1) - t[list(down)].sum(axis=1)
    ax.plot(t.index, net, color="black", marker="o", markersize=3, label="net new MRR")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.yaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("${x:,.0f}"))
    ax.set(title="MRR movements per month", xlabel="month", ylabel="MRR change ($ per month)")
    ax.tick_params(axis="x", rotation=90, labelsize=8)
    ax.legend(ncol=3, fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def sparklines(history: pd.DataFrame, labels: dict[str, str], max_value: float = 7, columns: int = 4):
    """Small multiples: each account's activity coefficient week by week (seed 002), the last point marked."""
    style.apply()
    accounts = list(labels)
    rows = max(1, int(np.ceil(len(accounts) / columns)))
    fig, axes = plt.subplots(
        rows, columns, figsize=(2.6 * columns, 1.25 * rows + 0.6), sharex=True, sharey=True, squeeze=False
    )
    for ax, account in zip(axes.flat, accounts):
        h = history[history.account_id == account]
        ax.plot(h.week, h.activity_coefficient, color="#4c72b0", linewidth=1.4)
        if len(h):
            ax.plot(h.week.iloc[-1], h.activity_coefficient.iloc[-1], "o", color="#d73027", markersize=4)
        ax.set_title(labels[account], fontsize=8, loc="left", fontweight="normal")
        ax.set_ylim(-0.3, max_value + 0.3)
        ax.set_yticks([0, max_value])
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(mpl.dates.MonthLocator(interval=2))
        ax.xaxis.set_major_formatter(mpl.dates.DateFormatter("%b"))
    for ax in list(axes.flat)[len(accounts) :]:
        ax.axis("off")
    fig.suptitle("Activity coefficient (weeks active of the last 7), weekly", fontsize=11, fontweight="bold")
    fig.tight_layout()
    return fig


def kpi_bars(table: pd.DataFrame):
    """Each KPI now, last period and its target, as horizontal bars in percent."""
    style.apply()
    t = table[table.unit == "%"].iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(t) + 1.2))
    pos = np.arange(len(t))
    ax.barh(pos + 0.2, t.previous * 100, height=0.4, color="#c7c7c7", label="previous period")
    ax.barh(pos - 0.2, t.value * 100, height=0.4, color=np.where(t.on_target, "#1a9850", "#d73027"), label="now")
    ax.scatter(t.target * 100, pos, marker="|", s=400, color="black", label="target", zorder=3)
    ax.set_yticks(pos, t.kpi)
    ax.set(xlabel="%", title="Headline KPIs against target (green: on target)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def health_mix(dist: pd.DataFrame, tiers: list[Tier]):
    """Share of accounts and of ARR in each health tier, as two stacked bars in the tiers' configured colours."""
    style.apply()
    colours = style.tier_colours(tiers)
    fig, ax = plt.subplots(figsize=(9, 2.4))
    for row, col in enumerate(("share_of_arr", "share_of_accounts")):
        left = 0.0
        for t in dist.itertuples():
            width = getattr(t, col)
            ax.barh(
                row,
                width,
                left=left,
                color=colours.get(t.tier, style.UNKNOWN),
                edgecolor="white",
                label=t.tier if row == 0 else None,
            )
            if width >= 0.04:
                ax.text(left + width / 2, row, f"{100 * width:.0f}%", ha="center", va="center", fontsize=9)
            left += width
    ax.set_yticks([0, 1], ["ARR", "accounts"])
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set(xlim=(0, 1), title="Health tiers by share of accounts and of ARR")
    ax.legend(ncol=len(dist), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    fig.tight_layout()
    return fig
