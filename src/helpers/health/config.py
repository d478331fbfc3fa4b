"""The health-score configuration: every weight, direction and normalisation, none in Python.

A configuration names components (usage, engagement, growth, support, financial,
relationships...), each with a weight; component weights sum to 100. Each component
holds sub-metrics: a direction, a relative weight (optionally a multiplier, seed
003's 1.25 / 0.85 style) and a normalisation to 0-100. Business-model presets set the
component weights in one word; segments may override them. Every mistake is a
``ConfigError`` that names the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from helpers.errors import ConfigError
from helpers.settings import Strict, read_yaml, validate

# Seed 001's weights by business model: usage, engagement, growth, support, financial.
PRESETS = {
    "self-serve": {"usage": 45, "engagement": 15, "growth": 20, "support": 15, "financial": 5},
    "enterprise": {"usage": 30, "engagement": 30, "growth": 15, "support": 15, "financial": 10},
    "usage-based": {"usage": 50, "engagement": 15, "growth": 20, "support": 10, "financial": 5},
    "high-touch": {"usage": 20, "engagement": 40, "growth": 15, "support": 20, "financial": 5},
}


class Normalise(Strict):
    method: Literal["linear", "bands", "percentile"] = "linear"
    zero: float = 0.0  # linear: the value worth 0 points
    target: float | None = None  # linear: the value worth 100 points
    cap: float = 100.0
    floor: float = 0.0
    bands: list[tuple[float, float]] = Field(default_factory=list)  # [threshold, score], best first
    otherwise: float = 0.0  # bands: score below every threshold


class Metric(Strict):
    direction: Literal["higher", "lower"]
    weight: float = Field(1.0, gt=0)
    multiplier: float = Field(1.0, gt=0)  # seed 003: 1.25 for what matters more, 0.85 for less
    normalise: Normalise = Normalise()
    phrase: str = "{name} {value:g}"  # how a driver reads, e.g. "{value:g} open tickets"


class Component(Strict):
    weight: float = Field(ge=0)
    metrics: dict[str, Metric]


class Tier(Strict):
    name: str
    min: float
    colour: str
    priority: str
    risk: int = 0  # 0 lowest; playbook rules of higher risk override the tier's action
    owner: str = "CSM"
    sla: str = "weekly review"

    @property
    def status(self) -> str:
        """The executive summary's traffic light: risk 0 green, 1 yellow, 2 and up red (act this month)."""
        return "green" if self.risk <= 0 else "yellow" if self.risk == 1 else "red"


DEFAULT_CONFIG = Path(__file__).with_name("default_health.yaml")


def _default_tiers() -> list[Tier]:
    """Seed 001's tiers, read from the default YAML: tier names live in configuration only."""
    raw = read_yaml(DEFAULT_CONFIG)
    return [Tier(**t) for t in raw["tiers"]]


DEFAULT_TIERS = _default_tiers()


class Condition(Strict):
    metric: str
    at_most: float | None = None
    at_least: float | None = None


class Rule(Strict):
    """Seed 001's signal combinations: when every named signal is on, this action applies."""

    when: list[str] = Field(min_length=1)
    risk: int
    action: str
    owner: str
    sla: str


class Trend(Strict):
    metric: str  # a fractional change, e.g. usage this 30 days vs the 30 before
    factor: float = 0.2  # seed 001: adjusted = score x (1 + change x 0.2)
    limit: float = Field(0.5, gt=0)  # the change is clipped to +-limit: a tiny account doubling
    # its usage must not add 20 % to its score


class Alerts(Strict):
    """Seed 001's alert configuration: (warning, critical) thresholds."""

    score_drop: tuple[float, float] = (15, 25)  # points lost since the previous run
    usage_drop: tuple[float, float] = (0.25, 0.50)  # fall in active events, month over month
    no_login_days: tuple[int, int] = (14, 30)
    seat_utilisation_below: float = 0.5
    renewal_within_days: int = 90
    renewal_health_below: float = 60


class Onboarding(Strict):
    """Seed 001: new customers get an onboarding score instead of being punished for short history."""

    tenure_metric: str = "tenure_days"
    below_days: int = 90
    components: list[str] = Field(default_factory=lambda: ["usage", "engagement"])


class HealthConfig(Strict):
    id_column: str = "account_id"
    # What a session is called in drivers ("{sessions}" in a phrase): the dataset's login event, or
    # "active days" when it has none (set from dataset.yaml by health.inputs.config_for).
    sessions: str = "logins"
    segment_column: str | None = None
    preset: Literal["self-serve", "enterprise", "usage-based", "high-touch"] | None = None
    components: dict[str, Component]
    segments: dict[str, dict[str, float]] = Field(default_factory=dict)  # segment -> component weights
    tiers: list[Tier] = Field(default_factory=lambda: list(DEFAULT_TIERS))
    trend: Trend | None = None
    alerts: Alerts = Alerts()
    onboarding: Onboarding | None = None
    signals: dict[str, list[Condition]] = Field(default_factory=dict)  # a signal is on when any condition holds
    playbook: list[Rule] = Field(default_factory=list)  # first matching rule of highest risk wins
    low_confidence_below: float = 0.7  # share of the configured weight with data
    # A score that crosses a tier boundary by less than this many points changes the account's tier only
    # when last month's score was already on the new side (health.stability); 0: tiers as scored.
    tier_margin: float = Field(3.0, ge=0)
    # Which weights score the accounts (health.weights): "configured" (these), "learned" (the previous run's
    # frozen health_learned.yaml, else learned now and frozen), "relearn", or a health_learned.yaml's path
    weights: str = "configured"

    @model_validator(mode="after")
    def _check(self):
        weights = self.component_weights()
        _check_sum(weights, "components.*.weight" if self.preset is None else f"preset '{self.preset}'")
        for segment, override in self.segments.items():
            unknown = set(override) - set(self.components)
            if unknown:
                raise ValueError(f"segments.{segment}: unknown component(s) {', '.join(sorted(unknown))}")
            _check_sum({**weights, **override}, f"segments.{segment}")
        for cname, comp in self.components.items():
            for mname, metric in comp.metrics.items():
                _check_normalise(metric, f"components.{cname}.metrics.{mname}.normalise")
        if self.onboarding:
            unknown = [c for c in self.onboarding.components if c not in self.components]
            if unknown:
                raise ValueError(f"onboarding.components: unknown component(s) {', '.join(unknown)}")
        for i, rule in enumerate(self.playbook):
            unknown = [w for w in rule.when if w not in self.signals]
            if unknown:
                raise ValueError(
                    f"playbook.{i}.when: unknown signal(s) {', '.join(unknown)}; "
                    f"defined signals: {', '.join(self.signals) or 'none'}"
                )
        if sorted(t.min for t in self.tiers)[0] != 0:
            raise ValueError("tiers: the lowest tier must start at min 0")
        return self

    def phrases(self) -> dict[str, str]:
        """Each sub-metric's driver phrase, with what a session is called filled in ("{sessions}")."""
        return {
            name: metric.phrase.replace("{sessions}", self.sessions)
            for comp in self.components.values()
            for name, metric in comp.metrics.items()
        }

    def component_weights(self, segment: str | None = None) -> dict[str, float]:
        base = {name: c.weight for name, c in self.components.items()}
        if self.preset:
            base = {name: PRESETS[self.preset].get(name, 0.0) for name in self.components}
        return {**base, **self.segments.get(segment, {})} if segment else base


def _check_sum(weights: dict[str, float], key: str) -> None:
    total = sum(weights.values())
    if abs(total - 100) > 1e-6:
        raise ValueError(
            f"{key}: component weights sum to {total:g} %; expected 100 % "
            f"({', '.join(f'{k} {v:g}' for k, v in weights.items())})"
        )


def _check_normalise(metric: Metric, key: str) -> None:
    n = metric.normalise
    if n.method == "linear":
        if n.target is None:
            raise ValueError(f"{key}.target: missing; a linear normalisation needs the value worth 100 points")
        if n.target == n.zero:
            raise ValueError(
                f"{key}.target: {n.target:g} equals the zero point ({n.zero:g}), so every value "
                "would divide by zero; set a target different from zero"
            )
        if (n.target > n.zero) != (metric.direction == "higher"):
            raise ValueError(
                f"{key}: direction '{metric.direction}' but target {n.target:g} is "
                f"{'below' if n.target < n.zero else 'above'} the zero point {n.zero:g}"
            )
    if n.method == "bands" and not n.bands:
        raise ValueError(f"{key}.bands: missing; expected [[threshold, score], ...]")
    if not 0 <= n.floor < n.cap <= 100:
        raise ValueError(f"{key}: floor {n.floor:g} and cap {n.cap:g} must satisfy 0 <= floor < cap <= 100")


def load(path: str | Path) -> HealthConfig:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: health configuration not found")
    return parse(read_yaml(path), str(path))


def parse(raw: dict, source: str = "health config", at: str = "") -> HealthConfig:
    return validate(HealthConfig, raw, source, at)
