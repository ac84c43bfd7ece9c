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


def editor_value(editor: Any) -> str:
    return str(editor.evaluate("node => node.CodeMirror.getValue()"))


def test_compile_errors_are_marked_in_the_editor_and_reset_brings_back_the_starter(
    page: Any, base_url: str
) -> None:
    starter = (CONTENT / "exercises" / "worker-pool" / "starter" / "pool.go").read_text()
    page.goto(f"{base_url}/exercises/worker-pool")
    editor = page.locator(EDITOR.format(pane=pane_of(page, "pool.go")))
    editor.wait_for(state="visible")
    assert editor_value(editor) == starter
    broken = starter.replace("results := make(", "results := make((")  # line 14
    editor.evaluate("(node, text) => node.CodeMirror.setValue(text)", broken)
    page.get_by_role("button", name="Запустить тесты").click()
    result = finished_result(page)
    assert "не компилируется" in result.locator("h3").inner_text()
    assert "тестов пройдено" not in result.inner_text()

    # The line the compiler named is marked in the gutter and highlighted.
    location = result.locator("a.ex-loc").first
    assert location.inner_text().startswith("pool.go:14:")
    mark = editor.locator(".ex-error-mark")
    mark.wait_for(state="visible")
    assert mark.count() == 1
    info = editor.evaluate("node => node.CodeMirror.lineInfo(13)")
    assert "ex-error-line" in info["bgClass"] and "ex-marks" in info["gutterMarkers"]
    # Its location moves the cursor there, in the editor.
    editor.evaluate("node => node.CodeMirror.setCursor({line: 0, ch: 0})")
    page.evaluate("() => document.activeElement.blur()")
    location.click()
    cursor = editor.evaluate("node => node.CodeMirror.getCursor()")
    column = int(location.get_attribute("data-col") or 1)
    assert (cursor["line"], cursor["ch"]) == (13, column - 1)
    assert editor.evaluate("node => node.CodeMirror.hasFocus()")

    # Reset asks first: cancelled, nothing changes; confirmed, the starter is back.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Вернуть заготовку").click()
    assert asked and "останутся в истории" in asked[0]
    assert editor_value(editor) == broken
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Вернуть заготовку").click()
    assert editor_value(editor) == starter
    assert editor.locator(".ex-error-mark").count() == 0
    # The submission itself is kept: the page opens with it again.
    page.goto(f"{base_url}/exercises/worker-pool")
    saved = page.locator(EDITOR.format(pane=pane_of(page, "pool.go")))
    saved.wait_for(state="visible")
    assert editor_value(saved) == broken


def test_long_lines_scroll_inside_their_boxes_on_a_phone(base_url: str) -> None:
    starter = (CONTENT / "exercises" / "worker-pool" / "starter" / "pool.go").read_text()
    name = "undefinedName" + "Long" * 50
    long_line = starter + f"\nvar _ = {name} // {'x' * 200}\n"
    with chromium() as browser:
        context = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(f"{base_url}/exercises/worker-pool")
        editor = page.locator(EDITOR.format(pane=pane_of(page, "pool.go")))
        editor.wait_for(state="visible")
        editor.evaluate("(node, text) => node.CodeMirror.setValue(text)", long_line)
        page.get_by_role("button", name="Запустить тесты").click()
        result = finished_result(page)
        compiler = result.locator("pre.ex-compiler")
        assert name in compiler.inner_text()
        box = compiler.evaluate(
            "el => ({scroll: el.scrollWidth, client: el.clientWidth,"
            " right: el.getBoundingClientRect().right, overflow: getComputedStyle(el).overflowX,"
            " tab: getComputedStyle(el).tabSize, space: getComputedStyle(el).whiteSpace})")
        assert box["scroll"] > box["client"] and box["right"] <= 390, box
        assert (box["overflow"], box["tab"], box["space"]) == ("auto", "4", "pre"), box
        # the editor's own scroller holds the long line; the editor ends inside the screen
        scroller = editor.locator(".CodeMirror-scroll").evaluate(
            "el => [el.scrollWidth, el.clientWidth]")
        assert scroller[0] > scroller[1], scroller
        assert editor.evaluate("el => el.getBoundingClientRect().right") <= 390
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        context.close()
