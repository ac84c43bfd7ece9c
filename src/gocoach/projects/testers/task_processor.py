"""Stages of the Concurrent Task Processor (content/projects/task-processor)."""

from __future__ import annotations

from typing import Any

from gocoach.projects.checks import App, CheckFailed, Metrics, Reply, StageTest, Tester, clip
from gocoach.projects.said import Lines, Said

STATUSES = ("queued", "running", "done")
TASK_SHAPE = Said("pj.check.tp.shape")


def check_task(reply: Reply, task: Any, task_id: str | None = None) -> dict[str, Any]:
    """The task JSON is well formed (and is the one asked for)."""
    if not isinstance(task, dict) or not isinstance(task.get("id"), str) or not task["id"]:
        raise reply.fail(Said("pj.check.tp.no_id"), TASK_SHAPE)
    if task.get("status") not in STATUSES:
        raise reply.fail(Said("pj.check.tp.unknown_status", status=repr(task.get("status"))),
                         TASK_SHAPE)
    progress = task.get("progress")
    if type(progress) is not int or not 0 <= progress <= 100:
        raise reply.fail(f"progress = {progress!r}", Said("pj.check.tp.progress_range"))
    if task_id is not None and task["id"] != task_id:
        raise reply.fail(Said("pj.check.tp.other_task", id=repr(task["id"])),
                         f'"id": "{task_id}"')
    return task


def submit(app: App, duration_ms: int) -> dict[str, Any]:
    """POST /tasks, checked: 202 and a task."""
    reply = app.request("POST", "/tasks", json_body={"duration_ms": duration_ms})
    task = reply.expect_json(202, what=Said("pj.check.tp.not_accepted"))
    if "application/json" not in reply.headers.get("content-type", ""):
        raise reply.fail(Said("pj.check.json_type"), "Content-Type: application/json")
    return check_task(reply, task)


def status(app: App, task_id: str) -> dict[str, Any]:
    """GET /tasks/{id}, checked."""
    reply = app.request("GET", f"/tasks/{task_id}")
    return check_task(reply, reply.expect_json(
        200, what=Said("pj.check.task_not_found", id=task_id)), task_id)


def statuses(app: App, ids: list[str]) -> list[dict[str, Any]]:
    """The current state of each task."""
    return [status(app, task_id) for task_id in ids]


def _table(tasks: list[dict[str, Any]]) -> str:
    return ", ".join(f"{t['id']}: {t['status']} {t['progress']}%" for t in tasks)


def _count(tasks: list[dict[str, Any]], state: str) -> int:
    return sum(1 for t in tasks if t["status"] == state)


def stage_1(t: Tester) -> None:
    """Submit, read, finish; bad requests get 400, unknown ids 404."""
    app = t.server()
    first, second = submit(app, 50), submit(app, 50)
    if first["id"] == second["id"]:
        raise CheckFailed(Said("pj.check.tp.same_id"), sent="2 × POST /tasks",
                          got=Said("pj.check.two_ids", first=repr(first["id"]),
                                   second=repr(second["id"])),
                          expected=Said("pj.check.distinct_ids"))
    t.passed(Said("pj.check.tp.ok.submitted", first=first["id"], second=second["id"]))
    status(app, first["id"])
    t.passed(Said("pj.check.tp.ok.read", id=first["id"]))
    done = t.until(3.0, lambda: all(s["status"] == "done"
                                   for s in statuses(app, [first["id"], second["id"]])))
    tasks = statuses(app, [first["id"], second["id"]])
    if not done or any(s["progress"] != 100 for s in tasks):
        raise CheckFailed(Said("pj.check.tp.not_done"),
                          sent=Said("pj.check.then", first='POST /tasks {"duration_ms": 50}',
                                    then="GET /tasks/{id}"),
                          got=_table(tasks), expected='"status": "done", "progress": 100')
    t.passed(Said("pj.check.tp.ok.done"))
    for body in ('{"duration_ms": 50', '{"duration_ms": -1}', '{"duration_ms": "fast"}', "{}",
                 '{"duration_ms": 60001}', '{"duration_ms": 1.5}'):
        reply = app.request("POST", "/tasks", body=body,
                            headers={"Content-Type": "application/json"})
        error = reply.expect_json(400, what=Said("pj.check.tp.bad_accepted"))
        if not isinstance(error, dict) or "error" not in error:
            raise reply.fail(Said("pj.check.no_error_field"), 'JSON {"error": "..."}')
    t.passed(Said("pj.check.tp.ok.bad_bodies"))
    app.request("GET", "/tasks/no-such-task").expect(404, what=Said("pj.check.tp.unknown_found"))
    t.passed("GET /tasks/no-such-task → 404")


def stage_2(t: Tester) -> None:
    """Two workers: two tasks run at a time, progress grows, the rest wait."""
    app = t.server("-workers", "2")
    ids = [task["id"] for task in app.in_parallel(4, lambda _: submit(app, 800))]
    started = t.clock()
    sent = "app -workers 2; 4 × POST /tasks {\"duration_ms\": 800}; GET /tasks/{id}"
    t.sleep(max(0.0, started + 0.4 - t.clock()))
    tasks = statuses(app, ids)
    if _count(tasks, "running") != 2 or _count(tasks, "queued") != 2:
        raise CheckFailed(Said("pj.check.tp.wave_1"), sent=sent,
                          got=Said("pj.check.tp.after_0_4", tasks=_table(tasks)),
                          expected=Said("pj.check.tp.wave_1_expected"))
    for task in tasks:
        if task["status"] == "running" and not 10 <= task["progress"] <= 90:
            raise CheckFailed(Said("pj.check.tp.progress_time"), sent=sent,
                              got=Said("pj.check.tp.after_0_4_of_0_8", tasks=_table(tasks)),
                              expected=Said("pj.check.tp.progress_expected"))
    t.passed(Said("pj.check.tp.after_0_4", tasks=_table(tasks)))
    t.sleep(max(0.0, started + 1.2 - t.clock()))
    tasks = statuses(app, ids)
    if _count(tasks, "done") != 2 or _count(tasks, "running") != 2:
        raise CheckFailed(Said("pj.check.tp.wave_2"), sent=sent,
                          got=Said("pj.check.tp.after_1_2", tasks=_table(tasks)),
                          expected=Said("pj.check.tp.wave_2_expected"))
    t.passed(Said("pj.check.tp.after_1_2", tasks=_table(tasks)))
    t.until(3.0, lambda: all(s["status"] == "done" for s in statuses(app, ids)))
    tasks = statuses(app, ids)
    if any(s["status"] != "done" or s["progress"] != 100 for s in tasks):
        raise CheckFailed(Said("pj.check.tp.not_all_done"), sent=sent, got=_table(tasks),
                          expected=Said("pj.check.tp.all_done_expected"))
    t.passed(Said("pj.check.tp.ok.all_done", seconds=round(t.clock() - started, 1)))


def stage_3(t: Tester) -> None:
    """SIGTERM: no new tasks, running ones finish and are logged, exit code 0 in time."""
    app = t.server("-workers", "2")
    ids = [submit(app, 1000)["id"] for _ in range(3)]
    running = t.until(1.0, lambda: [s["id"] for s in statuses(app, ids)
                                    if s["status"] == "running"][:2] or None)
    tasks = statuses(app, ids)
    if _count(tasks, "running") != 2 or not running:
        raise CheckFailed(Said("pj.check.tp.two_running"),
                          sent="app -workers 2; 3 × POST /tasks {\"duration_ms\": 1000}",
                          got=_table(tasks), expected="2 running, 1 queued")
    t.sleep(0.1)
    sent_at = t.sigterm()
    late = None
    for _ in range(6):  # up to ~1 s for the signal to be handled on a busy machine
        t.sleep(0.2)
        late = app.attempt("POST", "/tasks", json_body={"duration_ms": 10}, timeout=1.0)
        if late is None or late.status == 503:
            break
    if late is not None and late.status != 503:
        raise late.fail(Said("pj.check.tp.still_accepting"), Said("pj.check.tp.refused_expected"))
    t.passed(Said("pj.check.tp.ok.refusing", seconds=round(t.clock() - sent_at, 1)))
    ended = t.wait_exit(grace=4.0, since=sent_at)
    if ended.signal:
        raise CheckFailed(Said("pj.check.tp.killed"), sent="SIGTERM", got=ended.describe(),
                          expected=Said("pj.check.tp.killed_expected"))
    if ended.code != 0:
        raise CheckFailed(Said("pj.check.tp.exit_error"), sent="SIGTERM",
                          got=Lines(ended.describe(), t.output_tail(app.run)),
                          expected=Said("pj.check.exit_zero"))
    _check_json_lines(app)
    logged = {str(line.get("id")) for line in app.logs() if line.get("msg") == "task done"}
    missing = [task_id for task_id in running if task_id not in logged]
    if missing:
        raise CheckFailed(Said("pj.check.tp.not_finished"),
                          sent=Said("pj.check.tp.sigterm_while", ids=", ".join(running)),
                          got=Lines(Said("pj.check.tp.logged", ids=", ".join(sorted(logged))
                                         or Said("pj.check.none")),
                                    clip(app.run.stderr.text(), 600)),
                          expected=Said("pj.check.tp.lines_for", ids=", ".join(running)))
    t.passed(Said("pj.check.tp.ok.finished", ids=", ".join(running)))


def _check_json_lines(app: App) -> None:
    for line in app.run.stderr.text().splitlines():
        text = line.strip()
        if text and not (text.startswith("{") and text.endswith("}")):
            raise CheckFailed(Said("pj.check.log.not_json"), got=clip(text, 300),
                              expected=Said("pj.check.log.json_lines"))
    if not app.logs():
        raise CheckFailed(Said("pj.check.log.none"), got=Said("pj.check.empty"),
                          expected=Said("pj.check.log.per_event"))


def _expect(metrics: Metrics, sample: str, wanted: float, when: Said,
            tolerance: float = 0) -> None:
    got = metrics.value(sample)
    if abs(got - wanted) > tolerance:
        lines = [line for line in metrics.text.splitlines() if line.startswith(sample)]
        raise CheckFailed(Lines(f"{sample} = {got:g}", when, sep=" "), sent="GET /metrics",
                          got="\n".join(lines) or metrics.text[:300],
                          expected=f"{sample} {wanted:g}")


def stage_4(t: Tester) -> None:
    """Metrics that agree with what happened, a histogram, and pprof."""
    app = t.server("-workers", "1")
    ids = [submit(app, 600)["id"] for _ in range(3)]
    t.sleep(0.3)
    metrics = app.metrics()
    for name, kind in (("tasks_submitted_total", "counter"), ("tasks_completed_total", "counter"),
                       ("tasks_running", "gauge"), ("tasks_queued", "gauge"),
                       ("task_duration_seconds", "histogram")):
        metrics.family(name, kind)
    t.passed(Said("pj.check.tp.ok.metric_types"))
    when = Said("pj.check.tp.when_running")
    for sample, wanted in (("tasks_submitted_total", 3), ("tasks_completed_total", 0),
                           ("tasks_running", 1), ("tasks_queued", 2)):
        _expect(metrics, sample, wanted, when)
    t.passed(Said("pj.check.tp.ok.metrics_running"))
    t.until(3.0, lambda: all(s["status"] == "done" for s in statuses(app, ids)))
    metrics = app.metrics()
    when = Said("pj.check.tp.when_done")
    for sample, wanted in (("tasks_submitted_total", 3), ("tasks_completed_total", 3),
                           ("tasks_running", 0), ("tasks_queued", 0),
                           ("task_duration_seconds_count", 3)):
        _expect(metrics, sample, wanted, when)
    _expect(metrics, "task_duration_seconds_sum", 1.8, Said("pj.check.tp.when_done_0_6"),
            tolerance=0.9)
    _check_buckets(metrics)
    t.passed(Said("pj.check.tp.ok.metrics_done"))
    index = app.request("GET", "/debug/pprof/").expect(
        200, what=Said("pj.check.pprof.unavailable"))
    if "goroutine" not in index.text:
        raise index.fail(Said("pj.check.pprof.not_index"), Said("pj.check.pprof.index"))
    profile = app.request("GET", "/debug/pprof/goroutine?debug=1").expect(200)
    if "goroutine profile" not in profile.text:
        raise profile.fail(Said("pj.check.pprof.no_goroutines"), Said("pj.check.pprof.goroutines"))
    t.passed(Said("pj.check.tp.ok.pprof"))


def _check_buckets(metrics: Metrics) -> None:
    family = metrics.family("task_duration_seconds", "histogram")
    buckets = sorted(((float(labels.get("le", "nan")), value)
                      for name, labels, value in family.samples
                      if name.endswith("_bucket")), key=lambda b: b[0])
    counts = [value for _, value in buckets]
    if not buckets or buckets[-1][0] != float("inf") or counts != sorted(counts) \
            or counts[-1] != metrics.value("task_duration_seconds_count"):
        raise CheckFailed(Said("pj.check.tp.buckets"), sent="GET /metrics",
                          got=", ".join(f"le={le:g}: {v:g}" for le, v in buckets),
                          expected=Said("pj.check.tp.buckets_expected"))


STAGES: dict[int, StageTest] = {1: stage_1, 2: stage_2, 3: stage_3, 4: stage_4}
