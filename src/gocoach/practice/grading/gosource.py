"""A small Go tokenizer: imports, compiler directives and the static checks of a submission.

It understands what a regular expression does not: `//` and `/* */` comments, interpreted and
raw string literals, rune literals, grouped imports and import names. It is not a Go parser; it
is exact for what it is used for (which packages a file imports, which `//go:` directives it
carries) and a heuristic for the rest (the flags: code that looks like it fakes a test run).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from gocoach.practice.grading.reasons import Reason

_IDENT = re.compile(r"[A-Za-z_\u0080-\U0010ffff][\w\u0080-\U0010ffff]*")
_NUMBER = re.compile(r"\.?[0-9][0-9A-Za-z_.]*(?:[eEpP][+-][0-9_]+)?[i]?")
_OPERATORS = sorted(
    [
        "<<=", ">>=", "&^=", "...", "&&", "||", "<-", "++", "--", "==", "!=", "<=", ">=", ":=",
        "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "&^", "+", "-", "*", "/", "%",
        "&", "|", "^", "<", ">", "=", "!", "(", ")", "[", "]", "{", "}", ",", ";", ".", ":", "~",
    ],
    key=len,
    reverse=True,
)
_OPERATOR = re.compile("|".join(re.escape(o) for o in _OPERATORS))  # longest first


@dataclass(frozen=True)
class Token:
    """One Go token: kind is ident, string, rune, number, op or comment."""

    kind: str
    text: str
    value: str = ""  # the decoded value of a string literal, the body of a comment
    line: int = 1


class GoSyntaxError(ValueError):
    """The source cannot be tokenized (an unterminated comment or literal)."""


def tokenize(source: str) -> list[Token]:
    """Split Go source into tokens, comments included (whitespace dropped)."""
    return list(_tokenize(source))


@lru_cache(maxsize=64)
def _tokenize(source: str) -> tuple[Token, ...]:
    """Each submission is tokenized by the acceptance and again by the static checks."""
    return tuple(_tokens(source))


def _tokens(src: str) -> Iterator[Token]:
    i, line, n = 0, 1, len(src)
    while i < n:
        ch = src[i]
        if ch in " \t\r":
            i += 1
        elif ch == "\n":
            line += 1
            i += 1
        elif src.startswith("//", i):
            end = src.find("\n", i)
            end = n if end < 0 else end
            yield Token("comment", src[i:end], src[i + 2 : end], line)
            i = end
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            if end < 0:
                raise GoSyntaxError(f"line {line}: comment not terminated")
            yield Token("comment", src[i : end + 2], src[i + 2 : end], line)
            line += src.count("\n", i, end)
            i = end + 2
        elif ch == "`":
            end = src.find("`", i + 1)
            if end < 0:
                raise GoSyntaxError(f"line {line}: raw string not terminated")
            body = src[i + 1 : end].replace("\r", "")
            yield Token("string", src[i : end + 1], body, line)
            line += src.count("\n", i, end)
            i = end + 1
        elif ch in "\"'":
            end = i + 1
            while end < n and src[end] != ch and src[end] != "\n":
                end += 2 if src[end] == "\\" else 1
            if end >= n or src[end] != ch:
                raise GoSyntaxError(f"line {line}: literal not terminated")
            text = src[i : end + 1]
            yield Token("string" if ch == '"' else "rune", text, _unquote(text), line)
            i = end + 1
        elif (m := _IDENT.match(src, i)) is not None:
            yield Token("ident", m[0], m[0], line)
            i = m.end()
        elif (m := _NUMBER.match(src, i)) is not None and (ch != "." or m.end() > i + 1):
            yield Token("number", m[0], m[0], line)
            i = m.end()
        else:
            found = _OPERATOR.match(src, i)
            op = found[0] if found else ch
            yield Token("op", op, op, line)
            i += len(op)


def _unquote(text: str) -> str:
    """Decode a Go interpreted string literal (close enough: Go and Python escapes agree)."""
    body = text[1:-1]
    try:
        return str(ast.literal_eval('"' + body + '"'))
    except (ValueError, SyntaxError):
        return body


@dataclass(frozen=True)
class Import:
    """One import spec: the package path and the name it is bound to (None = default)."""

    path: str
    name: str | None
    line: int


def imports(tokens: list[Token]) -> list[Import]:
    """Every import spec of a file, grouped or not, comments anywhere in between."""
    code = [t for t in tokens if t.kind != "comment"]
    found: list[Import] = []
    i = 0
    while i < len(code):
        if code[i].kind == "ident" and code[i].text == "import":
            i += 1
            if i < len(code) and code[i].text == "(":
                i += 1
                while i < len(code) and code[i].text != ")":
                    i = _import_spec(code, i, found)
            else:
                i = _import_spec(code, i, found)
        i += 1
    return found


def _import_spec(code: list[Token], i: int, found: list[Import]) -> int:
    name = None
    if i < len(code) and (code[i].kind == "ident" or code[i].text in (".", "_")):
        name = code[i].text
        i += 1
    if i < len(code) and code[i].kind == "string":
        found.append(Import(code[i].value, name, code[i].line))
        i += 1
    return i + 1 if i < len(code) and code[i].text == ";" else i


def directives(tokens: list[Token]) -> list[tuple[str, int]]:
    """`//go:name` directives (name, line); only line comments are directives."""
    return [
        (t.value.split()[0], t.line)
        for t in tokens
        if t.kind == "comment" and t.text.startswith("//go:") and t.value.split()
    ]


# --- static checks: code that looks like it fakes a test run ---------------------------------

_FRAMING = re.compile(
    r"=== (RUN|PAUSE|CONT|NAME)|--- (PASS|FAIL|SKIP)|\x16|allocs/op|ns/op"
    r"|^(PASS|FAIL)\s*$|^ok\s+\S+\s+[\d.]+s"
    r"|gocoach-verdict|\"Action\"\s*:",
    re.MULTILINE,
)
_EXIT_CALLS = {("os", "Exit"), ("syscall", "Exit"), ("runtime", "Goexit"),
               ("syscall", "RawSyscall"), ("syscall", "Syscall"), ("syscall", "Syscall6"),
               ("syscall", "RawSyscall6"), ("syscall", "Kill"), ("os", "FindProcess")}  # fmt: skip
_FILE_LISTING = {("os", "ReadDir"), ("os", "Executable"), ("filepath", "Glob"),
                 ("filepath", "Walk"), ("filepath", "WalkDir"), ("fs", "Glob"),
                 ("fs", "ReadDir"), ("fs", "WalkDir"), ("ioutil", "ReadDir")}  # fmt: skip
_SOURCE_NAMES = re.compile(r"_test\b|\.go$|\.test$|/proc/self|/box\b|results\.json", re.MULTILINE)
_RISKY_IMPORTS = {
    "testing": "flag.imports_testing",
    "flag": "flag.imports_flag",
    "unsafe": "flag.imports_unsafe",
    "os/signal": "flag.catches_signals",
}


def static_flags(files: Mapping[str, str]) -> list[Reason]:
    """Say which files print test-framework lines, exit the process or read the test files.

    A heuristic: a flag is a reason to look, not proof (and concatenated strings evade it);
    the grader's verdict never depends on the learner's output, whatever these checks find.
    Each flag is a reason naming its file (`file`).
    """
    flags: list[Reason] = []
    for name, source in sorted(files.items()):
        try:
            tokens = tokenize(source)
        except GoSyntaxError:
            continue
        flags += [Reason(code, file=name, **params) for code, params in _flags_of(tokens)]
    return flags


def _flags_of(tokens: list[Token]) -> list[tuple[str, dict[str, str]]]:
    """The flags of one file: (code, params) pairs, each once, in the order found."""
    found: dict[tuple[str, tuple[tuple[str, str], ...]], None] = {}

    def flag(code: str, **params: str) -> None:
        found[(code, tuple(params.items()))] = None

    names = {"os": "os", "syscall": "syscall", "runtime": "runtime", "filepath": "filepath",
             "fs": "fs", "ioutil": "ioutil"}  # fmt: skip
    for spec in imports(tokens):
        base = spec.path.rsplit("/", 1)[-1]
        if spec.path in _RISKY_IMPORTS:
            flag(_RISKY_IMPORTS[spec.path])
        if spec.name == "." and base in names:
            flag("flag.dot_import", path=spec.path)
        elif spec.name and base in names:
            names[base] = spec.name
    alias = {v: k for k, v in names.items()}
    code = [t for t in tokens if t.kind != "comment"]
    for i, token in enumerate(code):
        if token.kind == "string" and _FRAMING.search(token.value):
            flag("flag.framing")
        if token.kind == "string" and _SOURCE_NAMES.search(token.value):
            flag("flag.reads_tests")
        if token.kind == "ident" and i + 2 < len(code) and code[i + 1].text == ".":
            call = (alias.get(token.text, ""), code[i + 2].text)
            if call in _EXIT_CALLS:
                flag("flag.exit_call", call=f"{token.text}.{call[1]}")
            if call in _FILE_LISTING:
                flag("flag.lists_files", call=f"{token.text}.{call[1]}")
            if call == ("os", "Args"):
                flag("flag.os_args")
        if token.kind == "ident" and token.text == "TestMain":
            flag("flag.test_main")
    return [(key, dict(values)) for key, values in found]
