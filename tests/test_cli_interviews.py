"""`gocoach interview` with piped input: a typed session, stop and resume, history, export,
bad input."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gocoach.cli import interviews as cli_interviews
from gocoach.cli.main import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(cli_interviews, "similarity_function", lambda: None)
    return CliRunner()


def run(cli: CliRunner, *args: str, stdin: str = "") -> tuple[int, str]:
    result = cli.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


ANSWER = "Горутиной управляет рантайм Go, M:N на потоки ОС. Стек 2 KB растёт копированием.\n\n"


def test_typed_session_to_scorecard(cli: CliRunner) -> None:
    # question 1: empty answer (refused), then an answer, two follow-ups skipped, rating 3;
    # question 2: skipped
    stdin = "\n" + ANSWER + "\n\n" + "3\n" + "/skip\n"
    code, output = run(cli, "interview", "--level", "senior", "--minutes", "10",
                       "--modules", "1", "--seed", "3", stdin=stdin)
    assert code == 0, output
    assert "session 1: 2 questions, 10 min, level senior" in output
    assert "the answer is empty" in output
    assert "matched words" in output and "short answer:" in output and "hint:" in output
    assert "follow-up:" in output
    assert "scorecard · session 1" in output and "verdict:" in output
    assert re.search(r"│ 2 +│ .+│ 01 +│ 0:00 +│ 0/\d +│ skipped", output)
    assert "trend:" in output and "first session" in output
    assert "Traceback" not in output


def test_follow_up_answers_are_rated_into_their_cards(cli: CliRunner, tmp_path: Path) -> None:
    # question 1: an answer; follow-up 1 answered, a wrong rating then 2; follow-up 2 skipped;
    # the question rated 3; question 2 skipped
    stdin = ANSWER + "про рантайм и планировщик\n\n" + "7\n2\n" + "\n" + "3\n" + "/skip\n"
    code, output = run(cli, "interview", "--level", "senior", "--minutes", "10",
                       "--modules", "1", "--seed", "3", stdin=stdin)
    assert code == 0, output
    assert output.count("rate this follow-up") == 2  # asked again after "7"
    assert "type 1, 2, 3 or 4" in output
    with sqlite3.connect(tmp_path / "data" / "gocoach.db") as db:
        cards = db.execute("SELECT kind, reps FROM cards ORDER BY kind").fetchall()
        sources = db.execute("SELECT rating, source FROM review_logs ORDER BY id").fetchall()
    assert cards == [("followup", 1), ("question", 1)]
    assert sources == [(2, "interview"), (3, "interview")]


def test_stop_resume_close_and_history(cli: CliRunner, tmp_path: Path) -> None:
    # the input ends (Ctrl+D) in the middle: the session stays open (`/stop` would finish it)
    code, output = run(cli, "interview", "--minutes", "15", stdin=ANSWER)
    assert code == 0 and "session 1 stays open" in output
    code, output = run(cli, "interview", "history")
    assert code == 0 and "open: session 1" in output
    code, output = run(cli, "interview", "resume", stdin="\n\n1\n")
    assert code == 0 and "question 2/3" in output and "session 1 stays open" in output
    code, output = run(cli, "interview", "resume", "1", stdin="/skip\n/skip\n")
    assert code == 0 and "scorecard · session 1" in output
    target = tmp_path / "s1.md"
    code, output = run(cli, "interview", "export", "1", "-o", str(target))
    assert code == 0 and target.read_text(encoding="utf-8").startswith("# Mock interview")
    code, output = run(cli, "interview", "history")
    assert "│ 1 " in output and "first session" in output
    run(cli, "interview", "--minutes", "10", stdin="")
    code, output = run(cli, "interview", "close", "2")
    assert code == 0 and "session 2 closed" in output
    code, output = run(cli, "interview", "resume", "2")
    assert code == 1 and "interview 2 is abandoned" in output


def test_spoken_session_ticks_what_was_said(cli: CliRunner) -> None:
    code, output = run(cli, "interview", "--spoken", "--minutes", "10", "--seed", "1",
                       stdin="\n1,2\n4\n\n\n3\n")
    assert code == 0, output
    assert "which did you say?" in output
    assert re.search(r"│ 1 +│ .+│ 2/\d +│ easy", output)


@pytest.mark.parametrize(("args", "message"), [
    (["--level", "junior"], "unknown level 'junior'"),
    (["--minutes", "2"], "5 to 180 minutes"),
    (["--modules", "42"], "unknown module(s) 42"),
    (["resume"], "no open interview session"),
    (["export", "7"], "no interview session 7"),
])
def test_bad_input_is_a_message(cli: CliRunner, args: list[str], message: str) -> None:
    code, output = run(cli, "interview", *args)
    assert code == 1 and message in output and "Traceback" not in output
