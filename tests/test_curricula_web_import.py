"""The web import shows the preview tree before anything is written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gocoach.store.settings import load_settings
from gocoach.web.app import create_app

DATA = Path(__file__).parent / "data" / "roadmaps"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(load_settings(data_dir=tmp_path / "web", load_bundled=False))
    with TestClient(app) as test_client:
        yield test_client


def test_dry_run_upload_shows_tracked_and_reference_items(client: TestClient) -> None:
    data = (DATA / "numbered-topics.md").read_bytes()
    page = client.post("/import", files={"file": ("topics.md", data)}, data={"dry_run": "true"},
                       headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert '<b>Topics</b> <span class="tag">14 tracked, 3 reference</span>' in page.text
    assert "○ Language basics" in page.text and "· A Tour of Go" in page.text
    assert "Read as: no checkboxes" in page.text
    russian = client.post("/import", files={"file": ("topics.md", data)},
                          data={"dry_run": "true"}, headers={"Accept-Language": "ru"}).text
    assert '<b>Topics</b> <span class="tag">отслеживаемых 14, справочных 3</span>' in russian
    assert "Как прочитано: нет галочек" in russian
    assert client.get("/roadmaps/topics").status_code == 404
    done = client.post("/import", files={"file": ("topics.md", data)})
    assert done.status_code == 200
    tree = client.get("/roadmaps/topics").text
    assert 'class="subitems"' in tree or "Language basics" in tree
