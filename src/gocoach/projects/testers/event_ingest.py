"""Stages of the reduced event-ingestion service (content/projects/event-ingest)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from gocoach.projects.checks import App, CheckFailed, Reply, StageTest, Tester, clip, either
from gocoach.projects.nats import Subscriber
from gocoach.projects.said import Lines, Said

BATCH_LINE = '{"batch": N, "events": ["id", ...]}'


def events(prefix: str, count: int) -> list[dict[str, Any]]:
    """`count` valid events with ids prefix-0, prefix-1, …"""
    return [{"id": f"{prefix}-{i}", "type": "click", "ts": "2026-01-01T10:00:00Z"}
            for i in range(count)]


def send(app: App, batch: list[dict[str, Any]]) -> Reply:
    """POST /events with these events (checked: 202 with the count)."""
    reply = app.request("POST", "/events", json_body=batch)
    answer = reply.expect_json(202, what=Said("pj.check.ev.not_accepted"))
    if not isinstance(answer, dict) or answer.get("accepted") != len(batch):
        raise reply.fail(Said("pj.check.ev.wrong_answer"), f'{{"accepted": {len(batch)}}}')
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
            raise CheckFailed(Said("pj.check.ev.not_batch"), got=clip(line, 300),
                              expected=Said("pj.check.ev.batch_lines", line=BATCH_LINE))
        found.append(ids)
    return found


def written(app: App) -> Counter[str]:
    """How many times each event id was written."""
    return Counter(i for batch in batches(app) for i in batch)


def wait_written(t: Tester, app: App, ids: set[str], seconds: float) -> Counter[str]:
    """Wait until every id in `ids` is written (or time runs out); what was written."""
    t.until(seconds, lambda: ids <= set(written(app)))
    return written(app)


def check_once(app: App, accepted: set[str], refused: set[str], when: Said) -> None:
    """Every accepted event written exactly once; no refused one written."""
    counts = written(app)
    missing = sorted(accepted - set(counts))
    twice = sorted(i for i in accepted if counts[i] > 1)
    leaked = sorted(refused & set(counts))
    if missing or twice or leaked:
        raise CheckFailed(Said("pj.check.ev.written_wrong", when=when),
                          got=Said("pj.check.ev.written_counts", missing=str(missing[:8]),
                                   twice=str(twice[:8]), leaked=str(leaked[:8])),
                          expected=Said("pj.check.ev.once_expected"))


BAD_BODIES: tuple[tuple[Said, str], ...] = (
    (Said("pj.check.bad.not_json"), '[{"id": "x1", "type": "click"'),
    (Said("pj.check.ev.not_array"), '{"id": "x2", "type": "click"}'),
    (Said("pj.check.ev.empty_array"), "[]"),
    (Said("pj.check.bad.no_field", field="id"), '[{"type": "click"}]'),
    (Said("pj.check.bad.empty", field="type"), '[{"id": "x3", "type": ""}]'),
    (Said("pj.check.bad.number", field="id"), '[{"id": 5, "type": "click"}]'),
    (Said("pj.check.ev.one_of_two"), '[{"id": "half-ok", "type": "click"}, {"id": "half-bad"}]'),
)


def stage_1(t: Tester) -> None:
    """Accept valid requests whole, refuse bad ones whole, write every accepted event."""
    app = t.server()
    accepted: set[str] = set()
    for n, size in enumerate((2, 1, 5)):
        batch = events(f"s1r{n}", size)
        send(app, batch)
        accepted |= {e["id"] for e in batch}
    t.passed(Said("pj.check.ev.ok.accepted"))
    for what, body in BAD_BODIES:
        reply = app.request("POST", "/events", body=body,
                            headers={"Content-Type": "application/json"})
        error = reply.expect_json(400, what=Said("pj.check.not_refused", what=what))
        if not isinstance(error, dict) or "error" not in error:
            raise reply.fail(Said("pj.check.no_error_field_of", what=what),
                             'JSON {"error": "..."}')
    reply = app.request("POST", "/events", json_body=events("big", 1001))
    reply.expect(400, 413, what=Said("pj.check.ev.too_many_accepted"))
    t.passed(Said("pj.check.ev.ok.refused"))
    app.request("GET", "/events").expect(405, what=Said("pj.check.ev.get_allowed"))
    wait_written(t, app, accepted, 2.0)
    check_once(app, accepted, {"half-ok", "half-bad", "x1", "x2", "x3"} |
               {f"big-{i}" for i in range(1001)}, Said("pj.check.ev.when_2s"))
    t.passed(Said("pj.check.ev.ok.written", count=len(accepted)))


def stage_2(t: Tester) -> None:
    """A partial batch goes within the flush interval; full ones at once, never bigger."""
    app = t.server("-batch", "50", "-flush", "300ms")
    send(app, events("s2tail", 5))
    sent_at = t.clock()
    tail = {f"s2tail-{i}" for i in range(5)}
    wait_written(t, app, tail, 1.0)
    if not tail <= set(written(app)):
        raise CheckFailed(Said("pj.check.ev.no_timer_flush"),
                          sent=Said("pj.check.ev.sent_tail"),
                          got=Said("pj.check.ev.not_in_stdout",
                                   seconds=round(t.clock() - sent_at, 1)),
                          expected=Said("pj.check.ev.flush_expected"))
    t.passed(Said("pj.check.ev.ok.flushed", seconds=round(t.clock() - sent_at, 2)))
    app.terminate(grace=3.0)
    # A flush interval far longer than the run: only full batches may be written meanwhile.
    app = t.server("-batch", "50", "-flush", "10s")
    for n in range(12):
        send(app, events(f"s2r{n}", 10))
    first = {f"s2r{n}-{i}" for n in range(10) for i in range(10)}
    wait_written(t, app, first, 1.5)
    t.sleep(0.3)
    sizes = [len(b) for b in batches(app)]
    sent = Said("pj.check.ev.sent_12")
    if sizes != [50, 50]:
        raise CheckFailed(Said("pj.check.ev.not_batched"), sent=sent,
                          got=Said("pj.check.ev.sizes", sizes=str(sizes)),
                          expected=Said("pj.check.ev.batches_expected"))
    check_once(app, first, set(), Said("pj.check.ev.when_two_batches"))
    t.passed(Said("pj.check.ev.ok.batches"))


def stage_3(t: Tester) -> None:
    """A bounded queue: fast 429/503 when full, nothing lost, recovery after draining."""
    app = t.server("-queue", "100", "-batch", "10", "-flush", "50ms", "-sink-delay", "100ms")
    flood = [events(f"s3r{n}", 20) for n in range(20)]
    answers = app.in_parallel(20, lambda n: app.attempt("POST", "/events", json_body=flood[n],
                                                          timeout=3.0))
    sent = Said("pj.check.ev.sent_flood")
    replies = [reply for reply in answers if reply is not None]
    if len(replies) < len(answers):
        ended = t.box.wait(0.1)
        unanswered = Said("pj.check.ev.unanswered", count=len(answers) - len(replies))
        raise CheckFailed(Said("pj.check.ev.no_answer"), sent=sent,
                          got=Lines(unanswered, Said("pj.check.http.ended", exit=ended.describe()),
                                    sep="; ") if ended else unanswered,
                          expected=Said("pj.check.ev.at_once_expected"))
    codes = Counter(reply.status for reply in replies)
    slow = max(reply.seconds for reply in replies)
    if set(codes) - {202, 429, 503}:
        raise CheckFailed(Said("pj.check.ev.odd_codes"), sent=sent, got=str(codes),
                          expected=either("202, 429", "503"))
    if not codes[429] + codes[503]:
        raise CheckFailed(Said("pj.check.ev.all_accepted"), sent=sent,
                          got=Said("pj.check.ev.all_202", count=codes[202]),
                          expected=Said("pj.check.ev.some_refused"))
    if slow > 1.5:
        raise CheckFailed(Said("pj.check.ev.waited"), sent=sent,
                          got=Said("pj.check.ev.slowest", seconds=round(slow, 1)),
                          expected=Said("pj.check.ev.fast_expected"))
    accepted = {e["id"] for reply, batch in zip(answers, flood, strict=True)
                if reply is not None
                and reply.status == 202 for e in batch}
    refused = {e["id"] for batch in flood for e in batch} - accepted
    if len(accepted) > 130:
        raise CheckFailed(Said("pj.check.ev.over_capacity"), sent=sent,
                          got=Said("pj.check.ev.accepted_count", count=len(accepted)),
                          expected=Said("pj.check.ev.at_most_130"))
    t.passed(Said("pj.check.ev.ok.overload", accepted=codes[202],
                  refused=codes[429] + codes[503], seconds=round(slow, 2)))
    health = app.request("GET", "/healthz", timeout=1.0)
    health.expect(200, what=Said("pj.check.ev.no_health"))
    wait_written(t, app, accepted, len(accepted) / 50 + 2.0)
    check_once(app, accepted, refused, Said("pj.check.ev.when_overloaded"))
    t.passed(Said("pj.check.ev.ok.after_overload", accepted=len(accepted), refused=len(refused)))
    send(app, events("s3after", 20))
    wait_written(t, app, {f"s3after-{i}" for i in range(20)}, 2.0)
    check_once(app, accepted | {f"s3after-{i}" for i in range(20)}, refused,
               Said("pj.check.ev.when_drained"))
    t.passed(Said("pj.check.ev.ok.drained"))


def stage_4(t: Tester) -> None:
    """Metrics that add up, then SIGTERM writes everything accepted and exits 0."""
    app = t.server("-queue", "50", "-batch", "20", "-flush", "100ms", "-sink-delay", "300ms")
    first = events("s4a", 40)
    send(app, first)
    late = app.request("POST", "/events", json_body=events("s4b", 40))
    late.expect(429, 503, what=Said("pj.check.ev.over_queue_accepted"))
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
        raise CheckFailed(Said("pj.check.ev.metrics_wrong"),
                          sent=Said("pj.check.ev.metrics_sent"),
                          got=f"{got}, batches_written_total {batches_written:g}",
                          expected=Said("pj.check.ev.metrics_expected", wanted=str(wanted)))
    t.passed(Said("pj.check.ev.ok.metrics"))
    last = events("s4c", 30)
    send(app, last)
    sent_at = t.sigterm()
    ended = t.wait_exit(grace=3.0, since=sent_at)
    if ended.signal or ended.code != 0:
        raise CheckFailed(Said("pj.check.sigterm_unclean"), sent="SIGTERM",
                          got=ended.describe(), expected=Said("pj.check.ev.write_all_expected"))
    app.run.stdout.finished(2)
    check_once(app, {e["id"] for e in first + last}, {f"s4b-{i}" for i in range(40)},
               Said("pj.check.ev.when_sigterm"))
    t.passed(Said("pj.check.ev.ok.sigterm"))


NATS_ENV = "NATS_URL"


def typed(prefix: str, count: int) -> list[dict[str, Any]]:
    """`count` events of types click and view in turn."""
    return [{"id": f"{prefix}-{i}", "type": ("click", "view")[i % 2]} for i in range(count)]


def published(subscriber: Subscriber) -> dict[str, list[str]]:
    """Event id → the subjects it was published to (CheckFailed on a message that is not an
    event's JSON)."""
    found: dict[str, list[str]] = {}
    for message in subscriber.messages():
        try:
            value = json.loads(message.payload)
        except ValueError:
            value = None
        if not isinstance(value, dict) or not isinstance(value.get("id"), str):
            body = clip(message.payload.decode(errors="replace"), 200)
            raise CheckFailed(Said("pj.check.ev.nats_not_event"),
                              got=f"{message.subject}: {body}",
                              expected=Said("pj.check.ev.nats_event_body",
                                            body='{"id": "e-1", "type": "click"}'))
        found.setdefault(value["id"], []).append(message.subject)
    return found


def check_published(subscriber: Subscriber, accepted: list[dict[str, Any]], refused: set[str],
                    sent: Said) -> None:
    """Each accepted event on events.<type> exactly once; no refused one at all."""
    found = published(subscriber)
    missing = [e["id"] for e in accepted if e["id"] not in found]
    if missing:
        raise CheckFailed(Said("pj.check.ev.not_published"), sent=sent,
                          got=Said("pj.check.ev.not_arrived", ids=str(missing[:8]),
                                   total=len(accepted), messages=len(subscriber.messages())),
                          expected=Said("pj.check.ev.published_expected"))
    twice = {i: subjects for i, subjects in found.items() if len(subjects) > 1}
    if twice:
        shown = dict(list(twice.items())[:5])
        raise CheckFailed(Said("pj.check.ev.published_twice"), sent=sent,
                          got=Said("pj.check.ev.repeats", repeats=str(shown)),
                          expected=Said("pj.check.ev.one_message"))
    wrong = {e["id"]: found[e["id"]][0] for e in accepted
             if found[e["id"]][0] != f"events.{e['type']}"}
    if wrong:
        raise CheckFailed(Said("pj.check.ev.wrong_subject"), sent=sent,
                          got=str(dict(list(wrong.items())[:5])),
                          expected=Said("pj.check.ev.subject_expected"))
    leaked = sorted(refused & set(found))
    if leaked:
        raise CheckFailed(Said("pj.check.ev.refused_published"), sent=sent,
                          got=str(leaked[:8]), expected=Said("pj.check.ev.refused_not_published"))


def stage_5(t: Tester) -> None:
    """Every written event is published once to NATS (events.<type>), also on SIGTERM."""
    broker = t.nats()  # skipped (neither failed nor passed) without nats-server
    subscriber = broker.subscribe("events.>")
    app = t.server("-batch", "10", "-flush", "100ms", env={NATS_ENV: broker.url})
    accepted: list[dict[str, Any]] = []
    for n, size in enumerate((12, 5, 8)):
        batch = typed(f"s5r{n}", size)
        send(app, batch)
        accepted += batch
    bad = app.request("POST", "/events", json_body=[{"id": "s5bad-0", "type": "click"},
                                                     {"id": "s5bad-1"}])
    bad.expect(400, what=Said("pj.check.ev.no_type_accepted"))
    sent = Said("pj.check.ev.sent_nats", command=f"{NATS_ENV}={broker.url} app -batch 10 "
                "-flush 100ms; 3 × POST /events")
    ids = {e["id"] for e in accepted}
    t.until(2.0, lambda: ids <= set(published(subscriber)))
    t.sleep(0.3)  # a second copy would come right after the first
    check_published(subscriber, accepted, {"s5bad-0", "s5bad-1"}, sent)
    wait_written(t, app, ids, 1.0)
    check_once(app, ids, {"s5bad-0", "s5bad-1"}, Said("pj.check.ev.when_nats"))
    t.passed(Said("pj.check.ev.ok.published", count=len(accepted)))
    last = typed("s5last", 20)
    send(app, last)
    sent_at = t.sigterm()
    ended = t.wait_exit(grace=3.0, since=sent_at)
    if ended.signal or ended.code != 0:
        raise CheckFailed(Said("pj.check.sigterm_unclean"), sent="SIGTERM",
                          got=ended.describe(), expected=Said("pj.check.ev.publish_all_expected"))
    everything = {e["id"] for e in accepted + last}
    t.until(1.0, lambda: everything <= set(published(subscriber)), every=0.02)
    check_published(subscriber, accepted + last, {"s5bad-0", "s5bad-1"},
                    Said("pj.check.ev.sent_then_sigterm"))
    t.passed(Said("pj.check.ev.ok.published_on_sigterm", connections=broker.relay.connections))


STAGES: dict[int, StageTest] = {1: stage_1, 2: stage_2, 3: stage_3, 4: stage_4, 5: stage_5}
