"""The harness's pieces that need no Go: what a module may contain, uploads, messages,
/metrics parsing, race reports, output excerpts and the local site (issue #18)."""

from __future__ import annotations

import io
import os
import socket
import tarfile
import threading
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gocoach.projects.box import Exit, Run, Stream
from gocoach.projects.checks import CheckFailed, Family, Metrics, Ran, Reply, parse_json_lines
from gocoach.projects.harness import _output_excerpt, _race_report
from gocoach.projects.module import (
    MAX_FILE_BYTES,
    ModuleRejected,
    accept_module,
    read_module,
    unpack_archive,
)
from gocoach.projects.said import Failure, Said, key_of
from gocoach.projects.site import Page, Site, html

GO_MOD = b"module m\n\ngo 1.22\n"
MAIN = b"package main\n\nfunc main() {}\n"


# --- the module -------------------------------------------------------------------------------


def test_a_module_folder_keeps_paths_and_leaves_out_binaries_and_dot_folders(
        tmp_path: Path) -> None:
    (tmp_path / "internal" / "queue").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / "go.mod").write_bytes(GO_MOD)
    (tmp_path / "main.go").write_bytes(MAIN)
    (tmp_path / "main_test.go").write_bytes(b"package main\n")
    (tmp_path / "internal" / "queue" / "queue.go").write_bytes(b"package queue\n")
    (tmp_path / ".git" / "HEAD").write_bytes(b"ref")
    (tmp_path / "app").write_bytes(b"\x7fELF" + b"\0" * 64)
    (tmp_path / "big.json").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    module = read_module(tmp_path)
    assert sorted(module.files) == ["go.mod", "internal/queue/queue.go", "main.go"]
    assert "app (a compiled program)" in module.ignored
    assert any(i.startswith("big.json") for i in module.ignored)
    assert "main_test.go (tests are not built)" in module.ignored


def test_symlinks_cgo_and_missing_go_mod_are_refused(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_bytes(GO_MOD)
    (tmp_path / "main.go").write_bytes(MAIN)
    (tmp_path / "secret.go").symlink_to("/etc/passwd")
    with pytest.raises(ModuleRejected, match="symbolic link"):
        read_module(tmp_path)
    with pytest.raises(ModuleRejected, match='imports "C"'):
        accept_module({"go.mod": GO_MOD, "main.go": b'package main\n\nimport/**/"C"\n'})
    with pytest.raises(ModuleRejected, match=r"no go\.mod"):
        accept_module({"main.go": MAIN})
    with pytest.raises(ModuleRejected, match=r"no \.go files"):
        accept_module({"go.mod": GO_MOD})


@pytest.mark.parametrize("name", ["../evil.go", "/etc/x.go", "a//b.go", "./../x.go", "a\\b.go",
                                  "x\x00.go", "a/./b.go"])
def test_paths_out_of_the_module_are_refused(name: str) -> None:
    with pytest.raises(ModuleRejected, match="relative path"):
        accept_module({"go.mod": GO_MOD, name: MAIN})


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _tar(files: dict[str, bytes], link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if link:
            info = tarfile.TarInfo(link)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            archive.addfile(info)
    return buffer.getvalue()


def test_uploads_unpack_with_one_top_folder_stripped() -> None:
    files = {"todo/go.mod": GO_MOD, "todo/main.go": MAIN, "todo/.git/x": b"", "todo/a/b.go": MAIN}
    for data in (_zip(files), _tar(files)):
        assert sorted(unpack_archive(data).files) == ["a/b.go", "go.mod", "main.go"]
    assert sorted(unpack_archive(_zip({"go.mod": GO_MOD, "main.go": MAIN})).files) == \
        ["go.mod", "main.go"]


def test_bad_uploads_are_refused_with_a_reason() -> None:
    with pytest.raises(ModuleRejected, match=r"\.zip or \.tar\.gz"):
        unpack_archive(b"not an archive at all")
    with pytest.raises(ModuleRejected, match="relative path"):
        unpack_archive(_zip({"go.mod": GO_MOD, "../../main.go": MAIN}))
    with pytest.raises(ModuleRejected, match="only regular files"):
        unpack_archive(_tar({"go.mod": GO_MOD, "main.go": MAIN}, link="evil.go"))
    with pytest.raises(ModuleRejected, match="too large"):
        unpack_archive(_zip({"go.mod": GO_MOD, "main.go": b" " * (MAX_FILE_BYTES + 1)}))
    with pytest.raises(ModuleRejected, match="larger than 8 MiB"):
        unpack_archive(b"PK" + b"\0" * (8 * 1024 * 1024))


# --- messages --------------------------------------------------------------------------------


def test_a_failed_check_says_what_was_sent_what_came_back_and_what_was_expected() -> None:
    reply = Reply("POST", "/tasks", '{"duration_ms": 5}', 404, {}, b"404 page not found\n", 0.01)
    failed = reply.fail(Said("pj.check.tp.not_accepted"), Said("pj.check.http.status",
                                                                 codes="202"))
    assert str(failed).splitlines() == [
        "задача не принята",
        '  отправлено: POST /tasks {"duration_ms": 5}',
        "  получено:   404 404 page not found",
        "  ожидалось:  код 202",
    ]
    # stored as keys and verbatim values, in no language
    assert failed.failure.to_json() == {"check": {
        "what": {"key": "pj.check.tp.not_accepted", "params": {}},
        "sent": 'POST /tasks {"duration_ms": 5}',
        "got": {"lines": ["404", "404 page not found"], "sep": " "},
        "expected": {"key": "pj.check.http.status", "params": {"codes": "202"}}}}
    with pytest.raises(CheckFailed, match="неожиданный код ответа 404") as unexpected:
        reply.expect(202)
    assert key_of(unexpected.value.failure) == "pj.check.http.unexpected_status"
    assert unexpected.value.failure.to_json()["check"]["what"]["params"] == {"status": 404}
    with pytest.raises(CheckFailed, match="ответ не является JSON") as not_json:
        reply.json()
    assert isinstance(not_json.value.failure, Failure)
    assert key_of(not_json.value.failure) == "pj.check.http.not_json"


def test_commands_are_shown_as_a_shell_would_take_them() -> None:
    ran = Ran(("2 + 3", "-x", "it's"), "1+1\n", Exit(1), "", "boom", "calc")
    assert ran.command() == "calc '2 + 3' -x 'it'\\''s'\nstdin: '1+1'"
    assert ran.summary() == "код выхода 1; stdout: ''; stderr: 'boom'"
    assert key_of(ran.summary()) == "pj.check.run.summary"
    assert Exit(-1, 15).describe() == "остановлена сигналом SIGTERM"
    assert Exit(-1, 15).describe().to_json() == {"key": "pj.check.exit.signal",
                                                 "params": {"signal": "SIGTERM"}}


# --- /metrics -----------------------------------------------------------------------------


METRICS = """# HELP tasks_submitted_total Tasks accepted.
# TYPE tasks_submitted_total counter
tasks_submitted_total 3
# TYPE tasks_running gauge
tasks_running{worker="a"} 1
tasks_running{worker="b"} 2
# TYPE lat histogram
lat_bucket{le="0.5"} 1
lat_bucket{le="+Inf"} 2
lat_sum 1.5
lat_count 2
"""


def _metrics(text: str) -> Metrics:
    families = {f.name: Family(f.name, f.type, tuple((s.name, dict(s.labels), float(s.value))
                                                     for s in f.samples))
                for f in text_string_to_metric_families(text)}
    return Metrics(text, families, Reply("GET", "/metrics", "", 200, {}, text.encode(), 0))


def test_metrics_are_looked_up_by_name_type_and_labels() -> None:
    metrics = _metrics(METRICS)
    assert metrics.family("tasks_submitted_total", "counter").type == "counter"
    assert metrics.value("tasks_submitted_total") == 3
    assert metrics.value("tasks_running") == 3  # summed over label sets
    assert metrics.value("tasks_running", {"worker": "b"}) == 2
    assert metrics.value("lat_count") == 2
    with pytest.raises(CheckFailed, match="объявлена как gauge") as wrong:
        metrics.family("tasks_running", "counter")
    assert key_of(wrong.value.failure) == "pj.check.metrics.wrong_type"
    with pytest.raises(CheckFailed, match="нет метрики tasks_done_total") as missing:
        metrics.family("tasks_done_total", "counter")
    assert key_of(missing.value.failure) == "pj.check.metrics.missing"
    assert "counter tasks_submitted" in missing.value.got


# --- output ---------------------------------------------------------------------------------


def _stream(text: str, limit: int = 1 << 20) -> Stream:
    read, write = os.pipe()
    os.write(write, text.encode())
    os.close(write)
    stream = Stream(read, limit, lambda: None)
    assert stream.finished(2)
    return stream


def test_a_race_report_is_cut_out_of_the_program_output() -> None:
    report = ("{\"msg\":\"start\"}\n==================\nWARNING: DATA RACE\nWrite at 0x1 by "
              "goroutine 7:\n  main.run()\n      todo/main.go:12 +0x44\n==================\n"
              "{\"msg\":\"after\"}\n")
    runs = [Run(("app",), _stream(""), _stream(report))]
    found = _race_report(runs)
    assert found.startswith("гонка данных") and "todo/main.go:12" in found
    assert key_of(found) == "pj.check.stage.race"
    assert "after" not in found
    assert _race_report([Run(("app",), _stream(""), _stream("{}\n"))]) == ""


def test_a_long_output_keeps_its_start_and_its_end() -> None:
    text = "fatal error: runtime: out of memory\n" + "x\n" * 5000 + "the end\n"
    excerpt = _output_excerpt([Run(("app",), _stream(""), _stream(text))], 600)
    assert "out of memory" in excerpt and "the end" in excerpt and len(excerpt) < 800


def test_a_flood_is_capped_and_reported_once() -> None:
    calls: list[int] = []
    read, write = os.pipe()
    stream = Stream(read, 1000, lambda: calls.append(1))
    os.write(write, b"y" * 5000)
    os.close(write)
    assert stream.finished(2)
    assert len(stream.text()) == 1000 and stream.flooded and calls == [1]


def test_json_lines_are_parsed_and_other_lines_skipped() -> None:
    text = '{"msg": "a", "id": 1}\nplain text\n[1, 2]\n  {"msg": "b"}  \n{broken\n'
    assert parse_json_lines(text) == [{"msg": "a", "id": 1}, {"msg": "b"}]


# --- the local site ------------------------------------------------------------------------


def test_the_site_counts_requests_and_requests_in_flight() -> None:
    site = Site(socket.socket(), {"/": html("Главная", "/a"), "/slow": Page("s", delay=0.3),
                                  "/png": Page(b"\x89PNG", content_type="image/png")})
    try:
        assert "<title>Главная</title>" in urllib.request.urlopen(site.url("/")).read().decode()
        threads = [threading.Thread(target=lambda: urllib.request.urlopen(site.url("/slow"))
                                    .read()) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(site.url("/missing"))
        assert site.paths() == {"/": 1, "/slow": 3, "/missing": 1}
        assert site.max_in_flight == 3
    finally:
        site.close()
