"""Turning `go vet` / compiler output into messages that name the learner's own files."""

from __future__ import annotations

import re
from collections.abc import Sequence

_NOISE = re.compile(r"^(#\s.*|FAIL\s.*\[build failed\]|FAIL|ok\s.*)$")
_VET_HEADER = re.compile(r"^# \[[^\]]+\]$", re.MULTILINE)
_LOCATION = re.compile(
    r"^(?:\./)?(?P<file>[\w.\-]+\.go):(?P<line>\d+)(?::(?P<col>\d+))?:", re.MULTILINE
)


def map_build_output(text: str, roots: Sequence[str]) -> str:
    """Strip sandbox/temp directory prefixes and go-tool headers from build output."""
    for root in sorted(roots, key=len, reverse=True):
        prefix = root.rstrip("/") + "/"
        text = text.replace(prefix, "")
    lines = [line.rstrip() for line in text.splitlines()]
    kept = [re.sub(r"^\./", "", line) for line in lines if line and not _NOISE.match(line)]
    return "\n".join(kept)


def is_vet_failure(text: str) -> bool:
    """Return True when the output is `go vet` findings rather than a compile error."""
    return bool(_VET_HEADER.search(text))


def error_locations(text: str) -> list[tuple[str, int]]:
    """Return (file, line) pairs mentioned at the start of build-output lines."""
    return [(m["file"], int(m["line"])) for m in _LOCATION.finditer(text)]
