"""The instructor's side of the course: release, collect, autograde, feedback, export.

Every step calls nbgrader's own Python API (``nbgrader.apps.NbGraderAPI``);
this package adds what a class of real submissions needs around it: checks
that run before grading (bad JSON, deleted or duplicated cells, code that
patches the checks or kills the kernel), a progress bar over students, and a
summary that says what was graded and why anything was not.

Run ``python -m course --help``.
"""

import warnings

# nbgrader's gradebook API, run on SQLAlchemy 2, warns once per submission it creates that an
# object "not in session" was not cascaded; the rows are written all the same (the pipeline tests
# read every grade back). Left alone, the warning fills an instructor's terminal, from the
# coordinator and from every worker process alike, which all import this package.
warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session")
