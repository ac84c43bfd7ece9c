"""The verdict shown to the learner (key points heard and missed, the misconception with its trigger
words, what was ignored) and contesting it: domain, `gocoach interview contest(s)`, web pages,
and the export that bench/answers.py reads as labelled answers."""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from conftest import NOW
from gocoach.cli import interviews as cli_interviews
from gocoach.cli.main import app as cli_app
from gocoach.interviews.checking import check_answer, prepare_answer
from gocoach.interviews.contests import (
    ContestClaim,
    contest_answer,
    export_contests,
    find_answer,
    labelled_record,
    list_contests,
    session_answer,
)
from gocoach.interviews.evaluation import load_set
from gocoach.interviews.sessions import (
    InterviewOptions,
    answer_followup,
    check_to_json,
    current_answer,
    followup_options,
    start_interview,
    submit_answer,
)
from gocoach.interviews.verdicts import verdict_details
from gocoach.questions.bank import load_track
from gocoach.questions.track import read_track
from gocoach.startup import open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import AnswerContest, InterviewAnswer, InterviewSession, User
from gocoach.store.users import ensure_local_user
from gocoach.web import routes_interviews
from gocoach.web.app import create_app
from servers import postgres_server

ROOT = Path(__file__).resolve().parents[1]
TRACK = ROOT / "content" / "tracks" / "go-core"
QID = "chan-errgroup"  # «Что такое errgroup и как он устроен?»
# states misconception 1 in its own words; "Wait вернет первую ошибку" is right, yet the checker
# flags misconception 2 («`Wait` вернёт все ошибки»): what a learner would contest
ANSWER = ("errgroup это WaitGroup плюс первая ошибка. При ошибке errgroup сам остановит "
          "остальные горутины, Wait вернет первую ошибку. Ну и там SetLimit, TryGo, errors.Join, "
          "ctx.Done. Как устроен внутри — не знаю.")
RU, EN = {"Accept-Language": "ru"}, {"Accept-Language": "en"}


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_answers", ROOT / "bench" / "answers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def ask(session: Session, user: User, qid: str = QID) -> InterviewSession:
    """A session whose current question is `qid`."""
    interview = start_interview(session, user=user, options=InterviewOptions(minutes=15),
                                now=NOW, rng=random.Random(1))
    row = current_answer(session, interview)
    assert row is not None
    row.qid = row.ref = qid
    interview.plan = [qid, *[q for q in interview.plan[1:] if q != qid]]
    session.flush()
    return interview


def answered(session: Session, user: User, text: str = ANSWER) -> InterviewAnswer:
    interview = ask(session, user)
    return submit_answer(session, user=user, interview=interview, text=text, now=NOW)


@pytest.fixture
def bank(session: Session, user: User) -> Session:
    load_track(session, TRACK, now=NOW)
    return session


# -- the verdict's details ------------------------------------------------------------------


def test_the_verdict_names_heard_missed_the_misconception_its_words_and_what_was_ignored() -> None:
    question = next(q for _, q in read_track(TRACK).questions() if q.qid == QID)
    check = check_answer(prepare_answer(ANSWER).text, key_points=question.key_points,
                         mistakes=question.mistakes)
    details = verdict_details(check_to_json(check), question.mistakes)
    assert details.checked and details.verdict == "misconception"
    first = next(p for p in details.heard if p.number == 1)
    assert {"errgroup", "WaitGroup"} <= set(first.words)
    assert {p.number for p in details.heard} | {p.number for p in details.missed} == {1, 2, 3, 4, 5}
    assert 4 in {p.number for p in details.missed}  # SetLimit/TryGo only listed: not heard
    stated = next(m for m in details.misconceptions if m.number == 1)
    assert stated.claim == question.mistakes[0]
    assert "остановит" in stated.words and "остановит" in stated.evidence
    # the checker's English reasons become kinds the faces translate
    kinds = {part.kind: part.text for part in details.ignored}
    assert set(kinds) == {"list", "unsure"}
    assert "SetLimit" in kinds["list"] and "не знаю" in kinds["unsure"]


def test_a_spoken_or_unchecked_answer_has_no_verdict_to_show() -> None:
    assert not verdict_details({"ticked": True}).checked
    assert not verdict_details({"verdict": "unchecked", "points": [
        {"index": 0, "text": "x", "covered": False, "score": 0.0, "evidence": []}]}).checked


# -- contests in the domain -----------------------------------------------------------------


def test_a_contest_is_stored_with_its_snapshots_and_a_second_one_updates_it(
        bank: Session, user: User) -> None:
    row = answered(bank, user)
    flagged = [m["claim"] for m in row.check["mistakes"]]
    assert len(flagged) == 2  # misconceptions 1 and 2, as the checker stands today
    claim = ContestClaim(covered=(4,), not_stated=(1,), overall="too_low")
    contest, created = contest_answer(bank, user=user, answer=row, claim=claim,
                                      comment="  Wait вернёт первую — это верно  ", now=NOW)
    assert created and contest.status == "open" and contest.qid == QID
    assert contest.answer_text == row.answer_text and contest.session_id == row.session_id
    assert contest.verdict["verdict"] == "misconception"
    assert contest.verdict["mistake_indexes"] == [0, 1]
    assert contest.claim == {"covered": [4], "not_covered": [], "not_stated": [1],
                             "overall": "too_low"}
    assert contest.comment == "Wait вернёт первую — это верно"
    again, created = contest_answer(bank, user=user, answer=row,
                                    claim=ContestClaim(not_stated=(1,)), comment="",
                                    now=NOW + timedelta(minutes=5))
    assert not created and again.id == contest.id
    assert bank.scalar(select(func.count()).select_from(AnswerContest)) == 1
    assert again.claim["covered"] == [] and again.updated_at > again.created_at


@pytest.mark.parametrize(("claim", "comment", "message"), [
    (ContestClaim(covered=(0,)), "", "key point 1 is already marked heard"),
    (ContestClaim(not_covered=(3,)), "", "key point 4 is not marked heard"),
    (ContestClaim(covered=(9,)), "", "the question has no key point 10"),
    (ContestClaim(not_stated=(2,)), "", "misconception 3 was not flagged"),
    (ContestClaim(overall="much_too_low"), "", "unknown overall claim"),
    (ContestClaim(), "   ", "say what is wrong"),
    (ContestClaim(overall="too_low"), "x" * 2001, "a comment is at most 2,000 characters"),
])
def test_a_claim_that_does_not_fit_the_verdict_is_refused(
        bank: Session, user: User, claim: ContestClaim, comment: str, message: str) -> None:
    row = answered(bank, user)
    with pytest.raises(ValueError, match=message):
        contest_answer(bank, user=user, answer=row, claim=claim, comment=comment, now=NOW)
    assert bank.scalar(select(func.count()).select_from(AnswerContest)) == 0


def test_only_a_typed_answer_to_a_question_can_be_contested(bank: Session, user: User) -> None:
    row = answered(bank, user)
    interview = bank.get(InterviewSession, row.session_id)
    assert interview is not None
    option = followup_options(bank, QID)[0]
    child = answer_followup(bank, user=user, interview=interview, fid=option.fid,
                            text="паника упадёт процесс, нужен recover", now=NOW)
    with pytest.raises(ValueError, match="not a follow-up's"):
        contest_answer(bank, user=user, answer=child, claim=ContestClaim(overall="too_low"),
                       comment="", now=NOW)
    spoken = ask(bank, user)
    unanswered = current_answer(bank, spoken)
    assert unanswered is not None
    with pytest.raises(ValueError, match="no verdict to contest"):
        contest_answer(bank, user=user, answer=unanswered,
                       claim=ContestClaim(overall="too_low"), comment="", now=NOW)


def test_another_users_answer_is_not_found(bank: Session, user: User) -> None:
    other = User(username="other", created_at=NOW)
    bank.add(other)
    bank.flush()
    theirs = answered(bank, other)
    with pytest.raises(LookupError, match=f"no answer {theirs.id}"):
        find_answer(bank, user=user, answer_id=theirs.id)
    with pytest.raises(LookupError):
        session_answer(bank, user=user, interview_id=theirs.session_id)
    with pytest.raises(LookupError):
        contest_answer(bank, user=user, answer=theirs, claim=ContestClaim(overall="too_low"),
                       comment="", now=NOW)
    assert list_contests(bank, user=user) == []


def test_the_labelled_record_is_the_checkers_labels_corrected_by_the_claim(
        bank: Session, user: User) -> None:
    row = answered(bank, user)
    contest, _ = contest_answer(bank, user=user, answer=row,
                                claim=ContestClaim(covered=(4,), not_covered=(1,),
                                                   not_stated=(0, 1)),
                                comment="", now=NOW)
    record = labelled_record(contest)
    assert record is not None
    heard = sorted(p["index"] for p in row.check["points"] if p["covered"])
    assert record["checker"] == {"verdict": "misconception", "covers": heard, "mistakes": [0, 1]}
    assert record["covers"] == sorted((set(heard) | {4}) - {1})
    assert record["mistakes"] == [] and record["source"] == "contest"
    assert record["label"] == "partial" and record["answer"] == row.answer_text
    only_overall, _ = contest_answer(bank, user=user, answer=row,
                                     claim=ContestClaim(overall="too_low"), comment="", now=NOW)
    assert labelled_record(only_overall) is None  # names no labels: not exported
    assert export_contests(bank, user=user) == ([], 1)


# -- the terminal ---------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(cli_interviews, "similarity_function", lambda: None)
    return CliRunner()


def run(cli: CliRunner, *args: str, stdin: str = "") -> tuple[int, str]:
    result = cli.invoke(cli_app, list(args), input=stdin)
    return result.exit_code, result.output


def cli_session(cli: CliRunner) -> str:
    """Session 1 in the terminal: question 1 skipped, question 2 (errgroup) answered, rated."""
    code, output = run(cli, "interview", "--minutes", "10", "--modules", "01", "--seed", "4",
                       stdin="/skip\n" + ANSWER + "\n\n\n\n2\n")
    assert code == 0, output
    return output


def test_cli_shows_the_verdict_and_a_contest_is_stored_listed_and_exported(
        cli: CliRunner, tmp_path: Path) -> None:
    output = cli_session(cli)
    assert "Что такое errgroup и как он устроен?" in output
    assert "heard: 1" in output and "missed: " in output
    assert re.search(r"misconception 1: «errgroup сам остановит.*trigger words: .*остановит",
                     output)
    assert "ignored: a bare list of terms counts for nothing: “Ну и там SetLimit" in output
    assert "ignored: said without knowing, not counted: “Как устроен внутри — не знаю”" in output
    assert "disagree? `gocoach interview contest 1 2 " in output
    # no claim: the verdict with its numbers, then what to say
    code, output = run(cli, "interview", "contest", "1", "2")
    assert code == 1 and "say what is wrong" in output and "misconception 2:" in output
    code, output = run(cli, "interview", "contest", "1", "--not-stated", "2", "--covered", "5",
                       "--comment", "Wait вернёт первую ошибку — это верно")
    assert code == 0, output
    assert "contest 1 stored: question 2 of session 1" in output
    assert "covered key points 5; did not state misconceptions 2" in output
    code, output = run(cli, "interview", "contest", "1", "2", "--not-stated", "2",
                       "--overall", "too-low")
    assert code == 0 and "contest 1 updated" in output and "overall verdict too low" in output
    code, output = run(cli, "interview", "contests")
    assert code == 0
    assert re.search(r"│ 1 +│ \d{4}-\d\d-\d\d +│ session 1 #2 +│ chan-errgroup", output)
    target = tmp_path / "contests.jsonl"
    code, output = run(cli, "interview", "contests", "--export", str(target))
    assert code == 0 and "wrote 1 contested answer to" in output
    (line,) = target.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["source"] == "contest" and record["qid"] == QID
    # misconception 2 was contested as not stated: only misconception 1 stays labelled
    assert record["mistakes"] == [0] and record["answer"].startswith("errgroup это")
    # what bench/answers.py reads: the shared loader, and --extra's check against the bank
    (loaded,) = load_set(target)
    assert (loaded.qid, loaded.covers, loaded.mistakes) == (
        QID, tuple(record["covers"]), tuple(record["mistakes"]))
    bench = load_bench()
    (extra,) = bench.load_extra([target], bench.references())
    assert extra.id == "extra/contests/contest-1" and extra.label == record["label"]


def test_bench_extra_refuses_a_file_the_bank_does_not_fit(tmp_path: Path) -> None:
    bench = load_bench()
    refs = bench.references()
    line = {"id": "x", "qid": QID, "label": "good", "covers": [0], "mistakes": [], "answer": "a"}
    changes: list[tuple[dict[str, object], str]] = [
        ({"qid": "no-such"}, "no question 'no-such'"),
        ({"covers": [42]}, "has no key point index 42"),
        ({"mistakes": [7]}, "has no mistake index 7"),
        ({"label": "great"}, "unknown label"),
    ]
    for change, message in changes:
        path = tmp_path / "bad.jsonl"
        path.write_text(json.dumps({**line, **change}) + "\n", encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            bench.load_extra([path], refs)


def add_other_users_session(data_dir: Path) -> int:
    """A session with a typed answer that belongs to another user; its id."""
    db, _ = open_database(load_settings(data_dir=data_dir))
    try:
        with transaction(db.sessions) as session:
            other = User(username="other", created_at=NOW)
            session.add(other)
            session.flush()
            return answered(session, other).session_id
    finally:
        db.engine.dispose()


@pytest.mark.parametrize(("args", "message"), [
    (["contest", "7"], "no interview session 7"),
    (["contest", "1", "9", "--overall", "too-low"], "interview 1 has no question 9"),
    (["contest", "1", "--covered", "x"], "key point numbers are 1, 2, 3"),
    (["contest", "1", "--covered", "0"], "key point numbers are 1, 2, 3"),
    (["contest", "1", "--overall", "meh"], "--overall is too-low or too-high"),
    (["contest", "1", "2", "--covered", "1"], "key point 1 is already marked heard"),
    (["contests", "--export", "/nonexistent/dir/c.jsonl"], "No such file or directory"),
])
def test_cli_bad_ids_and_claims_are_a_message(cli: CliRunner, args: list[str],
                                              message: str) -> None:
    cli_session(cli)
    code, output = run(cli, "interview", *args)
    assert code == 1 and message in output and "Traceback" not in output


def test_cli_cannot_contest_another_users_session(cli: CliRunner, tmp_path: Path) -> None:
    cli_session(cli)
    theirs = add_other_users_session(tmp_path / "data")
    code, output = run(cli, "interview", "contest", str(theirs), "--overall", "too-low")
    assert code == 1 and f"no interview session {theirs}" in output


# -- the web pages --------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(routes_interviews, "similarity_function", lambda: None)
    web = create_app(load_settings(data_dir=tmp_path / "web", load_bundled=False))
    with TestClient(web) as test_client:
        with transaction(web.state.database.sessions) as session:
            load_track(session, TRACK, now=NOW)
        web.state.clock = lambda: NOW
        yield test_client


def web_answer(client: TestClient) -> tuple[str, int]:
    """Start a session, make errgroup its question, answer it; the session url, answer id."""
    started = client.post("/interviews", data={"minutes": "15"}, follow_redirects=False)
    url = str(started.headers["location"])
    with transaction(client.app.state.database.sessions) as session:  # type: ignore[attr-defined]
        interview = session.get(InterviewSession, int(url.rsplit("/", 1)[1]))
        assert interview is not None
        row = current_answer(session, interview)
        assert row is not None
        row.qid = row.ref = QID
        interview.plan = [QID, *[q for q in interview.plan[1:] if q != QID]]
        answer_id = row.id
    assert client.post(f"{url}/answer", data={"text": ANSWER}).status_code == 200
    return url, answer_id


def stored_contests(client: TestClient) -> list[AnswerContest]:
    with transaction(client.app.state.database.sessions) as session:  # type: ignore[attr-defined]
        rows = list(session.scalars(select(AnswerContest)))
        session.expunge_all()
        return rows


def test_web_feedback_shows_the_verdict_in_russian_and_english(client: TestClient) -> None:
    url, _ = web_answer(client)
    ru = client.get(url, headers=RU).text
    assert "Прозвучало" in ru and "Не прозвучало" in ru
    assert re.search(r'class="covered" data-point="1">1\. errgroup', ru)
    assert "Типичная ошибка 1:" in ru and "слова, по которым найдена" in ru
    assert "<mark>остановит</mark>" in ru
    assert "Перечень терминов без объяснения ничего не покрывает: “Ну и там SetLimit" in ru
    assert "Сказано со словами «не знаю» — не засчитано: “Как устроен внутри — не знаю”" in ru
    assert "Не согласен с разбором" in ru and 'name="not_stated" value="1"' in ru
    en = client.get(url, headers=EN).text
    assert "Heard" in en and "Missed" in en and "Misconception 1:" in en
    assert "the words that triggered it" in en
    assert "A bare list of terms counts for nothing: “Ну и там SetLimit" in en
    assert "I disagree" in en and "I did not state this misconception" in en


def test_web_contest_is_stored_shown_and_updated(client: TestClient) -> None:
    url, answer_id = web_answer(client)
    action = f"{url}/answers/{answer_id}/contest"
    sent = client.post(action, data={"not_stated": "1", "covered": "4", "overall": "too_low",
                                     "comment": "Wait вернёт первую ошибку — верно",
                                     "back": "session"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == f"{url}#contest"
    page = client.get(url, headers=RU).text
    assert "Возражение сохранено" in page
    assert 'name="not_stated" value="1" checked' in page
    assert 'value="too_low" checked' in page and "Wait вернёт первую ошибку — верно" in page
    (contest,) = stored_contests(client)
    assert contest.claim == {"covered": [4], "not_covered": [], "not_stated": [1],
                             "overall": "too_low"}
    assert contest.answer_text == ANSWER and contest.verdict["verdict"] == "misconception"
    again = client.post(action, data={"not_stated": "1"}, follow_redirects=False)
    assert again.headers["location"] == f"{url}/answers/{answer_id}#contest"
    (updated,) = stored_contests(client)
    assert updated.id == contest.id and updated.claim["covered"] == []
    # after the session: the scorecard links to the answer page, which keeps the contest form
    client.post(f"{url}/finish")
    card = client.get(f"{url}/scorecard", headers=EN).text
    assert f'href="{url}/answers/{answer_id}"' in card
    answer_page = client.get(f"{url}/answers/{answer_id}", headers=EN)
    assert answer_page.status_code == 200 and "Your objection is saved" in answer_page.text
    listing = client.get("/interviews/contests", headers=EN).text
    assert QID in listing and "did not state misconceptions 2" in listing


def test_web_another_users_answer_is_404(client: TestClient) -> None:
    url, mine = web_answer(client)
    with transaction(client.app.state.database.sessions) as session:  # type: ignore[attr-defined]
        other = User(username="other", created_at=NOW)
        session.add(other)
        session.flush()
        theirs = answered(session, other)
        their_url, their_answer = f"/interviews/{theirs.session_id}", theirs.id
        ensure_local_user(session, now=NOW)
    for target in (f"{their_url}/answers/{their_answer}", f"{url}/answers/{their_answer}"):
        assert client.get(target).status_code == 404
        refused = client.post(f"{target}/contest", data={"overall": "too_low"})
        assert refused.status_code == 404
    assert stored_contests(client) == []
    assert client.get(f"{url}/answers/{mine}").status_code == 200


@pytest.mark.parametrize(("form", "status", "message"), [
    ({"covered": "x"}, 400, "not a key point number"),
    ({"covered": "0"}, 400, "key point 1 is already marked heard"),
    ({"not_stated": "2"}, 400, "misconception 3 was not flagged"),
    ({"overall": "much_too_low"}, 400, "unknown overall claim"),
    ({}, 400, "say what is wrong"),
    ({"covered": ["3"] * 101}, 400, "too many key point numbers"),
])
def test_web_bad_contests_are_refused_with_the_reason(client: TestClient, form: dict[str, str],
                                                      status: int, message: str) -> None:
    url, answer_id = web_answer(client)
    for back in ("session", "answer"):
        sent = client.post(f"{url}/answers/{answer_id}/contest", data={**form, "back": back})
        assert sent.status_code == status and message in sent.text
    assert stored_contests(client) == []


def test_web_wrong_answer_ids_are_4xx(client: TestClient) -> None:
    url, _ = web_answer(client)
    assert client.post(f"{url}/answers/999/contest", data={"overall": "too_low"}).status_code \
        == 404
    assert client.get("/interviews/999/answers/1").status_code == 404
    assert client.post(f"{url}/answers/abc/contest").status_code == 422


def duplicate_open_contest_is_refused(session: Session, user: User) -> None:
    row = answered(session, user)
    contest_answer(session, user=user, answer=row, claim=ContestClaim(not_stated=(1,)),
                   comment="", now=NOW)
    session.add(AnswerContest(user_id=user.id, answer_id=row.id, session_id=row.session_id,
                              qid=QID, answer_text="", verdict={}, claim={}, comment="",
                              status="open", created_at=NOW, updated_at=NOW))
    with pytest.raises(IntegrityError):  # what a second request racing the first would hit
        session.flush()


def test_the_database_holds_one_open_contest_per_answer(bank: Session, user: User) -> None:
    duplicate_open_contest_is_refused(bank, user)
    bank.rollback()


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres")
def test_contests_on_postgres(tmp_path: Path) -> None:
    with postgres_server(Path("/tmp") / f"gocoach-pg-contests-{tmp_path.name}") as url:
        db, _ = open_database(load_settings(database_url=url, data_dir=tmp_path / "d"))
        try:
            with transaction(db.sessions) as session:
                user = ensure_local_user(session, now=NOW)
                row = answered(session, user)
                contest, _ = contest_answer(session, user=user, answer=row,
                                            claim=ContestClaim(covered=(4,)), comment="",
                                            now=NOW)
                assert labelled_record(contest) is not None
            with db.sessions() as session:
                user = ensure_local_user(session, now=NOW)
                duplicate_open_contest_is_refused(session, user)
            two_contests_at_once_store_one(db.sessions)
        finally:
            db.engine.dispose()


def two_contests_at_once_store_one(sessions: Any) -> None:
    """The second of two simultaneous contests waits on the first, then updates its row."""
    with transaction(sessions) as session:
        answer_id = answered(session, ensure_local_user(session, now=NOW)).id
    errors: list[BaseException] = []

    def contest(claim: ContestClaim, hold: threading.Event | None = None) -> None:
        try:
            with transaction(sessions) as session:
                user = ensure_local_user(session, now=NOW)
                row = session.get(InterviewAnswer, answer_id)
                assert row is not None
                contest_answer(session, user=user, answer=row, claim=claim, comment="",
                               now=NOW)
                if hold is not None:
                    hold.wait(10)  # keep the first insert uncommitted while the second runs
        except BaseException as exc:
            errors.append(exc)

    release = threading.Event()
    first = threading.Thread(target=contest, args=(ContestClaim(covered=(4,)), release))
    first.start()
    time.sleep(0.5)
    second = threading.Thread(target=contest, args=(ContestClaim(not_stated=(1,)),))
    second.start()
    time.sleep(0.5)  # the second now waits on the unique index
    release.set()
    first.join(15)
    second.join(15)
    assert errors == []
    with sessions() as session:
        rows = session.scalars(select(AnswerContest).where(
            AnswerContest.answer_id == answer_id)).all()
        assert len(rows) == 1
        assert ContestClaim.from_json(rows[0].claim).not_stated == (1,)  # the later one won


def test_contesting_leaves_the_answer_and_its_check_as_they_were(bank: Session,
                                                                  user: User) -> None:
    row = answered(bank, user)
    before = (row.answer_text, dict(row.check))
    contest_answer(bank, user=user, answer=row, claim=ContestClaim(not_stated=(1,)), comment="",
                   now=NOW)
    assert (row.answer_text, row.check) == before
