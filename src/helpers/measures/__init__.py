"""The dimensional space (notebook 03): measures declared from the taxonomy, computed by one DuckDB engine."""
