"""What the project testers say, as catalog keys with values (issue #16), for the faces to word.

A tester never writes a sentence of its own: a failed check is a `Failure` of `Said` values —
`Said("pj.check.tp.not_accepted")`, `Said("pj.check.http.status", codes="202")` — and what was
sent, what came back and what was expected, the program's bodies, headers and output, are
values shown verbatim. What is stored is language-neutral (`to_json`):

    >>> said = Said("pj.check.stage.time_limit", seconds=1.5)
    >>> said.to_json()
    {'key': 'pj.check.stage.time_limit', 'params': {'seconds': 1.5}}

Every such value is also a `str`: its Russian text (the table in projects/russian.py, the same
as the Russian catalog's), so code that prints it or looks for a word in it keeps working:

    >>> str(said)
    'стадия не уложилась в лимит времени 1.5 с'

The web words them in the page's language (web/tester_wording.py: `tester_text`), through
`spoken` with that language's catalog. A run stored before the keys (Russian text) is a plain
string, shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from gocoach.projects.russian import RUSSIAN

# A value in a sentence: a number, verbatim text (a body, a header, the program's output), or
# another sentence (Said, Failure, Lines — all of them str too), worded in its language.
Value = str | int | float
Template = Callable[[str], "str | None"]  # a key's text in one language, None if it has none
Number = Callable[[float], str]  # a fraction in one language's form
LABELS = (("sent", "pj.check.sent"), ("got", "pj.check.got"), ("expected", "pj.check.expected"))
LABEL_WIDTH = 12


def plain_number(value: float) -> str:
    """A fraction as the testers always printed it: `1.5`, `0.21`, `3`."""
    return f"{value:g}"


class Said(str):
    """One sentence: its catalog `key` and the `params` its placeholders take; as a str, its
    Russian text. A key the table does not have is refused when made."""

    key: str
    params: Mapping[str, Value]

    def __new__(cls, key: str, /, **params: Value) -> Said:
        if key not in RUSSIAN:
            raise ValueError(f"unknown tester text '{key}'")
        made = super().__new__(cls, _fill(RUSSIAN[key], params, _russian, plain_number))
        made.key = key
        made.params = MappingProxyType(dict(params))
        return made

    def to_json(self) -> dict[str, Any]:
        """{"key": …, "params": {…}} with every value stored the same way."""
        return {"key": self.key, "params": {name: to_json(v) for name, v in self.params.items()}}

    def __reduce__(self) -> tuple[Any, ...]:
        return (from_json, (self.to_json(),))


class Failure(str):
    """A failed check: what failed, and what was sent, what came back, what was expected (each
    one a sentence or verbatim text; empty ones are left out). As a str, in Russian:

        задача не принята
          отправлено: POST /tasks {"duration_ms": 5}
          получено:   404 404 page not found
          ожидалось:  код 202
    """

    what: Value
    sent: Value
    got: Value
    expected: Value

    def __new__(cls, what: Value, *, sent: Value = "", got: Value = "",
                expected: Value = "") -> Failure:
        parts = {"what": what, "sent": sent, "got": got, "expected": expected}
        made = super().__new__(cls, _failure(parts, _russian, plain_number))
        made.what, made.sent, made.got, made.expected = what, sent, got, expected
        return made

    def parts(self) -> dict[str, Value]:
        """what, sent, got, expected (those given)."""
        return {name: value for name, value in (("what", self.what), ("sent", self.sent),
                                                ("got", self.got), ("expected", self.expected))
                if name == "what" or value != ""}

    def to_json(self) -> dict[str, Any]:
        """{"check": {"what": …, "sent": …, "got": …, "expected": …}}."""
        return {"check": {name: to_json(value) for name, value in self.parts().items()}}

    def __reduce__(self) -> tuple[Any, ...]:
        return (from_json, (self.to_json(),))


class Lines(str):
    """Sentences and verbatim text one after another, joined by `sep` (a new line unless
    said): a race report's heading and the report, the output of each run, a check mark and
    its sentence."""

    parts: tuple[Value, ...]
    sep: str

    def __new__(cls, *parts: Value, sep: str = "\n") -> Lines:
        made = super().__new__(cls, sep.join(_spoken(p, _russian, plain_number) for p in parts))
        made.parts, made.sep = parts, sep
        return made

    def to_json(self) -> dict[str, Any]:
        """{"lines": [...], "sep": …}."""
        return {"lines": [to_json(p) for p in self.parts], "sep": self.sep}

    def __reduce__(self) -> tuple[Any, ...]:
        return (from_json, (self.to_json(),))


def to_json(value: object) -> Any:
    """A value as stored: a sentence as its document, text and numbers as they are."""
    if isinstance(value, Said | Failure | Lines):
        return value.to_json()
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value
    return str(value)


def from_json(document: object) -> Value:
    """What to_json stored, as values again. Text — verbatim, or a message stored before the
    keys — stays text; a key this version does not know is its key; nothing odd raises."""
    if isinstance(document, Mapping):
        if isinstance(document.get("key"), str):
            key = document["key"]
            params = document.get("params")
            values = {str(name): from_json(v) for name, v in params.items()} \
                if isinstance(params, Mapping) else {}
            return Said(key, **values) if key in RUSSIAN else key
        check = document.get("check")
        if isinstance(check, Mapping):
            return Failure(from_json(check.get("what", "")), sent=from_json(check.get("sent", "")),
                           got=from_json(check.get("got", "")),
                           expected=from_json(check.get("expected", "")))
        lines = document.get("lines")
        if isinstance(lines, list):
            sep = document.get("sep")
            return Lines(*(from_json(p) for p in lines), sep=sep if isinstance(sep, str) else "\n")
        return ""
    if isinstance(document, list):
        return Lines(*(from_json(p) for p in document))
    if isinstance(document, bool) or document is None:
        return "" if document is None else str(document)
    if isinstance(document, int | float | str):
        return document
    return str(document)


def spoken(value: object, template: Template, number: Number = plain_number) -> str:
    """A value in one language: each key's text from `template` (the Russian table's when it
    has none), numbers in `number`'s form, verbatim text as it is; a stored document is read
    with from_json first."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        value = from_json(value)
    return _spoken(value, template, number)


def key_of(value: object) -> str | None:
    """The key a message starts with — its own, its failure's `what`, or its first line's —
    for a value or a stored document; None for text."""
    if not isinstance(value, Said | Failure | Lines):
        value = from_json(value) if isinstance(value, Mapping | list) else value
    if isinstance(value, Said):
        return value.key
    if isinstance(value, Failure):
        return key_of(value.what)
    if isinstance(value, Lines) and value.parts:
        return key_of(value.parts[0])
    return None


# --- rendering --------------------------------------------------------------------------------


def _russian(key: str) -> str | None:
    return RUSSIAN.get(key)


def _spoken(value: Value, template: Template, number: Number) -> str:
    if isinstance(value, Said):
        text = template(value.key) or RUSSIAN[value.key]
        return _fill(text, value.params, template, number)
    if isinstance(value, Failure):
        return _failure(value.parts(), template, number)
    if isinstance(value, Lines):
        return value.sep.join(_spoken(p, template, number) for p in value.parts)
    if isinstance(value, float):
        return number(value)
    return str(value)


def _fill(text: str, params: Mapping[str, Value], template: Template, number: Number) -> str:
    words = {name: _spoken(value, template, number) for name, value in params.items()}
    try:
        return text.format(**words)
    except (KeyError, IndexError, ValueError):  # a placeholder the stored values lack
        return text


def _failure(parts: Mapping[str, Value], template: Template, number: Number) -> str:
    lines = [_spoken(parts.get("what", ""), template, number)]
    for name, key in LABELS:
        value = parts.get(name, "")
        text = _spoken(value, template, number).strip() if value != "" else ""
        if text:
            label = template(key) or RUSSIAN[key]
            indented = text.replace("\n", "\n" + " " * (LABEL_WIDTH + 2))
            lines.append(f"  {label:<{LABEL_WIDTH}}{indented}")
    return "\n".join(lines)
