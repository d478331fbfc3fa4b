"""What notebook 09 scores: the multi-table dataset at as_of, or one flat account table.

Flat mode is the seed's "usage data export": one row per account, scored with a health
configuration that names each column's component, direction and normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers import paths
from helpers.data import contract, flat_table
from helpers.errors import ConfigError, DataContractError
from helpers.health import config as health_config
from helpers.health import snapshots
from helpers.health import weights as health_weights
from helpers.settings import read_yaml

DEFAULT_CONFIG = health_config.DEFAULT_CONFIG


@dataclass
class HealthInputs:
    table: pd.DataFrame  # one row per account, sub-metrics as columns
    config: health_config.HealthConfig
    mode: str  # "dataset" or "flat"
    ds: contract.Dataset | None = None  # the dataset (None in flat mode)
    source: str = ""


def load(
    dataset: str,
    as_of: str,
    run_dir: Path,
    account_table: str = "",
    config_path: str = "",
    id_column: str = "",
) -> HealthInputs:
    """The accounts to score. Flat mode (``account_table``): the table's id column is ``id_column`` when
    given, else the health configuration's ``id_column``."""
    if account_table:
        return flat(account_table, config_path, id_column)
    ds = contract.load_dataset(dataset, as_of)
    config, source = config_for(ds, config_path)
    return HealthInputs(snapshots.today(ds, run_dir), config, "dataset", ds, source)


def config_for(
    ds: contract.Dataset, config_path: str = "", run_dir: str | Path = ""
) -> tuple[health_config.HealthConfig, str]:
    """The health configuration: a given file, else dataset.yaml's health:, else the workbook's default; a
    health: without components (``weights: learned``, say) sets those keys over the default's. Its drivers call
    a session what the dataset measures (logins, or active days without a session event). With ``run_dir``
    (the notebooks after 09), the weights notebook 09 scored with (``health.weights``)."""
    raw = ds.config.health
    if config_path:
        config, source = health_config.load(paths.dataset_dir(config_path)), config_path
    elif raw and "components" in raw:
        config = health_config.parse(raw, str(ds.root / "dataset.yaml"), at="health")
        source = "dataset.yaml: health"
    elif raw:
        config = health_config.parse(read_yaml(DEFAULT_CONFIG) | raw, str(ds.root / "dataset.yaml"), at="health")
        source = f"the workbook's default, with dataset.yaml's health: {', '.join(raw)}"
    else:
        config, source = (
            health_config.load(DEFAULT_CONFIG),
            "the workbook's default (src/helpers/health/default_health.yaml)",
        )
    if not ds.config.taxonomy.session_event:
        config = config.model_copy(update={"sessions": "active days"})
    if str(run_dir):
        config, note = health_weights.for_run(config, run_dir)
        source += f", {note}" if note else ""
    return config, source


def flat(account_table: str, config_path: str, id_column: str = "") -> HealthInputs:
    """One exported account table, checked (``flat_table.read``: the file, the id column, one row per id)
    and scored with the given configuration, whose ``id_column`` ``id_column`` overrides when given."""
    if not config_path:
        raise ConfigError(
            "account_table is set but health_config is not: flat mode needs a YAML that gives each "
            "column its component, direction and normalisation (see data/examples/)"
        )
    path = paths.dataset_dir(account_table)
    config = health_config.load(paths.dataset_dir(config_path))
    config = config.model_copy(update={"id_column": id_column}) if id_column else config
    table = flat_table.typed(flat_table.read(path, config.id_column), config.id_column)
    metrics = [m for comp in config.components.values() for m in comp.metrics]
    if not any(m in table for m in metrics):
        raise DataContractError(
            f"{path.name}: none of the health configuration's sub-metrics ({', '.join(metrics)}) is a column "
            f"(found: {', '.join(table.columns)}); expected the columns named under components in {config_path}"
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


def named(scored: pd.DataFrame, inputs: HealthInputs) -> pd.DataFrame:
    """The scored accounts with their ``name`` beside the id, so every account artifact carries both: the
    accounts table's names (a dataset), the table's own ``name`` column (flat mode), else the id itself."""
    key = inputs.config.id_column
    source = inputs.ds.tables["accounts"] if inputs.ds is not None else inputs.table
    names = source.set_index(key).name if "name" in source and key in source else pd.Series(dtype=object)
    out = scored.drop(columns="name", errors="ignore")
    out.insert(1, "name", out[key].map(names).fillna(out[key]).astype(str))
    return out
