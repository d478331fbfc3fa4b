"""Retention (notebook 12): revenue and logo retention, cohorts, MRR movements, first-30-day behaviour."""
