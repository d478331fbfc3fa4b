"""Six months of events, a few thousand accounts: the churn model against the simple reference.

    python benchmarks/short_history.py [OUT_DIR] [--accounts N]

Generates two six-month exports of a monthly-billed product (renewals back to back, no
billing_period): one with every table, and the bare one of issue 13 (one user per account,
no login event, the four required tables, an empty seats column). Runs the whole series on
each and prints notebook 11's figures beside the reference's AUC on the same held-out rows.
"""

import argparse
import json
import warnings
from pathlib import Path

from helpers.run import run
from helpers.synth import generate
from helpers.synth.shapes import BARE_EXPORT, reshape

END = "2026-10-31"
SHAPES = {
    "all tables": ["back_to_back_monthly", "no_billing_period"],
    "bare export": list(BARE_EXPORT),
}
SHOWN = ("auc_roc", "pr_auc", "lift_top_decile", "calibration_error", "reference_auc_roc", "auc_over_reference")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", default="reports/short-history")
    ap.add_argument("--accounts", type=int, default=3000)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    base = Path(args.out)
    for name, shapes in SHAPES.items():
        slug = name.replace(" ", "-")
        folder = generate(
            base / slug, "sample", seed=3, months=6, accounts=args.accounts, monthly_only=True, progress=False
        )
        reshape(folder, shapes, END)
        out = run(str(folder), END, base / f"run-{slug}", progress=False)
        v = json.loads((out / "artifacts" / "validation.json").read_text())
        card = json.loads((out / "artifacts" / "churn_model.json").read_text())
        print(f"{name} ({args.accounts:,} accounts): " + ", ".join(f"{k} {v.get(k)}" for k in SHOWN))
        print(f"  model {v['model']}; training {card['training']}")


if __name__ == "__main__":
    main()
