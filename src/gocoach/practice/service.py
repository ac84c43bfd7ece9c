"""The grader as the app uses it: isolation decided once, a queue, and a build-cache warm-up.

One implementation for the web app, the CLI and `gocoach worker`:

    >>> service = GradingService(settings)                       # doctest: +SKIP
    >>> service.grade(exercise, {"pool.go": source}, slot=0)     # CLI, worker: synchronous
    >>> job = service.enqueue(exercise, files, owner=user.id, on_done=store)  # web: queued
    >>> service.job(job, owner=user.id).position                 # 1, 2, … while waiting

With PostgreSQL (team mode) the web app's service grades nothing: `queue_app` is set, and the
web defers submissions to `gocoach worker` processes (practice/jobs.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from gocoach.practice.exercises import (
    conceal_hidden_tests,
    hidden_test_files,
    load_catalogue,
)
from gocoach.practice.grading import (
    Exercise,
    GradeResult,
    GradingQueue,
    GradingSettings,
    JobStatus,
    Reason,
    SandboxUnavailable,
    choose_isolation,
    find_go_root,
    grade_submission,
    sandbox_available,
    warm_build_cache,
)
from gocoach.practice.grading.cache import CacheTrimmer, warmup_plan
from gocoach.practice.grading.cgroups import cgroup_support, sweep_stale
from gocoach.practice.grading.runner import go_cache
from gocoach.practice.grading.sandbox import Isolation
from gocoach.practice.grading.slots import JobRoot, lease_uid
from gocoach.practice.jobs import Grader, queue_app, uses_workers
from gocoach.store.settings import Settings

if TYPE_CHECKING:
    import procrastinate

INSTALL_HINT = "sudo apt-get install bubblewrap"
CLI_SLOTS = 32
MAX_JOBS_KEPT = 1000
WARMUP_STOP_SECONDS = 10.0  # closing waits this long for the killed warm-up build to end
CACHE_MAX_BYTES = 3 * 1024**3  # the shared Go build cache is trimmed back under this


@dataclass
class WarmupState:
    """Progress of the background build-cache warm-up (shown as a progress bar)."""

    running: bool = False
    done: int = 0
    total: int = 0
    label: str = ""
    failed: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def percent(self) -> int:
        """Share of builds done, 0..100."""
        return round(100 * self.done / self.total) if self.total else 100


@dataclass(frozen=True)
class Outcome:
    """A finished job: the grade and whatever the completion callback returned."""

    result: GradeResult
    stored: Any = None


@dataclass(frozen=True)
class Job:
    """Who submitted a job and for which exercise (so only its owner can poll it)."""

    owner: int
    slug: str


class GradingService:
    """Grades submissions with the isolation this machine allows, one queue for the app."""

    def __init__(self, settings: Settings, *, catalogue: Sequence[Exercise] | None = None):
        self.settings = settings
        self.catalogue = tuple(catalogue) if catalogue is not None else load_catalogue(
            settings.content_dir)
        status = sandbox_available()
        self.sandboxed = status.available
        self.sandbox_reason = status.reason
        # why grading is refused here / what the learner must know: reasons (str: English)
        self.warning: Reason | None = None
        self.refusal: Reason | None = None
        isolation: Isolation = "bwrap"
        try:
            decision = choose_isolation(status=status, server_mode=settings.mode == "server",
                                        allow_unsandboxed=settings.allow_unsandboxed)
            isolation, self.warning = decision.isolation, decision.warning
        except SandboxUnavailable as exc:
            self.refusal = exc.reason
        self.workers = settings.grading_workers or os.cpu_count() or 1
        cache_dir, self.work_root = _directories(settings, unsandboxed_root=isolation != "bwrap")
        self.grading = GradingSettings(go_root=find_go_root(), cache_dir=cache_dir,
                                       isolation=isolation, run_uid=settings.grading_uid_base)
        self.warmup = WarmupState()
        self.jobs_root = JobRoot(self.work_root)
        if cgroup_support().version is not None:
            sweep_stale()  # job cgroups of gocoach processes that died mid-run
        self.trimmer = CacheTrimmer(go_cache(self.grading), max_bytes=CACHE_MAX_BYTES)
        self._queue: GradingQueue[Outcome] | None = None
        self.queue_app: procrastinate.App | None = None  # team mode: workers grade (web)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._warm_thread: threading.Thread | None = None
        self._stop_warmup = threading.Event()

    # --- grading ----------------------------------------------------------------------------

    def check_enabled(self) -> None:
        """Raise SandboxUnavailable when grading is refused on this machine (server mode)."""
        if self.refusal is not None:
            raise SandboxUnavailable(self.refusal)

    def grade(self, exercise: Exercise, files: Mapping[str, str], *, slot: int = 0) -> GradeResult:
        """Grade now, on this thread, as a uid leased for this grading alone.

        The uid is locked machine-wide (slots.lease_uid), so no other gocoach process, web or
        CLI, runs code as it meanwhile, and its cleanup kills only this grading's processes.
        `slot` is kept for callers; the uid no longer derives from it. What it returns (and
        so what is stored and shown) holds none of the hidden tests' source.
        """
        self.check_enabled()
        work_root = self.jobs_root.open()
        try:
            if self.grading.run_uid is None or os.geteuid() != 0:
                result = grade_submission(exercise=exercise, files=files,
                                          settings=self.grading, work_root=work_root)
            else:
                with lease_uid(self.settings.grading_uid_base) as uid:
                    result = grade_submission(exercise=exercise, files=files,
                                              settings=replace(self.grading, run_uid=uid),
                                              work_root=work_root)
        finally:
            self.trimmer.maybe_trim()
        return conceal_hidden_tests(result, hidden_test_files(exercise))

    @contextlib.contextmanager
    def lease(self) -> Iterator[tuple[GradingSettings, Path]]:
        """This service's grading settings with a uid leased for one job alone, and the job
        folder root: for graders other than exercises (projects) that share the sandbox."""
        self.check_enabled()
        work_root = self.jobs_root.open()
        try:
            if self.grading.run_uid is None or os.geteuid() != 0:
                yield self.grading, work_root
            else:
                with lease_uid(self.settings.grading_uid_base) as uid:
                    yield replace(self.grading, run_uid=uid), work_root
        finally:
            self.trimmer.maybe_trim()

    def enqueue_work(self, work: Callable[[int], Outcome], *, owner: int, slug: str) -> str:
        """Queue other grading work (a project's tester) in the same line and worker slots as
        exercises; poll it with `job`. QueueBusy when the line is full."""
        self.check_enabled()
        self.start()
        assert self._queue is not None
        job_id = self._queue.submit(work)
        with self._lock:
            self._jobs[job_id] = Job(owner, slug)
            while len(self._jobs) > MAX_JOBS_KEPT:
                del self._jobs[next(iter(self._jobs))]
        return job_id

    def cli_slot(self) -> int:
        """Kept for callers: uids are leased per grading now (see `grade`)."""
        return self.workers + os.getpid() % CLI_SLOTS

    def start(self) -> None:
        """Start the queue's worker threads (the web app does this at start-up)."""
        with self._lock:
            if self._queue is None:
                self._queue = GradingQueue(workers=self.workers,
                                           max_waiting=self.settings.grading_queue)

    def close(self) -> None:
        """Stop the warm-up (its build is killed) and the queue: running jobs finish, waiting
        ones are dropped."""
        self._stop_warmup.set()
        if self._warm_thread is not None:
            self._warm_thread.join(timeout=WARMUP_STOP_SECONDS)
        with self._lock:
            queue, self._queue = self._queue, None
        if queue is not None:
            queue.close(wait=True)
        self.jobs_root.close()

    def enqueue(
        self,
        exercise: Exercise,
        files: Mapping[str, str],
        *,
        owner: int,
        on_done: Callable[[GradeResult], Any] | None = None,
    ) -> str:
        """Queue a submission; QueueBusy when the line is full, SandboxUnavailable if refused."""
        self.check_enabled()
        self.start()
        assert self._queue is not None
        snapshot = dict(files)

        def work(slot: int) -> Outcome:
            result = self.grade(exercise, snapshot, slot=slot)
            return Outcome(result, on_done(result) if on_done else None)

        job_id = self._queue.submit(work)
        with self._lock:
            self._jobs[job_id] = Job(owner, exercise.slug)
            while len(self._jobs) > MAX_JOBS_KEPT:
                del self._jobs[next(iter(self._jobs))]
        return job_id

    def job(self, job_id: str, *, owner: int, slug: str | None = None) -> JobStatus[Outcome]:
        """The state of one of the owner's jobs (for that exercise, if given), or LookupError."""
        job = self._jobs.get(job_id)
        if job is None or job.owner != owner or self._queue is None or (
            slug is not None and job.slug != slug
        ):
            raise LookupError(f"no grading job '{job_id}' (it may have been forgotten)")
        try:
            return self._queue.status(job_id)
        except KeyError:
            raise LookupError(f"no grading job '{job_id}'") from None

    # --- warm-up ----------------------------------------------------------------------------

    def cold(self, exercises: Sequence[Exercise] | None = None) -> list[Exercise]:
        """The exercises whose builds have not been warmed into the cache yet."""
        return [e for e in (self.catalogue if exercises is None else exercises)
                if not all(self._stamp(e, race).is_file() for e, race in warmup_plan([e]))]

    def warm(
        self,
        exercises: Sequence[Exercise],
        progress: Callable[[int, int, str], None] | None = None,
    ) -> list[str]:
        """Compile the reference solutions of `exercises` into the cache; return failed builds."""
        self.check_enabled()
        report = warm_build_cache(exercises=exercises, settings=self.grading,
                                  work_root=self.jobs_root.open(), progress=progress,
                                  cancel=self._stop_warmup)
        by_label = {_label(e, race): (e, race) for e, race in warmup_plan(exercises)}
        for label in report.built:
            stamp = self._stamp(*by_label[label])
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch()
        return [label for label, _ in report.failed]

    def start_warmup(self) -> threading.Thread | None:
        """Warm the cold exercises on a background thread, updating `self.warmup`."""
        cold = self.cold()
        if self.refusal is not None or not cold:
            return None
        plan = warmup_plan(cold)
        self.warmup = WarmupState(running=True, total=len(plan), label=_label(*plan[0]))
        self._warm_thread = threading.Thread(target=self._warm_in_background, args=(cold,),
                                             name="grading-warmup", daemon=True)
        self._warm_thread.start()
        return self._warm_thread

    def _warm_in_background(self, cold: list[Exercise]) -> None:
        def progress(done: int, total: int, label: str) -> None:
            self.warmup.done, self.warmup.total, self.warmup.label = done, total, label

        try:
            self.warmup.failed = self.warm(cold, progress)
        except Exception as exc:  # the app keeps serving; the page shows why warm-up stopped
            self.warmup.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.warmup.running = False

    def _stamp(self, exercise: Exercise, race: bool) -> Path:
        """A file saying this build is in the cache (keyed by Go version and exercise files)."""
        digest = hashlib.sha256(_go_version(self.grading.go_root).encode())
        for path in sorted((exercise.path / "solution").glob("*")):
            digest.update(path.name.encode() + path.read_bytes())
        for path in sorted((exercise.path / "starter").glob("go.mod")):
            digest.update(path.read_bytes())
        name = f"{exercise.slug}{'-race' if race else ''}-{digest.hexdigest()[:12]}"
        return self.grading.cache_dir / "warm" / name


def _label(exercise: Exercise, race: bool) -> str:
    return f"{exercise.slug}{' -race' if race else ''}"


def _go_version(go_root: Path) -> str:
    version = go_root / "VERSION"
    return version.read_text(encoding="utf-8").split("\n", 1)[0] if version.is_file() else "?"


def _directories(settings: Settings, *, unsandboxed_root: bool) -> tuple[Path, Path]:
    """The build cache and the work folder for submissions.

    Without the sandbox, root hands the test binary to a slot uid that must reach it (and
    test2json) by path; the data folder may sit under a private home, so both go to /tmp.
    """
    if unsandboxed_root and os.geteuid() == 0:
        shared = Path(tempfile.gettempdir())
        return (settings.grading_cache_dir or shared / "gocoach-go"), shared / "gocoach-grading"
    return (settings.grading_cache_dir or settings.data_dir / "go"), settings.data_dir / "grading"


def sandbox_notice(settings: Settings) -> Reason | None:
    """One line for `serve` when bubblewrap does not work here: what happens and how to fix
    (a reason; str: in English).

    In team mode this machine does not grade: the line says who does.
    """
    if uses_workers(settings):
        return Reason("notice.team_mode")
    status = sandbox_available()
    if status.available:
        return None
    refused = settings.mode == "server" or not settings.allow_unsandboxed
    effect = Reason("notice.refused" if refused else "notice.unsandboxed")
    return Reason("notice.no_sandbox", why=status.reason, effect=effect, hint=INSTALL_HINT)


def open_grading(settings: Settings) -> GradingService:
    """The web app's grader: the queue started and, unless disabled, the cache warm-up.

    In team mode (PostgreSQL) it only defers to the job queue: `gocoach worker` processes grade,
    with their own sandbox, so this machine's (missing) bubblewrap refuses nothing.
    """
    service = GradingService(settings)
    if uses_workers(settings):
        service.queue_app = queue_app(settings.database_url)
        service.refusal = service.warning = None
        return service
    service.start()
    if settings.grading_warmup:
        service.start_warmup()
    return service


def worker_grader(
    service: GradingService, sessions: sessionmaker[Session], clock: Callable[[], datetime]
) -> Grader:
    """What a `gocoach worker`'s jobs grade with: this process's sandbox and uid leases."""
    return Grader(sessions=sessions, catalogue=service.catalogue, clock=clock,
                  grade=lambda exercise, files: service.grade(exercise, files))
