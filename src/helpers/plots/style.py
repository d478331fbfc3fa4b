"""One plot style for every notebook and the printed report."""

from __future__ import annotations

import matplotlib as mpl
import seaborn as sns

PALETTE = {
    "expert": "#1b7837",
    "intermediate": "#762a83",
    "beginner": "#bf812d",
    "Thriving": "#1a9850",
    "Healthy": "#91cf60",
    "Neutral": "#fee08b",
    "At-risk": "#fc8d59",
    "Critical": "#d73027",
}


def apply() -> None:
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    mpl.rcParams.update(
        {
            "figure.figsize": (9, 4.5),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.labelsize": 11,
            "legend.frameon": False,
            "svg.hashsalt": "workbook",  # deterministic SVG ids
        }
    )
