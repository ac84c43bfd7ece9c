"""Every main page in real Chromium, on a phone (390 px) and a desktop (1280 px), in Russian and
in English: nothing scrolls sideways, the console stays clean, no raw Markdown and no text of
the other interface language shows, and axe finds nothing serious (issue 16)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from pprint import pformat
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import Submission
from gocoach.store.users import ensure_local_user
from gocoach.web import routes_interviews
from gocoach.web.app import create_app
from servers import chromium, free_port, serving
from test_web_i18n import NOW, _prepare, foreign_fragments

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
LOCALES = {"ru": "ru-RU", "en": "en-US"}

# The page's text outside code, and the texts of titles, placeholders and labels.
TEXT_OUTSIDE_CODE = """() => {
  const skip = 'pre, code, kbd, samp, textarea, script, style, template, .CodeMirror';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest(skip)) parts.push(node.nodeValue);
  }
  for (const el of document.querySelectorAll('[title], [placeholder], [aria-label]')) {
    for (const name of ['title', 'placeholder', 'aria-label']) {
      if (el.hasAttribute(name)) parts.push(el.getAttribute(name));
    }
  }
  return parts.join(' ').replace(/\\s+/g, ' ');
}"""
# the outermost elements that stick out to the right: the culprits of a sideways scroll
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
          && el.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
  .slice(0, 3).map(el => el.tagName.toLowerCase() + '.' + el.className + ' '
                   + el.textContent.trim().slice(0, 40))"""
MARKDOWN = {
    "**bold**": re.compile(r"\*\*\S"),
    "code fence": re.compile(r"```"),
    "`code`": re.compile(r"`[^`\s]+`"),
}


@dataclass
class Site:
    """A served gocoach with a plan, logged time, a drill, interviews; the pages to visit."""

    url: str
    pages: dict[str, str]  # name → path


@contextmanager
def layout_site(data_dir: Path) -> Iterator[Site]:
    """The app on a database prepared as tests/test_web_i18n.py does, plus an interview in
    progress, served by uvicorn on a free port with the clock fixed at NOW."""
    # no embedding model in tests: answers are checked by the key points alone
    routes_interviews.similarity_function = lambda: None  # type: ignore[attr-defined]
    port = free_port()
    settings = load_settings(data_dir=data_dir, port=port)
    prepared = create_app(settings)
    with TestClient(prepared) as client:
        prepared.state.clock = lambda: NOW
        prepared.state.random_seed = 2
        pages = _prepare(client)
        started = client.post("/interviews", data={"level": "middle", "minutes": "30"},
                              follow_redirects=False)
        project = re.search(r'href="(/projects/[\w-]+)"', client.get("/projects").text)
        assert started.status_code == 303 and project
        with transaction(prepared.state.database.sessions) as session:  # a pass unlocks it
            user = ensure_local_user(session, now=NOW)
            session.add(Submission(user_id=user.id, exercise="lru-cache", status="pass",
                                   files={}, result={}, created_at=NOW))
    pages.pop("missing page")
    pages |= {"interview": started.headers["location"], "projects": "/projects",
              "project": project.group(1), "import": "/import",
              "exercise solution": "/exercises/lru-cache/solution"}
    app = create_app(settings)
    app.state.clock = lambda: NOW
    app.state.random_seed = 2
    with serving(app, port) as url:
        yield Site(url, pages)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with layout_site(tmp_path_factory.mktemp("layout") / "web") as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def open_page(browser: Any, lang: str, width: str) -> tuple[Any, Any, list[str]]:
    """A page in a fresh context of the language and width; console errors land in the list."""
    w, h = WIDTHS[width]
    context = browser.new_context(locale=LOCALES[lang], viewport={"width": w, "height": h})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


def problems_of(page: Any, errors: list[str], fragments: set[str]) -> list[str]:
    """What is wrong on the loaded page: sideways scroll, console errors, raw Markdown, text of
    the other interface language."""
    found: list[str] = []
    scroll, inner = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        found.append(f"{scroll} px wide in {inner} px: {page.evaluate(WIDEST)}")
    found += [f"console: {e}" for e in errors]
    text = page.evaluate(TEXT_OUTSIDE_CODE)
    for name, pattern in MARKDOWN.items():
        if hit := pattern.search(text):
            found.append(f"raw Markdown {name}: …{text[max(0, hit.start() - 40):hit.end() + 40]}…")
    found += [f"other language: {f!r}" for f in sorted(fragments) if f in text]
    return found


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LOCALES)
def test_every_page_fits_and_speaks_one_language(browser: Any, site: Site, lang: str,
                                                 width: str) -> None:
    fragments = foreign_fragments(lang)
    assert len(fragments) > 300  # the language check has something to look for
    context, page, errors = open_page(browser, lang, width)
    found: dict[str, list[str]] = {}
    try:
        for name, path in site.pages.items():
            errors.clear()
            answer = page.goto(site.url + path)
            assert answer is not None and answer.status == 200, name
            page.wait_for_load_state("networkidle")
            assert page.get_attribute("html", "lang") == lang
            if problems := problems_of(page, errors, fragments):
                found[name] = problems
    finally:
        context.close()
    assert found == {}, pformat(found, width=110)
    assert len(site.pages) >= 20


def test_phone_menu_folds_and_opens_without_script(browser: Any, site: Site) -> None:
    context, page, _ = open_page(browser, "ru", "phone")
    try:
        page.goto(site.url + "/")
        drill = page.get_by_role("link", name="Тренировка", exact=True)
        assert not drill.is_visible()  # folded: the page starts with its content
        page.get_by_text("Меню", exact=True).click()
        for name in ("Тренировка", "Поиск", "Отчёты", "Контрольные точки", "Импорт"):
            link = page.locator("header nav a", has_text=name)
            assert link.first.is_visible(), name
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        drill.click()
        page.wait_for_url("**/drill")
    finally:
        context.close()
    context, page, _ = open_page(browser, "en", "desktop")
    try:
        page.goto(site.url + "/")
        assert not page.get_by_text("Menu", exact=True).is_visible()
        for name in ("Drill", "Search", "Reports", "Milestones"):
            assert page.locator("header nav a", has_text=name).first.is_visible(), name
    finally:
        context.close()


# CodeMirror's scroller is reached through its own (focusable, labelled) text area
KNOWN = {("scrollable-region-focusable", ".CodeMirror-scroll")}
AXE_PAGES = ("dashboard", "today", "plan", "roadmaps", "roadmap", "questions", "question",
             "search", "drill", "drill stats", "interviews", "interview", "scorecard",
             "exercises", "exercise", "projects", "project", "reports", "milestones", "import")


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_nothing_serious(browser: Any, site: Site, width: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context, page, _ = open_page(browser, "ru", width)
    found: dict[str, list[str]] = {}
    try:
        for name in AXE_PAGES:
            page.goto(site.url + site.pages[name])
            page.wait_for_load_state("networkidle")
            violations = axe.run(page).response["violations"]
            serious = [f"{v['id']} ({v['impact']}): {n['target']} {n['html'][:80]} "
                       f"{n['failureSummary'][-120:]}"
                       for v in violations if v["impact"] in ("serious", "critical")
                       for n in v["nodes"][:2] if (v["id"], n["target"][-1]) not in KNOWN]
            if serious:
                found[name] = serious
    finally:
        context.close()
    assert found == {}, pformat(found, width=110)
