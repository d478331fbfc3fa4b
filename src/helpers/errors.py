"""The workbook's own errors: one line that names the file, the column, the rows and what was expected."""


class DataContractError(ValueError):
    """The input breaks the data contract; raised before any work is done."""


class ConfigError(ValueError):
    """dataset.yaml (or a config it points to) is malformed."""
