"""CLI commands for the study plan: plan, today, log, hours, report, milestones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gocoach.cli.context import console, handle_errors, open_context, unit_of_work
from gocoach.cli.today import MARK, TodayOption, item_line, lang_of, pace_line, today_from
from gocoach.curricula.progress import find_item
from gocoach.curricula.roadmaps import get_roadmap
from gocoach.plans.calendar import parse_off_range
from gocoach.plans.plan import (
    PlanState,
    apply_replan,
    create_plan,
    load_plan,
    measure_pace,
    preview_replan,
    require_plan,
)
from gocoach.plans.timelog import (
    entries_between,
    hours_per_week,
    log_time,
    logged_hours,
    minutes_by_day,
)
from gocoach.reports.activity import exercise_stats, review_stats
from gocoach.reports.ics import installation_id, plan_calendar_ics
from gocoach.reports.milestones import Milestone, check_milestones, final_criteria
from gocoach.reports.weekly import draft_report, get_report, report_markdown
from gocoach.startup import utc_now

plan_app = typer.Typer(help="Make, show and re-plan your study plan.", no_args_is_help=True)
report_app = typer.Typer(help="Weekly reports: draft, show, export.", no_args_is_help=True)



def register(app: typer.Typer) -> None:
    """Add the plan commands to the main app."""
    app.add_typer(plan_app, name="plan")
    app.add_typer(report_app, name="report")
    app.command("log")(log_command)
    app.command("hours")(hours_command)
    app.command("milestones")(milestones_command)


@plan_app.command("create")
@handle_errors
def plan_create_command(
    roadmaps: Annotated[list[str], typer.Argument(help="Roadmap ids, in the order to take them.")],
    start: Annotated[str | None, typer.Option(
        metavar="DATE", help="First day of the plan, YYYY-MM-DD (default: today).")] = None,
    hours: Annotated[float | None, typer.Option(
        help="Hours per week (default: what the roadmap asks for, else 10).")] = None,
    off: Annotated[list[str] | None, typer.Option(
        metavar="FROM..TO", help="Days off, YYYY-MM-DD..YYYY-MM-DD (repeat for more).")] = None,
    title: Annotated[str, typer.Option(help="A name for the plan.")] = "",
) -> None:
    """Lay roadmaps on the calendar from a start date; the new plan becomes the active one."""
    first_day = today_from(start)  # today on this machine's calendar when no --start
    ranges = [parse_off_range(text) for text in off or []]
    ctx = open_context()
    with unit_of_work(ctx) as (session, user):
        found = [get_roadmap(session, slug) for slug in roadmaps]
        plan = create_plan(session, user=user, roadmaps=found, start=first_day,
                           now=utc_now(), hours_per_week=hours, off=ranges, title=title)
        state = load_plan(session, user, plan)
    console.print(f"[bold]plan made:[/] {state.plan.title}", highlight=False)
    source = "" if hours else " (the roadmap's)" if any(
        r.meta.get("hours_per_week") for r in state.roadmaps) else " (default)"
    console.print(f"  {len(state.items)} items over {state.last_week} weeks, "
                  f"{state.plan.start_date} → {state.end_date}, {state.hours:g} h/week{source}",
                  highlight=False)
    off_weeks = [w.number for w in state.weeks() if w.off]
    if off_weeks:
        console.print(f"  weeks off: {', '.join(map(str, off_weeks))}", highlight=False)
    for roadmap in state.roadmaps:
        weeks = sorted({i.week for i in state.items if i.roadmap_id == roadmap.id})
        console.print(f"  {roadmap.slug}: weeks {weeks[0]}–{weeks[-1]}", highlight=False)


@plan_app.command("show")
@handle_errors
def plan_show_command(
    week: Annotated[int | None, typer.Option(help="List the items of this week.")] = None,
    today: TodayOption = None,
) -> None:
    """Show the plan week by week (or one week's items) and the pace against it."""
    day = today_from(today)
    ctx = open_context()
    with unit_of_work(ctx) as (session, user):
        state = load_plan(session, user, require_plan(session, user))
        minutes = minutes_by_day(entries_between(session, user, state.plan.start_date,
                                                 state.end_date))
    if week is not None:
        _print_week(state, week)
        return
    current = state.calendar.week_of(day)
    logged = {h.week: h.logged for h in hours_per_week(state, minutes)}
    table = Table("week", "dates", "items", "hours", "logged", "")
    for view in state.weeks():
        note = "off" if view.off else ("◀ this week" if view.number == current else "")
        table.add_row(str(view.number), f"{view.start} – {view.end}",
                      f"{view.closed}/{len(view.items)}", f"{view.budget_hours:g}",
                      f"{logged.get(view.number, 0):g}", note)
    console.print(f"[bold]{state.plan.title}[/] — {state.plan.start_date} → {state.end_date}, "
                  f"{state.hours:g} h/week", highlight=False)
    console.print(table)
    pace = measure_pace(state, day, logged_hours(minutes, state.plan.start_date, day))
    console.print(f"pace: {pace_line(pace)}", highlight=False)


def _print_week(state: PlanState, number: int) -> None:
    if not 1 <= number <= state.last_week:
        raise ValueError(f"the plan has weeks 1 to {state.last_week}, not {number}")
    view = state.week(number)
    console.print(f"[bold]week {number}[/] {view.start} – {view.end} · {view.closed}/"
                  f"{len(view.items)} closed · {view.budget_hours:g} h"
                  f"{' · off' if view.off else ''}", highlight=False)
    for item in view.items:
        console.print(item_line(item), highlight=False)


@plan_app.command("replan")
@handle_errors
def plan_replan_command(
    apply: Annotated[bool, typer.Option("--apply", help="Make the change.")] = False,
    today: TodayOption = None,
) -> None:
    """Move late items to the coming weeks, in order; shows the new end date before --apply."""
    day = today_from(today)
    ctx = open_context()
    with unit_of_work(ctx) as (session, user):
        state = load_plan(session, user, require_plan(session, user))
        replan = preview_replan(state, day)
        if replan.needed and apply:
            apply_replan(session, state, replan, now=utc_now())
    if not replan.needed:
        console.print(f"nothing is late; the plan ends on {replan.old_end}")
        return
    console.print(f"{replan.late} items are late. Re-planning moves {len(replan.moves)} items "
                  f"by {replan.shift_weeks} week(s), in the same order:", highlight=False)
    console.print(f"  the plan would end on [bold]{replan.new_end}[/] instead of "
                  f"{replan.old_end}", highlight=False)
    if apply:
        console.print(f"[green]re-planned:[/] the plan now ends on {replan.new_end}")
    else:
        console.print("run `gocoach plan replan --apply` to apply it")


@plan_app.command("calendar")
@handle_errors
def plan_calendar_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="The .ics file to write.")],
) -> None:
    """Export the plan's weeks and milestones as an iCalendar (.ics) file."""
    if not output.parent.is_dir():
        raise ValueError(f"{output.parent}: no such folder (create it first)")
    ctx = open_context()
    now = utc_now()
    with unit_of_work(ctx) as (session, user):
        state = load_plan(session, user, require_plan(session, user))
        milestones = check_milestones(state, review_stats(session, user, now=now),
                                      exercise_stats(session, user, now=now))
        installation = installation_id(session, now=now)
    output.write_bytes(plan_calendar_ics(state, milestones, now=now, installation=installation,
                                         lang=lang_of(ctx)))
    console.print(f"wrote {output}: {sum(1 for w in state.weeks() if w.items)} weeks, "
                  f"{len(milestones)} milestones")


@handle_errors
def log_command(
    minutes: Annotated[int, typer.Argument(help="Minutes studied.")],
    item: Annotated[str | None, typer.Option(help="The item worked on (id or 4+ chars).")] = None,
    on: Annotated[str | None, typer.Option(
        "--date", metavar="DATE", help="The day, YYYY-MM-DD (default today).")] = None,
    note: Annotated[str, typer.Option(help="What you did; 'Проблема: …' / 'Решение: …' lines "
                                           "go to the weekly report.")] = "",
) -> None:
    """Log study time by hand, for an item or for the day."""
    day = today_from(on)
    ctx = open_context()
    with unit_of_work(ctx) as (session, user):
        roadmap = node = None
        if item:
            roadmap, node = find_item(session, item)
        log_time(session, user=user, minutes=minutes, source="manual", day=day, now=utc_now(),
                 roadmap=roadmap, item_key=node.key if node else None, note=note)
        total = sum(e.minutes for e in entries_between(session, user, day, day))
    what = f" on {node.title}" if node else ""
    console.print(f"logged {minutes} min{what} on {day} (that day: {total / 60:g} h)",
                  highlight=False)


@handle_errors
def hours_command(today: TodayOption = None) -> None:
    """Hours logged per plan week against the weekly budget."""
    day = today_from(today)
    ctx = open_context()
    with unit_of_work(ctx) as (session, user):
        state = load_plan(session, user, require_plan(session, user))
        minutes = minutes_by_day(entries_between(session, user, state.plan.start_date, day))
    table = Table("week", "dates", "budget h", "logged h", "%")
    rows = hours_per_week(state, minutes, until=day)
    for row in rows:
        table.add_row(str(row.week), f"{row.start} – {row.end}", f"{row.budget:g}",
                      f"{row.logged:g}", f"{row.percent}%")
    console.print(table)
    console.print(f"total: {sum(r.logged for r in rows):g} h logged of "
                  f"{sum(r.budget for r in rows):g} h budgeted", highlight=False)


@report_app.command("draft")
@handle_errors
def report_draft_command(
    week: Annotated[int, typer.Argument(help="Plan week number.")],
    today: TodayOption = None,
) -> None:
    """Draft a week's report from its activity (a report already written is kept as it is)."""
    _show_report(week, today, draft=True)


@report_app.command("show")
@handle_errors
def report_show_command(
    week: Annotated[int, typer.Argument(help="Plan week number.")],
    today: TodayOption = None,
) -> None:
    """Show a week's report (drafting it first if it has none)."""
    _show_report(week, today, draft=False)


def _show_report(week: int, today: str | None, *, draft: bool) -> None:
    day = today_from(today)
    ctx = open_context()
    now = utc_now()
    with unit_of_work(ctx) as (session, user):
        state = load_plan(session, user, require_plan(session, user))
        existed = get_report(session, state, week) is not None
        report = draft_report(session, user=user, state=state, week=week, today=day, now=now,
                              exercises=exercise_stats(session, user, now=now), lang=lang_of(ctx))
    if draft and existed:
        console.print(f"[yellow]week {week} already has a report; it is kept as written[/]")
    typer.echo(report_markdown(report, state, lang_of(ctx)))


@report_app.command("export")
@handle_errors
def report_export_command(
    week: Annotated[int, typer.Argument(help="Plan week number.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Markdown file.")] = None,
    today: TodayOption = None,
) -> None:
    """Export a week's report as Markdown (to a file or to the screen)."""
    day = today_from(today)
    ctx = open_context()
    now = utc_now()
    with unit_of_work(ctx) as (session, user):
        state = load_plan(session, user, require_plan(session, user))
        report = draft_report(session, user=user, state=state, week=week, today=day, now=now,
                              exercises=exercise_stats(session, user, now=now), lang=lang_of(ctx))
    text = report_markdown(report, state, lang_of(ctx))
    if output is None:
        typer.echo(text)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}")


@handle_errors
def milestones_command() -> None:
    """The plan's milestones checked against your data, and the final success criteria."""
    ctx = open_context()
    now = utc_now()
    with unit_of_work(ctx) as (session, user):
        state = load_plan(session, user, require_plan(session, user))
        milestones = check_milestones(state, review_stats(session, user, now=now),
                                      exercise_stats(session, user, now=now))
    for milestone in milestones:
        _print_milestone(milestone)
    criteria = final_criteria(state)
    if criteria:
        done = sum(1 for c in criteria if c.status == "done")
        console.print(f"[bold]final success criteria[/] {done}/{len(criteria)}")
        for criterion in criteria:
            when = f" [dim]{criterion.closed_on}[/]" if criterion.closed_on else ""
            links = f" {' '.join(criterion.evidence)}" if criterion.evidence else ""
            console.print(f"  {MARK[criterion.status]} [dim]{criterion.key}[/] {criterion.group}: "
                          f"{criterion.title}{when}{links}", highlight=False)


def _print_milestone(milestone: Milestone) -> None:
    mark = "[green]✔[/]" if milestone.reached else "○"
    reached = f", reached {milestone.reached_on}" if milestone.reached_on else ""
    console.print(f"{mark} [bold]{milestone.title}[/] ({milestone.roadmap_slug}) — due "
                  f"{milestone.due_date} (week {milestone.due_week}){reached}", highlight=False)
    for check in milestone.checks:
        if not check.available:
            console.print(f"    · {check.name}: no data yet")
            continue
        tick = "[green]✔[/]" if check.ok else "○"
        console.print(f"    {tick} {check.name}: {check.met}/{check.total}", highlight=False)
        for line in check.missing[:3]:
            console.print(f"        [dim]open: {line}[/]", highlight=False)
