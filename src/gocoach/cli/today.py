"""`gocoach today`: the day's agenda, and the item and pace lines the plan commands share."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from gocoach.cli.context import Context, console, handle_errors, open_context, unit_of_work
from gocoach.cli.language import N_, day_format, label, number, signed, t, tn
from gocoach.plans.calendar import local_date, parse_date
from gocoach.plans.plan import Pace, PlannedItem
from gocoach.reports.agenda import Agenda, agenda_for
from gocoach.startup import utc_now

MARK = {"done": "[green]✔[/]", "skipped": "[dim]⤼[/]", "in_progress": "[yellow]◐[/]",
        "todo": "○"}
TodayOption = Annotated[str | None, typer.Option(
    "--today", metavar="DATE", help=N_("cli.arg.today"))]
PACE = {"on_track": N_("cli.pace.on_track"), "not_started": N_("cli.pace.not_started"),
        "finished": N_("cli.pace.finished")}
CHECKS = {"items": N_("cli.check.items"), "exercises": N_("cli.check.exercises"),
          "cards": N_("cli.check.cards")}


def register(app: typer.Typer) -> None:
    """Add `gocoach today` to the main app."""
    app.command("today", help=N_("cli.cmd.today"))(today_command)


def today_from(value: str | None) -> date:
    return parse_date(value) if value else local_date(utc_now())


def lang_of(ctx: Context) -> str:
    """The language of the documents a command writes (weekly reports, the .ics calendar):
    GOCOACH_LANGUAGE, else Russian, as on the web. They are stored and shared, so they do not
    change language with the terminal's locale (the CLI's own words do: cli/language.py)."""
    return ctx.settings.language or "ru"


def pace_line(pace: Pace) -> str:
    """'behind by 34 items (0 closed, 34 planned by today) · 2 h logged of 17.5 h budgeted
    (-15.5 h)'."""
    delta = abs(pace.items_delta)
    if pace.status == "ahead":
        head = tn("cli.pace.ahead", delta)
    elif pace.status == "behind":
        head = tn("cli.pace.behind", delta)
    else:
        head = tn("cli.pace.other", delta, state=t(PACE[pace.status]),
                  delta=f"{pace.items_delta:+d}")
    return t("cli.pace.line", head=head, closed=pace.closed_items,
             expected=pace.expected_items, logged=number(pace.logged_hours),
             budget=number(pace.budget_hours), delta=signed(pace.hours_delta))


def item_line(item: PlannedItem, *, week: bool = False) -> str:
    where = " " + t("cli.today.week_tag", week=item.week) if week else ""
    kind = (f" [dim]({label('kind.', item.item_kind)})[/]"
            if item.item_kind not in (None, "topic") else "")
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
    console.print(t("cli.today.title", day=day_format(agenda.today, "EEE"),
                    date=agenda.today.isoformat()), highlight=False)
    if week is None:
        where = (t("cli.today.starts_on", date=state.plan.start_date)
                 if agenda.today < state.plan.start_date else t("cli.today.weeks_over"))
        console.print(f"  {where}")
    else:
        console.print(t("cli.today.week", week=week.number, last=state.last_week,
                        start=week.start, end=week.end, closed=week.closed,
                        total=len(week.items)), highlight=False)
        for item in week.items:
            console.print(item_line(item), highlight=False)
    console.print(t("cli.today.pace", line=pace_line(agenda.pace)), highlight=False)
    if agenda.hours:
        console.print(t("cli.today.hours", logged=number(agenda.hours.logged),
                        budget=number(agenda.hours.budget), minutes=agenda.minutes_today),
                      highlight=False)
    if agenda.late:
        console.print(t("cli.today.late", count=len(agenda.late)))
        for item in agenda.late[:15]:
            console.print(item_line(item, week=True), highlight=False)
        console.print(t("cli.today.replan", new_end=agenda.replan.new_end,
                        old_end=agenda.replan.old_end), highlight=False)
    _print_practice(agenda)


def _print_practice(agenda: Agenda) -> None:
    reviews = agenda.reviews
    console.print(t("cli.today.cards_due", count=reviews.due_now) if reviews.available
                  else t("cli.today.no_cards"))
    if agenda.suggestions:
        console.print(t("cli.today.exercises"))
        for exercise in agenda.suggestions:
            console.print(f"  • {exercise.title} {exercise.link}", highlight=False)
    elif not agenda.exercises_available:
        console.print(t("cli.today.no_exercises"))
    milestone = agenda.next_milestone
    if milestone:
        items = milestone.checks[0]
        console.print(t("cli.today.milestone", title=milestone.title, due=milestone.due_date,
                        week=milestone.due_week, check=check_name(items.name), met=items.met,
                        total=items.total), highlight=False)
    for week in agenda.drafts_to_review:
        console.print(t("cli.today.draft", week=week))


def check_name(name: str) -> str:
    """What a milestone check counts ('items', 'exercises', 'cards'), in the CLI's language."""
    return t(CHECKS[name]) if name in CHECKS else name
