"""A small web site the tester serves to the learner's program, from inside its box.

The listening socket is made by the box's connector inside the program's network namespace,
so the site is reachable from the program at http://127.0.0.1:PORT/ and from nowhere else; the
harness accepts on it from its own process. Every request is recorded: how many times each
path was asked for, and how many requests were in flight at once (for bounded concurrency).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG_SECONDS = 30.0


@dataclass(frozen=True)
class Page:
    """What the site answers for one path."""

    body: str | bytes = ""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before the answer
    hang: bool = False  # no answer at all (until the site closes)


def html(title: str, *links: str) -> Page:
    """A page with a title and links (href values as given)."""
    anchors = "\n".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    body = (f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"\n<body><h1>{title}</h1>\n<ul>\n{anchors}\n</ul></body></html>\n")
    return Page(body)


class Site:
    """Pages by path (with the query), served on a socket made in the box's namespace."""

    def __init__(self, listener: socket.socket, pages: Mapping[str, Page]):
        self.pages = dict(pages)
        self.hits: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.closing = threading.Event()
        self._lock = threading.Lock()
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        self.port = int(listener.getsockname()[1])
        server = _Server(("127.0.0.1", 0), _handler(self), bind_and_activate=False)
        server.socket.close()
        server.socket = listener
        server.server_address = listener.getsockname()
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name="project-site")
        self._thread.start()

    def url(self, path: str = "/") -> str:
        """The absolute URL of a path, as the program sees it."""
        return f"http://127.0.0.1:{self.port}{path}"

    def requested(self, path: str) -> int:
        """How many times `path` was asked for."""
        with self._lock:
            return self.hits[path]

    def paths(self) -> dict[str, int]:
        """Every path asked for, with its count."""
        with self._lock:
            return dict(self.hits)

    def close(self) -> None:
        """Stop serving; hanging answers end now."""
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)

    def _enter(self, path: str) -> None:
        with self._lock:
            self.hits[path] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is the program's business, not an error of the site."""


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        timeout = 10
        _counted = False

        def do_GET(self) -> None:
            site._enter(self.path)
            self._counted = True
            try:
                self._answer(site.pages.get(self.path))
            finally:
                self._done()

        def _done(self) -> None:
            if self._counted:
                self._counted = False
                site._leave()

        def _answer(self, page: Page | None) -> None:
            if page is None:
                page = Page("<html><title>404</title>not found</html>", status=404)
            if page.hang:
                site.closing.wait(HANG_SECONDS)
                return
            if page.delay:
                deadline = time.monotonic() + page.delay
                while not site.closing.is_set() and time.monotonic() < deadline:
                    time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))
            body = page.body.encode() if isinstance(page.body, str) else page.body
            # No longer in flight once the answer goes out: a client that waits for it before
            # its next request must never be seen with two at once.
            self._done()
            with contextlib.suppress(OSError):
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
