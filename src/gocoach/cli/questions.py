"""`gocoach q search|show`, `gocoach drill …`, `gocoach export-anki`: the bank in a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markdown import Markdown
from rich.markup import escape

from gocoach.cli import drills as cli_drills
from gocoach.cli.context import console, handle_errors, open_context, unit_of_work
from gocoach.drills.anki import export_anki
from gocoach.drills.cards import card_statuses
from gocoach.plans.calendar import local_time
from gocoach.questions.links import items_for_question
from gocoach.questions.search import SearchFilters, search_bank
from gocoach.questions.views import ANSWER_SECTIONS, WHY, question_page
from gocoach.startup import utc_now

q_app = typer.Typer(help="Read and search the question bank.", no_args_is_help=True)
STARS = "★★★★★"


def register(app: typer.Typer) -> None:
    """Add `gocoach q`, `gocoach drill` and `gocoach export-anki` to the main app."""
    app.add_typer(q_app, name="q")
    app.add_typer(cli_drills.drill_app, name="drill")
    app.command("export-anki")(export_anki_command)


@q_app.command("search")
@handle_errors
def search_command(
    text: Annotated[str, typer.Argument(help="Words to find (Russian or English).")] = "",
    module: Annotated[str | None, typer.Option(help="Module number, e.g. 01.")] = None,
    level: Annotated[str | None, typer.Option(help="middle, senior or architect.")] = None,
    tag: Annotated[str | None, typer.Option(help="A tag, e.g. channels.")] = None,
    min_freq: Annotated[int | None, typer.Option(help="Asked at least this often (1–5).")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 20,
) -> None:
    """Full-text search over questions, answers and follow-ups, with filters."""
    filters = SearchFilters(module=module, level=level, tag=tag, min_freq=min_freq)
    with unit_of_work(open_context()) as (session, _user):
        results = search_bank(session, text=text, filters=filters, limit=limit)
    if not results.asked:
        console.print("type words to search (Russian may be typed in Latin letters: kanal), "
                      "or give a filter such as --module 01", highlight=False)
        return
    if not results.hits:
        console.print("nothing found — try fewer words or other filters")
        return
    for hit in results.hits:
        arrow = "" if hit.kind == "question" else "↳ "
        console.print(f"[bold cyan]{hit.ref}[/]  [dim]{hit.module_number} · {hit.level} · "
                      f"{STARS[:hit.freq]}[/]", highlight=False)
        console.print(f"  {arrow}{escape(hit.title)}", highlight=False)
        if hit.snippet:
            console.print(f"  [dim]{escape(hit.snippet)}[/]", highlight=False)
    shown = (f" (showing the first {len(results.hits)}; --limit shows more)"
             if results.total > len(results.hits) else "")
    console.print(f"{results.total} found{shown}; read one with `gocoach q show ID`",
                  highlight=False)


@q_app.command("show")
@handle_errors
def show_command(
    ref: Annotated[str, typer.Argument(help="Question id (or follow-up id).")],
) -> None:
    """Print a question: metadata, every section, follow-ups, your card, linked roadmap items."""
    with unit_of_work(open_context()) as (session, user):
        page = question_page(session, ref)
        question = page.question
        refs = [question.qid, *[f.fid for f in page.followups]]
        cards = card_statuses(session, user=user, refs=refs, now=utc_now())
        items = items_for_question(session, question.qid)
    module = page.module.title if page.module else question.module_number
    console.rule(f"[bold]{question.qid}[/] · {question.module_number} {escape(module)}")
    console.print(f"[bold]{escape(question.title)}[/]", highlight=False)
    console.print(f"level {question.level} · asked {STARS[:question.freq]} · "
                  f"tags {', '.join(question.tags)}", highlight=False)
    for name in (WHY, *ANSWER_SECTIONS):
        console.print(f"\n[bold cyan]{name}[/]")
        print_markdown(question.sections.get(name, ""))
    if page.followups:
        console.print("\n[bold cyan]Уточняющие вопросы / follow-ups[/]")
    for followup in page.followups:
        console.print(f"• [bold]{escape(followup.question)}[/] [dim]({followup.fid})[/]",
                      highlight=False)
        print_markdown(followup.answer)
    for card_ref, status in cards.items():
        console.print(f"[dim]card {card_ref}: {status.state}, due "
                      f"{local_time(status.due):%Y-%m-%d %H:%M}, "
                      f"recall {status.retrievability:.0%}[/]", highlight=False)
    for item in items:
        console.print(f"[dim]roadmap {item.roadmap_slug}: {item.title} ({item.key})[/]",
                      highlight=False)


def print_markdown(text: str) -> None:
    """Markdown wrapped to the terminal's width: list items and code lines are never cut off."""
    # the shared console does not wrap (soft_wrap) so that paths stay whole; rendered Markdown
    # must wrap, or Rich crops each list item and code line at the width
    console.print(Markdown(text), soft_wrap=False)


@handle_errors
def export_anki_command(
    file: Annotated[Path, typer.Argument(help="The .apkg file to write.")],
) -> None:
    """Write the question bank as an Anki deck (.apkg): one note per card, module as a tag."""
    if file.suffix != ".apkg":
        raise ValueError(f"{file}: the Anki file must end with .apkg")
    if not file.parent.is_dir():
        raise ValueError(f"{file.parent}: no such folder (create it first)")
    ctx = open_context()
    with unit_of_work(ctx) as (session, _user):
        report = export_anki(session, file, base_url=f"http://{ctx.settings.host}:"
                                                    f"{ctx.settings.port}")
    console.print(f"wrote {file}: {report.notes} notes ({report.questions} questions, "
                  f"{report.followups} follow-ups) in deck '{report.deck}'", highlight=False)
