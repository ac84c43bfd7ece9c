"""The plan as an iCalendar file: one all-day event per plan week, one per milestone."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from gocoach.plans.plan import PlanState
from gocoach.reports.milestones import Milestone

PRODID = "-//gocoach//study plan//EN"
SHOWN_ITEMS = 30


def plan_calendar_ics(state: PlanState, milestones: list[Milestone], *, now: datetime) -> bytes:
    """iCalendar bytes of the plan's weeks (with their items) and its milestones' due dates."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"gocoach: {state.plan.title}")
    for week in state.weeks():
        if not week.items:
            continue
        event = Event()
        event.add("uid", f"plan-{state.plan.id}-week-{week.number}@gocoach")
        event.add("dtstamp", now)
        event.add("dtstart", week.start)
        event.add("dtend", week.end + timedelta(days=1))
        event.add("summary", f"Week {week.number}: {len(week.items)} items, "
                             f"{week.budget_hours:g} h")
        lines = [f"[{'x' if i.closed else ' '}] {i.title}" for i in week.items[:SHOWN_ITEMS]]
        if len(week.items) > SHOWN_ITEMS:
            lines.append(f"… {len(week.items) - SHOWN_ITEMS} more")
        event.add("description", "\n".join(lines))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    for index, milestone in enumerate(milestones, start=1):
        event = Event()
        event.add("uid", f"plan-{state.plan.id}-milestone-{index}@gocoach")
        event.add("dtstamp", now)
        event.add("dtstart", milestone.due_date)
        event.add("dtend", milestone.due_date + timedelta(days=1))
        event.add("summary", f"Milestone: {milestone.title}")
        event.add("description", "\n".join(
            f"{c.name}: {c.met}/{c.total}" for c in milestone.checks if c.available))
        calendar.add_component(event)
    return bytes(calendar.to_ical())
