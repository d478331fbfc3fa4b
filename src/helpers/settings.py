"""Strict configuration: one base for every YAML section, one explainer for every mistake.

``dataset.yaml`` and the health configuration are pydantic models on ``Strict``: an unknown
key is an error (a typo must not silently fall back to a default), and the message names the
full key and, at any depth, the closest valid key there.
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from helpers.errors import ConfigError


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def read_yaml(path: str | Path) -> dict:
    """A YAML file's mapping; a syntax error names the file, the line and the column."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; expected UTF-8 YAML") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where} ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values, got {type(raw).__name__}")
    return raw


M = typing.TypeVar("M", bound=BaseModel)


def validate(model: type[M], raw: dict, source: str, at: str = "") -> M:
    """``model`` from ``raw``, or a ConfigError naming ``source``, the key and what was expected.

    ``at`` is where ``raw`` sits in its file (``health`` for dataset.yaml's health section)."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        # a typo also leaves its intended key missing: name the typo, which explains both
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        raise ConfigError(f"{source}: {explain(model, first, at)}") from None


def explain(model: type[BaseModel], err: dict, at: str = "") -> str:
    loc = [str(p) for p in err["loc"]]
    key = ".".join([at, *loc] if at else loc)
    if err["type"] == "extra_forbidden":
        valid = valid_keys(model, loc[:-1])
        close = difflib.get_close_matches(loc[-1], valid, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"unknown key '{key}'; {hint}valid keys here: {', '.join(valid)}"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{key}: {msg}" if key else msg


def valid_keys(model: type[BaseModel], parent: list[str]) -> list[str]:
    """The keys a mapping at ``parent`` may hold (walking models, dicts of models and lists of models)."""
    node: object = model
    for part in parent:
        node = _inner(node, part)
        if node is None:
            return []
    return list(node.model_fields) if _is_model(node) else []


def _inner(node, part: str):
    if _is_model(node):
        field = node.model_fields.get(part)
        return _unwrap(field.annotation) if field else None
    origin = typing.get_origin(node)
    if origin in (dict, list, tuple):  # a mapping's key or a list's index: step into the values
        return _unwrap(typing.get_args(node)[-1])
    return None


def _unwrap(ann):
    """The model (or container) inside Optional[...] / X | None."""
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        return args[0] if len(args) == 1 else ann
    return ann


def _is_model(node) -> bool:
    return isinstance(node, type) and issubclass(node, BaseModel)
