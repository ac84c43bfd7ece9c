"""`gocoach content facts`: the sentences a reviewer re-checks when a Go release lands."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gocoach.cli.main import app
from gocoach.questions.facts import find_facts, track_facts

TEXT = """# Таймеры

С Go 1.23 каналы таймеров не буферизованы. Раньше это было иначе.
Стек горутины начинается с 2 KiB. Состояние `_Grunnable` значит «готова».
Просто предложение без версий.

```go
// go1.21 в коде не считается
```
"""


def test_sentences_with_versions_and_constants_are_found_with_their_lines() -> None:
    facts = find_facts("03-x.md", TEXT)
    assert [(f.line, f.kind) for f in facts] == [(3, "version"), (4, "constant"), (4, "constant")]
    assert facts[0].sentence == "С Go 1.23 каналы таймеров не буферизованы."
    assert "Go 1.23" in facts[0].marks[0]
    assert facts[1].marks == ("2 KiB",) and facts[2].marks == ("_Grunnable",)
    assert str(facts[0]).startswith("03-x.md:3: [")


def test_the_cli_lists_facts_of_a_track_and_refuses_a_wrong_kind(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    (tmp_path / "03-timers.md").write_text(TEXT, encoding="utf-8")
    (tmp_path / "index.md").write_text("# Трек\n\nС Go 1.99 индекс не читается.\n")
    assert len(track_facts(tmp_path)) == 3
    result = CliRunner().invoke(app, ["content", "facts", "--track", str(tmp_path),
                                      "--kind", "version"])
    assert result.exit_code == 0, result.output
    assert "03-timers.md:3:" in result.output and "1.99" not in result.output
    assert "1 sentences: 1 name a Go version, 0 a runtime constant" in result.output
    bad = CliRunner().invoke(app, ["content", "facts", "--track", str(tmp_path), "--kind", "x"])
    assert bad.exit_code == 1 and "--kind is 'version' or 'constant'" in bad.output


def test_the_shipped_bank_names_versions() -> None:
    folder = Path(__file__).resolve().parents[1] / "content" / "tracks" / "go-core"
    facts = track_facts(folder, kind="version")
    assert len(facts) > 50
    assert all(f.path.endswith(".md") and f.line > 0 for f in facts)
