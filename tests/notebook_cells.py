"""Run a chapter's solution notebook in-process, cell by cell, for fast checks.

The set-up cell holds one IPython magic (``%pip``, in a branch that runs only
where the package is missing); cells are turned into plain Python first.
"""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from course.judge import python_source  # noqa: E402  (IPython syntax to plain Python)

ROOT = Path(__file__).resolve().parents[1]


def solution_path(chapter):
    return ROOT / "solutions" / chapter / f"{chapter}.ipynb"


def load_cells(path):
    """The notebook's cells as dicts, sources joined into strings."""
    nb = json.loads(Path(path).read_text())
    cells = []
    for cell in nb["cells"]:
        source = cell["source"]
        cells.append({**cell, "source": "".join(source) if isinstance(source, list) else source})
    return cells


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def run_until(cells, stop_id, replace=None):
    """Execute code cells in order up to and including the cell ``stop_id``.

    ``replace`` maps grade_ids to new sources (a student's answer).  The error
    raised by the ``stop_id`` cell, if any, is returned; errors elsewhere propagate.
    """
    import matplotlib.pyplot as plt

    namespace = {"__name__": "__main__"}
    replace = replace or {}
    try:
        for cell in cells:
            if cell["cell_type"] != "code":
                continue
            gid = grade_id(cell)
            source = python_source(replace.get(gid, cell["source"]))
            if gid == stop_id:
                try:
                    exec(compile(source, f"<cell {gid}>", "exec"), namespace)
                except Exception as exc:  # the outcome under test
                    return exc
                return None
            exec(compile(source, f"<cell {gid or 'code'}>", "exec"), namespace)
    finally:
        plt.close("all")
    raise LookupError(f"no cell with grade_id {stop_id!r}")
