"""A FIFO grading queue: one worker thread per slot, bounded waiting list, visible positions."""

from __future__ import annotations

import os
import secrets
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from gocoach.practice.grading.reasons import Reason

T = TypeVar("T")
State = Literal["waiting", "running", "done", "failed"]


class QueueBusy(RuntimeError):
    """The waiting list is full; the message (a Reason here) asks the learner to retry later."""


@dataclass(frozen=True)
class JobStatus(Generic[T]):
    """Where a job is: its 1-based place in line while waiting, its result when done."""

    job_id: str
    state: State
    position: int | None = None
    result: T | None = None
    error: str | None = None


class GradingQueue(Generic[T]):
    """Runs submitted work FIFO on `workers` threads; work receives its worker slot number."""

    def __init__(self, *, workers: int | None = None, max_waiting: int = 32, keep_done: int = 500):
        self.workers = workers or os.cpu_count() or 1
        self.max_waiting = max_waiting
        self._keep_done = keep_done
        self._cond = threading.Condition()
        self._waiting: deque[tuple[str, Callable[[int], T]]] = deque()
        self._status: OrderedDict[str, JobStatus[T]] = OrderedDict()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, args=(slot,), name=f"grader-{slot}", daemon=True)
            for slot in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, work: Callable[[int], T]) -> str:
        """Queue work and return its job id; raise QueueBusy when the line is full."""
        with self._cond:
            if self._closed:
                raise QueueBusy(Reason("queue.closed"))
            if len(self._waiting) >= self.max_waiting:
                raise QueueBusy(Reason("queue.busy", waiting=len(self._waiting)))
            job_id = f"job-{secrets.token_hex(8)}"  # unguessable, unique across restarts
            self._waiting.append((job_id, work))
            self._status[job_id] = JobStatus(job_id, "waiting")
            self._cond.notify_all()
            return job_id

    def status(self, job_id: str) -> JobStatus[T]:
        """Return the job's state; `position` counts from 1 for the next job to start."""
        with self._cond:
            return self._status_locked(job_id)

    def wait(self, job_id: str, timeout: float | None = None) -> JobStatus[T]:
        """Block until the job is done or failed (or the timeout passes) and return its status."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._status_locked(job_id).state in ("done", "failed"), timeout
            )
            return self._status_locked(job_id)

    def close(self, *, wait: bool = True) -> None:
        """Stop accepting work; running jobs finish, waiting jobs are dropped."""
        with self._cond:
            self._closed = True
            for job_id, _ in self._waiting:
                self._status[job_id] = JobStatus(job_id, "failed", error="queue closed")
            self._waiting.clear()
            self._cond.notify_all()
        if wait:
            for thread in self._threads:
                thread.join()

    def _status_locked(self, job_id: str) -> JobStatus[T]:
        status = self._status.get(job_id)
        if status is None:
            raise KeyError(job_id)
        if status.state != "waiting":
            return status
        position = next(i for i, (jid, _) in enumerate(self._waiting, 1) if jid == job_id)
        return JobStatus(job_id, "waiting", position=position)

    def _work(self, slot: int) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or bool(self._waiting))
                if not self._waiting:
                    return
                job_id, work = self._waiting.popleft()
                self._status[job_id] = JobStatus(job_id, "running")
            try:
                done: JobStatus[T] = JobStatus(job_id, "done", result=work(slot))
            except Exception as exc:  # a failed job must not kill its worker
                done = JobStatus(job_id, "failed", error=f"{type(exc).__name__}: {exc}")
            with self._cond:
                self._status[job_id] = done
                self._forget_old_locked()
                self._cond.notify_all()

    def _forget_old_locked(self) -> None:
        finished = [j for j, s in self._status.items() if s.state in ("done", "failed")]
        for job_id in finished[: max(0, len(finished) - self._keep_done)]:
            del self._status[job_id]
