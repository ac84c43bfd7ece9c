"""Stages of the Concurrent Task Processor (content/projects/task-processor)."""

from __future__ import annotations

from typing import Any

from gocoach.projects.checks import App, CheckFailed, Metrics, Reply, StageTest, Tester, clip

STATUSES = ("queued", "running", "done")
TASK_SHAPE = 'JSON {"id": "<непустая строка>", "status": "queued|running|done", "progress": 0..100}'


def check_task(reply: Reply, task: Any, task_id: str | None = None) -> dict[str, Any]:
    """The task JSON is well formed (and is the one asked for)."""
    if not isinstance(task, dict) or not isinstance(task.get("id"), str) or not task["id"]:
        raise reply.fail("в ответе нет id задачи (строки)", TASK_SHAPE)
    if task.get("status") not in STATUSES:
        raise reply.fail(f"неизвестный статус {task.get('status')!r}", TASK_SHAPE)
    progress = task.get("progress")
    if type(progress) is not int or not 0 <= progress <= 100:
        raise reply.fail(f"progress = {progress!r}", "progress — целое от 0 до 100")
    if task_id is not None and task["id"] != task_id:
        raise reply.fail(f"ответ про другую задачу ({task['id']!r})", f'"id": "{task_id}"')
    return task


def submit(app: App, duration_ms: int) -> dict[str, Any]:
    """POST /tasks, checked: 202 and a task."""
    reply = app.request("POST", "/tasks", json_body={"duration_ms": duration_ms})
    task = reply.expect_json(202, what="задача не принята")
    if "application/json" not in reply.headers.get("content-type", ""):
        raise reply.fail("нет заголовка Content-Type: application/json",
                         "Content-Type: application/json")
    return check_task(reply, task)


def status(app: App, task_id: str) -> dict[str, Any]:
    """GET /tasks/{id}, checked."""
    reply = app.request("GET", f"/tasks/{task_id}")
    return check_task(reply, reply.expect_json(200, what=f"задача {task_id} не найдена"), task_id)


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
        raise CheckFailed("две задачи получили один id", sent="2 × POST /tasks",
                          got=f"id {first['id']!r} и {second['id']!r}", expected="разные id")
    t.passed(f"POST /tasks → 202, задачи {first['id']} и {second['id']}")
    status(app, first["id"])
    t.passed(f"GET /tasks/{first['id']} → 200 с той же задачей")
    done = t.until(3.0, lambda: all(s["status"] == "done"
                                   for s in statuses(app, [first["id"], second["id"]])))
    tasks = statuses(app, [first["id"], second["id"]])
    if not done or any(s["progress"] != 100 for s in tasks):
        raise CheckFailed("задачи по 50 мс не выполнены за 3 с",
                          sent="POST /tasks {\"duration_ms\": 50}, затем GET /tasks/{id}",
                          got=_table(tasks), expected='"status": "done", "progress": 100')
    t.passed("обе задачи дошли до done с progress 100")
    for body in ('{"duration_ms": 50', '{"duration_ms": -1}', '{"duration_ms": "fast"}', "{}",
                 '{"duration_ms": 60001}', '{"duration_ms": 1.5}'):
        reply = app.request("POST", "/tasks", body=body,
                            headers={"Content-Type": "application/json"})
        error = reply.expect_json(400, what="неверная задача не отклонена")
        if not isinstance(error, dict) or "error" not in error:
            raise reply.fail("в ответе 400 нет поля error", 'JSON {"error": "..."}')
    t.passed("неверные тела POST /tasks → 400 с полем error")
    app.request("GET", "/tasks/no-such-task").expect(404, what="неизвестная задача найдена")
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
        raise CheckFailed("в середине первой волны выполняются не ровно 2 задачи", sent=sent,
                          got=f"через 0,4 с: {_table(tasks)}",
                          expected="2 running (пул из 2 воркеров) и 2 queued")
    for task in tasks:
        if task["status"] == "running" and not 10 <= task["progress"] <= 90:
            raise CheckFailed("прогресс выполняемой задачи не отражает прошедшее время",
                              sent=sent, got=f"через 0,4 с из 0,8 с: {_table(tasks)}",
                              expected="progress выполняемых около 50 (от 10 до 90)")
    t.passed(f"через 0,4 с: {_table(tasks)}")
    t.sleep(max(0.0, started + 1.2 - t.clock()))
    tasks = statuses(app, ids)
    if _count(tasks, "done") != 2 or _count(tasks, "running") != 2:
        raise CheckFailed("во второй волне не 2 готовые и 2 выполняемые задачи", sent=sent,
                          got=f"через 1,2 с: {_table(tasks)}", expected="2 done и 2 running")
    t.passed(f"через 1,2 с: {_table(tasks)}")
    t.until(3.0, lambda: all(s["status"] == "done" for s in statuses(app, ids)))
    tasks = statuses(app, ids)
    if any(s["status"] != "done" or s["progress"] != 100 for s in tasks):
        raise CheckFailed("не все задачи выполнены", sent=sent, got=_table(tasks),
                          expected='все четыре "done" с progress 100 примерно через 1,6 с')
    t.passed(f"все четыре задачи done через {t.clock() - started:.1f} с")


def stage_3(t: Tester) -> None:
    """SIGTERM: no new tasks, running ones finish and are logged, exit code 0 in time."""
    app = t.server("-workers", "2")
    ids = [submit(app, 1000)["id"] for _ in range(3)]
    running = t.until(1.0, lambda: [s["id"] for s in statuses(app, ids)
                                    if s["status"] == "running"][:2] or None)
    tasks = statuses(app, ids)
    if _count(tasks, "running") != 2 or not running:
        raise CheckFailed("не две задачи выполняются перед сигналом",
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
        raise late.fail("через секунду после SIGTERM сервис всё ещё принимает задачи",
                        "соединение отклонено (listener закрыт) или 503")
    t.passed(f"через {t.clock() - sent_at:.1f} с после SIGTERM новые задачи не принимаются")
    ended = t.wait_exit(grace=4.0, since=sent_at)
    if ended.signal:
        raise CheckFailed("программа убита сигналом, задачи брошены", sent="SIGTERM",
                          got=ended.describe(),
                          expected="обработать SIGTERM (signal.NotifyContext), дождаться "
                          "выполняемых задач и выйти с кодом 0")
    if ended.code != 0:
        raise CheckFailed("после SIGTERM программа вышла с ошибкой", sent="SIGTERM",
                          got=f"{ended.describe()}\n{t.output_tail(app.run)}",
                          expected="код выхода 0")
    _check_json_lines(app)
    logged = {str(line.get("id")) for line in app.logs() if line.get("msg") == "task done"}
    missing = [task_id for task_id in running if task_id not in logged]
    if missing:
        raise CheckFailed("выполнявшиеся задачи не завершены (нет в логе task done)",
                          sent=f"SIGTERM, пока выполнялись задачи {', '.join(running)}",
                          got=f"task done в логе для: {', '.join(sorted(logged)) or 'ни одной'}"
                          f"\n{clip(app.run.stderr.text(), 600)}",
                          expected='строки {"msg":"task done","id":"…"} для '
                          + ", ".join(running))
    t.passed(f"задачи {', '.join(running)} дошли до task done, код выхода 0")


def _check_json_lines(app: App) -> None:
    for line in app.run.stderr.text().splitlines():
        text = line.strip()
        if text and not (text.startswith("{") and text.endswith("}")):
            raise CheckFailed("строка лога в stderr — не JSON", got=clip(text, 300),
                              expected="каждая строка stderr — JSON-объект (slog.NewJSONHandler)")
    if not app.logs():
        raise CheckFailed("в stderr нет ни одной строки лога в JSON", got="(пусто)",
                          expected="JSON-логи по строке на событие")


def _expect(metrics: Metrics, sample: str, wanted: float, when: str, tolerance: float = 0) -> None:
    got = metrics.value(sample)
    if abs(got - wanted) > tolerance:
        lines = [line for line in metrics.text.splitlines() if line.startswith(sample)]
        raise CheckFailed(f"{sample} = {got:g} {when}", sent="GET /metrics",
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
    t.passed("/metrics разобран парсером Prometheus, все пять метрик нужных типов")
    when = "через 0,3 с после трёх задач по 600 мс с -workers 1"
    for sample, wanted in (("tasks_submitted_total", 3), ("tasks_completed_total", 0),
                           ("tasks_running", 1), ("tasks_queued", 2)):
        _expect(metrics, sample, wanted, when)
    t.passed("в середине первой задачи: принято 3, выполняется 1, ждут 2")
    t.until(3.0, lambda: all(s["status"] == "done" for s in statuses(app, ids)))
    metrics = app.metrics()
    when = "после выполнения трёх задач"
    for sample, wanted in (("tasks_submitted_total", 3), ("tasks_completed_total", 3),
                           ("tasks_running", 0), ("tasks_queued", 0),
                           ("task_duration_seconds_count", 3)):
        _expect(metrics, sample, wanted, when)
    _expect(metrics, "task_duration_seconds_sum", 1.8, when + " по 0,6 с", tolerance=0.9)
    _check_buckets(metrics)
    t.passed("после выполнения: 3 выполнено, гистограмма с тремя наблюдениями")
    index = app.request("GET", "/debug/pprof/").expect(200, what="/debug/pprof/ недоступен")
    if "goroutine" not in index.text:
        raise index.fail("страница /debug/pprof/ — не индекс pprof", "список профилей pprof")
    profile = app.request("GET", "/debug/pprof/goroutine?debug=1").expect(200)
    if "goroutine profile" not in profile.text:
        raise profile.fail("профиль горутин не отдаётся", "текст «goroutine profile: total N»")
    t.passed("/debug/pprof/ и /debug/pprof/goroutine?debug=1 отвечают")


def _check_buckets(metrics: Metrics) -> None:
    family = metrics.family("task_duration_seconds", "histogram")
    buckets = sorted(((float(labels.get("le", "nan")), value)
                      for name, labels, value in family.samples
                      if name.endswith("_bucket")), key=lambda b: b[0])
    counts = [value for _, value in buckets]
    if not buckets or buckets[-1][0] != float("inf") or counts != sorted(counts) \
            or counts[-1] != metrics.value("task_duration_seconds_count"):
        raise CheckFailed("корзины гистограммы task_duration_seconds неверны",
                          sent="GET /metrics", got=", ".join(f"le={le:g}: {v:g}"
                                                             for le, v in buckets),
                          expected='растущие счётчики по le, последняя le="+Inf" = _count')


STAGES: dict[int, StageTest] = {1: stage_1, 2: stage_2, 3: stage_3, 4: stage_4}
