"""Account health (notebook 09): configuration, account features at a date, the score, backtest, alerts, playbook."""
