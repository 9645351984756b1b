"""The instructor's side of the course: release, collect, autograde, feedback, export.

Every step calls nbgrader's own Python API (``nbgrader.apps.NbGraderAPI``);
this package adds what a class of real submissions needs around it: checks
that run before grading (bad JSON, deleted or duplicated cells, code that
patches the checks or kills the kernel), a progress bar over students, and a
summary that says what was graded and why anything was not.

Run ``python -m course --help``.
"""
