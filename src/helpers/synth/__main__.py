"""python -m helpers.synth --scale tiny|sample|large --seed N --out DIR [--product NAME] [difficulty knobs]"""

import argparse
import time

from .difficulty import Difficulty
from .generate import DEFAULT_END, SCALES, generate
from .products import PRODUCTS


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m helpers.synth", description=__doc__)
    ap.add_argument("--scale", choices=sorted(SCALES), default="sample")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True, help="dataset folder to write (replaced if it exists)")
    ap.add_argument("--product", choices=sorted(PRODUCTS), default="beacon")
    ap.add_argument("--end", default=DEFAULT_END, help="last day of data (YYYY-MM-DD)")
    default = Difficulty()
    ap.add_argument("--label-noise", type=float, default=default.label_noise, help="share of wrong CSM labels")
    ap.add_argument("--role-bias", type=float, default=default.role_bias, help="lean of labels to visible roles")
    ap.add_argument("--expert-share", type=float, default=None, help="share of true experts")
    ap.add_argument("--signal-events", type=int, default=None, help="event types that tell skill")
    args = ap.parse_args(argv)
    difficulty = Difficulty(args.label_noise, args.role_bias, args.expert_share, args.signal_events)
    t0 = time.perf_counter()
    out = generate(args.out, args.scale, args.seed, args.product, args.end, difficulty=difficulty)
    print(f"wrote {out} in {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
