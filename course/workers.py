"""Judging many submissions at once: the worker's task, and the loop that feeds the workers.

The work of grading one submission splits in two:

- ``grade_task(task)``, the worker's part, needs only plain data (the
  student's notebook as bytes, the released notebook, the instructor's code
  cells, the chapter's name and the limits) and the installed packages and
  bubblewrap; nothing of the course directory.  It checks and repairs the
  notebook, runs it in its own sandbox, judges every test cell and returns
  plain data: the repaired notebook, the verdicts, the notes and the flags.
- The coordinator (``course.pipeline.Course``) writes that result into
  nbgrader's gradebook and the course's table, one result at a time: it is
  the only writer.

``run(jobs, make_task, engine)`` keeps a bounded number of tasks in flight on
an engine (``LocalEngine``: a pool of processes on this machine; or
``course.distributed.DaskEngine``) and yields each job with its result as soon
as it comes back, so the coordinator's memory does not grow with the class.
A local worker that dies (killed, out of memory) takes its tasks with it: they
are handed out again, at most ``MAX_ATTEMPTS`` times each.
"""

import concurrent.futures as cf
import concurrent.futures.process
import hashlib
import multiprocessing
import os
import tempfile
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from pathlib import Path

MAX_ATTEMPTS = 3


@dataclass
class Task:
    """Everything a worker needs to grade one submission, as plain data.

    ``source`` is the instructor's notebook (the set-up, demo and test cells
    with their hidden parts); ``release`` is the student version, as text,
    against which a damaged submission is repaired.
    """

    student: str
    chapter: str
    notebook: bytes
    release: str
    source: dict
    allowed: tuple = ()
    limits: object = None  # course.sandbox.Limits
    unsafe_no_sandbox: bool = False
    config: str = ""  # nbgrader_config.py's text: when given, the worker runs nbgrader's autograde too
    timestamp: str = ""  # when the student handed in (timestamp.txt), for the late penalty
    duedate: str = ""  # the chapter's due date in the gradebook, or ""


@dataclass
class Result:
    """What a worker sends back for one submission (plain data only)."""

    student: str
    chapter: str
    content_hash: str
    fatal: str = ""  # why the submission cannot be graded, or ""
    notes: list = field(default_factory=list)  # for the student's feedback
    flags: list = field(default_factory=list)  # for the instructor's review
    repaired: str = ""  # the notebook nbgrader grades, when the worker had to repair it
    verdicts: list = field(default_factory=list)  # dicts of course.judge.Verdict
    autograded: dict = None  # nbgrader's autograde done here (course.scratch), or None
    seconds: float = 0.0
    worker: str = ""


def content_hash(data):
    return hashlib.sha256(data).hexdigest()


def grade_task(task):
    """Inspect, repair, run and judge one submission; a ``Result`` (never raises for the student's sake)."""
    from .judge import judge, reference_use
    from .scan import flags
    from .submissions import inspect_and_repair

    start = time.perf_counter()
    result = Result(task.student, task.chapter, content_hash(task.notebook),
                    worker=f"{os.uname().nodename}:{os.getpid()}")
    try:
        with tempfile.TemporaryDirectory(prefix="course-task-") as tmp:
            path, release = Path(tmp) / "submission.ipynb", Path(tmp) / "release.ipynb"
            path.write_bytes(task.notebook)
            release.write_text(task.release)
            found = inspect_and_repair(path, release)
            result.notes.extend(found.notes)
            if found.fatal:
                result.fatal = found.fatal
                return result
            text = path.read_text()
            if (Path(tmp) / "submission.ipynb.orig").exists():
                result.repaired = text
        import json

        submission = json.loads(text)
        judgement = judge(submission, task.source, task.chapter, allowed=task.allowed,
                          limits=task.limits, unsafe_no_sandbox=task.unsafe_no_sandbox)
        result.flags = flags(submission, task.source, task.allowed) + reference_use(judgement)
        result.notes = (result.notes + judgement.notes
                        + [f"flagged for review: {f}" for f in result.flags])
        result.verdicts = [asdict(v) for v in judgement.verdicts]
        if task.config:
            judgement.notes = result.notes
            result.autograded = _autograde_here(task, text, judgement)
    except Exception as exc:  # a bug or an exhausted machine: this submission only
        result.fatal = f"grading failed: {type(exc).__name__}: {exc}"
    finally:
        result.seconds = time.perf_counter() - start
    return result


def _autograde_here(task, notebook_text, judgement):
    """nbgrader's autograde of the judged notebook in this process's scratch course, or None
    (then the coordinator runs it)."""
    import json

    from .scratch import scratch_course

    try:
        course = scratch_course(task.chapter, json.dumps(task.source), task.config)
        done = course.autograde(task.student, notebook_text, judgement, task.timestamp, task.duedate or None)
    except Exception:  # the coordinator can still autograde it the usual way
        return None
    return done if done["success"] else None


class LocalEngine:
    """A pool of ``workers`` processes on this machine."""

    lost = (cf.process.BrokenProcessPool,)

    def __init__(self, workers):
        if workers < 1:
            raise ValueError(f"expected at least 1 worker, got {workers}")
        self.workers = workers
        self.pool = None
        self._start()

    def _start(self):
        # fork: a worker starts with the grader's modules already imported, and a script
        # that calls autograde needs no `if __name__ == "__main__"` guard.
        self.pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("fork"))

    def submit(self, task):
        return self.pool.submit(grade_task, task)

    def wait(self, futures):
        done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return done

    def recover(self, futures):
        """After a worker died: let the broken pool fail its other tasks, remove the dead
        worker's scratch course, then start a new pool."""
        from .scratch import sweep_orphans

        cf.wait(futures)
        self.pool.shutdown(wait=False, cancel_futures=True)
        sweep_orphans()
        self._start()

    def pids(self):
        return [p.pid for p in (self.pool._processes or {}).values()]

    def close(self):
        processes = list((self.pool._processes or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:  # idle workers end on their own (and remove their scratch course)
            p.join(timeout=5)
        for p in processes:  # an interrupted run leaves no worker behind (their sandboxes die with them)
            if p.is_alive():
                p.terminate()
                p.join(timeout=10)
        from .scratch import sweep_orphans

        sweep_orphans()  # the scratch courses of workers that were terminated or killed


def run(jobs, make_task, engine, window=None):
    """Yield ``(job, Result)`` for every job, in the order they finish.

    ``make_task(job)`` builds a job's ``Task`` just before it is sent, and at
    most ``window`` tasks (default: twice the workers) are in flight, so a
    class of any size costs the coordinator the same memory.
    """
    window = window or 2 * getattr(engine, "workers", 1)
    todo, inflight, attempts = deque(jobs), {}, Counter()
    while todo or inflight:
        while todo and len(inflight) < window:
            job = todo.popleft()
            try:
                task = make_task(job)
            except Exception as exc:  # e.g. the chapter's release is missing: this job only
                yield job, _failed(job, f"could not prepare the grading: {type(exc).__name__}: {exc}")
                continue
            inflight[engine.submit(task)] = job
        lost = False
        for future in engine.wait(list(inflight)):
            job = inflight.pop(future)
            try:
                result = future.result()
            except engine.lost:
                lost = True
                attempts[job] += 1
                if attempts[job] < MAX_ATTEMPTS:
                    todo.appendleft(job)
                    continue
                result = _failed(job, f"the grading process died {attempts[job]} times while grading "
                                      "this submission")
            except Exception as exc:  # e.g. dask's KilledWorker after its own retries
                result = _failed(job, f"grading failed: {type(exc).__name__}: {exc}")
            yield job, result
        if lost:  # a local worker died: its pool fails every task it held; hand those out again
            engine.recover(list(inflight))
            for future, job in list(inflight.items()):
                del inflight[future]
                if future.exception() is None:
                    yield job, future.result()
                    continue
                attempts[job] += 1
                todo.appendleft(job)


def _failed(job, why):
    student, chapter = job
    return Result(student, chapter, "", fatal=why)
