"""The expert-user method (notebooks 01-08, seed 000): cohorts, separation, boundaries, model, tagging, rollup."""
