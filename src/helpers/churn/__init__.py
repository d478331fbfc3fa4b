"""Churn (notebooks 10-11): snapshot history, the model, scores and drivers, survival, and its evaluation."""
