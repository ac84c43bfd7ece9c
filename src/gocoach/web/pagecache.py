"""Rendered pages kept per process, keyed by everything they show.

The largest roadmap page costs ~20 ms of Python (loading 1k nodes, roll-ups, the tree, the
template); under 200 concurrent requests on 2 cores that alone is a 4 s queue. The page is
reused while nothing it shows has changed: the key holds the roadmap's import (id, time and
source hash), the user's progress rows on it, the language, the viewer and whatever else the
route passes. A changed status, note, import or language makes a new key; old entries fall out
by size (least recently used first). Nothing is shared between users.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from fastapi.responses import HTMLResponse, Response
from starlette.requests import Request

MAX_BYTES = 32 * 1024 * 1024


class PageCache:
    """An LRU of rendered HTML bodies, bounded by their total size."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self._max = max_bytes
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self._max // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._size -= len(old) if old is not None else 0
            self._entries[key] = body
            self._size += len(body)
            while self._size > self._max:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)


def _cache(request: Request) -> PageCache:
    cache: PageCache | None = getattr(request.app.state, "page_cache", None)
    if cache is None:
        cache = request.app.state.page_cache = PageCache()
    return cache


def cache_key(request: Request, lang: str, parts: Hashable) -> str:
    """A digest of the page's parts plus the request's language, viewer, path and query."""
    viewer = getattr(request.state, "viewer", None)
    who = None if viewer is None else (viewer.id, viewer.role, viewer.display_name,
                                       viewer.username)
    raw = repr((request.url.path, str(request.url.query), lang, who, parts))
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def cached_page(request: Request, key: str, build: Callable[[], Response]) -> Response:
    """The stored page for `key`, or `build()` stored when it is a plain 200 HTML page."""
    cache = _cache(request)
    body = cache.get(key)
    if body is not None:
        return HTMLResponse(body)
    response = build()
    if response.status_code == 200 and isinstance(response.body, bytes):
        cache.put(key, bytes(response.body))
    return response


def progress_print(rows: Any) -> tuple[Any, ...]:
    """What a page shows of progress rows (status, note, evidence, time), in a stable order."""
    return tuple(sorted((key, p.status, p.note, tuple(p.evidence or ()), str(p.updated_at),
                         p.orphaned) for key, p in rows.items()))
