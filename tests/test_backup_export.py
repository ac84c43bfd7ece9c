"""Export to Markdown (only checkbox lines change) and backup/restore of all user data."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conftest import NOW, seed_bytes
from gocoach.backup.archive import BackupError, make_backup, parse_backup, restore_backup
from gocoach.curricula.decoding import decode_document
from gocoach.curricula.export import export_markdown
from gocoach.curricula.progress import set_status, statuses
from gocoach.curricula.roadmaps import get_roadmap, import_document, load_nodes
from gocoach.store.tables import Progress, User

LIMIT = 5 * 1024 * 1024
STATUS_CYCLE = ("done", "in_progress", "skipped", "todo")


def import_seed(session: Session, user: User, prefix: str, slug: str) -> None:
    import_document(
        session,
        data=seed_bytes(prefix),
        name=f"{slug}.md",
        slug=slug,
        user=user,
        now=NOW,
        max_bytes=LIMIT,
    )


def mark_some(session: Session, user: User, slug: str) -> dict[str, str]:
    roadmap = get_roadmap(session, slug)
    wanted = {}
    items = [n for n in load_nodes(session, roadmap) if n.trackable]
    for index, node in enumerate(items[::7]):
        status = STATUS_CYCLE[index % 4]
        set_status(session, user=user, roadmap=roadmap, key=node.key, status=status, now=NOW)
        wanted[node.key] = status
    return wanted


@pytest.mark.parametrize(
    ("prefix", "slug"),
    [("001", "followups"), ("002", "senior"), ("003", "backend"), ("004", "mastery")],
)
def test_export_then_import_keeps_every_status(
    session: Session, user: User, prefix: str, slug: str
) -> None:
    import_seed(session, user, prefix, slug)
    wanted = mark_some(session, user, slug)
    roadmap = get_roadmap(session, slug)
    exported = export_markdown(
        roadmap, load_nodes(session, roadmap), statuses(session, user, roadmap)
    )
    other = User(username="other", created_at=NOW)
    session.add(other)
    session.flush()
    report = import_document(
        session,
        data=exported.encode(),
        name="copy.md",
        slug=f"{slug}-copy",
        user=other,
        now=NOW,
        max_bytes=LIMIT,
    )
    assert report.conflicts == []
    copy = get_roadmap(session, f"{slug}-copy")
    got = {k: p.status for k, p in statuses(session, other, copy).items()}
    assert {k: s for k, s in wanted.items() if s != "todo"} == got
    assert [n.key for n in load_nodes(session, copy)] == [
        n.key for n in load_nodes(session, roadmap)
    ]


def test_export_changes_only_checkbox_lines(session: Session, user: User) -> None:
    import_seed(session, user, "002", "senior")
    mark_some(session, user, "senior")
    roadmap = get_roadmap(session, "senior")
    exported = export_markdown(
        roadmap, load_nodes(session, roadmap), statuses(session, user, roadmap)
    ).split("\n")
    original = decode_document(seed_bytes("002"), name="002").text.split("\n")
    assert len(exported) == len(original)
    changed = [(a, b) for a, b in zip(original, exported, strict=True) if a != b]
    assert changed and all(
        a.startswith("- [ ]") and b[:5] in ("- [x]", "- [/]", "- [-]") and a[5:] == b[5:]
        for a, b in changed
    )


def test_plain_bullets_get_a_checkbox(session: Session, user: User) -> None:
    import_seed(session, user, "004", "mastery")
    roadmap = get_roadmap(session, "mastery")
    node = next(n for n in load_nodes(session, roadmap) if n.title == "Origin Story")
    set_status(session, user=user, roadmap=roadmap, key=node.key, status="done", now=NOW)
    exported = export_markdown(
        roadmap, load_nodes(session, roadmap), statuses(session, user, roadmap)
    )
    assert "- [x] **Origin Story:** Google's 2007 creation" in exported


def test_backup_restore_round_trip(session: Session, user: User, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_seed(session, user, "003", "backend")
    wanted = mark_some(session, user, "backend")
    roadmap = get_roadmap(session, "backend")
    key = next(iter(wanted))
    set_status(
        session,
        user=user,
        roadmap=roadmap,
        key=key,
        note="**заметка**",
        evidence=["https://example.org/pr/1"],
        now=NOW,
    )
    text = json.dumps(make_backup(session, now=NOW), ensure_ascii=False)

    from gocoach.startup import open_database
    from gocoach.store.engine import transaction
    from gocoach.store.settings import load_settings

    fresh, _ = open_database(load_settings(data_dir=tmp_path / "fresh", load_bundled=False))
    with transaction(fresh.sessions) as other:
        report = restore_backup(other, parse_backup(text, name="b.json"), now=NOW, max_bytes=LIMIT)
        assert report.roadmaps_imported == ["backend"]
        assert report.progress_added == len(wanted)
        again = restore_backup(other, parse_backup(text, name="b.json"), now=NOW, max_bytes=LIMIT)
        assert again.progress_added == 0 and again.events_added == 0
        restored_user = other.scalars(select(User).where(User.username == "local")).one()
        rows = statuses(other, restored_user, get_roadmap(other, "backend"))
        assert {k: r.status for k, r in rows.items()} == wanted
        assert rows[key].note == "**заметка**" and rows[key].evidence == [
            "https://example.org/pr/1"
        ]
    fresh.engine.dispose()


def test_restore_keeps_differing_progress_unless_replace(session: Session, user: User) -> None:
    import_seed(session, user, "002", "senior")
    wanted = mark_some(session, user, "senior")
    data = make_backup(session, now=NOW)
    roadmap = get_roadmap(session, "senior")
    key = next(k for k, s in wanted.items() if s == "done")
    set_status(session, user=user, roadmap=roadmap, key=key, status="todo", now=NOW)
    report = restore_backup(session, data, now=NOW, max_bytes=LIMIT)
    assert report.progress_kept == [f"senior:{key}"]
    assert statuses(session, user, roadmap)[key].status == "todo"
    restore_backup(session, data, now=NOW, max_bytes=LIMIT, replace=True)
    assert statuses(session, user, roadmap)[key].status == "done"
    assert session.scalar(select(func.count()).select_from(Progress)) == len(wanted)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "b.json:1: not valid JSON"),
        ('{"hello": 1}', "not a gocoach backup"),
        ('{"format": "gocoach-backup", "version": 99}', "version 99 is not supported"),
    ],
)
def test_bad_backups(text: str, message: str) -> None:
    with pytest.raises(BackupError, match=message):
        parse_backup(text, name="b.json")


def test_backup_carries_drills_plans_and_time(session: Session, user: User, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from gocoach.drills.reviews import record_rating
    from gocoach.plans.timelog import log_time
    from gocoach.startup import open_database
    from gocoach.store.engine import transaction
    from gocoach.store.settings import load_settings
    from gocoach.store.tables import DrillCard, ReviewLogEntry, TimeEntry
    from question_fixtures import load_small_track

    load_small_track(session, tmp_path / "bank", NOW)
    record_rating(session, user=user, ref="chan-buffered", rating=3, now=NOW, duration_ms=5000)
    log_time(session, user=user, minutes=45, source="manual", day=date(2026, 11, 21), now=NOW)
    text = json.dumps(make_backup(session, now=NOW), ensure_ascii=False)

    fresh, _ = open_database(load_settings(data_dir=tmp_path / "fresh", load_bundled=False))
    with transaction(fresh.sessions) as other:
        load_small_track(other, tmp_path / "bank2", NOW)
        report = restore_backup(other, parse_backup(text, name="b.json"), now=NOW,
                                max_bytes=LIMIT)
        assert report.tables.restored["cards"] == 1
        assert report.tables.restored["review_logs"] == 1
        assert report.tables.restored["time_entries"] == 1
        card = other.scalars(select(DrillCard)).one()
        assert card.ref == "chan-buffered"
        assert card.due.replace(tzinfo=None) > NOW.replace(tzinfo=None)
        assert other.scalars(select(ReviewLogEntry.duration_ms)).one() == 5000
        assert other.scalars(select(TimeEntry.minutes)).one() == 45
        again = restore_backup(other, parse_backup(text, name="b.json"), now=NOW, max_bytes=LIMIT)
        assert "cards" in again.tables.kept and other.scalar(
            select(func.count()).select_from(DrillCard)) == 1
    fresh.engine.dispose()


def task_items(text: str) -> dict[int, tuple[bool, bool, str]]:
    """Line (1-based) → (is a task, is checked, text) of every list item, read by markdown-it
    with the GitHub-style task-list plugin."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.tasklists import tasklists_plugin

    tokens = MarkdownIt("commonmark").enable("table").use(tasklists_plugin).parse(text)
    found: dict[int, tuple[bool, bool, str]] = {}
    for index, token in enumerate(tokens):
        if token.type != "list_item_open" or not token.map:
            continue
        inline = next(t for t in tokens[index:] if t.type == "inline")
        first = (inline.children or [None])[0]
        task = "task-list-item" in str(token.attrGet("class") or "")
        checked = task and first is not None and 'checked="checked"' in first.content
        found[token.map[0] + 1] = (task, checked, inline.content)
    return found


@pytest.mark.parametrize(("prefix", "slug"), [("002", "senior"), ("001", "followups")])
def test_github_style_reads_as_task_lists(session: Session, user: User, prefix: str,
                                          slug: str) -> None:
    import_seed(session, user, prefix, slug)
    wanted = mark_some(session, user, slug)
    roadmap = get_roadmap(session, slug)
    nodes = load_nodes(session, roadmap)
    exported = export_markdown(roadmap, nodes, statuses(session, user, roadmap), style="github")
    assert "[/]" not in exported and "[-]" not in exported
    items = task_items(exported)
    lines = {n.key: n.line_start for n in nodes if n.trackable}
    markers = {"in_progress": "*(in progress)*", "skipped": "*(skipped)*"}
    for key, status in wanted.items():
        task, checked, text = items[lines[key]]
        assert task and checked == (status == "done"), (status, text)
        assert text.endswith(markers[status]) if status in markers else "*(" not in text
    checked_lines = {line for line, (_t, checked, _x) in items.items() if checked}
    assert checked_lines == {lines[k] for k, s in wanted.items() if s == "done"}
    obsidian = export_markdown(roadmap, nodes, statuses(session, user, roadmap))
    assert obsidian.count("[/]") == list(wanted.values()).count("in_progress")


TABLE = """# План

## Неделя 1

| Тема | Часы |
|---|---|
| [ ] Каналы | 2 |
| [ ] Мьютексы | 3 |
"""


def test_github_style_marks_the_first_cell_of_a_table_row(session: Session, user: User) -> None:
    import_document(session, data=TABLE.encode(), name="t.md", slug="t", user=user, now=NOW,
                    max_bytes=LIMIT)
    roadmap = get_roadmap(session, "t")
    nodes = load_nodes(session, roadmap)
    first, second = (n for n in nodes if n.trackable)
    set_status(session, user=user, roadmap=roadmap, key=first.key, status="skipped", now=NOW)
    set_status(session, user=user, roadmap=roadmap, key=second.key, status="done", now=NOW)
    exported = export_markdown(roadmap, nodes, statuses(session, user, roadmap), style="github")
    assert "| [ ] Каналы *(skipped)* | 2 |\n| [x] Мьютексы | 3 |" in exported


def test_unknown_style_is_refused(session: Session, user: User) -> None:
    import_seed(session, user, "002", "senior")
    roadmap = get_roadmap(session, "senior")
    with pytest.raises(ValueError, match=r"unknown export style 'gfm' \(use obsidian or github\)"):
        export_markdown(roadmap, load_nodes(session, roadmap), {}, style="gfm")


CHECKED = """# Мой план

## Неделя 1
- [x] Первый
- [x] Второй
- [/] Третий
- [ ] Четвёртый
- [-] Пятый
- [ ] Шестой
"""


def history_rows(session: Session) -> list[tuple[object, ...]]:
    from gocoach.store.tables import ProgressEvent, Roadmap

    rows = session.execute(
        select(Roadmap.slug, ProgressEvent.node_key, ProgressEvent.previous_status,
               ProgressEvent.status, ProgressEvent.source, ProgressEvent.note,
               ProgressEvent.at).join(Roadmap, Roadmap.id == ProgressEvent.roadmap_id)
        .order_by(ProgressEvent.id)).all()
    return [(*row[:-1], row[-1].replace(tzinfo=None)) for row in rows]


def test_restore_into_a_fresh_folder_gives_exactly_the_backups_history(
        session: Session, user: User, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from gocoach.startup import open_database
    from gocoach.store.engine import transaction
    from gocoach.store.settings import load_settings

    import_document(session, data=CHECKED.encode(), name="mine.md", slug="mine", user=user,
                    now=NOW, max_bytes=LIMIT)
    roadmap = get_roadmap(session, "mine")
    for offset, node in enumerate(n for n in load_nodes(session, roadmap) if n.trackable):
        set_status(session, user=user, roadmap=roadmap, key=node.key, status="done",
                   now=NOW + timedelta(days=offset + 1), note=f"день {offset}")
    before = history_rows(session)
    wanted = {k: (p.status, p.updated_at.replace(tzinfo=None))
              for k, p in statuses(session, user, roadmap).items()}
    assert len(before) == 4 + 6  # four statuses from the document's boxes, six marks
    text = json.dumps(make_backup(session, now=NOW), ensure_ascii=False)

    fresh, _ = open_database(load_settings(data_dir=tmp_path / "fresh", load_bundled=False))
    with transaction(fresh.sessions) as other:
        report = restore_backup(other, parse_backup(text, name="b.json"),
                                now=NOW + timedelta(days=30), max_bytes=LIMIT)
        assert report.roadmaps_imported == ["mine"] and report.events_added == len(before)
        assert history_rows(other) == before
        restored_user = other.scalars(select(User).where(User.username == "local")).one()
        rows = statuses(other, restored_user, get_roadmap(other, "mine"))
        assert {k: (p.status, p.updated_at.replace(tzinfo=None))
                for k, p in rows.items()} == wanted
        restore_backup(other, parse_backup(text, name="b.json"), now=NOW, max_bytes=LIMIT)
        assert history_rows(other) == before
    fresh.engine.dispose()


def test_export_command_styles_and_bad_paths(tmp_path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
                                             ) -> None:
    from typer.testing import CliRunner

    from gocoach.cli.main import app

    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    cli = CliRunner()
    result = cli.invoke(app, ["show", "senior-3-months", "--week", "2"])
    key = next(w for w in result.output.split() if len(w) == 10 and w.isalnum()
               and all(c in "0123456789abcdef" for c in w))
    assert cli.invoke(app, ["mark", key, "in_progress"]).exit_code == 0
    target = tmp_path / "senior.md"
    result = cli.invoke(app, ["export", "senior-3-months", "--style", "github", "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert "[/]" not in text and text.count("*(in progress)*") == 1
    for args, message in [
        (["-o", str(tmp_path / "missing" / "x.md")], "missing: no such folder (create it first)"),
        (["--style", "gfm"], "unknown export style 'gfm' (use obsidian or github)"),
    ]:
        result = cli.invoke(app, ["export", "senior-3-months", *args])
        assert result.exit_code == 1 and message in result.output, result.output
        assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert not (tmp_path / "missing").exists()
