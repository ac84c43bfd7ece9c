"""Web load: 200 concurrent GETs of the largest roadmap page, 100 concurrent ratings, the dashboard.

Serves the app on a free port of 127.0.0.1 only, on a throwaway PostgreSQL cluster
(initdb/pg_ctl under /tmp, as the tests do) when PostgreSQL is installed, else on SQLite;
`--sqlite` forces SQLite. The bursts run twice: against `gocoach serve` in its own process, as
it is deployed (the clients are other machines), and against uvicorn in this process, where the
load generator's 200 connections share the server's interpreter lock (a worst case).

Targets (issue #14): 0 errors, 0 lost ratings, p95 ≤ 2 s under the bursts; the dashboard
≤ 150 ms after a 40k-item import. Every loop is bounded; the exit code is 1 on an error or a
lost rating (not on a missed time target: the machines are noisy).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import func, select

from gocoach.curricula.bundled import bundled_documents
from gocoach.curricula.roadmaps import import_document
from gocoach.startup import open_database, utc_now
from gocoach.store.engine import transaction
from gocoach.store.settings import Settings, load_settings
from gocoach.store.tables import (
    FollowUpQuestion,
    Question,
    ReviewLogEntry,
    TimeEntry,
)
from gocoach.store.users import ensure_local_user
from gocoach.web.app import create_app

# The tests' helpers: a throwaway PostgreSQL cluster, a free port, uvicorn in a thread.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
servers = importlib.import_module("servers")

PAGE_REQUESTS = 200
RATINGS = 100
BIG_ITEMS = 40_000
DASHBOARD_RUNS = 10
TIMEOUT = 60.0


@contextmanager
def database_url(base: Path, force_sqlite: bool) -> Iterator[str]:
    """A PostgreSQL URL on a throwaway cluster, or '' (SQLite in the data folder)."""
    if force_sqlite or servers._pg_bin() is None:
        yield ""
        return
    cluster = Path("/tmp") / f"gocoach-load-pg-{base.name}"  # the postgres user must reach it
    try:
        with servers.postgres_server(cluster) as url:
            yield url
    finally:
        shutil.rmtree(cluster, ignore_errors=True)


def big_document(items: int) -> bytes:
    """A roadmap of `items` unchecked items, 100 per week."""
    lines = ["# Big roadmap", ""]
    for number in range(items):
        if number % 100 == 0:
            lines += ["", f"## Week {number // 100 + 1}: topic {number // 100}", ""]
        lines.append(f"- [ ] Item {number}: read about subject {number} and write notes")
    return "\n".join(lines).encode()


def card_refs(settings: Settings, count: int) -> list[str]:
    """`count` different cards of the bank (questions first, then follow-ups)."""
    database, _ = open_database(settings)
    with transaction(database.sessions) as session:
        refs = list(session.scalars(select(Question.qid).where(Question.retired.is_(False))
                                    .order_by(Question.qid).limit(count)))
        refs += list(session.scalars(select(FollowUpQuestion.fid).where(
            FollowUpQuestion.retired.is_(False)).order_by(FollowUpQuestion.fid)
            .limit(count - len(refs))))
    database.engine.dispose()
    return refs


def counts(settings: Settings) -> tuple[int, int]:
    """(review log rows, drill time entries) in the database."""
    database, _ = open_database(settings)
    with transaction(database.sessions) as session:
        reviews = session.scalar(select(func.count()).select_from(ReviewLogEntry)) or 0
        entries = session.scalar(select(func.count()).select_from(TimeEntry).where(
            TimeEntry.source == "drill")) or 0
    database.engine.dispose()
    return reviews, entries


async def burst(base: str, requests: list[dict[str, Any]]) -> tuple[list[float], list[str]]:
    """Send all requests at once; (seconds per request, errors)."""
    limits = httpx2.Limits(max_connections=len(requests), max_keepalive_connections=len(requests))
    headers = {"Origin": base, "Sec-Fetch-Site": "same-origin"}
    async with httpx2.AsyncClient(base_url=base, limits=limits, timeout=TIMEOUT,
                                  headers=headers) as client:

        async def one(request: dict[str, Any]) -> tuple[float, str | None]:
            started = time.perf_counter()
            try:
                answer = await client.request(**request)
            except httpx2.HTTPError as exc:
                return time.perf_counter() - started, f"{type(exc).__name__}: {exc}"
            took = time.perf_counter() - started
            if answer.status_code >= 400:
                return took, f"{answer.status_code}: {answer.text[:120]}"
            return took, None

        results = await asyncio.gather(*(one(r) for r in requests))
    return [t for t, _ in results], [e for _, e in results if e]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name: str, timings: list[float], errors: list[str]) -> None:
    print(f"{name}: {len(timings)} requests, {len(errors)} errors, "
          f"p50 {statistics.median(timings) * 1000:.0f} ms, "
          f"p95 {percentile(timings, 0.95) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms "
          f"(target p95 ≤ 2000 ms)")
    for error in sorted(set(errors))[:5]:
        print(f"  error: {error}")


def time_dashboard(settings: Settings) -> tuple[float, float]:
    """Import a BIG_ITEMS-item roadmap; (import seconds, median dashboard seconds)."""
    database, _ = open_database(settings)
    with transaction(database.sessions) as session:
        user = ensure_local_user(session, now=utc_now())
        started = time.perf_counter()
        import_document(session, data=big_document(BIG_ITEMS), name="big.md", slug="big",
                        user=user, now=utc_now(), max_bytes=64 << 20)
        imported = time.perf_counter() - started
    database.engine.dispose()
    app = create_app(settings)
    timings = []
    with servers.serving(app, servers.free_port()) as base, \
            httpx2.Client(base_url=base, timeout=TIMEOUT) as web:
        assert web.get("/").status_code == 200
        for _ in range(DASHBOARD_RUNS):
            started = time.perf_counter()
            answer = web.get("/")
            timings.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text[:200]
    return imported, statistics.median(timings)


@contextmanager
def serve_process(settings: Settings, port: int) -> Iterator[str]:
    """`gocoach serve` on 127.0.0.1:`port` with these settings, stopped afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOCOACH_")}
    env.update(GOCOACH_DATA_DIR=str(settings.data_dir), GOCOACH_DATABASE_URL=settings.database_url,
               GOCOACH_ALLOWED_HOSTS="127.0.0.1", GOCOACH_PORT=str(port),
               GOCOACH_GRADING_WARMUP="false", GOCOACH_CLI_SERVER="off")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gocoach"), "serve"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        servers._wait_for(port, 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def bursts(settings: Settings, base: str, largest: str, refs: list[str]) -> bool:
    """The page burst and the rating burst against `base`; True if anything failed."""
    timings, errors = asyncio.run(burst(base, [
        {"method": "GET", "url": f"/roadmaps/{largest}"}] * PAGE_REQUESTS))
    report(f"{PAGE_REQUESTS} concurrent GET /roadmaps/{largest}", timings, errors)
    failed = bool(errors)
    before, _ = counts(settings)
    shown_at = datetime.now().astimezone().isoformat()
    timings, errors = asyncio.run(burst(base, [
        {"method": "POST", "url": "/drill/rate", "headers": {"HX-Request": "true"},
         "data": {"ref": ref, "rating": "3", "duration_ms": "61000", "shown_at": shown_at}}
        for ref in refs]))
    report(f"{len(refs)} concurrent POST /drill/rate", timings, errors)
    after, entries = counts(settings)
    lost = len(refs) - len(errors) - (after - before)
    print(f"ratings stored: {after - before} of {len(refs)} ({lost} lost); "
          f"drill time entries: {entries} (one per day expected)")
    return failed or bool(errors) or lost != 0 or entries != 1


def main() -> int:
    force_sqlite = "--sqlite" in sys.argv
    failed = False
    with tempfile.TemporaryDirectory(prefix="gocoach-load-", dir="/tmp") as tmp, \
            database_url(Path(tmp), force_sqlite) as url:
        settings = load_settings(data_dir=Path(tmp) / "data", database_url=url,
                                 allowed_hosts="127.0.0.1", grading_warmup=False)
        print(f"database: {'PostgreSQL' if url else 'SQLite'}; pool {settings.db_pool_size} "
              f"+ {settings.db_max_overflow}, {settings.web_threads} threads")
        refs = card_refs(settings, 2 * RATINGS)
        largest = max(bundled_documents(), key=lambda d: d.path.stat().st_size).slug
        port = servers.free_port()
        print("\n`gocoach serve` in its own process (as deployed):")
        with serve_process(settings, port) as base:
            failed |= bursts(settings, base, largest, refs[:RATINGS])
        print("\nuvicorn in this process, sharing the load generator's interpreter lock:")
        with servers.serving(create_app(settings), servers.free_port()) as base:
            failed |= bursts(settings, base, largest, refs[RATINGS:])
        print()
        imported, dashboard = time_dashboard(settings)
        print(f"dashboard / after a {BIG_ITEMS}-item import ({imported:.1f} s): median "
              f"{dashboard * 1000:.0f} ms over {DASHBOARD_RUNS} requests (target ≤ 150 ms)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
