"""Figures shared by the notebooks: titled, labelled with units, readable when printed."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from . import style


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


def histogram(values: pd.Series, title: str, xlabel: str, bins: int = 30):
    style.apply()
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.hist(values, bins=bins, color="#4c72b0", edgecolor="white")
    ax.axvline(values.median(), color="black", ls="--", lw=1, label=f"median {values.median():g}")
    ax.set(title=title, xlabel=xlabel, ylabel="count")
    ax.legend()
    fig.tight_layout()
    return fig
