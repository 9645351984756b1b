"""Grading one notebook: its code runs in the sandbox, its tests run here.

``judge(submission, source, chapter)`` decides every test cell of a chapter
for one student:

1. ``program`` picks the cells to run in the sandbox: the set-up cell and the
   chapter's own demo cells that the student's code needs (in their released
   form), every answer cell and every cell the student added.  Answer cells
   still holding the released stub (or the released code to repair, unchanged)
   run first, so an answer the student wrote in another cell is the one graded.
   Test cells never run there.
2. The sandbox runs those cells; then each test cell of the instructor's
   notebook (with its hidden part) runs in this process, where the names it
   uses from the notebook are ``Answer`` proxies: the checks and the expected
   results stay on this side.
"""

import ast
import builtins
import contextlib
import io
import time
from dataclasses import dataclass, field

from checks.core import GradingError
from checks.guard import USES_REFERENCE
from checks.runner import python_source

from .sandbox import Limits, RemoteError, Sandbox, SandboxStopped, Session
from .student import student_source


@dataclass
class Verdict:
    """The outcome of one test cell."""

    grade_id: str
    passed: bool
    output: str = ""  # what the checks printed
    ename: str = ""
    evalue: str = ""


@dataclass
class Judgement:
    verdicts: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # for the student's feedback
    seconds: float = 0.0


def nbgrader_meta(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def is_test(cell):
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_answer(cell):
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("solution"))


def source_of(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def names(source):
    """(bound, used): names a cell binds at top level and names it reads anywhere."""
    try:
        tree = ast.parse(python_source(source))
    except (SyntaxError, ValueError):
        return set(), set()
    bound, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return bound, used


def program(submission, source):
    """The cells to run in the sandbox, as [{"label", "source"}], and notes on what was decided."""
    released = {c.get("id"): c for c in source.get("cells", []) if c.get("cell_type") == "code"}
    given = {str(nbgrader_meta(c).get("grade_id")): student_source(c) for c in source.get("cells", [])
             if is_answer(c) and student_source(c) is not None}  # code released to be repaired
    stubs, rest, demos, notes = [], [], [], []
    setup = None
    tests_seen = []  # (grade id, names it reads) of the test cells met so far
    for cell in submission.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = nbgrader_meta(cell)
        text = source_of(cell)
        if is_test(cell):
            tests_seen.append((str(meta.get("grade_id")), names(text)[1]))
            continue
        if is_answer(cell):
            gid = str(meta.get("grade_id", "answer"))
            bound = names(text)[0]
            notes.extend(f"test cell `{test_id}` stood above its answer `{gid}`; tests run after all of your "
                         "cells, so your answer as it stands at the end of the notebook was graded"
                         for test_id, used in tests_seen if used & bound)
            entry = {"label": gid, "source": text}
            untouched = _is_stub(text) or (gid in given and text.strip() == given[gid].strip())
            (stubs if untouched or cell.get("metadata", {}).get("course_restored") else rest).append(entry)
        elif meta.get("locked") and setup is None:
            setup = {"label": str(meta.get("grade_id", "setup")),
                     "source": source_of(_released_setup(source) or cell)}
        elif cell.get("id") in released and not nbgrader_meta(released[cell.get("id")]):
            demos.append((len(rest), {"label": f"demo {cell.get('id')}",
                                      "source": source_of(released[cell.get("id")])}))
        else:
            rest.append({"label": f"your cell {cell.get('id', '?')}", "source": text})
    needed = _needed_demos([c["source"] for c in rest + stubs], [d for _, d in demos])
    ordered = []
    for i, entry in enumerate(rest):
        ordered.extend(d for at, d in demos if at == i and d["label"] in needed)
        ordered.append(entry)
    ordered.extend(d for at, d in demos if at == len(rest) and d["label"] in needed)
    if stubs and rest:
        notes.append("answer cells still holding the released stub ran before your other cells, "
                     "so a function you wrote elsewhere is the one graded")
    return [c for c in [setup] if c] + stubs + ordered, notes


def _released_setup(source):
    for cell in source.get("cells", []):
        if cell.get("cell_type") == "code" and nbgrader_meta(cell).get("locked") and not is_test(cell):
            return cell
    return None


def _is_stub(text):
    body = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return any(ln == "raise NotImplementedError()" for ln in body) and not any(
        ln.startswith("return") for ln in body)


def _needed_demos(own_sources, demos):
    """Labels of the demo cells that bind a name the student's cells read, transitively."""
    wanted = set()
    for text in own_sources:
        wanted |= names(text)[1]
    needed, changed = set(), True
    while changed:
        changed = False
        for demo in demos:
            if demo["label"] in needed:
                continue
            bound, used = names(demo["source"])
            if bound & wanted:
                needed.add(demo["label"])
                wanted |= used
                changed = True
    return needed


MAX_RESTARTS = 5


class _Runs:
    """The sandbox of one notebook, started again (without the culprit) when a cell kills it.

    A cell that loops forever or ends the process costs only itself: the
    sandbox is restarted with the cells before it, and grading goes on while
    the notebook's total time lasts.
    """

    def __init__(self, cells, allowed, limits, unsafe, notes):
        self.cells, self.allowed, self.limits, self.unsafe, self.notes = cells, allowed, limits, unsafe, notes
        self.deadline = time.monotonic() + limits.notebook_seconds
        self.skipped = set()
        self.starts = 0
        self.sandbox = self.session = None

    def current(self):
        """A live session with every loadable cell run, or None when time is up."""
        if self.session is not None and not self.sandbox.stopped:
            return self.session
        while True:
            left = self.deadline - time.monotonic()
            if left <= 1:
                return None
            if self.sandbox is not None:
                self.sandbox.stop()
            limits = Limits(**{**vars(self.limits), "notebook_seconds": left})
            self.sandbox = Sandbox(allowed=self.allowed, limits=limits, unsafe_no_sandbox=self.unsafe)
            self.session = Session(self.sandbox)
            self.starts += 1
            culprit = self._load()
            if culprit is None:
                return self.session
            if culprit == 0 or len(self.skipped) >= MAX_RESTARTS:
                # The set-up cell itself, or cell after cell, stops the sandbox: give up on this notebook.
                self.notes.append("the notebook could not be run in the sandbox; no test was graded")
                self.sandbox.stop()
                self.deadline = 0
                return None
            self.skipped.add(culprit)

    def _load(self):
        """Load the cells one by one; the index of a cell that stopped the sandbox, or None."""
        first = self.starts == 1  # a restart loads the same cells again: report their errors once
        for i, cell in enumerate(self.cells):
            if i in self.skipped:
                continue
            try:
                # The set-up cell is the chapter's own (imports): it gets the longer set-up limit.
                seconds = max(self.limits.call_seconds, self.limits.setup_seconds) if i == 0 else None
                (result,) = self.session.load([cell], seconds=seconds) or [{}]
            except (SandboxStopped, ValueError) as exc:
                if time.monotonic() >= self.deadline - 1:
                    self.notes.append(f"grading stopped: {exc}")
                    return None
                self.notes.append(f"cell `{cell['label']}` stopped the notebook ({exc}); "
                                  "it was left out and the rest graded")
                return i
            err = result.get("error") if isinstance(result, dict) else None
            if first and err and i > 0 and not str(cell["label"]).startswith("demo"):
                err = err if isinstance(err, dict) else {}
                self.notes.append(f"cell `{cell['label']}` raised {err.get('type_name')}: "
                                  f"{str(err.get('message'))[:300]}")
        return None

    def close(self):
        if self.sandbox is not None:
            self.sandbox.stop()


def judge(submission, source, chapter, allowed=(), limits=None, unsafe_no_sandbox=False):
    """Run ``submission`` (a notebook as a dict) in a sandbox and decide the tests of ``source``."""
    start = time.perf_counter()
    result = Judgement()
    cells, notes = program(submission, source)
    result.notes.extend(notes)
    tests = [c for c in source.get("cells", []) if is_test(c)]
    runs = _Runs(cells, allowed, limits or Limits(), unsafe_no_sandbox, result.notes)
    try:
        for test in tests:
            session = runs.current()
            if session is None:
                gid = str(nbgrader_meta(test).get("grade_id"))
                result.verdicts.append(Verdict(gid, False, "", "GradingError",
                                               "the notebook used up its grading time before this test"))
                continue
            result.verdicts.append(_run_test(session, test))
    finally:
        runs.close()
    result.seconds = time.perf_counter() - start
    return result


def _run_test(session, test):
    gid = str(nbgrader_meta(test).get("grade_id"))
    text = source_of(test)
    bound, used = names(text)
    namespace = {"__name__": "__grader__"}
    out = io.StringIO()
    try:
        for name in sorted(used - bound - set(dir(builtins))):
            kind, value = session.lookup(name)
            if kind != "missing":
                namespace[name] = value
        with contextlib.redirect_stdout(out):
            exec(compile(text, f"<test {gid}>", "exec"), namespace)
    except GradingError as exc:
        return Verdict(gid, False, out.getvalue(), type(exc).__name__, str(exc))
    except NameError as exc:
        return Verdict(gid, False, out.getvalue(), "NameError",
                       f"{exc}: the answer cell's function is missing from your notebook")
    except RemoteError as exc:
        return Verdict(gid, False, out.getvalue(), exc.type_name, str(exc))
    except Exception as exc:  # a check that could not handle what came back
        return Verdict(gid, False, out.getvalue(), type(exc).__name__, f"{exc}")
    return Verdict(gid, True, out.getvalue())


def reference_use(judgement):
    """Flags for tests whose answer reached for the reference inside the sandbox (the second check)."""
    return [f"test `{v.grade_id}`: the answer reached for the reference implementation while graded"
            for v in judgement.verdicts
            if not v.passed and USES_REFERENCE in v.evalue]
