"""Mock interview pages in-process: a typed session end to end, interviewer and candidate
screens, bad input, a session left open for a day, scorecard, history, export."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import NOW
from gocoach.questions.bank import load_track
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import DrillCard
from gocoach.web import routes_interviews
from gocoach.web.app import create_app

TRACK = Path(__file__).resolve().parents[1] / "content" / "tracks" / "go-core"
RU = {"Accept-Language": "ru"}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(routes_interviews, "similarity_function", lambda: None)
    app = create_app(load_settings(data_dir=tmp_path / "web", load_bundled=False))
    with TestClient(app) as test_client:
        with transaction(app.state.database.sessions) as session:
            load_track(session, TRACK, now=NOW)
        app.state.clock = clock
        app.state.random_seed = SEED  # the same questions in every run
        yield test_client


SEED = 2


def start(client: TestClient, **form: str) -> str:
    answer = client.post("/interviews", data={"level": "senior", "minutes": "15", **form},
                         follow_redirects=False)
    assert answer.status_code == 303
    return str(answer.headers["location"])


def test_typed_session_end_to_end(client: TestClient, clock: Clock) -> None:
    page = client.get("/interviews", headers=RU)
    assert page.status_code == 200 and 'name="level"' in page.text
    assert "Пробное интервью" in page.text
    url = start(client, modules="01")
    page = client.get(url, headers=RU)
    assert 'class="timer"' in page.text and "/static/interview.js" in page.text
    assert "Вопрос 1 / 3" in page.text
    clock.now += timedelta(seconds=75)
    answer = client.post(f"{url}/answer", data={"text": "Горутиной управляет рантайм Go, "
                         "много горутин на несколько потоков ОС, M:N; стек 2 KB растёт"},
                         headers=RU)
    assert answer.status_code == 200
    assert "Разбор ответа" in answer.text and "<mark>" in answer.text
    assert "Уточняющие вопросы" in answer.text and "Оцените себя" in answer.text
    follow = re.search(r'action="(/interviews/\d+/followups/[^"]+)"', answer.text)
    assert follow
    after = client.post(follow.group(1), data={"text": "не помню точно"}, headers=RU)
    assert "не помню точно" in after.text
    # The answered follow-up is rated on the spot; the rating goes to its own drill card.
    assert "Оцените ответ на уточнение" in after.text
    rating_url = follow.group(1) + "/rating"
    assert client.post(rating_url, data={"rating": "9"}, headers=RU).status_code == 400
    rated = client.post(rating_url, data={"rating": "2"}, headers=RU)
    assert rated.status_code == 200 and "Оценка уточнения: 2 · трудно" in rated.text
    again = client.post(rating_url, data={"rating": "4"}, headers=RU)
    assert again.status_code == 400 and "уже оценён" in again.text
    fid = follow.group(1).split("/followups/")[1]
    with transaction(client.app.state.database.sessions) as session:  # type: ignore[attr-defined]
        card = session.scalars(select(DrillCard).where(DrillCard.ref == fid)).one()
        assert (card.kind, card.reps) == ("followup", 1)
    for _ in range(3):
        clock.now += timedelta(minutes=1)
        last = client.post(f"{url}/rate", data={"rating": "3"}, headers=RU)
    assert last.url.path.endswith("/scorecard")
    assert "Итоги интервью" in last.text and "Готовность по модулям" in last.text
    assert "1:15" in last.text  # the first question's time
    history = client.get("/interviews", headers=RU)
    assert "первое интервью" in history.text and f'href="{url}/scorecard"' in history.text
    export = client.get(f"{url}/export.md")
    assert export.headers["content-type"].startswith("text/markdown")
    assert export.text.startswith("# Mock interview — Senior, 15 min")


def test_bad_answers_come_back_with_a_message(client: TestClient) -> None:
    url = start(client)
    empty = client.post(f"{url}/answer", data={"text": "   "})
    assert empty.status_code == 400 and "Ответ пустой" in empty.text
    big = client.post(f"{url}/answer", data={"text": "канал " * 20_000})
    assert big.status_code == 200 and "сохранены и проверены только первые 20,000" in big.text
    closed = start(client)
    client.post(f"{closed}/close")
    page = client.get(closed, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].endswith("/scorecard")


def test_interviewer_and_candidate_screens(client: TestClient) -> None:
    url = start(client, interviewer="true")
    screen = client.get(url, headers=RU)
    assert "Что должно прозвучать" in screen.text and "Типичные ошибки" in screen.text
    assert f"{url}/candidate" in screen.text
    ticked = client.post(f"{url}/tick?index=1", data={"on": "true"},
                         headers={"HX-Request": "true"})
    assert ticked.status_code == 200 and ticked.text.count(" checked") == 1
    candidate = client.get(f"{url}/candidate", headers=RU)
    title = re.search(r'<h1 class="iv-question"[^>]*>(.*?)</h1>', candidate.text)
    assert title and 'hx-trigger="every 2s"' in candidate.text
    assert "Что должно прозвучать" not in candidate.text and "Типичные ошибки" not in candidate.text
    client.post(f"{url}/rate", data={"rating": "4"})
    current = client.get(f"{url}/candidate/current", headers=RU)
    new_title = re.search(r'<h1 class="iv-question"[^>]*>(.*?)</h1>', current.text)
    assert new_title and new_title.group(1) != title.group(1)
    card = client.post(f"{url}/finish", headers=RU)
    assert "4 · легко" in card.text and "1/" in card.text


def test_a_session_left_open_for_a_day_offers_resume_or_close(client: TestClient,
                                                               clock: Clock) -> None:
    url = start(client)
    clock.now += timedelta(days=1)
    listing = client.get("/interviews", headers={"Accept-Language": "en"})
    assert "left open for a long time" in listing.text and f"{url}/resume" in listing.text
    resumed = client.post(f"{url}/resume", headers={"Accept-Language": "en"})
    assert resumed.status_code == 200 and "left open" not in resumed.text
    assert 'data-elapsed="0"' in resumed.text


def test_wrong_ids_and_values(client: TestClient) -> None:
    assert client.get("/interviews/999").status_code == 404
    url = start(client)
    bad = client.post(f"{url}/rate", data={"rating": "9"})
    assert bad.status_code == 400 and "Оценка — 1 (снова)" in bad.text
    bad_level = client.post("/interviews", data={"level": "junior"})
    assert bad_level.status_code == 400 and "Уровень — middle" in bad_level.text
