"""A fitted scikit-learn model on disk: skops (no pickle) plus a JSON card of what it is.

skops stores the estimator as a zip of JSON and arrays that loads without executing
arbitrary code. Its zip entries carry the write time and its arrays and memo keys are
Python object ids, so both are rewritten (a fixed time; ids numbered in the order the
schema names them): the same model gives the same bytes, and the card's id is their hash.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

SCHEMA = "workbook.churn_model/1"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")
TRUSTED_OWN = ("helpers.churn.model.ScoreCalibrated", "helpers.churn.model._Scores")  # the calibrated model


def save(model, card: dict, card_path: Path) -> dict:
    """Write the card (NAME.json) and the model beside it (NAME.skops); returns the card with its id."""
    import skops.io as sio  # here, not on import: a second of the churn notebook's start

    card_path = Path(card_path)
    model_path = card_path.with_suffix(".skops")
    data = _deterministic(sio.dumps(model))
    card = {"schema": SCHEMA, "id": hashlib.sha256(data).hexdigest()[:12], "model_file": model_path.name, **card}
    model_path.write_bytes(data)
    card_path.write_text(json.dumps(card, indent=2, sort_keys=True, default=str) + "\n")
    return card


def load(card_path: str | Path):
    """The model and its card; refuses another schema, a changed file, or types outside scikit-learn, numpy and
    the churn model's own."""
    card_path = Path(card_path)
    card = json.loads(card_path.read_text())
    if card.get("schema") != SCHEMA:
        raise ValueError(f"{card_path.name}: schema {card.get('schema')!r}; expected {SCHEMA!r}")
    data = (card_path.parent / card["model_file"]).read_bytes()
    if hashlib.sha256(data).hexdigest()[:12] != card["id"]:
        raise ValueError(
            f"{card['model_file']}: contents do not match the card's id {card['id']}; expected the file written with it"
        )
    import skops.io as sio

    untrusted = sio.get_untrusted_types(data=data)
    foreign = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES) and t not in TRUSTED_OWN]
    if foreign:
        raise ValueError(f"{card['model_file']}: types outside scikit-learn and numpy: {', '.join(foreign)}")
    return sio.loads(data, trusted=untrusted), card


def _deterministic(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        schema = src.read("schema.json").decode()
        names = dict.fromkeys(re.findall(r'"(\d+\.npy)"', schema))
        renamed = {old: f"array_{i:05d}.npy" for i, old in enumerate(names)}
        schema = re.sub(r'"(\d+\.npy)"', lambda m: f'"{renamed[m.group(1)]}"', schema)
        ids = {old: i for i, old in enumerate(dict.fromkeys(re.findall(r'"__id__": (\d+)', schema)))}
        schema = re.sub(r'"__id__": (\d+)', lambda m: f'"__id__": {ids[m.group(1)]}', schema)
        for name in sorted(src.namelist(), key=lambda n: renamed.get(n, n)):
            info = zipfile.ZipInfo(renamed.get(name, name), date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, schema.encode() if name == "schema.json" else src.read(name))
    return out.getvalue()
