"""Figures shared by the notebooks: titled, labelled with units, readable when printed."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from helpers.plots import style


def daily_activity(daily: pd.DataFrame, title: str = "Product activity per day"):
    """Events and active users per day, with a 7-day mean to read through weekends."""
    style.apply()
    fig, ax = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True)
    for axis, col, label in ((ax[0], "events", "events per day"), (ax[1], "active_users", "active users per day")):
        axis.plot(daily.day, daily[col], lw=0.6, alpha=0.45, label="daily")
        axis.plot(daily.day, daily[col].rolling(7, min_periods=1).mean(), lw=1.8, label="7-day mean")
        axis.set_ylabel(label)
    ax[0].set_title(title)
    ax[0].legend(loc="upper left")
    ax[1].set_xlabel("date")
    fig.tight_layout()
    return fig


def histogram(values: pd.Series | None, title: str, xlabel: str, bins: int = 30, note: str = ""):
    """The values' distribution with their median (blanks left out); with no value at all (or no
    column: None), nothing is drawn and ``note`` says why."""
    if values is None or values.notna().sum() == 0:
        return style.nothing_to_draw(note, title)
    style.apply()
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.hist(values, bins=bins, color="#4c72b0", edgecolor="white")
    ax.axvline(values.median(), color="black", ls="--", lw=1, label=f"median {values.median():g}")
    ax.set(title=title, xlabel=xlabel, ylabel="count")
    ax.legend()
    fig.tight_layout()
    return fig


COHORT_ORDER = ["expert", "intermediate"]


def cohort_distributions(table: pd.DataFrame, names: list[str], descriptions: dict[str, str] | None = None):
    """Box and points per cohort for a few measures: distributions, not just means."""
    style.apply()
    fig, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names), 4), squeeze=False)
    for ax, name in zip(axes[0], names):
        sns.boxplot(
            data=table,
            x="label",
            y=name,
            order=COHORT_ORDER,
            hue="label",
            palette=style.PALETTE,
            showfliers=False,
            width=0.5,
            ax=ax,
            legend=False,
        )
        jitter = np.random.default_rng(0)  # seaborn's stripplot jitters from the global RNG: a new figure each run
        for position, cohort in enumerate(COHORT_ORDER):
            values = table.loc[table["label"] == cohort, name]
            spread = position + jitter.uniform(-0.2, 0.2, len(values))
            ax.scatter(spread, values, s=4, color="black", alpha=0.35, linewidths=0)
        ax.set(xlabel="CSM label", ylabel=(descriptions or {}).get(name, name), title=name)
        ax.title.set_size(10)
    fig.tight_layout()
    return fig


def effect_sizes(stats: pd.DataFrame, top: int = 25):
    """Standardised differences with 95 % bootstrap intervals, strongest first; kept measures in colour."""
    style.apply()
    d = stats.head(top).iloc[::-1]
    kept = d.status == "kept"
    fig, ax = plt.subplots(figsize=(9, 0.3 * len(d) + 1.5))
    ax.errorbar(
        d.effect_size,
        range(len(d)),
        xerr=[d.effect_size - d.effect_lo, d.effect_hi - d.effect_size],
        fmt="none",
        ecolor="grey",
        lw=1,
    )
    ax.scatter(d.effect_size, range(len(d)), c=np.where(kept, style.PALETTE["expert"], "#999999"), zorder=3)
    ax.set_yticks(range(len(d)), d.measure, fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set(
        xlabel="Hedges' g (experts minus intermediates, in standard deviations)",
        title=f"The {len(d)} largest differences between the cohorts (green: kept)",
    )
    fig.tight_layout()
    return fig


def correlation_heatmap(corr: pd.DataFrame, title: str):
    style.apply()
    n = len(corr)
    fig, ax = plt.subplots(figsize=(0.35 * n + 3, 0.35 * n + 2))
    sns.heatmap(
        corr,
        cmap="vlag",
        vmin=-1,
        vmax=1,
        square=True,
        ax=ax,
        cbar_kws={"label": "Spearman rho"},
        xticklabels=True,
        yticklabels=True,
    )
    ax.tick_params(labelsize=7)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def boundaries(table: pd.DataFrame, bounds: pd.DataFrame, descriptions: dict[str, str], top: int = 4):
    """For the ``top`` strongest measures: distributions with the line, and the sorted strip."""
    style.apply()
    rows = list(bounds.head(top).itertuples())
    fig, axes = plt.subplots(
        len(rows), 2, figsize=(11, 3.4 * len(rows)), squeeze=False, gridspec_kw={"width_ratios": [1.1, 1]}
    )
    for (left, right), row in zip(axes, rows):
        _boundary(left, right, table, row, descriptions.get(row.measure, ""))
    fig.tight_layout()
    return fig


def _boundary(left, right, table: pd.DataFrame, row, description: str = ""):
    for label in COHORT_ORDER:
        x = table.loc[table.label == label, row.measure]
        left.hist(x, bins=30, alpha=0.55, color=style.PALETTE[label], label=f"{label} (n={len(x)})", density=True)
    left.axvspan(row.boundary_lo, row.boundary_hi, color="black", alpha=0.08, label="90 % bootstrap range")
    left.axvline(
        row.boundary,
        color="black",
        lw=2,
        label=f"boundary {row.boundary:.3g}" + (" (override)" if row.source == "override" else ""),
    )
    left.set(xlabel=description or row.measure, ylabel="density", title=row.measure)
    left.legend(fontsize=8)
    d = table.sort_values(row.measure, kind="stable")
    right.scatter(range(len(d)), d[row.measure], s=6, c=d.label.map(style.PALETTE))
    right.axhline(row.boundary, color="black", lw=2)
    right.set(
        xlabel="labelled users, in increasing order",
        ylabel=row.measure,
        title=f"sorted strip: experts {row.experts_on_expert_side:.0%} / intermediates "
        f"{row.intermediates_on_expert_side:.0%} on the expert side",
    )
    right.title.set_size(10)


def score_by_cohort(scores: pd.Series, labels: pd.Series, cutoffs: dict, all_scores: pd.Series | None = None):
    """Expert-model scores of the labelled users, with the Beginner and Expert cutoffs."""
    style.apply()
    panels = 2 if all_scores is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 3.8), squeeze=False)
    ax = axes[0][0]
    bins = np.linspace(0, 100, 41)
    for label in COHORT_ORDER:
        ax.hist(
            scores[labels == label],
            bins=bins,
            alpha=0.55,
            color=style.PALETTE[label],
            label=f"CSM: {label} (n={(labels == label).sum()})",
        )
    ax.set(xlabel="expert score (0-100)", ylabel="labelled users", title="Labelled users")
    if all_scores is not None:
        axes[0][1].hist(all_scores.dropna(), bins=bins, color="#4c72b0")
        axes[0][1].set(
            xlabel="expert score (0-100)", ylabel="users", title=f"Every active user (n={all_scores.notna().sum():,})"
        )
    for a in axes[0]:
        for name, value in cutoffs.items():
            a.axvline(value, color="black", ls="--" if name == "beginner" else "-", lw=1.5)
            a.text(value, a.get_ylim()[1] * 0.95, f" {name} {value:.0f}", fontsize=8, va="top")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    fig.tight_layout()
    return fig


def cutoff_choice(labelled_scores: pd.Series, labels: pd.Series, all_scores: pd.Series, model):
    """Why the Expert line sits where it does: left, the CSMs' two cohorts and the line that agrees best
    with their labels; right, every active user's scores, the three groups the mixture sees in them and
    the lines drawn from those groups (expert.cutoffs). A fallback model draws the labels' line only."""
    from helpers.expert import cutoffs as expert_cutoffs

    style.apply()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    bins = np.linspace(0, 100, 41)
    for label in COHORT_ORDER:
        axes[0].hist(
            labelled_scores[labels == label],
            bins=bins,
            density=True,
            alpha=0.55,
            color=style.PALETTE[label],
            label=f"CSM: {label} (n={(labels == label).sum()})",
        )
    labels_cut = model.validation.get("labels_cutoff", model.cutoffs["expert"])
    axes[0].axvline(labels_cut, color="grey", ls=":", lw=2, label=f"best agreement with labels ({labels_cut:.0f})")
    axes[0].set(xlabel="expert score (0-100)", ylabel="share of cohort per point", title="What the labels say")
    scores = all_scores.dropna().to_numpy()
    axes[1].hist(scores, bins=bins, density=True, color="#c8c8c8", label=f"active users (n={len(scores):,})")
    cal = model.calibration
    if cal.get("method") == "mixture":
        grid = np.linspace(0.5, 99.5, 400)
        z = expert_cutoffs.log_odds(grid)
        jacobian = 1 / (grid / 100 * (1 - grid / 100)) / 100  # density on the score from density on log-odds
        colours = ("#8172b3", style.PALETTE["intermediate"], style.PALETTE["expert"])
        for k, (name, colour) in enumerate(zip(expert_cutoffs.GROUPS, colours)):
            dens = cal["weights"][k] * np.exp(-0.5 * ((z - cal["means"][k]) / cal["sds"][k]) ** 2)
            dens = dens / (cal["sds"][k] * np.sqrt(2 * np.pi)) * jacobian
            axes[1].plot(grid, dens, color=colour, lw=2, label=f"{name}s, estimated ({cal['weights'][k]:.0%})")
    axes[1].axvline(labels_cut, color="grey", ls=":", lw=2, label="labels' line")
    for name, value in model.cutoffs.items():
        axes[1].axvline(
            value, color="black", ls="--" if name == "beginner" else "-", lw=1.5, label=f"{name} {value:.0f}"
        )
    axes[1].set(
        xlabel="expert score (0-100)",
        ylabel="share of users per point",
        title="What behaviour says (lines in use)",
        ylim=(0, np.histogram(scores, bins=bins, density=True)[0].max() * 1.15),
    )
    for ax in axes:
        ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def count_matrix(table: pd.DataFrame, title: str, xlabel: str, ylabel: str):
    style.apply()
    fig, ax = plt.subplots(figsize=(1.2 * table.shape[1] + 2.5, 0.6 * table.shape[0] + 1.6))
    sns.heatmap(table, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    fig.tight_layout()
    return fig


def rate_bars(table: pd.DataFrame | None, x: str, title: str, xlabel: str, note: str = ""):
    """Churn rates per band with 95 % intervals and n written on each bar; an empty table draws
    nothing and ``note`` says why."""
    if table is None or table.empty:
        return style.nothing_to_draw(note, title)
    style.apply()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    pos = np.arange(len(table))
    rate = table.churn_rate.fillna(0)
    ax.bar(pos, rate, color="#4c72b0")
    ax.errorbar(
        pos,
        rate,
        yerr=[rate - table.ci_low.fillna(0), table.ci_high.fillna(0) - rate],
        fmt="none",
        ecolor="black",
        capsize=4,
    )
    for p, n, r in zip(pos, table.accounts, rate):
        ax.text(p, r / 2, f"n={n}", ha="center", color="white", fontsize=9)
    ax.set_xticks(pos, table[x].astype(str))
    ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set(title=title, xlabel=xlabel, ylabel="churned in the window")
    fig.tight_layout()
    return fig


def health_histogram(scores: pd.Series, config):
    """Health scores with each tier's band shaded in its colour."""
    style.apply()
    fig, ax = plt.subplots(figsize=(9, 3.8))
    tiers = sorted(config.tiers, key=lambda t: t.min)
    for t in tiers:
        hi = next((u.min for u in tiers if u.min > t.min), 100)
        ax.axvspan(t.min, hi, color=t.colour, alpha=0.25, lw=0)
        ax.text((t.min + hi) / 2, 1.01, t.name, transform=ax.get_xaxis_transform(), ha="center", fontsize=9)
    ax.hist(scores.dropna(), bins=np.linspace(0, 100, 41), color="#333333", alpha=0.8)
    ax.set(xlim=(0, 100), xlabel="health score (0-100)", ylabel="accounts")
    ax.set_title(f"Health scores of {scores.notna().sum():,} accounts, by tier", pad=18)
    fig.tight_layout()
    return fig
