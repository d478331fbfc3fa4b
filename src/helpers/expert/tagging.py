"""Tag every user with the expert model (step 7), and follow tags from run to run.

Users with no activity in the window are tagged ``Inactive`` and get no score:
their behaviour says nothing either way, and calling them Beginners would mix up
"not skilled" with "not here".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import artifacts
from helpers.data.contract import Dataset
from helpers.expert import cohorts, cutoffs
from helpers.expert import model as expert_model
from helpers.expert.model import ExpertModel

TAGS = ("Expert", "Intermediate", "Beginner", "Inactive")
# user_tags.csv (tag_users)
COLUMNS = ["user_id", "account_id", "score", "tag", "expert_probability", "active_days"]


def tag_users(user_measures: pd.DataFrame, model: ExpertModel) -> pd.DataFrame:
    """user_id, account_id, score (0-100), tag, expert_probability (0-1, ``expert.cutoffs``), active_days;
    score and probability are empty when the user is inactive."""
    active = user_measures.active_days > 0
    scores = expert_model.score(user_measures, model.measures).where(active)
    tags = expert_model.tags_from_scores(scores.fillna(-1), model.cutoffs).where(active, "Inactive")
    probability = cutoffs.expert_probability(scores.to_numpy(), model.calibration)
    return pd.DataFrame(
        {
            "user_id": user_measures.user_id,
            "account_id": user_measures.account_id,
            "score": scores.round(2),
            "tag": tags,
            "expert_probability": np.round(probability, 3),
            "active_days": user_measures.active_days,
        }
    )


def for_run(ds: Dataset, run_dir) -> pd.DataFrame:
    """The run's user tags (notebook 07's user_tags.csv); no rows, the same columns, when the expert
    steps stepped aside (``tags_note`` says why)."""
    if cohorts.unusable_reason(ds):
        return pd.DataFrame(columns=COLUMNS)
    return artifacts.read(run_dir, "user_tags.csv")


def tags_note(ds: Dataset, tags: pd.DataFrame) -> str:
    """How many users the run tagged, or why it tagged none."""
    reason = cohorts.unusable_reason(ds)
    return f"no expert tags: {reason}" if reason else f"{len(tags):,} tagged users"


def tag_counts(tags: pd.DataFrame) -> pd.DataFrame:
    out = tags.tag.value_counts().reindex(list(TAGS), fill_value=0).rename("users").to_frame()
    out["share"] = (out.users / out.users.sum()).round(3)
    return out.rename_axis("tag").reset_index()


def labelled_agreement(tags: pd.DataFrame, cohort: pd.DataFrame) -> pd.DataFrame:
    """The CSMs' label against the model's tag, for the labelled users (in-sample: see the CV for honesty)."""
    both = cohort[["user_id", "label"]].merge(tags[["user_id", "tag"]], on="user_id")
    return pd.crosstab(both.label, both.tag).reindex(columns=list(TAGS), fill_value=0)


def cutoff_table(scores: np.ndarray, labels: pd.Series, cutoffs: dict) -> pd.DataFrame:
    """How the labelled cohorts fall either side of each cutoff."""
    rows = []
    for label in ("expert", "intermediate"):
        s = scores[(labels == label).to_numpy()]
        rows.append(
            {
                "cohort": label,
                "n": len(s),
                "median_score": round(float(np.median(s)), 1),
                "at_or_above_expert_cutoff": round(float((s >= cutoffs["expert"]).mean()), 3),
                "below_beginner_cutoff": round(float((s < cutoffs["beginner"]).mean()), 3),
            }
        )
    return pd.DataFrame(rows)
