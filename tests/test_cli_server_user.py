"""The CLI's study commands on a server database act as GOCOACH_USER: without it, or with an
unknown or disabled account, they stop with a message and exit status 2 before writing anything;
with it, what they write is that user's (the web app shows it to them). Admin commands need no
user, and local mode ignores the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from account_fixtures import PASSWORD, cheap_hashing, server_client, sign_in
from gocoach.cli.main import app
from gocoach.startup import open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import Progress, TimeEntry, User

ROADMAP = """# Мой план

## Неделя 1
- [x] Каналы
- [ ] Мьютексы
"""
NEEDED = ("server mode: name the account this command acts as, e.g. GOCOACH_USER=lena "
          "gocoach today (see `gocoach user list`)")


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Server mode on SQLite in tmp_path/server (where server_client looks), with lena, mira
    and a disabled boris; the environment of a C locale and no GOCOACH_USER."""
    cheap_hashing(monkeypatch)
    settings = {"GOCOACH_DATA_DIR": str(tmp_path / "server"), "GOCOACH_MODE": "server",
                "GOCOACH_LOAD_BUNDLED": "false", "COLUMNS": "200", "LANG": "C.UTF-8"}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    for name in ("GOCOACH_USER", "GOCOACH_LANGUAGE", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    for name in ("lena", "mira", "boris"):
        code, out = run("user", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
        assert code == 0, out
    assert run("user", "disable", "boris")[0] == 0
    return tmp_path / "server"


def run(*args: str, stdin: str | None = None, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=stdin, env=env or None)
    return result.exit_code, result.output.replace("\n", " ")


def time_entries(data: Path) -> list[tuple[str, int, str]]:
    """(username, minutes, note) of every time-log entry."""
    database, _ = open_database(load_settings(data_dir=data), prepare=False)
    try:
        with transaction(database.sessions) as session:
            return [(name, minutes, note) for name, minutes, note in session.execute(
                select(User.username, TimeEntry.minutes, TimeEntry.note)
                .join(User, User.id == TimeEntry.user_id).order_by(TimeEntry.id))]
    finally:
        database.engine.dispose()


@pytest.mark.parametrize("args", [
    ["today"], ["log", "30"], ["hours"], ["mark", "abcd", "done"], ["plan", "show"],
    ["drill"], ["roadmaps"], ["history", "mine"], ["report", "show", "1"], ["import", "x.md"],
    ["interview", "history"], ["q", "show", "chan-buffered"], ["milestones"],
])
def test_study_commands_need_a_named_user(server: Path, args: list[str]) -> None:
    code, out = run(*args)
    assert code == 2 and NEEDED in out, out
    code, out = run(*args, GOCOACH_USER="nobody")
    assert code == 2 and "GOCOACH_USER: no account 'nobody' on this server" in out, out
    code, out = run(*args, GOCOACH_USER="boris")
    assert code == 2, out
    assert ("GOCOACH_USER: the account 'boris' is disabled (an admin enables it: "
            "`gocoach user disable boris --enable`)") in out
    assert time_entries(server) == []


def test_a_named_user_studies_as_themselves(server: Path, tmp_path: Path) -> None:
    code, out = run("log", "30", "--note", "каналы и select", GOCOACH_USER=" Lena ")
    assert code == 0 and "logged 30 min" in out, out
    assert run("log", "15", GOCOACH_USER="mira")[0] == 0
    assert time_entries(server) == [("lena", 30, "каналы и select"), ("mira", 15, "")]
    mine = tmp_path / "mine.md"
    mine.write_text(ROADMAP, encoding="utf-8")
    code, out = run("import", str(mine), GOCOACH_USER="lena")
    assert code == 0, out
    database, _ = open_database(load_settings(data_dir=server), prepare=False)
    with transaction(database.sessions) as session:
        owners = session.scalars(select(User.username).join(Progress,
                                                             Progress.user_id == User.id)).all()
    database.engine.dispose()
    assert owners == ["lena"]  # the checked box is lena's progress, nobody else's
    with server_client(tmp_path) as client:
        sign_in(client, "lena")
        assert "каналы и select" in client.get("/time").text
        client.cookies.clear()
        sign_in(client, "mira")
        assert "каналы и select" not in client.get("/time").text


def test_admin_commands_need_no_user(server: Path, tmp_path: Path) -> None:
    for args in (["user", "list"], ["cohort", "list"], ["settings"],
                 ["backup", str(tmp_path / "b.json")], ["restore", str(tmp_path / "b.json")],
                 ["q", "search", "канал"], ["migrate"]):
        code, out = run(*args)
        assert code == 0, (args, out)
    code, out = run("settings")
    assert "GOCOACH_USER" in out


def test_local_mode_ignores_the_setting(server: Path) -> None:
    code, out = run("log", "20", GOCOACH_MODE="local", GOCOACH_USER="nobody")
    assert code == 0, out
    assert time_entries(server) == [("local", 20, "")]


def test_the_refusal_speaks_the_users_language(server: Path) -> None:
    code, out = run("today", LANG="ru_RU.UTF-8")
    assert code == 2 and ("режим сервера: укажите, от имени какой учётной записи "
                          "работает команда, например GOCOACH_USER=lena gocoach today") in out
    code, out = run("today", GOCOACH_USER="nobody", LANG="ru_RU.UTF-8")
    assert code == 2 and "на этом сервере нет учётной записи «nobody»" in out, out
    code, out = run("today", LANG="ru_RU.UTF-8", GOCOACH_LANGUAGE="en")
    assert code == 2 and NEEDED in out, out


def test_the_gocoach_script_exits_with_status_2(server: Path) -> None:
    script = Path(sys.executable).with_name("gocoach")
    done = subprocess.run([str(script), "log", "30"], capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 2 and NEEDED in done.stderr, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert time_entries(server) == []
