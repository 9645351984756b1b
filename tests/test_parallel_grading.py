"""A small class graded by several workers at once: locally, on a Dask cluster, and after an interruption.

Each test grades four students on chapter 1 (about a second each) and
checks that every submission is graded exactly once with the expected score,
whatever happens to a worker in the middle of the run.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

from grading_class import CHAPTER, hand_in, make_course, release, solution, total_points, with_answer
from notebook_cells import ROOT

pytestmark = pytest.mark.slow

CLASS = {"ada": "correct", "grace": "blank", "alan": "correct", "edsger": "broken"}


def _course(tmp_path):
    from course.pipeline import Course

    folder = make_course(tmp_path / "course")
    expected = hand_in(folder, CLASS)
    return Course(folder), expected


def _children(pid):
    """Direct child processes of ``pid`` (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _assert_graded_once(course, outcomes, expected):
    counts = Counter((o.student, o.chapter) for o in outcomes)
    assert set(counts) == {(s, CHAPTER) for s in expected} and set(counts.values()) == {1}, counts
    for o in outcomes:
        want = expected[o.student]
        if want is None:
            assert o.status == "failed" and "not valid JSON" in " ".join(o.notes), o
        else:
            assert o.status == "graded" and o.score == want, o
    rows = course.records.all()
    assert sorted(r["student"] for r in rows) == sorted(expected)
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        graded = sorted(s.student.id for s in gb.assignment_submissions(CHAPTER))
    assert graded == sorted(s for s, want in expected.items() if want is not None)


def _alive(pid):
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        pass
    return True


def test_two_local_workers_grade_the_class_once_even_when_one_is_killed_and_a_rerun_keeps_it(tmp_path):
    course, expected = _course(tmp_path)
    seen, killed = [], []
    scratch_before = set(Path(tempfile.gettempdir()).glob("course-scratch-*-*"))

    def kill_a_worker(outcome):
        seen.append(outcome)
        if len(seen) == 1:
            workers = _children(os.getpid())
            assert workers, "no worker process to kill"
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])

    outcomes = course.autograde([CHAPTER], workers=2, progress=False, on_outcome=kill_a_worker)
    assert killed
    _assert_graded_once(course, outcomes, expected)
    # the killed worker could not remove its scratch course; the coordinator did
    assert not list(Path(tempfile.gettempdir()).glob(f"course-scratch-{killed[0]}-*"))

    # Alan hands in again, with the 1/N of the mean forgotten (test_mse_grad loses its points).
    wrong = with_answer(solution(), "mse_grad", "def mse_grad(pred, target):\n    return 2 * (pred - target)\n")
    hand_in(course.root, {"alan": wrong})
    again = {o.student: o for o in course.autograde([CHAPTER], workers=2, progress=False)}
    kept = [s for s, o in again.items() if any("already graded" in n for n in o.notes)]
    assert sorted(kept) == sorted(s for s, want in expected.items() if want is not None and s != "alan")
    assert again["alan"].status == "graded" and again["alan"].score < total_points()
    assert course.records.get("alan", CHAPTER)["score"] == again["alan"].score
    forced = course.autograde([CHAPTER], ["ada"], workers=1, progress=False, force=True)
    assert not any("already graded" in n for n in forced[0].notes) and forced[0].score == total_points()
    # every worker has ended, and no scratch course of a process that has ended is left behind
    left = set(Path(tempfile.gettempdir()).glob("course-scratch-*-*")) - scratch_before
    assert not [p.name for p in left if not _alive(p.name.split("-")[2])]


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    course, expected = _course(tmp_path)
    cmd = [sys.executable, "-m", "course", "autograde", "--root", str(course.root), "--workers", "1",
           "--no-progress"]
    first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and first.poll() is None:
        if (course.root / "autograded").is_dir() and any((course.root / "autograded").iterdir()):
            break
        time.sleep(0.2)
    first.send_signal(signal.SIGINT)  # Ctrl-C
    first.communicate(timeout=60)
    done_before = {r["student"] for r in course.records.all() if r["status"] == "graded"}
    assert len(done_before) < len(CLASS), "the run finished before it could be interrupted"
    second = subprocess.run(cmd + ["--report", str(tmp_path / "report.json")], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-2000:]
    import json

    report = {o["student"]: o for o in json.loads((tmp_path / "report.json").read_text())}
    for student in done_before:
        assert any("already graded" in n for n in report[student]["notes"]), report[student]
    for student, want in expected.items():
        assert (report[student]["status"] == "graded" and report[student]["score"] == want) or \
            (want is None and report[student]["status"] == "failed"), report[student]


def test_a_dask_cluster_grades_the_class_once_even_when_a_worker_is_killed(tmp_path):
    from distributed import LocalCluster

    course, expected = _course(tmp_path)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50) as cluster:
        seen, killed = [], []

        def kill_a_worker(outcome):
            seen.append(outcome)
            if len(seen) == 1:
                workers = [pid for pid in _children(os.getpid())
                           if b"spawn_main" in open(f"/proc/{pid}/cmdline", "rb").read()]
                assert len(workers) >= 2, workers
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])

        outcomes = course.autograde([CHAPTER], scheduler=cluster.scheduler_address, progress=False,
                                    on_outcome=kill_a_worker)
        assert killed
    _assert_graded_once(course, outcomes, expected)


def test_workers_need_nothing_of_the_course_folder(tmp_path):
    """A task is plain data: graded in a process whose working directory has no course."""
    from course.pipeline import Course
    from course.workers import grade_task

    folder = make_course(tmp_path / "course")
    hand_in(folder, {"ada": "correct"})
    course = Course(folder)
    course._ensure_released({CHAPTER})
    task = course._task(("ada", CHAPTER))
    task.config = ""  # judge only (nbgrader's part, course.scratch, is covered by the class tests)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    old = os.getcwd()
    os.chdir(elsewhere)
    try:
        result = grade_task(task)
    finally:
        os.chdir(old)
    assert not result.fatal and result.verdicts and all(v["passed"] for v in result.verdicts)
