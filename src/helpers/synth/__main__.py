"""python -m helpers.synth --scale tiny|sample|large --seed N --out DIR [--product beacon|quill]"""

import argparse
import time

from .generate import DEFAULT_END, SCALES, generate
from .products import PRODUCTS


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m helpers.synth", description=__doc__)
    ap.add_argument("--scale", choices=sorted(SCALES), default="sample")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True, help="dataset folder to write (replaced if it exists)")
    ap.add_argument("--product", choices=sorted(PRODUCTS), default="beacon")
    ap.add_argument("--end", default=DEFAULT_END, help="last day of data (YYYY-MM-DD)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = generate(args.out, args.scale, args.seed, args.product, args.end)
    print(f"wrote {out} in {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
