"""How well the expert-user method recovers the planted truth (tests and the benchmark use this).

``python -m helpers.synth.recovery data/sample`` trains the method as notebooks 04-07 do (the
cutoffs on cross-validated scores), once on the CSM labels as given and once, as an oracle, on
the same users' true tiers, and scores each against ``truth/`` on the active users the CSMs
never labelled. Beside it: what notebook 06/07 claims (the cross-validated balanced accuracy
against the labels, and the balanced accuracy the score mixture expects against the true groups) and what the labels' true
mistakes were. It also says how many of notebook 02's flagged labels are truly wrong.
Notebooks never read truth/; this is for checking.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data import contract
from helpers.expert import cohorts, separation, tagging
from helpers.expert import model as expert_model
from helpers.measures import catalogue as measures
from helpers.measures import engine as measure_engine


def expert_recovery(
    folder: str | Path, as_of: str = "2026-10-31", settings: expert_model.Settings | None = None
) -> dict:
    folder = Path(folder)
    settings = settings or expert_model.Settings()
    ds = contract.load_dataset(folder, as_of)
    user_measures = measure_engine.compute(ds)
    cohort = cohorts.baseline(ds)
    truth = pd.read_csv(folder / "truth" / "users.csv")
    tier = truth.set_index("user_id").true_tier
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
    table, _ = separation.labelled(user_measures, cohort)
    truly_expert = table.user_id.map(tier).eq("expert").to_numpy()
    said_expert = (table.label == "expert").to_numpy()
    out["true_label_noise"] = {
        "expert_labels_wrong": round(float(1 - truly_expert[said_expert].mean()), 4),
        "intermediate_labels_wrong": round(float(truly_expert[~said_expert].mean()), 4),
    }
    oracle = cohort.assign(label=np.where(cohort.user_id.map(tier).eq("expert"), "expert", "intermediate"))
    for name, labels in (("csm_labels", cohort), ("true_labels", oracle)):
        out[name] = _trained_against_truth(user_measures, labels, cohort, tier, settings)
    return out


def _trained_against_truth(user_measures, labels, cohort, tier: pd.Series, settings) -> dict:
    """Train on ``labels`` as notebooks 04-07 do; judge the tags of unlabelled active users by the truth."""
    table, _ = separation.labelled(user_measures, labels)
    oof = expert_model.out_of_fold(table, user_measures, settings, logistic=False)
    model = expert_model.validate(
        expert_model.fit(table, user_measures, settings), table, user_measures, settings, oof=oof
    )
    tags = tagging.tag_users(user_measures, model)
    unseen = tags[~tags.user_id.isin(cohort.user_id) & (tags.tag != "Inactive")]
    true_tier = unseen.user_id.map(tier)
    is_expert, tagged = (true_tier == "expert").to_numpy(), (unseen.tag == "Expert").to_numpy()
    cv_truth = table.user_id.map(tier).eq("expert").to_numpy()
    v = model.validation
    return {
        "unlabelled_active_users": len(unseen),
        "balanced_accuracy": _balanced(is_expert, tagged),
        "labels_cutoff_balanced_accuracy": _balanced(is_expert, unseen.score.to_numpy() >= v["labels_cutoff"]),
        "beginner_recall": round(float((unseen.tag[(true_tier == "beginner").to_numpy()] == "Beginner").mean()), 4),
        "beginner_precision": round(float((true_tier[(unseen.tag == "Beginner").to_numpy()] == "beginner").mean()), 4),
        "true_expert_share": round(float(is_expert.mean()), 4),
        "tagged_expert_share": round(float(tagged.mean()), 4),
        "estimated_expert_share": v["estimated_expert_share"],
        "mean_expert_probability": round(float(unseen.expert_probability.mean()), 4),
        "brier": round(float(((unseen.expert_probability - is_expert) ** 2).mean()), 4),
        "cv_balanced_accuracy": v["balanced_accuracy"],
        "cv_balanced_accuracy_against_truth": _balanced(cv_truth, oof.tagged_expert.to_numpy(bool)),
        "expected_balanced_accuracy": v["expected_balanced_accuracy"],
        "estimated_label_noise": v["estimated_label_noise"],
        "cutoff_method": model.calibration["method"],
    }


def _balanced(y: np.ndarray, pred: np.ndarray) -> float:
    return round(float((pred[y].mean() + (~pred[~y]).mean()) / 2), 4)


if __name__ == "__main__":
    import json

    print(json.dumps(expert_recovery(sys.argv[1]), indent=2))
