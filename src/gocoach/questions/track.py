"""A whole track (index + module files) read from disk and checked against the format."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from gocoach.curricula.decoding import DocumentError
from gocoach.curricula.markdown import parse_markdown
from gocoach.curricula.tree import normalize_title
from gocoach.questions.blocks import classify
from gocoach.questions.format import Module, Problem, Question, parse_module

INDEX = "index.md"
MODULE_FILE = re.compile(r"^\d{2}-[a-z0-9-]+\.md$")


@dataclass
class TrackModule:
    """A module as the index lists it, with its parsed file when present."""

    number: str
    slug: str
    file: str
    description: str
    group: str
    parsed: Module | None = None


@dataclass
class Track:
    """The track: title, focus, stats, modules in order, and every problem found."""

    slug: str
    path: Path
    title: str = ""
    focus: str = ""
    stats: dict[str, str] = field(default_factory=dict)
    modules: list[TrackModule] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def questions(self) -> list[tuple[TrackModule, Question]]:
        """Every question of every present module, in order: (module, question) pairs."""
        return [(m, q) for m in self.modules if m.parsed for q in m.parsed.questions]


def read_track(path: Path) -> Track:
    """Read and check a track folder; problems are collected, not raised."""
    track = Track(slug=path.name, path=path)
    index = path / INDEX
    if not index.is_file():
        track.problems.append(Problem(str(index), 1, "the track has no index.md"))
        return track
    _read_index(track, index)
    listed = {m.file for m in track.modules}
    for extra in sorted(p.name for p in path.glob("*.md") if MODULE_FILE.match(p.name)):
        if extra not in listed:
            track.problems.append(
                Problem(str(path / extra), 1, "module file not listed in index.md")
            )
    for module in track.modules:
        file = path / module.file
        if not file.is_file():
            track.notes.append(f"{module.file}: not written yet")
            continue
        module.parsed = parse_module(file)
        track.problems.extend(module.parsed.problems)
    _check_track(track)
    return track


def _read_index(track: Track, index: Path) -> None:
    try:
        parsed = parse_markdown(index.read_text(encoding="utf-8"), name=str(index))
    except DocumentError as exc:
        track.problems.append(Problem(str(index), 1, str(exc)))
        return
    track.title = parsed.title.removeprefix("Трек:").strip()
    track.focus = parsed.description.removeprefix("Фокус:").strip()
    track.stats = dict(parsed.meta.get("stats", {}))
    for group in (n for n in parsed.nodes() if n.kind == "group"):
        for item in group.children:
            if item.item_kind == "module":
                track.modules.append(
                    TrackModule(
                        number=item.meta["number"],
                        slug=item.meta["slug"],
                        file=item.meta["file"],
                        description=item.body,
                        group=group.title,
                    )
                )
    if not track.modules:
        track.problems.append(
            Problem(
                str(index),
                1,
                "index.md lists no modules ('- [ ] [NN-slug](NN-slug.md) — description')",
            )
        )


def _check_track(track: Track) -> None:
    seen: dict[str, str] = {}
    for module, question in track.questions():
        where = f"{module.file}:{question.line}"
        if question.qid in seen:
            track.problems.append(
                Problem(
                    str(track.path / module.file),
                    question.line,
                    f"id '{question.qid}' is already used at {seen[question.qid]}",
                )
            )
        seen.setdefault(question.qid, where)
    for module in track.modules:
        if module.parsed:
            _check_module(track, module.parsed)


def _check_module(track: Track, module: Module) -> None:
    previous = 6
    for question in module.questions:
        path = str(module.path)
        if question.freq > previous:
            track.problems.append(
                Problem(path, question.line, "questions must be ordered by freq, highest first")
            )
        previous = question.freq or previous
        checked = 0
        for block in question.blocks:
            verdict = classify(block, question.tags)
            if isinstance(verdict, str):
                track.problems.append(Problem(path, block.line, verdict))
            elif verdict is not None:
                checked += 1
        if checked == 0 and "Пример" in question.section_lines:
            track.problems.append(
                Problem(
                    path,
                    question.section_lines["Пример"],
                    "'Пример' needs at least one checked Go block",
                )
            )


def missing_followups(track: Track, wanted: list[str]) -> list[str]:
    """The follow-ups of the user's list that no question of the track carries yet."""
    present = {_followup_form(f.question) for _, q in track.questions() for f in q.followups}
    return [text for text in wanted if _followup_form(text) not in present]


def _followup_form(text: str) -> str:
    return normalize_title(text)
