"""Stages of the reduced event-ingestion service (content/projects/event-ingest)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from gocoach.projects.checks import App, CheckFailed, Reply, StageTest, Tester, clip

BATCH_LINE = '{"batch": N, "events": ["id", ...]}'


def events(prefix: str, count: int) -> list[dict[str, Any]]:
    """`count` valid events with ids prefix-0, prefix-1, …"""
    return [{"id": f"{prefix}-{i}", "type": "click", "ts": "2026-01-01T10:00:00Z"}
            for i in range(count)]


def send(app: App, batch: list[dict[str, Any]]) -> Reply:
    """POST /events with these events (checked: 202 with the count)."""
    reply = app.request("POST", "/events", json_body=batch)
    answer = reply.expect_json(202, what="события не приняты")
    if not isinstance(answer, dict) or answer.get("accepted") != len(batch):
        raise reply.fail("неверный ответ о приёме", f'{{"accepted": {len(batch)}}}')
    return reply


def batches(app: App) -> list[list[str]]:
    """The batches written to stdout so far (CheckFailed on a malformed line)."""
    found: list[list[str]] = []
    for line in app.run.stdout.text().splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        ids = value.get("events") if isinstance(value, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise CheckFailed("строка в stdout — не пачка", got=clip(line, 300),
                              expected=f"каждая строка stdout — {BATCH_LINE}")
        found.append(ids)
    return found


def written(app: App) -> Counter[str]:
    """How many times each event id was written."""
    return Counter(i for batch in batches(app) for i in batch)


def wait_written(t: Tester, app: App, ids: set[str], seconds: float) -> Counter[str]:
    """Wait until every id in `ids` is written (or time runs out); what was written."""
    t.until(seconds, lambda: ids <= set(written(app)))
    return written(app)


def check_once(app: App, accepted: set[str], refused: set[str], when: str) -> None:
    """Every accepted event written exactly once; no refused one written."""
    counts = written(app)
    missing = sorted(accepted - set(counts))
    twice = sorted(i for i in accepted if counts[i] > 1)
    leaked = sorted(refused & set(counts))
    if missing or twice or leaked:
        raise CheckFailed(f"события записаны неверно {when}",
                          got=f"не записаны: {missing[:8]}; записаны дважды: {twice[:8]}; "
                          f"записаны отклонённые: {leaked[:8]}",
                          expected="каждое принятое событие — ровно один раз, отклонённые — ни "
                          "разу")


BAD_BODIES: tuple[tuple[str, str], ...] = (
    ("не JSON", '[{"id": "x1", "type": "click"'),
    ("не массив", '{"id": "x2", "type": "click"}'),
    ("пустой массив", "[]"),
    ("нет id", '[{"type": "click"}]'),
    ("пустой type", '[{"id": "x3", "type": ""}]'),
    ("id — число", '[{"id": 5, "type": "click"}]'),
    ("одно из двух неверно", '[{"id": "half-ok", "type": "click"}, {"id": "half-bad"}]'),
)


def stage_1(t: Tester) -> None:
    """Accept valid requests whole, refuse bad ones whole, write every accepted event."""
    app = t.server()
    accepted: set[str] = set()
    for n, size in enumerate((2, 1, 5)):
        batch = events(f"s1r{n}", size)
        send(app, batch)
        accepted |= {e["id"] for e in batch}
    t.passed("POST /events → 202 с числом принятых событий")
    for what, body in BAD_BODIES:
        reply = app.request("POST", "/events", body=body,
                            headers={"Content-Type": "application/json"})
        error = reply.expect_json(400, what=f"{what}: запрос не отклонён")
        if not isinstance(error, dict) or "error" not in error:
            raise reply.fail(f"{what}: в ответе 400 нет поля error", 'JSON {"error": "..."}')
    reply = app.request("POST", "/events", json_body=events("big", 1001))
    reply.expect(400, 413, what="1001 событие в одном запросе принято")
    t.passed("неверные тела и 1001 событие → 400")
    app.request("GET", "/events").expect(405, what="GET /events не отклонён")
    wait_written(t, app, accepted, 2.0)
    check_once(app, accepted, {"half-ok", "half-bad", "x1", "x2", "x3"} |
               {f"big-{i}" for i in range(1001)}, "за 2 с после приёма")
    t.passed(f"все {len(accepted)} принятых событий записаны по разу, отклонённые — нет")


def stage_2(t: Tester) -> None:
    """A partial batch goes within the flush interval; full ones at once, never bigger."""
    app = t.server("-batch", "50", "-flush", "300ms")
    send(app, events("s2tail", 5))
    sent_at = t.clock()
    tail = {f"s2tail-{i}" for i in range(5)}
    wait_written(t, app, tail, 1.0)
    if not tail <= set(written(app)):
        raise CheckFailed("неполная пачка не записана по таймеру",
                          sent="app -batch 50 -flush 300ms; 5 событий, затем ожидание",
                          got=f"через {t.clock() - sent_at:.1f} с их нет в stdout",
                          expected="запись не позже чем через -flush (300 мс) с запасом — 1 с")
    t.passed(f"5 событий записаны через {t.clock() - sent_at:.2f} с, не дожидаясь пачки")
    app.terminate(grace=3.0)
    # A flush interval far longer than the run: only full batches may be written meanwhile.
    app = t.server("-batch", "50", "-flush", "10s")
    for n in range(12):
        send(app, events(f"s2r{n}", 10))
    first = {f"s2r{n}-{i}" for n in range(10) for i in range(10)}
    wait_written(t, app, first, 1.5)
    t.sleep(0.3)
    sizes = [len(b) for b in batches(app)]
    sent = "app -batch 50 -flush 10s; 12 × POST /events по 10 событий подряд"
    if sizes != [50, 50]:
        raise CheckFailed("события пишутся не пачками по -batch", sent=sent,
                          got=f"размеры пачек: {sizes}",
                          expected="две полные пачки по 50 сразу; 20 остальных ждут таймера "
                          "или полной пачки")
    check_once(app, first, set(), "(две полные пачки)")
    t.passed("120 событий: две пачки по 50 сразу, 20 ждут в неполной пачке")


def stage_3(t: Tester) -> None:
    """A bounded queue: fast 429/503 when full, nothing lost, recovery after draining."""
    app = t.server("-queue", "100", "-batch", "10", "-flush", "50ms", "-sink-delay", "100ms")
    flood = [events(f"s3r{n}", 20) for n in range(20)]
    answers = app.in_parallel(20, lambda n: app.attempt("POST", "/events", json_body=flood[n],
                                                          timeout=3.0))
    sent = "app -queue 100 -batch 10 -sink-delay 100ms; 20 одновременных POST по 20 событий"
    replies = [reply for reply in answers if reply is not None]
    if len(replies) < len(answers):
        ended = t.box.wait(0.1)
        raise CheckFailed("при перегрузке запросы остались без ответа", sent=sent,
                          got=f"без ответа за 3 с: {len(answers) - len(replies)} из 20"
                          + (f"; программа завершилась ({ended.describe()})" if ended else ""),
                          expected="429/503 сразу, а не ожидание места в очереди")
    codes = Counter(reply.status for reply in replies)
    slow = max(reply.seconds for reply in replies)
    if set(codes) - {202, 429, 503}:
        raise CheckFailed("неожиданные коды ответа при перегрузке", sent=sent, got=str(codes),
                          expected="202, 429 или 503")
    if not codes[429] + codes[503]:
        raise CheckFailed("при переполнении очереди всё принято", sent=sent,
                          got=f"все {codes[202]} запросов → 202",
                          expected="часть запросов → 429/503 (очередь на 100 событий)")
    if slow > 1.5:
        raise CheckFailed("ответ при перегрузке ждал места в очереди", sent=sent,
                          got=f"самый долгий ответ — {slow:.1f} с",
                          expected="429/503 сразу, быстрее 1,5 с")
    accepted = {e["id"] for reply, batch in zip(answers, flood, strict=True)
                if reply is not None
                and reply.status == 202 for e in batch}
    refused = {e["id"] for batch in flood for e in batch} - accepted
    if len(accepted) > 130:
        raise CheckFailed("принято больше, чем вмещает очередь", sent=sent,
                          got=f"принято {len(accepted)} событий", expected="не больше ~130")
    t.passed(f"перегрузка: {codes[202]} × 202, {codes[429] + codes[503]} × 429/503, "
             f"самый долгий ответ {slow:.2f} с")
    health = app.request("GET", "/healthz", timeout=1.0)
    health.expect(200, what="/healthz не отвечает под нагрузкой")
    wait_written(t, app, accepted, len(accepted) / 50 + 2.0)
    check_once(app, accepted, refused, "после перегрузки")
    t.passed(f"все {len(accepted)} принятых записаны по разу, {len(refused)} отклонённых — нет")
    send(app, events("s3after", 20))
    wait_written(t, app, {f"s3after-{i}" for i in range(20)}, 2.0)
    check_once(app, accepted | {f"s3after-{i}" for i in range(20)}, refused, "после разгрузки")
    t.passed("после разгрузки события снова принимаются и записываются")


def stage_4(t: Tester) -> None:
    """Metrics that add up, then SIGTERM writes everything accepted and exits 0."""
    app = t.server("-queue", "50", "-batch", "20", "-flush", "100ms", "-sink-delay", "300ms")
    first = events("s4a", 40)
    send(app, first)
    late = app.request("POST", "/events", json_body=events("s4b", 40))
    late.expect(429, 503, what="40 событий сверх очереди на 50 приняты")
    wait_written(t, app, {e["id"] for e in first}, 3.0)
    t.sleep(0.15)
    metrics = app.metrics()
    for name, kind in (("events_received_total", "counter"), ("events_rejected_total", "counter"),
                       ("events_written_total", "counter"), ("batches_written_total", "counter"),
                       ("queue_depth", "gauge")):
        metrics.family(name, kind)
    got = {name: metrics.value(name) for name in ("events_received_total", "events_rejected_total",
                                                  "events_written_total", "queue_depth")}
    wanted = {"events_received_total": 40.0, "events_rejected_total": 40.0,
              "events_written_total": 40.0, "queue_depth": 0.0}
    batches_written = metrics.value("batches_written_total")
    if got != wanted or not 2 <= batches_written <= 40:
        raise CheckFailed("метрики не сходятся с тем, что произошло",
                          sent="40 событий приняты, 40 отклонены, затем записаны; GET /metrics",
                          got=f"{got}, batches_written_total {batches_written:g}",
                          expected=f"{wanted}, batches_written_total не меньше 2")
    t.passed("метрики: принято 40, отклонено 40, записано 40, очередь пуста")
    last = events("s4c", 30)
    send(app, last)
    sent_at = t.sigterm()
    ended = t.wait_exit(grace=3.0, since=sent_at)
    if ended.signal or ended.code != 0:
        raise CheckFailed("по SIGTERM сервис не завершился чисто", sent="SIGTERM",
                          got=ended.describe(), expected="запись всего принятого, код выхода 0")
    app.run.stdout.finished(2)
    check_once(app, {e["id"] for e in first + last}, {f"s4b-{i}" for i in range(40)},
               "после SIGTERM")
    t.passed("30 событий, принятых перед SIGTERM, записаны; код выхода 0")


STAGES: dict[int, StageTest] = {1: stage_1, 2: stage_2, 3: stage_3, 4: stage_4}
