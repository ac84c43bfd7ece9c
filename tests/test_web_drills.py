"""The drill page end to end: show, reveal, rate, a doubled rating, undo, statistics, settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import NOW
from gocoach.web.app import create_app
from question_fixtures import prepared_settings

RU = {"Accept-Language": "ru"}
HX = {"HX-Request": "true", **RU}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(prepared_settings(tmp_path))
    app.state.clock = lambda: NOW
    with TestClient(app) as test_client:
        yield test_client


def shown(html: str) -> tuple[str, str]:
    ref = re.search(r'name="ref" value="([^"]+)"', html)
    version = re.search(r'name="version" value="(\d+)"', html)
    assert ref and version, html
    return ref.group(1), version.group(1)


def test_a_session_end_to_end(client: TestClient) -> None:
    page = client.get("/drill", headers=RU)
    assert page.status_code == 200 and "/static/drill.js" in page.text
    assert "Чем буферизованный канал отличается" in page.text
    assert '<details class="back answer" id="back">' in page.text  # hidden until revealed
    assert "Что должно прозвучать" in page.text and 'data-rating="4"' in page.text
    seen = []
    for _ in range(9):
        ref, version = shown(client.get("/drill", headers=HX).text)
        seen.append(ref)
        answer = client.post("/drill/rate", data={"ref": ref, "rating": "4", "version": version,
                                                  "duration_ms": "61000"}, headers=HX)
        assert answer.status_code == 200 and "Оценка: <b>Легко</b>" in answer.text
    # a question's follow-ups do not come right after it (its answer would give them away)
    assert seen[:3] == ["chan-buffered", "chan-select", "err-context"]
    assert len(set(seen)) == 9
    assert "На сегодня всё." in client.get("/drill", headers=RU).text
    assert "9 сделано сегодня" in client.get("/drill", headers=RU).text


def test_a_doubled_rating_is_refused_with_409(client: TestClient) -> None:
    ref, version = shown(client.get("/drill").text)
    first = client.post("/drill/rate", data={"ref": ref, "rating": "3", "version": version},
                        headers=HX)
    again = client.post("/drill/rate", data={"ref": ref, "rating": "1", "version": version},
                        headers=HX)
    assert first.status_code == 200
    assert again.status_code == 409 and "was rated elsewhere" in again.text
    plain = client.post("/drill/rate", data={"ref": ref, "rating": "1", "version": version})
    assert plain.status_code == 409 and 'role="alert"' in plain.text
    stats = client.get("/drill/stats", headers=RU).text
    assert re.search(r"Повторений сегодня<b>1</b>", stats)


def test_unknown_card_and_bad_rating(client: TestClient) -> None:
    unknown = client.post("/drill/rate", data={"ref": "chan-nope", "rating": "3"})
    assert unknown.status_code == 404 and "Карточки «chan-nope» нет" in unknown.text
    bad = client.post("/drill/rate", data={"ref": "chan-buffered", "rating": "7"})
    assert bad.status_code == 400 and "Оценка — 1 (снова)" in bad.text


def test_undo_brings_the_card_back(client: TestClient) -> None:
    ref, version = shown(client.get("/drill").text)
    client.post("/drill/rate", data={"ref": ref, "rating": "4", "version": version}, headers=HX)
    undone = client.post("/drill/undo", headers=HX)
    assert "Оценка отменена: «Чем буферизованный канал отличается" in undone.text
    assert shown(undone.text) == ("chan-buffered", "0")
    plain = client.post("/drill/undo", follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/drill"


def test_undo_from_a_plain_form_keeps_its_notice(client: TestClient) -> None:
    ref, version = shown(client.get("/drill").text)
    client.post("/drill/rate", data={"ref": ref, "rating": "4", "version": version}, headers=HX)
    plain = client.post("/drill/undo", follow_redirects=False)
    assert plain.status_code == 303
    assert plain.headers["location"] == "/drill?undone=chan-buffered"
    page = client.get(plain.headers["location"])
    assert "Оценка отменена: «Чем буферизованный канал отличается" in page.text
    assert shown(page.text) == ("chan-buffered", "0")


def test_a_rating_from_a_plain_form_keeps_its_notice(client: TestClient) -> None:
    ref, version = shown(client.get("/drill").text)
    plain = client.post("/drill/rate", data={"ref": ref, "rating": "4", "version": version},
                        follow_redirects=False)
    assert plain.status_code == 303
    assert plain.headers["location"] == "/drill?rated=chan-buffered&rating=4"
    page = client.get(plain.headers["location"], headers=RU)
    assert "Оценка: <b>Легко</b>" in page.text
    forged = client.get("/drill?rated=chan-nope&rating=9", headers=RU)
    assert forged.status_code == 200 and "Оценка:" not in forged.text


def test_stats_page_and_settings(client: TestClient) -> None:
    client.app.state.clock = lambda: NOW - timedelta(days=1)  # type: ignore[attr-defined]
    ref, version = shown(client.get("/drill").text)
    client.post("/drill/rate", data={"ref": ref, "rating": "3", "version": version}, headers=HX)
    client.app.state.clock = lambda: NOW  # type: ignore[attr-defined]
    page = client.get("/drill/stats", headers=RU).text
    assert "Прогноз повторений на 30 дней" in page and page.count('class="col') == 30
    assert page.count('<span class="l') >= 365 and "20 нояб.: 1" in page
    assert "Серия, дней<b>1</b>" in page and "01 · Горутины и каналы" in page
    saved = client.post("/drill/settings", data={"retention": "0.85", "new_per_day": "5"},
                        follow_redirects=False)
    assert saved.status_code == 303
    assert 'value="0.85"' in client.get("/drill/stats").text
    refused = client.post("/drill/settings", data={"retention": "1.2", "new_per_day": "5"})
    assert refused.status_code == 400 and "Желаемое удержание — от 0,7" in refused.text
