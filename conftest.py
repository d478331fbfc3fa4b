# pytest (and nbval's kernels, which inherit this environment) run the notebooks'
# default "sample" dataset as its tiny build, so the whole suite stays fast.
import os

os.environ.setdefault("WORKBOOK_SAMPLE_SCALE", "tiny")
