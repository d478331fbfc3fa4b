"""The shape matrix: the whole series on each export shape of tests/test_shapes.py, as a table.

    python benchmarks/shape_matrix.py [OUT_DIR]

Prints shapes x notebooks (ok, or skip[n] with the reasons listed below the table) and each
shape's wall time (generation, reshaping and the run).
"""

import json
import shutil
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from helpers.run import run
from helpers.synth import generate
from helpers.synth.shapes import reshape
from test_shapes import AS_OF, END, MATRIX


def main(base: Path) -> None:
    warnings.simplefilter("ignore")
    shutil.rmtree(base, ignore_errors=True)
    rows, reasons = [], {}
    for name, (options, shapes) in MATRIX.items():
        t0 = time.perf_counter()
        folder = generate(base / name, "tiny", seed=11, end=END, progress=False, **options)
        reshape(folder, shapes, AS_OF)
        record = json.loads((run(str(folder), AS_OF, base / f"run-{name}", progress=False) / "run.json").read_text())
        cells = [
            "ok" if nb["status"] == "ok" else f"skip[{reasons.setdefault(nb['reason'], len(reasons) + 1)}]"
            for nb in record["notebooks"]
        ]
        rows.append((name, cells, time.perf_counter() - t0, shapes))
    columns = [nb["notebook"][:2] for nb in record["notebooks"]]
    print("| shape | " + " | ".join(columns) + " | seconds |")
    print("|---" * (len(columns) + 2) + "|")
    for name, cells, seconds, _ in rows:
        print(f"| {name} | " + " | ".join(cells) + f" | {seconds:.0f} |")
    print()
    for reason, k in reasons.items():
        print(f"[{k}] {reason}")
    for name, _, _, shapes in rows:
        print(f"{name}: {', '.join(shapes)}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "reports/shape-matrix"))
