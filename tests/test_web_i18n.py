"""One language per page: the main pages in Russian and in English carry no text of the other
language's catalog, and dates and numbers take the language's form (issue 16)."""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from gocoach.curricula.bundled import SEEDS
from gocoach.curricula.decoding import decode_document
from gocoach.store.settings import load_settings
from gocoach.web import routes_interviews
from gocoach.web.app import create_app
from gocoach.web.i18n import LANGUAGES, catalog_paths
from gocoach.web.wording import Wording

NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)  # Wednesday of the plan's third week
OTHER = {"ru": "en", "en": "ru"}
CONTENT = Path(__file__).resolve().parents[1] / "content"


@dataclass
class Site:
    """A test client on a database with a plan, logged time, a drill, an interview."""

    client: TestClient
    pages: dict[str, str]  # name → path


def _texts(lang: str) -> set[str]:
    """Every text of a language's catalog (plural forms included)."""
    po, _ = catalog_paths(lang)
    with po.open("rb") as source:
        messages = read_po(source, locale=lang)
    found: set[str] = set()
    for message in messages:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found.update(s for s in strings if s)
    return found


@functools.cache
def content_corpus() -> str:
    """The shipped content (curricula, question bank, exercises): a catalog text found in it
    may be content on a page (a roadmap heading, a bank section), so it is not looked for."""
    texts = [decode_document(seed.read_bytes(), name=seed.name).text
             for seed in sorted(SEEDS.glob("*.txt"))]
    texts += [path.read_text(encoding="utf-8", errors="replace")
              for path in sorted(CONTENT.rglob("*.md"))]
    return "\n".join(texts)


def foreign_fragments(lang: str) -> set[str]:
    """Pieces of the other language's catalog that must not appear on a `lang` page: each
    text split at its {placeholders}, pieces of two words or more, not also in `lang`'s
    catalog (Middle → Senior → Architect, "Go" and the like are the same in both)."""
    own = _texts(lang)
    corpus = content_corpus()
    pieces: set[str] = set()
    for text in _texts(OTHER[lang]) - own:
        for piece in re.split(r"\{[^}]*\}", text):
            piece = piece.strip(" .,:;—–-·()«»\"'\n")
            if len(piece.split()) >= 2 and len(piece) >= 10 and piece not in own \
                    and piece not in corpus:
                if OTHER[lang] == "ru" and not re.search("[а-яё]", piece, re.I):
                    continue  # a Russian text's Latin piece (a command, a setting name)
                pieces.add(piece)
    return pieces


def visible(page: str) -> str:
    """The page's text as a person meets it: text nodes and the titles, placeholders and
    labels of elements; user content (roadmap items, questions, answers) is left out by the
    caller through the catalogs: only catalog texts are looked for."""
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    attributes = re.findall(r'(?:title|placeholder|aria-label)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(" ".join([text, *attributes])))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    routes_interviews.similarity_function = lambda: None  # no embedding model in this test
    app = create_app(load_settings(data_dir=tmp_path_factory.mktemp("i18n") / "web"))
    with TestClient(app) as client:
        app.state.clock = lambda: NOW
        app.state.random_seed = 2
        yield Site(client, _prepare(client))


def _prepare(client: TestClient) -> dict[str, str]:
    """A plan, 50 minutes logged (0.833… h), a drill rating, a finished interview."""
    assert client.post("/plan", data={"roadmap": ["backend-16-weeks"], "start": "2026-11-02",
                                      "hours": ""}).status_code == 200
    assert client.post("/time", data={"minutes": "50"}).status_code in (200, 303)
    drill = client.get("/drill").text
    ref = re.search(r'name="ref" value="([^"]+)"', drill)
    version = re.search(r'name="version" value="(\d+)"', drill)
    assert ref and version
    client.post("/drill/rate", data={"ref": ref.group(1), "rating": "3",
                                     "version": version.group(1), "duration_ms": "30000"})
    started = client.post("/interviews", data={"level": "middle", "minutes": "15"},
                          follow_redirects=False)
    interview = started.headers["location"]
    client.post(f"{interview}/answer", data={"text": "канал передаёт значения между горутинами"})
    client.post(f"{interview}/rate", data={"rating": "3"})
    client.post(f"{interview}/finish")
    exercise = re.search(r'href="(/exercises/[\w-]+)"', client.get("/exercises").text)
    question = re.search(r'href="(/questions/[\w-]+)"', client.get("/search?q=канал").text)
    assert exercise and question
    return {
        "dashboard": "/", "roadmaps": "/roadmaps", "roadmap": "/roadmaps/backend-16-weeks",
        "plan": "/plan", "today": "/today", "time": "/time", "reports": "/reports",
        "report": "/reports/1", "milestones": "/milestones", "questions": "/questions",
        "question": question.group(1), "search": "/search?q=канал", "drill": "/drill",
        "drill stats": "/drill/stats", "interviews": "/interviews",
        "scorecard": f"{interview}/scorecard", "exercises": "/exercises",
        "exercise": exercise.group(1), "missing page": "/roadmaps/nope",
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_speak_one_language(site: Site, lang: str) -> None:
    fragments = foreign_fragments(lang)
    assert len(fragments) > 300  # the check has something to look for
    found: dict[str, list[str]] = {}
    pages = dict(site.pages)
    for name, path in pages.items():
        answer = site.client.get(path, headers={"Accept-Language": lang})
        assert answer.status_code == (404 if name == "missing page" else 200), name
        assert f'lang="{lang}"' in answer.text
        text = visible(answer.text)
        hits = [f for f in fragments if f in text]
        if hits:
            found[name] = hits
    imported = site.client.post("/import", data={"dry_run": "true"},
                                files={"file": ("plan.md", b"# P\n\n## Week 1\n\n- [ ] A\n")},
                                headers={"Accept-Language": lang})
    text = visible(imported.text)
    if hits := [f for f in fragments if f in text]:
        found["import result"] = hits
    assert found == {}


def test_numbers_and_dates_take_the_languages_form(site: Site) -> None:
    ru = visible(site.client.get("/time", headers={"Accept-Language": "ru"}).text)
    en = visible(site.client.get("/time", headers={"Accept-Language": "en"}).text)
    # the week's time (50 minutes by hand, 1 of the interview) as minutes, not 0.85 hours
    assert "51 мин" in ru and "0,8" not in ru and "0.833333" not in ru
    assert "51 min" in en and "0.8" not in en and "0.833333" not in en
    assert "18 нояб. 2026 г." in ru and "Nov 18, 2026" in en  # the day time was logged
    assert "вручную" in ru and "by hand" in en  # the time log's source, not `manual`
    report_ru = visible(site.client.get("/reports/1", headers={"Accept-Language": "ru"}).text)
    report_en = visible(site.client.get("/reports/1", headers={"Accept-Language": "en"}).text)
    assert "За неделю: 0 мин из 17 ч 30 мин" in report_ru and "нет записей" in report_ru
    assert "This week: 0 min of 17 h 30 min" in report_en and "из" not in report_en.split()
    roadmaps = site.client.get("/roadmaps", headers={"Accept-Language": "ru"}).text
    assert '<span class="kind">трек</span>' in roadmaps  # not the code `track`
    assert 'title="в работе"' in site.client.get(site.pages["today"]).text  # status buttons
    board = site.client.get("/", headers={"Accept-Language": "ru"}).text
    charts = re.search(r'id="chart-data">(.*?)</script>', board, re.S)
    assert charts
    data = json.loads(charts.group(1))
    assert data["text"]["planned"] == "по плану"  # the chart's legend, not uPlot's English
    assert data["forecast"]["labels"][0] == "18 нояб."  # days, not 11/18


def test_interview_verdict_and_trend_are_worded_by_the_face(site: Site) -> None:
    path = site.pages["scorecard"]
    ru = visible(site.client.get(path, headers={"Accept-Language": "ru"}).text)
    en = visible(site.client.get(path, headers={"Accept-Language": "en"}).text)
    assert re.search(r"(?:готов|почти готов к уровню|пока не) Middle \(\d+ %\)", ru), ru
    assert "первое интервью" in ru and "first session" not in ru
    assert re.search(r"(?:ready for|not yet) Middle \(\d+%\)", en) and "first session" in en


def test_errors_are_said_in_the_interface_language(site: Site) -> None:
    ru = site.client.get("/roadmaps/nope", headers={"Accept-Language": "ru"})
    assert ru.status_code == 404 and "Программы «nope» нет" in ru.text
    en = site.client.get("/roadmaps/nope", headers={"Accept-Language": "en"})
    assert en.status_code == 404 and "no roadmap &#39;nope&#39;" in en.text
    nowhere = site.client.get("/no/such/page", headers={"Accept-Language": "ru"})
    assert nowhere.status_code == 404 and "Такой страницы нет" in nowhere.text
    binary = site.client.post("/import", files={"file": ("x.bin", b"\x00\x01" * 100)},
                              headers={"Accept-Language": "ru", "HX-Request": "true"})
    assert binary.status_code == 400 and binary.text == "x.bin: это двоичный файл, а не " \
                                                      "текстовый документ."
    empty = site.client.post(f"{site.pages['scorecard'].rsplit('/', 1)[0]}/answer",
                             data={"text": "  "}, headers={"Accept-Language": "ru"})
    assert empty.status_code == 400


def test_wording_formats() -> None:
    ru, en = Wording("ru"), Wording("en")
    assert (ru.hours(0.833333), en.hours(0.833333)) == ("50 мин", "50 min")
    assert (ru.number(1234.5), en.number(1234.5)) == ("1\xa0234,5", "1,234.5")
    day = datetime(2026, 12, 7, 21, 30, tzinfo=UTC)
    assert (ru.date(day, "day"), en.date(day, "day")) == ("7 дек.", "Dec 7")
    from zoneinfo import ZoneInfo
    moscow = Wording("ru", ZoneInfo("Europe/Moscow"))
    assert moscow.datetime(day) == "08.12.2026, 00:30"  # the user's zone, not UTC
    assert ru.label("time.source.", "manual") == "вручную" and ru.label("x.", "raw") == "raw"
    assert [ru.tn("dash.days_in_a_row", n) for n in (1, 3, 5, 21)] == [
        "день подряд", "дня подряд", "дней подряд", "день подряд"]
    assert [en.tn("dash.days_in_a_row", n) for n in (1, 2)] == ["day in a row", "days in a row"]
