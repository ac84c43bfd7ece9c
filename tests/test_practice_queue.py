"""Team mode without a database: who grades, what `serve` says, what `gocoach worker` refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gocoach.cli.main import app
from gocoach.practice import service as grading_service
from gocoach.practice.grading import SandboxStatus
from gocoach.practice.jobs import WorkerOptions, conninfo, uses_workers
from gocoach.store.settings import load_settings

PG = "postgresql+psycopg://coach:s3cret@db.internal:5433/gocoach"


def test_postgres_means_workers_grade_and_sqlite_keeps_the_in_process_queue(
    tmp_path: Path,
) -> None:
    assert uses_workers(load_settings(data_dir=tmp_path, database_url=PG))
    assert not uses_workers(load_settings(data_dir=tmp_path))
    # procrastinate connects with libpq, which does not know SQLAlchemy's driver suffix
    assert conninfo(PG) == "postgresql://coach:s3cret@db.internal:5433/gocoach"


def test_the_web_app_in_team_mode_refuses_nothing_for_lack_of_its_own_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grading_service, "sandbox_available",
                        lambda: SandboxStatus(False, "bwrap is not installed"))
    settings = load_settings(data_dir=tmp_path, database_url=PG, mode="server")
    grading = grading_service.open_grading(settings)
    try:
        assert grading.queue_app is not None and grading.refusal is None
        notice = grading_service.sandbox_notice(settings)
        assert notice and "graded by `gocoach worker`" in notice
    finally:
        grading.close()


def test_the_worker_command_needs_postgres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GOCOACH_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 1
    assert "workers need PostgreSQL" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "gocoach.db").exists()  # nothing was created on the way out


def test_a_shorter_stalled_after_never_outruns_the_other_workers_heartbeats() -> None:
    assert WorkerOptions(stalled_after=4).heartbeat == 1.0
    assert WorkerOptions(stalled_after=30).heartbeat == 2.0
    assert WorkerOptions(stalled_after=600).heartbeat == 2.0  # still every 2 s
