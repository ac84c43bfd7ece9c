"""The import contracts (docs/architecture.md): kept by the code, and a broken one is reported."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(config_dir: Path, src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([str(LINT), "--config", str(config_dir / "pyproject.toml"),
                           "--no-cache"], capture_output=True, text=True, env=env,
                          cwd=config_dir, timeout=300, check=False)


def test_the_code_keeps_the_contracts() -> None:
    done = lint(ROOT, ROOT / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_a_feature_importing_the_web_face_fails_with_a_readable_message(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "src" / "gocoach", tmp_path / "src" / "gocoach",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "seeds"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    progress = tmp_path / "src" / "gocoach" / "curricula" / "progress.py"
    progress.write_text(progress.read_text(encoding="utf-8") + "\nimport gocoach.web.deps\n",
                        encoding="utf-8")
    done = lint(tmp_path, tmp_path / "src")
    assert done.returncode != 0
    assert "BROKEN" in done.stdout
    assert "gocoach.curricula is not allowed to import gocoach.web" in done.stdout
    assert "gocoach.curricula.progress -> gocoach.web.deps" in done.stdout
