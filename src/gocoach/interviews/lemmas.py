"""Russian lemmas and parts of speech with pymorphy3, for answer checking.

A lemma joins the forms of one word that a Snowball stem can split or merge badly ("нужны" →
"нужный", "шёл" → "идти"); the part of speech tells whether a clause says something (has a
predicate) or is a bare list of terms. pymorphy3 and its Russian dictionary load lazily, once per
process (about 0.1 s); if they are missing, lemmas fall back to the lowercased word and predicates
to a suffix guess, so the checker still works.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

CYRILLIC = re.compile(r"[а-яё]")
# parts of speech that make a clause a statement: verbs, infinitives, gerunds, short adjectives
# and participles ("нужны", "закрыт"), predicatives ("нельзя", "можно")
PREDICATE_POS = frozenset(("VERB", "INFN", "GRND", "ADJS", "PRTS", "PRED"))
# common English predicates of mixed answers ("Shutdown returns ErrServerClosed")
ENGLISH_PREDICATES = re.compile(
    r"^(?:is|are|was|were|be|has|have|had|do|does|did|can|could|should|must|will|would|may|"
    r"need|needs|use|uses|used|return|returns|returned|block|blocks|blocked|wait|waits|get|gets|"
    r"make|makes|give|gives|take|takes|run|runs|call|calls|close|closes|closed|send|sends|read|"
    r"reads|write|writes|keep|keeps|guarantee|guarantees|cancel|cancels|cancelled|stop|stops|"
    r"inject|injects|assert|assert[s]|sync|means|grows|panics|leaks|holds|lets|allows|fails|"
    r"works|breaks|goes|means|stays|becomes|checks|detects|ensures|prevents|creates|starts|ends|"
    r"\w+(?:ed|izes|ises))$")
_lock = threading.Lock()
_state: dict[str, Any] = {"morph": None, "loaded": False}


def _morph() -> Any | None:
    with _lock:
        if not _state["loaded"]:
            _state["loaded"] = True
            try:
                import pymorphy3

                _state["morph"] = pymorphy3.MorphAnalyzer()
            except Exception:  # a missing dictionary leaves Snowball stems working
                _state["morph"] = None
        return _state["morph"]


@lru_cache(maxsize=65536)
def _parse(word: str) -> tuple[str, str]:
    morph = _morph()
    if morph is None:
        return word, ""
    best = morph.parse(word)[0]
    return str(best.normal_form).replace("ё", "е"), str(best.tag.POS or "")


def lemma(word: str) -> str:
    """The dictionary form of a lowercase Russian word; other words unchanged.

    >>> lemma("нужны"), lemma("блокируется"), lemma("goroutine")
    ('нужный', 'блокироваться', 'goroutine')
    """
    if not CYRILLIC.search(word):
        return word
    return _parse(word)[0]


def is_predicate(word: str) -> bool:
    """Whether a lowercase word can be the predicate of a clause (a verb, a short form, …).

    >>> is_predicate("блокирует"), is_predicate("нужны"), is_predicate("канал")
    (True, True, False)
    """
    if not CYRILLIC.search(word):
        return bool(ENGLISH_PREDICATES.match(word))
    pos = _parse(word)[1]
    if pos:
        return pos in PREDICATE_POS
    return word.endswith(("ет", "ит", "ют", "ят", "ать", "ять", "ить", "ется", "ится", "ны", "на"))
