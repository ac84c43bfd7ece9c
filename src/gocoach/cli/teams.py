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

from gocoach.cli.context import console, handle_errors, open_context
from gocoach.curricula.roadmaps import get_roadmap
from gocoach.plans.calendar import local_date, parse_date
from gocoach.startup import utc_now
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.teams.accounts import (
    ROLES,
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

user_app = typer.Typer(help="Accounts for server mode: add, list, passwd, role, disable, invite.",
                       no_args_is_help=True)
cohort_app = typer.Typer(help="Cohorts: create, list, add-member, add-mentor, show, export.",
                         no_args_is_help=True)

PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input.")]


def register(app: typer.Typer) -> None:
    """Add `gocoach user` and `gocoach cohort` to the main app."""
    app.add_typer(user_app, name="user")
    app.add_typer(cohort_app, name="cohort")


def read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return password


@user_app.command("add")
@handle_errors
def user_add_command(
    username: Annotated[str, typer.Argument(help="2–40 latin letters, digits, '.', '_', '-'.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "learner",
    admin: Annotated[bool, typer.Option("--admin", help="Same as --role admin.")] = False,
    display_name: Annotated[str, typer.Option(help="The name shown on pages.")] = "",
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user who signs in with a password (the first admin is made this way)."""
    password = read_password(password_stdin)
    ctx = open_context()
    with transaction(ctx.database.sessions) as session:
        user = create_user(session, username=username, password=password, now=utc_now(),
                           role="admin" if admin else role, display_name=display_name)
        name, chosen = user.username, user.role
    console.print(f"user added: [bold]{name}[/] ({chosen})", highlight=False)


@user_app.command("list")
@handle_errors
def user_list_command() -> None:
    """List the users with their roles."""
    ctx = open_context()
    table = Table("username", "display name", "role", "state")
    with transaction(ctx.database.sessions) as session:
        for user in list_users(session):
            state = "local user" if user.is_local else "disabled" if user.disabled else \
                "active" if user.password_hash else "no password"
            table.add_row(user.username, user.display_name, user.role, state)
    console.print(table)


@user_app.command("passwd")
@handle_errors
def user_passwd_command(
    username: Annotated[str, typer.Argument(help="Whose password to set.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a user's password (an admin's reset); their signed-in sessions end."""
    password = read_password(password_stdin)
    ctx = open_context()
    with transaction(ctx.database.sessions) as session:
        set_password(session, user=get_user(session, username), password=password)
    console.print(f"password set for {username.strip().lower()}; their sessions ended",
                  highlight=False)


@user_app.command("role")
@handle_errors
def user_role_command(
    username: Annotated[str, typer.Argument(help="Whose role to change.")],
    role: Annotated[str, typer.Argument(help=f"One of {', '.join(ROLES)}.")],
) -> None:
    """Change a user's role (learner, mentor, admin)."""
    ctx = open_context()
    with transaction(ctx.database.sessions) as session:
        set_role(session, user=get_user(session, username), role=role)
    console.print(f"{username.strip().lower()} is now a {role}", highlight=False)


@user_app.command("disable")
@handle_errors
def user_disable_command(
    username: Annotated[str, typer.Argument(help="Who may no longer sign in.")],
    enable: Annotated[bool, typer.Option("--enable", help="Let them sign in again.")] = False,
) -> None:
    """Stop a user signing in (their sessions end at once); --enable undoes it."""
    ctx = open_context()
    with transaction(ctx.database.sessions) as session:
        set_disabled(session, user=get_user(session, username), disabled=not enable)
    state = "may sign in again" if enable else "can no longer sign in"
    console.print(f"{username.strip().lower()} {state}", highlight=False)


@user_app.command("invite")
@handle_errors
def user_invite_command(
    role: Annotated[str, typer.Option(help=f"The role it gives: {', '.join(ROLES)}.")] =
        "learner",
    cohort: Annotated[str, typer.Option(help="A cohort the new user joins.")] = "",
    days: Annotated[int, typer.Option(help="Days the link stays valid (1–90).")] = DEFAULT_DAYS,
    base_url: Annotated[str, typer.Option(
        help="The app's public address (default: http://GOCOACH_HOST:GOCOACH_PORT).")] = "",
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
    console.print(f"single use, for a {role}, valid until {expires:%Y-%m-%d %H:%M} UTC",
                  highlight=False)


@cohort_app.command("create")
@handle_errors
def cohort_create_command(
    slug: Annotated[str, typer.Argument(help="The cohort's id: latin letters, digits, '-'.")],
    roadmap: Annotated[list[str], typer.Option(help="A roadmap of the plan (repeat for more).")],
    start: Annotated[str, typer.Option(help="The plan's first day, YYYY-MM-DD.")],
    title: Annotated[str, typer.Option(help="A readable name.")] = "",
    hours: Annotated[float | None, typer.Option(
        help="Hours per week (default: what the roadmap asks for, else 10).")] = None,
) -> None:
    """Create a cohort: its learners get a plan of these roadmaps from the start date."""
    ctx = open_context()
    with transaction(ctx.database.sessions) as session:
        found = [get_roadmap(session, s) for s in roadmap]
        cohort = create_cohort(session, slug=slug, title=title, roadmaps=found,
                               start=parse_date(start), hours_per_week=hours, now=utc_now())
        name = cohort.slug
    console.print(f"cohort created: [bold]{name}[/]", highlight=False)


@cohort_app.command("list")
@handle_errors
def cohort_list_command() -> None:
    """List the cohorts with their start, roadmaps and number of people."""
    ctx = open_context()
    table = Table("id", "title", "start", "roadmaps", "learners", "mentors")
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
            plan = " (plan made from the cohort)" if added.plan is not None else ""
            lines.append(f"{username.strip().lower()} added to {cohort.slug} as a {role}{plan}")
    for line in lines:
        console.print(line, highlight=False)


@cohort_app.command("add-member")
@handle_errors
def cohort_add_member_command(
    slug: Annotated[str, typer.Argument(help="The cohort's id.")],
    usernames: Annotated[list[str], typer.Argument(help="Learners to add.")],
) -> None:
    """Add learners; a learner without an active plan gets the cohort's plan."""
    _add(slug, usernames, "learner")


@cohort_app.command("add-mentor")
@handle_errors
def cohort_add_mentor_command(
    slug: Annotated[str, typer.Argument(help="The cohort's id.")],
    usernames: Annotated[list[str], typer.Argument(help="Mentors to add (role mentor).")],
) -> None:
    """Add mentors: they see the cohort's learners, read-only."""
    _add(slug, usernames, "mentor")


@cohort_app.command("show")
@handle_errors
def cohort_show_command(slug: Annotated[str, typer.Argument(help="The cohort's id.")]) -> None:
    """The cohort's progress table, as its mentors see it."""
    ctx = open_context()
    now = utc_now()
    table = Table("learner", "items", "pace", "hours / budget", "streak", "cards due",
                  "exercises", "milestone", "last activity", "latest report")
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
                f"{pace.closed_items}/{pace.total_items}" if pace else "no plan",
                pace.status.replace("_", " ") if pace else "",
                f"{pace.logged_hours:g} / {pace.budget_hours:g} h" if pace else "",
                str(row.streak), str(row.drills_due), str(row.exercises_passed),
                f"{row.milestone.title}: {row.milestone.state.replace('_', ' ')}"
                if row.milestone else "—",
                f"{row.last_activity:%Y-%m-%d %H:%M}" if row.last_activity else "—",
                (f"week {report.week}" + (" (edited)" if report.edited_at else " (draft)"))
                if report else "—")
        title = f"{cohort.title} ({cohort.slug}), from {cohort.start_date}; mentors: {mentors}"
    console.print(title, highlight=False)
    if not rows:
        console.print(f"no learners yet; add them with `gocoach cohort add-member {slug} NAME`",
                      highlight=False)
        return
    console.print(table)


@cohort_app.command("export")
@handle_errors
def cohort_export_command(
    slug: Annotated[str, typer.Argument(help="The cohort's id.")],
    week: Annotated[int, typer.Option(help="The cohort's week, 1 = the week of its start.")],
    kind: Annotated[str, typer.Option(
        "--format", help=f"One of {', '.join(FORMATS)}.")] = "csv",
    output: Annotated[Path | None, typer.Option(
        help="Write to this file instead of the terminal.")] = None,
) -> None:
    """One row per learner with the progress table's figures for one week (CSV or Markdown)."""
    if kind not in FORMATS:
        raise ValueError(f"--format is one of {', '.join(FORMATS)}, not {kind[:20]!r}")
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
    console.print(f"week {data.week} of {data.slug} ({data.start} – {data.end}): "
                  f"{len(data.rows)} learners written to {output}", highlight=False)
