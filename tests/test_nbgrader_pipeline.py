"""The instructor's pipeline, end to end, on a temporary copy of the course.

One class is graded with ``python -m course grade``: for every chapter a
correct submission and a blank one (the release as is), one submission per
exercise carrying a listed mistake, and a set of broken submissions.  Then
the gradebook, the CSV export and the feedback HTML are checked.
"""

import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mistakes import mistakes_for
from notebook_cells import ROOT, grade_id

pytestmark = pytest.mark.slow

CHAPTERS = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists())
TIMEOUT = 20  # seconds per cell in this run: the endless loop costs this much
BAD_CHAPTER = "ch1_chain_rule"
# Every listed mistake is graded in-process by test_grading_checks.py; here, through the
# whole sandboxed pipeline, the first mistake of each exercise of these chapters.
MISTAKE_CHAPTERS = ("ch1_chain_rule", "ch4_layers", "ch7_input_optimisation")


def _load(path):
    return json.loads(Path(path).read_text())


def _cells_by_id(nb):
    return {grade_id(c): c for c in nb["cells"] if grade_id(c)}


def _with_answers(nb, answers):
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        if grade_id(cell) in answers:
            cell["source"] = answers[grade_id(cell)]
    return nb


def _points(nb):
    return {grade_id(c): c["metadata"]["nbgrader"].get("points", 0) for c in nb["cells"]
            if c.get("metadata", {}).get("nbgrader", {}).get("grade")}


def _first_mistake_per_exercise(chapter):
    chosen = {}
    for m in mistakes_for(chapter):
        chosen.setdefault(m.exercise, m)
    return list(chosen.values())


def _answer_ids(nb):
    return [grade_id(c) for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")
            and c["cell_type"] == "code"]


def _write(inbox, student, chapter, nb_or_text):
    path = inbox / student / f"{chapter}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nb_or_text if isinstance(nb_or_text, str) else json.dumps(nb_or_text))


def _bad_submissions(solution):
    """name -> (notebook or text, what must hold). Built on chapter 1's exercises."""
    answers = _answer_ids(solution)
    first, second = answers[0], answers[1]
    sol_cells = _cells_by_id(solution)
    bad = {}
    bad["badjson"] = '{"cells": [ this is not json'
    bad["loop"] = _with_answers(solution, {first: "while True:\n    pass\n"})
    answer = sol_cells[first]["source"]
    answer = answer if isinstance(answer, str) else "".join(answer)
    bad["bigprint"] = _with_answers(solution, {first: "for _ in range(100_000):\n    print('y' * 99)\n" + answer})
    nb = json.loads(json.dumps(solution))
    nb["cells"] = [c for c in nb["cells"] if grade_id(c) != f"test_{first}"]
    bad["deletedtest"] = nb
    nb = _with_answers(solution, {first: "def _nothing():\n    pass\n", f"test_{first}": "pass\n"})
    bad["editedtest"] = nb
    nb = json.loads(json.dumps(solution))
    i = next(k for k, c in enumerate(nb["cells"]) if grade_id(c) == first)
    nb["cells"].insert(i + 1, json.loads(json.dumps(nb["cells"][i])))
    bad["dupcell"] = nb
    wrong = next(m.code for m in mistakes_for(BAD_CHAPTER) if m.exercise == first)
    bad["patcher"] = _with_answers(solution, {first: wrong + (
        "\nimport numpy as np, builtins\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "builtins.isinstance = lambda *a: True\n"
        "class _Pass:\n    def __getattr__(self, name):\n        return lambda *a, **k: None\n"
        "check = _Pass()\n")})
    bad["exiter"] = _with_answers(solution, {first: "import sys\nsys.exit()\n", second: "import os\nos._exit(0)\n"})
    return bad


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    inbox = course / "inbox"
    expected = {}  # (student, chapter) -> dict of expectations
    for chapter in CHAPTERS:
        solution = _load(ROOT / "solutions" / chapter / f"{chapter}.ipynb")
        release = _load(ROOT / "chapters" / chapter / f"{chapter}.ipynb")
        points = _points(solution)
        total = sum(points.values())
        _write(inbox, "correct", chapter, solution)
        expected[("correct", chapter)] = {"score": total}
        _write(inbox, "blank", chapter, release)
        expected[("blank", chapter)] = {"score": 0}
        for k, m in enumerate(_first_mistake_per_exercise(chapter) if chapter in MISTAKE_CHAPTERS else []):
            student = f"mistake{k}"
            _write(inbox, student, chapter, _with_answers(solution, {m.exercise: m.code}))
            expected[(student, chapter)] = {"score": total - points[m.test_id],
                                            "lost": m.test_id, "says": m.says}
    solution = _load(ROOT / "solutions" / BAD_CHAPTER / f"{BAD_CHAPTER}.ipynb")
    bad = _bad_submissions(solution)
    for student, nb in bad.items():
        _write(inbox, student, BAD_CHAPTER, nb)
    _write(inbox, "lost", "ch9_does_not_exist", solution)

    cmd = [sys.executable, "-m", "course", "grade", str(inbox), "--root", str(course),
           "--timeout", str(TIMEOUT), "--report", str(course / "report.json"), "--no-progress"]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    return {"course": course, "expected": expected, "stdout": run.stdout, "solution": solution}


def _cell_score(course, student, chapter, test_id):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return gb.find_grade(test_id, chapter, chapter, student).score


def _feedback(course, student, chapter):
    return html.unescape((course / "feedback" / student / chapter / f"{chapter}.html").read_text())


def _autograde_outcome(graded, student, chapter):
    report = json.loads((graded["course"] / "report.json").read_text())
    hits = [o for o in report if o["student"] == student and o["chapter"] == chapter and o["status"] != "skipped"]
    assert hits, f"no outcome for {student}/{chapter}"
    return hits[0]


def test_correct_and_blank_and_mistakes_get_the_expected_scores(graded):
    wrong = []
    for (student, chapter), want in graded["expected"].items():
        got = _autograde_outcome(graded, student, chapter)
        if got["status"] != "graded" or abs(got["score"] - want["score"]) > 1e-9:
            wrong.append(f"{student}/{chapter}: expected {want['score']}, got {got['status']} {got['score']} {got['notes']}")
    assert not wrong, "\n".join(wrong)


def test_each_mistake_loses_only_its_exercise_and_feedback_names_it(graded):
    problems = []
    for (student, chapter), want in graded["expected"].items():
        if "lost" not in want:
            continue
        if _cell_score(graded["course"], student, chapter, want["lost"]) != 0:
            problems.append(f"{student}/{chapter}: {want['lost']} kept points")
        text = _feedback(graded["course"], student, chapter)
        if want["says"].lower() not in text.lower():
            problems.append(f"{student}/{chapter}: feedback does not say {want['says']!r}")
    assert not problems, "\n".join(problems)


def _total(graded):
    return sum(_points(graded["solution"]).values())


def _first_points(graded):
    first = _answer_ids(graded["solution"])[0]
    return _points(graded["solution"])[f"test_{first}"]


def test_invalid_json_is_reported_not_graded(graded):
    o = _autograde_outcome(graded, "badjson", BAD_CHAPTER)
    assert o["status"] == "failed" and "not valid JSON" in " ".join(o["notes"])


def test_endless_loop_is_interrupted_and_the_rest_graded(graded):
    o = _autograde_outcome(graded, "loop", BAD_CHAPTER)
    assert o["status"] == "graded"
    assert o["score"] == _total(graded) - _first_points(graded)
    assert any("did not finish" in n for n in o["notes"])


def test_huge_output_is_truncated_and_graded(graded):
    o = _autograde_outcome(graded, "bigprint", BAD_CHAPTER)
    assert o["status"] == "graded" and o["score"] == _total(graded)
    size = (graded["course"] / "feedback" / "bigprint" / BAD_CHAPTER / f"{BAD_CHAPTER}.html").stat().st_size
    assert size < 2_000_000, f"feedback is {size} bytes: output was not limited"


def test_deleted_test_cell_is_restored_and_graded(graded):
    o = _autograde_outcome(graded, "deletedtest", BAD_CHAPTER)
    assert o["status"] == "graded" and o["score"] == _total(graded)
    assert any("had been deleted" in n for n in o["notes"])


def test_edited_test_cell_is_restored_by_nbgrader(graded):
    o = _autograde_outcome(graded, "editedtest", BAD_CHAPTER)
    assert o["status"] == "graded" and o["score"] == _total(graded) - _first_points(graded)


def test_duplicated_cell_is_removed_and_graded(graded):
    o = _autograde_outcome(graded, "dupcell", BAD_CHAPTER)
    assert o["status"] == "graded" and o["score"] == _total(graded)
    assert any("copy of cell" in n for n in o["notes"])


def test_patching_numpy_or_the_grader_does_not_earn_points(graded):
    # A wrong answer plus code that replaces numpy's comparisons and the grader:
    # the wrong answer still loses its points, and the instructor is told.
    o = _autograde_outcome(graded, "patcher", BAD_CHAPTER)
    assert o["status"] == "graded" and o["score"] <= _total(graded) - _first_points(graded)
    assert any("flagged" in n for n in o["notes"])
    first = _answer_ids(graded["solution"])[0]
    assert _cell_score(graded["course"], "patcher", BAD_CHAPTER, f"test_{first}") == 0


def test_exit_calls_lose_only_their_exercises(graded):
    o = _autograde_outcome(graded, "exiter", BAD_CHAPTER)
    first, second = _answer_ids(graded["solution"])[:2]
    pts = _points(graded["solution"])
    assert o["status"] == "graded"
    assert o["score"] == _total(graded) - pts[f"test_{first}"] - pts[f"test_{second}"]
    assert any("stopped the notebook" in n for n in o["notes"])


def test_unknown_chapter_is_skipped_with_a_reason(graded):
    report = json.loads((graded["course"] / "report.json").read_text())
    o = [o for o in report if o["student"] == "lost"][0]
    assert o["status"] == "skipped" and "no chapter called 'ch9_does_not_exist'" in o["notes"][0]


def test_export_has_one_row_per_graded_submission(graded):
    import csv

    rows = list(csv.DictReader(open(graded["course"] / "grades.csv")))
    keys = [(r["student_id"], r["assignment"]) for r in rows]
    assert len(keys) == len(set(keys))
    graded_pairs = {(o["student"], o["chapter"]) for o in
                    json.loads((graded["course"] / "report.json").read_text()) if o["status"] == "graded"}
    assert graded_pairs <= set(keys)


def test_regrade_replaces_the_grade_and_keeps_everyone_else(graded):
    course, inbox = graded["course"], graded["course"] / "inbox2"
    release = _load(ROOT / "chapters" / BAD_CHAPTER / f"{BAD_CHAPTER}.ipynb")
    _write(inbox, "correct", BAD_CHAPTER, release)  # resubmits a blank notebook
    cmd = [sys.executable, "-m", "course", "grade", str(inbox), "--root", str(course), "-c", BAD_CHAPTER,
           "-s", "correct", "--no-progress"]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    import csv

    rows = list(csv.DictReader(open(course / "grades.csv")))
    mine = [r for r in rows if r["student_id"] == "correct" and r["assignment"] == BAD_CHAPTER]
    assert len(mine) == 1 and float(mine[0]["score"]) == 0.0
    others = {(r["student_id"], r["assignment"]) for r in rows}
    assert ("blank", BAD_CHAPTER) in others and ("dupcell", BAD_CHAPTER) in others
    assert (course / "gradebook.db.bak").exists()
