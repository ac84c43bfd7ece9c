"""The module format: parsing, the linter's file:line messages, follow-up coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from gocoach.questions.blocks import CheckedBlock, classify
from gocoach.questions.format import is_bonus, parse_module, required_points
from gocoach.questions.track import missing_followups, read_track

GOOD_QUESTION = """## Что будет при отправке в закрытый канал?
<!-- id: chan-send-closed; level: middle; freq: 5; tags: channels -->

### Зачем спрашивают
Проверяют аксиомы каналов.

### Короткий ответ
Паника. Чтение из закрытого канала возвращает нулевое значение.

### Детальный разбор
Подробно.

### Пример
```go
package main

import "fmt"

func main() {
	ch := make(chan int, 1)
	close(ch)
	v, ok := <-ch
	fmt.Println(v, ok)
}
```

```text
Вывод:
0 false
```

### Типичные ошибки
- **«Запись в закрытый канал блокируется»** — нет, это panic.

### На интервью
Сначала аксиомы.

**Что должно прозвучать:**
1. Отправка в закрытый канал — panic
2. Чтение из закрытого канала даёт нулевое значение и ok == false
3. Закрытие nil-канала — panic

#### Уточняющие вопросы
- **А что с nil-каналом?** Операции блокируются навсегда.
- **Кто должен закрывать канал?** Отправитель, и только один раз.
"""


def write_track(tmp_path: Path, body: str, index_modules: str = "01-goroutines-channels") -> Path:
    folder = tmp_path / "go-core"
    folder.mkdir()
    (folder / "index.md").write_text(
        "# Трек: Go Core\n\nФокус: тест.\n\n## Темы\n\n### Основы\n"
        f"- [ ] [{index_modules}]({index_modules}.md) — каналы\n",
        encoding="utf-8",
    )
    (folder / f"{index_modules}.md").write_text(body, encoding="utf-8")
    return folder


def test_parse_a_good_question(tmp_path: Path) -> None:
    module = parse_module(
        tmp_path / "01-goroutines-channels.md",
        "# Горутины и каналы\n\nВступление.\n\n" + GOOD_QUESTION,
    )
    assert module.problems == []
    question = module.questions[0]
    assert (question.qid, question.level, question.freq) == ("chan-send-closed", "middle", 5)
    assert question.key_points[0] == "Отправка в закрытый канал — panic"
    assert [f.question for f in question.followups] == [
        "А что с nil-каналом?",
        "Кто должен закрывать канал?",
    ]
    assert question.mistakes == ["Запись в закрытый канал блокируется"]
    block = question.blocks[0]
    assert block.expected == "0 false" and block.line == 19
    checked = classify(block, question.tags)
    assert isinstance(checked, CheckedBlock) and checked.kind == "program" and not checked.race
    assert module.intro == "Вступление."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("level: middle", "level: junior"), ":4: level 'junior' must be one of"),
        (("freq: 5", "freq: 9"), ":4: freq '9' must be a number from 1 to 5"),
        (("id: chan-send-closed", "id: mem-send"), ":4: id 'mem-send' must start with 'chan-'"),
        (
            (
                "### Короткий ответ\nПаника. Чтение из закрытого канала возвращает нулевое "
                "значение.\n",
                "",
            ),
            "has no section 'Короткий ответ'",
        ),
        (("Проверяют аксиомы каналов.", ""), ":6: section 'Зачем спрашивают' is empty"),
        (("3. Закрытие nil-канала — panic\n", ""), "needs 3–6 numbered key points, found 2"),
        (("Операции блокируются навсегда.", ""), "follow-up 'А что с nil-каналом?' has no answer"),
        (("### Детальный разбор", "### Детали"), "unknown section 'Детали'"),
        (("<!-- id", "<!-- oops -->\n<!-- id"), ":4: id '' must be lowercase"),
    ],
)
def test_linter_reports_file_and_line(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    body = "# Горутины и каналы\n\n" + GOOD_QUESTION.replace(*change)
    track = read_track(write_track(tmp_path, body))
    assert any(
        message in str(p) and "01-goroutines-channels.md" in str(p) for p in track.problems
    ), [str(p) for p in track.problems]


def test_duplicate_ids_and_freq_order(tmp_path: Path) -> None:
    second = GOOD_QUESTION.replace("freq: 5", "freq: 5")
    body = "# Горутины и каналы\n\n" + GOOD_QUESTION.replace("freq: 5", "freq: 3") + second
    track = read_track(write_track(tmp_path, body))
    messages = [str(p) for p in track.problems]
    assert any(
        "id 'chan-send-closed' is already used at 01-goroutines-channels.md:3" in m
        for m in messages
    )
    assert any("ordered by freq" in m for m in messages)


def test_unchecked_example_is_a_problem(tmp_path: Path) -> None:
    body = "# Горутины и каналы\n\n" + GOOD_QUESTION.replace("```go\npackage main", "```go\n// x")
    messages = [str(p) for p in read_track(write_track(tmp_path, body)).problems]
    assert any("needs a package clause" in m for m in messages)
    assert any("'Пример' needs at least one checked Go block" in m for m in messages)


def test_fragments_are_shown_not_checked(tmp_path: Path) -> None:
    body = "# Горутины и каналы\n\n" + GOOD_QUESTION.replace(
        "### Типичные ошибки", "```go fragment\nch <- 1\n```\n\n### Типичные ошибки"
    )
    track = read_track(write_track(tmp_path, body))
    assert track.problems == []
    blocks = track.questions()[0][1].blocks
    assert [classify(b, []) is None for b in blocks] == [False, True]


def test_race_and_test_files_are_recognised() -> None:
    from gocoach.questions.blocks import CodeBlock

    test_file = CodeBlock("go", 'package x\n\nimport "testing"\n\nfunc TestA(t *testing.T) {}', 1)
    program = CodeBlock("go", "package main\n\nfunc main() {\n\tgo work()\n}", 1)
    newer = CodeBlock("go", "//go:build go1.24\n\npackage main\n\nfunc main() {}", 1)
    assert isinstance(verdict := classify(test_file, []), CheckedBlock) and verdict.kind == "test"
    assert isinstance(verdict := classify(program, []), CheckedBlock) and verdict.race
    assert isinstance(verdict := classify(newer, []), CheckedBlock) and verdict.go_version == "1.24"


def test_missing_followups_are_listed(tmp_path: Path) -> None:
    track = read_track(write_track(tmp_path, "# Горутины и каналы\n\n" + GOOD_QUESTION))
    wanted = ["А что с NIL-каналом", "«Кто должен закрывать канал?»", "Что такое GOMAXPROCS?"]
    assert missing_followups(track, wanted) == ["Что такое GOMAXPROCS?"]


def test_shipped_track_passes_the_linter() -> None:
    track = read_track(Path(__file__).resolve().parents[1] / "content" / "tracks" / "go-core")
    assert [str(p) for p in track.problems] == []
    assert len(track.modules) == 14
    assert len(track.questions()) >= 9


def test_bonus_points_are_kept_but_not_required(tmp_path: Path) -> None:
    body = GOOD_QUESTION.replace(
        "3. Закрытие nil-канала — panic\n",
        "3. Закрытие nil-канала — panic\n4. (бонус) Внутри — closechan и флаг closed в hchan\n",
    )
    module = parse_module(tmp_path / "01-goroutines-channels.md", "# Каналы\n\n" + body)
    assert module.problems == []
    question = module.questions[0]
    assert len(question.key_points) == 4
    assert is_bonus(question.key_points[3]) and not is_bonus(question.key_points[0])
    assert len(required_points(question.key_points)) == 3


def test_bonus_points_do_not_count_towards_the_required_three(tmp_path: Path) -> None:
    body = GOOD_QUESTION.replace("3. Закрытие nil-канала — panic", "3. (бонус) closechan")
    track = read_track(write_track(tmp_path, "# Горутины и каналы\n\n" + body))
    assert any("needs 3–6 numbered key points, found 2" in str(p) for p in track.problems)
