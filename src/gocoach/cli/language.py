"""The CLI's language: which one (the environment, as gettext reads it) and its texts.

Every text the CLI prints goes through `t`/`tn` with a symbolic key (`cli.…`), like the web's
(docs/i18n.md). The language is `GOCOACH_LANGUAGE` when it is `ru` or `en`, else the locale of
the environment, read as gettext reads it: the first non-empty of LANGUAGE, LC_ALL,
LC_MESSAGES and LANG; a value starting with "ru" is Russian, anything else (C, POSIX,
en_US.UTF-8) English.

    $ LANG=ru_RU.UTF-8 gocoach today      # Russian
    $ LANG=C gocoach today                # English
    $ GOCOACH_LANGUAGE=en gocoach today   # English, whatever the locale

This module is imported by `gocoach --help`, so it stays light: the compiled catalog is read
with the standard library's gettext (a few milliseconds); Babel (web.i18n) is imported only
when the .mo is missing or older than its .po, and for numbers and dates (`words`).
"""

from __future__ import annotations

import functools
import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gocoach.web.wording import Wording

LANGUAGES = ("ru", "en")
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")  # gettext's order
_chosen: list[str] = []  # the language of the command running now (use_language)


def N_(key: str) -> str:  # gettext's name for "mark for extraction only"
    """Mark a key for `pybabel extract` where it is translated later (help texts)."""
    return key


def choose_language(environ: Mapping[str, str]) -> str:
    """The CLI's language for this environment.

    >>> choose_language({"LANG": "ru_RU.UTF-8"}), choose_language({"LANG": "C"})
    ('ru', 'en')
    >>> choose_language({"GOCOACH_LANGUAGE": "en", "LC_ALL": "ru_RU.UTF-8"})
    'en'
    """
    upper = {name.upper(): value for name, value in environ.items()
             if name.upper() == "GOCOACH_LANGUAGE"}  # settings are read case-insensitively
    forced = upper.get("GOCOACH_LANGUAGE", "").strip().lower()
    if forced in LANGUAGES:
        return forced
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


def language() -> str:
    """The language of the command running now (else the environment's)."""
    return _chosen[-1] if _chosen else choose_language(os.environ)


@contextmanager
def use_language(lang: str) -> Iterator[str]:
    """Speak `lang` inside the block (a command run: cli/main.py)."""
    _chosen.append(lang if lang in LANGUAGES else "en")
    try:
        yield _chosen[-1]
    finally:
        _chosen.pop()


@functools.cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of `lang`: the .mo through the standard library when it is up to
    date, else web.i18n's (which compiles the .po in memory)."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    try:
        if (folder / "messages.mo").stat().st_mtime >= (folder / "messages.po").stat().st_mtime:
            with (folder / "messages.mo").open("rb") as compiled:
                return gettext.GNUTranslations(compiled)
    except OSError:
        pass
    from gocoach.web.i18n import catalog as web_catalog

    return web_catalog(lang)


def t(key: str, /, **params: Any) -> str:
    """The text of `key` in the CLI's language, `{name}` placeholders filled from `params`."""
    text = catalog(language()).gettext(key)
    return text.format(**params) if params else text


def tn(key: str, count: int, /, **params: Any) -> str:
    """The plural form of `key` for `count` ({n} in the text is the count)."""
    text = catalog(language()).ngettext(key, key, count)
    return text.format(n=count, **params)


def knows(key: str) -> bool:
    """Whether the catalog has a text for `key`."""
    return catalog(language()).gettext(key) != key


def words(zone: str = "") -> Wording:
    """Numbers, dates, plurals and domain errors in the CLI's language (Babel: import cost)."""
    from gocoach.web.wording import Wording, user_zone

    return Wording(language(), user_zone(zone))


def label(prefix: str, value: str | None) -> str:
    """The name of a code value (`label("status.", "in_progress")`): the catalog text of
    prefix+value, else the value itself."""
    if not value:
        return ""
    return t(prefix + value) if knows(prefix + value) else value


# Numbers and dates by Babel in the CLI's language. Not through web.wording.Wording, whose
# module imports the roadmap importer and the answer checker (~50 ms a command like `today`
# would pay); babel.numbers and babel.dates alone cost a few milliseconds.

def number(value: float, digits: int = 2, *, fixed: bool = False) -> str:
    """A number with at most `digits` decimals (exactly `digits` if `fixed`): 17.5 → '17,5'
    (ru) / '17.5' (en); 0.9 with 2 fixed → '0,90' / '0.90'."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + ("0" if fixed else "#") * digits if digits > 0 else "")
    return str(format_decimal(value, pattern, locale=language()))


def signed(value: float, digits: int = 2) -> str:
    """A change with its sign: '+1,5' / '-0.3' / '+0'."""
    return ("-" if value < 0 else "+") + number(abs(value), digits)


def percent(share: float, digits: int = 0) -> str:
    """A share as a percentage: 0.34 → '34 %' (ru) / '34%' (en)."""
    from babel.numbers import format_percent

    return str(format_percent(round(share, digits + 2), locale=language(),
                              decimal_quantization=False))


def day_format(day: date, pattern: str) -> str:
    """A date in a Babel (CLDR) pattern: `day_format(d, "EEE")` → 'ср' / 'Wed'."""
    from babel.dates import format_date

    return str(format_date(day, pattern, locale=language()))


def code_label(prefix: str, code: str | None) -> str:
    """A code value the CLI printed as it is in English before it spoke Russian ('good',
    'again', 'not_yet'): the code itself in English (scripts and tests read it), else its
    catalog name (`label`)."""
    return code or "" if language() == "en" else label(prefix, code)
