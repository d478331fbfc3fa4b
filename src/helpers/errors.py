"""The workbook's own errors: one line that names the file, the column, the rows and what was expected."""


class DataContractError(ValueError):
    """The input breaks the data contract; raised before any work is done."""


class ConfigError(ValueError):
    """dataset.yaml (or a config it points to) is malformed."""


def rows_message(file: str, column: str, rows, values, expected: str, count: int | None = None) -> str:
    """'file: column 'x': N bad row(s) (line 5 '...', ...); expected ...'. rows are 0-based positions;
    CSV lines count the header as line 1, Parquet rows start at 1."""
    rows, values = list(rows), list(values)
    count = len(rows) if count is None else count  # every bad row, though only three are shown
    rows, values = rows[:3], values[:3]
    csv = file.endswith(".csv")
    examples = ", ".join(f"{'line' if csv else 'row'} {r + (2 if csv else 1)} {v!r}" for r, v in zip(rows, values))
    more = f" and {count - len(rows)} more" if count > len(rows) else ""
    return f"{file}: column '{column}': {count:,} bad row(s) ({examples}{more}); expected {expected}"
