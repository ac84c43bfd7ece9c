"""The plan as an iCalendar file: one all-day event per plan week, one per milestone.

Event UIDs carry a random id of the installation (made once, kept in `app_state`), so calendars
from two installations, or two plans, never collide when a calendar app merges them. Texts are in
the interface language ("ru" or "en").

    >>> plan_calendar_ics(state, milestones, now=now, installation="3f2a…", lang="ru")
    b'BEGIN:VCALENDAR…SUMMARY:Неделя 1: 12 пунктов\\, 17\\,5 ч…'
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from gocoach.plans.plan import PlanState
from gocoach.reports.milestones import Milestone
from gocoach.store.state import read_state, write_state

PRODID = "-//gocoach//study plan//EN"
SHOWN_ITEMS = 30
INSTALLATION_KEY = "installation-id"


@dataclass(frozen=True)
class CalendarTexts:
    """The words of the calendar in one language."""

    week: str
    more: str
    milestone: str
    item_forms: tuple[str, str, str]  # one, few, many (Russian); one, many, many (English)
    checks: dict[str, str]


TEXTS = {
    "ru": CalendarTexts(week="Неделя {number}: {items}, {hours} ч", more="… ещё {count}",
                        milestone="Веха: {title}", item_forms=("пункт", "пункта", "пунктов"),
                        checks={"items": "пункты", "exercises": "упражнения",
                                "cards": "карточки"}),
    "en": CalendarTexts(week="Week {number}: {items}, {hours} h", more="… {count} more",
                        milestone="Milestone: {title}", item_forms=("item", "items", "items"),
                        checks={"items": "items", "exercises": "exercises", "cards": "cards"}),
}


def installation_id(session: Session, *, now: datetime) -> str:
    """This installation's random id, made and stored the first time it is asked for."""
    found = read_state(session, INSTALLATION_KEY)
    if found:
        return found
    made = uuid.uuid4().hex
    write_state(session, INSTALLATION_KEY, made, now=now)
    return made


def count_words(count: int, lang: str) -> str:
    """'12 пунктов', '1 item': a count with the word in the right plural form."""
    one, few, many = TEXTS[lang].item_forms
    if lang != "ru":
        return f"{count} {one if count == 1 else many}"
    if count % 10 == 1 and count % 100 != 11:
        word = one
    elif 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        word = few
    else:
        word = many
    return f"{count} {word}"


def plan_calendar_ics(state: PlanState, milestones: list[Milestone], *, now: datetime,
                      installation: str, lang: str = "ru") -> bytes:
    """iCalendar bytes of the plan's weeks (with their items) and its milestones' due dates."""
    lang = "en" if lang == "en" else "ru"
    texts = TEXTS[lang]
    prefix = f"{installation}-plan-{state.plan.id}"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"gocoach: {state.plan.title}")
    for week in state.weeks():
        if not week.items:
            continue
        event = Event()
        event.add("uid", f"{prefix}-week-{week.number}@gocoach")
        event.add("dtstamp", now)
        event.add("dtstart", week.start)
        event.add("dtend", week.end + timedelta(days=1))
        event.add("summary", texts.week.format(
            number=week.number, items=count_words(len(week.items), lang),
            hours=f"{week.budget_hours:g}".replace(".", "," if lang == "ru" else ".")))
        lines = [f"[{'x' if i.closed else ' '}] {i.title}" for i in week.items[:SHOWN_ITEMS]]
        if len(week.items) > SHOWN_ITEMS:
            lines.append(texts.more.format(count=len(week.items) - SHOWN_ITEMS))
        event.add("description", "\n".join(lines))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    roadmap_titles = {r.slug: r.title or r.slug for r in state.roadmaps}
    for index, milestone in enumerate(milestones, start=1):
        event = Event()
        event.add("uid", f"{prefix}-milestone-{index}@gocoach")
        event.add("dtstamp", now)
        event.add("dtstart", milestone.due_date)
        event.add("dtend", milestone.due_date + timedelta(days=1))
        event.add("summary", texts.milestone.format(
            title=milestone_title(milestone, roadmap_titles)))
        event.add("description", "\n".join(
            f"{texts.checks.get(c.name, c.name)}: {c.met}/{c.total}"
            for c in milestone.checks if c.available and not c.empty))
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def milestone_title(milestone: Milestone, roadmap_titles: dict[str, str]) -> str:
    """The milestone's own title; the roadmap's title where the milestone is named by its slug."""
    if milestone.title == milestone.roadmap_slug:
        return roadmap_titles.get(milestone.roadmap_slug, milestone.title)
    return milestone.title
