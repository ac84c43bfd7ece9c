"""The grading queue: FIFO, visible positions, a clear 'busy', one slot per worker."""

from __future__ import annotations

import threading

import pytest

from gocoach.practice.grading.queue import GradingQueue, QueueBusy


class Gate:
    """Work that blocks until released, recording the order it ran in and its slot."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started: list[str] = []
        self.slots: set[int] = set()
        self.lock = threading.Lock()
        self.first_started = threading.Event()

    def work(self, name: str):  # type: ignore[no-untyped-def]
        def run(slot: int) -> str:
            with self.lock:
                self.started.append(name)
                self.slots.add(slot)
            self.first_started.set()
            self.release.wait(5)
            return f"graded {name}"

        return run


def test_jobs_run_first_in_first_out_with_positions() -> None:
    gate = Gate()
    queue: GradingQueue[str] = GradingQueue(workers=1, max_waiting=10)
    first = queue.submit(gate.work("a"))
    gate.first_started.wait(5)
    later = [queue.submit(gate.work(name)) for name in "bcd"]
    assert queue.status(first).state == "running"
    assert [queue.status(j).position for j in later] == [1, 2, 3]
    gate.release.set()
    assert queue.wait(later[-1], timeout=5).result == "graded d"
    assert gate.started == ["a", "b", "c", "d"]
    queue.close()


def test_full_queue_says_busy_try_again() -> None:
    gate = Gate()
    queue: GradingQueue[str] = GradingQueue(workers=1, max_waiting=2)
    queue.submit(gate.work("running"))
    gate.first_started.wait(5)
    queue.submit(gate.work("w1"))
    queue.submit(gate.work("w2"))
    with pytest.raises(QueueBusy, match="Try again in a minute") as busy:
        queue.submit(gate.work("w3"))
    assert busy.value.args[0].code == "queue.busy" and busy.value.args[0].params == {"waiting": 2}
    gate.release.set()
    queue.close()


def test_each_worker_has_its_own_slot() -> None:
    gate = Gate()
    queue: GradingQueue[str] = GradingQueue(workers=2, max_waiting=10)
    jobs = [queue.submit(gate.work(str(i))) for i in range(2)]
    while len(gate.started) < 2:
        gate.first_started.wait(0.01)
    assert gate.slots == {0, 1}
    gate.release.set()
    for job in jobs:
        queue.wait(job, timeout=5)
    queue.close()


def test_default_worker_count_is_the_cpu_count() -> None:
    import os

    queue: GradingQueue[str] = GradingQueue()
    assert queue.workers == (os.cpu_count() or 1)
    queue.close()


def test_failing_job_is_reported_and_the_worker_survives() -> None:
    def boom(slot: int) -> str:
        raise RuntimeError("sandbox exploded")

    queue: GradingQueue[str] = GradingQueue(workers=1)
    failed = queue.wait(queue.submit(boom), timeout=5)
    assert failed.state == "failed" and "sandbox exploded" in (failed.error or "")
    assert queue.wait(queue.submit(lambda slot: "ok"), timeout=5).result == "ok"
    queue.close()


def test_unknown_job_id_raises_key_error() -> None:
    queue: GradingQueue[str] = GradingQueue(workers=1)
    with pytest.raises(KeyError):
        queue.status("job-404")
    queue.close()


def test_closed_queue_refuses_work_and_drops_waiting_jobs() -> None:
    gate = Gate()
    queue: GradingQueue[str] = GradingQueue(workers=1)
    queue.submit(gate.work("running"))
    gate.first_started.wait(5)
    waiting = queue.submit(gate.work("waiting"))
    gate.release.set()
    queue.close()
    assert queue.status(waiting).state == "failed"
    with pytest.raises(QueueBusy):
        queue.submit(gate.work("late"))
