"""Code blocks of a question's «Пример»: which are checked programs or tests, and their output."""

from __future__ import annotations

import re
from dataclasses import dataclass

FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
PACKAGE = re.compile(r"^package\s+(\w+)", re.M)
MAIN_FUNC = re.compile(r"^func\s+main\s*\(\s*\)", re.M)
TEST_FUNC = re.compile(r"^func\s+(Test|Benchmark|Fuzz|Example)\w*\s*\(", re.M)
GOROUTINE = re.compile(r"(?<![\w.])go\s+(func\b|[\w.]+\()")
SYNC_IMPORT = re.compile(r'"sync(/atomic)?"')
BUILD_VERSION = re.compile(r"^//go:build\s+go1\.(\d+)\s*$")
RACE_TAGS = frozenset({"concurrency"})


@dataclass
class CodeBlock:
    """A fenced block: its info string, code, the line of its first code line, and section."""

    info: str
    code: str
    line: int
    expected: str | None = None

    @property
    def language(self) -> str:
        """The first word of the info string (go, text, output, ...)."""
        return self.info.split()[0] if self.info.split() else ""


def closes_fence(line: str, fence: str) -> bool:
    """True when `line` closes a block opened with `fence` (same character, at least as long)."""
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


def read_blocks(lines: list[str], first_line: int) -> list[CodeBlock]:
    """Fenced blocks of a section; a ```text «Вывод:» or ```output block right after a Go block
    becomes that block's expected output."""
    blocks: list[CodeBlock] = []
    fence: str | None = None
    info = ""
    body: list[str] = []
    start = 0
    gap_is_blank = True
    for offset, line in enumerate(lines):
        match = FENCE.match(line)
        if fence is None and match:
            fence, info, body = match["fence"], match["info"].strip(), []
            start = first_line + offset + 1
            continue
        if fence is not None and closes_fence(line, fence):
            _add_block(blocks, CodeBlock(info=info, code="\n".join(body), line=start), gap_is_blank)
            fence, gap_is_blank = None, True
            continue
        if fence is not None:
            body.append(line)
        elif line.strip():
            gap_is_blank = False
    return blocks


def _add_block(blocks: list[CodeBlock], block: CodeBlock, follows_directly: bool) -> None:
    previous = blocks[-1] if blocks else None
    if (
        previous is not None
        and follows_directly
        and previous.language == "go"
        and (previous.expected is None)
    ):
        first, _, rest = block.code.partition("\n")
        if block.language == "text" and first.strip() == "Вывод:":
            previous.expected = rest
            return
        if block.language == "output":
            previous.expected = block.code
            return
    blocks.append(block)


@dataclass(frozen=True)
class CheckedBlock:
    """A Go block the checker builds: a program or a test file."""

    block: CodeBlock
    kind: str  # "program" or "test"
    race: bool
    go_version: str


def classify(block: CodeBlock, tags: list[str]) -> CheckedBlock | str | None:
    """A checked block, None for blocks that are not checked, or a message for a bad Go block."""
    if block.language != "go":
        return None
    words = block.info.split()
    if "fragment" in words[1:]:
        return None
    if not PACKAGE.search(block.code):
        return "a ```go block needs a package clause (or fence it as ```go fragment)"
    race = bool(RACE_TAGS & set(tags)) or bool(
        GOROUTINE.search(_without_comments(block.code)) or SYNC_IMPORT.search(block.code)
    )
    first = block.code.lstrip().split("\n", 1)[0]
    version = BUILD_VERSION.match(first)
    go_version = f"1.{version.group(1)}" if version else "1.22"
    if MAIN_FUNC.search(block.code):
        return CheckedBlock(block, "program", race, go_version)
    if TEST_FUNC.search(block.code):
        return CheckedBlock(block, "test", race, go_version)
    return "a ```go block must be a program (func main) or a test file (func Test…/Example…)"


def _without_comments(code: str) -> str:
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    code = re.sub(r"//[^\n]*", "", code)
    return re.sub(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`', '""', code)
