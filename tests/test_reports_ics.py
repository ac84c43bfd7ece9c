"""The plan's .ics read back by `icalendar`: UIDs unique across installations and plans, texts
in the interface language, milestones by title; `gocoach plan calendar` refuses a missing folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from conftest import NOW
from gocoach.cli.main import app
from gocoach.curricula.roadmaps import get_roadmap, import_document
from gocoach.plans.plan import PlanState, create_plan, load_plan
from gocoach.reports.activity import ExerciseStats, ReviewStats
from gocoach.reports.ics import count_words, installation_id, plan_calendar_ics
from gocoach.reports.milestones import check_milestones
from gocoach.startup import open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.users import ensure_local_user
from plan_fixtures import MONDAY, make_plan

NO_DATA = (ReviewStats(available=False), ExerciseStats(available=False))
PLAIN = b"""# \xd0\x9c\xd0\xbe\xd0\xb9 \xd0\xbf\xd0\xbb\xd0\xb0\xd0\xbd

## Week 1
- [ ] First
- [ ] Second
"""


def events(data: bytes) -> list[dict[str, str]]:
    """Every VEVENT of an .ics as text fields, parsed by icalendar."""
    return [{"uid": str(e["uid"]), "summary": str(e["summary"]),
             "description": str(e.get("description", ""))}
            for e in Calendar.from_ical(data).walk("VEVENT")]


def export(session: Session, state: PlanState, lang: str = "ru") -> list[dict[str, str]]:
    milestones = check_milestones(state, *NO_DATA)
    return events(plan_calendar_ics(state, milestones, now=NOW, lang=lang,
                                    installation=installation_id(session, now=NOW)))


@pytest.fixture
def other_session(tmp_path: Path) -> Iterator[Session]:
    """A session on a second installation (another data folder)."""
    db, _ = open_database(load_settings(data_dir=tmp_path / "other", load_bundled=False))
    with transaction(db.sessions) as session:
        yield session
    db.engine.dispose()


def test_uids_are_unique_across_installations_and_plans(session: Session,
                                                        other_session: Session) -> None:
    user = ensure_local_user(session, now=NOW)
    state = make_plan(session, user, "backend-16-weeks")
    first = export(session, state)
    second_plan = create_plan(session, user=user, roadmaps=[get_roadmap(session,
                              "backend-16-weeks")], start=date(2027, 3, 1), now=NOW)
    second = export(session, load_plan(session, user, second_plan))
    other_user = ensure_local_user(other_session, now=NOW)
    elsewhere = export(other_session, make_plan(other_session, other_user, "backend-16-weeks"))

    uids = [e["uid"] for e in first + second + elsewhere]
    assert len(uids) == len(set(uids)) == len(first) * 3
    assert all(u.endswith("@gocoach") for u in uids)
    # the id is made once: the same plan exported again keeps its UIDs
    assert [e["uid"] for e in export(session, state)] == [e["uid"] for e in first]
    assert installation_id(session, now=NOW) != installation_id(other_session, now=NOW)


def test_texts_follow_the_interface_language(session: Session) -> None:
    user = ensure_local_user(session, now=NOW)
    state = make_plan(session, user, "backend-16-weeks")
    russian = export(session, state, "ru")
    assert russian[0]["summary"] == "Неделя 1: 16 пунктов, 17,5 ч"
    milestones = [e for e in russian if "-milestone-" in e["uid"]]
    assert milestones and all(e["summary"].startswith("Веха: ") for e in milestones)
    assert "Веха: Неделя 3: Базовые Go навыки" in [e["summary"] for e in milestones]
    assert "пункты: 0/" in milestones[0]["description"]
    english = export(session, state, "en")
    assert english[0]["summary"] == "Week 1: 16 items, 17.5 h"
    assert all(e["summary"].startswith("Milestone: ")
               for e in english if "-milestone-" in e["uid"])


def test_a_milestone_named_by_its_roadmap_shows_the_title(session: Session) -> None:
    user = ensure_local_user(session, now=NOW)
    import_document(session, data=PLAIN, name="mine.md", user=user, now=NOW,
                    max_bytes=1 << 20, slug="my-plan")
    plan = create_plan(session, user=user, roadmaps=[get_roadmap(session, "my-plan")],
                       start=MONDAY, now=NOW)
    got = export(session, load_plan(session, user, plan))
    assert [e["summary"] for e in got if "-milestone-" in e["uid"]] == ["Веха: Мой план"]


@pytest.mark.parametrize(("count", "ru", "en"), [
    (1, "1 пункт", "1 item"), (2, "2 пункта", "2 items"), (5, "5 пунктов", "5 items"),
    (11, "11 пунктов", "11 items"), (14, "14 пунктов", "14 items"), (21, "21 пункт", "21 items"),
    (22, "22 пункта", "22 items"), (0, "0 пунктов", "0 items"),
])
def test_count_words(count: int, ru: str, en: str) -> None:
    assert (count_words(count, "ru"), count_words(count, "en")) == (ru, en)


def test_calendar_command_refuses_a_missing_folder(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    target = tmp_path / "missing" / "plan.ics"
    result = CliRunner().invoke(app, ["plan", "calendar", "-o", str(target)])
    assert result.exit_code == 1
    assert "no such folder (create it first)" in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert not target.parent.exists()
