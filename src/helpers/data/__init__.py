"""The data contract (notebook 00): dataset.yaml, the tables, the event log, the as-of cut, coverage, subscriptions."""
