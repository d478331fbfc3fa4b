"""Notebook 10's candidate models on a finished run's churn problem: ranking and time, with and without
class weights for gradient boosting (the rule in ``helpers.churn.model.candidates``).

    python benchmarks/bench_churn_candidates.py RUN_DIR [RUN_DIR ...]

RUN_DIR is a finished run (``python -m helpers.run``, e.g. reports/sample-2026-10-31); its dataset and
as_of come from its run.json, and the problem is notebook 10's with its default parameters. Each
candidate's out-of-fold AUC and PR-AUC (the comparison's folds), its test AUC and the time of its
out-of-fold pass are printed, plus gradient boosting with ``class_weight="balanced"``.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

from sklearn.base import clone
from sklearn.metrics import average_precision_score, roc_auc_score

from helpers.churn import inputs as churn_inputs
from helpers.churn import model as churn_model
from helpers.churn import reference as churn_reference


def main(run_dirs: list[str]) -> None:
    warnings.simplefilter("ignore")
    print("| run | model | out-of-fold AUC | out-of-fold PR-AUC | test AUC | out-of-fold pass s |")
    print("|---|---|---|---|---|---|")
    for run_dir in map(Path, run_dirs):
        parameters = json.loads((run_dir / "run.json").read_text())["parameters"]
        problem = churn_inputs.load(parameters["dataset"], parameters["as_of"], run_dir)
        X, y = problem.X("train"), problem.y("train")
        kept, _ = churn_model.prune_correlated(X, y)
        splits = churn_model.folds(y, problem.groups(), seed=42)
        X_test, y_test = churn_inputs.held_out(problem, list(X.columns))
        inputs = churn_model.inputs_for(churn_reference.inputs(problem, X), kept)
        models = churn_model.candidates(seed=42)
        gradient = models["gradient boosting"]
        models["gradient boosting, class-weighted"] = clone(gradient).set_params(class_weight="balanced")
        for name, model in models.items():
            columns = inputs.get(name, kept)
            t0 = time.perf_counter()
            p, _ = churn_model.out_of_fold(model, X[columns], y, splits)
            seconds = time.perf_counter() - t0
            fitted = model.fit(X[columns], y)
            test = roc_auc_score(y_test, fitted.predict_proba(X_test[columns])[:, 1]) if len(X_test) else None
            print(
                f"| {run_dir.name} | {name} | {roc_auc_score(y, p):.4f} | {average_precision_score(y, p):.4f} | "
                f"{'' if test is None else f'{test:.4f}'} | {seconds:.1f} |"
            )


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
