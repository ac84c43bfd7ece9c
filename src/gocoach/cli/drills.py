"""`gocoach drill`: a flash-card session in the terminal, statistics, settings, the optimizer.

Keys: Enter or space shows the answer, 1–4 rate it (Again, Hard, Good, Easy), u takes back the
last rating, q quits. Without a terminal (a pipe, a test) the same keys are read one per line.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

import click
import typer
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session as DbSession

from gocoach.cli.context import (
    Context,
    console,
    errors,
    handle_errors,
    open_context,
    unit_of_work,
)
from gocoach.drills.minutes import log_drill_minutes
from gocoach.drills.optimizer import OptimizerMissing, optimize_parameters
from gocoach.drills.queue import (
    DrillQueue,
    QueueEntry,
    daily_queue,
    interval_parts,
    next_intervals,
)
from gocoach.drills.reviews import (
    RATINGS,
    ReviewConflict,
    ReviewResult,
    get_drill_settings,
    record_rating,
    undo_last_rating,
    update_drill_settings,
)
from gocoach.drills.stats import drill_stats
from gocoach.questions.faces import CardFace, card_face
from gocoach.startup import utc_now

drill_app = typer.Typer(help="Spaced-repetition drills (FSRS) over the question bank.",
                        invoke_without_command=True)
KIND = {"question": "вопрос / question", "followup": "уточняющий / follow-up"}
QUIT, UNDO = "q", "u"


@dataclass
class Session:
    """What one terminal session did."""

    started: float = field(default_factory=time.monotonic)
    ratings: Counter[int] = field(default_factory=Counter)

    @property
    def reviewed(self) -> int:
        """Ratings kept (after undos)."""
        return sum(self.ratings.values())


def read_key(prompt: str) -> str:
    """One key on a terminal, else one line of input ('' for Enter); 'q' at end of input."""
    console.print(prompt, end="", highlight=False)
    if sys.stdin.isatty():
        key = click.getchar()
        console.print()
        return "" if key in ("\r", "\n", " ") else key.lower()
    line = sys.stdin.readline()
    console.print()
    return line.strip().lower() if line else QUIT


def show_front(entry: QueueEntry, face: CardFace, queue: DrillQueue) -> None:
    """Print the question side."""
    status = "new" if entry.is_new else "review"
    console.rule(f"[bold]{face.module_number}[/] · {KIND[face.kind]} · {face.ref} · {status} · "
                 f"{queue.remaining} left today", style="cyan")
    if face.kind == "followup":
        console.print(f"[dim]↳ {escape(face.question_title)}[/]", highlight=False)
    console.print(f"[bold]{escape(face.front)}[/]", highlight=False)


def show_back(face: CardFace) -> None:
    """Print the answer side: short answer, key points, where the full question is."""
    console.print(Markdown(face.answer), soft_wrap=False)  # wrapped, never cut at the width
    if face.key_points:
        console.print("[bold]Что должно прозвучать / key points:[/]")
        for number, point in enumerate(face.key_points, 1):
            console.print(f"  {number}. {point}", highlight=False)
    console.print(f"[dim]full question: gocoach q show {face.qid} · {face.url}[/]",
                  highlight=False)


def _rating_prompt(intervals: dict[int, timedelta]) -> str:
    names = " · ".join(f"[bold]{n}[/] {name} [dim]{format_interval(intervals[n])}[/]"
                       if n in intervals else f"[bold]{n}[/] {name}" for n, name in RATINGS.items())
    return f"{names} · [bold]u[/] undo · [bold]q[/] quit > "


def _describe(result: ReviewResult) -> str:
    return (f"[green]{RATINGS[result.rating]}[/] → next in {format_interval(result.interval)} "
            f"({result.state})")


def format_interval(interval: timedelta) -> str:
    """'10 min', '3 h', '8 d' for a timedelta."""
    number, unit = interval_parts(interval)
    return f"{number} {unit}"


def _undo(ctx: Context, done: Session) -> None:
    with unit_of_work(ctx) as (session, user):
        undone = undo_last_rating(session, user=user)
        title = card_title(session, undone.ref) if undone else ""
    if undone is None:
        console.print("[yellow]nothing to undo[/]")
        return
    if done.ratings[undone.rating] > 0:
        done.ratings[undone.rating] -= 1
    console.print(f"[yellow]undone:[/] {RATINGS[undone.rating]} of «{escape(title)}»",
                  highlight=False)


def card_title(session: DbSession, ref: str) -> str:
    """A card named as a person knows it: its question (or follow-up) title, else its id."""
    try:
        return card_face(session, ref).front
    except LookupError:  # the card's question left the bank
        return ref


def _rate(ctx: Context, entry: QueueEntry, rating: int, shown: float) -> ReviewResult | None:
    elapsed = int((time.monotonic() - shown) * 1000)
    try:
        with unit_of_work(ctx) as (session, user):
            return record_rating(session, user=user, ref=entry.ref, rating=rating,
                                 now=utc_now(), duration_ms=elapsed, source="drill",
                                 expected_version=entry.version)
    except ReviewConflict as exc:
        console.print(f"[yellow]{exc}[/]", highlight=False)
        return None


def _one_card(ctx: Context, done: Session) -> bool:
    """Show the next card and take its rating; False when the session ends."""
    with unit_of_work(ctx) as (session, user):
        queue = daily_queue(session, user=user, now=utc_now(), limit=1)
        if not queue.entries:
            _finished(queue, utc_now())
            return False
        entry = queue.entries[0]
        face = card_face(session, entry.ref)
        intervals = next_intervals(session, user=user, ref=entry.ref, now=utc_now())
    shown = time.monotonic()
    show_front(entry, face, queue)
    key = read_key("[dim]Enter/space[/] show answer · [bold]u[/] undo · [bold]q[/] quit > ")
    while key not in ("", QUIT, UNDO):
        key = read_key("press Enter to show the answer, u to undo, q to quit > ")
    if key != "":
        if key == UNDO:
            _undo(ctx, done)
        return key != QUIT
    show_back(face)
    return _ask_rating(ctx, entry, shown, done, intervals)


def _ask_rating(ctx: Context, entry: QueueEntry, shown: float, done: Session,
                intervals: dict[int, timedelta]) -> bool:
    while True:
        key = read_key(_rating_prompt(intervals))
        if key == QUIT:
            return False
        if key == UNDO:
            _undo(ctx, done)
            return True
        if key.isdigit() and int(key) in RATINGS:
            result = _rate(ctx, entry, int(key), shown)
            if result is not None:
                done.ratings[result.rating] += 1
                console.print(_describe(result), highlight=False)
            return True
        console.print("[yellow]type 1, 2, 3 or 4 (or u, q)[/]")


def _finished(queue: DrillQueue, now: datetime) -> None:
    console.print("[bold green]Nothing is due now.[/]", end=" ")
    if queue.next_due is not None:
        wait = max(queue.next_due - now, timedelta(0))
        console.print(f"Next card in {format_interval(wait)}.", end="")
    console.print()


def run_session(ctx: Context, limit: int | None) -> Session:
    """The interactive loop: cards until the queue is empty, `limit` reached or q."""
    done = Session()
    while limit is None or done.reviewed < limit:
        if not _one_card(ctx, done):
            break
    return done


@drill_app.callback()
@handle_errors
def drill_command(
    ctx: typer.Context,
    limit: Annotated[int | None, typer.Option(help="Stop after this many cards.")] = None,
) -> None:
    """Drill today's cards in the terminal: Enter shows the answer, 1–4 rate, u undo, q quit."""
    if ctx.invoked_subcommand is not None:
        return
    app_ctx = open_context()
    done = run_session(app_ctx, limit)
    with unit_of_work(app_ctx) as (session, user):
        logged = log_drill_minutes(session, user=user, now=utc_now())
    counts = ", ".join(f"{RATINGS[r]} {n}" for r, n in sorted(done.ratings.items()) if n)
    seconds = int(time.monotonic() - done.started)
    console.print(f"session: {done.reviewed} cards in {seconds // 60} min {seconds % 60} s"
                  f"{f' ({counts})' if counts else ''}"
                  f"{f'; today in the time log: {logged.minutes} min' if logged else ''}",
                  highlight=False)


@drill_app.command("stats")
@handle_errors
def stats_command() -> None:
    """Due forecast, reviews, true retention, streak, and progress per module (as tables)."""
    with unit_of_work(open_context()) as (session, user):
        stats = drill_stats(session, user=user, now=utc_now())
    retention = (f"{stats.true_retention:.1%} of {stats.retention_reviews} mature reviews"
                 if stats.true_retention is not None else "no mature reviews yet")
    console.print(f"due now: {stats.due_now} · reviews today: {stats.reviews_today} · "
                  f"all reviews: {stats.total_reviews} · streak: {stats.streak} d\n"
                  f"true retention (30 d): {retention} · desired: "
                  f"{stats.desired_retention:.0%}", highlight=False)
    forecast = Table("day", "due", "", title="Due in the next 30 days", title_justify="left")
    peak = max((n for _, n in stats.forecast), default=0) or 1
    for day, count in stats.forecast:
        if count:
            forecast.add_row(f"{day:%a %d %b}", str(count), "█" * max(1, round(20 * count / peak)))
    console.print(forecast if forecast.row_count else "nothing due in the next 30 days")
    modules = Table("module", "cards", "seen", "mastered", "recall", title="Per module",
                    title_justify="left")
    for module in stats.modules:
        modules.add_row(f"{module.number} {module.title}", str(module.cards), str(module.seen),
                        f"{module.mastered_share:.0%}",
                        f"{module.retrievability:.0%}" if module.seen else "—")
    console.print(modules)


@drill_app.command("settings")
@handle_errors
def settings_command(
    retention: Annotated[float | None, typer.Option(
        help="Desired retention, 0.7–0.99 (default 0.9).")] = None,
    new_per_day: Annotated[int | None, typer.Option(help="New cards a day (default 20).")] = None,
) -> None:
    """Show or change the desired retention and the number of new cards a day."""
    with unit_of_work(open_context()) as (session, user):
        if retention is not None or new_per_day is not None:
            settings = update_drill_settings(session, user=user, now=utc_now(),
                                             desired_retention=retention, new_per_day=new_per_day)
        else:
            settings = get_drill_settings(session, user=user)
        fitted = "fitted from your reviews" if settings.parameters else "FSRS defaults"
        console.print(f"desired retention: {settings.desired_retention:.2f} · new cards a day: "
                      f"{settings.new_per_day} · parameters: {fitted}", highlight=False)


@drill_app.command("optimize")
@handle_errors
def optimize_command() -> None:
    """Re-fit the FSRS parameters from your review log (needs the `optimizer` extra: torch)."""
    try:
        with unit_of_work(open_context()) as (session, user):
            result = optimize_parameters(session, user=user, now=utc_now())
    except OptimizerMissing as exc:
        errors.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    console.print(f"fitted {len(result.parameters)} parameters from {result.reviews} reviews; "
                  "new ratings use them", highlight=False)
