"""The whole pipeline with the gradebook in a real PostgreSQL server (``db_url`` in nbgrader_config.py)."""

import csv
import json
import subprocess
import sys

import pytest

from grading_class import CHAPTER, make_course, solution, release, total_points
from notebook_cells import ROOT

pytestmark = pytest.mark.slow


def test_grade_writes_every_grade_into_postgresql(tmp_path, postgres):
    url = postgres.url("gradebook")
    folder = make_course(tmp_path / "course", db_url=url)
    inbox = tmp_path / "inbox"
    for student, nb in {"ada": solution(), "grace": release(), "alan": solution()}.items():
        (inbox / student).mkdir(parents=True)
        (inbox / student / f"{CHAPTER}.ipynb").write_text(json.dumps(nb))
    cmd = [sys.executable, "-m", "course", "grade", str(inbox), "--root", str(folder), "--workers", "2",
           "--no-progress", "--report", str(tmp_path / "report.json")]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]

    import sqlalchemy as sa
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions(CHAPTER)}
    assert scores == {"ada": total_points(), "grace": 0.0, "alan": total_points()}
    engine = sa.create_engine(url)
    with engine.connect() as con:
        rows = con.execute(sa.text("select student, status, content_hash from course_grading")).all()
    engine.dispose()
    assert sorted((r.student, r.status) for r in rows) == [("ada", "graded"), ("alan", "graded"), ("grace", "graded")]
    assert all(len(r.content_hash) == 64 for r in rows)
    assert not (folder / "gradebook.db").exists() and not (folder / "gradebook.db.bak").exists()
    exported = {r["student_id"]: r for r in csv.DictReader(open(folder / "grades.csv"))}
    assert float(exported["ada"]["score"]) == total_points() and exported["grace"]["status"] == "graded"
    assert (folder / "feedback" / "grace" / CHAPTER / f"{CHAPTER}.html").exists()

    # A second grader's run on the same database keeps what is already graded.
    again = subprocess.run([sys.executable, "-m", "course", "autograde"] + cmd[5:], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert all(any("already graded" in n for n in o["notes"]) for o in report if o["status"] == "graded")
