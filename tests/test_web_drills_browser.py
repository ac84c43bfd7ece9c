"""The drill page in real Chromium, with the keyboard: space reveals, 1–4 rate, u undoes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gocoach.web.app import create_app
from question_fixtures import prepared_settings
from servers import chromium, free_port, serving

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    settings = prepared_settings(tmp_path).model_copy(update={"port": port})
    with serving(create_app(settings), port) as url:
        yield url


@pytest.fixture
def page(base_url: str) -> Iterator[Any]:
    with chromium() as browser:
        yield browser.new_context(locale="ru-RU").new_page()


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
    # the next question, not chan-buffered's follow-up (its answer would give that away)
    assert "Как работает select с несколькими готовыми ветками?" in front.inner_text()
    page.keyboard.press("u")
    page.wait_for_selector("text=Оценка отменена: «Чем буферизованный канал")
    assert "Чем буферизованный канал" in front.inner_text()
    page.keyboard.press("Space")
    page.keyboard.press("4")
    page.wait_for_selector("text=Оценка: Легко")
    page.goto(f"{base_url}/drill/stats")
    assert page.locator(".figures div", has_text="Повторений сегодня").inner_text().endswith("1")
