"""Deciding which files of a submission are accepted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from gocoach.practice.grading.gosource import GoSyntaxError, directives, imports, tokenize
from gocoach.practice.grading.harness import VERDICT_PACKAGE
from gocoach.practice.grading.reasons import Reason

_GO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*\.go$")
# //go:embed would compile the hidden tests (or the grader's generated file) into the binary;
# //go:linkname reaches into the testing package; cgo directives smuggle C.
_FORBIDDEN_DIRECTIVES = ("go:embed", "go:linkname")
MAX_FILE_BYTES = 256 * 1024


class SubmissionRejected(ValueError):
    """The submission cannot be graded; `reason` tells the learner why (str: in English)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason = reason


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
        raise SubmissionRejected(Reason("submission.too_many_files", count=len(files)))
    accepted: dict[str, str] = {}
    ignored: list[str] = []
    for name, content in sorted(files.items()):
        if "/" in name or "\\" in name or ".." in name or "\x00" in name:
            raise SubmissionRejected(Reason("submission.path", name=name))
        if name.endswith("_test.go") or not name.endswith(".go"):
            ignored.append(name)
            continue
        if not _GO_NAME.match(name):
            raise SubmissionRejected(Reason("submission.bad_name", name=name))
        if len(content.encode("utf-8")) > max_file_bytes:
            raise SubmissionRejected(
                Reason("submission.too_large", name=name, kib=max_file_bytes // 1024))
        _check_source(name, content)
        accepted[name] = content
    if not accepted:
        raise SubmissionRejected(Reason("submission.no_go_files"))
    if len(accepted) > max_files:
        raise SubmissionRejected(Reason("submission.too_many_go_files", max=max_files))
    return AcceptedSubmission(accepted, tuple(ignored))


def _check_source(name: str, content: str) -> None:
    """Refuse cgo (however the import is written), the grader's verdict package (it signs
    verdicts) and the forbidden //go: directives."""
    try:
        tokens = tokenize(content)
    except GoSyntaxError:
        return  # the compiler will say what is wrong, with the line
    if any(spec.path == "C" for spec in imports(tokens)):
        raise SubmissionRejected(Reason("submission.cgo", name=name))
    for spec in imports(tokens):
        if VERDICT_PACKAGE in spec.path.split("/"):
            raise SubmissionRejected(
                Reason("submission.verdict_package", name=name, path=spec.path))
    for directive, line in directives(tokens):
        if directive in _FORBIDDEN_DIRECTIVES or directive.startswith("go:cgo_"):
            raise SubmissionRejected(
                Reason("submission.directive", name=name, line=line, directive=directive))
