"""What a page says, in one language: catalog texts, plurals, dates, numbers, domain errors.

One `Wording` per request (deps.get_page): the interface language and the user's time zone
(GOCOACH_TIMEZONE, else this machine's). Templates get it as `fmt` and its `t`/`tn`:

    >>> words = Wording("ru", ZoneInfo("Europe/Moscow"))
    >>> words.hours(0.833333), Wording("en", UTC).hours(1.14)
    ('50 мин', '1 h 8 min')
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, format_skeleton, format_time
from babel.localtime import get_localzone
from babel.numbers import format_decimal, format_percent

from gocoach.curricula.roadmaps import ImportReport
from gocoach.interviews.verdicts import VerdictDetails
from gocoach.web.i18n import N_, catalog, translate, translate_plural
from gocoach.web.phrasebook import note_key, phrase_key

# DecodedText.summary(): "encoding cp1251, no mojibake" / "encoding utf-8, mojibake via …: …"
DECODING = re.compile(r"encoding (?P<encoding>[^,]+), (?:no mojibake|mojibake via (?P<via>[^:]+):)")
DECIMAL = re.compile(r"-?\d+\.\d+")
# What a 404 or a 400 says when the domain's error names no catalog key.
GENERIC_ERRORS = {404: N_("err.not_found"), 400: N_("err.bad_request")}
# The words for the share of a typed answer's required key points the checker heard: the
# lowest share of each band, highest first. 3 of 5 (60 %) is "more than half", not "almost
# everything"; 4 of 5 is "almost everything".
COVERAGE_BANDS: tuple[tuple[float, str], ...] = (
    (1.0, N_("num.cover.all")),
    (0.8, N_("num.cover.almost_all")),
    (0.6, N_("num.cover.most")),
    (0.2, N_("num.cover.some")),
    (0.0, N_("num.cover.few")),
)
COVERAGE_VERDICTS = frozenset({"good", "partial", "weak"})  # the checker's share-based verdicts


@functools.cache
def user_zone(name: str) -> tzinfo:
    """The time zone of the GOCOACH_TIMEZONE setting; empty: this machine's."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # the setting is checked when read; this guards a zone removed since
    return get_localzone()


@dataclass(frozen=True)
class Wording:
    """Texts and formats of one interface language in one time zone."""

    lang: str
    zone: tzinfo = UTC

    def t(self, key: str, /, **params: Any) -> str:
        """The catalog text of `key`, with `{name}` placeholders filled from `params`."""
        return translate(key, self.lang, **params)

    def tn(self, key: str, count: int, /, **params: Any) -> str:
        """The plural form of `key` for `count` ({n} in the text is the count)."""
        return translate_plural(key, count, self.lang, **params)

    def gettext(self, key: str) -> str:
        """gettext() for Jinja2's i18n extension ({% trans %}, _())."""
        return str(catalog(self.lang).gettext(key))

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """ngettext() for Jinja2's i18n extension."""
        return str(catalog(self.lang).ngettext(singular, plural, count))

    def number(self, value: float | int | None, digits: int = 1) -> str:
        """A number with at most `digits` decimals: 0.833333 → '0,8' (ru) / '0.8' (en)."""
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
        return str(format_decimal(value, pattern, locale=self.lang))

    def signed(self, value: float | int, digits: int = 1) -> str:
        """A change with its sign: '+1,5' / '−0.3' (a real minus sign)."""
        shown = self.number(abs(value), digits)
        return shown if shown == self.number(0, digits) else ("+" if value > 0 else "−") + shown

    def hours(self, value: float | int | None, *, signed: bool = False) -> str:
        """Time logged or budgeted, given in hours, as hours and minutes rounded to the minute:
        0.833333 → '50 мин' / '50 min', 1.14 → '1 ч 8 мин' / '1 h 8 min', 17.5 → '17 ч 30 мин',
        2 → '2 ч'. The one wording of time on every page; `signed` adds '+' or '−' (a change)."""
        if value is None:
            return "—"
        minutes = round(abs(value) * 60)
        hours, rest = divmod(minutes, 60)
        if not hours:
            text = self.t("num.minutes", m=self.number(rest))
        elif not rest:
            text = self.t("unit.hours", h=self.number(hours))
        else:
            text = self.t("num.hours_minutes", h=self.number(hours), m=self.number(rest))
        if signed and minutes:
            return ("+" if value > 0 else "−") + text
        return text

    def coverage(self, heard: int, total: int) -> str:
        """Key points heard of those required, with the words of its band (COVERAGE_BANDS):
        (3, 5) → '3 из 5 ключевых пунктов: больше половины' / '3 of 5 key points: more than
        half'."""
        share = heard / total if total else 0.0
        band = next(key for lowest, key in COVERAGE_BANDS if share >= lowest)
        return self.tn("num.cover.count", total, heard=heard, band=self.t(band))

    def verdict(self, details: VerdictDetails) -> str:
        """The label of a checked answer: for a verdict made of the share of key points heard
        (good, partial, weak), that share and its band; else the verdict's own name."""
        points = (*details.heard, *details.missed)
        if details.verdict in COVERAGE_VERDICTS and points:
            required = [p for p in points if not p.bonus] or list(points)
            heard = sum(1 for p in details.heard if p in required)
            return self.coverage(heard, len(required))
        return self.t(f"iv.verdict.{details.verdict or 'unchecked'}")

    def percent(self, share: float, digits: int = 0) -> str:
        """A share as a percentage: 0.34 → '34 %' (ru) / '34%' (en)."""
        return str(format_percent(round(share, digits + 2), locale=self.lang,
                                  decimal_quantization=False))

    def date(self, day: dt.date | dt.datetime | None, form: str = "medium") -> str:
        """A day: '7 дек. 2026 г.' / 'Dec 7, 2026' (form 'short': '07.12.2026' / '12/7/26',
        'day': '7 дек.' / 'Dec 7'). A timestamp is first put in the user's zone."""
        if day is None:
            return "—"
        if isinstance(day, dt.datetime):
            day = self.local(day).date()
        if form == "day":
            return str(format_skeleton("MMMd", day, locale=self.lang))
        return str(format_date(day, form, locale=self.lang))

    def datetime(self, moment: dt.datetime | None, form: str = "short") -> str:
        """A timestamp in the user's zone: '07.12.2026, 12:05' / '12/7/26, 12:05 PM'."""
        if moment is None:
            return "—"
        return str(format_datetime(self.local(moment), form, tzinfo=self.zone,
                                   locale=self.lang))

    def time(self, moment: dt.datetime) -> str:
        """The time of day of a timestamp in the user's zone: '12:05' / '12:05 PM'."""
        return str(format_time(self.local(moment), "short", tzinfo=self.zone, locale=self.lang))

    def local(self, moment: dt.datetime) -> dt.datetime:
        """A timestamp in the user's zone (naive values are UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone)

    def error(self, exc: BaseException, status: int = 400) -> str:
        """A domain error in the interface language.

        An error that names its catalog key (`code` with `params`, as store.refusals.Refusal;
        the teams' `key` under acct.err.) is translated. Otherwise the English sentence is
        shown in the English interface, and in another language its translation when the
        phrasebook knows the sentence, else the status's general message: a page never mixes
        two languages.
        """
        code = getattr(exc, "code", None)
        key = getattr(exc, "key", None)
        if not isinstance(code, str) and isinstance(key, str):
            code = f"acct.err.{key}"
        params: dict[str, Any] = dict(getattr(exc, "params", None) or {})
        if not (isinstance(code, str) and self.knows(code)):
            if self.lang == "en" and str(exc):
                return str(exc)
            found = phrase_key(str(exc))
            code, params = found if found else (GENERIC_ERRORS.get(status, "err.bad_request"), {})
        return self.sentence(code, params)

    def sentence(self, key: str, params: dict[str, Any]) -> str:
        """The text of `key` with domain values worded (numbers, dates in this language)."""
        words = {name: self._param(value) for name, value in params.items()}
        try:
            return self.t(key, **words)
        except (KeyError, IndexError, ValueError):  # a placeholder the values lack
            return self.t(key)

    def knows(self, key: str) -> bool:
        """Whether the catalog has a text for `key`."""
        return bool(catalog(self.lang).gettext(key) != key)

    def label(self, prefix: str, value: str | None) -> str:
        """The name of a code value (a status, a kind, a source): the catalog text of
        prefix+value, or the value itself when the catalog has none."""
        if not value:
            return ""
        return self.t(prefix + value) if self.knows(prefix + value) else value

    def phrase(self, text: str) -> str:
        """A domain sentence in this language (as it is when the phrasebook lacks it)."""
        found = phrase_key(text) if self.lang != "en" else None
        return self.sentence(*found) if found else text

    def note(self, text: str) -> str:
        """One of the importer's notes in this language (as it is if the phrasebook lacks it)."""
        found = note_key(text)
        if found is None or self.lang == "en":
            return text
        key, count = found
        return self.t(key, n=count) if count is not None else self.t(key)

    def import_texts(self, report: ImportReport) -> dict[str, Any]:
        """The import report's sentences in this language: decoding, notes, warnings."""
        decoding = report.decoding
        found = DECODING.match(decoding)
        if found and self.lang != "en":
            decoding = (self.t("import.decoding.clean", encoding=found["encoding"])
                        if found["via"] is None else
                        self.t("import.decoding.repaired", encoding=found["encoding"],
                               via=found["via"], repaired=report.repaired_chars,
                               dropped=report.dropped_chars))
        warnings = []
        for warning in report.warnings:
            garbled = warning.removeprefix("title still looks garbled: ")
            warnings.append(self.t("import.warn.garbled", title=garbled)
                            if garbled != warning and self.lang != "en" else warning)
        return {"decoding": decoding, "notes": [self.note(n) for n in report.notes],
                "warnings": warnings}

    def _param(self, value: object) -> object:
        """A parameter of an error message, worded: numbers and dates in the language's form."""
        if isinstance(value, bool):
            return value
        if isinstance(value, float):
            return self.number(value, 2)
        if isinstance(value, dt.datetime):
            return self.datetime(value)
        if isinstance(value, dt.date):
            return self.date(value)
        if isinstance(value, str) and DECIMAL.fullmatch(value):  # a number the phrasebook read
            return self.number(float(value), 2)
        return value
