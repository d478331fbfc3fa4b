"""How hard the expert-user problem is: the generator's knobs for the CSMs' labels and the skill signal.

The defaults are the bundled datasets' own settings, so ``Difficulty()`` changes nothing. The
recovery benchmark (``benchmarks/bench_expert.py``) turns them one at a time:

- ``label_noise``: the share of CSM labels that are wrong (an expert called intermediate or
  the reverse), independent of behaviour given the true tier;
- ``role_bias``: how strongly the CSMs' choice of whom to label leans to visible roles
  (executives, admins, managers): an exponent on each role's visibility, 0 = every role alike;
- ``expert_share``: the share of users who are truly experts (None: the roles' own odds,
  about 21 %); the other tiers keep their relative odds within each role;
- ``signal_events``: how many event types carry the skill signal (None: every one the product
  defines); the rest of the product's events are made blind to skill.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Difficulty:
    label_noise: float = 0.10
    role_bias: float = 1.0
    expert_share: float | None = None
    signal_events: int | None = None

    def __post_init__(self):
        if not 0 <= self.label_noise < 0.5:
            raise ValueError(f"label_noise {self.label_noise}: expected a share in [0, 0.5)")
        if self.role_bias < 0:
            raise ValueError(f"role_bias {self.role_bias}: expected 0 or more")
        if self.expert_share is not None and not 0 < self.expert_share < 0.6:
            raise ValueError(f"expert_share {self.expert_share}: expected a share in (0, 0.6)")
        if self.signal_events is not None and self.signal_events < 1:
            raise ValueError(f"signal_events {self.signal_events}: expected at least 1")

    def describe(self) -> str:
        """The settings that differ from the bundled datasets', in words ('' when none do)."""
        default = Difficulty()
        parts = []
        if self.label_noise != default.label_noise:
            parts.append(f"{self.label_noise:.0%} wrong labels")
        if self.role_bias != default.role_bias:
            parts.append(f"role bias {self.role_bias:g}")
        if self.expert_share is not None:
            parts.append(f"{self.expert_share:.0%} experts")
        if self.signal_events is not None:
            parts.append(f"skill signal in {self.signal_events} event types")
        return ", ".join(parts)
