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
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Student versions keep the tags (skip-execution) and lose outputs.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Exercises run in well under a second; a cell that takes a minute is a loop that never ends.
c.ExecutePreprocessor.timeout = 60
c.Execute.timeout = 60

# nbclient skips cells tagged `skip-execution`, the tag that keeps the book from
# running exercise and test cells. The grader must run every cell, so it skips
# only a tag no cell carries.
c.Execute.skip_cells_with_tag = "nbgrader-never-skip"

# A submission that prints megabytes keeps only this much in its feedback.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
