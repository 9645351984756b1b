"""Where the course plugs into nbgrader: test outputs from the trusted judge, and the CSV export.

``TrustedVerdicts`` takes the place of nbgrader's ``Execute`` in autograding
(``nbgrader_config.py``): instead of running the student's notebook in a
kernel with the grader's rights, it writes into each test cell the outcome
that ``course.judge`` decided outside the student's process.  nbgrader then
scores the cells as usual (a test cell with an error output scores 0) and
writes the gradebook.  Run without a judgement, as plain ``nbgrader
autograde`` would, it refuses: student code is never executed here.

``CsvExport`` is nbgrader's CSV export with the course's columns added:
``status`` (graded, failed, stale), ``flags``, ``graded_at`` and
``similarity`` (from ``python -m course similarity``, when it was run).
"""

import csv

import nbformat
from nbconvert.preprocessors import Preprocessor
from nbgrader.plugins import CsvExportPlugin
from traitlets import Bool

from .judge import is_test, nbgrader_meta
from .records import Records


class TrustedVerdicts(Preprocessor):
    """Fill test cells' outputs from the judgement of ``(student, chapter)``."""

    enabled = Bool(True)
    pending = {}  # (student, chapter) -> Judgement, set by the pipeline just before autograding

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        key = (info.get("student"), info.get("assignment"))
        judgement = self.pending.get(key)
        if judgement is None:
            raise RuntimeError(
                "this course grades with `python -m course autograde`, which runs each submission "
                "in a sandbox; plain `nbgrader autograde` would run student code with your rights")
        verdicts = {v.grade_id: v for v in judgement.verdicts}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            cell.outputs, cell.execution_count = [], None
            if not is_test(cell):
                continue
            verdict = verdicts.get(nbgrader_meta(cell).get("grade_id"))
            if verdict is None:
                verdict_output = nbformat.v4.new_output(
                    "error", ename="GradingError", evalue="this test was not run", traceback=[])
                cell.outputs.append(verdict_output)
                continue
            if verdict.output:
                cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=verdict.output))
            if not verdict.passed:
                cell.outputs.append(nbformat.v4.new_output(
                    "error", ename=verdict.ename or "GradingError", evalue=verdict.evalue,
                    traceback=[f"{verdict.ename or 'GradingError'}: {verdict.evalue}"]))
        if judgement.notes:
            note = "\n".join(f"- {n}" for n in judgement.notes)
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"**Notes from the grader**\n\n{note}"))
        return nb, resources


class CsvExport(CsvExportPlugin):
    """nbgrader's CSV, plus the course's status, flags, graded_at and similarity columns."""

    def export(self, gradebook):
        from .similarity import read_similarity

        super().export(gradebook)
        similar = read_similarity(".")
        dest = self.to or "grades.csv"
        records = {(r["student"], r["chapter"]): r for r in Records(gradebook.engine).all()}
        with open(dest, newline="") as fh:
            rows = list(csv.DictReader(fh))
            fields = list(rows[0].keys()) if rows else []
        fields += ["status", "flags", "graded_at", "similarity"]
        for row in rows:
            row["similarity"] = similar.get((row.get("student_id"), row.get("assignment")), "")
            rec = records.get((row.get("student_id"), row.get("assignment")))
            if rec is None:
                row.update(status="", flags="", graded_at="")
                continue
            status = rec["status"]
            if status == "failed" and rec.get("graded_at"):
                status = f"stale (last graded {rec['graded_at']}; the latest attempt failed)"
            row.update(status=status, flags="; ".join(rec["flags"]), graded_at=rec.get("graded_at") or "")
        with open(dest, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)

