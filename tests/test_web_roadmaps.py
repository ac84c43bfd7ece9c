"""The web app in-process: pages, one-click statuses, import errors as 4xx, languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gocoach.store.settings import load_settings
from gocoach.web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(load_settings(data_dir=tmp_path / "web"))
    with TestClient(app) as test_client:
        yield test_client


def test_roadmap_list_shows_progress_and_track_stats(client: TestClient) -> None:
    page = client.get("/roadmaps", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert page.status_code == 200
    assert "3-месячный Roadmap до уровня Senior Golang Developer" in page.text
    assert (
        "Модулей:</b> 14" in page.text and "Уровень:</b> Middle → Senior → Architect" in page.text
    )
    assert page.text.count('role="progressbar"') == 5
    assert 'lang="ru"' in page.text


def test_language_from_browser_and_switch(client: TestClient) -> None:
    page = client.get("/roadmaps", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Curricula" in page.text and 'lang="en"' in page.text
    switched = client.get("/lang/ru", headers={"referer": "/roadmaps"})
    assert "Учебные программы" in switched.text


def test_status_click_updates_item_and_bars(client: TestClient) -> None:
    page = client.get("/roadmaps/senior-3-months")
    branch = re.search(r'hx-get="(/roadmaps/senior-3-months/branch/\w+)"', page.text)
    assert branch
    items = client.get(branch.group(1)).text
    key = re.search(r'id="i-(\w+)"', items)
    assert key
    answer = client.post(
        f"/roadmaps/senior-3-months/items/{key.group(1)}",
        data={"status": "done"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert f'class="item s-done" id="i-{key.group(1)}"' in answer.text
    assert 'id="bar-total" hx-swap-oob="true"' in answer.text and "1/102" in answer.text
    assert "1/102" in client.get("/roadmaps/senior-3-months").text


def test_note_and_evidence(client: TestClient) -> None:
    page = client.get("/roadmaps/backend-16-weeks")
    branch = re.search(r'hx-get="(/roadmaps/backend-16-weeks/branch/\w+)"', page.text)
    assert branch
    key = re.search(r'id="i-(\w+)"', client.get(branch.group(1)).text)
    assert key
    url = f"/roadmaps/backend-16-weeks/items/{key.group(1)}"
    client.post(url, data={"note": "Заметка", "evidence": "https://example.org/x\n"})
    details = client.get(f"{url}/details")
    assert "Заметка" in details.text and "https://example.org/x" in details.text


def test_export_download(client: TestClient) -> None:
    answer = client.get("/roadmaps/go-mastery/export.md")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/markdown")
    assert answer.text.startswith("# 🚀 Go Mastery Roadmap")


def test_import_upload_and_errors(client: TestClient) -> None:
    good = client.post("/import", files={"file": ("plan.md", b"# P\n\n## Week 1\n\n- [ ] A\n")})
    assert good.status_code == 200 and "plan" in good.text
    assert client.get("/roadmaps/plan").status_code == 200
    binary = client.post("/import", files={"file": ("x.bin", b"\x00\x01" * 100)})
    assert binary.status_code == 400 and "x.bin: это двоичный файл" in binary.text
    empty = client.post("/import", files={"file": ("e.md", b"")})
    assert empty.status_code == 400 and "e.md: файл пустой" in empty.text
    big = client.post("/import", files={"file": ("big.md", b"- x\n" * (6 * 1024 * 1024 // 4))})
    assert big.status_code == 400 and "big.md: файл больше допустимых 5 МБ" in big.text


def test_wrong_ids_give_404(client: TestClient) -> None:
    assert client.get("/roadmaps/nope").status_code == 404
    answer = client.post(
        "/roadmaps/go-core/items/ffffffffff",
        data={"status": "done"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 404
    assert answer.text == "В программе «go-core» нет пункта «ffffffffff»."
    page = client.post("/roadmaps/go-core/items/ffffffffff", data={"status": "done"},
                       headers={"Accept-Language": "en"})
    assert page.status_code == 404 and "no item &#39;ffffffffff&#39;" in page.text
    bad = client.post("/roadmaps/go-core/items/ffffffffff", data={"status": "finished"})
    assert bad.status_code == 400 and "Неизвестный статус «finished»" in bad.text


def test_assets_ship_with_the_app(client: TestClient) -> None:
    page = client.get("/roadmaps").text
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert client.get(src).status_code == 200
    assert "http://" not in page.split("<main>")[0] and "https://" not in page.split("<main>")[0]


def test_a_reused_roadmap_page_follows_language_notes_and_reimports(client: TestClient) -> None:
    english = client.get("/roadmaps/senior-3-months", headers={"Accept-Language": "en"})
    russian = client.get("/roadmaps/senior-3-months", headers={"Accept-Language": "ru"})
    assert 'lang="en"' in english.text and 'lang="ru"' in russian.text
    assert client.get("/roadmaps/senior-3-months", headers={"Accept-Language": "en"}).text \
        == english.text  # the same page when nothing changed
    document = "# Свой план\n\n## Неделя 1\n\n- [ ] Первая тема\n"
    assert client.post("/import", files={"file": ("own.md", document.encode())},
                       data={"slug": "own"}).status_code == 200
    assert "Первая тема" in client.get("/roadmaps/own").text
    changed = document.replace("Первая тема", "Переименованная тема")
    assert client.post("/import", files={"file": ("own.md", changed.encode())},
                       data={"slug": "own"}).status_code == 200
    page = client.get("/roadmaps/own").text
    assert "Переименованная тема" in page and "Первая тема" not in page
