"""The hidden checks: the instructor's test cases, one module per chapter.

A test cell's hidden part (between ``### BEGIN HIDDEN TESTS`` and ``### END
HIDDEN TESTS``, which nbgrader strips from the student version) calls the
chapter's module here, e.g. ``hidden.sigmoid_grad(sigmoid_grad)``.  The cases
reuse the public diagnoses of ``checks.<chapter>`` on random shapes and seeds,
edge cases and float64 finite differences.  In a graded run they execute in
the grader's trusted process, with the student's functions as proxies into
the sandbox (``course.judge``); nothing here ships to students.
"""
