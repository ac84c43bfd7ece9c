"""`gocoach interview contest` and `gocoach interview contests`: contest the verdict on a typed
answer, and list (or export as labelled answers) the contested verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from gocoach.cli.context import console, fail, handle_errors, open_context, unit_of_work
from gocoach.cli.interviews import SessionArgument, number_list, print_details
from gocoach.cli.language import N_, code_label, t, tn
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
from gocoach.interviews.sessions import get_question
from gocoach.startup import utc_now
from gocoach.store.tables import InterviewAnswer


def register(group: typer.Typer) -> None:
    """Add `contest` and `contests` to the `interview` group."""
    group.command("contest", help=N_("cli.help.iv_contest"))(contest_command)
    group.command("contests", help=N_("cli.help.iv_contests"))(contests_command)


def parse_numbers(text: str, what: str) -> tuple[int, ...]:
    """"2,4" → (1, 3): 1-based numbers as shown, to 0-based indexes; the exit otherwise.
    `what` is the key of what they number (cli.iv.what.key_point)."""
    out = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise fail(t("cli.iv.bad_numbers", what=t(what), part=part))
        out.append(int(part) - 1)
    return tuple(out)


@handle_errors
def contest_command(
    interview_id: SessionArgument,
    number: Annotated[int | None, typer.Argument(help=N_("cli.arg.contest_number"))] = None,
    covered: Annotated[str, typer.Option(help=N_("cli.arg.contest_covered"))] = "",
    not_said: Annotated[str, typer.Option(help=N_("cli.arg.contest_not_said"))] = "",
    not_stated: Annotated[str, typer.Option(help=N_("cli.arg.contest_not_stated"))] = "",
    overall: Annotated[str, typer.Option(help=N_("cli.arg.contest_overall"))] = "",
    comment: Annotated[str, typer.Option(help=N_("cli.arg.contest_comment"))] = "",
) -> None:
    """Contest the verdict on a typed answer; contesting again updates your contest."""
    kind = overall.strip().lower().replace("-", "_")
    if kind and kind not in OVERALL:
        raise fail(t("cli.iv.bad_overall", overall=overall))
    claim = ContestClaim(covered=parse_numbers(covered, N_("cli.iv.what.key_point")),
                         not_covered=parse_numbers(not_said, N_("cli.iv.what.key_point")),
                         not_stated=parse_numbers(not_stated, N_("cli.iv.what.misconception")),
                         overall=kind)
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
            console.print(t("cli.iv.contested_question", number=row.position + 1,
                            id=interview_id, title=title), highlight=False)
            if row.answer_text:
                console.print(t("cli.iv.your_answer", text=row.answer_text), highlight=False)
            print_details(answer_details(session, row))
            raise
        contest_id = contest.id
    said = {"contest": contest_id, "number": row.position + 1, "id": interview_id,
            "title": title, "claim": claim_text(claim)}
    console.print(t("cli.iv.contest_stored", **said) if created else
                  t("cli.iv.contest_updated", **said), highlight=False)


def claim_text(claim: ContestClaim, *, short: bool = False) -> str:
    """A claim in words, with the numbers the learner sees (`short` for a table)."""
    names = ((N_("cli.iv.claim.covered"), N_("cli.iv.claim.covered_long"), claim.covered),
             (N_("cli.iv.claim.not_said"), N_("cli.iv.claim.not_said_long"), claim.not_covered),
             (N_("cli.iv.claim.not_stated"), N_("cli.iv.claim.not_stated_long"),
              claim.not_stated))
    parts = [(t(brief) if short else t(long)) + " " + number_list(i + 1 for i in indexes)
             for brief, long, indexes in names if indexes]
    if claim.overall:
        overall = t("cli.iv.claim.too_low") if claim.overall == "too_low" else \
            t("cli.iv.claim.too_high")
        parts.append(overall if short else t("cli.iv.claim.overall", overall=overall))
    return "; ".join(parts) or t("cli.iv.claim.comment_only")


@handle_errors
def contests_command(
    export: Annotated[Path | None, typer.Option("--export", help=N_("cli.arg.contests_export"))]
    = None,
) -> None:
    """Your contested verdicts; --export writes them as labelled answers."""
    with unit_of_work(open_context()) as (session, user):
        if export is not None:
            records, skipped = export_contests(session, user=user)
            export.write_text(records_jsonl(records), encoding="utf-8")
            left = t("cli.iv.export_left_out", count=skipped) if skipped else ""
            console.print(tn("cli.iv.exported", len(records), path=export, left=left),
                          highlight=False)
            return
        contests = list_contests(session, user=user)
        positions = {a.id: a.position + 1 for a in session.scalars(select(InterviewAnswer).where(
            InterviewAnswer.id.in_([c.answer_id for c in contests if c.answer_id])))}
        table = Table()
        for name in ("id", t("cli.iv.col_date"), t("cli.iv.col_answer"),
                     t("cli.iv.col_question"), t("cli.iv.col_verdict")):
            table.add_column(name, no_wrap=True)
        table.add_column(t("cli.iv.col_claim"), ratio=1)
        table.add_column(t("cli.iv.col_comment"), ratio=1)
        table.add_column(t("cli.iv.col_status"), no_wrap=True)
        for c in contests:
            where = t("cli.iv.where", session=c.session_id,
                      number=positions.get(c.answer_id or 0, "?"))
            table.add_row(str(c.id), f"{c.updated_at:%Y-%m-%d}", where, c.qid,
                          code_label("iv.verdict.", str(c.verdict.get("verdict", ""))),
                          claim_text(ContestClaim.from_json(c.claim), short=True), c.comment,
                          code_label("iv.status.", c.status))
        console.print(table if contests else t("cli.iv.no_contests"), highlight=False)
