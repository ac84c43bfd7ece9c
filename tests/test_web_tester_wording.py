"""The project testers' messages in the interface language (issue #16): a tester says keys with
values, a run is stored in no language, and the pages word it in the page's language; what was
sent and what came back stays verbatim; runs stored before the keys (Russian) still show."""

from __future__ import annotations

import ast
import json
import re
import string
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import select

from account_fixtures import cheap_hashing, server_client
from conftest import NOW
from gocoach.practice import service as grading_service
from gocoach.practice.grading import SandboxStatus, sandbox_available
from gocoach.practice.grading.reasons import Reason
from gocoach.practice.grading.runner import GradingSettings
from gocoach.projects.box import Exit, Run, Stream
from gocoach.projects.catalogue import Project, find_project
from gocoach.projects.checks import CheckFailed, Reply
from gocoach.projects.harness import (
    ProjectReport,
    StageResult,
    _output_excerpt,
    describe_limits,
)
from gocoach.projects.module import Module
from gocoach.projects.russian import RUSSIAN
from gocoach.projects.said import Failure, Lines, Said, from_json, key_of
from gocoach.projects.submissions import record_run, review_flags
from gocoach.store.engine import transaction
from gocoach.store.tables import ProjectSubmission, User
from gocoach.web.i18n import catalog_paths
from gocoach.web.tester_wording import PREFIX
from gocoach.web.tester_wording import tester_text as say  # not collected as a test
from project_fixtures import CONTENT, PROJECTS
from test_teams_comments import Team, build_team, sign_in

ROOT = Path(__file__).resolve().parents[1]
PROJECTS_CODE = ROOT / "src" / "gocoach" / "projects"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
KEY = re.compile(r"^pj\.check\.[a-z0-9_.]+$")
EN = {"Accept-Language": "en"}
RU = {"Accept-Language": "ru"}
HX = {"HX-Request": "true"}
TP: Project = find_project(PROJECTS, "task-processor")
TODO: Project = find_project(PROJECTS, "todo")
MODULE = Module({"go.mod": b"module tp\n", "main.go": b"package main\n"})


# --- every key has its texts --------------------------------------------------------------------


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PROJECTS_CODE.rglob("*.py")):
        if path.name != "russian.py":  # the table itself
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def keys_in_the_code() -> set[str]:
    """Every key the projects' code can say: each key-shaped string in it (the first argument
    of Said(…), both branches of a conditional one, the constants it names, the labels)."""
    return {node.value for _, tree in _sources() for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and KEY.match(node.value)}


def _constants(tree: ast.Module) -> dict[str, str]:
    return {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for target in node.targets if isinstance(target, ast.Name)}


def _branches(node: ast.expr, names: dict[str, str]) -> list[str] | None:
    """The keys a Said's first argument may be; None when it is built at run time."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in names:
        return [names[node.id]]
    if isinstance(node, ast.IfExp):
        body, orelse = _branches(node.body, names), _branches(node.orelse, names)
        return None if body is None or orelse is None else body + orelse
    return None


def po(lang: str) -> Catalog:
    with catalog_paths(lang)[0].open("rb") as source:
        return read_po(source, locale=lang)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_key_the_testers_say_has_its_texts_in_both_catalogs() -> None:
    keys = keys_in_the_code()
    assert len(keys) > 300
    assert keys == set(RUSSIAN), (sorted(keys - set(RUSSIAN)), sorted(set(RUSSIAN) - keys))
    assert all(key.startswith(PREFIX) for key in keys)
    russian, english = po("ru"), po("en")
    for key in keys:
        ru, en = russian.get(key), english.get(key)
        assert ru is not None and ru.string == RUSSIAN[key], key  # str() is the page's Russian
        assert en is not None and en.string and CYRILLIC.search(str(en.string)) is None, key
        assert fields(str(en.string)) == fields(RUSSIAN[key]), key
    same = {key for key in keys if english[key].string == RUSSIAN[key]}
    assert same == {"pj.check.run.summary"}  # "{exit}; stdout: {stdout}; stderr: {stderr}"


def test_each_said_names_a_known_key_with_the_values_its_text_takes() -> None:
    """No key is built at run time (so the scan above sees them all), and every Said(…) call
    passes exactly the placeholders of its text."""
    checked = 0
    trees = dict(_sources())
    shared = _constants(trees[PROJECTS_CODE / "checks.py"]) | \
        _constants(trees[PROJECTS_CODE / "harness.py"])  # SKIPPED, RACE: imported by others
    for path, tree in trees.items():
        names = shared | _constants(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "Said"):
                continue
            if path.name == "said.py":  # from_json: a stored key, checked against the table
                continue
            keys = _branches(node.args[0], names)
            assert keys is not None, f"{path.name}:{node.lineno}: a key built at run time"
            given = {k.arg for k in node.keywords if k.arg is not None}
            for key in keys:
                assert key in RUSSIAN, f"{path.name}:{node.lineno}: {key}"
                assert given == fields(RUSSIAN[key]), f"{path.name}:{node.lineno}: {key}"
                checked += 1
    assert checked > 350


WORDED = {"CheckFailed", "fail", "passed", "expect", "expect_json", "StageSkipped", "BoxGone",
          "stop", "Failure"}


def test_the_testers_say_no_russian_sentence_of_their_own() -> None:
    """What a check says (its `what`, sent/got/expected, a passed check, a stop) is a Said or
    verbatim text; Russian literals left in the code are the test data the programs get."""
    found = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else \
                node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if name not in WORDED:
                continue
            for value in [*node.args, *(k.value for k in node.keywords)]:
                texts = [c.value for c in ast.walk(value) if isinstance(c, ast.Constant)
                         and isinstance(c.value, str)] \
                    if isinstance(value, ast.Constant | ast.JoinedStr | ast.BinOp) else []
                if any(CYRILLIC.search(text) for text in texts):
                    found.append(f"{path.name}:{node.lineno}")
    assert found == []


# --- stored in no language, worded in each -----------------------------------------------------


def _stream(text: str) -> Stream:
    import os

    read, write = os.pipe()
    os.write(write, text.encode())
    os.close(write)
    stream = Stream(read, 1 << 20, lambda: None)
    assert stream.finished(2)
    return stream


def failed_check() -> Failure:
    """What task-processor's stage 1 says about a server that answers 404 (testers' own code)."""
    reply = Reply("POST", "/tasks", '{"duration_ms": 50}', 404, {}, b"404 page not found\n", 0.01)
    with pytest.raises(CheckFailed) as failed:
        reply.expect_json(202, what=Said("pj.check.tp.not_accepted"))
    return failed.value.failure


def failed_report() -> ProjectReport:
    """A run of task-processor whose stage 1 fails after a passed check, with output, limits."""
    run = Run(("app",), _stream(""),
              _stream('{"level":"INFO","msg":"listening"}\n<script>alert(1)</script>\n'))
    first = StageResult(
        1, TP.stage(1).title, "fail", failed_check(),
        (Lines("✔", Said("pj.check.tp.ok.read", id="1"), sep=" "),
         Said("pj.check.sigterm.ended", exit=Exit(-1, 15).describe(), seconds=0.21)),
        _output_excerpt([run], 1500), 0.4)
    rest = tuple(StageResult(n, TP.stage(n).title, "skipped", Said("pj.check.stage.not_run",
                                                                      stage=1)) for n in (2, 3, 4))
    settings = GradingSettings(go_root=Path("/nonexistent"), cache_dir=Path("/nonexistent"))
    return ProjectReport(TP.slug, "fail", Said("pj.check.report.passed", passed=0, total=4),
                         (first, *rest), seconds=0.9, limits=describe_limits(settings, race=True))


def test_a_failed_check_is_stored_in_no_language_and_worded_in_each() -> None:
    stored = json.loads(json.dumps(failed_check().to_json()))
    assert stored["check"]["what"] == {"key": "pj.check.tp.not_accepted", "params": {}}
    assert stored["check"]["sent"] == 'POST /tasks {"duration_ms": 50}'  # verbatim
    assert "задача" not in json.dumps(stored, ensure_ascii=False)
    assert say(stored, "en").splitlines() == [
        "the task was not accepted",
        '  sent:       POST /tasks {"duration_ms": 50}',
        "  got:        404 404 page not found",
        "  expected:   status 202",
    ]
    assert say(stored, "ru") == str(failed_check())  # the CLI's Russian, unchanged
    assert str(failed_check()).startswith("задача не принята\n  отправлено: POST /tasks")
    assert from_json(stored) == failed_check() and key_of(stored) == "pj.check.tp.not_accepted"
    # numbers in the language's form; alternatives joined by its «or»
    limit = Said("pj.check.stage.time_limit", seconds=1.5).to_json()
    assert say(limit, "en") == "the stage did not finish within its time limit of 1.5 s"
    assert say(limit, "ru") == "стадия не уложилась в лимит времени 1,5 с"
    assert str(Said("pj.check.stage.time_limit", seconds=1.5)).endswith(" 1.5 с")  # as before
    reply = Reply("POST", "/events", "[]", 200, {}, b"", 0.01)
    with pytest.raises(CheckFailed) as either:
        reply.expect(429, 503)
    assert say(either.value.failure.to_json(), "en").splitlines() == [
        "unexpected status code 200",
        "  sent:       POST /events []",
        "  got:        200 (empty body)",
        "  expected:   status 429 or 503",
    ]


def test_odd_and_old_stored_messages_never_break_a_page() -> None:
    assert say(None, "en") == ""
    assert say("задача не принята", "en") == "задача не принята"  # before the keys
    assert say(["✔ GET /todos → []", "✔ ещё"], "en") == "✔ GET /todos → []\n✔ ещё"
    assert say({"key": "pj.check.from_a_newer_worker", "params": {}}, "en") == \
        "pj.check.from_a_newer_worker"
    assert say({"key": "pj.check.http.no_answer", "params": {}}, "en") == \
        "no answer within {seconds} s"  # a value missing: the text, unfilled
    assert say({"key": "pj.check.http.no_answer", "params": "odd"}, "ru").startswith(
        "нет ответа за")
    assert say({"check": "odd"}, "en") == "" and say({}, "en") == ""
    assert say(3, "en") == "3" and say("", "ru") == ""
    refusal = Reason("sandbox.unavailable", why="no bwrap")  # a grader's reason: its wording
    assert say(refusal, "ru").startswith("Проверка решений отключена")
    assert say(refusal.to_json(), "en").startswith("Grading is disabled")


def test_review_flags_are_sentences_too() -> None:
    report = failed_report().to_json()
    report["stages"][0]["message"] = Lines(Said("pj.check.stage.race"), "WARNING: DATA RACE",
                                           ).to_json()
    report["ignored"] = ["bin (a compiled program)"]
    flags = review_flags(report)
    assert [key_of(flag) for flag in flags] == ["pj.check.flag.race", "pj.check.flag.not_sent"]
    assert [say(flag, "en") for flag in flags] == [
        "stage 1: data race (-race detector)", "not sent: bin (a compiled program)"]


# --- the pages -----------------------------------------------------------------------------------


def visible(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def verdicts(html: str) -> str:
    """What the tester said on a page: each stage's result block, the run's heading and limits
    (not the stage titles and statements: content, in Russian)."""
    parts = re.findall(r'<div class="pj-result.*?</div>', html, re.S)
    parts += re.findall(r'<h3><span class="ex-status[^"]*">[^<]*</span>(.*?)<span class="muted">',
                        html, re.S)
    parts += re.findall(r'<p class="muted ex-limits">.*?</p>', html, re.S)
    parts += re.findall(r'<p class="muted">(?:[^<]*)</p>', html)  # a skipped stage's reason
    return visible("\n".join(parts))


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Team, int, int]]:
    """Lena's failed task-processor run (with keys) and an old todo run (Russian text)."""
    cheap_hashing(monkeypatch)
    monkeypatch.setattr(grading_service, "sandbox_available",
                        lambda: SandboxStatus(False, "no sandbox in this test"))
    with server_client(tmp_path, clock=lambda: NOW) as client:
        crew = build_team(client)
        with transaction(crew.database.sessions) as session:
            lena = session.scalars(select(User).where(User.username == "lena")).one()
            fresh = record_run(session, user=lena, project=TP, report=failed_report(),
                               module=MODULE, source="web", now=NOW)
            old = ProjectSubmission(
                user_id=lena.id, project="todo", status="fail", stages_passed=[],
                report={"project": "todo", "status": "fail", "message": "стадий пройдено: 0 из 4",
                        "stages": [{"number": 1, "title": "Создание и чтение", "status": "fail",
                                    "message": "задача не создана\n  отправлено: POST /todos",
                                    "transcript": ["✔ GET /todos на пустом сервисе → []"],
                                    "output": "[запуск 1, stderr]\nboom", "seconds": 0.2}],
                        "seconds": 0.3, "limits": "песочница bubblewrap, сеть только loopback"},
                files={"main.go": "package main"}, duration_ms=300, source="cli",
                created_at=NOW)  # fmt: skip
            session.add(old)
            session.flush()
            ids = fresh.id, old.id
        yield crew, *ids


def test_the_project_page_words_the_testers_verdict_in_its_language(
        team: tuple[Team, int, int]) -> None:
    crew, run, _ = team
    sign_in(crew.client, "lena")
    english = crew.client.get("/projects/task-processor", headers=EN)
    assert english.status_code == 200
    said = verdicts(english.text)
    assert "the task was not accepted" in said and "expected:   status 202" in said, said
    assert "✔ GET /tasks/1 → 200 with the same task" in said
    assert "… SIGTERM → stopped by signal SIGTERM after 0.21 s" in said
    assert "[run 1, stderr]" in said and '{"level":"INFO","msg":"listening"}' in said
    assert CYRILLIC.search(said) is None, CYRILLIC.findall(said)
    # the program's output is shown as it is, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in english.text
    assert "<script>alert(1)" not in english.text
    russian = verdicts(crew.client.get("/projects/task-processor", headers=RU).text)
    assert "задача не принята" in russian and "ожидалось:  код 202" in russian
    assert "… SIGTERM → остановлена сигналом SIGTERM через 0,21 с" in russian
    assert "[запуск 1, stderr]" in russian
    # the run's own report, as the history opens it
    fragment = crew.client.get(f"/projects/task-processor/submissions/{run}", headers={**HX, **EN})
    assert fragment.status_code == 200
    said = verdicts(fragment.text)
    assert "stages passed: 0 of 4" in said and "not run: stage 1 did not pass" in said
    assert "bubblewrap sandbox, loopback-only network; memory" in said
    assert CYRILLIC.search(said) is None, CYRILLIC.findall(said)
    russian = verdicts(crew.client.get(f"/projects/task-processor/submissions/{run}",
                                       headers={**HX, **RU}).text)
    assert "стадий пройдено: 0 из 4" in russian
    assert "не запускалась: стадия 1 не пройдена" in russian


def test_a_run_stored_in_russian_before_the_keys_still_shows(team: tuple[Team, int, int]) -> None:
    crew, _, old = team
    sign_in(crew.client, "lena")
    for headers in (EN, RU):
        page = crew.client.get("/projects/todo", headers=headers)
        assert page.status_code == 200
        said = verdicts(page.text)
        assert "задача не создана\n  отправлено: POST /todos" in said
        assert "✔ GET /todos на пустом сервисе → []" in said and "[запуск 1, stderr]" in said
        fragment = crew.client.get(f"/projects/todo/submissions/{old}", headers={**HX, **headers})
        assert fragment.status_code == 200 and "стадий пройдено: 0 из 4" in fragment.text
        assert "песочница bubblewrap" in fragment.text


def test_the_mentors_review_page_words_the_tester_in_its_language(
        team: tuple[Team, int, int]) -> None:
    crew, run, _ = team
    sign_in(crew.client, "mira")
    page = crew.client.get(f"/cohorts/north/reviews/projects/{run}", headers=EN)
    assert page.status_code == 200
    said = verdicts(page.text)
    assert "the task was not accepted" in said and "stages passed: 0 of 4" in said
    assert CYRILLIC.search(said) is None, CYRILLIC.findall(said)
    russian = verdicts(crew.client.get(f"/cohorts/north/reviews/projects/{run}",
                                       headers=RU).text)
    assert "задача не принята" in russian and "стадий пройдено: 0 из 4" in russian


# --- a real run ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here")
def test_a_real_failing_run_reads_in_english_on_the_english_page(tmp_path: Path) -> None:
    import io
    import zipfile

    from gocoach.store.settings import load_settings
    from gocoach.web.app import create_app
    from project_fixtures import CACHE_DIR, UID_BASE

    settings = load_settings(data_dir=tmp_path / "web", grading_warmup=False,
                             grading_cache_dir=CACHE_DIR, grading_uid_base=UID_BASE,
                             grading_workers=1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for path in (CONTENT / "projects/calculator/starter").iterdir():
            zipped.writestr(f"calc/{path.name}", path.read_bytes())
    with TestClient(create_app(settings)) as client:
        answer = client.post("/projects/calculator/submissions", headers={**HX, **EN},
                             data={"stage": ""},
                             files={"archive": ("module.zip", buffer.getvalue(),
                                                "application/zip")})
        assert answer.status_code == 200, answer.text
        text = answer.text
        deadline = time.monotonic() + 330
        while (job := re.search(r'hx-get="(/projects/[^"]+/jobs/[^"]+)"', text)) is not None:
            assert time.monotonic() < deadline, "the run did not finish"
            time.sleep(0.2)
            text = client.get(job.group(1), headers={**HX, **EN}).text
        said = verdicts(text)
        assert "the calculation ended with an error" in said, said
        assert "sent:       calc 2 + 3" in said and "exit code 1" in said, said
        assert "stages passed: 0 of 4" in said and "[run 1, stderr]" in said, said
        assert CYRILLIC.search(said) is None, CYRILLIC.findall(said)
        page = client.get("/projects/calculator", headers=RU).text
        assert "вычисление завершилось с ошибкой" in verdicts(page)
