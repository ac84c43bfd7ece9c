"""CLI defects of issue 16: `q show` losing text at the terminal's width, `--help` eating `[x]`
and printing Python types, `plan create` without `--start`, `/stop` leaving a session open."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from conftest import NOW
from gocoach.cli import interviews as cli_interviews
from gocoach.cli import plans as cli_plans
from gocoach.cli import today as cli_today
from gocoach.cli.main import app
from gocoach.plans.calendar import local_date
from gocoach.questions.bank import load_track
from gocoach.questions.views import ANSWER_SECTIONS, WHY
from gocoach.startup import open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import FollowUpQuestion, Question
from question_fixtures import prepared_settings, write_track

LONG_POINT = ("1. Первый ключевой пункт растянут нарочно длинно, чтобы не поместиться в узкий "
              "терминал: перенос обязан сохранить каждое слово вплоть до последнего "
              "заключительноеслово")
LONG_CODE = '\tfmt.Println("строка кода длиннее сорока колонок, хвост которой виден: хвосткода")'


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    settings = prepared_settings(tmp_path)
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GOCOACH_LOAD_BUNDLED", "false")
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def run(cli: CliRunner, *args: str, stdin: str = "") -> tuple[int, str]:
    result = cli.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def long_item_bank(tmp_path: Path) -> Path:
    """A data folder whose bank has a question with a long numbered item and a long code line."""
    folder = write_track(tmp_path / "track")
    module = folder / "01-goroutines-channels.md"
    text = module.read_text(encoding="utf-8")
    text = text.replace("1. Первый ключевой пункт.", LONG_POINT, 1)
    text = text.replace('\tfmt.Println("ok")', LONG_CODE, 1)
    module.write_text(text, encoding="utf-8")
    settings = load_settings(data_dir=tmp_path / "data", load_bundled=False)
    database, _ = open_database(settings)
    with transaction(database.sessions) as session:
        load_track(session, folder, now=NOW)
    database.engine.dispose()
    return settings.data_dir


def shown_words(data_dir: Path, ref: str) -> list[str]:
    """Every word of the question's sections and of its follow-ups' answers, as stored."""
    with sqlite3.connect(data_dir / "gocoach.db") as db:
        (sections,) = db.execute(f"SELECT sections FROM {Question.__tablename__} WHERE qid = ?",
                                 (ref,)).fetchone()
        answers = [a for (a,) in db.execute(
            f"SELECT answer FROM {FollowUpQuestion.__tablename__} WHERE qid = ?", (ref,))]
    texts = [json.loads(sections).get(name, "") for name in (WHY, *ANSWER_SECTIONS)]
    text = re.sub(r"^```\w*", "", " \n".join([*texts, *answers]), flags=re.M)  # not the fences'
    return re.findall(r"\w+", text)


@pytest.mark.parametrize("columns", ["40", "200"])
def test_q_show_prints_every_word_at_any_width(tmp_path: Path, columns: str) -> None:
    data_dir = long_item_bank(tmp_path)
    env = {**os.environ, "GOCOACH_DATA_DIR": str(data_dir), "GOCOACH_LOAD_BUNDLED": "false",
           "COLUMNS": columns}
    done = subprocess.run(
        [sys.executable, "-c", "from gocoach.cli.main import main; main()", "q", "show",
         "chan-buffered"], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    flat = "".join(done.stdout.split())  # a word wrapped or folded over lines joins again
    missing = [w for w in shown_words(data_dir, "chan-buffered") if w not in flat]
    assert missing == [], f"lost at {columns} columns: {missing[:10]}"
    assert "заключительноеслово" in flat and "хвосткода" in flat
    item = [line for line in lines if "ключевой" in line or "заключительноеслово" in line]
    assert len(item) >= (3 if columns == "40" else 1)  # wrapped, and within the width
    assert all(len(line) <= int(columns) for line in item)


def command_paths(group: Any, ctx: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path below `group`, groups included (the root group is lazy)."""
    paths = [prefix]
    if hasattr(group, "list_commands"):
        for name in group.list_commands(ctx):
            sub = group.get_command(ctx, name)
            paths += command_paths(sub, typer.Context(sub, parent=ctx, info_name=name),
                                   (*prefix, name))
    return paths


def help_texts(command: Any) -> list[str]:
    """The help texts a command's --help prints: its own and its parameters'."""
    texts = [command.help or ""]
    texts += [getattr(p, "help", None) or "" for p in command.params]
    return [t for t in texts if t]


def test_help_keeps_brackets_and_names_values_readably(cli: CliRunner) -> None:
    root = typer.main.get_command(app)
    paths = command_paths(root, typer.Context(root, info_name="gocoach"))
    assert len(paths) > 60  # every command of every group, not the empty lazy table
    for path in paths:
        result = cli.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        output = result.output
        python_type = re.search(r"<(str|int|float|path|bool|boolean|text|list|dict|int range|"
                                r"float range|filename|uuid)[^>]*>", output)
        assert python_type is None, (path, python_type and python_type.group(0))
        command: Any = root
        ctx = typer.Context(root, info_name="gocoach")
        for name in path:
            command = command.get_command(ctx, name)
            ctx = typer.Context(command, parent=ctx, info_name=name)
        flat = "".join(output.split())
        for text in help_texts(command):  # nothing eaten as markup: every piece is printed
            for piece in text.replace("`", "").split():
                assert piece in flat, (path, piece)
    assert "checkboxes ([x] done)" in run(cli, "--help")[1]
    output = run(cli, "export", "--help")[1]
    assert "([x] done)" in output and "[x] [/] [-] [ ]" in output
    output = run(cli, "plan", "create", "--help")[1]
    assert re.search(r"--start\s+DATE", output) and re.search(r"--off\s+FROM\.\.TO", output)
    output = run(cli, "q", "search", "--help")[1]
    assert re.search(r"--limit\s+N\b", output) and re.search(r"--level\s+LEVEL", output)


def test_plan_create_starts_today_without_start(cli: CliRunner,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_today, "utc_now", lambda: NOW)
    monkeypatch.setattr(cli_plans, "utc_now", lambda: NOW)
    code, output = run(cli, "plan", "create", "week")
    assert code == 0, output
    assert f"{local_date(NOW)} →" in output  # the machine's calendar day, as the web does
    code, output = run(cli, "plan", "create", "week", "--start", "2026-12-07")
    assert code == 0 and "2026-12-07 →" in output


@pytest.fixture
def interview_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(cli_interviews, "similarity_function", lambda: None)
    return CliRunner()


def states(tmp_path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(tmp_path / "data" / "gocoach.db") as db:
        return db.execute("SELECT id, state FROM interview_sessions ORDER BY id").fetchall()


ANSWER = "Горутиной управляет рантайм Go, M:N на потоки ОС. Стек 2 KB растёт копированием.\n\n"


def test_stop_finishes_the_session_and_it_is_no_longer_open(interview_cli: CliRunner,
                                                            tmp_path: Path) -> None:
    # an answer, then /stop at the first follow-up: the session ends with a scorecard
    code, output = run(interview_cli, "interview", "--minutes", "15", "--seed", "3",
                       stdin=ANSWER + "/stop\n")
    assert code == 0, output
    assert "stays open" not in output and "scorecard · session 1" in output
    assert states(tmp_path) == [(1, "finished")]
    code, output = run(interview_cli, "interview", "history")
    assert code == 0 and "open: session" not in output and "│ 1 " in output
    code, output = run(interview_cli, "interview", "resume")
    assert code == 1 and "no open interview session" in output
    # /stop before any answer: nothing to score, the session is closed all the same
    code, output = run(interview_cli, "interview", "--minutes", "10", stdin="/stop\n")
    assert code == 0 and "session 2 closed: nothing was answered" in output
    assert states(tmp_path) == [(1, "finished"), (2, "abandoned")]
    # the end of input (Ctrl+D) is not /stop: that session stays open to resume
    code, output = run(interview_cli, "interview", "--minutes", "10", stdin="")
    assert code == 0 and "session 3 stays open" in output
    assert states(tmp_path)[-1] == (3, "open")


def test_a_skipped_follow_up_is_not_asked_again_on_resume(interview_cli: CliRunner,
                                                          tmp_path: Path) -> None:
    # answer, skip follow-up 1 (its answer is shown), then the input ends
    run(interview_cli, "interview", "--minutes", "15", "--seed", "3", stdin=ANSWER + "\n")
    code, output = run(interview_cli, "interview", "resume", stdin="")
    assert code == 0 and output.count("follow-up:") == 1  # only the one not yet seen
