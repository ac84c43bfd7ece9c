"""Durations and ranges read from roadmap text: weeks, days, months, phases, hours per week."""

from __future__ import annotations

import re
from typing import Any

from gocoach.curricula.tree import ParsedNode

_RANGE = r"(?P<lo>\d+)(?:\s*[-–—]\s*(?P<hi>\d+))?"
UNITS = (
    ("week", r"недел[ьияюе]*|weeks?|нед\."),
    ("month", r"месяц[аев]*|months?|мес\."),
    ("day", r"дн[еяи]й?|день|days?"),
    ("hour", r"час(?:ов|а)?|hours?|ч\."),
)
DURATION = re.compile(
    rf"{_RANGE}\s*(?P<unit>{'|'.join(f'(?P<{name}>{rx})' for name, rx in UNITS)})", re.I
)
HOURS_PER_WEEK = re.compile(
    rf"{_RANGE}\s*(?:час(?:ов|а)?|hours?|h)\s*(?:в|per|a|/)\s*(?:неделю|week|wk)", re.I
)
WEEK_RANGE = re.compile(rf"(?:недел[ияю]|weeks?)\s*{_RANGE}", re.I)
DAY_RANGE = re.compile(rf"(?:день|дни|days?)\s*{_RANGE}", re.I)
PHASE_RANGE = re.compile(rf"(?:phases?|фазы?)\s*{_RANGE}", re.I)
NUMBERED = re.compile(r"^(?P<number>\d+(?:\.\d+)+)\.?\s")
LEADING_NUMBER = re.compile(r"^(?:месяц|month|этап|stage|phase|фаза)\s+(?P<n>\d+)", re.I)


def parse_duration(text: str) -> dict[str, Any] | None:
    """'3-4 месяца' → {'unit': 'month', 'min': 3, 'max': 4, 'text': '3-4 месяца'}."""
    match = DURATION.search(text)
    if not match:
        return None
    unit = next(name for name, _ in UNITS if match.group(name))
    lo = int(match["lo"])
    hi = int(match["hi"]) if match["hi"] else lo
    return {"unit": unit, "min": lo, "max": hi, "text": match.group(0)}


def read_hours_per_week(text: str) -> dict[str, int] | None:
    """'15-20 часов в неделю' → {'min': 15, 'max': 20}."""
    match = HOURS_PER_WEEK.search(text)
    if not match:
        return None
    lo = int(match["lo"])
    return {"min": lo, "max": int(match["hi"]) if match["hi"] else lo}


def _range(pattern: re.Pattern[str], text: str) -> tuple[int, int] | None:
    match = pattern.search(text)
    if not match:
        return None
    lo = int(match["lo"])
    return lo, int(match["hi"]) if match["hi"] else lo


def apply_heading_meta(node: ParsedNode) -> None:
    """Record the numbers a heading states: its week range, days, phases, section number."""
    title = node.title
    weeks = _range(WEEK_RANGE, title)
    if weeks:
        node.meta["week_from"], node.meta["week_to"] = weeks
    days = _range(DAY_RANGE, title) if node.kind == "day" else None
    if days:
        node.meta["day_from"], node.meta["day_to"] = days
    phases = _range(PHASE_RANGE, title) if node.kind in ("tier", "section") else None
    if phases:
        node.meta["phase_from"], node.meta["phase_to"] = phases
    numbered = NUMBERED.match(title)
    if numbered:
        node.meta["number"] = numbered["number"]
    leading = LEADING_NUMBER.match(title)
    if leading:
        node.meta["number"] = leading["n"]
    duration = parse_duration(title)
    if duration and node.kind not in ("week", "day"):
        node.meta["duration"] = duration
