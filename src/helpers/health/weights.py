"""Which weights score the accounts: the configured ones, or ones learned from past outcomes and frozen.

``health.weights`` in dataset.yaml chooses (the configured weights are the default):

- ``configured``: the components and weights as written;
- ``learned``: the weights frozen in the previous run's ``health_learned.yaml`` (``--previous``), so a
  score means the same thing month after month; with no previous file, learned now from this run's
  history (``backtest.learned_weights``) and frozen in this run's;
- ``relearn``: learned now and frozen anew, whatever the previous run used;
- the path of a ``health_learned.yaml``: those weights.

Learned weights replace the components (each event type's rates included) and their weights; tiers, alerts,
signals and the playbook stay as configured. The frozen file is versioned (``SCHEMA``) and says what it was
learned from and how it was judged; notebook 09 writes it every month (the weights in use, or in configured
mode this month's suggestion), and every later notebook scores with the weights it holds (``for_run``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from helpers import artifacts, paths
from helpers.errors import ConfigError
from helpers.health import backtest
from helpers.health import config as health_config
from helpers.health.config import HealthConfig

SCHEMA = "workbook.health_learned/1"
FILE = "health_learned.yaml"
MODES = ("configured", "learned", "relearn")


@dataclass
class Weights:
    """The configuration that scores the accounts, and where its weights come from."""

    config: HealthConfig  # in use
    configured: HealthConfig  # as written in dataset.yaml (or the given file)
    learned: backtest.Learned  # this month's learning against the configured weights (notebook 09's tables)
    frozen: dict  # the versioned document in use ({}: the configured weights are)
    note: str  # which weights, and why, in words
    run: dict  # this run's as_of and dataset: what a document frozen now records

    @property
    def in_use(self) -> str:
        return "learned" if self.frozen else "configured"

    def document(self) -> str:
        """``health_learned.yaml``: the frozen weights in use, else this month's suggestion ('' when none)."""
        doc = self.frozen or frozen(self.learned, self.run)
        return yaml.safe_dump(doc, sort_keys=False, width=110) if doc else ""

    def figures(self) -> dict:
        """For health_backtest.json: which weights are in use and, when learned, when and how they were judged."""
        used = {"in_use": self.in_use}
        if self.frozen:
            about = self.frozen["learned"]
            used |= {"learned_as_of": about.get("as_of"), "judged": about["judged"]}
        return {"weights": used} | self.learned.figures()


def choose(inputs, history: pd.DataFrame | None, previous_run: str = "") -> Weights:
    """The weights the configuration's ``weights`` asks for (see the module) for notebook 09's ``inputs``
    (``health.inputs.HealthInputs``), from the backtest's ``history`` (None in flat mode) and last month's run
    folder. When nothing can be learned, the configured weights stand and the note says why."""
    config = inputs.config
    about = (
        {"as_of": str(inputs.ds.as_of.date()), "dataset": inputs.ds.config.name}
        if inputs.ds is not None
        else {"dataset": Path(inputs.source).name}
    )
    learned = backtest.learned_weights(history, config)
    mode = config.weights
    reuse = _reused(mode, previous_run)
    if reuse is not None:
        doc = load(reuse)
        return Weights(applied(config, doc), config, learned, doc, _reuse_note(doc, reuse, config, history), about)
    if mode == "configured":
        return Weights(config, config, learned, {}, "The configured weights score the accounts.", about)
    doc = frozen(learned, about)
    if not doc:
        why = backtest.learning_gap(history) or "nothing could be learned"
        note = f"health.weights is '{mode}', but no weights could be learned: {why}"
        return Weights(config, config, learned, {}, note, about)
    said = {"relearn": "relearn", "learned": "learned, and no previous run froze any"}.get(mode, mode)
    note = (
        f"Weights learned now from this run's history score the accounts (health.weights: {said}), "
        f"frozen in artifacts/{FILE} for next month's run to reuse. {learned.verdict()}"
    )
    return Weights(applied(config, doc), config, learned, doc, note, about)


def _reused(mode: str, previous_run: str) -> Path | None:
    """The frozen file to reuse: a path, or (``learned``) the previous run's when it holds weights."""
    if mode in ("relearn", "configured"):
        return None
    if mode == "learned":
        where = artifacts.previous_path(previous_run, FILE)
        return where if where is not None and where.read_text().strip() else None
    where = paths.dataset_dir(mode)
    if not where.exists():
        raise ConfigError(
            f"health.weights: {where} not found; expected one of {', '.join(MODES)} or the path of a {FILE} "
            "an earlier run wrote (its artifacts folder)"
        )
    return where


def frozen(learned: backtest.Learned, about: dict) -> dict:
    """The versioned document of a learning: what it was learned from and judged on, then the configuration
    to paste under ``health:`` ({} when nothing was learned)."""
    if learned.config is None:
        return {}
    body = learned.config.model_copy(update={"weights": "configured"}).model_dump(mode="json", exclude_defaults=True)
    judged = learned.figures()["learned_weights"]
    return {
        "schema": SCHEMA,
        "learned": about | {"judged": judged},
        "health": body,
    }


def load(path: str | Path) -> dict:
    """A frozen document, checked: its schema, and a health configuration that parses."""
    path = Path(path)
    doc = yaml.safe_load(path.read_text()) or {}
    if doc.get("schema") != SCHEMA:
        raise ConfigError(f"{path}: schema {doc.get('schema')!r}; expected {SCHEMA!r} (a {FILE} a run wrote)")
    health_config.parse(doc["health"], str(path), at="health")
    return doc


def applied(config: HealthConfig, doc: dict) -> HealthConfig:
    """``config`` with the frozen document's components and weights (its tiers, alerts and playbook kept)."""
    learned = health_config.parse(doc["health"])
    return config.model_copy(update={"components": learned.components, "preset": None, "segments": {}})


def _reuse_note(doc: dict, where: Path, config: HealthConfig, history: pd.DataFrame | None) -> str:
    note = f"Weights learned on {_learned_on(doc)} score the accounts, frozen in {where}."
    if history is not None and len(history):
        absent = [m for c in applied(config, doc).components.values() for m in c.metrics if m not in history]
        if absent:
            note += (
                f" {len(absent)} of their sub-metrics are not in this month's data ({', '.join(absent[:5])}): "
                "their weight goes to the others, and confidence drops."
            )
    return note


def for_run(config: HealthConfig, run_dir: str | Path) -> tuple[HealthConfig, str]:
    """The configuration notebook 09 scored with, for the notebooks after it: with ``health.weights`` other than
    ``configured``, the weights frozen in the run's ``health_learned.yaml``; the note says which."""
    if config.weights == "configured":
        return config, ""
    where = artifacts.existing(run_dir, FILE)
    if not where.read_text().strip():
        return config, "no weights could be learned (notebook 09 says why): the configured weights"
    doc = load(where)
    return applied(config, doc), f"weights learned on {_learned_on(doc)}"


def _learned_on(doc: dict) -> str:
    return doc["learned"].get("as_of", "an earlier run")
