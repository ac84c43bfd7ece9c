"""`gocoach interview`: a timed mock interview in the terminal, its history, resume and export;
contesting a verdict and the list (or export) of contested verdicts.

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
from rich.table import Table
from sqlalchemy import select

from gocoach.cli.context import Context, console, errors, handle_errors, open_context, unit_of_work
from gocoach.interviews.checking import AnswerError
from gocoach.interviews.contests import (
    OVERALL,
    ContestClaim,
    answer_details,
    contest_answer,
    export_contests,
    list_contests,
    records_jsonl,
    session_answer,
)
from gocoach.interviews.embeddings import model_note, similarity_function
from gocoach.interviews.scorecard import (
    RATING_NAMES,
    Scorecard,
    build_scorecard,
    interview_history,
    scorecard_markdown,
    session_answers,
    trend_line,
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

interview_app = typer.Typer(help="Mock interviews: timed sessions with follow-ups and a "
                                 "scorecard.", invoke_without_command=True)
SKIP, STOP = "/skip", "/stop"


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
        console.rule(f"question {row.position + 1}/{len(interview.plan)} · module "
                     f"{question.module_number} · {question.level} · time left {_clock(left)}")
        console.print(f"[bold]{question.title}[/]", highlight=False)
        return row


def ask_typed(ctx: Context, interview_id: int) -> bool:
    """Read, save and check one typed answer; False if the learner skipped."""
    while True:
        text = read_block("your answer (end with an empty line; /skip, /stop):")
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
            errors.print(f"[yellow]{exc}[/]", highlight=False)


def show_feedback(row: InterviewAnswer, question: Question) -> None:
    """The verdict: key points heard (with the words that matched) and missed, misconceptions
    with their trigger words, what was ignored; then how to contest it."""
    details = verdict_details(row.check, question.mistakes)
    print_details(details)
    console.print(f"hint: {row.check.get('verdict', '')} (a hint, not a grade: your rating "
                  f"decides) · answered in {_clock(row.duration_ms)}", highlight=False)
    if details.checked:
        console.print(f"[dim]disagree? `gocoach interview contest {row.session_id} "
                      f"{row.position + 1} --covered N --not-stated N --overall too-low "
                      "--comment …`[/]", highlight=False)
    console.print(f"[bold]short answer:[/] "
                  f"{question.sections.get('Короткий ответ', '').strip()}", highlight=False)


def _words(words: tuple[str, ...]) -> str:
    return ", ".join(words)


def print_details(details: VerdictDetails) -> None:
    """Key points heard and missed as a table, then misconceptions, then what was ignored."""
    for note in details.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    if not details.checked:
        return
    table = Table("", "#", "key point", "score", "matched words", show_lines=False)
    for point in sorted((*details.heard, *details.missed), key=lambda p: p.number):
        heard = point in details.heard
        evidence = _words(point.words) if heard else (
            f"only: {_words(point.words)}" if point.words else "")
        if point.negated:
            evidence += f" [red](negated: {_words(point.negated)})[/]"
        table.add_row("[green]✔[/]" if heard else "[red]✘[/]", str(point.number), point.text,
                      f"{point.score:.2f}", evidence)
    console.print(table)
    console.print(f"heard: {_numbers(p.number for p in details.heard)} · missed: "
                  f"{_numbers(p.number for p in details.missed)}", highlight=False)
    for m in details.misconceptions:
        number = f" {m.number}" if m.number else ""
        console.print(f"[red]misconception{number}:[/] «{m.claim}» — you said: “{m.evidence}” "
                      f"(trigger words: {_words(m.words)})", highlight=False)
    for part in details.ignored:
        reason = {"list": "a bare list of terms counts for nothing:",
                  "unsure": "said without knowing, not counted:"}.get(part.kind)
        text = f"{reason} “{part.text}”" if reason else part.text
        console.print(f"[yellow]ignored:[/] {text}", highlight=False)


def _numbers(numbers: Iterable[int]) -> str:
    return ", ".join(map(str, numbers)) or "none"


def show_saved_answer(ctx: Context, interview_id: int) -> bool:
    """Show an answer given before the session was interrupted, with its feedback."""
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        row = current_answer(session, interview)
        assert row is not None
        console.print(f"your answer (saved): {row.answer_text}", highlight=False)
        if row.check.get("points"):
            show_feedback(row, get_question(session, row.qid))
    return True


def ask_spoken(ctx: Context, interview_id: int) -> bool:
    """Answer aloud, then tick the key points said; False if the learner skipped."""
    answer = read_line("answer aloud, then press Enter (/skip, /stop): ")
    if answer == STOP:
        raise Finish
    if answer == SKIP:
        return False
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        row = current_answer(session, interview)
        assert row is not None
        points = get_question(session, row.qid).key_points
    for number, point in enumerate(points, start=1):
        console.print(f"  {number}. {point}", highlight=False)
    said = read_line("which did you say? (e.g. 1,3; Enter for none): ")
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
        console.print(f"\n[bold]follow-up:[/] {option.question}", highlight=False)
        text = read_block("your answer (empty line to skip it; /stop):")
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
                console.print(f"covers {len(child.check.get('covered') or [])} of "
                              f"{len(child.check.get('points') or [])} statements of the answer:",
                              highlight=False)
            except AnswerError as exc:
                errors.print(f"[yellow]{exc}[/]", highlight=False)
        if not answered:  # skipped: saved as such, so a resumed session does not ask it again
            with unit_of_work(ctx) as (session, user):
                interview = get_interview(session, user=user, interview_id=interview_id)
                skip_followup(session, user=user, interview=interview, fid=option.fid,
                              now=utc_now())
        console.print(f"[dim]answer:[/] {option.answer}", highlight=False)
        if answered:
            ask_followup_rating(ctx, interview_id, option.fid)


def read_rating(what: str) -> int | None:
    """Ask for a rating 1–4 until one is typed; None when Enter skips it."""
    while True:
        text = read_line(f"{what}: 1 again, 2 hard, 3 good, 4 easy (Enter skips): ")
        if text == STOP:
            raise Finish
        if text in ("", "1", "2", "3", "4"):
            return int(text) if text else None
        errors.print("[yellow]type 1, 2, 3 or 4, or press Enter to skip rating[/]")


def ask_followup_rating(ctx: Context, interview_id: int, fid: str) -> None:
    """Rate an answered follow-up (Enter skips); the rating goes to its drill card."""
    rating = read_rating("rate this follow-up")
    if rating is None:
        return
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        rate_followup(session, user=user, interview=interview, fid=fid, rating=rating,
                      now=utc_now(), reviews=default_reviews())


def ask_rating(ctx: Context, interview_id: int, answered: bool) -> bool:
    """Rate the question (or skip it); True while the session goes on."""
    rating = read_rating("rate yourself") if answered else None
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
        console.print(f"\nsession {interview_id} stays open: `gocoach interview resume "
                      f"{interview_id}` continues it, `gocoach interview close {interview_id}` "
                      "closes it", highlight=False)
        return
    with unit_of_work(ctx) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        print_scorecard(build_scorecard(session, interview))
        console.print(f"trend: {trend_line(interview_history(session, user=user))}",
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
        console.print(f"\nsession {interview_id} closed: nothing was answered", highlight=False)
    return answered


def print_scorecard(card: Scorecard) -> None:
    """The scorecard as tables."""
    table = Table("#", "question", "module", "time", "key points", "rating",
                  title=f"scorecard · session {card.interview.id}")
    for row in card.rows:
        rating = RATING_NAMES.get(row.rating or 0, "skipped" if row.skipped else "—")
        table.add_row(str(row.position), row.title, row.module, _clock(row.seconds * 1000),
                      f"{row.covered}/{row.total}", rating)
    console.print(table)
    for module in card.modules:
        console.print(f"  {module.number} {module.title}: {module.readiness:.0%}",
                      highlight=False)
    console.print(f"[bold]verdict:[/] {card.verdict_text}", highlight=False)


@interview_app.callback()
@handle_errors
def interview_command(
    ctx: typer.Context,
    level: Annotated[str, typer.Option(help="middle, senior or architect.")] = "senior",
    minutes: Annotated[int, typer.Option(help="Length of the session (5–180).")] = 30,
    modules: Annotated[str, typer.Option(
        help="Module numbers, e.g. 01,05; empty: mixed by interview frequency.")] = "",
    spoken: Annotated[bool, typer.Option(
        "--spoken", help="Answer aloud and tick the key points you said.")] = False,
    seed: Annotated[int | None, typer.Option(help="Random seed (repeatable sessions).")] = None,
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
        console.print(f"[yellow]open sessions:[/] {', '.join(map(str, waiting))} "
                      "(`gocoach interview resume ID` or `gocoach interview close ID`)",
                      highlight=False)
    console.print(f"session {interview_id}: {count} questions, {minutes} min, level {level}",
                  highlight=False)
    run_interview(app_ctx, interview_id, spoken)


@interview_app.command("resume")
@handle_errors
def resume_command(
    interview_id: Annotated[int | None, typer.Argument(
        help="Session id; default: the latest open one.")] = None,
) -> None:
    """Continue an open session where it stopped (answers already given are kept)."""
    app_ctx = open_context()
    with unit_of_work(app_ctx) as (session, user):
        if interview_id is None:
            waiting = open_interviews(session, user=user)
            if not waiting:
                raise LookupError("no open interview session: start one with "
                                  "`gocoach interview --level senior --minutes 30`")
            interview_id = waiting[0].id
        interview = get_interview(session, user=user, interview_id=interview_id)
        stale = is_stale(interview, utc_now())
        resume_interview(session, user=user, interview=interview, now=utc_now())
        spoken = interview.answer_mode == "spoken"
    if stale:
        console.print("this session was left open for a long time; the pause is not counted",
                      highlight=False)
    run_interview(app_ctx, interview_id, spoken)


@interview_app.command("close")
@handle_errors
def close_command(
    interview_id: Annotated[int, typer.Argument(help="Session id.")],
) -> None:
    """Close an open session without finishing it (its answers stay in the history)."""
    with unit_of_work(open_context()) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        abandon_interview(session, user=user, interview=interview, now=utc_now())
    console.print(f"session {interview_id} closed", highlight=False)


@interview_app.command("history")
@handle_errors
def history_command() -> None:
    """Finished sessions with their readiness and the trend, plus open ones."""
    with unit_of_work(open_context()) as (session, user):
        entries = interview_history(session, user=user)
        waiting = open_interviews(session, user=user)
        now = utc_now()
        table = Table("id", "date", "level", "min", "questions", "readiness", "verdict")
        for e in entries:
            table.add_row(str(e.id), f"{e.started_at:%Y-%m-%d}", e.level, str(e.minutes),
                          str(e.questions), f"{e.overall:.0%}", e.verdict)
        console.print(table)
        console.print(f"trend: {trend_line(entries)}", highlight=False)
        for interview in waiting:
            state = "left open for a long time — " if is_stale(interview, now) else ""
            console.print(f"open: session {interview.id} ({state}resume or close it)",
                          highlight=False)


@interview_app.command("export")
@handle_errors
def export_command(
    interview_id: Annotated[int, typer.Argument(help="Session id.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
) -> None:
    """A session's scorecard and answers as Markdown (stdout or a file)."""
    with unit_of_work(open_context()) as (session, user):
        interview = get_interview(session, user=user, interview_id=interview_id)
        text = scorecard_markdown(build_scorecard(session, interview))
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}", highlight=False)


def parse_numbers(text: str, what: str) -> tuple[int, ...]:
    """"2,4" → (1, 3): 1-based numbers as shown, to 0-based indexes; ValueError otherwise."""
    out = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise ValueError(f"{what} numbers are 1, 2, 3… separated by commas, not '{part}'")
        out.append(int(part) - 1)
    return tuple(out)


@interview_app.command("contest")
@handle_errors
def contest_command(
    interview_id: Annotated[int, typer.Argument(help="Session id.")],
    number: Annotated[int | None, typer.Argument(
        help="Question number in the session (as in the scorecard); default: the latest "
             "answered one.")] = None,
    covered: Annotated[str, typer.Option(
        help="Key points you covered that were marked missed, e.g. 2,4.")] = "",
    not_said: Annotated[str, typer.Option(
        help="Key points marked heard that you did not really say.")] = "",
    not_stated: Annotated[str, typer.Option(
        help="Misconceptions flagged that your answer does not state (their numbers).")] = "",
    overall: Annotated[str, typer.Option(help="The overall verdict is too-low or too-high.")] = "",
    comment: Annotated[str, typer.Option(help="What else the check got wrong.")] = "",
) -> None:
    """Contest the verdict on a typed answer; contesting again updates your contest."""
    kind = overall.strip().lower().replace("-", "_")
    if kind and kind not in OVERALL:
        raise ValueError(f"--overall is too-low or too-high, not '{overall}'")
    claim = ContestClaim(covered=parse_numbers(covered, "key point"),
                         not_covered=parse_numbers(not_said, "key point"),
                         not_stated=parse_numbers(not_stated, "misconception"), overall=kind)
    with unit_of_work(open_context()) as (session, user):
        row = session_answer(session, user=user, interview_id=interview_id, number=number)
        try:
            title = get_question(session, row.qid).title
        except LookupError:  # the question left the bank; its answer can still be contested
            title = row.qid
        try:
            contest, created = contest_answer(session, user=user, answer=row, claim=claim,
                                              comment=comment, now=utc_now())
        except ValueError:
            console.print(f"question {row.position + 1} of session {interview_id}: {title}",
                          highlight=False)
            if row.answer_text:
                console.print(f"your answer: {row.answer_text}", highlight=False)
            print_details(answer_details(session, row))
            raise
        contest_id = contest.id
    what = "stored" if created else "updated"
    console.print(f"contest {contest_id} {what}: question {row.position + 1} of session "
                  f"{interview_id} ({title}) — {claim_text(claim)}", highlight=False)


def claim_text(claim: ContestClaim, *, short: bool = False) -> str:
    """A claim in words, with the numbers the learner sees (`short` for a table)."""
    names = (("covered", "covered key points", claim.covered),
             ("not said", "did not say key points", claim.not_covered),
             ("not stated", "did not state misconceptions", claim.not_stated))
    parts = [f"{brief if short else long} {_numbers(i + 1 for i in indexes)}"
             for brief, long, indexes in names if indexes]
    if claim.overall:
        overall = claim.overall.replace("_", " ")
        parts.append(overall if short else f"overall verdict {overall}")
    return "; ".join(parts) or "comment only"


@interview_app.command("contests")
@handle_errors
def contests_command(
    export: Annotated[Path | None, typer.Option(
        "--export", help="Write them as labelled answers (JSONL) for bench/answers.py "
                         "--extra.")] = None,
) -> None:
    """Your contested verdicts; --export writes them as labelled answers."""
    with unit_of_work(open_context()) as (session, user):
        if export is not None:
            records, skipped = export_contests(session, user=user)
            export.write_text(records_jsonl(records), encoding="utf-8")
            left = (f"; {skipped} left out: they name no key point or misconception"
                    if skipped else "")
            plural = "" if len(records) == 1 else "s"
            console.print(f"wrote {len(records)} contested answer{plural} to {export}{left}",
                          highlight=False)
            return
        contests = list_contests(session, user=user)
        positions = {a.id: a.position + 1 for a in session.scalars(select(InterviewAnswer).where(
            InterviewAnswer.id.in_([c.answer_id for c in contests if c.answer_id])))}
        table = Table()
        for name in ("id", "date", "answer", "question", "verdict"):
            table.add_column(name, no_wrap=True)
        table.add_column("claim", ratio=1)
        table.add_column("comment", ratio=1)
        table.add_column("status", no_wrap=True)
        for c in contests:
            where = f"session {c.session_id} #{positions.get(c.answer_id or 0, '?')}"
            table.add_row(str(c.id), f"{c.updated_at:%Y-%m-%d}", where, c.qid,
                          str(c.verdict.get("verdict", "")),
                          claim_text(ContestClaim.from_json(c.claim), short=True), c.comment,
                          c.status)
        console.print(table if contests else "no contested verdicts yet: "
                      "`gocoach interview contest SESSION [NUMBER] …` contests one",
                      highlight=False)


def register(app: typer.Typer) -> None:
    """Add `gocoach interview` to the main app."""
    app.add_typer(interview_app, name="interview")
