"""nbgrader's autograde step, run by a worker in a scratch course of its own.

Measured on chapter 5, nbgrader's ``autograde`` (two nbconvert passes over
the notebook, then a commit per graded cell) costs a third as much as judging
the submission. Done by the single writer, it would cap a class at about two
submissions a second whatever the number of workers. So a worker runs it
too, against a private, throw-away course: the instructor's notebook and
``nbgrader_config.py`` arrive as text in the task, ``generate_assignment``
registers the chapter in a scratch SQLite gradebook (once per worker process
and chapter), and each submission is autograded there with the judge's
verdicts (``TrustedVerdicts``), its timestamp and the chapter's due date.

What comes back is plain data: the autograded folder's files and, per
notebook, the late penalty, each graded cell's score and each answer cell's
comment. The coordinator copies those into the real gradebook in one
transaction (``write_autograded``), which is what nbgrader's ``SaveAutoGrades``
and ``AssignLatePenalties`` would have written there.
"""

import atexit
import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
from multiprocessing.util import Finalize
from pathlib import Path

_COURSES = {}  # (chapter, digest of source and config) -> ScratchCourse, per process
PREFIX = "course-scratch-"  # then the owning process's pid and a dash


def sweep_orphans(folder=None):
    """Remove the scratch courses of processes that no longer run (a worker killed with SIGKILL
    has no chance to remove its own). Only this user's folders; returns the paths removed."""
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        pid = path.name[len(PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or path.is_symlink() or not path.is_dir() or path.stat().st_uid != os.getuid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:  # gone: nobody will remove it but us
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        except PermissionError:  # alive, another user's process
            pass
    return removed


@contextlib.contextmanager
def _in(folder):
    old = os.getcwd()
    os.chdir(folder)
    scripts, path = str(Path(sys.executable).parent), os.environ.get("PATH", "")
    if scripts not in path.split(os.pathsep):  # nbgrader runs alembic from PATH
        os.environ["PATH"] = scripts + os.pathsep + path
    try:
        yield
    finally:
        os.chdir(old)


class ScratchCourse:
    """A private course folder holding one chapter, its scratch gradebook and nbgrader's API on it."""

    def __init__(self, chapter, source_text, config_text):
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        self.chapter = chapter
        self.dir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        # Removed when this process ends (a worker of a pool, or of Dask, ends through multiprocessing).
        Finalize(self, shutil.rmtree, args=(str(self.dir),), kwargs={"ignore_errors": True}, exitpriority=1)
        atexit.register(shutil.rmtree, str(self.dir), ignore_errors=True)
        (self.dir / "nbgrader_config.py").write_text(config_text)
        with _in(self.dir):
            config = PyFileConfigLoader("nbgrader_config.py", path=str(self.dir)).load_config()
            config.CourseDirectory.root = str(self.dir)
            config.CourseDirectory.db_url = f"sqlite:///{self.dir / 'gradebook.db'}"
            coursedir = CourseDirectory(config=config)
            source = self.dir / coursedir.source_directory / chapter / f"{chapter}.ipynb"
            source.parent.mkdir(parents=True)
            source.write_text(source_text)
            self.api = NbGraderAPI(coursedir=coursedir, config=config)
            made = self.api.generate_assignment(chapter, force=True, create=True)
        if not made["success"]:
            raise RuntimeError(f"the scratch release of {chapter} failed: {made.get('error')}")
        self.coursedir = coursedir

    def autograde(self, student, notebook_text, judgement, timestamp="", duedate=None):
        """Autograde one notebook here; the plain data ``write_autograded`` needs."""
        from nbgrader.api import Gradebook

        from .nbgrader_hooks import TrustedVerdicts

        chapter = self.chapter
        submitted = self.dir / self.coursedir.submitted_directory / student / chapter
        submitted.mkdir(parents=True, exist_ok=True)
        (submitted / f"{chapter}.ipynb").write_text(notebook_text)
        if timestamp:
            (submitted / "timestamp.txt").write_text(timestamp)
        url = self.coursedir.db_url
        with Gradebook(url, self.coursedir.course_id) as gb:
            gb.update_or_create_assignment(chapter, duedate=duedate)
        TrustedVerdicts.pending[(student, chapter)] = judgement
        try:
            with _in(self.dir):
                graded = self.api.autograde(chapter, student, force=True, create=True)
        finally:
            TrustedVerdicts.pending.pop((student, chapter), None)
        out = {"success": bool(graded["success"]), "error": graded.get("error") or graded.get("log") or "",
               "files": {}, "notebooks": {}, "timestamp": ""}
        folder = self.dir / self.coursedir.autograded_directory / student / chapter
        try:
            if out["success"]:
                out["files"] = {p.name: p.read_text() for p in folder.iterdir() if p.is_file()}
                with Gradebook(url, self.coursedir.course_id) as gb:
                    submission = gb.find_submission(chapter, student)
                    out["timestamp"] = str(submission.timestamp or "")
                    for nb in submission.notebooks:
                        out["notebooks"][nb.name] = {
                            "late": nb.late_submission_penalty,
                            "grades": [(g.name, g.auto_score, g.needs_manual_grade) for g in nb.grades],
                            "comments": [(c.name, c.auto_comment) for c in nb.comments]}
        finally:  # the scratch course keeps no student's work
            with contextlib.suppress(Exception), Gradebook(url, self.coursedir.course_id) as gb:
                gb.remove_submission(chapter, student)
            shutil.rmtree(submitted.parent, ignore_errors=True)
            shutil.rmtree(folder.parent, ignore_errors=True)
        return out


def scratch_course(chapter, source_text, config_text):
    """This process's scratch course for ``chapter`` (made on first use)."""
    key = (chapter, hashlib.sha256((source_text + "\0" + config_text).encode()).hexdigest())
    if key not in _COURSES:
        _COURSES[key] = ScratchCourse(chapter, source_text, config_text)
    return _COURSES[key]


def write_autograded(gradebook, root, chapter, student, autograded, flagged):
    """Copy a worker's autograde into the real course: the autograded folder and the gradebook."""
    from nbgrader.utils import parse_utc

    dest = Path(root) / "autograded" / student / chapter
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name, text in autograded["files"].items():
        (dest / Path(name).name).write_text(text)
    gb = gradebook
    gb.update_or_create_student(student)
    if autograded["timestamp"]:
        gb.update_or_create_submission(chapter, student, timestamp=parse_utc(autograded["timestamp"]))
    else:
        gb.update_or_create_submission(chapter, student)
    for name, data in autograded["notebooks"].items():
        notebook = gb.find_submission_notebook(name, chapter, student)
        notebook.late_submission_penalty = data["late"]
        notebook.flagged = flagged
        for cell, score, manual in data["grades"]:
            grade = gb.find_grade(cell, name, chapter, student)
            grade.auto_score = score
            grade.needs_manual_grade = bool(manual) or grade.manual_score is not None
        for cell, text in data["comments"]:
            gb.find_comment(cell, name, chapter, student).auto_comment = text
    gb.db.commit()
