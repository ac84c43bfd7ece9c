"""Stages of the CLI calculator (content/projects/calculator)."""

from __future__ import annotations

import math

from gocoach.projects.checks import Ran, StageTest, Tester


def _number(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def expect_result(t: Tester, args: tuple[str, ...], wanted: float) -> Ran:
    """Run `calc args`: exit 0, the number on stdout, nothing on stderr."""
    ran = t.run(*args)
    expected = f"stdout «{wanted:g}», код выхода 0"
    got = _number(ran.stdout)
    if ran.exit.code != 0 or ran.exit.signal:
        raise ran.fail("вычисление завершилось с ошибкой", expected)
    if got is None or not math.isclose(got, wanted, rel_tol=1e-9, abs_tol=1e-12):
        raise ran.fail("неверный результат", expected)
    if ran.stderr.strip():
        raise ran.fail("при успешном вычислении что-то напечатано в stderr", expected)
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
    kind = "деление на ноль" if code == 1 else "синтаксическая ошибка"
    expected = f"код выхода {code} ({kind}), пустой stdout, сообщение в stderr"
    if words:
        expected += " со словами " + " или ".join(f"«{w}»" for w in words)
    if ran.exit.signal or ran.exit.code != code:
        raise ran.fail(f"неверный код выхода для «{expr}»", expected)
    if ran.stdout.strip():
        raise ran.fail(f"при ошибке («{expr}») что-то напечатано в stdout", expected)
    if not ran.stderr.strip() or (words and not any(w in ran.stderr.lower() for w in words)):
        raise ran.fail(f"нет понятного сообщения об ошибке в stderr для «{expr}»", expected)
    return ran


def stage_3(t: Tester) -> None:
    """Division by zero exits 1, syntax errors exit 2; messages on stderr only."""
    for expr in ("1 / 0", "5 / (2 - 2)"):
        expect_error(t, expr, 1, ("division by zero", "деление на ноль"))
        t.passed(f"calc '{expr}' → код 1, сообщение в stderr")
    for expr in ("2 +", "(1 + 2", "1 + 2)", "2 $ 3", "abc", "", "1 2", "* 3"):
        expect_error(t, expr, 2)
        t.passed(f"calc '{expr}' → код 2, сообщение в stderr")
    expect_result(t, ("4 / 2",), 2.0)
    t.passed("после ошибок обычное выражение по-прежнему вычисляется (код 0)")


def stage_4(t: Tester) -> None:
    """Line by line from stdin: results in order, errors with line numbers, exit 1 if any."""
    stdin = "2+2\n\n3 * (4 - 1)\n1/0\n2 +\n10/4\n"
    ran = t.run(stdin=stdin)
    expected = ("stdout «4», «9», «2.5» по строкам; в stderr сообщения про строки 4 и 5; "
                "код выхода 1")
    results = [_number(line) for line in ran.stdout.split()]
    if results != [4.0, 9.0, 2.5]:
        raise ran.fail("неверные результаты построчного режима", expected)
    if ran.exit.code != 1 or ran.exit.signal:
        raise ran.fail("код выхода при ошибочных строках", expected)
    lines = [line for line in ran.stderr.splitlines() if line.strip()]
    if len(lines) != 2 or "4" not in lines[0] or "5" not in lines[1]:
        raise ran.fail("в stderr нужно по сообщению на ошибочную строку, с её номером", expected)
    t.passed("смешанный ввод: 3 результата, 2 ошибки с номерами строк, код 1")
    ran = t.run(stdin="1+1\n2*3\n  7 - 10  \n")
    if [_number(line) for line in ran.stdout.split()] != [2.0, 6.0, -3.0] or ran.exit.code:
        raise ran.fail("ввод без ошибок", "stdout «2», «6», «-3», код выхода 0")
    t.passed("ввод без ошибок: результаты по порядку, код 0")
    count = 5000
    ran = t.run(stdin="".join(f"{i} + {i} * 2\n" for i in range(count)), timeout=2.0)
    results = [_number(line) for line in ran.stdout.split()]
    if ran.exit.code or results != [float(3 * i) for i in range(count)]:
        wrong = next((i for i, (a, b) in enumerate(zip(results, range(count), strict=False))
                      if a != 3.0 * b), min(len(results), count))
        raise ran.fail(f"{count} строк: результат {len(results)} строк, первая неверная — "
                       f"№ {wrong + 1}", f"{count} результатов i*3 по порядку, код 0")
    t.passed(f"{count} строк подряд — все результаты по порядку")


STAGES: dict[int, StageTest] = {1: stage_1, 2: stage_2, 3: stage_3, 4: stage_4}
