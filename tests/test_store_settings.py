"""Settings that existing installations depend on."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gocoach.cli.main import app
from gocoach.store.settings import SettingError, load_settings


def test_the_sqlite_file_keeps_its_name_so_existing_data_is_found(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'gocoach.db'}"


def test_settings_come_from_the_environment_typed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOCOACH_PORT", "9123")
    monkeypatch.setenv("GOCOACH_LOAD_BUNDLED", "no")
    monkeypatch.setenv("gocoach_mode", "server")  # variable names ignore case, as before
    monkeypatch.setenv("GOCOACH_SECRET_KEY", "s3cret-value")
    settings = load_settings(data_dir=tmp_path)
    assert (settings.port, settings.load_bundled, settings.mode) == (9123, False, "server")
    assert settings.secret_key.get_secret_value() == "s3cret-value"
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.secret_key)


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("GOCOACH_PORT", "eighty", "whole number"),
    ("GOCOACH_MODE", "cluster", "'local', 'server'"),
    ("GOCOACH_GRADING_QUEUE", "0", "at least 1"),
    ("GOCOACH_LOAD_BUNDLED", "maybe", "true or false"),
])
def test_a_bad_setting_names_the_variable(
        monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingError, match=variable) as caught:
        load_settings()
    assert says in str(caught.value)
    result = CliRunner().invoke(app, ["roadmaps"])
    assert result.exit_code == 2
    assert f"bad setting: {variable}" in result.output
    assert "Traceback" not in result.output
