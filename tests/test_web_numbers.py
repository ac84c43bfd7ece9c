"""Numbers and names a user can trust (issue 16): one streak on every page, counted in the user's
time zone; time as hours and minutes; a verdict's label that matches the share of key points
heard; nothing to check is not a green pass; a question track's modules by their titles; the
question's headings and the Host refusal in the interface language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from account_fixtures import add_user, cheap_hashing, database_of, server_client, sign_in
from conftest import NOW
from gocoach.curricula.roadmaps import import_document
from gocoach.drills.reviews import record_rating
from gocoach.interviews.verdicts import PointLine, VerdictDetails
from gocoach.plans.timelog import log_time
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import User
from gocoach.store.users import ensure_local_user
from gocoach.teams.cohorts import add_member, create_cohort
from gocoach.web.app import create_app
from gocoach.web.deps import template_context
from gocoach.web.wording import Wording
from plan_fixtures import MONDAY, import_seed
from question_fixtures import prepared_settings

RU = {"Accept-Language": "ru"}
EN = {"Accept-Language": "en"}
MOSCOW = "Europe/Moscow"  # UTC+3 all year


@dataclass
class Site:
    """The app with the small bank, the week roadmap and the bank's track as a roadmap."""

    client: TestClient
    now: datetime

    def sessions(self):  # type: ignore[no-untyped-def]
        return transaction(self.client.app.state.database.sessions)  # type: ignore[attr-defined]

    def text(self, path: str, headers: dict[str, str] = RU) -> str:
        answer = self.client.get(path, headers=headers)
        assert answer.status_code == 200, (path, answer.text[:300])
        return answer.text


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """The user's zone is Moscow while the machine's is UTC (the test run's)."""
    prepared_settings(tmp_path)
    settings = load_settings(data_dir=tmp_path / "data", load_bundled=False, timezone=MOSCOW)
    app = create_app(settings)
    with TestClient(app) as client:
        state = Site(client, NOW)
        app.state.clock = lambda: state.now
        with state.sessions() as session:
            user = ensure_local_user(session, now=NOW)
            index = (tmp_path / "track" / "go-core" / "index.md").read_bytes()
            import_document(session, data=index, name="index.md", slug="go-core", user=user,
                            now=NOW, max_bytes=1 << 20)
        yield state


def visible(page: str) -> str:
    """The page's text without tags, attributes and scripts."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def rate_at(site: Site, ref: str, moment: datetime) -> None:
    with site.sessions() as session:
        user = ensure_local_user(session, now=NOW)
        record_rating(session, user=user, ref=ref, rating=3, now=moment, duration_ms=4000)


# --- 1. One streak -------------------------------------------------------------------------


def test_dashboard_and_drill_stats_show_one_streak_in_the_users_zone(site: Site) -> None:
    # Moscow days 19, 20 and 21 November; UTC days 18, 19 and 21 (a gap on the 20th)
    for moment in (datetime(2026, 11, 18, 21, 30, tzinfo=UTC),  # 19th, 00:30 in Moscow
                   datetime(2026, 11, 19, 22, 0, tzinfo=UTC),  # 20th, 01:00
                   datetime(2026, 11, 21, 6, 0, tzinfo=UTC)):  # 21st, 09:00
        rate_at(site, "chan-buffered", moment)
    site.now = datetime(2026, 11, 21, 20, 30, tzinfo=UTC)  # the 21st, 23:30 in Moscow
    board = site.text("/")
    assert re.search(r'id="streak"><h3>[^<]+</h3><p class="big">3</p><p>дня подряд</p>', board)
    assert "Серия, дней<b>3</b>" in site.text("/drill/stats")
    site.now = datetime(2026, 11, 21, 21, 30, tzinfo=UTC)  # 00:30 on the 22nd: nothing yet today
    assert re.search(r'id="streak">.*?<p class="big">3</p>', site.text("/"), re.S)
    assert "Серия, дней<b>3</b>" in site.text("/drill/stats")
    site.now = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)  # the 23rd: a day was missed
    assert re.search(r'id="streak">.*?<p class="big">0</p>', site.text("/"), re.S)
    assert "Серия, дней<b>0</b>" in site.text("/drill/stats")


# --- 2. Hours and minutes --------------------------------------------------------------------


def test_time_is_shown_in_hours_and_minutes_everywhere(site: Site) -> None:
    site.client.post("/plan", data={"roadmap": ["week"], "start": "2026-11-16", "hours": "8"})
    assert site.client.post("/time", data={"minutes": "50", "day": "2026-11-20"}
                            ).status_code == 200
    pages = {path: (visible(site.text(path, RU)), visible(site.text(path, EN)))
             for path in ("/", "/time", "/today", "/plan", "/reports/1")}
    for path, (ru, en) in pages.items():
        for text in (ru, en):
            assert not re.search(r"\b0[.,]8\d*\b|0[.,]83|0[.,]03", text), (path, text)
    # the budget up to today (Saturday of week 1): 8 h × 6/7
    assert "время: 50 мин из 6 ч 52 мин по плану (−6 ч 2 мин)" in pages["/"][0]
    assert "time: 50 min of 6 h 52 min planned (−6 h 2 min)" in pages["/"][1]
    assert "Записано 50 мин из 8 ч" in pages["/"][0]
    assert "50 min of 8 h" in pages["/today"][1] and "50 мин из 8 ч" in pages["/today"][0]
    assert " 8 ч 50 мин 10 %" in pages["/time"][0] and " 8 h 50 min 10%" in pages["/time"][1]
    assert "8 ч 50 мин" in pages["/plan"][0]  # the week's budget and the hours logged
    assert "За неделю: 50 мин из 8 ч" in pages["/reports/1"][0]
    assert "This week: 50 min of 8 h" in pages["/reports/1"][1]
    export = site.client.get("/reports/1/export.md", headers=RU).text
    assert "50 мин из 8 ч · 0/3 пунктов недели закрыто" in export
    assert "50 min of 8 h · 0/3" in site.client.get("/reports/1/export.md", headers=EN).text


def test_hours_formats() -> None:
    ru, en = Wording("ru"), Wording("en")
    assert [ru.hours(h) for h in (0.833333, 1.14, 17.5, 2, 0, 0.03, None)] == [
        "50 мин", "1 ч 8 мин", "17 ч 30 мин", "2 ч", "0 мин", "2 мин", "—"]
    assert [en.hours(h) for h in (0.833333, 1.14, 17.5, 2)] == [
        "50 min", "1 h 8 min", "17 h 30 min", "2 h"]
    assert ru.hours(1234.5) == "1\xa0234 ч 30 мин" and en.hours(1234.5) == "1,234 h 30 min"
    assert (ru.hours(-0.5, signed=True), en.hours(1.25, signed=True)) == ("−30 мин", "+1 h 15 min")
    assert ru.hours(0.001, signed=True) == "0 мин"  # no sign on nothing


def test_the_cohort_table_shows_hours_and_minutes(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)
    with server_client(tmp_path, clock=lambda: NOW) as client:
        database = database_of(client)
        add_user(database, "mira", "mentor")
        add_user(database, "lena")
        with transaction(database.sessions) as session:
            users = {u.username: u for u in session.scalars(select(User))}
            roadmap = import_seed(session, users["mira"], "senior-3-months")
            cohort = create_cohort(session, slug="autumn", title="Autumn", roadmaps=[roadmap],
                                   start=MONDAY, now=NOW, hours_per_week=8)
            add_member(session, cohort=cohort, user=users["lena"], role="learner", now=NOW)
            add_member(session, cohort=cohort, user=users["mira"], role="mentor", now=NOW)
            log_time(session, user=users["lena"], minutes=50, source="manual", now=NOW,
                     day=NOW.date())
        sign_in(client, "mira")
        table = client.get("/cohorts/autumn", headers=RU).text
        row = re.search(r'<tr id="learner-lena">(.*?)</tr>', table, re.S)
        # the budget up to Saturday of week 3: 8 h × (2 + 6/7)
        assert row and "50 мин из 22 ч 52 мин (4\xa0%)" in row.group(1)
        learner = client.get("/cohorts/autumn/learners/lena", headers=EN).text
        assert "50 min of 22 h 52 min" in learner and "0.83" not in learner


# --- 3. The verdict's label -----------------------------------------------------------------


def point(number: int, bonus: bool = False) -> PointLine:
    text = f"Пункт {number}" + (" (бонус)" if bonus else "")
    return PointLine(number=number, text=text, words=(), negated=(), bonus=bonus, score=0.5)


def details(heard: int, missed: int, verdict: str = "good", bonus: int = 0) -> VerdictDetails:
    points = [point(n) for n in range(1, heard + missed + 1)]
    return VerdictDetails(verdict=verdict, score=0.6, heard=tuple(points[:heard]),
                          missed=tuple(points[heard:]) + tuple(
                              point(heard + missed + n, True) for n in range(1, bonus + 1)),
                          misconceptions=(), ignored=(), notes=())


def feedback_label(site: Site, checked: VerdictDetails, lang: str) -> str:
    templates = site.client.app.state.templates  # type: ignore[attr-defined]
    request = type("R", (), {"state": type("S", (), {})()})()
    context = template_context(Wording(lang), request, load_settings())  # type: ignore[arg-type]
    html = templates.get_template("_interview_feedback.html").render(
        {**context, "details": checked, "md": lambda text: text})
    found = re.search(r'<span class="tag verdict">([^<]+)</span>', html)
    assert found, html
    return found.group(1)


def test_three_of_five_key_points_are_not_almost_everything(site: Site) -> None:
    label = feedback_label(site, details(3, 2), "ru")
    assert label == "3 из 5 ключевых пунктов: покрыто больше половины"
    assert "почти всё" not in label
    assert feedback_label(site, details(3, 2), "en") == "3 of 5 key points: more than half covered"
    assert feedback_label(site, details(4, 1), "ru").endswith("покрыто почти всё")
    assert feedback_label(site, details(5, 0), "en").endswith("everything covered")
    assert feedback_label(site, details(1, 3, "partial"), "ru") == \
        "1 из 4 ключевых пунктов: покрыто частично"
    # a bonus point missed does not count against the share
    assert feedback_label(site, details(2, 0, bonus=1), "en") == \
        "2 of 2 key points: everything covered"
    assert feedback_label(site, details(1, 0, "misconception"), "ru") == "есть типичная ошибка"
    assert Wording("ru").tn("num.cover.count", 1, heard=1, band="x") == "1 из 1 ключевого пункта: x"


# --- 4. Nothing to check --------------------------------------------------------------------


def test_nothing_to_check_is_not_a_green_pass(site: Site) -> None:
    site.client.post("/plan", data={"roadmap": ["week"], "start": "2026-11-16", "hours": "8"})
    rate_at(site, "chan-select", NOW)  # review cards exist; none is about this roadmap's items
    page = site.text("/milestones")
    assert "0/0" not in visible(page)
    checks = re.findall(r'<li class="(\w+)">\s*(.*?)</li>', page, re.S)
    empty = [(cls, text) for cls, text in checks if "проверять пока нечего" in text]
    assert empty and all(cls == "na" and "✔" not in text for cls, text in empty)
    assert "nothing to check yet" in site.text("/milestones", EN)
    keys = re.findall(r'id="i-(\w+)"', site.text("/roadmaps/week"))
    assert len(keys) == 3
    for key in keys:  # every item skipped: the roadmap's bar has nothing to count
        site.client.post(f"/roadmaps/week/items/{key}", data={"status": "skipped"})
    bar = re.search(r'id="bar-total".*?<span class="label">([^<]+)</span>',
                    site.text("/roadmaps/week"), re.S)
    assert bar and bar.group(1) == "проверять пока нечего"


# --- 5. A track's modules by their titles -----------------------------------------------------


def test_the_track_shows_module_titles_with_links_and_counts_their_cards(site: Site) -> None:
    site.client.post("/plan", data={"roadmap": ["go-core"], "start": "2026-11-16", "hours": "8"})
    rate_at(site, "chan-buffered", NOW)
    link = '<a href="/questions/modules/01">Горутины и каналы</a>'
    branch = re.search(r'hx-get="(/roadmaps/go-core/branch/\w+)"', site.text("/roadmaps/go-core"))
    assert branch
    for path in ("/today", "/plan/weeks/1", branch.group(1)):
        page = site.text(path)
        assert link in page, path
        assert "01-goroutines-channels" not in visible(page), path
    ics = site.client.get("/plan/calendar.ics", headers=RU).text
    assert "Горутины и каналы" in ics and "01-goroutines-channels" not in ics
    key = re.search(r'hx-post="/plan/items/go-core/(\w+)"', site.text("/today"))
    assert key
    done = site.client.post(f"/plan/items/go-core/{key.group(1)}", data={"status": "done"})
    assert link in done.text
    site.now = NOW + timedelta(days=7)  # week 1 has ended: its report is drafted
    export = site.client.get("/reports/1/export.md", headers=RU).text
    assert "- Горутины и каналы" in export and "01-goroutines-channels" not in export
    milestones = visible(site.text("/milestones"))
    # the cards of the two modules: three questions and six follow-ups, one of them reviewed
    assert "Карточки этих тем с удержанием ≥ 0.8: 1/9" in milestones
    assert "/1 " not in milestones
    assert "Трек: Go Core" in milestones  # the milestone at the end, not the slug `go-core`


# --- 6. A question's headings --------------------------------------------------------------


def test_question_headings_follow_the_interface_language(site: Site) -> None:
    en = site.text("/questions/chan-buffered", EN)
    headings = re.findall(r"<h2>([^<]+)</h2>", en)
    for name in ("Why it is asked", "Short answer", "In depth", "Example", "Common mistakes",
                 "At the interview"):
        assert name in headings, headings
    assert not {"Короткий ответ", "Детальный разбор", "Типичные ошибки"} & set(headings)
    assert "Небуферизованный канал передаёт значение" in en  # the bank's text stays as written
    ru = re.findall(r"<h2>([^<]+)</h2>", site.text("/questions/chan-buffered", RU))
    assert {"Зачем спрашивают", "Короткий ответ", "Детальный разбор", "Пример",
            "Типичные ошибки", "На интервью"} <= set(ru)


# --- 7. The Host refusal --------------------------------------------------------------------


def test_the_host_refusal_speaks_the_interface_language(site: Site) -> None:
    def refused(**headers: str) -> str:
        answer = site.client.get("/", headers={"Host": "evil.example", **headers})
        assert answer.status_code == 400 and "GOCOACH_ALLOWED_HOSTS" in answer.text
        return answer.text

    ru, en = refused(**{"Accept-Language": "ru-RU,ru;q=0.9"}), refused(**EN)
    assert "Отказано" in ru and "Refused" not in ru
    assert "Refused" in en and not re.search("[а-яё]", en, re.I)
    assert "Refused" in refused(Cookie="lang=en", **{"Accept-Language": "ru"})
    both = refused(**{"Accept-Language": "de"})
    assert "Отказано" in both and "Refused" in both
