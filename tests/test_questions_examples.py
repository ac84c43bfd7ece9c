"""The example checker builds and runs Go blocks; the shipped bank's examples all pass."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gocoach.cli.main import app
from gocoach.questions.examples import check_block, collect_jobs, go_environment, verify_examples
from gocoach.questions.track import read_track
from test_questions_format import GOOD_QUESTION, write_track

pytestmark = pytest.mark.slow
SHIPPED = Path(__file__).resolve().parents[1] / "content" / "tracks" / "go-core"


def results_for(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    track = read_track(write_track(tmp_path, "# Горутины и каналы\n\n" + body))
    assert track.problems == []
    return verify_examples(collect_jobs(track), workers=2)


def test_good_program_passes(tmp_path: Path) -> None:
    [result] = results_for(tmp_path, GOOD_QUESTION)
    assert result.ok, result.describe()


def test_wrong_output_is_reported_with_a_diff(tmp_path: Path) -> None:
    [result] = results_for(tmp_path, GOOD_QUESTION.replace("0 false\n```", "0 true\n```"))
    assert not result.ok
    assert "01-goroutines-channels.md:17:" in result.describe()  # the block's first line
    assert (
        "output differs" in result.step
        and "-0 true" in result.output
        and "+0 false" in result.output
    )


def test_compile_error_points_into_the_markdown(tmp_path: Path) -> None:
    [result] = results_for(tmp_path, GOOD_QUESTION.replace("v, ok := <-ch", "v, ok := <-ch2"))
    assert not result.ok and result.step.startswith("go vet")
    assert "01-goroutines-channels.md:24: undefined: ch2" in result.output


def test_data_race_fails_under_race(tmp_path: Path) -> None:
    racy = """package main

import (
	"fmt"
	"sync"
)

func main() {
	n := 0
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); n++ }()
	}
	wg.Wait()
	fmt.Println(n > 0)
}"""
    body = GOOD_QUESTION.replace(
        GOOD_QUESTION[GOOD_QUESTION.index("package main") : GOOD_QUESTION.index("```\n\n```text")],
        racy + "\n",
    )
    body = body.replace("0 false\n```", "true\n```")
    [result] = results_for(tmp_path, body)
    assert not result.ok and result.step.startswith("run race")
    assert "DATA RACE" in result.output


def test_hanging_program_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gocoach.questions.examples as examples

    monkeypatch.setattr(examples, "RUN_TIMEOUT", 2)
    body = GOOD_QUESTION.replace("fmt.Println(v, ok)", "fmt.Println(v, ok)\n\tfor {\n\t}")
    track = read_track(write_track(tmp_path, "# Горутины и каналы\n\n" + body))
    [job] = collect_jobs(track)
    result = check_block(job, go_environment())
    assert not result.ok and "no result after 2 s" in result.step


def test_shipped_examples_all_pass() -> None:
    """`gocoach content verify-examples` over the whole shipped track, as `make test` runs it."""
    env = {"GOCOACH_DATA_DIR": os.environ.get("TMPDIR", "/tmp") + "/gocoach-verify"}
    result = CliRunner().invoke(
        app, ["content", "verify-examples", "--track", str(SHIPPED)], env=env
    )
    assert result.exit_code == 0, result.output
    assert " examples pass " in result.output
