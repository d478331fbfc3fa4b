"""One plot style for every notebook and the printed report."""

from __future__ import annotations

import matplotlib as mpl
import seaborn as sns

from helpers.health.config import Tier

# Expertise cohorts and tags. Health tier colours are configuration (tier_colours), never a palette here.
PALETTE = {
    "expert": "#1b7837",
    "intermediate": "#762a83",
    "beginner": "#bf812d",
}
UNKNOWN = "#999999"  # a category the configuration does not colour


def tier_colours(tiers: list[Tier]) -> dict[str, str]:
    """Each configured health tier's colour, by tier name: every chart coloured by health tier uses these."""
    return {t.name: t.colour for t in tiers}


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


def nothing_to_draw(note: str, title: str) -> None:
    """What a figure helper does when it has nothing to draw: say why (``note``), draw no empty axes."""
    print(note or f"{title}: nothing to draw")
    return None
