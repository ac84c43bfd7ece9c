"""`gocoach user` and `gocoach cohort`: accounts, invitations and cohorts for server mode.

Whoever can run these commands on the database is its administrator; that is how the first
admin is made: `gocoach user add --admin NAME` (it asks for the password, or reads one line
from standard input with --password-stdin).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gocoach.cli.context import console, fail, handle_errors, open_context
from gocoach.cli.language import N_, label, language, number, t
from gocoach.curricula.roadmaps import get_roadmap
from gocoach.plans.calendar import local_date, parse_date
from gocoach.startup import utc_now
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.teams.accounts import (
    create_user,
    get_user,
    list_users,
    set_disabled,
    set_password,
    set_role,
)
from gocoach.teams.cohorts import (
    add_member,
    cohort_roadmaps,
    create_cohort,
    get_cohort,
    list_cohorts,
    members,
)
from gocoach.teams.export import FORMATS, cohort_week, week_csv, week_markdown
from gocoach.teams.invitations import DEFAULT_DAYS, create_invitation
from gocoach.teams.overview import cohort_overview

user_app = typer.Typer(help=N_("cli.cmd.user"), no_args_is_help=True)
cohort_app = typer.Typer(help=N_("cli.cmd.cohort"), no_args_is_help=True)

PasswordStdin = Annotated[bool, typer.Option("--password-stdin",
                                             help=N_("cli.arg.password_stdin"))]
CohortArgument = Annotated[str, typer.Argument(help=N_("cli.arg.cohort"))]


def register(app: typer.Typer) -> None:
    """Add `gocoach user` and `gocoach cohort` to the main app."""
    app.add_typer(user_app, name="user")
    app.add_typer(cohort_app, name="cohort")


def read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt(t("cli.team.password"), hide_input=True)
    again: str = typer.prompt(t("cli.team.password_again"), hide_input=True)
    if password != again:
        raise fail(t("cli.team.passwords_differ"))
    return password


@user_app.command("add", help=N_("cli.help.user_add"))
@handle_errors
def user_add_command(
    username: Annotated[str, typer.Argument(help=N_("cli.arg.username"))],
    role: Annotated[str, typer.Option(help=N_("cli.arg.role"))] = "learner",
    admin: Annotated[bool, typer.Option("--admin", help=N_("cli.arg.admin"))] = False,
    display_name: Annotated[str, typer.Option(help=N_("cli.arg.display_name"))] = "",
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user who signs in with a password (the first admin is made this way)."""
    password = read_password(password_stdin)
    ctx = open_context()
    with transaction(ctx.database.sessions) as session:
        user = create_user(session, username=username, password=password, now=utc_now(),
                           role="admin" if admin else role, display_name=display_name)
        name, chosen = user.username, user.role
    console.print(t("cli.team.added", name=name, role=label("role.", chosen)), highlight=False)


@user_app.command("list", help=N_("cli.help.user_list"))
@handle_errors
def user_list_command() -> None:
    """List the users with their roles."""
    ctx = open_context()
    table = Table(t("cli.team.col_username"), t("cli.team.col_display"), t("cli.team.col_role"),
                  t("cli.team.col_state"))
    with transaction(ctx.database.sessions) as session:
        for user in list_users(session):
            state = t("cli.team.local") if user.is_local else t("cli.team.disabled") \
                if user.disabled else t("cli.team.active") if user.password_hash else \
                t("cli.team.no_password")
            table.add_row(user.username, user.display_name, label("role.", user.role), state)
    console.print(table)


@user_app.command("passwd", help=N_("cli.help.user_passwd"))
@handle_errors
def user_passwd_command(
    username: Annotated[str, typer.Argument(help=N_("cli.arg.passwd_user"))],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a user's password (an admin's reset); their signed-in sessions end."""
    password = read_password(password_stdin)
    ctx = open_context()
    with transaction(ctx.database.sessions) as session:
        set_password(session, user=get_user(session, username), password=password)
    console.print(t("cli.team.password_set", name=username.strip().lower()), highlight=False)


@user_app.command("role", help=N_("cli.help.user_role"))
@handle_errors
def user_role_command(
    username: Annotated[str, typer.Argument(help=N_("cli.arg.role_user"))],
    role: Annotated[str, typer.Argument(help=N_("cli.arg.role"))],
) -> None:
    """Change a user's role (learner, mentor, admin)."""
    ctx = open_context()
    with transaction(ctx.database.sessions) as session:
        set_role(session, user=get_user(session, username), role=role)
    console.print(t("cli.team.role_set", name=username.strip().lower(),
                    role=label("role.", role)), highlight=False)


@user_app.command("disable", help=N_("cli.help.user_disable"))
@handle_errors
def user_disable_command(
    username: Annotated[str, typer.Argument(help=N_("cli.arg.disable_user"))],
    enable: Annotated[bool, typer.Option("--enable", help=N_("cli.arg.enable"))] = False,
) -> None:
    """Stop a user signing in (their sessions end at once); --enable undoes it."""
    ctx = open_context()
    with transaction(ctx.database.sessions) as session:
        set_disabled(session, user=get_user(session, username), disabled=not enable)
    name = username.strip().lower()
    console.print(t("cli.team.enabled", name=name) if enable else
                  t("cli.team.disabled_now", name=name), highlight=False)


@user_app.command("invite", help=N_("cli.help.user_invite"))
@handle_errors
def user_invite_command(
    role: Annotated[str, typer.Option(help=N_("cli.arg.invite_role"))] = "learner",
    cohort: Annotated[str, typer.Option(help=N_("cli.arg.invite_cohort"))] = "",
    days: Annotated[int, typer.Option(help=N_("cli.arg.invite_days"))] = DEFAULT_DAYS,
    base_url: Annotated[str, typer.Option(help=N_("cli.arg.invite_base_url"))] = "",
) -> None:
    """Print a single-use sign-up link for a new user."""
    ctx = open_context()
    with transaction(ctx.database.sessions) as session:
        chosen = get_cohort(session, cohort) if cohort.strip() else None
        made = create_invitation(session, role=role, cohort=chosen, days=days, created_by=None,
                                 now=utc_now())
        expires = made.invitation.expires_at
    settings = load_settings()
    base = (base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    console.print(f"{base}{made.path()}", highlight=False, soft_wrap=True)
    console.print(t("cli.team.invitation", role=label("role.", role),
                    until=f"{expires:%Y-%m-%d %H:%M}"), highlight=False)


@cohort_app.command("create", help=N_("cli.help.cohort_create"))
@handle_errors
def cohort_create_command(
    slug: Annotated[str, typer.Argument(help=N_("cli.arg.cohort_slug"))],
    roadmap: Annotated[list[str], typer.Option(help=N_("cli.arg.cohort_roadmap"))],
    start: Annotated[str, typer.Option(help=N_("cli.arg.cohort_start"))],
    title: Annotated[str, typer.Option(help=N_("cli.arg.cohort_title"))] = "",
    hours: Annotated[float | None, typer.Option(help=N_("cli.arg.plan_hours"))] = None,
) -> None:
    """Create a cohort: its learners get a plan of these roadmaps from the start date."""
    ctx = open_context()
    with transaction(ctx.database.sessions) as session:
        found = [get_roadmap(session, s) for s in roadmap]
        cohort = create_cohort(session, slug=slug, title=title, roadmaps=found,
                               start=parse_date(start), hours_per_week=hours, now=utc_now())
        name = cohort.slug
    console.print(t("cli.team.cohort_created", name=name), highlight=False)


@cohort_app.command("list", help=N_("cli.help.cohort_list"))
@handle_errors
def cohort_list_command() -> None:
    """List the cohorts with their start, roadmaps and number of people."""
    ctx = open_context()
    table = Table("id", t("cli.team.col_title"), t("cli.team.col_start"),
                  t("cli.team.col_roadmaps"), t("cli.team.col_learners"),
                  t("cli.team.col_mentors"))
    with transaction(ctx.database.sessions) as session:
        for cohort in list_cohorts(session):
            table.add_row(cohort.slug, cohort.title, str(cohort.start_date),
                          ", ".join(r.slug for r in cohort_roadmaps(session, cohort)),
                          str(len(members(session, cohort, "learner"))),
                          str(len(members(session, cohort, "mentor"))))
    console.print(table)


def _add(slug: str, usernames: list[str], role: str) -> None:
    ctx = open_context()
    with transaction(ctx.database.sessions) as session:
        cohort = get_cohort(session, slug)
        lines = []
        for username in usernames:
            added = add_member(session, cohort=cohort, user=get_user(session, username),
                               role=role, now=utc_now())
            plan = " " + t("cli.team.plan_made") if added.plan is not None else ""
            lines.append(t("cli.team.member_added", name=username.strip().lower(),
                           cohort=cohort.slug, role=label("role.", role), plan=plan))
    for line in lines:
        console.print(line, highlight=False)


@cohort_app.command("add-member", help=N_("cli.help.cohort_add_member"))
@handle_errors
def cohort_add_member_command(
    slug: CohortArgument,
    usernames: Annotated[list[str], typer.Argument(help=N_("cli.arg.learners"))],
) -> None:
    """Add learners; a learner without an active plan gets the cohort's plan."""
    _add(slug, usernames, "learner")


@cohort_app.command("add-mentor", help=N_("cli.help.cohort_add_mentor"))
@handle_errors
def cohort_add_mentor_command(
    slug: CohortArgument,
    usernames: Annotated[list[str], typer.Argument(help=N_("cli.arg.mentors"))],
) -> None:
    """Add mentors: they see the cohort's learners, read-only."""
    _add(slug, usernames, "mentor")


@cohort_app.command("show", help=N_("cli.help.cohort_show"))
@handle_errors
def cohort_show_command(slug: CohortArgument) -> None:
    """The cohort's progress table, as its mentors see it."""
    ctx = open_context()
    now = utc_now()
    table = Table(t("cli.team.col_learner"), t("cli.team.col_items"), t("cli.team.col_pace"),
                  t("cli.team.col_hours"), t("cli.team.col_streak"), t("cli.team.col_due"),
                  t("cli.team.col_exercises"), t("cli.team.col_milestone"),
                  t("cli.team.col_activity"), t("cli.team.col_report"))
    with transaction(ctx.database.sessions) as session:
        cohort = get_cohort(session, slug)
        rows = cohort_overview(session, cohort, today=local_date(now), now=now,
                               content_dir=ctx.settings.content_dir)
        mentors = ", ".join(m.username for m in members(session, cohort, "mentor")) or "—"
        for row in rows:
            pace = row.pace
            report = row.latest_report
            table.add_row(
                row.user.username,
                f"{pace.closed_items}/{pace.total_items}" if pace else t("cli.team.no_plan"),
                _state("pace.", pace.status) if pace else "",
                t("cli.team.hours", logged=number(pace.logged_hours),
                  budget=number(pace.budget_hours)) if pace else "",
                str(row.streak), str(row.drills_due), str(row.exercises_passed),
                f"{row.milestone.title}: {_state('cohort.milestone.', row.milestone.state)}"
                if row.milestone else "—",
                f"{row.last_activity:%Y-%m-%d %H:%M}" if row.last_activity else "—",
                _report_state(report.week, edited=bool(report.edited_at)) if report else "—")
        title = t("cli.team.cohort_title", title=cohort.title, slug=cohort.slug,
                  start=cohort.start_date, mentors=mentors)
    console.print(title, highlight=False)
    if not rows:
        console.print(t("cli.team.no_learners", slug=slug), highlight=False)
        return
    console.print(table)


@cohort_app.command("export", help=N_("cli.help.cohort_export"))
@handle_errors
def cohort_export_command(
    slug: CohortArgument,
    week: Annotated[int, typer.Option(help=N_("cli.arg.cohort_week"))],
    kind: Annotated[str, typer.Option("--format", help=N_("cli.arg.cohort_format"))] = "csv",
    output: Annotated[Path | None, typer.Option(help=N_("cli.arg.cohort_output"))] = None,
) -> None:
    """One row per learner with the progress table's figures for one week (CSV or Markdown)."""
    if kind not in FORMATS:
        raise fail(t("cli.team.bad_format", formats=", ".join(FORMATS), kind=repr(kind[:20])))
    ctx = open_context()
    now = utc_now()
    with transaction(ctx.database.sessions) as session:
        data = cohort_week(session, get_cohort(session, slug), week, today=local_date(now),
                           now=now, content_dir=ctx.settings.content_dir)
    text = week_csv(data) if kind == "csv" else week_markdown(data)
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8", newline="")
    console.print(t("cli.team.exported", week=data.week, slug=data.slug, start=data.start,
                    end=data.end, count=len(data.rows), path=output), highlight=False)


def _report_state(week: int, *, edited: bool) -> str:
    return t("cli.team.report_edited", week=week) if edited else \
        t("cli.team.report_draft", week=week)


def _state(prefix: str, code: str) -> str:
    """A pace or milestone state: the code as words in English ('on track', as before the CLI
    spoke Russian), else its catalog name."""
    return code.replace("_", " ") if language() == "en" else label(prefix, code)
