"""Words to Snowball stems, Russian or English by alphabet: for search and answer matching."""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"[a-zA-Z][a-zA-Z0-9_]*|[а-яА-ЯёЁ]+|\d+")
CYRILLIC = re.compile(r"[а-яё]")
_RUSSIAN = snowballstemmer.stemmer("russian")
_ENGLISH = snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """Lowercase words (latin identifiers, Cyrillic words, numbers), ё folded to е."""
    return [w.lower().replace("ё", "е") for w in WORD.findall(text)]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of one lowercase word in its own language."""
    if CYRILLIC.search(word):
        return str(_RUSSIAN.stemWord(word))
    return str(_ENGLISH.stemWord(word))


def stems(text: str) -> list[str]:
    """The stems of every word of `text`, in order."""
    return [stem(w) for w in words(text)]


def stem_text(text: str) -> str:
    """Stems joined by spaces: what the full-text index stores and searches."""
    return " ".join(stems(text))
