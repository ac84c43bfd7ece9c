"""Web security: cross-origin refusal (CSRF), Host refusal, security headers, the secret key,
and the commit before the response."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from starlette.types import Message, Receive, Scope, Send

from account_fixtures import add_user, database_of, sign_in
from gocoach.store.settings import Settings, load_settings
from gocoach.store.tables import Roadmap
from gocoach.web.app import create_app
from gocoach.web.security import CONTENT_SECURITY_POLICY, SecretKeyError, resolve_secret_key

DOCUMENT = b"# Tiny roadmap\n\n## Week 1\n\n- [ ] Channels\n- [ ] Goroutines\n"
SAME = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
CROSS_SITE_REQUESTS = [
    {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "http://evil.example"},  # a browser without Fetch Metadata
    {"Sec-Fetch-Site": "cross-site"},  # Origin stripped
    {"Referer": "http://evil.example/page"},  # only a Referer
    {"Origin": "null"},  # a sandboxed frame, a data: page
    {"Origin": "http://testserver:3000", "Sec-Fetch-Site": "same-site"},  # another local app
    {"Sec-Fetch-Site": "same-site"},
]


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    chosen: dict[str, Any] = {"load_bundled": False, "grading_warmup": False, **overrides}
    return load_settings(data_dir=tmp_path / "web", **chosen)


@pytest.fixture(params=["local", "server"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, mode=request.param, secret_key="k" * 40)
    with TestClient(create_app(settings)) as test_client:
        if request.param == "server":  # server mode needs a signed-in admin to import
            add_user(database_of(test_client), "admin", "admin")
            sign_in(test_client, "admin")
        yield test_client


def roadmaps(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(Roadmap)) or 0
    engine.dispose()
    return count


def upload(client: TestClient, headers: dict[str, str], name: str = "tiny.md") -> Any:
    return client.post("/import", files={"file": (name, DOCUMENT, "text/markdown")},
                       headers=headers)


@pytest.mark.parametrize("headers", CROSS_SITE_REQUESTS)
def test_cross_origin_posts_are_refused_in_both_modes(client: TestClient,
                                                      headers: dict[str, str]) -> None:
    for answer in (upload(client, headers),
                   client.post("/drill/rate", data={"ref": "x", "rating": "3"},
                               headers={**headers, "HX-Request": "true"}),
                   client.request("DELETE", "/import", headers=headers)):
        assert answer.status_code == 403, answer.text
        assert "another site" in answer.text and "cross-origin" in answer.text
    assert roadmaps(client.app.state.settings) == 0  # type: ignore[attr-defined]


def test_same_origin_posts_and_non_browser_clients_pass(client: TestClient) -> None:
    assert upload(client, SAME).status_code == 200
    assert upload(client, {"Referer": "http://testserver/import"}, "b.md").status_code == 200
    assert upload(client, {"Sec-Fetch-Site": "same-origin"}, "c.md").status_code == 200
    assert upload(client, {}, "d.md").status_code == 200  # curl, scripts: no browser headers
    htmx = client.post("/roadmaps/tiny/items/nope", data={"status": "done"},
                       headers={**SAME, "HX-Request": "true"})
    assert htmx.status_code == 404  # past the check, refused by the route
    assert roadmaps(client.app.state.settings) == 4  # type: ignore[attr-defined]


def test_cross_origin_reads_still_work(client: TestClient) -> None:
    assert client.get("/import", headers={"Origin": "http://evil.example",
                                          "Sec-Fetch-Site": "cross-site"}).status_code == 200


def test_a_trusted_origin_may_post(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, trusted_origins="https://coach.example.org/")
    with TestClient(create_app(settings)) as client:
        proxied = {"Origin": "https://coach.example.org", "Sec-Fetch-Site": "same-origin"}
        assert upload(client, proxied).status_code == 200
        assert upload(client, {"Origin": "https://other.example.org"}).status_code == 403


def test_unknown_hosts_are_refused(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as client:
        for host in ("evil.example", "127.0.0.1.evil.example", ""):
            answer = client.get("/healthz", headers={"Host": host})
            assert answer.status_code == 400 and "GOCOACH_ALLOWED_HOSTS" in answer.text
        for host in ("testserver", "localhost:8000", "127.0.0.1:8000", "[::1]:8000"):
            assert client.get("/healthz", headers={"Host": host}).status_code == 200, host


def test_default_hosts_are_the_bind_address_and_loopback() -> None:
    assert load_settings(allowed_hosts="", host="10.0.0.5").host_names == (
        "10.0.0.5", "localhost", "127.0.0.1", "::1")
    assert load_settings(allowed_hosts="Coach.Example.org, *.lan").host_names == (
        "coach.example.org", "*.lan")


def test_wildcard_hosts(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, allowed_hosts="*.lan"))) as client:
        assert client.get("/healthz", headers={"Host": "box.lan"}).status_code == 200
        assert client.get("/healthz", headers={"Host": "lan"}).status_code == 400
        assert client.get("/healthz", headers={"Host": "evil-lan"}).status_code == 400


def test_security_headers_on_every_response(client: TestClient) -> None:
    for answer in (client.get("/import"), client.get("/healthz"), client.get("/nope"),
                   client.get("/static/htmx.min.js"), upload(client, {"Origin": "http://x.y"}),
                   client.get("/healthz", headers={"Host": "evil.example"})):
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert answer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY


def test_templates_have_no_inline_scripts() -> None:
    templates = Path(__file__).parents[1] / "src/gocoach/web/templates"
    for path in templates.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        for chunk in text.split("<script")[1:]:
            assert chunk.lstrip().startswith(("src=", 'type="application/json"')), path
        assert " onclick=" not in text and " onload=" not in text and "javascript:" not in text


def test_language_switch_only_goes_back_to_this_site(client: TestClient) -> None:
    back = client.get("/lang/en", headers={"Referer": "http://testserver/drill?x=1"},
                      follow_redirects=False)
    assert back.headers["location"] == "/drill?x=1"
    away = client.get("/lang/en", headers={"Referer": "https://evil.example/phish"},
                      follow_redirects=False)
    assert away.headers["location"] == "/"


def test_server_mode_refuses_a_missing_or_default_secret_key(tmp_path: Path) -> None:
    for key in ("", "changeme", "short-key"):
        with pytest.raises(SecretKeyError, match="GOCOACH_SECRET_KEY"):
            create_app(make_settings(tmp_path, mode="server", secret_key=key))
    assert resolve_secret_key(make_settings(tmp_path, mode="server", secret_key="s" * 32))


def test_local_mode_generates_and_keeps_a_secret_key(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, secret_key="")
    first = resolve_secret_key(settings)
    path = settings.data_dir / "secret_key"
    assert len(first) >= 32 and path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_secret_key(settings) == first
    assert "k" * 40 not in repr(make_settings(tmp_path, secret_key="k" * 40))


def test_the_import_is_committed_when_the_response_starts(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = create_app(settings)
    seen: list[int] = []

    async def watching(scope: Scope, receive: Receive, send: Send) -> None:
        async def spy(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["path"] == "/import":
                seen.append(roadmaps(settings))  # another connection: only committed rows
            await send(message)

        await app(scope, receive, spy)

    with TestClient(watching) as client:  # type: ignore[arg-type]
        assert upload(client, SAME).status_code == 200
    assert seen == [1]


def test_a_failed_commit_is_answered_with_an_error(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        def broken(self: Session) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(Session, "commit", broken)
        answer = upload(client, SAME)
        monkeypatch.undo()
        assert answer.status_code == 500
    assert roadmaps(settings) == 0
