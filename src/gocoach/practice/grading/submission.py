"""Deciding which files of a submission are accepted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_GO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*\.go$")
_CGO_IMPORT = re.compile(r'^\s*import\s*(?:\(\s*)?(?:[\w.]+\s+)?"C"', re.MULTILINE)


class SubmissionRejected(ValueError):
    """The submission cannot be graded; the message tells the learner why."""


@dataclass(frozen=True)
class AcceptedSubmission:
    """Non-test .go files to grade, and the names that were ignored."""

    files: dict[str, str]
    ignored: tuple[str, ...]


def accept_submission(
    files: Mapping[str, str], *, max_files: int = 20, max_file_bytes: int = 256 * 1024
) -> AcceptedSubmission:
    """Keep only non-test .go files; reject path tricks, cgo and oversized submissions."""
    accepted: dict[str, str] = {}
    ignored: list[str] = []
    for name, content in sorted(files.items()):
        if "/" in name or "\\" in name or ".." in name or "\x00" in name:
            raise SubmissionRejected(
                f"Решение не принято: имя файла «{name}» содержит путь. "
                "Отправляйте только файлы .go без каталогов."
            )
        if name.endswith("_test.go") or not name.endswith(".go"):
            ignored.append(name)
            continue
        if not _GO_NAME.match(name):
            raise SubmissionRejected(f"Решение не принято: недопустимое имя файла «{name}».")
        if len(content.encode("utf-8")) > max_file_bytes:
            raise SubmissionRejected(
                f"Решение не принято: файл «{name}» больше {max_file_bytes // 1024} КБ."
            )
        if _CGO_IMPORT.search(content):
            raise SubmissionRejected(
                f'Решение не принято: «{name}» импортирует "C" — cgo в упражнениях запрещён, '
                "используйте только стандартную библиотеку Go."
            )
        accepted[name] = content
    if not accepted:
        raise SubmissionRejected(
            "Решение не принято: в отправке нет ни одного файла .go (кроме тестов)."
        )
    if len(accepted) > max_files:
        raise SubmissionRejected(f"Решение не принято: больше {max_files} файлов .go.")
    return AcceptedSubmission(accepted, tuple(ignored))
