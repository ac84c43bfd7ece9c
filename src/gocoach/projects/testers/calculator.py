"""Stages of the CLI calculator (content/projects/calculator)."""

from __future__ import annotations

import math

from gocoach.projects.checks import Ran, StageTest, Tester, either
from gocoach.projects.said import Said


def _number(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def expect_result(t: Tester, args: tuple[str, ...], wanted: float) -> Ran:
    """Run `calc args`: exit 0, the number on stdout, nothing on stderr."""
    ran = t.run(*args)
    expected = Said("pj.check.calc.result_expected", result=f"{wanted:g}")
    got = _number(ran.stdout)
    if ran.exit.code != 0 or ran.exit.signal:
        raise ran.fail(Said("pj.check.calc.failed"), expected)
    if got is None or not math.isclose(got, wanted, rel_tol=1e-9, abs_tol=1e-12):
        raise ran.fail(Said("pj.check.calc.wrong"), expected)
    if ran.stderr.strip():
        raise ran.fail(Said("pj.check.calc.stderr_on_success"), expected)
    return ran


def stage_1(t: Tester) -> None:
    """One operation, in one argument or several, with and without spaces."""
    for args, wanted in ((("2", "+", "3"), 5.0), (("7 - 10",), -3.0), (("6*7",), 42.0),
                         (("7", "/", "2"), 3.5), (("1.5+2.25",), 3.75), (("10 / 4",), 2.5),
                         (("0.5", "*", "8"), 4.0)):
        expect_result(t, args, wanted)
        t.passed(f"calc {' '.join(args)} → {wanted:g}")


def stage_2(t: Tester) -> None:
    """Precedence, left associativity, parentheses, unary minus."""
    for expr, wanted in (("2 + 3 * 4", 14.0), ("(2 + 3) * 4", 20.0), ("8 - 3 - 2", 3.0),
                         ("100 / 10 / 5", 2.0), ("2 * (3 + (4 - 1)) / 3", 4.0),
                         ("-3 + 5", 2.0), ("-(2 + 3)", -5.0), ("2 * -3", -6.0),
                         ("1 + 2 * 3 - 4 / 2", 5.0), ("((7))", 7.0), ("2*3+4*5", 26.0)):
        expect_result(t, (expr,), wanted)
        t.passed(f"calc '{expr}' → {wanted:g}")


def expect_error(t: Tester, expr: str, code: int, words: tuple[str, ...] = ()) -> Ran:
    """Run `calc expr`: exit `code`, nothing on stdout, a message on stderr."""
    ran = t.run(expr)
    kind = Said("pj.check.calc.division_by_zero" if code == 1 else "pj.check.calc.syntax_error")
    expected = Said("pj.check.calc.error_expected", code=code, kind=kind)
    if words:
        expected = Said("pj.check.calc.error_words", expected=expected,
                        words=either(*(f"«{w}»" for w in words)))
    if ran.exit.signal or ran.exit.code != code:
        raise ran.fail(Said("pj.check.calc.wrong_code", expr=expr), expected)
    if ran.stdout.strip():
        raise ran.fail(Said("pj.check.calc.stdout_on_error", expr=expr), expected)
    if not ran.stderr.strip() or (words and not any(w in ran.stderr.lower() for w in words)):
        raise ran.fail(Said("pj.check.calc.no_message", expr=expr), expected)
    return ran


def stage_3(t: Tester) -> None:
    """Division by zero exits 1, syntax errors exit 2; messages on stderr only."""
    for expr in ("1 / 0", "5 / (2 - 2)"):
        expect_error(t, expr, 1, ("division by zero", "деление на ноль"))
        t.passed(Said("pj.check.calc.ok.error", expr=expr, code=1))
    for expr in ("2 +", "(1 + 2", "1 + 2)", "2 $ 3", "abc", "", "1 2", "* 3"):
        expect_error(t, expr, 2)
        t.passed(Said("pj.check.calc.ok.error", expr=expr, code=2))
    expect_result(t, ("4 / 2",), 2.0)
    t.passed(Said("pj.check.calc.ok.after_errors"))


def stage_4(t: Tester) -> None:
    """Line by line from stdin: results in order, errors with line numbers, exit 1 if any."""
    stdin = "2+2\n\n3 * (4 - 1)\n1/0\n2 +\n10/4\n"
    ran = t.run(stdin=stdin)
    expected = Said("pj.check.calc.lines_expected")
    results = [_number(line) for line in ran.stdout.split()]
    if results != [4.0, 9.0, 2.5]:
        raise ran.fail(Said("pj.check.calc.wrong_lines"), expected)
    if ran.exit.code != 1 or ran.exit.signal:
        raise ran.fail(Said("pj.check.calc.lines_code"), expected)
    lines = [line for line in ran.stderr.splitlines() if line.strip()]
    if len(lines) != 2 or "4" not in lines[0] or "5" not in lines[1]:
        raise ran.fail(Said("pj.check.calc.line_numbers"), expected)
    t.passed(Said("pj.check.calc.ok.mixed"))
    ran = t.run(stdin="1+1\n2*3\n  7 - 10  \n")
    if [_number(line) for line in ran.stdout.split()] != [2.0, 6.0, -3.0] or ran.exit.code:
        raise ran.fail(Said("pj.check.calc.clean_input"), Said("pj.check.calc.clean_expected"))
    t.passed(Said("pj.check.calc.ok.clean"))
    count = 5000
    ran = t.run(stdin="".join(f"{i} + {i} * 2\n" for i in range(count)), timeout=2.0)
    results = [_number(line) for line in ran.stdout.split()]
    if ran.exit.code or results != [float(3 * i) for i in range(count)]:
        wrong = next((i for i, (a, b) in enumerate(zip(results, range(count), strict=False))
                      if a != 3.0 * b), min(len(results), count))
        raise ran.fail(Said("pj.check.calc.many_wrong", count=count, got=len(results),
                            first=wrong + 1),
                       Said("pj.check.calc.many_expected", count=count))
    t.passed(Said("pj.check.calc.ok.many", count=count))


STAGES: dict[int, StageTest] = {1: stage_1, 2: stage_2, 3: stage_3, 4: stage_4}
