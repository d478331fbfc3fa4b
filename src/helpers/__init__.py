"""Customer Health Workbook: the method's logic, one subpackage per stage of the series.

Read the README's notebook table, then find any notebook's code here (seeds are the
source documents in ../shared/seeds/):

==========  =============  ==================  ===============================================
subpackage  notebooks      seed                modules
==========  =============  ==================  ===============================================
data        00             all                 config (dataset.yaml), tables, events, timecut,
                                               contract, coverage, subscriptions, flat_table
measures    03 (02)        000 step 3, 002     catalogue (declared measures), engine (DuckDB)
expert      01-08          000 steps 1-8       cohorts 01, separation 02/04, boundaries 05,
                                               model 06, tagging 07, rollup 08
health      09             001, 003, 004       config, features, score, snapshots (accounts at
                                               a past date, for 09, 10, 13), backtest,
                                               alerts, playbook, inputs
churn       10-11          001                 history, inputs, model, scoring, explain, store,
                                               survival, evaluation (11)
retention   12             001                 revenue (GRR, NRR, cohorts, MRR movements),
                                               activation (first 30 days)
report      13, run        001, 002            executive, inputs, changes (month over month,
                                               also for 07 and 09), pages (the run's HTML),
                                               show (a section that steps aside, 09-11)
plots       all            -                   style, figures, models, report
synth       tests, sample  -                   the generator (flat: a labelled account export);
                                               planted and recovery are test oracles, never
                                               imported by a monthly run
==========  =============  ==================  ===============================================

Top level: ``run`` (``python -m helpers.run``), ``paths``, ``artifacts`` (every artifact's name and
the notebook that writes it), ``settings`` (strict configuration), ``stats`` (the small-sample rule,
Wilson intervals), ``errors``.
"""

import os
import sys

# Numeric libraries on one thread: their worker threads spin while they wait, so on a busy 2-core
# machine gradient boosting and k-means (OpenMP) and L-BFGS (BLAS) ran 5-6x slower, and at the
# workbook's sizes one thread is as fast on a quiet one (benchmarks/bench_month.py --busy). Set
# here, before numpy or scikit-learn load (a notebook's first import is a helpers module), unless
# the user has chosen otherwise.
for _threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

# jsonschema, which nbformat and papermill load, imports rfc3987_syntax when it is installed (jupyterlab
# brings it), to check the "iri" format no notebook schema uses; that module compiles some 35 grammars
# as it loads: a second of every run's start (python-jsonschema/jsonschema#1428). Marked missing here,
# before the runner imports nbformat, jsonschema leaves that one check out, as it does where the
# package is not installed.
sys.modules.setdefault("rfc3987_syntax", None)
