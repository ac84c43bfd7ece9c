"""`gocoach import` on documents of other shapes: previews, several files, reference items."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gocoach.cli import context as cli_context
from gocoach.cli.main import app

DATA = Path(__file__).parent / "data" / "roadmaps"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GOCOACH_LOAD_BUNDLED", "false")
    monkeypatch.setattr(cli_context.console, "width", 200)
    return CliRunner()


def run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.output


def test_dry_run_shows_the_preview_tree_and_what_was_read(cli: CliRunner) -> None:
    code, output = run(cli, "import", "--dry-run", str(DATA / "numbered-topics.md"))
    assert code == 0
    assert "would import numbered-topics — Backend in Go: a self-study path" in output
    assert "22 item, 0 checkbox_items, 16 trackable_items" in output
    assert "read as: no checkboxes" in output and "9 sub-items; 3 links kept as resources" in output
    assert "Topics  14 tracked, 3 reference" in output
    assert "      ○ Language basics\n        · A Tour of Go (resource)" in output
    code, output = run(cli, "roadmaps")
    assert "numbered-topics" not in output  # nothing written


def test_a_bad_file_does_not_hide_the_good_ones(cli: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    code, output = run(cli, "import", str(DATA / "README.md"), str(empty))
    assert code == 1
    assert "imported readme — Go developer roadmap" in output
    assert "empty.md: the file is empty" in output and "1 of 2 files not imported" in output
    assert "Traceback" not in output
    code, output = run(cli, "roadmaps")
    assert "readme" in output


def test_reference_items_cannot_be_marked_and_tracked_ones_can(cli: CliRunner) -> None:
    run(cli, "import", str(DATA / "numbered-topics.md"))
    code, output = run(cli, "show", "numbered-topics", "--all")
    reference = re.search(r"([0-9a-f]{10}) · A Tour of Go", output)
    tracked = re.search(r"([0-9a-f]{10}) ○ todo Language basics", output)
    assert reference and tracked
    code, output = run(cli, "mark", reference.group(1), "done")
    assert code == 1 and "is reference text" in output and "None" not in output
    code, output = run(cli, "mark", tracked.group(1), "done")
    assert code == 0 and "done" in output and "6%" in output


def test_utf16_without_bom_and_garbled_files_report_their_repair(
    cli: CliRunner, tmp_path: Path
) -> None:
    text = (DATA / "nested-checkboxes.md").read_text(encoding="utf-8")
    path = tmp_path / "boxes.md"
    path.write_bytes(text.encode("utf-16-le"))
    code, output = run(cli, "import", "--dry-run", str(path))
    assert code == 0 and "encoding utf-16-le, no mojibake" in output
    assert "12 checkbox_items" in output and "read as: 8 checkbox sub-items" in output
    ru = (DATA / "progress-table-ru.md").read_text(encoding="utf-8")
    garbled = tmp_path / "ru.md"
    garbled.write_bytes(ru.encode("utf-8").decode("cp1252", errors="ignore").encode("utf-8"))
    code, output = run(cli, "import", "--dry-run", str(garbled))
    assert code == 0 and "mojibake via cp1252" in output and "guessed" in output
    assert "Ð" not in output


def test_dry_run_prints_each_match_with_its_score(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text("# Plan\n\n## Week 1\n\n- [x] Изучить Mocks\n", encoding="utf-8")
    run(cli, "import", str(path))
    path.write_text("# Plan\n\n## Week 1\n\n- [x] Изучить Mocks и gomock\n", encoding="utf-8")
    code, output = run(cli, "import", "--dry-run", str(path))
    assert code == 0
    assert "matched 'Изучить Mocks' → 'Изучить Mocks и gomock' (similarity 0.90)" in output
