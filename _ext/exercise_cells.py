"""Exercise and test cells look different from demonstrations on the book's pages.

myst-nb keeps each code cell's metadata on its container node; this extension
reads nbgrader's part of it and adds a class, ``exercise-answer`` for an
answer cell (``solution: true``) and ``exercise-test`` for a test cell
(``grade: true``).  ``_static/course.css`` styles them and prints a label
above each.
"""

from docutils import nodes


def mark_exercise_cells(app, doctree):
    for node in doctree.findall(nodes.container):
        if node.get("nb_element") != "cell_code":
            continue
        grading = (node.get("cell_metadata") or {}).get("nbgrader") or {}
        if grading.get("solution"):
            node["classes"].append("exercise-answer")
        elif grading.get("grade"):
            node["classes"].append("exercise-test")


def setup(app):
    app.connect("doctree-read", mark_exercise_cells)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
