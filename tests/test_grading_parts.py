"""Fast checks of the parallel grader's loop and of the late penalty (no sandbox, no nbgrader run)."""

import concurrent.futures as cf
import concurrent.futures.process

import pytest

from course.late import PenaltyPerDay
from course.workers import MAX_ATTEMPTS, Result, run

DAY = 86400


class _Future:
    def __init__(self, value=None, error=None):
        self.value, self.error = value, error

    def result(self):
        if self.error:
            raise self.error
        return self.value

    def exception(self):
        return self.error


class _FlakyEngine:
    """Tasks finish at once; the tasks named in ``dies`` break the pool the first ``times`` times."""

    workers = 2
    lost = (cf.process.BrokenProcessPool,)

    def __init__(self, dies, times):
        self.dies, self.times, self.sent, self.recovered = dies, times, [], 0

    def submit(self, task):
        self.sent.append(task)
        if task in self.dies and self.sent.count(task) <= self.times:
            return _Future(error=cf.process.BrokenProcessPool("a worker died"))
        return _Future(Result(task[0], task[1], "h"))

    def wait(self, futures):
        return futures[:1]

    def recover(self, futures):
        self.recovered += 1


def test_a_task_whose_worker_died_is_sent_again_and_graded_once():
    jobs = [(f"s{i}", "ch") for i in range(6)]
    engine = _FlakyEngine(dies={("s2", "ch")}, times=1)
    results = list(run(jobs, lambda job: job, engine))
    assert sorted(job for job, _ in results) == sorted(jobs)
    assert all(not r.fatal for _, r in results)
    assert engine.sent.count(("s2", "ch")) == 2 and engine.recovered >= 1


def test_a_task_that_always_kills_its_worker_fails_alone_after_the_last_attempt():
    jobs = [(f"s{i}", "ch") for i in range(4)]
    engine = _FlakyEngine(dies={("s1", "ch")}, times=99)
    results = dict(run(jobs, lambda job: job, engine))
    assert engine.sent.count(("s1", "ch")) == MAX_ATTEMPTS
    assert "died" in results[("s1", "ch")].fatal
    assert all(not results[j].fatal for j in jobs if j != ("s1", "ch"))


def test_a_job_that_cannot_be_prepared_fails_alone():
    def make(job):
        if job[0] == "bad":
            raise FileNotFoundError("no release")
        return job

    results = dict(run([("ok", "ch"), ("bad", "ch")], make, _FlakyEngine(set(), 0)))
    assert "no release" in results[("bad", "ch")].fatal and not results[("ok", "ch")].fatal


@pytest.mark.parametrize("late, taken", [(-5, 0.0), (10 * 60, 0.0), (16 * 60, 0.1), (DAY, 0.1),
                                         (DAY + 20 * 60, 0.2), (30 * DAY, 1.0)])
def test_late_penalty_takes_a_tenth_per_started_day_after_the_grace(late, taken):
    plugin = PenaltyPerDay(fraction_per_day=0.1, grace_minutes=15, max_fraction=1.0)
    assert plugin.late_submission_penalty("ada", 20.0, late) == pytest.approx(20.0 * taken)
