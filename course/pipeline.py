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
            _collect_timestamp(path.with_name(f"{chapter}.timestamp.txt"), dest / "timestamp.txt")
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
            old.replace(_previous(old))
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

    def autograde(self, chapters=(), students=(), progress=True, workers=None, scheduler=None,
                  force=False, on_outcome=None):
        """Inspect, repair, judge in a sandbox and record every submission; one ``Outcome`` each.

        ``workers`` processes (default: one per core) judge submissions at once,
        each in its own sandbox, or the Dask cluster at ``scheduler``
        (``tcp://HOST:PORT``) does; this process alone writes the gradebook, a
        result at a time, as results come in.  A submission already graded from
        the same file (same content hash) is not graded again unless ``force``:
        an interrupted run resumes where it stopped.  Whatever happens to one
        submission (bad file, crash, time limit, a worker killed) is recorded
        for it alone and the others go on.
        """
        from .sandbox import SandboxUnavailable, check_available
        from .workers import LocalEngine, run

        pairs = self.submissions(chapters, students)
        if not self.unsafe_no_sandbox and scheduler is None:
            try:
                check_available()
            except SandboxUnavailable as exc:
                raise SystemExit(f"{exc}.\nGrading runs student code only inside a sandbox; to grade "
                                 "without one anyway (trusted submissions only), pass --unsafe-no-sandbox.")
        self._ensure_released({c for _, c in pairs})
        self._backup_gradebook()
        outcomes, todo = [], []
        for student, chapter in pairs:
            done = None if force else self._already_graded(student, chapter)
            if done is not None:
                outcomes.append(done)
                if on_outcome:
                    on_outcome(done)
            else:
                todo.append((student, chapter))
        if not todo:
            return outcomes
        if scheduler:
            from .distributed import DaskEngine

            engine = DaskEngine(scheduler)
        else:
            engine = LocalEngine(workers or os.cpu_count() or 1)
        bar = _progress_bar(len(pairs), len(pairs) - len(todo), "autograde", progress)
        try:
            with self._in_root():
                for (student, chapter), result in run(todo, self._task, engine):
                    try:
                        outcome = self._record(result)
                    except Exception as exc:  # never let one submission stop the class
                        outcome = Outcome(student, chapter, "failed", content_hash=result.content_hash,
                                          notes=[f"grading failed: {type(exc).__name__}: {exc}"])
                    if outcome.status != "graded":
                        with contextlib.suppress(Exception):
                            self.records.failed(student, chapter, outcome.notes, outcome.content_hash)
                    outcomes.append(outcome)
                    if bar is not None:
                        bar.update(1)
                    if on_outcome:
                        on_outcome(outcome)
        finally:
            engine.close()
            if bar is not None:
                bar.close()
        return outcomes

    @property
    def records(self):
        from .records import Records

        if getattr(self, "_records", None) is None:
            self._records = Records(self.db_url)
        return self._records

    @property
    def db_url(self):
        """The gradebook's database (``c.CourseDirectory.db_url``; SQLite by default)."""
        url = self.api.coursedir.db_url
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            url = f"sqlite:///{self.root / url[len('sqlite:///'):]}"
        return url

    def _submitted(self, student, chapter):
        """The student's file as handed in: the original when the grader had repaired it."""
        notebook = self.root / "submitted" / student / chapter / f"{chapter}.ipynb"
        original = notebook.with_name(notebook.name + ".orig")
        return original if original.is_file() else notebook

    def _already_graded(self, student, chapter):
        """The outcome kept from an earlier run of this very file, or None."""
        from .workers import content_hash

        path = self._submitted(student, chapter)
        if not path.is_file() or path.is_symlink():
            return None
        old = self.records.get(student, chapter)
        if not old or old["status"] != "graded" or old["content_hash"] != content_hash(path.read_bytes()):
            return None
        if not (self.root / "autograded" / student / chapter).is_dir():
            return None
        return Outcome(student, chapter, "graded", old["score"] or 0.0, old["max_score"] or 0.0,
                       notes=["already graded from this very file; kept (pass --force to grade again)"],
                       flags=old["flags"], content_hash=old["content_hash"])

    def _task(self, job):
        from .workers import Task

        student, chapter = job
        path = self._submitted(student, chapter)
        if not path.is_file() or path.is_symlink():
            found = ", ".join(p.name for p in path.parent.iterdir()) if path.parent.is_dir() else ""
            notebook = b""  # the worker reports it as not a notebook; the note says what was found
            self._missing = {**getattr(self, "_missing", {}), job: found or "nothing"}
        else:
            notebook = path.read_bytes()
        stamp = path.parent / "timestamp.txt"
        release, source, config, due = self._chapter_files(chapter)
        return Task(student, chapter, notebook, release, source, _allowed_modules(chapter), self.limits,
                    self.unsafe_no_sandbox, config=config, duedate=due,
                    timestamp=stamp.read_text()[:200] if stamp.is_file() else "")

    def _chapter_files(self, chapter):
        """What a worker needs of a chapter, read once per run: (release text, instructor's
        notebook as a dict, nbgrader_config.py's text, due date or "")."""
        cache = self.__dict__.setdefault("_chapter_cache", {})
        if chapter not in cache:
            with self._in_root(), self.api.gradebook as gb:
                due = gb.find_assignment(chapter).duedate
            cache[chapter] = ((self.root / "chapters" / chapter / f"{chapter}.ipynb").read_text(),
                              json.loads((self.root / "solutions" / chapter / f"{chapter}.ipynb").read_text()),
                              (self.root / "nbgrader_config.py").read_text(),
                              due.strftime("%Y-%m-%d %H:%M:%S.%f UTC") if due else "")
        return cache[chapter]

    def _record(self, result):
        """Write one worker's result into the gradebook (nbgrader's tables and the course's)."""
        from .judge import Judgement, Verdict
        from .nbgrader_hooks import TrustedVerdicts
        from .scratch import write_autograded

        start = time.perf_counter()
        student, chapter = result.student, result.chapter
        outcome = Outcome(student, chapter, "graded", notes=list(result.notes), flags=list(result.flags),
                          content_hash=result.content_hash)
        missing = getattr(self, "_missing", {}).pop((student, chapter), None)
        if missing is not None:
            outcome.status = "failed"
            record = self.records.get(student, chapter)
            previous = _previous(self.root / "submitted" / student / chapter / f"{chapter}.ipynb")
            if record and record["status"] == "failed" and previous.exists():
                outcome.notes = list(record["notes"])  # refused at collect: keep the reason
                return outcome
            outcome.notes = [f"no {chapter}.ipynb in the submission folder (found: {missing})"]
            return outcome
        if result.fatal:
            outcome.status, outcome.notes = "failed", outcome.notes + [result.fatal]
            return outcome
        notebook = self.root / "submitted" / student / chapter / f"{chapter}.ipynb"
        if result.repaired:
            original = notebook.with_name(notebook.name + ".orig")
            if not original.exists():
                notebook.replace(original)
            notebook.write_text(result.repaired)
        if not result.autograded:  # the worker could not run nbgrader's autograde: run it here
            judgement = Judgement([Verdict(**v) for v in result.verdicts], list(result.notes))
            TrustedVerdicts.pending[(student, chapter)] = judgement
            try:
                graded = self.api.autograde(chapter, student, force=True, create=True)
            finally:
                TrustedVerdicts.pending.pop((student, chapter), None)
            if not graded["success"]:
                outcome.status = "failed"
                outcome.notes.append(_last_error(graded))
                return outcome
        with self.api.gradebook as gb:  # one session: the worker's autograde, the score, the review flag
            if result.autograded:
                write_autograded(gb, self.root, chapter, student, result.autograded, bool(outcome.flags))
            submission = gb.find_submission(chapter, student)
            outcome.score, outcome.max_score = float(submission.score), float(submission.max_score)
            gb.find_submission_notebook(chapter, chapter, student).flagged = bool(outcome.flags)
            gb.db.commit()
        self.records.graded(student, chapter, outcome.score, outcome.max_score, outcome.flags,
                            outcome.notes, outcome.content_hash)
        outcome.seconds = result.seconds + time.perf_counter() - start
        return outcome

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
        """Write every grade to a CSV file with nbgrader's exporter, beside it Canvas's CSV
        (``<name>_canvas.csv``) and the class's summary figure (``<name>_summary.png``)."""
        from .exports import canvas_csv, summary_figure

        with self._in_root():
            out = subprocess.run(
                [sys.executable, "-m", "nbgrader", "export", "--to", str(to)],
                capture_output=True, text=True,
            )
        if out.returncode:
            raise SystemExit(f"nbgrader export failed:\n{out.stderr[-2000:]}")
        path = self.root / to
        canvas_csv(self.db_url, path.with_name(f"{path.stem}_canvas.csv"))
        summary_figure(self.db_url, path.with_name(f"{path.stem}_summary.png"))
        return path

    def similarity(self, chapters=(), progress=True):
        """Write ``similarity/<chapter>.html`` and ``.csv`` for each chapter handed in; their paths."""
        from .similarity import similarity_report

        written = []
        for chapter in _bar(self._check_chapters(chapters), "similarity", progress):
            if any((self.root / "submitted").glob(f"*/{chapter}/{chapter}.ipynb")):
                html, table, _ = similarity_report(self.root, chapter)
                written.append(html if html.exists() else table)
        return written

    def set_due(self, chapters, when):
        """Record the due date ``when`` (a string nbgrader parses, e.g. "2026-12-01 23:59 UTC") of chapters."""
        from nbgrader.utils import parse_utc

        due = parse_utc(when)
        chapters = self._check_chapters(chapters)
        self._ensure_released(chapters)
        with self._in_root(), self.api.gradebook as gb:
            for chapter in chapters:
                gb.update_or_create_assignment(chapter, duedate=due)
        return due

    # -- helpers --------------------------------------------------------------
    def _ensure_released(self, chapters):
        """Register chapters the gradebook does not know yet (a fresh clone has no gradebook)."""
        import sqlalchemy as sa

        known = set()
        engine = sa.create_engine(self.db_url)
        try:
            with engine.connect() as con:
                if sa.inspect(con).has_table("assignment"):
                    known = {row[0] for row in con.execute(sa.text("select name from assignment"))}
        finally:
            engine.dispose()
        missing = sorted(set(chapters) - known)
        if missing:
            self.release(missing, progress=False)

    def _sqlite_path(self):
        url = self.db_url
        return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None

    def _backup_gradebook(self):
        """A copy of a SQLite gradebook before a run writes to it (a server's database has its own backups)."""
        db = self._sqlite_path()
        if db is not None and db.exists():
            with contextlib.closing(sqlite3.connect(db)) as src, \
                    contextlib.closing(sqlite3.connect(db.with_name(db.name + ".bak"))) as dst:
                src.backup(dst)


def _prepare_release(path):
    """The student version runs anywhere: tags for Run All, the book's address in its first cell."""
    import nbformat

    from .student import prepare_release_notebook

    nb = nbformat.read(str(path), as_version=4)
    prepare_release_notebook(nb)
    nbformat.write(nb, str(path))


def _previous(notebook):
    """Where a submission refused at collect moves the student's earlier file."""
    return notebook.with_name(notebook.name + ".previous")


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


def _collect_timestamp(src, dest):
    """Copy the platform's submission time (``<chapter>.timestamp.txt``), which nbgrader's late
    penalty reads; a submission without one is never late."""
    if dest.exists():
        dest.unlink()
    if src.is_file() and not src.is_symlink() and src.stat().st_size < 200:
        dest.write_text(src.read_text(errors="replace").strip() + "\n")


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


def _progress_bar(total, done, desc, progress):
    """A bar over ``total`` submissions, ``done`` of them already (None without progress)."""
    if not progress or total < 2:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, desc=desc, unit="nb", file=sys.stderr)


def _bar(items, desc, progress):
    """``items`` as a list, or iterated under a bar when there is progress to show."""
    items = list(items)
    bar = _progress_bar(len(items), 0, desc, progress)
    return items if bar is None else _ticking(items, bar)


def _ticking(items, bar):
    with bar:
        for item in items:
            yield item
            bar.update()


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
