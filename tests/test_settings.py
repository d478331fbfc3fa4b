"""One strict configuration base: a typo at any depth names the closest valid key; bad YAML names its line."""

import pytest

from helpers.data.config import DatasetConfig, load_config
from helpers.errors import ConfigError
from helpers.health import config as health_config
from helpers.settings import validate

METRIC = {"direction": "higher", "normalise": {"method": "percentile"}}


def _message(model, raw, at=""):
    with pytest.raises(ConfigError) as info:
        validate(model, raw, "dataset.yaml", at)
    return str(info.value)


@pytest.mark.parametrize(
    ("raw", "key", "closest"),
    [
        ({"taxonomi": {}}, "taxonomi", "taxonomy"),
        ({"churn": {"grace_dayz": 3}}, "churn.grace_dayz", "grace_days"),
        ({"tables": {"events": {"colums": {}}}}, "tables.events.colums", "columns"),
        (
            {"measures": [{"name": "m", "kind": "rate", "events": ["e"], "descripton": ""}]},
            "measures.0.descripton",
            "description",
        ),
    ],
)
def test_a_typo_in_dataset_yaml_names_the_closest_key(raw, key, closest):
    msg = _message(DatasetConfig, raw)
    assert f"unknown key '{key}'; did you mean '{closest}'?" in msg and msg.startswith("dataset.yaml: ")


@pytest.mark.parametrize(
    ("raw", "key", "closest"),
    [
        (
            {"components": {"usage": {"wieght": 100, "metrics": {"m": METRIC}}}},
            "health.components.usage.wieght",
            "weight",
        ),
        (
            {"components": {"usage": {"weight": 100, "metrics": {"m": {**METRIC, "directon": "higher"}}}}},
            "health.components.usage.metrics.m.directon",
            "direction",
        ),
        ({"tier": []}, "health.tier", "tiers"),
        ({"tiers": [{"name": "Red", "mni": 0}]}, "health.tiers.0.mni", "min"),
    ],
)
def test_a_typo_under_health_names_the_closest_key(raw, key, closest):
    msg = _message(health_config.HealthConfig, raw, at="health")
    assert f"unknown key '{key}'; did you mean '{closest}'?" in msg


def test_a_value_error_names_its_key():
    msg = _message(DatasetConfig, {"churn": {"grace_days": -1}})
    assert msg.startswith("dataset.yaml: churn.grace_days: ") and "greater than or equal to 0" in msg
    bad_sum = {"components": {"usage": {"weight": 60, "metrics": {"m": METRIC}}}}
    assert "component weights sum to 60 %" in _message(health_config.HealthConfig, bad_sum, at="health")


def test_a_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "dataset.yaml"
    path.write_text("name: x\nchurn:\n  grace_days: [30\n")
    with pytest.raises(ConfigError, match=r"dataset\.yaml: not valid YAML at line \d+, column \d+"):
        load_config(path)
