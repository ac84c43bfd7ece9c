"""Reading pages: modules, a module, a question (answer hidden until asked), search, links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gocoach.web.app import create_app
from question_fixtures import prepared_settings

RU = {"Accept-Language": "ru"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(prepared_settings(tmp_path))) as test_client:
        yield test_client


def test_modules_page_lists_modules_with_counts(client: TestClient) -> None:
    page = client.get("/questions", headers=RU)
    assert page.status_code == 200
    assert "01 · Горутины и каналы" in page.text and "03 · Ошибки и context" in page.text
    assert "2 вопросов · 4 уточняющих" in page.text
    assert 'href="/questions"' in client.get("/roadmaps").text  # the nav link


def test_module_page_lists_its_questions_in_order(client: TestClient) -> None:
    page = client.get("/questions/modules/1", headers=RU).text
    assert page.index("chan-buffered") < page.index("chan-select")
    assert "Вступление модуля." in page and "err-context" not in page
    assert client.get("/questions/modules/42").status_code == 404


def test_question_page_hides_the_answer_until_asked(client: TestClient) -> None:
    page = client.get("/questions/chan-buffered", headers=RU).text
    why, answer = page.index("Проверяют понимание темы"), page.index('<details class="answer"')
    assert why < answer < page.index("Небуферизованный канал передаёт значение")
    assert "<summary>Показать ответ</summary>" in page
    go_block = '<pre class="highlight"><code class="language-go"><span class="kn">package</span>'
    assert go_block in page
    assert '<code class="language-text"> G1 ──► [ buf ] ──► G2' in page  # diagrams stay as is
    assert '/static/pygments.css' in page
    assert client.get("/static/pygments.css").text.count(".highlight") > 10


def test_question_page_links_follow_ups_and_neighbours(client: TestClient) -> None:
    page = client.get("/questions/chan-buffered", headers=RU).text
    anchors = re.findall(r'<li id="(f-[0-9a-f]{8})"><b>([^<]+)</b>', page)
    assert [q for _, q in anchors] == ["Что будет при чтении из закрытого канала?",
                                       "Зачем нужен nil-канал в select?"]
    assert 'href="/questions/chan-select">Следующий' in page
    found = client.get("/search?q=закрытого", headers=RU).text
    assert f'/questions/chan-buffered#{anchors[0][0]}' in found


def test_unknown_question_is_a_clear_404(client: TestClient) -> None:
    page = client.get("/questions/chan-nope")
    assert page.status_code == 404 and "Вопроса «chan-nope» в банке нет" in page.text


def test_search_page_and_live_results(client: TestClient) -> None:
    page = client.get("/search", params={"q": "буферизованный", "level": "middle"}, headers=RU)
    assert page.status_code == 200 and "<form class=\"search\"" in page.text
    assert 'href="/questions/chan-buffered"' in page.text
    live = client.get("/search", params={"q": "select"}, headers={"HX-Request": "true", **RU})
    assert live.text.lstrip().startswith('<div id="results">') and "chan-select" in live.text
    assert "<html" not in live.text
    nothing = client.get("/search", params={"q": "kubernetes"}, headers=RU).text
    assert "Ничего не найдено" in nothing
    assert client.get("/search", params={"q": "x", "level": "junior"}).status_code == 400


def test_roadmap_item_and_question_link_each_other(client: TestClient) -> None:
    roadmap = client.get("/roadmaps/week?all=true").text
    keys = dict((title, key) for key, title in re.findall(
        r'id="i-(\w+)".*?<span class="item-title">([^<]+)</span>', roadmap))
    details = client.get(f"/roadmaps/week/items/{keys['Буферизованный и небуферизованный канал']}"
                         "/details", headers=RU).text
    assert 'href="/questions/chan-buffered"' in details and "Вопросы банка по теме" in details
    unrelated = client.get(f"/roadmaps/week/items/{keys['Kubernetes операторы']}/details").text
    assert "/questions/" not in unrelated
    question = client.get("/questions/chan-buffered", headers=RU).text
    assert "В учебных программах" in question
    assert f'href="/roadmaps/week#i-{keys["Буферизованный и небуферизованный канал"]}"' in question


def test_track_stats_show_the_real_question_count(client: TestClient) -> None:
    from gocoach.store.engine import transaction
    from gocoach.store.tables import Roadmap

    database = client.app.state.database  # type: ignore[attr-defined]
    with transaction(database.sessions) as session:
        week = session.query(Roadmap).filter_by(slug="week").one()
        week.slug = "go-core"
        week.meta = {"stats": {"Вопросов": "~130", "Модулей": "14"}}
    page = client.get("/roadmaps").text
    assert "Вопросов:</b> 3" in page and "~130" not in page
