"""The monthly report (notebook 13 and the run folder): executive summary, month-over-month changes, HTML pages."""
