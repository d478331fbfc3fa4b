"""A labelled flat account export (one row per account) with a planted churn signal.

``usage_export(n, seed)`` gives the columns of ``data/examples/usage_export.csv`` (the seed's
four-account example) for ``n`` accounts, keyed by ``customer`` and labelled ``churned_flag``
(yes/no): churn is likelier with fewer logins, more open tickets, a lower NPS and a longer
time since the last login. ``data/examples/usage_export_labelled.csv`` is ``usage_export()``.

``python -m helpers.synth.flat --out FILE [--n N] [--seed S]`` writes one.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

ID_COLUMN, LABEL_COLUMN = "customer", "churned_flag"


def usage_export(n: int = 400, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    logins = rng.poisson(rng.gamma(2.0, 10.0, n))
    features = np.clip(rng.poisson(2 + logins / 8), 0, 12)
    tickets = rng.poisson(1.5, n)
    nps = rng.integers(-5, 10, n)
    since = np.clip(rng.exponential(4 + 60 / (1 + logins)), 0, 90).round().astype(int)
    risk = -0.5 - 0.08 * logins + 0.45 * tickets - 0.15 * nps + 0.03 * since
    churned = rng.random(n) < 1 / (1 + np.exp(-risk))
    return pd.DataFrame(
        {
            ID_COLUMN: [f"C{i:04d}" for i in range(1, n + 1)],
            "mrr": rng.integers(5, 200, n) * 100,
            "logins_30d": logins,
            "features_used": features,
            "open_tickets": tickets,
            "nps_score": nps,
            "days_since_last_login": since,
            "plan": rng.choice(["Starter", "Team", "Business"], n),
            LABEL_COLUMN: np.where(churned, "yes", "no"),
        }
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m helpers.synth.flat", description=__doc__)
    ap.add_argument("--out", required=True, help="CSV file to write")
    ap.add_argument("--n", type=int, default=400, help="accounts")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    usage_export(args.n, args.seed).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
