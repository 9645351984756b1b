"""nbgrader settings for grading the course from the command line.

`solutions/` holds the instructor's notebooks (nbgrader's source), `chapters/`
the student versions that `nbgrader generate_assignment` makes from them.
"""

c = get_config()  # noqa: F821  (provided by nbgrader)

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "chapters"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# The gradebook: SQLite by default (copied to gradebook.db.bak before each grading run).
# Several graders sharing one gradebook use PostgreSQL instead, for example
#   c.CourseDirectory.db_url = "postgresql+psycopg://grader@db.example.org/backprop"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# nbgrader links every assignment to a course; PostgreSQL enforces that link.
c.CourseDirectory.course_id = "backprop-course"

# Student versions keep the tags (skip-execution) and lose outputs.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback keeps at most this much of a test's output (the checks print one line).
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Student code never runs in nbgrader's kernel: `python -m course autograde` runs each
# submission in a bubblewrap sandbox and judges its tests outside it (course/judge.py);
# this preprocessor writes that judgement into the test cells, where nbgrader scores it.
# Plain `nbgrader autograde` therefore refuses to grade (see pages/for_instructors.md).
c.Autograde.autograde_preprocessors = [
    "course.nbgrader_hooks.TrustedVerdicts",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Late submissions: nbgrader's late-penalty plugin, here a share of the score per day
# late (see course/late.py and pages/for_instructors.md). Without a due date
# (`python -m course due`) or a timestamp, nothing is taken.
c.AssignLatePenalties.plugin_class = "course.late.PenaltyPerDay"
c.PenaltyPerDay.fraction_per_day = 0.1
c.PenaltyPerDay.grace_minutes = 15
c.PenaltyPerDay.max_fraction = 1.0

# The CSV export adds the course's columns: status (graded / failed / stale), flags, graded_at.
c.ExportApp.plugin_class = "course.nbgrader_hooks.CsvExport"
