"""The drill page in real Chromium, with the keyboard: space reveals, 1–4 rate, u undoes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from gocoach.web.app import create_app
from question_fixtures import prepared_settings
from servers import chromium_path, free_port, missing

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    settings = prepared_settings(tmp_path).model_copy(update={"port": port})
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def page(base_url: str) -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        missing("Chromium (Debian package chromium)", "GOCOACH_REQUIRE_BROWSER")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield browser.new_context(locale="ru-RU").new_page()
        browser.close()


def test_keyboard_drill(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/drill")
    front = page.locator("#drill .front")
    assert "Чем буферизованный канал" in front.inner_text()
    assert not page.locator("#back").evaluate("d => d.open")  # the answer is hidden
    page.keyboard.press("Space")
    assert page.locator("#back").evaluate("d => d.open")
    assert page.get_by_text("Небуферизованный канал передаёт значение").is_visible()
    page.keyboard.press("3")
    page.wait_for_selector("text=Оценка: Хорошо")
    assert "Что будет при чтении из закрытого канала?" in front.inner_text()
    page.keyboard.press("u")
    page.wait_for_selector("text=Оценка отменена: chan-buffered")
    assert "Чем буферизованный канал" in front.inner_text()
    page.keyboard.press("Space")
    page.keyboard.press("4")
    page.wait_for_selector("text=Оценка: Легко")
    page.goto(f"{base_url}/drill/stats")
    assert page.locator(".figures div", has_text="Повторений сегодня").inner_text().endswith("1")
