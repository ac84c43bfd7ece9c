"""The project testers' messages in the interface language (issue #16).

A tester says what it found as keys with values (projects/said.py); a stored run keeps them as
`{"key": "pj.check.tp.not_accepted", "params": {}}`, `{"check": {"what": …, "sent": …}}` (a
failed check) and `{"lines": [...]}`. Here they are worded with the catalogs' texts under
`pj.check.*`; what was sent and what came back (bodies, headers, the program's output) stays
as it is:

    >>> tester_text({"key": "pj.check.stage.time_limit", "params": {"seconds": 1.5}}, "en")
    'the stage did not finish within its time limit of 1.5 s'
    >>> tester_text("задача не принята", "en")  # stored before the keys: shown as it is
    'задача не принята'

Templates use the `tester` filter (`{{ result.message|tester }}`, the page's language); it
words the grader's reasons too (a refusal for want of a sandbox). The CLI calls
`tester_text(message, lang)`.
"""

from __future__ import annotations

from collections.abc import Mapping

from babel.numbers import format_decimal
from jinja2 import pass_context
from jinja2.runtime import Context

from gocoach.practice.grading.reasons import Reason
from gocoach.projects.said import Number, Template, spoken
from gocoach.web.grader_wording import grader_text
from gocoach.web.i18n import DEFAULT, LANGUAGES, catalog

PREFIX = "pj.check."


def tester_text(message: object, lang: str) -> str:
    """A tester's message in `lang`: a sentence (Said, Failure, Lines) or its stored document,
    with numbers in the language's form; text — verbatim, or stored before the keys — as it
    is; None is "". A grader's reason (a refusal) is worded by grader_text.

    A key this version has no text for is said as the key itself: a page never fails on it.
    """
    if message is None:
        return ""
    if isinstance(message, Reason) or (isinstance(message, Mapping)
                                       and isinstance(message.get("code"), str)):
        return grader_text(message, lang)
    template, number = _speaker(lang)
    return spoken(message, template, number)


@pass_context
def tester_filter(context: Context, message: object) -> str:
    """`{{ message|tester }}`: tester_text in the page's language."""
    return tester_text(message, str(context.get("lang") or DEFAULT))


def _speaker(lang: str) -> tuple[Template, Number]:
    lang = lang if lang in LANGUAGES else DEFAULT
    translations = catalog(lang)

    def template(key: str) -> str | None:
        text: str = translations.gettext(key)
        return None if text == key else text

    def number(value: float) -> str:
        return format_decimal(value, locale=lang)

    return template, number
