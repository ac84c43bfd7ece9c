"""Deciding which files of a submission are accepted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from gocoach.practice.grading.gosource import GoSyntaxError, directives, imports, tokenize
from gocoach.practice.grading.harness import VERDICT_PACKAGE

_GO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*\.go$")
# //go:embed would compile the hidden tests (or the grader's generated file) into the binary;
# //go:linkname reaches into the testing package; cgo directives smuggle C.
_FORBIDDEN_DIRECTIVES = ("go:embed", "go:linkname")
MAX_FILE_BYTES = 256 * 1024


class SubmissionRejected(ValueError):
    """The submission cannot be graded; the message tells the learner why."""


@dataclass(frozen=True)
class AcceptedSubmission:
    """Non-test .go files to grade, and the names that were ignored."""

    files: dict[str, str]
    ignored: tuple[str, ...]


def accept_submission(
    files: Mapping[str, str], *, max_files: int = 20, max_file_bytes: int = MAX_FILE_BYTES
) -> AcceptedSubmission:
    """Keep only non-test .go files; reject path tricks, cgo, directives and oversized ones.

    Sizes are checked before anything is parsed or compiled.
    """
    if len(files) > 4 * max_files:
        raise SubmissionRejected(f"Решение не принято: слишком много файлов ({len(files)}).")
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
        _check_source(name, content)
        accepted[name] = content
    if not accepted:
        raise SubmissionRejected(
            "Решение не принято: в отправке нет ни одного файла .go (кроме тестов)."
        )
    if len(accepted) > max_files:
        raise SubmissionRejected(f"Решение не принято: больше {max_files} файлов .go.")
    return AcceptedSubmission(accepted, tuple(ignored))


def _check_source(name: str, content: str) -> None:
    """Refuse cgo (however the import is written), the grader's verdict package (it signs
    verdicts) and the forbidden //go: directives."""
    try:
        tokens = tokenize(content)
    except GoSyntaxError:
        return  # the compiler will say what is wrong, with the line
    if any(spec.path == "C" for spec in imports(tokens)):
        raise SubmissionRejected(
            f'Решение не принято: «{name}» импортирует "C" — cgo в упражнениях запрещён, '
            "используйте только стандартную библиотеку Go."
        )
    for spec in imports(tokens):
        if VERDICT_PACKAGE in spec.path.split("/"):
            raise SubmissionRejected(
                f"Решение не принято: «{name}» импортирует пакет проверяющего «{spec.path}»."
            )
    for directive, line in directives(tokens):
        if directive in _FORBIDDEN_DIRECTIVES or directive.startswith("go:cgo_"):
            raise SubmissionRejected(
                f"Решение не принято: «{name}», строка {line}: директива //{directive} "
                "в решениях запрещена."
            )
