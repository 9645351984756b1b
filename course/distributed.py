"""Grading on a Dask cluster: the same per-submission tasks, sent to ``dask.distributed`` workers.

``python -m course autograde --scheduler tcp://HOST:PORT`` hands each
submission's ``course.workers.Task`` to the cluster whose scheduler listens
there (started by hand with ``dask scheduler`` and ``dask worker``, on Slurm
with dask-jobqueue, or on Kubernetes).  A worker needs the course's packages
(``mlp``, ``checks``, ``course``) and bubblewrap, nothing of the course
directory: the task carries the notebook, and the result comes back as plain
data, which this process alone writes into the gradebook.  A worker that dies
loses nothing: the scheduler gives its tasks to another worker, and after
``distributed.scheduler.allowed-failures`` deaths it reports the task as
failed (``KilledWorker``), which is recorded for that submission alone.
"""

import uuid


class DaskEngine:
    """Submit tasks to the Dask scheduler at ``address`` (or a ``distributed.Client``)."""

    lost = ()  # the scheduler itself reschedules the tasks of a dead worker

    def __init__(self, address):
        from distributed import Client

        self.owned = not hasattr(address, "submit")
        self.client = Client(address, timeout=30) if self.owned else address
        self.workers = max(1, sum(self.client.nthreads().values()))

    def submit(self, task):
        from .workers import grade_task

        # pure=False and a unique key: a resubmitted, unchanged notebook is graded again, not looked up.
        key = f"grade-{task.student}-{task.chapter}-{uuid.uuid4().hex[:8]}"
        return self.client.submit(grade_task, task, key=key, pure=False)

    def wait(self, futures):
        from distributed import wait

        return wait(futures, return_when="FIRST_COMPLETED").done

    def recover(self, futures):  # never called: ``lost`` is empty
        pass

    def close(self):
        if self.owned:
            self.client.close()
