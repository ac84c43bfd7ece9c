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
    say_error,
    unit_of_work,
)
from gocoach.cli.language import N_, day_format, label, number, percent, t, tn
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

drill_app = typer.Typer(help=N_("cli.cmd.drill"), invoke_without_command=True)
KIND = {"question": N_("cli.drill.question"), "followup": N_("cli.drill.followup")}
RATING_WORDS = {1: N_("drill.again"), 2: N_("drill.hard"), 3: N_("drill.good"),
                4: N_("drill.easy")}
QUIT, UNDO = "q", "u"


def rating_word(rating: int) -> str:
    """Again, Hard, Good, Easy in the CLI's language."""
    return t(RATING_WORDS[rating]) if rating in RATING_WORDS else RATINGS.get(rating, "")


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
    status = t("cli.drill.new") if entry.is_new else t("cli.drill.review")
    console.rule(t("cli.drill.front", module=face.module_number, kind=t(KIND[face.kind]),
                   ref=face.ref, status=status, left=queue.remaining), style="cyan")
    if face.kind == "followup":
        console.print(f"[dim]↳ {escape(face.question_title)}[/]", highlight=False)
    console.print(f"[bold]{escape(face.front)}[/]", highlight=False)


def show_back(face: CardFace) -> None:
    """Print the answer side: short answer, key points, where the full question is."""
    console.print(Markdown(face.answer), soft_wrap=False)  # wrapped, never cut at the width
    if face.key_points:
        console.print(t("cli.drill.key_points"))
        for number, point in enumerate(face.key_points, 1):
            console.print(f"  {number}. {point}", highlight=False)
    console.print(t("cli.drill.full_question", qid=face.qid, url=face.url), highlight=False)


def _rating_prompt(intervals: dict[int, timedelta]) -> str:
    names = " · ".join(f"[bold]{n}[/] {rating_word(n)} [dim]{format_interval(intervals[n])}[/]"
                       if n in intervals else f"[bold]{n}[/] {rating_word(n)}" for n in RATINGS)
    return t("cli.drill.rate_prompt", ratings=names)


def _describe(result: ReviewResult) -> str:
    return t("cli.drill.rated", rating=rating_word(result.rating),
             interval=format_interval(result.interval),
             state=label("card.state.", result.state))


def format_interval(interval: timedelta) -> str:
    """'10 min', '3 h', '8 d' (ru: '10 мин', '3 ч', '8 дн') for a timedelta."""
    count, unit = interval_parts(interval)
    return f"{count} {label('drill.unit.', unit)}"


def _undo(ctx: Context, done: Session) -> None:
    with unit_of_work(ctx) as (session, user):
        undone = undo_last_rating(session, user=user)
        title = card_title(session, undone.ref) if undone else ""
    if undone is None:
        console.print(t("cli.drill.nothing_to_undo"))
        return
    if done.ratings[undone.rating] > 0:
        done.ratings[undone.rating] -= 1
    console.print(t("cli.drill.undone", rating=rating_word(undone.rating), title=escape(title)),
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
        console.print(f"[yellow]{escape(say_error(exc))}[/]", highlight=False)
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
    key = read_key(t("cli.drill.front_prompt"))
    while key not in ("", QUIT, UNDO):
        key = read_key(t("cli.drill.front_again"))
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
        console.print(t("cli.drill.rate_again"))


def _finished(queue: DrillQueue, now: datetime) -> None:
    console.print(t("cli.drill.nothing_due"), end=" ")
    if queue.next_due is not None:
        wait = max(queue.next_due - now, timedelta(0))
        console.print(t("cli.drill.next_card", interval=format_interval(wait)), end="")
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
    limit: Annotated[int | None, typer.Option(help=N_("cli.arg.drill_limit"))] = None,
) -> None:
    """Drill today's cards in the terminal: Enter shows the answer, 1–4 rate, u undo, q quit."""
    if ctx.invoked_subcommand is not None:
        return
    app_ctx = open_context()
    done = run_session(app_ctx, limit)
    with unit_of_work(app_ctx) as (session, user):
        logged = log_drill_minutes(session, user=user, now=utc_now())
    counts = ", ".join(f"{rating_word(r)} {n}" for r, n in sorted(done.ratings.items()) if n)
    seconds = int(time.monotonic() - done.started)
    console.print(t("cli.drill.session", cards=tn("cli.drill.cards", done.reviewed),
                    minutes=seconds // 60, seconds=seconds % 60,
                    counts=f" ({counts})" if counts else "",
                    logged=t("cli.drill.logged", minutes=logged.minutes) if logged else ""),
                  highlight=False)


@drill_app.command("stats", help=N_("cli.help.drill_stats"))
@handle_errors
def stats_command() -> None:
    """Due forecast, reviews, true retention, streak, and progress per module (as tables)."""
    with unit_of_work(open_context()) as (session, user):
        stats = drill_stats(session, user=user, now=utc_now())
    retention = (t("cli.drill.retention", share=percent(stats.true_retention, 1),
                   reviews=stats.retention_reviews)
                 if stats.true_retention is not None else t("cli.drill.no_mature"))
    console.print(t("cli.drill.stats", due=stats.due_now, today=stats.reviews_today,
                    total=stats.total_reviews, streak=stats.streak, retention=retention,
                    desired=percent(stats.desired_retention)), highlight=False)
    forecast = Table(t("cli.drill.col_day"), t("cli.drill.col_due"), "",
                     title=t("cli.drill.forecast"), title_justify="left")
    peak = max((n for _, n in stats.forecast), default=0) or 1
    for day, count in stats.forecast:
        if count:
            forecast.add_row(day_format(day, "EEE dd MMM"), str(count),
                             "█" * max(1, round(20 * count / peak)))
    console.print(forecast if forecast.row_count else t("cli.drill.nothing_forecast"))
    modules = Table(t("cli.drill.col_module"), t("cli.drill.col_cards"), t("cli.drill.col_seen"),
                    t("cli.drill.col_mastered"), t("cli.drill.col_recall"),
                    title=t("cli.drill.per_module"), title_justify="left")
    for module in stats.modules:
        modules.add_row(f"{module.number} {module.title}", str(module.cards), str(module.seen),
                        percent(module.mastered_share),
                        percent(module.retrievability) if module.seen else "—")
    console.print(modules)


@drill_app.command("settings", help=N_("cli.help.drill_settings"))
@handle_errors
def settings_command(
    retention: Annotated[float | None, typer.Option(help=N_("cli.arg.drill_retention"))] = None,
    new_per_day: Annotated[int | None, typer.Option(help=N_("cli.arg.drill_new"))] = None,
) -> None:
    """Show or change the desired retention and the number of new cards a day."""
    with unit_of_work(open_context()) as (session, user):
        if retention is not None or new_per_day is not None:
            settings = update_drill_settings(session, user=user, now=utc_now(),
                                             desired_retention=retention, new_per_day=new_per_day)
        else:
            settings = get_drill_settings(session, user=user)
        fitted = t("cli.drill.fitted") if settings.parameters else t("cli.drill.defaults")
        console.print(t("cli.drill.settings", retention=number(settings.desired_retention, 2,
                                                                fixed=True),
                        new=settings.new_per_day, parameters=fitted), highlight=False)


@drill_app.command("optimize", help=N_("cli.help.drill_optimize"))
@handle_errors
def optimize_command() -> None:
    """Re-fit the FSRS parameters from your review log (needs the `optimizer` extra: torch)."""
    try:
        with unit_of_work(open_context()) as (session, user):
            result = optimize_parameters(session, user=user, now=utc_now())
    except OptimizerMissing as exc:
        errors.print(t("cli.err.plain", message=say_error(exc)), markup=False, highlight=False)
        raise typer.Exit(1) from None
    console.print(t("cli.drill.optimized", parameters=len(result.parameters),
                    reviews=result.reviews), highlight=False)
