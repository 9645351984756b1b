"""What an instructor takes away from a graded class: Canvas CSV, summary figure, similarity, late penalty.

One small class of chapter 1 is graded through the command line: two students
hand in the same correct notebook, one the blank release, and one a correct
notebook two days (and a bit) after the due date.
"""

import csv
import json
import subprocess
import sys

import pytest

from grading_class import CHAPTER, make_course, release, solution, total_points
from notebook_cells import ROOT

pytestmark = pytest.mark.slow

DUE = "2026-12-01 23:59:00 UTC"
LATE = "2026-12-03 08:00:00 UTC"  # one day and a bit late: two days' penalty, 10% each


def _course(root, *args):
    run = subprocess.run([sys.executable, "-m", "course", *args, "--root", str(root), "--no-progress"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reports")
    folder = make_course(tmp / "course")
    inbox = tmp / "inbox"
    work = {"ada": solution(), "alan": solution(), "grace": release(), "lin": solution()}
    for student, nb in work.items():
        (inbox / student).mkdir(parents=True)
        (inbox / student / f"{CHAPTER}.ipynb").write_text(json.dumps(nb))
    (inbox / "lin" / f"{CHAPTER}.timestamp.txt").write_text(LATE)
    (inbox / "ada" / f"{CHAPTER}.timestamp.txt").write_text("2026-12-01 20:00:00 UTC")
    _course(folder, "due", "-c", CHAPTER, "--date", DUE)
    # one command: collect, autograde, feedback, the similarity report, then the export with its column
    out = _course(folder, "grade", str(inbox), "-c", CHAPTER, "--workers", "2", "--similarity", "--to", "grades.csv")
    assert "similarity report written to" in out
    return {"folder": folder, "stdout": out}


def test_late_submission_loses_a_share_per_day_and_on_time_ones_nothing(graded):
    rows = {r["student_id"]: r for r in csv.DictReader(open(graded["folder"] / "grades.csv"))}
    total = total_points()
    assert float(rows["lin"]["raw_score"]) == total
    assert float(rows["lin"]["late_submission_penalty"]) == pytest.approx(0.2 * total)
    assert float(rows["lin"]["score"]) == pytest.approx(0.8 * total)
    assert float(rows["ada"]["late_submission_penalty"]) == 0.0 and float(rows["ada"]["score"]) == total


def test_canvas_csv_has_points_possible_and_one_row_per_student(graded):
    with open(graded["folder"] / "grades_canvas.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", CHAPTER]
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) == total_points()
    by_login = {r[3]: r for r in rows[2:]}
    assert sorted(by_login) == ["ada", "alan", "grace", "lin"]
    assert float(by_login["grace"][5]) == 0.0
    assert float(by_login["lin"][5]) == pytest.approx(0.8 * total_points())


def test_summary_figure_is_written(graded):
    png = graded["folder"] / "grades_summary.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_identical_answers_are_reported_side_by_side_and_in_the_csv(graded):
    folder = graded["folder"]
    html = (folder / "similarity" / f"{CHAPTER}.html").read_text()
    assert "ada" in html and "alan" in html
    rows = {r["student_id"]: r for r in csv.DictReader(open(folder / "grades.csv"))}
    score, _, who = rows["ada"]["similarity"].partition(" with ")
    assert float(score) > 0.9 and who in ("alan", "lin")
    assert float(rows["grace"]["similarity"].split()[0]) < 0.3  # the release's own code never counts


def test_summary_counts_who_lost_each_exercise(graded):
    from course.exports import class_table
    from course.pipeline import Course

    table = class_table(Course(graded["folder"]).db_url)[CHAPTER]
    assert all(set(students) == {"grace"} for students in table["lost"].values())
    assert len(table["exercises"]) == len(table["lost"]) > 0
