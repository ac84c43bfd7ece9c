"""What a stage's test function works with: a `Tester`, the running program, HTTP replies,
/metrics, JSON logs, and `CheckFailed`, whose message says what was sent, what came back and
what was expected. The harness (harness.py) builds the module and runs stages with these.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from prometheus_client.parser import text_string_to_metric_families

from gocoach.projects.box import (
    Box,
    BoxGone,
    Exit,
    Run,
)
from gocoach.projects.nats import Broker, NatsServer, Relay, find_nats_server
from gocoach.projects.said import Failure, Lines, Said
from gocoach.projects.site import Page, Site

LOCALHOST = "127.0.0.1"
SKIPPED_MESSAGE = "пропущена:"  # how a skipped stage's message started before the keys
SKIPPED = "pj.check.stage.skipped"  # the key of a skipped optional stage's message
T = TypeVar("T")
_MISSING: Any = object()


class CheckFailed(Exception):
    """A check of the program failed: what failed (a `Said`), and what was sent, what came back
    and what was expected — sentences or verbatim text (bodies, headers, output). The stage's
    message is its `failure`; str() is that message in Russian."""

    def __init__(self, what: str, *, sent: str = "", got: str = "", expected: str = ""):
        self.failure = Failure(what, sent=sent, got=got, expected=expected)
        super().__init__(self.failure)
        self.what, self.sent, self.got, self.expected = what, sent, got, expected

    def __str__(self) -> str:
        return str(self.failure)


class StageSkipped(Exception):
    """An optional stage cannot run on this machine (a tool the tester needs is missing): the
    stage is reported skipped with the reason — never failed, never passed."""

    def __init__(self, reason: str):
        self.message = Said(SKIPPED, reason=reason)
        super().__init__(self.message)


def clip(text: str, limit: int = 300) -> str:
    """A short, one-screen excerpt of a body or an output."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- HTTP -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A response, with the request it answers (for messages)."""

    method: str
    path: str
    sent: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", errors="replace")

    def request_line(self) -> str:
        """`POST /tasks {"duration_ms": 100}`."""
        return f"{self.method} {self.path}{' ' + clip(self.sent, 200) if self.sent else ''}"

    def summary(self) -> str:
        """`202 {"id": "1"}` (the status and the start of the body)."""
        return Lines(str(self.status), clip(self.text, 300) or Said("pj.check.http.empty_body"),
                     sep=" ")

    def json(self) -> Any:
        """The body parsed as JSON, or CheckFailed saying it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            raise CheckFailed(Said("pj.check.http.not_json"), sent=self.request_line(),
                              got=self.summary(),
                              expected=Said("pj.check.http.json_body")) from None

    def fail(self, what: str, expected: str) -> CheckFailed:
        """A CheckFailed about this exchange."""
        return CheckFailed(what, sent=self.request_line(), got=self.summary(), expected=expected)

    def expect(self, *statuses: int, what: str = "") -> Reply:
        """Check the status code is one of `statuses`; returns self for chaining."""
        if self.status not in statuses:
            raise self.fail(what or Said("pj.check.http.unexpected_status", status=self.status),
                            Said("pj.check.http.status", codes=either(*map(str, statuses))))
        return self

    def expect_json(self, *statuses: int, what: str = "") -> Any:
        """Check the status, then return the JSON body."""
        self.expect(*statuses, what=what)
        return self.json()


class _Connection(http.client.HTTPConnection):
    """An HTTP connection over a socket the box made inside its namespace."""

    def __init__(self, app: App, timeout: float):
        super().__init__(LOCALHOST, app.port, timeout=timeout)
        self._app = app

    def connect(self) -> None:
        sock = self._app.socket()
        sock.settimeout(self.timeout)
        try:
            sock.connect((LOCALHOST, self._app.port))
        except BaseException:
            sock.close()
            raise
        self.sock = sock


@dataclass(frozen=True)
class Family:
    """One metric family from /metrics: its type and samples (name, labels, value)."""

    name: str
    type: str
    samples: tuple[tuple[str, dict[str, str], float], ...]


class Metrics:
    """/metrics as parsed by prometheus_client, with the text kept for messages."""

    def __init__(self, text: str, families: Mapping[str, Family], reply: Reply):
        self.text, self.families, self.reply = text, families, reply

    def family(self, name: str, kind: str) -> Family:
        """The family `name` (a counter's name without `_total`), checked to be of `kind`."""
        base = name.removesuffix("_total") if kind == "counter" else name
        found = self.families.get(base) or self.families.get(name)
        if found is None:
            raise CheckFailed(Said("pj.check.metrics.missing", name=name), sent="GET /metrics",
                              got=_metric_names(self), expected=f"{kind} {name}")
        if found.type != kind:
            raise CheckFailed(Said("pj.check.metrics.wrong_type", name=name, kind=found.type),
                              sent="GET /metrics", got=f"# TYPE {name} {found.type}",
                              expected=f"# TYPE {name} {kind}")
        return found

    def value(self, sample: str, labels: Mapping[str, str] | None = None) -> float:
        """The value of one sample (summed over label sets not pinned by `labels`)."""
        total, seen = 0.0, False
        for family in self.families.values():
            for name, sample_labels, value in family.samples:
                if name == sample and all(sample_labels.get(k) == v
                                          for k, v in (labels or {}).items()):
                    total, seen = total + value, True
        if not seen:
            raise CheckFailed(Said("pj.check.metrics.no_value", sample=sample),
                              sent="GET /metrics", got=_metric_names(self),
                              expected=Said("pj.check.metrics.value_line", sample=sample))
        return total


def _metric_names(metrics: Metrics) -> str:
    names = [f"{f.type} {f.name}" for f in metrics.families.values()]
    return Said("pj.check.metrics.names",
                names=", ".join(names) if names else Said("pj.check.metrics.none"))


def either(*values: str) -> str:
    """`202`, `202 или 503`: the alternatives joined by the language's «or»."""
    parts: list[str] = []
    for value in values:
        parts += [Said("pj.check.or"), value] if parts else [value]
    return Lines(*parts, sep=" ") if len(parts) > 1 else (parts[0] if parts else "")


# --- a running program ------------------------------------------------------------------------


class App:
    """A server program started in the box, listening on `port` inside its namespace."""

    def __init__(self, tester: Tester, run: Run, port: int):
        self.tester, self.run, self.port = tester, run, port
        self._pool: list[socket.socket] = []
        self._lock = threading.Lock()

    def socket(self) -> socket.socket:
        """A fresh socket in the box's namespace (made 16 at a time)."""
        with self._lock:
            if not self._pool:
                self._pool = self.tester.box.sockets(16)
            return self._pool.pop()

    def close_pool(self) -> None:
        """Close sockets made but not used."""
        with self._lock:
            for sock in self._pool:
                sock.close()
            self._pool = []

    def request(
        self, method: str, path: str, *, json_body: Any = _MISSING, body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None, timeout: float = 5.0,
    ) -> Reply:
        """Send one request on a new connection and read the whole answer.

        A refused connection, a reset or no answer in `timeout` seconds is a CheckFailed that
        says how the program is doing (still running, or how it ended and its last output).
        """
        sent_headers = dict(headers or {})
        payload: bytes | None
        if json_body is not _MISSING:
            payload = json.dumps(json_body, ensure_ascii=False).encode()
            sent_headers.setdefault("Content-Type", "application/json")
        else:
            payload = body.encode() if isinstance(body, str) else body
        sent = payload.decode("utf-8", errors="replace") if payload else ""
        timeout = min(timeout, max(0.1, self.tester.remaining()))
        conn = _Connection(self, timeout)
        start = time.monotonic()
        try:
            conn.request(method, path, body=payload, headers=sent_headers)
            response = conn.getresponse()
            data = response.read()
            answer = {k.lower(): v for k, v in response.getheaders()}
            status = response.status
        except BoxGone:
            raise
        except (OSError, http.client.HTTPException) as exc:
            raise self._connection_failed(method, path, sent, exc, timeout) from None
        finally:
            conn.close()
        return Reply(method, path, sent, status, answer, data, time.monotonic() - start)

    def _connection_failed(
        self, method: str, path: str, sent: str, exc: BaseException, timeout: float
    ) -> CheckFailed:
        self.tester.check_stopped()
        line = f"{method} {path}{' ' + clip(sent, 200) if sent else ''}"
        ended = self.tester.box.wait(0.2)
        got: str
        if isinstance(exc, TimeoutError | socket.timeout):
            got = Said("pj.check.http.no_answer", seconds=timeout)
        else:
            got = f"{type(exc).__name__}: {exc}"
        if ended is not None:
            got = Lines(got, Said("pj.check.http.ended", exit=ended.describe()), sep="; ")
            tail = self.tester.output_tail(self.run)
            got = Lines(got, Said("pj.check.http.last_output"), tail) if tail else got
        return CheckFailed(Said("pj.check.http.failed"), sent=line, got=got,
                           expected=Said("pj.check.http.reply_expected"))

    def attempt(
        self, method: str, path: str, *, json_body: Any = _MISSING, timeout: float = 2.0
    ) -> Reply | None:
        """Like `request`, but None when the connection is refused, reset or unanswered."""
        try:
            return self.request(method, path, json_body=json_body, timeout=timeout)
        except CheckFailed:
            return None

    def metrics(self) -> Metrics:
        """GET /metrics, parsed as Prometheus text format (CheckFailed when it is not)."""
        reply = self.request("GET", "/metrics").expect(
            200, what=Said("pj.check.metrics.unavailable"))
        families: dict[str, Family] = {}
        try:
            for family in text_string_to_metric_families(reply.text):
                samples = tuple((s.name, dict(s.labels), float(s.value))
                                for s in family.samples)
                families[family.name] = Family(family.name, family.type, samples)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise CheckFailed(Said("pj.check.metrics.unparsable"),
                              sent="GET /metrics", got=f"{exc}\n{clip(reply.text, 400)}",
                              expected=Said("pj.check.metrics.format")) from None
        return Metrics(reply.text, families, reply)

    def terminate(self, *, grace: float) -> Exit:
        """SIGTERM the program; CheckFailed unless it ends within `grace` seconds."""
        return self.tester.terminate(grace=grace)

    def logs(self) -> list[dict[str, Any]]:
        """The JSON objects the program wrote, one per line, on stderr then stdout."""
        return parse_json_lines(self.run.stderr.text()) + parse_json_lines(self.run.stdout.text())

    def in_parallel(self, count: int, work: Callable[[int], T]) -> list[T]:
        """Call `work(i)` for i in range(count) on `count` threads at once; results in order.

        The first CheckFailed (or other error) is raised after every call has ended.
        """
        with ThreadPoolExecutor(max_workers=count, thread_name_prefix="project-load") as pool:
            futures = [pool.submit(work, i) for i in range(count)]
            errors = [f.exception() for f in futures]
        for error in errors:
            if error is not None:
                raise error
        return [f.result() for f in futures]


def parse_json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of `text` that is a JSON object, parsed."""
    found: list[dict[str, Any]] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                value = json.loads(line)
                if isinstance(value, dict):
                    found.append(value)
    return found


@dataclass(frozen=True)
class Ran:
    """A command that ran to its end: its arguments, exit, and output."""

    args: tuple[str, ...]
    stdin: str
    exit: Exit
    stdout: str
    stderr: str
    program: str = "app"

    def command(self) -> str:
        """The command line as a shell would show it (with the stdin, if any)."""
        line = " ".join([self.program, *(_shell_word(a) for a in self.args)])
        return line + (f"\nstdin: {clip(self.stdin, 200)!r}" if self.stdin else "")

    def summary(self) -> str:
        """Exit status and both streams, briefly."""
        return Said("pj.check.run.summary", exit=self.exit.describe(),
                    stdout=repr(clip(self.stdout, 300)), stderr=repr(clip(self.stderr, 300)))

    def fail(self, what: str, expected: str) -> CheckFailed:
        """A CheckFailed about this command."""
        return CheckFailed(what, sent=self.command(), got=self.summary(), expected=expected)


def _shell_word(word: str) -> str:
    safe = word and all(c.isalnum() or c in "-_./:=+*,%@" for c in word)
    return word if safe else "'" + word.replace("'", "'\\''") + "'"


# --- a stage ---------------------------------------------------------------------------------


class Tester:
    """What a stage's test function gets: the program, the stage's clock, a transcript."""

    __test__ = False  # not a pytest test class

    def __init__(self, box: Box, *, limit: float, clock: Callable[[], float] = time.monotonic,
                 program: str = "app"):
        self.box = box
        self.program = program  # the command's name in messages (project.toml: command)
        self.limit = limit
        self.clock = clock
        self.deadline = clock() + limit
        self.transcript: list[str] = []  # the checks passed, each a sentence
        self.apps: list[App] = []
        self.sites: list[Site] = []
        self.closers: list[Callable[[], None]] = []  # what the stage started (a NATS server)

    def remaining(self) -> float:
        """Seconds left before the stage's time limit."""
        return self.deadline - self.clock()

    def check_stopped(self) -> None:
        """Raise BoxGone when the box was stopped (time limit, output flood)."""
        if self.box.stopped is not None:
            raise BoxGone(self.box.stopped)

    def passed(self, text: str) -> None:
        """Note a check that passed (shown in the stage's transcript)."""
        self.transcript.append(Lines("✔", text, sep=" "))

    def sleep(self, seconds: float) -> None:
        """Sleep, but not past the time limit."""
        time.sleep(max(0.0, min(seconds, self.remaining())))
        self.check_stopped()

    def server(self, *args: str, env: Mapping[str, str] | None = None,
               ready_seconds: float = 5.0) -> App:
        """Start the program with `-addr 127.0.0.1:PORT` and `args`; wait until it listens."""
        port = free_port()
        run = self.box.start(["-addr", f"{LOCALHOST}:{port}", *args], env=env)
        app = App(self, run, port)
        self.apps.append(app)
        command = " ".join([self.program, "-addr", f"{LOCALHOST}:{port}", *args])
        deadline = self.clock() + min(ready_seconds, self.remaining())
        while True:
            sock = app.socket()
            try:
                sock.settimeout(1.0)
                sock.connect((LOCALHOST, port))
                return app
            except OSError:
                pass
            finally:
                sock.close()
            ended = self.box.wait(0.02)
            listens = Said("pj.check.server.listen", addr=f"{LOCALHOST}:{port}")
            if ended is not None:
                tail = self.output_tail(run)
                raise CheckFailed(
                    Said("pj.check.server.exited"), sent=command,
                    got=Lines(ended.describe(), tail) if tail else ended.describe(),
                    expected=listens)
            if self.clock() > deadline:
                raise CheckFailed(
                    Said("pj.check.server.no_port", seconds=ready_seconds), sent=command,
                    got=self.output_tail(run) or Said("pj.check.output.none"), expected=listens)

    def site(self, pages: Mapping[str, Page]) -> Site:
        """Serve `pages` to the program at http://127.0.0.1:PORT/ (reachable from the box only)."""
        site = Site(self.box.sockets(1)[0], pages)
        self.sites.append(site)
        return site

    def nats(self) -> Broker:
        """Start nats-server for this stage, reachable from the program at `broker.url`;
        StageSkipped when it is not installed (the stage is optional)."""
        binary = find_nats_server()
        if binary is None:
            raise StageSkipped(Said("pj.check.nats.missing"))
        server = NatsServer.start(binary)
        try:
            relay = Relay(self.box.sockets(1)[0], server.port)
        except BaseException:
            server.close()
            raise
        broker = Broker(server, relay, [])
        self.closers.append(broker.close)
        return broker

    def run(self, *args: str, stdin: str = "", timeout: float = 5.0) -> Ran:
        """Run the program as a command to its end; CheckFailed if it runs past `timeout`."""
        run = self.box.start(list(args), stdin=stdin.encode())
        ended = self.box.wait(min(timeout, max(0.1, self.remaining())))
        if ended is None:
            self.box.signal(signal.SIGKILL)
            self.box.wait(2)
            ran = Ran(tuple(args), stdin, Exit(-1, int(signal.SIGKILL)), run.stdout.text(),
                      run.stderr.text(), self.program)
            raise CheckFailed(Said("pj.check.run.timeout", seconds=timeout),
                              sent=ran.command(), got=ran.summary(),
                              expected=Said("pj.check.run.finish"))
        run.stdout.finished(2)
        run.stderr.finished(2)
        return Ran(tuple(args), stdin, ended, run.stdout.text(), run.stderr.text(), self.program)

    def start(self, *args: str, stdin: str = "") -> Run:
        """Start the program as a command and return at once (for commands that take time)."""
        return self.box.start(list(args), stdin=stdin.encode())

    def terminate(self, *, grace: float) -> Exit:
        """SIGTERM the running program; CheckFailed unless it ends within `grace` seconds."""
        sent_at = self.sigterm()
        return self.wait_exit(grace=grace, since=sent_at)

    def sigterm(self) -> float:
        """Send SIGTERM to the running program; the moment it was sent."""
        sent_at = self.clock()
        if not self.box.signal(signal.SIGTERM):
            ended = self.box.wait(0)
            raise CheckFailed(Said("pj.check.sigterm.early"), sent="SIGTERM",
                              got=ended.describe() if ended
                              else Said("pj.check.sigterm.no_process"),
                              expected=Said("pj.check.sigterm.running"))
        return sent_at

    def wait_exit(self, *, grace: float, since: float) -> Exit:
        """Wait until `grace` seconds after `since` for the program to end (CheckFailed if not)."""
        left = since + grace - self.clock()
        ended = self.box.wait(min(max(0.0, left), max(0.1, self.remaining())))
        if ended is None:
            raise CheckFailed(Said("pj.check.sigterm.no_exit", seconds=grace),
                              sent="SIGTERM", got=Said("pj.check.sigterm.still_running"),
                              expected=Said("pj.check.sigterm.graceful", seconds=grace))
        self.transcript.append(Said("pj.check.sigterm.ended", exit=ended.describe(),
                                    seconds=round(self.clock() - since, 2)))
        return ended

    def until(
        self, seconds: float, probe: Callable[[], T | None], *, every: float = 0.05
    ) -> T | None:
        """Call `probe` until it returns something truthy or `seconds` pass; its last value."""
        deadline = self.clock() + min(seconds, max(0.0, self.remaining()))
        while True:
            value = probe()
            if value or self.clock() >= deadline:
                return value
            self.sleep(every)

    def kill(self) -> Exit | None:
        """SIGKILL the running program (a crash, as far as it can tell) and wait for it."""
        self.box.signal(signal.SIGKILL)
        return self.box.wait(3)

    def output_tail(self, run: Run, limit: int = 800) -> str:
        """The last lines of what the program wrote (stderr, then stdout)."""
        parts = [("stderr", run.stderr.text()), ("stdout", run.stdout.text())]
        shown = [f"[{name}] {text.strip()[-limit:]}" for name, text in parts if text.strip()]
        return "\n".join(shown)


def free_port() -> int:
    """A port to give the program: any port is free in the box's own namespace; one free on
    the host too, for the unsandboxed fallback that shares the host's network."""
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


StageTest = Callable[["Tester"], None]
