"""The grading steps, each a thin layer over nbgrader's API.

A course directory is the repository root: ``nbgrader_config.py``,
``solutions/`` (source), ``chapters/`` (release), ``submitted/``,
``autograded/``, ``feedback/`` and ``gradebook.db``.
"""

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .submissions import inspect_and_repair

MAX_NOTEBOOK_BYTES = 20 * 2**20  # a chapter with its outputs is well under 1 MB
MAX_CELLS = 1000

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass
class Outcome:
    """The result for one student and one chapter."""

    student: str
    chapter: str
    status: str  # "graded", "failed" or "skipped"
    score: float = 0.0
    max_score: float = 0.0
    seconds: float = 0.0
    notes: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    content_hash: str = ""


class Course:
    """A course directory and nbgrader's API on it."""

    def __init__(self, root=".", timeout=None, limits=None, unsafe_no_sandbox=False):
        from .sandbox import Limits

        self.root = Path(root).resolve()
        if not (self.root / "nbgrader_config.py").exists():
            raise SystemExit(f"expected a course directory with nbgrader_config.py, got {self.root}")
        self.limits = limits or Limits()
        if timeout is not None:
            self.limits.call_seconds = float(timeout)
        self.unsafe_no_sandbox = unsafe_no_sandbox
        self._api = None

    # -- nbgrader ----------------------------------------------------------
    @property
    def api(self):
        if self._api is None:
            with self._in_root():
                from nbgrader.apps import NbGraderAPI
                from nbgrader.coursedir import CourseDirectory
                from traitlets.config import Config
                from traitlets.config.loader import PyFileConfigLoader

                config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
                config.CourseDirectory.root = str(self.root)
                coursedir = CourseDirectory(config=config)
                self._api = NbGraderAPI(coursedir=coursedir, config=config)
        return self._api

    @contextlib.contextmanager
    def _in_root(self):
        old = os.getcwd()
        os.chdir(self.root)
        # nbgrader runs `alembic` and the kernel from PATH: make this Python's scripts visible (once).
        scripts, path = str(Path(sys.executable).parent), os.environ.get("PATH", "")
        if scripts not in path.split(os.pathsep):
            os.environ["PATH"] = scripts + os.pathsep + path
        try:
            yield
        finally:
            os.chdir(old)

    def chapters(self):
        """Chapter ids: the folders of ``solutions/`` that hold a notebook of the same name."""
        src = self.root / "solutions"
        return sorted(p.name for p in src.iterdir() if (p / f"{p.name}.ipynb").exists())

    def _check_chapters(self, chapters):
        known = self.chapters()
        chapters = list(chapters) or known
        unknown = [c for c in chapters if c not in known]
        if unknown:
            raise SystemExit(f"unknown chapter {unknown[0]!r}; expected one of: {', '.join(known)}")
        return chapters

    # -- steps --------------------------------------------------------------
    def release(self, chapters=(), progress=True):
        """Regenerate ``chapters/<id>`` from ``solutions/<id>`` and register it in the gradebook."""
        chapters = self._check_chapters(chapters)
        failures = []
        with self._in_root():
            for chapter in _bar(chapters, "release", progress):
                result = self.api.generate_assignment(chapter, force=True, create=True)
                if not result["success"]:
                    failures.append((chapter, _last_error(result)))
                    continue
                _prepare_release(self.root / "chapters" / chapter / f"{chapter}.ipynb")
        for chapter, why in failures:
            print(f"release failed for {chapter}: {why}", file=sys.stderr)
        return not failures

    def collect(self, inbox, progress=True):
        """Copy ``inbox/<student>/<chapter>.ipynb`` into ``submitted/<student>/<chapter>/``.

        Returns the outcomes of what could not be collected (bad names, unknown chapters).
        """
        inbox, known = Path(inbox), set(self.chapters())
        if not inbox.is_dir():
            raise SystemExit(f"expected a folder of submissions, got {inbox}")
        problems, count = [], 0
        for path in _bar(sorted(inbox.glob("*/**/*.ipynb")), "collect", progress):
            student, chapter = path.relative_to(inbox).parts[0], path.stem
            if ".ipynb_checkpoints" in path.parts:
                continue
            why = _not_collectable(inbox, path)
            if why:
                problems.append(self._refused(student, chapter, why, known))
                continue
            if not STUDENT_ID.match(student):
                problems.append(Outcome(student, chapter, "skipped", notes=[
                    "student folder names may hold only letters, digits, '.', '_' and '-'"]))
                continue
            if chapter not in known:
                problems.append(Outcome(student, chapter, "skipped", notes=[
                    f"no chapter called {chapter!r}; expected one of: {', '.join(sorted(known))}"]))
                continue
            dest = self.root / "submitted" / student / chapter
            # Copy the bytes of the regular file only (never follow a link, never keep its mode).
            try:
                data = _read_regular(path)
            except OSError as exc:
                problems.append(self._refused(student, chapter, f"could not read {path.name}: {exc}", known))
                continue
            cells = _cell_count(data)
            if cells > MAX_CELLS:
                problems.append(self._refused(student, chapter, f"{path.relative_to(inbox)} has {cells} cells; "
                                              f"a notebook may have at most {MAX_CELLS}", known))
                continue
            dest.mkdir(parents=True, exist_ok=True)
            (dest / f"{chapter}.ipynb").write_bytes(data)
            stale = dest / f"{chapter}.ipynb.orig"
            if stale.exists():
                stale.unlink()  # from an earlier collect; this submission is new
            count += 1
        print(f"collected {count} submission(s); {len(problems)} skipped")
        return problems

    def _refused(self, student, chapter, why, known):
        """The outcome of a file not collected; a resubmission's refusal is recorded, never hidden.

        When the student had handed in this chapter before, the earlier file is
        moved aside (``<chapter>.ipynb.previous``) so that it is not graded again
        as if it were the latest, and the entry is marked failed: the export shows
        the score it keeps as stale, and the feedback says why.
        """
        outcome = Outcome(student, chapter, "skipped", notes=[why])
        if not STUDENT_ID.match(student) or chapter not in known:
            return outcome
        old = self.root / "submitted" / student / chapter / f"{chapter}.ipynb"
        if old.is_file() and not old.is_symlink():
            old.replace(old.with_name(old.name + ".previous"))
            with self._in_root():
                self.records.failed(student, chapter, [f"your latest file was not collected: {why}"], "")
            outcome.notes.append("an earlier submission was graded; its score is kept and shown as stale")
        return outcome

    def submissions(self, chapters=(), students=()):
        """(student, chapter) pairs found in ``submitted/``."""
        chapters = self._check_chapters(chapters)
        sub = self.root / "submitted"
        pairs = []
        for student_dir in sorted(sub.iterdir()) if sub.exists() else []:
            if students and student_dir.name not in students:
                continue
            for chapter in chapters:
                if (student_dir / chapter).is_dir():
                    pairs.append((student_dir.name, chapter))
        return pairs

    def autograde(self, chapters=(), students=(), progress=True):
        """Inspect, repair, judge in a sandbox and record every submission; one ``Outcome`` each.

        Each submission is judged in a fresh sandbox; whatever happens to one
        (bad file, crash, time limit, a check that raises) is recorded for it
        alone and the others go on.
        """
        from .sandbox import SandboxUnavailable, check_available

        pairs = self.submissions(chapters, students)
        if not self.unsafe_no_sandbox:
            try:
                check_available()
            except SandboxUnavailable as exc:
                raise SystemExit(f"{exc}.\nGrading runs student code only inside a sandbox; to grade "
                                 "without one anyway (trusted submissions only), pass --unsafe-no-sandbox.")
        self._ensure_released({c for _, c in pairs})
        self._backup_gradebook()
        outcomes = []
        with self._in_root():
            for student, chapter in _bar(pairs, "autograde", progress):
                try:
                    outcome = self._autograde_one(student, chapter)
                except Exception as exc:  # never let one submission stop the class
                    outcome = Outcome(student, chapter, "failed", notes=[f"grading failed: {type(exc).__name__}: {exc}"])
                if outcome.status != "graded":
                    with contextlib.suppress(Exception):
                        self.records.failed(student, chapter, outcome.notes, outcome.content_hash)
                outcomes.append(outcome)
        return outcomes

    @property
    def records(self):
        from .records import Records

        if getattr(self, "_records", None) is None:
            self._records = Records(self.api.coursedir.db_url if hasattr(self.api.coursedir, "db_url")
                                    else f"sqlite:///{self.root / 'gradebook.db'}")
        return self._records

    def _autograde_one(self, student, chapter):
        import hashlib

        from .judge import judge
        from .nbgrader_hooks import TrustedVerdicts
        from .scan import flags

        start = time.perf_counter()
        outcome = Outcome(student, chapter, "graded")
        notebook = self.root / "submitted" / student / chapter / f"{chapter}.ipynb"
        if not notebook.is_file() or notebook.is_symlink():
            outcome.status = "failed"
            record = self.records.get(student, chapter)
            if record and record["status"] == "failed" and notebook.with_name(notebook.name + ".previous").exists():
                outcome.notes.extend(record["notes"])  # refused at collect: keep the reason
                return outcome
            outcome.notes.append(f"no {chapter}.ipynb in the submission folder (found: "
                                 f"{', '.join(p.name for p in notebook.parent.iterdir()) or 'nothing'})")
            return outcome
        outcome.content_hash = hashlib.sha256(notebook.read_bytes()).hexdigest()
        found = inspect_and_repair(notebook, self.root / "chapters" / chapter / f"{chapter}.ipynb")
        outcome.notes.extend(found.notes)
        if found.fatal:
            outcome.status, outcome.notes = "failed", outcome.notes + [found.fatal]
            return outcome
        submission = json.loads(notebook.read_text())
        source = json.loads((self.root / "solutions" / chapter / f"{chapter}.ipynb").read_text())
        allowed = _allowed_modules(chapter)
        judgement = judge(submission, source, chapter, allowed=allowed, limits=self.limits,
                          unsafe_no_sandbox=self.unsafe_no_sandbox)
        outcome.flags = flags(submission, source) + _reference_use(judgement)
        judgement.notes = found.notes + judgement.notes + [f"flagged for review: {f}" for f in outcome.flags]
        TrustedVerdicts.pending[(student, chapter)] = judgement
        try:
            result = self.api.autograde(chapter, student, force=True, create=True)
        finally:
            TrustedVerdicts.pending.pop((student, chapter), None)
        outcome.seconds = time.perf_counter() - start
        if not result["success"]:
            outcome.status = "failed"
            outcome.notes.append(_last_error(result))
            return outcome
        outcome.score, outcome.max_score = self.score(student, chapter)
        outcome.notes = judgement.notes
        self.records.graded(student, chapter, outcome.score, outcome.max_score, outcome.flags,
                            outcome.notes, outcome.content_hash)
        self._flag_in_gradebook(student, chapter, bool(outcome.flags))
        return outcome

    def _flag_in_gradebook(self, student, chapter, flagged):
        """nbgrader's own "flagged for review" mark on the submitted notebook."""
        with self.api.gradebook as gb:
            nb = gb.find_submission_notebook(chapter, chapter, student)
            nb.flagged = flagged
            gb.db.commit()

    def score(self, student, chapter):
        """(score, max_score) of a student's chapter from the gradebook."""
        with self.api.gradebook as gb:
            submission = gb.find_submission(chapter, student)
            return float(submission.score), float(submission.max_score)

    def feedback(self, chapters=(), students=(), progress=True):
        """Write ``feedback/<student>/<chapter>/<chapter>.html`` for graded submissions."""
        problems = []
        with self._in_root():
            for student, chapter in _bar(self.submissions(chapters, students), "feedback", progress):
                record = self.records.get(student, chapter)
                if record and record["status"] == "failed":
                    _write_stale_feedback(self.root / "feedback" / student / chapter / f"{chapter}.html", record)
                    continue
                if not (self.root / "autograded" / student / chapter).exists():
                    continue
                result = self.api.generate_feedback(chapter, student, force=True)
                if not result["success"]:
                    problems.append(Outcome(student, chapter, "failed", notes=[_last_error(result)]))
        return problems

    def export(self, to="grades.csv"):
        """Write every grade in the gradebook to a CSV file with nbgrader's exporter."""
        with self._in_root():
            out = subprocess.run(
                [sys.executable, "-m", "nbgrader", "export", "--to", str(to)],
                capture_output=True, text=True,
            )
        if out.returncode:
            raise SystemExit(f"nbgrader export failed:\n{out.stderr[-2000:]}")
        return self.root / to

    # -- helpers --------------------------------------------------------------
    def _ensure_released(self, chapters):
        """Register chapters the gradebook does not know yet (a fresh clone has no gradebook)."""
        db = self.root / "gradebook.db"
        known = set()
        if db.exists():
            with contextlib.closing(sqlite3.connect(db)) as con:
                with contextlib.suppress(sqlite3.Error):
                    known = {row[0] for row in con.execute("select name from assignment")}
        missing = sorted(set(chapters) - known)
        if missing:
            self.release(missing, progress=False)

    def _backup_gradebook(self):
        db = self.root / "gradebook.db"
        if db.exists():
            with contextlib.closing(sqlite3.connect(db)) as src, \
                    contextlib.closing(sqlite3.connect(self.root / "gradebook.db.bak")) as dst:
                src.backup(dst)


def _prepare_release(path):
    """The student version runs anywhere: tags for Run All, the book's address in its first cell."""
    import nbformat

    from .student import prepare_release_notebook

    nb = nbformat.read(str(path), as_version=4)
    prepare_release_notebook(nb)
    nbformat.write(nb, str(path))


def _reference_use(judgement):
    """Flags for tests whose answer reached for the reference inside the sandbox (the second check)."""
    return [f"test `{v.grade_id}`: the answer reached for the reference implementation while graded"
            for v in judgement.verdicts
            if not v.passed and ("uses the reference implementation" in v.evalue
                                 or "calls the reference implementation" in v.evalue)]


def _write_stale_feedback(path, record):
    """The feedback of a submission whose latest attempt failed: why, and what still stands.

    An earlier feedback page is kept beside it as ``<chapter>.previous.html``; the
    page itself never shows an old score as if it were the current one.
    """
    import html

    path.parent.mkdir(parents=True, exist_ok=True)
    previous = path.with_name(path.stem + ".previous.html")
    if path.exists() and "course-stale-feedback" not in path.read_text(errors="replace"):
        path.replace(previous)
    if record.get("graded_at"):
        standing = (f"<p>The last submission that could be graded scored {record['score']:g} of "
                    f"{record['max_score']:g} (graded {html.escape(record['graded_at'])}); that grade stands "
                    f"until this one is fixed. Its feedback is in <code>{html.escape(previous.name)}</code>.</p>")
    else:
        standing = "<p>No earlier submission of yours was graded.</p>"
    reasons = "".join(f"<li>{html.escape(str(n))}</li>" for n in record.get("notes", []))
    path.write_text(
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Not graded</title></head>"
        "<body class='course-stale-feedback'>"
        f"<h1>Your latest submission could not be graded</h1><p>Attempted {html.escape(record['attempted_at'])}.</p>"
        f"<ul>{reasons}</ul>{standing}</body></html>\n")


def _allowed_modules(chapter):
    """The reference modules a chapter's answers may use (``SANDBOX_MLP`` of its checks)."""
    import importlib

    try:
        return tuple(getattr(importlib.import_module(f"checks.{chapter}"), "SANDBOX_MLP", ()))
    except ImportError:
        return ()


def _not_collectable(inbox, path):
    """Why ``path`` cannot be collected, or "" (symlinks, folders, FIFOs, huge files)."""
    rel = path.relative_to(inbox)
    probe = inbox
    for part in rel.parts:
        probe = probe / part
        if probe.is_symlink():
            return f"{rel} is (or lies under) a symbolic link: only regular files are collected"
    if not path.is_file():
        return f"{rel} is not a regular file"
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        return f"{rel} is {size / 2**20:.0f} MB; a notebook may be at most {MAX_NOTEBOOK_BYTES / 2**20:.0f} MB"
    return ""


def _read_regular(path):
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    try:
        import stat

        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(MAX_NOTEBOOK_BYTES + 1)
    finally:
        os.close(fd)


def _cell_count(data):
    """How many cells a notebook's bytes hold (0 if they are not a notebook: autograde says why)."""
    try:
        cells = json.loads(data).get("cells")
    except (ValueError, AttributeError):
        return 0
    return len(cells) if isinstance(cells, list) else 0


def _last_error(result):
    text = (result.get("error") or "") + "\n" + (result.get("log") or "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for key in ("DeadKernelError", "Kernel died", "CellTimeoutError", "Error", "error"):
        hits = [ln for ln in lines if key in ln]
        if hits:
            return hits[-1][:300]
    return lines[-1][:300] if lines else "nbgrader reported a failure without a message"


def _bar(items, desc, progress):
    items = list(items)
    if not progress or len(items) < 2:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="nb", file=sys.stderr)


def summary(outcomes):
    """A human summary: one line per problem, then the counts."""
    lines = []
    for o in outcomes:
        head = f"{o.student:>16s}  {o.chapter:<24s}"
        if o.status == "graded":
            lines.append(f"{head} {o.score:5.1f} / {o.max_score:<5.1f} ({o.seconds:.1f} s)")
        else:
            lines.append(f"{head} {o.status.upper()}")
        lines.extend(f"{'':18s}- {note}" for note in o.notes)
    graded = [o for o in outcomes if o.status == "graded"]
    failed = [o for o in outcomes if o.status != "graded"]
    lines.append(f"\n{len(graded)} graded, {len(failed)} not graded"
                 + (f" (see above: {', '.join(f'{o.student}/{o.chapter}' for o in failed)})" if failed else ""))
    return "\n".join(lines)


def write_report(outcomes, path):
    Path(path).write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
