"""Deterministic synthetic B2B SaaS datasets with planted ground truth.

``python -m helpers.synth --scale tiny|sample|large --seed N --out DIR [--product beacon|quill|palette|ledger]``
(``--label-noise``, ``--role-bias``, ``--expert-share``, ``--signal-events``: ``synth.difficulty``)

The same (scale, seed, product, end date) always gives byte-identical files.
Ground truth (true tiers, churn dates, latent health, label mistakes) goes to
``DIR/truth/``, which no notebook reads; tests use it to check the method.
"""

from __future__ import annotations

from .difficulty import Difficulty
from .generate import SCALES, Scale, generate

__all__ = ["SCALES", "Difficulty", "Scale", "generate"]
