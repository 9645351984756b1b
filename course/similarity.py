"""Which answers look alike: a similarity report over a class, with the ``copydetect`` library.

For one chapter, each student's own code (answer cells and cells they added;
never the locked, demo or test cells of the release) is written to a file and
fingerprinted by copydetect (winnowing over tokens, so renamed variables do
not hide a copy).  Every file is compared with every other student's and with
the reference package's source (``mlp/``); the code the release already holds
(signatures, docstrings, stubs) is boilerplate and never counts.

``similarity_report`` writes ``similarity/<chapter>.html`` (copydetect's
report: the most similar pairs, code side by side, overlaps highlighted) and
``similarity/<chapter>.csv`` (for each student, the highest similarity and
with whom), which the CSV export adds as a ``similarity`` column.
A high score is a reason to look, never a verdict.
"""

import csv
import json
import tempfile
from pathlib import Path

from .judge import is_answer, is_test, python_source, source_of

REFERENCE = "reference mlp"


def student_code(notebook, release):
    """The student's own code in ``notebook`` (dicts), as one Python source."""
    released = {source_of(c) for c in release.get("cells", []) if c.get("cell_type") == "code"}
    parts = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code" or is_test(cell):
            continue
        text = source_of(cell)
        if is_answer(cell) or text not in released:
            parts.append(python_source(text))
    return "\n\n".join(p for p in parts if p.strip()) + "\n"


def similarity_report(root, chapter, out_dir=None, display=0.3):
    """Compare the submissions of ``chapter`` under ``root/submitted``; returns (html path, csv path, rows).

    ``rows`` are ``{"student", "similarity", "with"}``: the highest share of the
    student's code found in another file (0 to 1), and that file's owner
    (a student, or ``reference mlp``).
    """
    from copydetect import CopyDetector

    import mlp

    root = Path(root)
    out_dir = Path(out_dir or root / "similarity")
    out_dir.mkdir(parents=True, exist_ok=True)
    release = json.loads((root / "chapters" / chapter / f"{chapter}.ipynb").read_text())
    with tempfile.TemporaryDirectory(prefix="course-similarity-") as tmp:
        tmp = Path(tmp)
        students = []
        for path in sorted((root / "submitted").glob(f"*/{chapter}/{chapter}.ipynb")):
            student = path.parent.parent.name
            try:
                nb = json.loads(path.read_text())
            except (ValueError, UnicodeDecodeError):
                continue  # an unreadable notebook has no code to compare
            (tmp / "class" / student).mkdir(parents=True)
            (tmp / "class" / student / f"{student}.py").write_text(student_code(nb, release))
            students.append(student)
        boiler = tmp / "boilerplate"
        boiler.mkdir()
        (boiler / "release.py").write_text("\n\n".join(
            python_source(source_of(c)) for c in release["cells"] if c.get("cell_type") == "code"))
        html, table = out_dir / f"{chapter}.html", out_dir / f"{chapter}.csv"
        rows = []
        if len(students) >= 1:
            detector = CopyDetector(test_dirs=[str(tmp / "class")],
                                    ref_dirs=[str(tmp / "class"), str(Path(mlp.__file__).parent)],
                                    boilerplate_dirs=[str(boiler)], extensions=["py"], display_t=display,
                                    ignore_leaf=True, autoopen=False, silent=True, out_file=str(html))
            detector.run()
            rows = _best_matches(detector, tmp / "class")
            if len(detector.similarity_matrix):
                detector.generate_html_report()
    with open(table, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["student", "similarity", "with"])
        writer.writeheader()
        writer.writerows(rows)
    return html, table, rows


def _best_matches(detector, class_dir):
    """For each test file: its highest similarity to another file, and whose file that is."""
    def owner(path):
        path = Path(path)
        return path.parent.name if path.parent.parent == class_dir else REFERENCE

    matrix = detector.similarity_matrix
    rows = []
    for i, test in enumerate(detector.test_files):
        best, who = 0.0, ""
        for j, ref in enumerate(detector.ref_files):
            if len(matrix) == 0 or owner(ref) == owner(test):
                continue
            score = float(matrix[i, j, 0])
            if score > best:
                best, who = score, owner(ref)
        rows.append({"student": owner(test), "similarity": f"{best:.2f}", "with": who})
    return rows


def read_similarity(root):
    """{(student, chapter): "0.83 with grace"} from every ``similarity/<chapter>.csv`` under ``root``."""
    out = {}
    for table in sorted(Path(root, "similarity").glob("*.csv")):
        with open(table, newline="") as fh:
            for row in csv.DictReader(fh):
                text = row["similarity"] + (f" with {row['with']}" if row.get("with") else "")
                out[(row["student"], table.stem)] = text
    return out
