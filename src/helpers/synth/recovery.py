"""How well the expert-user method recovers the planted truth (tests and the issue note use this).

``python -m helpers.synth.recovery data/sample`` trains the method on the CSM labels as
given, and again on only the correct labels, and scores each against ``truth/`` on
the users the CSMs never labelled. It also says how many of notebook 02's flagged
labels are truly wrong. Notebooks never read truth/; this is for checking.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from helpers.data import contract
from helpers.expert import cohorts, separation, tagging
from helpers.expert import model as expert_model
from helpers.measures import catalogue as measures
from helpers.measures import engine as measure_engine


def expert_recovery(folder: str | Path, as_of: str = "2026-10-31") -> dict:
    folder = Path(folder)
    ds = contract.load_dataset(folder, as_of)
    user_measures = measure_engine.compute(ds)
    cohort = cohorts.baseline(ds)
    truth = pd.read_csv(folder / "truth" / "users.csv")
    correct = pd.read_csv(folder / "truth" / "labels.csv").query("label_correct").user_id
    out = {"labelled": len(cohort), "label_accuracy": round(float(cohort.user_id.isin(correct).mean()), 4)}
    basics = measure_engine.compute(ds, only=measures.BASIC)
    table, _ = separation.labelled(basics, cohort)
    flagged = separation.contradicting_labels(table, separation.measure_names(basics))
    out["flagged_labels"] = {
        "flagged": len(flagged),
        "of_active_labelled": len(table),
        "truly_wrong_share": round(float((~flagged.user_id.isin(correct)).mean()), 4),
    }
    for name, labels in (("all_labels", cohort), ("correct_labels_only", cohort[cohort.user_id.isin(correct)])):
        table, _ = separation.labelled(user_measures, labels)
        model = expert_model.fit(table, user_measures, expert_model.Settings())
        tags = tagging.tag_users(user_measures, model).merge(truth[["user_id", "true_tier"]], on="user_id")
        unseen = tags[~tags.user_id.isin(cohort.user_id) & (tags.tag != "Inactive")]
        is_expert, tagged = unseen.true_tier == "expert", unseen.tag == "Expert"
        out[name] = {
            "unlabelled_active_users": len(unseen),
            "balanced_accuracy": round(float((tagged[is_expert].mean() + (~tagged[~is_expert]).mean()) / 2), 4),
            "beginners_tagged_beginner": round(
                float((unseen[unseen.true_tier == "beginner"].tag == "Beginner").mean()), 4
            ),
        }
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(expert_recovery(sys.argv[1]), indent=2))
