"""The gettext catalogs: every extracted interface text is translated in Russian and in
English, nothing in the catalogs is left unextracted, and the placeholders agree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from gocoach.web.i18n import LANGUAGES, catalog, catalog_paths

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"\{(\w*)[^}]*\}")


def _keywords() -> list[str]:
    """The extraction keywords, as the Makefile gives them to pybabel."""
    makefile = (ROOT / "Makefile").read_text()
    found = re.search(r"^I18N_KEYWORDS := (.*?)(?<!\\)\n", makefile, re.S | re.M)
    assert found, "the Makefile names the extraction keywords in I18N_KEYWORDS"
    return found.group(1).replace("\\\n", " ").split()


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """A fresh `pybabel extract` of the code and the templates."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "-q", "extract", "-F", str(ROOT / "babel.cfg"), *_keywords(),
                    "--no-location", "-o", str(pot), str(ROOT / "src" / "gocoach")],
                   check=True, capture_output=True, cwd=ROOT)
    with pot.open("rb") as source:
        return read_po(source)


def _catalog(lang: str) -> Catalog:
    po, _ = catalog_paths(lang)
    with po.open("rb") as source:
        return read_po(source, locale=lang)


def _strings(message_string: str | tuple[str, ...]) -> tuple[str, ...]:
    return message_string if isinstance(message_string, tuple) else (message_string,)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_extracted_text_is_translated(extracted: Catalog, lang: str) -> None:
    messages = _catalog(lang)
    missing = sorted(str(m.id) for m in extracted if m.id and (
        m.id not in messages or not all(_strings(messages[m.id].string))))
    assert missing == [], f"{lang}: no translation of {missing[:20]} (see docs/i18n.md)"
    assert len(extracted) > 600


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalog_holds_only_extracted_texts(extracted: Catalog, lang: str) -> None:
    """A key the code builds at run time must be marked with N_() (web/i18n.py), or
    `make i18n` would comment it out of the catalogs."""
    stray = sorted(str(m.id) for m in _catalog(lang) if m.id and m.id not in extracted)
    assert stray == []
    fuzzy = sorted(str(m.id) for m in _catalog(lang) if m.id and m.fuzzy)
    assert fuzzy == []


def test_translations_keep_the_placeholders() -> None:
    ru, en = _catalog("ru"), _catalog("en")
    differ = []
    for message in en:
        if not message.id or message.id not in ru:
            continue
        names = {s: set(PLACEHOLDER.findall(s)) for s in
                 (*_strings(message.string), *_strings(ru[message.id].string))}
        if len({frozenset(v - {"n"}) for v in names.values()}) > 1:
            differ.append(message.id)
    assert differ == []


def test_plural_forms_follow_the_language() -> None:
    assert _catalog("ru").num_plurals == 3 and _catalog("en").num_plurals == 2
    ru = catalog("ru")
    assert [ru.ngettext("x", "x", n) for n in (1, 2, 5)] == ["x", "x", "x"]  # no such key


def test_compiled_catalogs_match_their_sources() -> None:
    """The .mo make builds (or the in-memory compile) says what the .po says."""
    for lang in LANGUAGES:
        messages = _catalog(lang)
        compiled = catalog(lang)
        for message in messages:
            if message.id and not isinstance(message.id, tuple):
                assert compiled.gettext(message.id) == message.string, (lang, message.id)
