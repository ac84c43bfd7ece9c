"""`gocoach interview`: a timed mock interview in the terminal, its history, resume and export
(contesting a verdict: cli/contests.py).

An answer is typed over several lines and ends with an empty line; `/skip` skips the question,
`/stop` ends the session with a scorecard of what was answered (a session with no answer is
closed); if the input ends (Ctrl+D) the session stays open to resume later. Works the same with
piped input.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from gocoach.cli.context import (
    Context,
    console,
    errors,
    fail,
    handle_errors,
    open_context,
    say_error,
    unit_of_work,
)
from gocoach.cli.language import N_, code_label, language, number, percent, t, tn, words
from gocoach.interviews.checking import AnswerError
from gocoach.interviews.embeddings import model_note, similarity_function
from gocoach.interviews.scorecard import (
    LEVEL_TITLES,
    RATING_NAMES,
    HistoryEntry,
    Scorecard,
    build_scorecard,
    interview_history,
    readiness_trend,
    scorecard_markdown,
    session_answers,
    trend_line,
    weak_modules,
)
from gocoach.interviews.sessions import (
    InterviewOptions,
    abandon_interview,
    answer_followup,
    current_answer,
    default_reviews,
    elapsed_ms,
    finish_interview,
    followup_options,
    get_interview,
    get_question,
    is_stale,
    open_interviews,
    rate_answer,
    rate_followup,
    resume_interview,
    set_tick,
    skip_followup,
    start_interview,
    submit_answer,
)
from gocoach.interviews.verdicts import VerdictDetails, verdict_details
from gocoach.startup import utc_now
from gocoach.store.tables import InterviewAnswer, Question

interview_app = typer.Typer(help=N_("cli.cmd.interview"), invoke_without_command=True)
SKIP, STOP = "/skip", "/stop"
RATING_WORDS = {1: N_("cli.iv.rating.again"), 2: N_("cli.iv.rating.hard"),
                3: N_("cli.iv.rating.good"), 4: N_("cli.iv.rating.easy")}
VERDICTS = {"ready": N_("iv.verdict_text.ready"), "almost": N_("iv.verdict_text.almost"),
            "not_yet": N_("iv.verdict_text.not_yet")}
SessionArgument = Annotated[int, typer.Argument(help=N_("cli.arg.iv_session"))]


class Stop(Exception):
    """The input ended (Ctrl+D, the end of a pipe): the session stays open to resume."""


class Finish(Stop):
    """The learner typed /stop: the session ends with what was answered."""


def read_block(prompt: str) -> str:
    """Lines until an empty line ('' if the first line is empty); Stop at the end of input."""
    console.print(prompt, highlight=False)
    lines: list[str] = []
    while True:
        line = sys.stdin.readline()
        if not line:
            if lines:
                break
            raise Stop
        if not line.strip():
            break
        if not lines and line.strip() in (SKIP, STOP):
            return line.strip()
        lines.append(line.rstrip("\n"))
    return "\n".join(lines)


def read_line(prompt: str) -> str:
    """One line of input; Stop at the end of input."""
    console.print(prompt, end="", highlight=False)
    line = sys.stdin.readline()
    if not line:
        console.print()
        raise Stop
    if not sys.stdin.isatty():  # piped input is not echoed: show it, for a readable transcript
        console.print(line.strip(), highlight=False)
    return line.strip()


def _clock(ms: int) -> str:
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def show_question(ctx: Context, interview_id: int) -> InterviewAnswer | None:
    """Print the current question with the time left; None if the session has none."""
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        row = current_answer(session, interview)
        if row is None:
            return None
        question = get_question(session, row.qid)
        left = interview.minutes * 60_000 - elapsed_ms(session, interview, utc_now())
        console.rule(t("cli.iv.question", number=row.position + 1, total=len(interview.plan),
                       module=question.module_number, level=question.level,
                       left=_clock(left)))
        console.print(f"[bold]{question.title}[/]", highlight=False)
        return row


def ask_typed(ctx: Context, interview_id: int) -> bool:
    """Read, save and check one typed answer; False if the learner skipped."""
    while True:
        text = read_block(t("cli.iv.answer_prompt"))
        if text == STOP:
            raise Finish
        if text == SKIP:
            return False
        similarity = similarity_function()
        note = model_note()
        try:
            with unit_of_work(ctx) as (session, user):
                interview = get_interview(session, user=user, interview_id=interview_id)
                row = submit_answer(session, user=user, interview=interview, text=text,
                                    now=utc_now(), similarity=similarity,
                                    notes=[note] if note else [])
                show_feedback(row, get_question(session, row.qid))
                return True
        except AnswerError as exc:
            errors.print(f"[yellow]{escape(say_error(exc))}[/]", highlight=False)


def show_feedback(row: InterviewAnswer, question: Question) -> None:
    """The verdict: key points heard (with the words that matched) and missed, misconceptions
    with their trigger words, what was ignored; then how to contest it."""
    details = verdict_details(row.check, question.mistakes)
    print_details(details)
    console.print(t("cli.iv.hint", verdict=code_label("iv.verdict.", row.check.get("verdict")),
                    clock=_clock(row.duration_ms)), highlight=False)
    if details.checked:
        console.print(t("cli.iv.disagree", session=row.session_id, number=row.position + 1),
                      highlight=False)
    console.print(t("cli.iv.short_answer",
                    text=question.sections.get("Короткий ответ", "").strip()), highlight=False)


def _words(words: tuple[str, ...]) -> str:
    return ", ".join(words)


def print_details(details: VerdictDetails) -> None:
    """Key points heard and missed as a table, then misconceptions, then what was ignored."""
    said = words() if language() != "en" else None
    for note in details.notes:
        console.print(t("cli.iv.note", note=said.phrase(note) if said else note),
                      highlight=False)
    if not details.checked:
        return
    table = Table("", "#", t("cli.iv.col_point"), t("cli.iv.col_score"), t("cli.iv.col_words"),
                  show_lines=False)
    for point in sorted((*details.heard, *details.missed), key=lambda p: p.number):
        heard = point in details.heard
        evidence = _words(point.words) if heard else (
            t("cli.iv.only", words=_words(point.words)) if point.words else "")
        if point.negated:
            evidence += " " + t("cli.iv.negated", words=_words(point.negated))
        table.add_row("[green]✔[/]" if heard else "[red]✘[/]", str(point.number), point.text,
                      number(point.score, 2, fixed=True), evidence)
    console.print(table)
    console.print(t("cli.iv.heard", heard=number_list(p.number for p in details.heard),
                    missed=number_list(p.number for p in details.missed)), highlight=False)
    for m in details.misconceptions:
        tag = f" {m.number}" if m.number else ""
        console.print(t("cli.iv.misconception", number=tag, claim=m.claim,
                        evidence=m.evidence, words=_words(m.words)), highlight=False)
    for part in details.ignored:
        reason = {"list": t("cli.iv.ignored_list"),
                  "unsure": t("cli.iv.ignored_unsure")}.get(part.kind)
        text = f"{reason} “{part.text}”" if reason else part.text
        console.print(t("cli.iv.ignored", text=text), highlight=False)


def number_list(numbers: Iterable[int]) -> str:
    return ", ".join(map(str, numbers)) or t("cli.iv.none")


def show_saved_answer(ctx: Context, interview_id: int) -> bool:
    """Show an answer given before the session was interrupted, with its feedback."""
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        row = current_answer(session, interview)
        assert row is not None
        console.print(t("cli.iv.saved_answer", text=row.answer_text), highlight=False)
        if row.check.get("points"):
            show_feedback(row, get_question(session, row.qid))
    return True


def ask_spoken(ctx: Context, interview_id: int) -> bool:
    """Answer aloud, then tick the key points said; False if the learner skipped."""
    answer = read_line(t("cli.iv.spoken_prompt"))
    if answer == STOP:
        raise Finish
    if answer == SKIP:
        return False
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        row = current_answer(session, interview)
        assert row is not None
        points = get_question(session, row.qid).key_points
    for index, point in enumerate(points, start=1):
        console.print(f"  {index}. {point}", highlight=False)
    said = read_line(t("cli.iv.ticks_prompt"))
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        for part in said.replace(" ", "").split(","):
            if part.isdigit():
                set_tick(session, user=user, interview=interview, index=int(part) - 1, on=True,
                         now=utc_now())
    return True


def ask_followups(ctx: Context, interview_id: int) -> None:
    """Ask the chosen follow-ups; show each one's answer after the learner's."""
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        row = current_answer(session, interview)
        assert row is not None
        options = {o.fid: o for o in followup_options(session, row.qid)}
        done = {a.ref for a in session_answers(session, interview) if a.parent_id == row.id}
        chosen = [options[fid] for fid in row.followups if fid in options and fid not in done]
    for option in chosen:
        console.print(t("cli.iv.followup", question=option.question), highlight=False)
        text = read_block(t("cli.iv.followup_prompt"))
        if text == STOP:
            raise Finish
        answered = False
        if text and text != SKIP:
            try:
                with unit_of_work(ctx) as (session, user):
                    interview = get_interview(session, user=user, interview_id=interview_id)
                    child = answer_followup(session, user=user, interview=interview,
                                            fid=option.fid, text=text, now=utc_now(),
                                            similarity=similarity_function())
                answered = True
                console.print(t("cli.iv.covers", covered=len(child.check.get("covered") or []),
                                total=len(child.check.get("points") or [])), highlight=False)
            except AnswerError as exc:
                errors.print(f"[yellow]{escape(say_error(exc))}[/]", highlight=False)
        if not answered:  # skipped: saved as such, so a resumed session does not ask it again
            with unit_of_work(ctx) as (session, user):
                interview = get_interview(session, user=user, interview_id=interview_id)
                skip_followup(session, user=user, interview=interview, fid=option.fid,
                              now=utc_now())
        console.print(t("cli.iv.followup_answer", answer=option.answer), highlight=False)
        if answered:
            ask_followup_rating(ctx, interview_id, option.fid)


def read_rating(what: str) -> int | None:
    """Ask for a rating 1–4 until one is typed; None when Enter skips it."""
    while True:
        text = read_line(t("cli.iv.rating_prompt", what=what))
        if text == STOP:
            raise Finish
        if text in ("", "1", "2", "3", "4"):
            return int(text) if text else None
        errors.print(t("cli.iv.rating_again"))


def ask_followup_rating(ctx: Context, interview_id: int, fid: str) -> None:
    """Rate an answered follow-up (Enter skips); the rating goes to its drill card."""
    rating = read_rating(t("cli.iv.rate_followup"))
    if rating is None:
        return
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        rate_followup(session, user=user, interview=interview, fid=fid, rating=rating,
                      now=utc_now(), reviews=default_reviews())


def ask_rating(ctx: Context, interview_id: int, answered: bool) -> bool:
    """Rate the question (or skip it); True while the session goes on."""
    rating = read_rating(t("cli.iv.rate_yourself")) if answered else None
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        following = rate_answer(session, user=user, interview=interview, rating=rating,
                                now=utc_now(), reviews=default_reviews())
        return following is not None


def run_interview(ctx: Context, interview_id: int, spoken: bool) -> None:
    """Ask questions until the plan or the time runs out, then print the scorecard."""
    try:
        while (row := show_question(ctx, interview_id)) is not None:
            if row.answered_at is not None:  # resumed after the answer: go on from there
                answered = show_saved_answer(ctx, interview_id)
            elif spoken:
                answered = ask_spoken(ctx, interview_id)
            else:
                answered = ask_typed(ctx, interview_id)
            if answered and not spoken:
                ask_followups(ctx, interview_id)
            if not ask_rating(ctx, interview_id, answered):
                break
    except Finish:
        if not stop_interview(ctx, interview_id):
            return
    except Stop:
        console.print(t("cli.iv.stays_open", id=interview_id), highlight=False)
        return
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        print_scorecard(build_scorecard(session, interview))
        console.print(t("cli.iv.trend", trend=trend_text(interview_history(session, user=user))),
                      highlight=False)


def stop_interview(ctx: Context, interview_id: int) -> bool:
    """/stop: finish the session with its answers (True), or close it when nothing was answered."""
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        answered = any(a.kind == "question" and (a.answer_text or a.ticks or a.rating)
                       for a in session_answers(session, interview))
        if answered:
            finish_interview(session, user=user, interview=interview, now=utc_now())
        else:
            abandon_interview(session, user=user, interview=interview, now=utc_now())
    if not answered:
        console.print(t("cli.iv.closed_empty", id=interview_id), highlight=False)
    return answered


def rating_text(rating: int | None, skipped: bool) -> str:
    """A self-rating as the scorecard shows it: 'good', 'skipped', '—'."""
    if rating in RATING_NAMES:
        return RATING_NAMES[rating] if language() == "en" else t(RATING_WORDS[rating])
    return t("cli.iv.skipped") if skipped else "—"


def verdict_text(code: str, level: str, overall: float, english: str,
                 weak: Iterable[str] = ()) -> str:
    """The verdict for a level: the scorecard's own sentence in English, else worded from its
    code ('almost ready for Senior (62%); work on: 05 Memory')."""
    if language() == "en" or code not in VERDICTS:
        return english
    text = t(VERDICTS[code], level=LEVEL_TITLES.get(level, level), percent=percent(overall))
    weak = list(weak)
    if not weak or code == "ready":
        return text
    work_on = t("iv.work_on")
    return f"{text}; {work_on}: {', '.join(weak)}"


def trend_text(entries: list[HistoryEntry]) -> str:
    """The readiness trend over sessions ('▃▅ 62% (+10% since the previous session)')."""
    if language() == "en":
        return trend_line(entries)
    trend = readiness_trend(entries)
    if trend.last is None:
        return t("iv.trend.none")
    if trend.change is None:
        first = t("iv.trend.first")
        return f"{trend.spark} {percent(trend.last)} ({first})"
    change = t("iv.trend.change", change=("+" if trend.change >= 0 else "-") +
               percent(abs(trend.change)))
    return f"{trend.spark} {percent(trend.last)} ({change})"


def print_scorecard(card: Scorecard) -> None:
    """The scorecard as tables."""
    table = Table("#", t("cli.iv.col_question"), t("cli.iv.col_module"), t("cli.iv.col_time"),
                  t("cli.iv.col_points"), t("cli.iv.col_rating"),
                  title=t("cli.iv.scorecard", id=card.interview.id))
    for row in card.rows:
        table.add_row(str(row.position), row.title, row.module, _clock(row.seconds * 1000),
                      f"{row.covered}/{row.total}", rating_text(row.rating, row.skipped))
    console.print(table)
    for module in card.modules:
        console.print(f"  {module.number} {module.title}: {percent(module.readiness)}",
                      highlight=False)
    weak = [f"{m.number} {m.title}" for m in weak_modules(card.modules)]
    console.print(t("cli.iv.verdict", text=verdict_text(
        card.verdict, card.interview.level, card.overall, card.verdict_text, weak)),
        highlight=False)


@interview_app.callback()
@handle_errors
def interview_command(
    ctx: typer.Context,
    level: Annotated[str, typer.Option(help=N_("cli.arg.level"))] = "senior",
    minutes: Annotated[int, typer.Option(help=N_("cli.arg.iv_minutes"))] = 30,
    modules: Annotated[str, typer.Option(help=N_("cli.arg.iv_modules"))] = "",
    spoken: Annotated[bool, typer.Option("--spoken", help=N_("cli.arg.iv_spoken"))] = False,
    seed: Annotated[int | None, typer.Option(help=N_("cli.arg.iv_seed"))] = None,
) -> None:
    """Start a timed mock interview: questions, feedback, follow-ups, ratings, scorecard."""
    if ctx.invoked_subcommand is not None:
        return
    app_ctx = open_context()
    options = InterviewOptions(
        level=level.lower(), minutes=minutes, answer_mode="spoken" if spoken else "typed",
        modules=tuple(m.strip().zfill(2) for m in modules.split(",") if m.strip()))
    with unit_of_work(app_ctx) as (session, user):
        waiting = [i.id for i in open_interviews(session, user=user)]
        interview = start_interview(session, user=user, options=options, now=utc_now(),
                                    rng=random.Random(seed), reviews=default_reviews())
        interview_id, count = interview.id, len(interview.plan)
    if waiting:
        console.print(t("cli.iv.open_sessions", ids=", ".join(map(str, waiting))),
                      highlight=False)
    console.print(t("cli.iv.started", id=interview_id, questions=tn("cli.iv.questions", count),
                    minutes=minutes, level=level), highlight=False)
    run_interview(app_ctx, interview_id, spoken)


@interview_app.command("resume", help=N_("cli.help.iv_resume"))
@handle_errors
def resume_command(
    interview_id: Annotated[int | None, typer.Argument(help=N_("cli.arg.iv_resume_id"))] = None,
) -> None:
    """Continue an open session where it stopped (answers already given are kept)."""
    app_ctx = open_context()
    with unit_of_work(app_ctx) as (session, user):
        if interview_id is None:
            waiting = open_interviews(session, user=user)
            if not waiting:
                raise fail(t("cli.iv.no_open"))
            interview_id = waiting[0].id
        interview = get_interview(session, user=user, interview_id=interview_id)
        stale = is_stale(interview, utc_now())
        resume_interview(session, user=user, interview=interview, now=utc_now())
        spoken = interview.answer_mode == "spoken"
    if stale:
        console.print(t("cli.iv.stale"), highlight=False)
    run_interview(app_ctx, interview_id, spoken)


@interview_app.command("close", help=N_("cli.help.iv_close"))
@handle_errors
def close_command(interview_id: SessionArgument) -> None:
    """Close an open session without finishing it (its answers stay in the history)."""
    with unit_of_work(open_context()) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        abandon_interview(session, user=user, interview=interview, now=utc_now())
    console.print(t("cli.iv.closed", id=interview_id), highlight=False)


@interview_app.command("history", help=N_("cli.help.iv_history"))
@handle_errors
def history_command() -> None:
    """Finished sessions with their readiness and the trend, plus open ones."""
    with unit_of_work(open_context()) as (session, user):
        entries = interview_history(session, user=user)
        waiting = open_interviews(session, user=user)
        now = utc_now()
        table = Table("id", t("cli.iv.col_date"), t("cli.iv.col_level"), t("cli.iv.col_min"),
                      t("cli.iv.col_questions"), t("cli.iv.col_readiness"),
                      t("cli.iv.col_verdict"))
        for e in entries:
            table.add_row(str(e.id), f"{e.started_at:%Y-%m-%d}", e.level, str(e.minutes),
                          str(e.questions), percent(e.overall),
                          verdict_text(e.verdict_code, e.level, e.overall, e.verdict))
        console.print(table)
        console.print(t("cli.iv.trend", trend=trend_text(entries)), highlight=False)
        for interview in waiting:
            console.print(t("cli.iv.open_stale", id=interview.id) if is_stale(interview, now)
                          else t("cli.iv.open_one", id=interview.id), highlight=False)


@interview_app.command("export", help=N_("cli.help.iv_export"))
@handle_errors
def export_command(
    interview_id: SessionArgument,
    output: Annotated[Path | None, typer.Option("-o", "--output", help=N_("cli.arg.output"))] =
        None,
) -> None:
    """A session's scorecard and answers as Markdown (stdout or a file)."""
    with unit_of_work(open_context()) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        text = scorecard_markdown(build_scorecard(session, interview))
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    console.print(t("cli.wrote", path=output), highlight=False)


def register(app: typer.Typer) -> None:
    """Add `gocoach interview` (with `contest` and `contests`, cli/contests.py) to the app."""
    from gocoach.cli import contests

    contests.register(interview_app)
    app.add_typer(interview_app, name="interview")
