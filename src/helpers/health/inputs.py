"""What notebook 09 scores: the multi-table dataset at as_of, or one flat account table.

Flat mode is the seed's "usage data export": one row per account, scored with a health
configuration that names each column's component, direction and normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers import paths
from helpers.data import contract
from helpers.errors import ConfigError, DataContractError
from helpers.expert import tagging
from helpers.health import config as health_config
from helpers.health import features as account_features

DEFAULT_CONFIG = health_config.DEFAULT_CONFIG


@dataclass
class HealthInputs:
    table: pd.DataFrame  # one row per account, sub-metrics as columns
    config: health_config.HealthConfig
    mode: str  # "dataset" or "flat"
    ds: contract.Dataset | None = None  # the dataset (None in flat mode)
    source: str = ""


def load(dataset: str, as_of: str, run_dir: Path, account_table: str = "", config_path: str = "") -> HealthInputs:
    if account_table:
        return _flat(account_table, config_path)
    ds = contract.load_dataset(dataset, as_of)
    config, source = config_for(ds, config_path)
    return HealthInputs(account_features.snapshot(ds, tagging.for_run(ds, run_dir)), config, "dataset", ds, source)


def config_for(ds: contract.Dataset, config_path: str = "") -> tuple[health_config.HealthConfig, str]:
    """The health configuration: a given file, else dataset.yaml's health:, else the workbook's default;
    its drivers call a session what the dataset measures (logins, or active days without a session event)."""
    if config_path:
        config, source = health_config.load(paths.dataset_dir(config_path)), config_path
    elif ds.config.health:
        config = health_config.parse(ds.config.health, str(ds.root / "dataset.yaml"), at="health")
        source = "dataset.yaml: health"
    else:
        config, source = (
            health_config.load(DEFAULT_CONFIG),
            "the workbook's default (src/helpers/health/default_health.yaml)",
        )
    return (
        config if ds.config.taxonomy.session_event else config.model_copy(update={"sessions": "active days"})
    ), source


def _flat(account_table: str, config_path: str) -> HealthInputs:
    if not config_path:
        raise ConfigError(
            "account_table is set but health_config is not: flat mode needs a YAML that gives each "
            "column its component, direction and normalisation (see data/examples/)"
        )
    path = paths.dataset_dir(account_table)
    if not path.exists():
        raise DataContractError(f"{path}: account table not found")
    config = health_config.load(paths.dataset_dir(config_path))
    table = pd.read_csv(path)
    if config.id_column not in table:
        raise DataContractError(
            f"{path.name}: missing id column '{config.id_column}' (found: {', '.join(table.columns)}); "
            "expected the column named by id_column in the health configuration"
        )
    dupes = table[config.id_column][table[config.id_column].duplicated()]
    if len(dupes):
        raise DataContractError(
            f"{path.name}: column '{config.id_column}': {len(dupes)} duplicated id(s) "
            f"({', '.join(map(str, dupes.head(3)))}); expected one row per account"
        )
    return HealthInputs(table, config, "flat", None, config_path)


def coverage(inputs: HealthInputs) -> pd.DataFrame:
    """Per configured sub-metric: its component, weight, and the share of accounts with a value."""
    rows = []
    for cname, comp in inputs.config.components.items():
        for mname, metric in comp.metrics.items():
            have = inputs.table[mname].notna().mean() if mname in inputs.table else 0.0
            rows.append(
                {
                    "component": cname,
                    "sub_metric": mname,
                    "direction": metric.direction,
                    "normalisation": metric.normalise.method,
                    "accounts_with_data": round(float(have), 3),
                }
            )
    return pd.DataFrame(rows)
