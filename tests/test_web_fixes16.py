"""Web defects of issue 16: follow-up answers shown before answering, "rate yourself" to an
interviewer, drill buttons without intervals and times in UTC, undo naming an id, no favicon,
empty expandable headings, no "saved" for notes, a search count that was a limit."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from conftest import NOW
from gocoach.drills.reviews import update_drill_settings
from gocoach.questions.bank import load_track
from gocoach.questions.search import search_bank, transliterate
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import FollowUpQuestion, InterviewAnswer, User
from gocoach.web import routes_interviews
from gocoach.web.app import create_app

TRACK = Path(__file__).resolve().parents[1] / "content" / "tracks" / "go-core"
RU = {"Accept-Language": "ru"}
EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", **RU}


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(routes_interviews, "similarity_function", lambda: None)
    app = create_app(load_settings(data_dir=tmp_path / "web", load_bundled=False))
    with TestClient(app) as test_client:
        with transaction(app.state.database.sessions) as session:
            load_track(session, TRACK, now=NOW)
        app.state.clock = lambda: NOW
        app.state.random_seed = 2
        yield test_client


@pytest.fixture
def yekaterinburg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """An app whose machine, and whose time zone setting, are at UTC+5 (no daylight saving)."""
    monkeypatch.setenv("TZ", "Asia/Yekaterinburg")
    time.tzset()
    settings = load_settings(data_dir=tmp_path / "east", load_bundled=False,
                             timezone="Asia/Yekaterinburg")
    with TestClient(create_app(settings)) as test_client:
        with transaction(test_client.app.state.database.sessions) as session:  # type: ignore[attr-defined]
            load_track(session, TRACK, now=NOW)
        test_client.app.state.clock = lambda: NOW  # type: ignore[attr-defined]
        yield test_client
    monkeypatch.undo()
    time.tzset()


def sessions(client: TestClient):  # type: ignore[no-untyped-def]
    return transaction(client.app.state.database.sessions)  # type: ignore[attr-defined]


def followup_answers(client: TestClient, fids: list[str]) -> dict[str, str]:
    with sessions(client) as session:
        rows = session.scalars(select(FollowUpQuestion).where(FollowUpQuestion.fid.in_(fids)))
        # the answer is rendered from Markdown: look for its opening words, before any marker
        return {row.fid: str(escape(re.split(r"[`*_<>&\"'\[]", row.answer)[0][:40].strip()))
                for row in rows}


def start(client: TestClient, **form: str) -> str:
    answer = client.post("/interviews", data={"level": "senior", "minutes": "15",
                                              "modules": "01", **form}, follow_redirects=False)
    assert answer.status_code == 303
    return str(answer.headers["location"])


def test_follow_up_answers_stay_hidden_until_answered_or_skipped(client: TestClient) -> None:
    url = start(client)
    page = client.post(f"{url}/answer", headers=RU, data={
        "text": "Горутиной управляет рантайм Go, M:N на потоки ОС; стек 2 KB растёт"}).text
    fids = re.findall(r'action="/interviews/\d+/followups/([^"/]+/[0-9a-f]+)"', page)
    assert len(fids) == 2
    answers = followup_answers(client, fids)
    screens = [page, client.get(url, headers=RU).text, client.get(f"{url}/candidate").text,
               client.get(f"{url}/candidate/current").text]
    for screen in screens:
        assert not [fid for fid, text in answers.items() if text in screen]
    first, second = fids
    skipped = client.post(f"{url}/followups/{first}/skip", headers=RU)
    assert skipped.status_code == 200 and "Уточнение пропущено." in skipped.text
    assert answers[first] in skipped.text and answers[second] not in skipped.text
    late = client.post(f"{url}/followups/{first}", data={"text": "теперь я знаю ответ"})
    assert late.status_code == 400  # seen the answer: too late to answer it
    with sessions(client) as session:
        rows = session.scalars(select(InterviewAnswer).where(InterviewAnswer.ref == first)).all()
        assert [(r.skipped, r.answer_text) for r in rows] == [(True, "")]
    unrated = client.post(f"{url}/followups/{first}/rating", data={"rating": "4"})
    assert unrated.status_code == 404
    answered = client.post(f"{url}/followups/{second}", data={"text": "не помню"}, headers=RU)
    assert answers[second] in answered.text
    assert client.post(f"{url}/followups/{second}/skip").status_code == 400


def test_interviewer_mode_asks_to_rate_the_candidate(client: TestClient) -> None:
    url = start(client, interviewer="true")
    ru = client.get(url, headers=RU).text
    assert "Оцените кандидата" in ru and "Оцените себя" not in ru
    assert "Rate the candidate" in client.get(url, headers=EN).text
    learner = client.get(start(client), headers=RU).text
    client.post(f"{start(client)}/answer", data={"text": "рантайм, M:N, стек растёт"})
    assert "Оцените кандидата" not in learner


def test_drill_buttons_show_intervals_and_times_are_local(yekaterinburg: TestClient) -> None:
    client = yekaterinburg
    with sessions(client) as session:
        user = session.scalars(select(User)).first()
        assert user is not None
        update_drill_settings(session, user=user, now=NOW, new_per_day=1)
    page = client.get("/drill", headers=RU).text
    assert re.search(r"Снова\s*·\s*<span class=\"ivl\">1 мин</span>", page)
    assert re.search(r"Хорошо\s*·\s*<span class=\"ivl\">10 мин</span>", page)
    assert re.search(r"Легко\s*·\s*<span class=\"ivl\">\d+ дн</span>", page)
    assert "Good · <span class=\"ivl\">10 min</span>" in client.get("/drill", headers=EN).text
    title = re.search(r'<div class="front">(.*?)</div>', page)
    ref = re.search(r'name="ref" value="([^"]+)"', page)
    assert title and ref
    rated = client.post("/drill/rate", data={"ref": ref.group(1), "rating": "4",
                                             "version": "0"}, headers=HX).text
    # due some days on at 09:00 UTC, which is 14:00 here; nothing else is due today
    assert re.search(r"следующий показ [^<]*\b14:00</p>", rated), rated
    assert re.search(r"Следующая карточка: [^<]*\b14:00\.", rated) and "UTC" not in rated
    undone = client.post("/drill/undo", headers=HX).text
    notice = re.search(r'<p class="flash">Оценка отменена: (.*?)</p>', undone)
    assert notice and notice.group(1) == f"«{title.group(1)}»"  # the title, not the card's id


def test_favicon_is_served_and_linked(client: TestClient, tmp_path: Path) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/").text
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and "<svg" in svg.text
    server = load_settings(data_dir=tmp_path / "server", load_bundled=False, mode="server")
    with TestClient(create_app(server)) as anonymous:  # signed out, on a server: still there
        assert anonymous.get("/favicon.ico", follow_redirects=False).status_code == 200


ROADMAP = """# Программа

## Неделя 1

### Пустой раздел

### Раздел с пунктом

- [ ] Первый пункт

### Раздел с текстом

Только пояснение, без пунктов.

## Неделя 2

- [ ] Второй пункт
"""


def test_roadmap_tree_has_no_empty_expandables_and_notes_say_saved(client: TestClient) -> None:
    imported = client.post("/import", data={"slug": "plan16"},
                           files={"file": ("plan.md", ROADMAP.encode())})
    assert imported.status_code == 200
    page = client.get("/roadmaps/plan16", headers=RU).text
    assert "Пустой раздел" not in page  # no items, no text: not shown at all
    leaf = re.search(r'<li class="heading [^"]*leaf"><span class="heading-title">Раздел с текстом',
                     page)
    assert leaf  # text but no items: a plain heading, not an expandable with nothing inside
    assert re.search(r"<summary><span class=\"heading-title\">Раздел с пунктом", page)
    key = re.search(r'id="i-([0-9a-f]+)"(?:(?!</li>).)*Второй пункт', page, re.S)
    assert key
    saved = client.post(f"/roadmaps/plan16/items/{key.group(1)}", data={"note": "сделал"},
                        headers=HX)
    assert saved.status_code == 200 and 'role="status">✓ Сохранено' in saved.text
    status = client.post(f"/roadmaps/plan16/items/{key.group(1)}", data={"status": "done"},
                         headers=HX)
    assert "Сохранено" not in status.text


def test_search_counts_prompts_and_finds_latin_spellings(client: TestClient) -> None:
    empty = client.get("/search", headers=RU).text
    assert "Введите слово" in empty and 'class="hits"' not in empty and "найдено" not in empty
    with sessions(client) as session:
        total = search_bank(session, text="kanal", limit=1).total
    assert total > 100  # more than the page shows
    page = client.get("/search", params={"q": "kanal"}, headers=RU).text
    assert f"найдено: {total} · показаны первые 100" in page
    assert page.count('<li class="hit') == 100
    found = client.get("/search", params={"q": "gorutina"}, headers=RU).text
    assert 'href="/questions/chan-goroutines"' in found
    few = client.get("/search", params={"q": "errors.As", "module": "03"}, headers=RU).text
    assert "показаны первые" not in few and re.search(r"найдено: \d+</p>", few)
    assert transliterate("gorutina") == "горутина" and transliterate("kanal") == "канал"
    assert transliterate("sinhronizatsiya") == "синхронизация"
