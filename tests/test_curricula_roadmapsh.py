"""Importing roadmap.sh roadmaps: the graph format and the legacy mockup, as a folder, its JSON
file or a zip archive, through the library, the CLI and the web upload; hostile input refused.

The fixtures under tests/data/roadmapsh/ are made-up roadmaps written for these tests in the two
shapes roadmap.sh publishes (nothing is copied from roadmap.sh):
- go-testing/: the graph format (`{"nodes", "edges"}`, content/<slug>@<id>.md), in English;
- go-concurrency/: the legacy Balsamiq mockup (content/<nnn-topic>/<nnn-subtopic>.md), in Russian.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from conftest import NOW
from gocoach.cli import context as cli_context
from gocoach.cli.main import app
from gocoach.curricula.decoding import DocumentError
from gocoach.curricula.progress import set_status, statuses
from gocoach.curricula.roadmaps import (
    ImportReport,
    get_roadmap,
    import_document,
    load_nodes,
    read_document,
)
from gocoach.curricula.roadmapsh import Bundle, pack_folder, read_content
from gocoach.curricula.roadmapsh import bundle as packing
from gocoach.curricula.tree import ParsedNode, ParsedRoadmap
from gocoach.store.settings import load_settings
from gocoach.store.tables import User
from gocoach.web.app import create_app

DATA = Path(__file__).parent / "data" / "roadmapsh"
GRAPH = DATA / "go-testing"
LEGACY = DATA / "go-concurrency"
LIMIT = 5 * 1024 * 1024


def parse_folder(folder: Path, limit: int = LIMIT) -> ParsedRoadmap:
    data = pack_folder(folder, max_bytes=limit)
    return read_document(data, name=folder.name, max_bytes=limit)[1]


def outline(node: ParsedNode, depth: int = 0) -> list[str]:
    """The tree as indented lines: ○ tracked, · reference."""
    lines: list[str] = []
    for child in node.children:
        mark = "○" if child.trackable else "·"
        lines.append(f"{'  ' * depth}{mark} {child.title}")
        lines += outline(child, depth + 1)
    return lines


def by_title(parsed: ParsedRoadmap, title: str) -> ParsedNode:
    return next(n for n in parsed.nodes() if n.title == title)


def zip_folder(folder: Path, target: Path, extra: dict[str, bytes] | None = None) -> Path:
    """The folder as a zip archive, the way one zips a downloaded roadmap folder."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, f"{folder.name}/{file.relative_to(folder).as_posix()}")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return target


# --- what is made of the two formats ---------------------------------------------------------


def test_graph_format_gives_topics_subtopics_and_links_in_reading_order() -> None:
    parsed = parse_folder(GRAPH)
    assert parsed.title == "Go Testing"  # the title node, not the page's front matter
    assert parsed.description.startswith("How to test Go code")
    assert outline(parsed.root) == [
        "○ Testing basics",
        "  ○ The testing package",
        "    · testing.T",
        "  ○ Test helpers and t.Cleanup",  # left of the topic, same height: reading order
        "    · Helpers, a made-up note",
        "  ○ Table-driven tests",  # its edge runs from the subtopic to the topic
        "  · Package testing",
        "  · Add a test (tutorial)",
        "  · A made-up talk on tests",
        "○ Benchmarks and profiling",
        "  ○ Writing benchmarks",
        "  ○ pprof",
        "  · Benchmarks in package testing",
        "  · Profiling Go programs",
        "  · A link without a kind",
        "○ Fuzzing",
        "  ○ Seed corpus",  # joined to two topics: the nearer one wins
        "  ○ Fuzz targets",  # no edge, drawn right under «Seed corpus»
        "○ Integration tests",  # label "Integration   tests\n" tidied
        "  ○ net/http/httptest",
        "    · Package httptest",
        "  ○ Test containers",
        "  ○ Golden files",  # in an unnamed box beside the topic
        "· Doubles",  # a paragraph joined to a subtopic: a heading over it
        "  ○ Mocks and fakes",
        "· Tooling",  # a box with a label in it
        "  ○ go vet",
        "  ○ Coverage profiles",
        "○ Examples as tests",  # its edge to «Doubles» leaves it: kept at the top
    ]
    items = parsed.items()
    assert (len(items), sum(i.trackable for i in items)) == (27, 18)
    assert [n.kind for n in parsed.root.children if not n.is_item] == ["section", "section"]
    assert {i.item_kind for i in items if not i.trackable} == {"resource"}
    basics = by_title(parsed, "Testing basics")
    assert basics.body == (
        "Go ships its test runner: `go test` builds a package together with its `_test.go` "
        "files and runs every `TestXxx` function.\n\nA failing check reports with `t.Errorf` "
        "and goes on; `t.Fatalf` stops the test."
    )  # no title heading, no "Visit the following resources" line, no link list
    talk = by_title(parsed, "A made-up talk on tests")
    assert talk.meta == {"url": "https://example.com/videos/go-tests", "resource_type": "video"}
    assert by_title(parsed, "A link without a kind").meta["resource_type"] == "link"
    assert "../elsewhere.md" in by_title(parsed, "Benchmarks and profiling").body


def test_graph_format_reports_what_it_left_out() -> None:
    notes = parse_folder(GRAPH).notes
    assert notes[0] == "roadmap.sh graph: 4 topics, 14 subtopics, 9 links kept as resources"
    assert (
        "5 items without a content file (no description): pprof, Fuzzing, Test containers, "
        "Coverage profiles, Examples as tests" in notes
    )
    assert (
        "3 subtopics under 2 headings drawn on the roadmap (a box with a label, or a paragraph "
        "joined to them)" in notes
    )
    assert "1 subtopics in an unnamed box put under the topic beside it" in notes
    assert "1 subtopics put with the subtopic above or below them in a column" in notes
    assert "1 subtopics in no group, kept at the top in reading order" in notes
    assert "1 content files describe no node on the graph" in notes
    for skipped in (
        "1 topics without an id or a text label skipped",  # a label that is the number 42
        "1 topics with a repeated id skipped",
        "1 entries that are not nodes skipped",
    ):
        assert skipped in notes


def test_legacy_mockup_is_ordered_by_its_numbers_and_finds_its_content_files() -> None:
    parsed = parse_folder(LEGACY)
    assert parsed.title == "Конкурентность в Go"  # the large label on the page
    assert [line for line in outline(parsed.root) if "○" in line] == [
        "○ Горутины",
        "  ○ Планировщик",
        "  ○ Рост стека",
        "○ Каналы",
        "  ○ Буферизованные каналы",  # a label on two lines
        "  ○ select",
        "  ○ Закрытие каналов",
        "○ Пакет sync",  # drawn above «Каналы», numbered after it
        "  ○ Mutex",
        "  ○ RWMutex",
        "  ○ WaitGroup",
        "○ Контекст",
        "  ○ Отмена",
        "    ○ Тайм-ауты",  # 100-context:cancellation:timeouts
        "○ Детектор гонок",  # inside an unnamed box, beside a link that is not a topic
    ]
    # `102-channels:closing` is described by 102-close.md: the number finds it
    assert by_title(parsed, "Закрытие каналов").body.startswith("Закрывает канал отправитель")
    assert by_title(parsed, "Пакет sync").body == "Примитивы синхронизации для общей памяти."
    assert by_title(parsed, "Тайм-ауты").meta["content_file"] == (
        "content/103-context/100-cancellation/100-timeouts.md"
    )
    stack = by_title(parsed, "Рост стека")  # the older <BadgeLink> form of links
    assert (
        stack.body == "Стек горутины начинается с нескольких килобайт и растёт по мере надобности."
    )
    assert [(c.title, c.meta["resource_type"]) for c in stack.children] == [
        ("Go FAQ: горутины", "official"),
        ("Выдуманная заметка о стеках", "read"),
    ]
    assert parsed.notes == [
        "roadmap.sh legacy mockup: 5 topics, 10 subtopics, 6 links kept as resources",
        "2 items without a content file (no description): RWMutex, WaitGroup",
        "1 groups with a name that is not a topic slug skipped",
        "1 topics without an id or a text label skipped",
        "1 topics share a name with another (told apart by order)",
    ]


def test_keys_come_from_node_ids_and_legacy_slugs() -> None:
    graph = parse_folder(GRAPH)
    key = hashlib.sha1(b"roadmap.sh:tb1BasicsXyZ01").hexdigest()[:10]
    assert by_title(graph, "Testing basics").key == key
    legacy = parse_folder(LEGACY)
    assert by_title(legacy, "Планировщик").meta["roadmapsh_id"] == "goroutines/scheduler"
    assert by_title(legacy, "RWMutex").meta["roadmapsh_id"] == "sync/mutex#2"
    keys = [n.key for n in graph.nodes()] + [n.key for n in legacy.nodes()]
    assert len(keys) == len(set(keys))


CONTENT = """# Worker pools

A fixed number of goroutines take jobs from one channel. The list below covers:

- sizing the pool
- closing the jobs channel

A long sentence that describes the topic and, at its very end, happens to say visit these resources:

To learn more, visit the following resources:

- [@article@Pools, a made-up article](https://example.com/pools)
- [A made-up repository](https://example.com/repo) - the code from the talk
- [Package sync](https://pkg.go.dev/sync) `(since go 1.0)`

Further reading:
- [@video@A made-up video](https://example.com/video)
"""


def test_content_keeps_plain_bullets_and_drops_only_the_lines_that_announce_links() -> None:
    """Shapes found in the real Go roadmap's content files, in a document written here."""
    description, links = read_content(CONTENT)
    assert description == (
        "A fixed number of goroutines take jobs from one channel. The list below covers:\n\n"
        "- sizing the pool\n- closing the jobs channel\n\n"
        "A long sentence that describes the topic and, at its very end, happens to say visit "
        "these resources:"
    )
    assert [(link.title, link.kind, link.note) for link in links] == [
        ("Pools, a made-up article", "article", ""),
        ("A made-up repository", "link", "the code from the talk"),
        ("Package sync", "link", "(since go 1.0)"),
        ("A made-up video", "video", ""),
    ]


def test_a_file_found_only_by_its_number_must_be_about_the_topic() -> None:
    """`102-logs:apex` beside a file `102-slog.md` left from a replaced topic gets no text;
    `103-logs:zerologg` (a typo) finds `103-zerolog.md`."""
    group = {"typeID": "__group__", "x": "0", "y": "0"}
    controls = [
        {
            **group,
            "properties": {"controlName": name},
            "children": {
                "controls": {"control": [{"typeID": "Label", "properties": {"text": text}}]}
            },
        }
        for name, text in (
            ("100-logs", "Logs"),
            ("102-logs:apex", "Apex"),
            ("103-logs:zerologg", "Zerolog"),
        )
    ]
    bundle = Bundle(
        name="logs",
        roadmap={"mockup": {"controls": {"control": controls}}},
        content={
            "100-logs/index.md": "# Logs\n\nWriting logs.\n",
            "100-logs/102-slog.md": "# slog\n\nStructured logging in the standard library.\n",
            "100-logs/103-zerolog.md": "# Zerolog\n\nA JSON logger.\n",
        },
    )
    parsed = read_document(bundle.to_bytes(), name="logs", max_bytes=LIMIT)[1]
    assert by_title(parsed, "Apex").body == ""
    assert by_title(parsed, "Zerolog").body == "A JSON logger."
    assert "1 content files describe no node on the graph" in parsed.notes


# --- import, re-import, the stored source ----------------------------------------------------


def copy_fixture(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    return target


def rewrite_graph(folder: Path, edit: dict[str, str], move: str | None = None) -> None:
    path = folder / f"{folder.name}.json"
    graph = json.loads(path.read_text(encoding="utf-8"))
    for node in graph["nodes"]:
        if isinstance(node, dict) and node.get("id") in edit:
            node["data"]["label"] = edit[node["id"]]
        if isinstance(node, dict) and node.get("id") == move:
            node["position"]["y"] = 5000
    path.write_text(json.dumps(graph), encoding="utf-8")


def test_reimport_after_a_rename_on_roadmap_sh_keeps_progress(
    session: Session, user: User, tmp_path: Path
) -> None:
    folder = copy_fixture(GRAPH, tmp_path)

    def load() -> ImportReport:
        return import_document(
            session,
            data=pack_folder(folder, max_bytes=LIMIT),
            name=str(folder),
            user=user,
            now=NOW,
            max_bytes=LIMIT,
        )

    load()
    roadmap = get_roadmap(session, "go-testing")
    table = by_title(parse_folder(folder), "Table-driven tests").key
    set_status(session, user=user, roadmap=roadmap, key=table, status="done", now=NOW)
    # renamed beyond any title match, and the topic above it moved to the end
    rewrite_graph(folder, {"sb1Table00001": "Cases in a slice"}, move="tb1BasicsXyZ01")
    report = load()
    assert report.added == [] and report.removed == [] and report.orphaned == []
    titles = {n.key: n.title for n in load_nodes(session, roadmap)}
    assert titles[table] == "Cases in a slice"
    assert statuses(session, user, roadmap)[table].status == "done"
    assert [n.title for n in load_nodes(session, roadmap) if n.depth == 0][-1] == "Testing basics"


def test_the_stored_source_imports_again_to_the_same_tree(session: Session, user: User) -> None:
    """What a backup carries (the source text and name) restores the roadmap, keys and all."""
    data = pack_folder(LEGACY, max_bytes=LIMIT)
    import_document(session, data=data, name="go-concurrency", user=user, now=NOW, max_bytes=LIMIT)
    roadmap = get_roadmap(session, "go-concurrency")
    assert roadmap.source_name == "go-concurrency" and roadmap.meta["source_format"] == "roadmap.sh"
    again = import_document(
        session,
        data=roadmap.source_text.encode("utf-8"),
        name=roadmap.source_name,
        slug="restored",
        user=user,
        now=NOW,
        max_bytes=LIMIT,
    )
    restored = get_roadmap(session, "restored")
    assert again.counts == {"item": 21, "checkbox_items": 0, "trackable_items": 15}
    assert [(n.key, n.title, n.body) for n in load_nodes(session, restored)] == [
        (n.key, n.title, n.body) for n in load_nodes(session, roadmap)
    ]


def test_a_folder_and_its_zip_are_one_source(session: Session, user: User, tmp_path: Path) -> None:
    """The bundle is the same text whichever way the roadmap came, so importing the zip of an
    imported folder is an unchanged source with nothing added or removed."""
    folder = pack_folder(LEGACY, max_bytes=LIMIT)
    import_document(
        session, data=folder, name="go-concurrency", user=user, now=NOW, max_bytes=LIMIT
    )
    archive = zip_folder(LEGACY, tmp_path / "go-concurrency.zip").read_bytes()
    report = import_document(
        session, data=archive, name="go-concurrency.zip", user=user, now=NOW, max_bytes=LIMIT
    )
    assert report.unchanged_source and not report.created
    assert report.added == [] and report.removed == []


# --- the CLI -------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GOCOACH_LOAD_BUNDLED", "false")
    monkeypatch.setattr(cli_context.console, "width", 200)
    return CliRunner()


def run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.output


def test_cli_dry_run_of_a_folder_shows_the_tree_and_writes_nothing(cli: CliRunner) -> None:
    code, output = run(cli, "import", "--dry-run", str(GRAPH))
    assert code == 0, output
    assert "would import go-testing — Go Testing" in output
    assert "27 item, 2 section, 0 checkbox_items, 18 trackable_items" in output
    assert "read as: roadmap.sh graph: 4 topics, 14 subtopics" in output
    preview = output.split("preview (○ tracked, · reference):\n")[1]
    assert preview.startswith(
        "    ○ Testing basics\n"
        "      ○ The testing package\n"
        "      ○ Test helpers and t.Cleanup\n"
        "      ○ Table-driven tests\n"
        "    ○ Benchmarks and profiling\n"
    )  # links are counted in the report, not listed: the whole roadmap fits on a screen
    assert "·" not in preview
    assert "    Tooling  2 tracked, 0 reference\n      ○ go vet\n" in preview
    assert preview.endswith("    ○ Examples as tests\n\n")  # every topic, not the first five
    assert "go-testing" not in run(cli, "roadmaps")[1]


def test_cli_imports_a_folder_its_json_and_a_zip_as_one_roadmap(
    cli: CliRunner, tmp_path: Path
) -> None:
    code, output = run(cli, "import", str(LEGACY))
    assert code == 0 and "imported go-concurrency — Конкурентность в Go" in output
    code, output = run(cli, "show", "go-concurrency")
    assert re.search(r"[0-9a-f]{10} ○ todo Тайм-ауты", output)
    mutex = re.search(r"([0-9a-f]{10}) ○ todo Mutex", output)
    assert mutex
    assert run(cli, "mark", mutex.group(1), "done")[0] == 0
    code, output = run(cli, "import", str(LEGACY / "go-concurrency.json"))
    assert code == 0 and "re-imported go-concurrency" in output
    assert "0 items added, 0 removed, 0 matched to edited items" in output
    archive = zip_folder(LEGACY, tmp_path / "go-concurrency.zip")
    code, output = run(cli, "import", str(archive))
    assert code == 0 and "re-imported go-concurrency" in output and "0 items added" in output
    assert f"{mutex.group(1)} ✔ done Mutex" in run(cli, "show", "go-concurrency")[1]
    assert run(cli, "roadmaps")[1].count("go-concurrency") == 1
    code, output = run(cli, "export", "go-concurrency")
    assert "- [ ] Пакет sync\n  - [x] Mutex\n  - [ ] RWMutex" in output  # nested, with statuses
    assert "  - [Effective Go: каналы](https://go.dev/doc/effective_go#channels)" in output


def test_cli_json_without_content_imports_without_descriptions(
    cli: CliRunner, tmp_path: Path
) -> None:
    lone = tmp_path / "go-testing.json"
    shutil.copy(GRAPH / "go-testing.json", lone)
    code, output = run(cli, "import", "--dry-run", str(lone))
    assert code == 0
    assert "no content/ folder came with the JSON: items have no descriptions" in output
    assert "18 trackable_items" in output


def test_backup_and_restore_bring_a_roadmap_sh_roadmap_back(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(cli, "import", str(LEGACY))
    mutex = re.search(r"([0-9a-f]{10}) ○ todo Mutex", run(cli, "show", "go-concurrency")[1])
    assert mutex and run(cli, "mark", mutex.group(1), "done")[0] == 0
    assert run(cli, "backup", str(tmp_path / "backup.json"))[0] == 0
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "fresh"))
    code, output = run(cli, "restore", str(tmp_path / "backup.json"))
    assert code == 0 and "1 roadmaps" in output
    shown = run(cli, "show", "go-concurrency")[1]
    assert f"{mutex.group(1)} ✔ done Mutex" in shown and "Тайм-ауты" in shown


# --- the web upload -------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(load_settings(data_dir=tmp_path / "web", load_bundled=False))
    with TestClient(app) as test_client:
        yield test_client


def test_web_upload_of_a_zip_previews_then_imports_with_descriptions(
    client: TestClient, tmp_path: Path
) -> None:
    data = zip_folder(GRAPH, tmp_path / "go-testing.zip").read_bytes()
    files = {"file": ("go-testing.zip", data, "application/zip")}
    page = client.post("/import", files=files, data={"dry_run": "true"})
    assert page.status_code == 200
    assert "○ Testing basics" in page.text and "○ The testing package" in page.text
    assert "roadmap.sh graph: 4 topics" in page.text and "<b>Tooling</b>" in page.text
    assert client.get("/roadmaps/go-testing").status_code == 404
    assert client.post("/import", files=files).status_code == 200
    assert "Testing basics" in client.get("/roadmaps/go-testing").text
    key = hashlib.sha1(b"roadmap.sh:tb1BasicsXyZ01").hexdigest()[:10]
    details = client.get(f"/roadmaps/go-testing/items/{key}/details").text
    assert "Go ships its test runner" in details


def test_web_refuses_an_archive_with_a_path_outside_it(client: TestClient, tmp_path: Path) -> None:
    data = zip_folder(GRAPH, tmp_path / "evil.zip", {"../../evil.md": b"# x"}).read_bytes()
    page = client.post("/import", files={"file": ("evil.zip", data)})
    assert page.status_code == 400  # the reason, in the interface language (Russian by default)
    assert "небезопасный путь в архиве" in page.text and "../../evil.md" in page.text
    english = client.post("/import", files={"file": ("evil.zip", data)},
                          headers={"Accept-Language": "en"})
    assert english.status_code == 400
    assert "unsafe path in the archive" in english.text and "небезопасный" not in english.text
    assert client.get("/roadmaps/evil").status_code == 404


# --- hostile and broken input ---------------------------------------------------------------


def refused(cli: CliRunner, path: Path, *extra: str) -> str:
    """Import `path`: it must fail with a message, no traceback, and leave nothing behind."""
    code, output = run(cli, "import", *extra, str(path))
    assert code == 1, output
    assert "Traceback" not in output and "error:" in output
    listed = run(cli, "roadmaps")[1]
    assert path.stem not in listed
    return " ".join(output.split())


def test_broken_json_is_refused_with_its_line(cli: CliRunner, tmp_path: Path) -> None:
    folder = copy_fixture(GRAPH, tmp_path)
    graph = folder / "go-testing.json"
    graph.write_text(graph.read_text(encoding="utf-8").replace('"edges"', '"edges" oops', 1))
    message = refused(cli, folder)
    assert re.search(
        r"go-testing\.json: not valid JSON: Expecting ':' delimiter at line \d+", message
    )


def test_archives_with_unsafe_paths_are_refused_whole(cli: CliRunner, tmp_path: Path) -> None:
    for bad in ("../evil.md", "/etc/evil.md", "go-testing\\..\\..\\evil.md", "C:/evil.md"):
        archive = zip_folder(GRAPH, tmp_path / "bad.zip", {bad: b"# evil"})
        assert "unsafe path in the archive" in refused(cli, archive)


def test_an_archive_that_unpacks_too_large_is_refused(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOCOACH_MAX_IMPORT_BYTES", "50000")
    bomb = {"go-testing/content/zeros@x.md": b"0" * 300_000}  # ~300 KB packed into ~1 KB
    archive = zip_folder(GRAPH, tmp_path / "bomb.zip", bomb)
    assert archive.stat().st_size < 50_000
    message = refused(cli, archive)
    assert (
        "bomb.zip: unpacks to 0.3 MB; the limit is 0.2 MB (4 × GOCOACH_MAX_IMPORT_BYTES)" in message
    )


def test_too_many_files_and_oversized_files_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(packing, "MAX_FILES", 5)
    with pytest.raises(DocumentError, match="more than 5 files under content/"):
        pack_folder(GRAPH, max_bytes=LIMIT)
    archive = zip_folder(GRAPH, tmp_path / "many.zip").read_bytes()
    with pytest.raises(DocumentError, match=r"many\.zip: \d+ files in the archive; the limit is 5"):
        read_document(archive, name="many.zip", max_bytes=LIMIT)
    with pytest.raises(DocumentError, match=r"go-testing\.json: is 0\.0 MB; the limit is"):
        pack_folder(GRAPH, max_bytes=1000)


def test_a_folder_or_archive_without_content_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "go-testing"
    folder.mkdir()
    shutil.copy(GRAPH / "go-testing.json", folder)
    assert "no content/ folder beside go-testing.json" in refused(cli, folder)
    archive = tmp_path / "bare.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        packed.write(GRAPH / "go-testing.json", "go-testing/go-testing.json")
    assert "bare.zip: no content/ folder beside go-testing/go-testing.json" in refused(cli, archive)


def test_folders_and_json_that_are_not_roadmap_sh_are_refused(
    cli: CliRunner, tmp_path: Path
) -> None:
    markdown = Path(__file__).parent / "data" / "roadmaps"
    assert "not a roadmap.sh roadmap — no NAME.json" in refused(cli, markdown)
    other = tmp_path / "settings.json"
    other.write_text('{"theme": "dark"}', encoding="utf-8")
    assert "not a roadmap.sh roadmap — expected a JSON object" in refused(cli, other)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert "deep.json: JSON nested too deeply" in refused(cli, deep)
    empty = tmp_path / "empty.json"
    empty.write_text('{"nodes": [{"id": "a", "type": "title", "data": {"label": "T"}}]}')
    assert "no topics or subtopics with a label" in refused(cli, empty)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 this is not an archive")
    assert "junk.zip: not a readable zip archive" in refused(cli, junk)


def test_hostile_values_inside_the_graph_do_not_break_the_import(tmp_path: Path) -> None:
    nodes: list[object] = [
        {
            "id": "t",
            "type": "topic",
            "position": {"x": "NaN", "y": 1e309},
            "data": {"label": "A" * 5000},
        },
        {"id": "s", "type": "subtopic", "position": None, "data": {"label": ["not", "text"]}},
        {"id": "u", "type": "subtopic", "position": {"x": True}, "data": {"label": " \x00\x07 "}},
        {"id": {"no": "id"}, "type": "topic", "data": {"label": "Bad id"}},
        {"id": "v", "type": "subtopic", "data": {"label": "Loop"}},
    ]
    edges = [
        {"source": "t", "target": "v"},
        {"source": "v", "target": "t"},
        {"source": "v", "target": "v"},
        {"source": ["t"], "target": "v"},
    ]
    data = json.dumps({"nodes": nodes, "edges": edges}).encode()
    parsed = read_document(data, name="hostile.json", max_bytes=LIMIT)[1]
    assert [(n.title[:3], len(n.title)) for n in parsed.nodes()] == [("AAA", 200), ("Loo", 4)]
    assert parsed.title == "Hostile"


def test_symlinks_under_content_are_not_followed(tmp_path: Path) -> None:
    folder = copy_fixture(GRAPH, tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("# Secret\n\nnot for the roadmap\n", encoding="utf-8")
    (folder / "content" / "pprof@sb2Pprof00001.md").symlink_to(secret)
    (folder / "content" / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    parsed = parse_folder(folder)
    assert by_title(parsed, "pprof").body == ""
    assert "2 files under content/ not read (links, binary or empty)" in parsed.notes
    assert all("not for the roadmap" not in n.body for n in parsed.nodes())


# --- a Markdown shape the trials turned up --------------------------------------------------

FEATURES_DOC = """# Learning Go

## The language's own features

### Concurrency

- [ ] Goroutines
- [ ] Channels

## Features of Go

- Fast compilation
- Static typing

## Features

- [ ] Shorten a URL
- [ ] Count the visits
"""


def test_a_heading_about_features_of_the_language_does_not_make_projects() -> None:
    """«Go's Unique Features» and «Features of Go» list the language's traits: their items are
    topics; only a heading that is just «Features» lists a project's features."""
    parsed = read_document(FEATURES_DOC.encode(), name="features.md", max_bytes=LIMIT)[1]
    kinds = {item.title: item.item_kind for item in parsed.items()}
    assert kinds["Goroutines"] == kinds["Fast compilation"] == "topic"
    assert kinds["Shorten a URL"] == "project"


def test_a_graph_of_thousands_of_nodes_is_read_or_refused_by_its_size() -> None:
    """4,999 subtopics piled on one spot, one of them joined to the topic, all end up under it
    (the column walk indexes them, so this takes a fraction of a second); 5,001 nodes are
    refused by name."""
    topic = {"id": "t", "type": "topic", "position": {"x": 0, "y": 0}, "data": {"label": "T"}}
    pile = [
        {
            "id": f"s{i}",
            "type": "subtopic",
            "position": {"x": 500, "y": 500},
            "data": {"label": f"Pile {i}"},
        }
        for i in range(4999)
    ]
    data = json.dumps({"nodes": [topic, *pile], "edges": [{"source": "t", "target": "s0"}]})
    parsed = read_document(data.encode(), name="pile.json", max_bytes=LIMIT)[1]
    assert [len(n.children) for n in parsed.root.children] == [4999]
    data = json.dumps({"nodes": [topic, *pile, topic], "edges": []})
    with pytest.raises(DocumentError, match=r"pile\.json: 5001 nodes in the roadmap; the limit"):
        read_document(data.encode(), name="pile.json", max_bytes=LIMIT)
