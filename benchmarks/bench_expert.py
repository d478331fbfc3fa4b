"""How well the expert tags recover the planted tiers as the problem gets harder (issue 15).

    python benchmarks/bench_expert.py [OUT_DIR] [--scale tiny|sample] [--seeds 1 2 3] [--quick]

For each setting of the generator's difficulty knobs (``helpers.synth.difficulty``: label noise,
the labels' lean to visible roles, the share of experts, how many event types tell skill) on
each product, and three seeds each, generates a dataset, trains the method as notebooks 04-07
do, and prints against the truth, on active users the CSMs never labelled: the tags' balanced
accuracy (Expert vs not), the oracle's (the same method fitted in the same run on the same
users' true tiers), the gap, Beginner recall, the share tagged Expert against the true share,
and what notebook 06/07 claims (cross-validated balanced accuracy against the CSMs' labels, and
the one the score mixture expects against the true groups). ``--quick``: one seed, noise only.
"""

import argparse
import time
import warnings
from pathlib import Path

import pandas as pd

from helpers.expert import model as expert_model
from helpers.synth import Difficulty, generate
from helpers.synth.recovery import expert_recovery

PRODUCTS = ("beacon", "quill", "palette")
NOISE = (0.05, 0.15, 0.25)
# Beyond label noise (on every product): one knob at a time, at 15 % noise, on the hardest product.
EXTRA = {
    "palette": [
        Difficulty(label_noise=0.15, role_bias=0.0),
        Difficulty(label_noise=0.15, role_bias=2.0),
        Difficulty(label_noise=0.15, expert_share=0.10),
        Difficulty(label_noise=0.15, expert_share=0.35),
        Difficulty(label_noise=0.15, signal_events=4),
    ]
}
QUICK = expert_model.Settings(n_boot_effect=0, n_boot_boundary=0)  # bootstraps widen intervals only


def settings_grid(quick: bool) -> list[tuple[str, Difficulty]]:
    grid = [(p, Difficulty(label_noise=n)) for p in PRODUCTS for n in NOISE]
    return grid if quick else grid + [(p, d) for p, ds in EXTRA.items() for d in ds]


def one(folder: Path, product: str, difficulty: Difficulty, seed: int, scale: str) -> dict:
    generate(folder, scale, seed=seed, product=product, difficulty=difficulty, progress=False)
    r = expert_recovery(folder, settings=QUICK)
    csm, oracle = r["csm_labels"], r["true_labels"]
    return {
        "product": product,
        "setting": difficulty.describe() or "default",
        "seed": seed,
        "noise": round(1 - r["label_accuracy"], 3),
        "tags_ba": csm["balanced_accuracy"],
        "oracle_ba": oracle["balanced_accuracy"],
        "gap": round(oracle["balanced_accuracy"] - csm["balanced_accuracy"], 4),
        "old_cut_ba": csm["labels_cutoff_balanced_accuracy"],
        "beginner_recall": csm["beginner_recall"],
        "true_expert_share": csm["true_expert_share"],
        "tagged_expert_share": csm["tagged_expert_share"],
        "estimated_expert_share": csm["estimated_expert_share"],
        "cv_ba_vs_labels": csm["cv_balanced_accuracy"],
        "expected_ba": csm["expected_balanced_accuracy"],
        "method": csm["cutoff_method"],
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", default="reports/bench-expert")
    ap.add_argument("--scale", default="sample", choices=("tiny", "sample"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    base = Path(args.out)
    seeds = args.seeds[:1] if args.quick else args.seeds
    rows = []
    for product, difficulty in settings_grid(args.quick):
        for seed in seeds:
            t0 = time.perf_counter()
            rows.append(one(base / "data", product, difficulty, seed, args.scale))
            print(f"{product} {difficulty.describe()} seed {seed}: {rows[-1]} ({time.perf_counter() - t0:.0f}s)")
    runs = pd.DataFrame(rows)
    base.mkdir(parents=True, exist_ok=True)
    runs.to_csv(base / "runs.csv", index=False)
    table = runs.groupby(["product", "setting"], sort=False).agg(
        noise=("noise", "mean"),
        tags_ba=("tags_ba", "mean"),
        oracle_ba=("oracle_ba", "mean"),
        worst_gap=("gap", "max"),
        old_cut_ba=("old_cut_ba", "mean"),
        beginner_recall=("beginner_recall", "mean"),
        true_share=("true_expert_share", "mean"),
        tagged_share=("tagged_expert_share", "mean"),
        cv_ba_vs_labels=("cv_ba_vs_labels", "mean"),
        expected_ba=("expected_ba", "mean"),
        fallbacks=("method", lambda m: int((m != "mixture").sum())),
    )
    table.round(3).to_csv(base / "summary.csv")
    print(f"\nMeans over seeds {seeds} ({args.scale} scale); worst_gap = the largest oracle - tags gap of a seed")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string())


if __name__ == "__main__":
    main()
