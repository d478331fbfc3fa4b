"""Figures: one style, the shared figures, churn-model charts and the report's charts."""
