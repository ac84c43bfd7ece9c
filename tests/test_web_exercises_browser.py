"""The exercise page in real Chromium: the Go editor, Ctrl+Enter, results per test, mark done."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gocoach.practice.grading import sandbox_available
from gocoach.store.settings import load_settings
from gocoach.web.app import create_app
from servers import chromium, free_port, serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not sandbox_available().available, reason="bubblewrap is not usable here"),
]
CONTENT = Path(__file__).resolve().parents[1] / "content"
CACHE_DIR = Path(tempfile.gettempdir()) / "gocoach-grading-test-cache"
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
GRADING_WAIT_MS = 330_000  # the grader's own build limit (300 s) bounds a cold build
EDITOR = '.ex-file[data-pane="{pane}"] .CodeMirror'


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    settings = load_settings(data_dir=tmp_path / "web", grading_warmup=False,
                             grading_cache_dir=CACHE_DIR, grading_workers=1,
                             grading_uid_base=64600 + 10 * WORKER, port=port)  # fmt: skip
    with serving(create_app(settings), port) as url:
        yield url


@pytest.fixture
def page(base_url: str) -> Iterator[Any]:
    with chromium() as browser:
        yield browser.new_context(locale="ru-RU").new_page()


def pane_of(page: Any, file_name: str) -> str:
    """Return the editor pane number of a file, by its tab."""
    tab = page.locator(".ex-tabs button", has_text=file_name)
    return str(tab.get_attribute("data-tab"))


def finished_result(page: Any) -> Any:
    """Wait for the graded result that replaces the polling fragment; say what came instead."""
    result = page.locator("#results .ex-result")
    try:
        result.wait_for(timeout=GRADING_WAIT_MS)
    except Exception as exc:  # playwright's TimeoutError; show what the learner saw
        shown = page.locator("#results").inner_text()
        raise AssertionError(f"no graded result; the results area shows: {shown!r}") from exc
    return result


def test_solving_an_exercise_in_the_browser(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/exercises/retry-backoff")
    pane = pane_of(page, "retry.go")
    page.locator(".ex-tabs button", has_text="retry.go").click()
    editor = page.locator(EDITOR.format(pane=pane))
    editor.wait_for(state="visible")
    # Syntax highlighting from the shipped Go mode, not a plain textarea.
    assert page.locator("textarea.go-editor").first.is_hidden()
    assert editor.locator(".cm-keyword", has_text="func").count() > 0

    # The starter as it is: Ctrl+Enter inside the editor runs the tests; some fail, by name.
    editor.locator(".CodeMirror-line").first.click()
    page.keyboard.press("Control+Enter")
    failed = finished_result(page)
    assert "st-fail" in (failed.get_attribute("class") or ""), failed.inner_text()
    assert failed.locator("li.t-fail b").count() >= 1
    assert "тестов пройдено" in failed.locator("h3").inner_text()

    # Replace the editor's text with the reference solution, then type a line by hand:
    # what is graded is what the editor shows, not the textarea it started from.
    reference = (CONTENT / "exercises" / "retry-backoff" / "solution" / "retry.go").read_text()
    editor.evaluate("(node, text) => node.CodeMirror.setValue(text)", reference)
    editor.evaluate("node => node.CodeMirror.execCommand('goDocEnd')")
    page.keyboard.type("\n// решено в браузере\n")
    first_result = failed.element_handle()
    page.get_by_role("button", name="Запустить тесты").click()
    first_result.wait_for_element_state("hidden")  # replaced by the new run
    passed = finished_result(page)
    assert "st-pass" in (passed.get_attribute("class") or ""), passed.inner_text()
    heading = passed.locator("h3").inner_text()
    total = passed.locator("ul.ex-tests-list > li").count()
    assert total >= 2 and f"{total}/{total}" in heading
    assert passed.locator("li.t-fail").count() == 0
    assert passed.locator(".tag", has_text="скрытый").count() >= 1

    # History shows both runs; the roadmap item is offered and marked done in place.
    history = page.locator("#history tr")
    history.nth(2).wait_for()  # a header row and the two runs, newest first
    assert history.nth(1).locator(".st-pass").count() == 1
    assert history.nth(2).locator(".st-fail").count() == 1
    button = passed.locator("button.mark-done").first
    title = button.inner_text().split(": ", 1)[1]
    button.click()
    page.wait_for_selector("button.mark-done:disabled >> text=отмечено")
    page.goto(f"{base_url}/exercises/retry-backoff")
    item = page.locator(".ex-items", has_text=title)
    assert "сделано" in item.inner_text()
    saved = page.locator(EDITOR.format(pane=pane_of(page, "retry.go")))
    assert "// решено в браузере" in saved.evaluate("node => node.CodeMirror.getValue()")
