"""Import speed: all five bundled documents, and the server time of the largest roadmap's page.

Targets (issue «gocoach 0.1»): importing all five ≤ 1 s; the largest roadmap's page ≤ 100 ms.
Prints figures and ratios; no assertions (the machines are noisy).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from gocoach.curricula.bundled import bundled_documents, load_bundled
from gocoach.startup import open_database, utc_now
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.users import ensure_local_user
from gocoach.web.app import create_app

RUNS = 5
CPU: list[float] = []


def time_imports(base: Path) -> list[float]:
    """Seconds to import all five documents into a fresh, migrated database, RUNS times."""
    timings = []
    for run in range(RUNS):
        settings = load_settings(data_dir=base / f"import-{run}", load_bundled=False)
        database, _ = open_database(settings)
        with transaction(database.sessions) as session:
            user = ensure_local_user(session, now=utc_now())
            started, cpu = time.perf_counter(), time.process_time()
            load_bundled(session, user=user, now=utc_now(), max_bytes=settings.max_import_bytes)
            timings.append(time.perf_counter() - started)
            CPU.append(time.process_time() - cpu)
        database.engine.dispose()
    return timings


def time_page(base: Path) -> tuple[str, list[float]]:
    """Server time of the page of the roadmap with the most nodes."""
    largest = max(bundled_documents(), key=lambda d: d.path.stat().st_size)
    app = create_app(load_settings(data_dir=base / "web"))
    timings = []
    with TestClient(app) as client:
        client.get(f"/roadmaps/{largest.slug}")
        for _ in range(20):
            started = time.perf_counter()
            response = client.get(f"/roadmaps/{largest.slug}")
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
    return largest.slug, timings


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        imports = time_imports(Path(tmp))
        slug, page = time_page(Path(tmp))
    total = sum(d.path.stat().st_size for d in bundled_documents())
    median_import = statistics.median(imports)
    median_page = statistics.median(page)
    print(
        f"import of 5 documents ({total / 1024:.0f} KiB): median {median_import * 1000:.0f} ms, "
        f"min {min(imports) * 1000:.0f} ms over {RUNS} runs; target 1000 ms, "
        f"ratio {median_import / 1.0:.2f}; CPU time median {statistics.median(CPU) * 1000:.0f} ms "
        f"(wall time suffers when other processes share the 2 cores)"
    )
    print(
        f"page /roadmaps/{slug}: median {median_page * 1000:.1f} ms, "
        f"p90 {sorted(page)[int(len(page) * 0.9)] * 1000:.1f} ms over {len(page)} requests; "
        f"target 100 ms, ratio {median_page / 0.1:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
