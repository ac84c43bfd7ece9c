"""Parse question-bank module files (docs/question-bank.md) into questions, with problems.

Parsing never raises on bad content: every deviation from the format becomes a Problem with the
file and line, so `gocoach content check` can list them all at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from gocoach.questions.blocks import FENCE, CodeBlock, closes_fence, read_blocks

SECTIONS = (
    "Зачем спрашивают",
    "Короткий ответ",
    "Детальный разбор",
    "Пример",
    "Типичные ошибки",
    "На интервью",
)
LEVELS = ("middle", "senior", "architect")
FOLLOWUPS_HEADING = "Уточняющие вопросы"
KEY_POINTS_LABEL = "**Что должно прозвучать:**"
# A key point that starts with this mark is a bonus: implementation detail above the level.
BONUS_MARK = "(бонус)"
MAX_BONUS_POINTS = 3
MODULE_PREFIXES = {
    "00": "lang-",
    "01": "chan-",
    "02": "mem-",
    "03": "err-",
    "04": "rt-",
    "05": "pat-",
    "06": "db-",
    "07": "test-",
    "08": "net-",
    "09": "perf-",
    "10": "dist-",
    "11": "mq-",
    "12": "sec-",
    "13": "refl-",
}
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
META = re.compile(r"^<!--\s*(?P<body>.*?)\s*-->\s*$")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
KEY_POINT = re.compile(r"^\d+[.)]\s+(?P<text>.+)$")
FOLLOWUP = re.compile(r"^[-*]\s+\*\*(?P<q>.+?)\*\*[:.]?\s*(?P<a>.*)$")
MISTAKE = re.compile(r"^[-*]\s+\*\*«(?P<claim>.+?)»[.:]?\*\*")


@dataclass(frozen=True)
class Problem:
    """A format problem at a place in a file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class FollowUp:
    """A follow-up question with its answer."""

    question: str
    answer: str
    line: int


@dataclass
class Question:
    """One question of a module with its metadata, sections and derived lists."""

    title: str
    line: int
    qid: str = ""
    level: str = ""
    freq: int = 0
    tags: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    section_lines: dict[str, int] = field(default_factory=dict)
    key_points: list[str] = field(default_factory=list)
    followups: list[FollowUp] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)
    blocks: list[CodeBlock] = field(default_factory=list)


@dataclass
class Module:
    """A module file: number, slug, title, intro and questions."""

    path: Path
    number: str
    slug: str
    title: str = ""
    intro: str = ""
    questions: list[Question] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Cursor:
    module: Module
    question: Question | None = None
    section: str | None = None
    in_followups: bool = False
    lines: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, line: int, message: str) -> None:
        self.module.problems.append(Problem(str(self.module.path), line, message))


def parse_module(path: Path, text: str | None = None) -> Module:
    """Parse one module file (NN-slug.md); problems are collected, never raised."""
    number, _, slug = path.stem.partition("-")
    module = Module(path=path, number=number, slug=slug)
    raw = path.read_text(encoding="utf-8") if text is None else text
    cursor = _Cursor(module=module)
    fence: str | None = None
    intro: list[str] = []
    for index, line in enumerate(raw.split("\n"), start=1):
        fence_match = FENCE.match(line)
        if fence is not None:
            if closes_fence(line, fence):
                fence = None
            _append(cursor, line)
            continue
        if fence_match:
            fence = fence_match["fence"]
            _append(cursor, line)
            continue
        heading = HEADING.match(line)
        if heading:
            _heading(cursor, index, len(heading["hashes"]), heading["text"], raw)
        elif cursor.question is None:
            if index > 1:
                intro.append(line)
        else:
            _append(cursor, line)
    if fence is not None:
        cursor.problem(index, "a code block is not closed")
    _close_question(cursor)
    module.intro = "\n".join(intro).strip()
    if not module.title:
        module.problems.insert(0, Problem(str(path), 1, "line 1 must be '# Module title'"))
    return module


def _append(cursor: _Cursor, line: str) -> None:
    if cursor.question is not None and cursor.section is not None:
        name = FOLLOWUPS_HEADING if cursor.in_followups else cursor.section
        cursor.lines.setdefault(name, []).append(line)


def _heading(cursor: _Cursor, index: int, level: int, text: str, raw: str) -> None:
    if level == 1:
        if index == 1:
            cursor.module.title = text
        else:
            cursor.problem(index, "only line 1 may be a '# ' heading")
    elif level == 2:
        _close_question(cursor)
        cursor.question = Question(title=text, line=index)
        _read_meta(cursor, index, raw)
    elif cursor.question is None:
        cursor.problem(index, f"heading '{text}' before the first question")
    elif level == 3:
        _open_section(cursor, index, text)
    elif level == 4 and text == FOLLOWUPS_HEADING and cursor.section == SECTIONS[-1]:
        cursor.in_followups = True
        cursor.lines[FOLLOWUPS_HEADING] = []
    else:
        cursor.problem(index, f"unexpected heading '{'#' * level} {text}'")


def _read_meta(cursor: _Cursor, index: int, raw: str) -> None:
    question = cursor.question
    assert question is not None
    lines = raw.split("\n")
    meta = META.match(lines[index]) if index < len(lines) else None
    if meta is None:
        cursor.problem(
            index + 1,
            "the line after a question must be its metadata comment "
            "<!-- id: ...; level: ...; freq: N; tags: ... -->",
        )
        return
    fields: dict[str, str] = {}
    for part in meta["body"].split(";"):
        key, _, value = part.partition(":")
        if key.strip():
            fields[key.strip()] = value.strip()
    question.qid = fields.get("id", "")
    question.level = fields.get("level", "")
    question.freq = int(fields["freq"]) if fields.get("freq", "").isdigit() else 0
    question.tags = [t.strip() for t in fields.get("tags", "").split(",") if t.strip()]
    _check_meta(cursor, index + 1, fields)


def _check_meta(cursor: _Cursor, line: int, fields: dict[str, str]) -> None:
    question = cursor.question
    assert question is not None
    prefix = MODULE_PREFIXES.get(cursor.module.number)
    if not ID.match(question.qid):
        cursor.problem(line, f"id '{question.qid}' must be lowercase latin letters, digits and '-'")
    elif prefix and not question.qid.startswith(prefix):
        cursor.problem(line, f"id '{question.qid}' must start with '{prefix}' in this module")
    if question.level not in LEVELS:
        cursor.problem(line, f"level '{question.level}' must be one of {', '.join(LEVELS)}")
    if not 1 <= question.freq <= 5:
        cursor.problem(line, f"freq '{fields.get('freq', '')}' must be a number from 1 to 5")
    if not question.tags:
        cursor.problem(line, "tags: at least one tag")
    unknown = set(fields) - {"id", "level", "freq", "tags"}
    if unknown:
        cursor.problem(line, f"unknown metadata: {', '.join(sorted(unknown))}")


def _open_section(cursor: _Cursor, index: int, text: str) -> None:
    question = cursor.question
    assert question is not None
    expected = SECTIONS[len(question.section_lines)] if len(question.section_lines) < 6 else None
    if text not in SECTIONS:
        cursor.problem(index, f"unknown section '{text}'; the six are: {', '.join(SECTIONS)}")
    elif text in question.section_lines:
        cursor.problem(index, f"section '{text}' appears twice")
    elif text != expected:
        cursor.problem(index, f"section '{text}' is out of order; expected '{expected}'")
    question.section_lines[text] = index
    cursor.section = text
    cursor.in_followups = False


def _close_question(cursor: _Cursor) -> None:
    question = cursor.question
    if question is None:
        return
    for name in SECTIONS:
        text = "\n".join(cursor.lines.get(name, [])).strip()
        question.sections[name] = text
        if name not in question.section_lines:
            cursor.problem(
                question.line,
                f"question '{question.qid or question.title}' has no section '{name}'",
            )
        elif not text:
            cursor.problem(question.section_lines[name], f"section '{name}' is empty")
    _read_lists(cursor, question)
    cursor.module.questions.append(question)
    cursor.question, cursor.section, cursor.in_followups, cursor.lines = None, None, False, {}


def _read_lists(cursor: _Cursor, question: Question) -> None:
    interview = cursor.lines.get(SECTIONS[-1], [])
    start = question.section_lines.get(SECTIONS[-1], question.line)
    question.key_points = _key_points(interview)
    required = required_points(question.key_points)
    bonus = len(question.key_points) - len(required)
    if SECTIONS[-1] in question.section_lines and not 3 <= len(required) <= 6:
        cursor.problem(
            start,
            f"'{KEY_POINTS_LABEL}' needs 3–6 numbered key points, found {len(required)} "
            f"('{BONUS_MARK}' points not counted)",
        )
    if bonus > MAX_BONUS_POINTS:
        cursor.problem(
            start, f"at most {MAX_BONUS_POINTS} '{BONUS_MARK}' key points, found {bonus}"
        )
    followup_lines = cursor.lines.get(FOLLOWUPS_HEADING)
    if followup_lines is None:
        cursor.problem(start, f"no '#### {FOLLOWUPS_HEADING}' in 'На интервью'")
        followup_lines = []
    question.followups = _followups(cursor, followup_lines, start)
    question.mistakes = [
        m["claim"]
        for line in cursor.lines.get("Типичные ошибки", [])
        if (m := MISTAKE.match(line.strip()))
    ]
    example_line = question.section_lines.get("Пример", question.line)
    question.blocks = read_blocks(cursor.lines.get("Пример", []), example_line + 1)


def is_bonus(point: str) -> bool:
    """Whether a key point is a bonus: shown and matched, but not required for "good".

        >>> is_bonus("(бонус) внутри select — selectnbsend")
        True
    """
    return point.lstrip().lower().startswith(BONUS_MARK)


def required_points(points: list[str]) -> list[str]:
    """The key points a good answer must contain (bonus points left out)."""
    return [point for point in points if not is_bonus(point)]


def _key_points(lines: list[str]) -> list[str]:
    points: list[str] = []
    reading = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(KEY_POINTS_LABEL):
            reading = True
            continue
        if reading:
            match = KEY_POINT.match(stripped)
            if match:
                points.append(match["text"].strip())
            elif stripped and points:
                break
    return points


def _followups(cursor: _Cursor, lines: list[str], start: int) -> list[FollowUp]:
    found: list[FollowUp] = []
    heading_line = start + len(cursor.lines.get(SECTIONS[-1], [])) + 1
    for offset, line in enumerate(lines, start=1):
        match = FOLLOWUP.match(line.strip())
        if match:
            found.append(FollowUp(match["q"].strip(), match["a"].strip(), heading_line + offset))
        elif line.strip() and found and line.startswith((" ", "\t")):
            found[-1].answer = f"{found[-1].answer} {line.strip()}".strip()
        elif line.strip():
            cursor.problem(heading_line + offset, "a follow-up must be '- **question?** answer'")
    for item in found:
        if not item.answer:
            cursor.problem(item.line, f"follow-up '{item.question}' has no answer")
    if len(found) < 2:
        cursor.problem(heading_line, f"at least two follow-ups are needed, found {len(found)}")
    return found
