"""End to end in real Chromium: open a roadmap, change an item's status, see the bar move."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from gocoach.store.settings import load_settings
from gocoach.web.app import create_app
from servers import chromium, free_port, serving

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    settings = load_settings(data_dir=tmp_path_factory.mktemp("browser"), port=port)
    with serving(create_app(settings), port) as url:
        yield url


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    return browser.new_context(locale="ru-RU").new_page()


def test_mark_item_done_moves_progress_bar(page, base_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/roadmaps")
    page.get_by_role("link", name="3-месячный Roadmap до уровня Senior Golang Developer").click()
    total = page.locator("#bar-total .label")
    assert total.inner_text() == "0% · 0/102"
    page.get_by_text("Неделя 1 — Go Internals").click()
    item = page.locator("li.item", has_text="Реализовать свой worker-pool")
    item.wait_for()
    item.locator("button[data-s=done]").click()
    # a locator wait, not wait_for_function: the app's CSP forbids evaluating strings in the page
    page.locator("#bar-total .label", has_text=re.compile(r"^1% · 1/102")).wait_for()
    # the row is swapped in after the bars: wait for the new row rather than read the old one
    page.locator("li.item.s-done", has_text="Реализовать свой worker-pool").wait_for()
    page.screenshot(path=str(tmp_path / "roadmap.png"))
    page.reload()
    assert page.locator("#bar-total .label").inner_text() == "1% · 1/102"


def test_english_interface_from_browser_language(browser, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{base_url}/roadmaps")
    assert page.locator("h1").inner_text() == "Curricula"
    page.get_by_role("link", name="Русский").click()
    assert page.locator("h1").inner_text() == "Учебные программы"
