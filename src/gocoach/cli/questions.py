"""`gocoach q search|show`, `gocoach drill …`, `gocoach export-anki`: the bank in a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markdown import Markdown
from rich.markup import escape

from gocoach.cli import drills as cli_drills
from gocoach.cli.context import console, fail, handle_errors, open_context, unit_of_work
from gocoach.cli.language import N_, label, percent, t
from gocoach.drills.anki import export_anki
from gocoach.drills.cards import card_statuses
from gocoach.plans.calendar import local_time
from gocoach.questions.links import items_for_question
from gocoach.questions.search import SearchFilters, search_bank
from gocoach.questions.views import ANSWER_SECTIONS, WHY, question_page
from gocoach.startup import utc_now

q_app = typer.Typer(help=N_("cli.cmd.q"), no_args_is_help=True)
STARS = "★★★★★"
# The bank is written in Russian and its answer's headings are its structure: they are named in
# the CLI's language, as on the web (web/routes_questions.py); the text under them stays as written
SECTION_TITLES = {
    WHY: N_("q.why"), "Короткий ответ": N_("num.q.short_answer"),
    "Детальный разбор": N_("num.q.details"), "Пример": N_("num.q.example"),
    "Типичные ошибки": N_("num.q.mistakes"), "На интервью": N_("num.q.interview"),
}


def register(app: typer.Typer) -> None:
    """Add `gocoach q`, `gocoach drill` and `gocoach export-anki` to the main app."""
    app.add_typer(q_app, name="q")
    app.add_typer(cli_drills.drill_app, name="drill")
    app.command("export-anki", help=N_("cli.cmd.export_anki"))(export_anki_command)


@q_app.command("search", help=N_("cli.help.q_search"))
@handle_errors
def search_command(
    text: Annotated[str, typer.Argument(help=N_("cli.arg.q_text"))] = "",
    module: Annotated[str | None, typer.Option(help=N_("cli.arg.q_module"))] = None,
    level: Annotated[str | None, typer.Option(help=N_("cli.arg.level"))] = None,
    tag: Annotated[str | None, typer.Option(help=N_("cli.arg.q_tag"))] = None,
    min_freq: Annotated[int | None, typer.Option(help=N_("cli.arg.q_min_freq"))] = None,
    limit: Annotated[int, typer.Option(help=N_("cli.arg.q_limit"))] = 20,
) -> None:
    """Full-text search over questions, answers and follow-ups, with filters."""
    filters = SearchFilters(module=module, level=level, tag=tag, min_freq=min_freq)
    with unit_of_work(open_context()) as (session, _user):
        results = search_bank(session, text=text, filters=filters, limit=limit)
    if not results.asked:
        console.print(t("cli.q.ask"), highlight=False)
        return
    if not results.hits:
        console.print(t("cli.q.nothing"))
        return
    for hit in results.hits:
        arrow = "" if hit.kind == "question" else "↳ "
        console.print(f"[bold cyan]{hit.ref}[/]  [dim]{hit.module_number} · {hit.level} · "
                      f"{STARS[:hit.freq]}[/]", highlight=False)
        console.print(f"  {arrow}{escape(hit.title)}", highlight=False)
        if hit.snippet:
            console.print(f"  [dim]{escape(hit.snippet)}[/]", highlight=False)
    shown = (" " + t("cli.q.first", count=len(results.hits))
             if results.total > len(results.hits) else "")
    console.print(t("cli.q.found", total=results.total, shown=shown), highlight=False)


@q_app.command("show", help=N_("cli.help.q_show"))
@handle_errors
def show_command(
    ref: Annotated[str, typer.Argument(help=N_("cli.arg.q_ref"))],
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
    console.print(t("cli.q.meta", level=question.level, stars=STARS[:question.freq],
                    tags=", ".join(question.tags)), highlight=False)
    for name in (WHY, *ANSWER_SECTIONS):
        title = t(SECTION_TITLES[name]) if name in SECTION_TITLES else name
        console.print(f"\n[bold cyan]{escape(title)}[/]")
        print_markdown(question.sections.get(name, ""))
    if page.followups:
        console.print(t("cli.q.followups"))
    for followup in page.followups:
        console.print(f"• [bold]{escape(followup.question)}[/] [dim]({followup.fid})[/]",
                      highlight=False)
        print_markdown(followup.answer)
    for card_ref, status in cards.items():
        console.print(t("cli.q.card", ref=card_ref, state=label("card.state.", status.state),
                        due=f"{local_time(status.due):%Y-%m-%d %H:%M}",
                        recall=percent(status.retrievability)), highlight=False)
    for item in items:
        console.print(t("cli.q.item", slug=item.roadmap_slug, title=item.title, key=item.key),
                      highlight=False)


def print_markdown(text: str) -> None:
    """Markdown wrapped to the terminal's width: list items and code lines are never cut off."""
    # the shared console does not wrap (soft_wrap) so that paths stay whole; rendered Markdown
    # must wrap, or Rich crops each list item and code line at the width
    console.print(Markdown(text), soft_wrap=False)


@handle_errors
def export_anki_command(
    file: Annotated[Path, typer.Argument(help=N_("cli.arg.anki_file"))],
) -> None:
    """Write the question bank as an Anki deck (.apkg): one note per card, module as a tag."""
    if file.suffix != ".apkg":
        raise fail(t("cli.anki.suffix", path=file))
    if not file.parent.is_dir():
        raise fail(t("cli.err.no_folder", path=file.parent))
    ctx = open_context()
    with unit_of_work(ctx) as (session, _user):
        report = export_anki(session, file, base_url=f"http://{ctx.settings.host}:"
                                                    f"{ctx.settings.port}")
    console.print(t("cli.anki.wrote", path=file, notes=report.notes, questions=report.questions,
                    followups=report.followups, deck=report.deck), highlight=False)
