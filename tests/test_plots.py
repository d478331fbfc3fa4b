"""Figure helpers draw a hand-made table, and on an empty one draw nothing and say why."""

import numpy as np
import pandas as pd
import pytest

from helpers.plots import figures
from helpers.plots import models as model_plots

RATES = pd.DataFrame(
    {
        "tier": ["Healthy", "At risk"],
        "accounts": [40, 10],
        "churned": [2, 4],
        "churn_rate": [0.05, 0.4],
        "ci_low": [0.01, 0.17],
        "ci_high": [0.17, 0.69],
    }
)
CURVES = pd.DataFrame(
    {
        "tier": ["Healthy", "Healthy", "At risk", "At risk"],
        "days": [0.0, 90.0, 0.0, 60.0],
        "retained": [1.0, 0.9, 1.0, 0.5],
        "ci_low": [1.0, 0.8, 1.0, 0.3],
        "ci_high": [1.0, 0.95, 1.0, 0.7],
        "at_risk": [10, 9, 4, 2],
        "n": [10, 10, 4, 4],
    }
)


def test_histogram_draws_values_and_says_why_when_there_are_none(capsys):
    fig = figures.histogram(pd.Series([1.0, np.nan, 2.0, 4.0]), "Seats", "seats", note="no seat counts")
    assert fig is not None and fig.axes[0].get_title() == "Seats"
    assert capsys.readouterr().out == ""
    assert figures.histogram(None, "Seats", "seats", note="no seat counts") is None
    assert capsys.readouterr().out == "no seat counts\n"
    assert figures.histogram(pd.Series([np.nan]), "Seats", "seats") is None  # blanks only: nothing to draw
    assert capsys.readouterr().out == "Seats: nothing to draw\n"


@pytest.mark.parametrize("empty", [None, RATES.iloc[:0]], ids=["none", "no rows"])
def test_rate_bars_draw_rates_and_say_why_when_there_are_none(empty, capsys):
    fig = figures.rate_bars(RATES, "tier", "Churn by tier", "tier")
    assert len(fig.axes[0].patches) == 2 and capsys.readouterr().out == ""
    assert figures.rate_bars(empty, "tier", "Churn by tier", "tier", note="flat mode: no history") is None
    assert capsys.readouterr().out == "flat mode: no history\n"


def test_retention_curves_draw_groups_and_say_why_when_there_are_none(capsys):
    fig = model_plots.retention_curves(CURVES, "tier", "Still paying")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["Healthy (n = 10)", "At risk (n = 4)"]
    assert model_plots.retention_curves(CURVES.iloc[:0], "tier", "Still paying", note="flat mode") is None
    assert capsys.readouterr().out == "flat mode\n"


def test_the_cohort_points_fall_in_the_same_places_on_every_draw():
    """A figure is part of the report: the points' jitter is seeded, not taken from numpy's global RNG."""
    table = pd.DataFrame({"label": ["expert"] * 30 + ["intermediate"] * 20, "logins": np.arange(50.0)})
    drawn = []
    for state in (1, 2):
        np.random.seed(state)  # whatever the global RNG holds, the scatter is the same
        fig = figures.cohort_distributions(table, ["logins"])
        points = fig.axes[0].collections[-2:]
        drawn.append(np.vstack([p.get_offsets() for p in points]))
    assert drawn[0].shape == (50, 2) and np.array_equal(drawn[0], drawn[1])
    assert np.ptp(drawn[0][:30, 0]) > 0.1 and abs(drawn[0][30:, 0].mean() - 1) < 0.1  # jittered, around each cohort
