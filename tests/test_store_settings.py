"""Settings that existing installations depend on."""

from __future__ import annotations

from pathlib import Path

from gocoach.store.settings import load_settings


def test_the_sqlite_file_keeps_its_name_so_existing_data_is_found(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'gocoach.db'}"
