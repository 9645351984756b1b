"""Grade a synthetic class with 1 and 2 local workers and on a 2-worker Dask cluster; project to 1,000 x 7.

Builds a temporary course, hands in 60 students' notebooks of chapter 5
(solutions, with every fifth one the blank release), and grades the class
three times (``force=True``, so each run grades everything):

1. ``--workers 1``, 2. ``--workers 2``, 3. a ``LocalCluster`` of 2 worker
processes through ``--scheduler`` (started in a process of its own).

It prints the wall times, the ratios, and the two per-submission costs that
decide the projection: ``w``, the worker's time for one submission (repair,
sandbox, judge), and ``r``, the coordinator's time to write one result
(copying the worker's autograde into the gradebook and the course's table).  With P workers and one
writer, a class of N takes about N * max(w / P, r): the workers' share while
the writer keeps up, the writer's once it does not.

Last, the coordinator's peak memory over its scheduling loop for classes of
100 and 1,000 small tasks (no nbgrader), to show that it stays flat.

Run:  python benchmarks/bench_class.py [--students 60] [--chapter ch5_training]
"""

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course.pipeline import Course  # noqa: E402
from course.workers import Result, run  # noqa: E402


def make_class(tmp, chapter, students):
    (tmp / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text())
    shutil.copytree(ROOT / "solutions" / chapter, tmp / "solutions" / chapter)
    solution = (ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text()
    blank = (ROOT / "chapters" / chapter / f"{chapter}.ipynb").read_text()
    for i in range(students):
        path = tmp / "submitted" / f"student{i:03d}" / chapter / f"{chapter}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(blank if i % 5 == 4 else solution)
    course = Course(tmp)
    course._ensure_released({chapter})
    return course


def grade(course, chapter, **how):
    """Wall seconds, worker seconds per submission, writer seconds per submission."""
    writes = []
    record = course._record

    def timed(result):
        start = time.perf_counter()
        try:
            return record(result)
        finally:
            writes.append((time.perf_counter() - start, result.seconds))

    course._record = timed
    start = time.perf_counter()
    outcomes = course.autograde([chapter], progress=False, force=True, **how)
    wall = time.perf_counter() - start
    course._record = record
    bad = [o for o in outcomes if o.status != "graded"]
    assert not bad, bad[:3]
    return wall, statistics.mean(w for _, w in writes), statistics.mean(r for r, _ in writes)


@contextlib.contextmanager
def local_cluster(workers):
    """The address of a ``LocalCluster`` of ``workers`` processes, run in a process of its own
    (as a real cluster is: its scheduler does not share the coordinator's interpreter)."""
    code = ("import sys\nfrom distributed import LocalCluster\n"
            f"cluster = LocalCluster(n_workers={workers}, threads_per_worker=1, dashboard_address=None, "
            "silence_logs=50)\nprint(cluster.scheduler_address, flush=True)\nsys.stdin.read()\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, cwd=tempfile.gettempdir())
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.stdin.close()
        proc.wait(timeout=120)


class _Instant:
    """An engine whose tasks are done at once: the coordinator's loop alone."""

    workers, lost = 8, ()

    class _Done:
        def __init__(self, value):
            self.value = value

        def result(self):
            return self.value

    def submit(self, task):
        return self._Done(Result(task[0], task[1], "0" * 64, verdicts=[{"grade_id": "t", "passed": True}] * 10))

    def wait(self, futures):
        return futures[:1]


def coordinator_peak(n):
    """Peak bytes traced while the scheduling loop hands out and takes back ``n`` small tasks."""
    notebook = json.dumps({"cells": [{"cell_type": "code", "source": "x = 1\n" * 200}] * 20}).encode()
    tracemalloc.start()
    kept = 0
    for _job, result in run(((f"s{i}", "ch") for i in range(n)), lambda job: (*job, notebook), _Instant()):
        kept += len(result.verdicts)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", default="ch5_training")
    parser.add_argument("--students", type=int, default=60)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        course = make_class(Path(tmp), args.chapter, args.students)
        n = args.students
        one = grade(course, args.chapter, workers=1)
        two = grade(course, args.chapter, workers=2)
        with local_cluster(2) as address:
            dask = grade(course, args.chapter, scheduler=address)
    print(f"\n{n} students on {args.chapter}:")
    print(f"{'':24s} {'wall s':>8s} {'s/student':>10s} {'worker w':>9s} {'writer r':>9s}")
    for name, (wall, w, r) in [("--workers 1", one), ("--workers 2", two), ("Dask LocalCluster x2", dask)]:
        print(f"{name:24s} {wall:8.1f} {wall / n:10.2f} {w:9.2f} {r:9.2f}")
    print(f"speed-up, 2 workers over 1:      {one[0] / two[0]:.2f}x")
    print(f"Dask over 2 local workers:        {dask[0] / two[0]:.2f}x the time "
          f"({(dask[0] - two[0]) / n * 1000:+.0f} ms per submission)")

    w, r = one[1], one[2]  # costs measured with one worker: the least disturbed by the other
    dask_extra = max(0.0, (dask[0] - two[0]) / n) * 2  # per task, per worker
    total = 1000 * 7
    print(f"\nprojection for 1,000 students x 7 chapters = {total} submissions, from w = {w:.2f} s "
          f"and r = {r:.2f} s per submission (chapter 5, the slowest chapter, for all seven):")
    for name, workers, extra in [("32-core machine, 31 workers + the writer", 31, 0.0),
                                 ("10 nodes x 32 cores on Dask, 320 workers", 320, dask_extra)]:
        per = max((w + extra) / workers, r)
        bound = "the writer" if r >= (w + extra) / workers else "the workers"
        print(f"  {name}: {total} x max({w + extra:.2f}/{workers}, {r:.2f}) = {total * per / 3600:.2f} h "
              f"(bound by {bound})")
    print(f"  one worker, as before this change: {total * (w + r) / 3600:.1f} h")

    small, large = coordinator_peak(100), coordinator_peak(1000)
    notebook = (ROOT / "solutions" / args.chapter / f"{args.chapter}.ipynb").stat().st_size
    print(f"\ncoordinator's scheduling loop, peak traced memory (small notebooks, no nbgrader): "
          f"100 tasks {small / 2**20:.2f} MiB, 1,000 tasks {large / 2**20:.2f} MiB; "
          f"holding 1,000 {args.chapter} notebooks at once would take {1000 * notebook / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
