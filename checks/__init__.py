"""The visible checks of the course's exercises, one module per chapter.

A chapter's test cell imports its module and calls the check named like the
exercise::

    from checks import ch1_chain_rule as check
    check.sigmoid_grad(sigmoid_grad)

A check calls the student's function on a small fixed case, compares the
result with the reference package ``mlp`` and, when they differ, says which
common mistake explains the difference (``checks.core``).  These checks are
the student's quick feedback.  Grades come from the instructor's run, which
executes the student's code in a sandbox and judges it outside (see the book's
page *For instructors*); nothing here is trusted by it.

``checks.wire`` and ``checks.runner`` are the sandbox's side of that run.  They
hold no test case: the grader sends the inputs and keeps the expected answers.
"""

CHAPTERS = (
    "ch1_chain_rule",
    "ch2_dag_backprop",
    "ch3_vjps",
    "ch4_layers",
    "ch5_training",
    "ch6_branch_merge",
    "ch7_input_optimisation",
    "ch8_capstone",
)
