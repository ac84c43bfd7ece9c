"""CLI commands for the study plan: plan, today, log, hours, report, milestones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gocoach.cli.context import console, fail, handle_errors, open_context, unit_of_work
from gocoach.cli.language import N_, number, percent, t, tn
from gocoach.cli.today import (
    MARK,
    TodayOption,
    check_name,
    item_line,
    lang_of,
    pace_line,
    today_from,
)
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

plan_app = typer.Typer(help=N_("cli.cmd.plan"), no_args_is_help=True)
report_app = typer.Typer(help=N_("cli.cmd.report"), no_args_is_help=True)
WeekArgument = Annotated[int, typer.Argument(help=N_("cli.arg.report_week"))]


def register(app: typer.Typer) -> None:
    """Add the plan commands to the main app."""
    app.add_typer(plan_app, name="plan")
    app.add_typer(report_app, name="report")
    app.command("log", help=N_("cli.cmd.log"))(log_command)
    app.command("hours", help=N_("cli.cmd.hours"))(hours_command)
    app.command("milestones", help=N_("cli.cmd.milestones"))(milestones_command)


@plan_app.command("create", help=N_("cli.help.plan_create"))
@handle_errors
def plan_create_command(
    roadmaps: Annotated[list[str], typer.Argument(help=N_("cli.arg.plan_roadmaps"))],
    start: Annotated[str | None, typer.Option(
        metavar="DATE", help=N_("cli.arg.plan_start"))] = None,
    hours: Annotated[float | None, typer.Option(help=N_("cli.arg.plan_hours"))] = None,
    off: Annotated[list[str] | None, typer.Option(
        metavar="FROM..TO", help=N_("cli.arg.plan_off"))] = None,
    title: Annotated[str, typer.Option(help=N_("cli.arg.plan_title"))] = "",
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
    console.print(t("cli.plan.made", title=state.plan.title), highlight=False)
    source = "" if hours else " " + t("cli.plan.hours_roadmap") if any(
        r.meta.get("hours_per_week") for r in state.roadmaps) else " " + t("cli.plan.hours_default")
    console.print(t("cli.plan.span", items=tn("cli.plan.items", len(state.items)),
                    weeks=tn("cli.plan.span_weeks", state.last_week), start=state.plan.start_date,
                    end=state.end_date, hours=number(state.hours), source=source),
                  highlight=False)
    off_weeks = [w.number for w in state.weeks() if w.off]
    if off_weeks:
        console.print(t("cli.plan.weeks_off", weeks=", ".join(map(str, off_weeks))),
                      highlight=False)
    for roadmap in state.roadmaps:
        weeks = sorted({i.week for i in state.items if i.roadmap_id == roadmap.id})
        console.print(t("cli.plan.roadmap_weeks", slug=roadmap.slug, first=weeks[0],
                        last=weeks[-1]), highlight=False)


@plan_app.command("show", help=N_("cli.help.plan_show"))
@handle_errors
def plan_show_command(
    week: Annotated[int | None, typer.Option(help=N_("cli.arg.plan_show_week"))] = None,
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
    table = Table(t("cli.plan.col_week"), t("cli.plan.col_dates"), t("cli.plan.col_items"),
                  t("cli.plan.col_hours"), t("cli.plan.col_logged"), "")
    for view in state.weeks():
        note = t("cli.plan.off") if view.off else (
            t("cli.plan.this_week") if view.number == current else "")
        table.add_row(str(view.number), f"{view.start} – {view.end}",
                      f"{view.closed}/{len(view.items)}", number(view.budget_hours),
                      number(logged.get(view.number, 0)), note)
    console.print(t("cli.plan.heading", title=state.plan.title, start=state.plan.start_date,
                    end=state.end_date, hours=number(state.hours)), highlight=False)
    console.print(table)
    pace = measure_pace(state, day, logged_hours(minutes, state.plan.start_date, day))
    console.print(t("cli.today.pace", line=pace_line(pace)), highlight=False)


def _print_week(state: PlanState, week: int) -> None:
    if not 1 <= week <= state.last_week:
        raise ValueError(f"the plan has weeks 1 to {state.last_week}, not {week}")
    view = state.week(week)
    off = " · " + t("cli.plan.off") if view.off else ""
    console.print(t("cli.plan.week_heading", week=week, start=view.start, end=view.end,
                    closed=view.closed, total=len(view.items),
                    hours=number(view.budget_hours), off=off), highlight=False)
    for item in view.items:
        console.print(item_line(item), highlight=False)


@plan_app.command("replan", help=N_("cli.help.plan_replan"))
@handle_errors
def plan_replan_command(
    apply: Annotated[bool, typer.Option("--apply", help=N_("cli.arg.replan_apply"))] = False,
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
        console.print(t("cli.replan.nothing", end=replan.old_end))
        return
    console.print(t("cli.replan.late", late=tn("cli.replan.late_items", replan.late),
                    moves=tn("cli.plan.items", len(replan.moves)),
                    weeks=tn("cli.plan.span_weeks", replan.shift_weeks)), highlight=False)
    console.print(t("cli.replan.would_end", new_end=replan.new_end, old_end=replan.old_end),
                  highlight=False)
    if apply:
        console.print(t("cli.replan.done", end=replan.new_end))
    else:
        console.print(t("cli.replan.how"))


@plan_app.command("calendar", help=N_("cli.help.plan_calendar"))
@handle_errors
def plan_calendar_command(
    output: Annotated[Path, typer.Option("-o", "--output", help=N_("cli.arg.calendar_output"))],
) -> None:
    """Export the plan's weeks and milestones as an iCalendar (.ics) file."""
    if not output.parent.is_dir():
        raise fail(t("cli.err.no_folder", path=output.parent))
    ctx = open_context()
    now = utc_now()
    with unit_of_work(ctx) as (session, user):
        state = load_plan(session, user, require_plan(session, user))
        milestones = check_milestones(state, review_stats(session, user, now=now),
                                      exercise_stats(session, user, now=now))
        installation = installation_id(session, now=now)
    output.write_bytes(plan_calendar_ics(state, milestones, now=now, installation=installation,
                                         lang=lang_of(ctx)))
    console.print(t("cli.calendar.wrote", path=output,
                    weeks=tn("cli.calendar.weeks", sum(1 for w in state.weeks() if w.items)),
                    milestones=tn("cli.calendar.milestones", len(milestones))))


@handle_errors
def log_command(
    minutes: Annotated[int, typer.Argument(help=N_("cli.arg.log_minutes"))],
    item: Annotated[str | None, typer.Option(help=N_("cli.arg.log_item"))] = None,
    on: Annotated[str | None, typer.Option(
        "--date", metavar="DATE", help=N_("cli.arg.log_date"))] = None,
    note: Annotated[str, typer.Option(help=N_("cli.arg.log_note"))] = "",
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
    if node:
        console.print(t("cli.log.item", minutes=minutes, title=node.title, day=day,
                        hours=number(total / 60)), highlight=False)
    else:
        console.print(t("cli.log.day", minutes=minutes, day=day, hours=number(total / 60)),
                      highlight=False)


@handle_errors
def hours_command(today: TodayOption = None) -> None:
    """Hours logged per plan week against the weekly budget."""
    day = today_from(today)
    ctx = open_context()
    with unit_of_work(ctx) as (session, user):
        state = load_plan(session, user, require_plan(session, user))
        minutes = minutes_by_day(entries_between(session, user, state.plan.start_date, day))
    table = Table(t("cli.plan.col_week"), t("cli.plan.col_dates"), t("cli.hours.budget"),
                  t("cli.hours.logged"), "%")
    rows = hours_per_week(state, minutes, until=day)
    for row in rows:
        table.add_row(str(row.week), f"{row.start} – {row.end}", number(row.budget),
                      number(row.logged), percent(row.percent / 100))
    console.print(table)
    console.print(t("cli.hours.total", logged=number(sum(r.logged for r in rows)),
                    budget=number(sum(r.budget for r in rows))), highlight=False)


@report_app.command("draft", help=N_("cli.help.report_draft"))
@handle_errors
def report_draft_command(
    week: WeekArgument,
    today: TodayOption = None,
) -> None:
    """Draft a week's report from its activity (a report already written is kept as it is)."""
    _show_report(week, today, draft=True)


@report_app.command("show", help=N_("cli.help.report_show"))
@handle_errors
def report_show_command(
    week: WeekArgument,
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
        console.print(t("cli.report.kept", week=week))
    typer.echo(report_markdown(report, state, lang_of(ctx)))


@report_app.command("export", help=N_("cli.help.report_export"))
@handle_errors
def report_export_command(
    week: WeekArgument,
    output: Annotated[Path | None, typer.Option("-o", "--output",
                                                help=N_("cli.arg.report_output"))] = None,
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
    console.print(t("cli.wrote", path=output))


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
        console.print(t("cli.milestones.criteria", done=done, total=len(criteria)))
        for criterion in criteria:
            when = f" [dim]{criterion.closed_on}[/]" if criterion.closed_on else ""
            links = f" {' '.join(criterion.evidence)}" if criterion.evidence else ""
            console.print(f"  {MARK[criterion.status]} [dim]{criterion.key}[/] {criterion.group}: "
                          f"{criterion.title}{when}{links}", highlight=False)


def _print_milestone(milestone: Milestone) -> None:
    mark = "[green]✔[/]" if milestone.reached else "○"
    reached = t("cli.milestones.reached", day=milestone.reached_on) \
        if milestone.reached_on else ""
    console.print(t("cli.milestones.line", mark=mark, title=milestone.title,
                    slug=milestone.roadmap_slug, due=milestone.due_date,
                    week=milestone.due_week, reached=reached), highlight=False)
    for check in milestone.checks:
        if not check.available:
            console.print(t("cli.milestones.no_data", check=check_name(check.name)))
            continue
        tick = "[green]✔[/]" if check.ok else "○"
        console.print(f"    {tick} {check_name(check.name)}: {check.met}/{check.total}",
                      highlight=False)
        for line in check.missing[:3]:
            console.print(t("cli.milestones.open", line=line), highlight=False)
