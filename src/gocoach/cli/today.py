"""`gocoach today`: the day's agenda, and the item and pace lines the plan commands share."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from gocoach.cli.context import Context, console, handle_errors, open_context, unit_of_work
from gocoach.plans.calendar import local_date, parse_date
from gocoach.plans.plan import Pace, PlannedItem
from gocoach.reports.agenda import Agenda, agenda_for
from gocoach.startup import utc_now

MARK = {"done": "[green]✔[/]", "skipped": "[dim]⤼[/]", "in_progress": "[yellow]◐[/]",
        "todo": "○"}
TodayOption = Annotated[str | None, typer.Option(
    "--today", metavar="DATE", help="Pretend today is this date (YYYY-MM-DD).")]


def register(app: typer.Typer) -> None:
    """Add `gocoach today` to the main app."""
    app.command("today")(today_command)


def today_from(value: str | None) -> date:
    return parse_date(value) if value else local_date(utc_now())


def lang_of(ctx: Context) -> str:
    return ctx.settings.language or "ru"


def pace_line(pace: Pace) -> str:
    words = {"ahead": "[green]ahead[/] by", "behind": "[red]behind[/] by",
             "on_track": "[green]on track[/],", "not_started": "not started,",
             "finished": "[green]finished[/],"}
    delta = abs(pace.items_delta)
    head = (f"{words[pace.status]} {delta} items" if pace.status in ("ahead", "behind")
            else f"{words[pace.status]} {pace.items_delta:+d} items")
    return (f"{head} ({pace.closed_items} closed, {pace.expected_items} planned by today) · "
            f"{pace.logged_hours:g} h logged of {pace.budget_hours:g} h budgeted "
            f"({pace.hours_delta:+g} h)")


def item_line(item: PlannedItem, *, week: bool = False) -> str:
    where = f" [dim]week {item.week}[/]" if week else ""
    kind = f" [dim]({item.item_kind})[/]" if item.item_kind not in (None, "topic") else ""
    return f"  {MARK[item.status]} [dim]{item.key}[/] {item.title}{kind}{where}"


@handle_errors
def today_command(today: TodayOption = None) -> None:
    """The day's agenda: this week's items, what is late, cards due, exercises, pace."""
    day = today_from(today)
    ctx = open_context()
    with unit_of_work(ctx) as (session, user):
        agenda = agenda_for(session, user=user, today=day, now=utc_now(), lang=lang_of(ctx))
    _print_agenda(agenda)


def _print_agenda(agenda: Agenda) -> None:
    state, week = agenda.state, agenda.week
    console.print(f"[bold]Today, {agenda.today:%a %Y-%m-%d}[/]", highlight=False)
    if week is None:
        where = ("the plan starts on " + str(state.plan.start_date)
                 if agenda.today < state.plan.start_date else "the plan's weeks are over")
        console.print(f"  {where}")
    else:
        console.print(f"week {week.number} of {state.last_week} ({week.start} – {week.end}): "
                      f"{week.closed}/{len(week.items)} done", highlight=False)
        for item in week.items:
            console.print(item_line(item), highlight=False)
    console.print(f"pace: {pace_line(agenda.pace)}", highlight=False)
    if agenda.hours:
        console.print(f"hours this week: {agenda.hours.logged:g} of {agenda.hours.budget:g} "
                      f"(today {agenda.minutes_today} min)", highlight=False)
    if agenda.late:
        console.print(f"[red]late ({len(agenda.late)}):[/]")
        for item in agenda.late[:15]:
            console.print(item_line(item, week=True), highlight=False)
        console.print(f"  re-planning would end the plan on {agenda.replan.new_end} instead of "
                      f"{agenda.replan.old_end}: `gocoach plan replan`", highlight=False)
    _print_practice(agenda)


def _print_practice(agenda: Agenda) -> None:
    reviews = agenda.reviews
    console.print(f"cards due: {reviews.due_now}" if reviews.available
                  else "cards due: no review cards yet")
    if agenda.suggestions:
        console.print("exercises to try:")
        for exercise in agenda.suggestions:
            console.print(f"  • {exercise.title} {exercise.link}", highlight=False)
    elif not agenda.exercises_available:
        console.print("exercises: none available yet")
    milestone = agenda.next_milestone
    if milestone:
        items = milestone.checks[0]
        console.print(f"next milestone: {milestone.title} — due {milestone.due_date} "
                      f"(week {milestone.due_week}), items {items.met}/{items.total}",
                      highlight=False)
    for week in agenda.drafts_to_review:
        console.print(f"report of week {week} is drafted: `gocoach report show {week}`")


