"""Every form and query endpoint, fuzzed: hypothesis posts hostile values (huge strings,
control characters, unicode digits, negative and huge numbers, wrong types, nothing at all) to
every route that takes form or query parameters — found from `app.routes`, not listed by hand —
as a signed-in learner in server mode (on SQLite, and on PostgreSQL, which refuses what SQLite
stores: NUL characters, integers beyond 64 bits) and as the local user in local mode (and the
cohort pages as the learner's mentor, who gets past their role check). The answer is a
2xx, 3xx or 4xx, never a 500 (a 503 only where grading is refused: there is no sandbox here).

Twelve examples per route and mode, the same ones every run; GOCOACH_FUZZ_EXAMPLES=200 explores
further with fresh random values (how the bugs fixed with this test were found).

The routes that read their form themselves (a report's sections, an exercise's files) declare
no parameters; they get the field names the app's pages post there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, get_args

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from account_fixtures import SAME_ORIGIN, add_user, cheap_hashing, database_of, sign_in
from conftest import NOW
from gocoach.curricula.roadmaps import get_roadmap
from gocoach.practice import service as grading_service
from gocoach.practice.grading import SandboxStatus
from gocoach.store.engine import transaction
from gocoach.store.settings import Settings, load_settings
from gocoach.store.tables import InterviewAnswer, Node, Submission, User
from gocoach.teams.cohorts import add_member, create_cohort
from gocoach.teams.invitations import create_invitation
from gocoach.web.app import create_app
from servers import postgres_server
from test_teams_scoping import api_routes

MONDAY = date(2026, 11, 2)
ROADMAP = "senior-3-months"
# Not fuzzed: signing out ends the session the fuzzing needs (it takes no input either).
SKIPPED = {("POST", "/logout")}
# What the pages post to the routes that read the form themselves.
UNDECLARED = ("summary", "studied", "practice", "code", "problems", "next", "started_at",
              "file:main.go", "file:../../etc/passwd", "body")
EXPLORE = int(os.environ.get("GOCOACH_FUZZ_EXAMPLES", "0"))
GRADING = re.compile(r"/(exercises|projects)/\{slug\}/submissions$")

INTS = st.sampled_from([0, 1, -1, 2, 7, 2**31, 2**63, -(2**63) - 1, 10**30, 10**400])
TRICKY = st.sampled_from([
    "", " ", "-1", "0", "1", "-9223372036854775809", "9" * 40, "1e309", "-1e309", "nan", "inf",
    "-inf", "0x10", "1_000", " 5 ", "5.5", "٣", "１２", "true", "false", "null", "[]", "{}",
    "2026-02-30", "2026-13-45", "9999-12-31", "0001-01-01", "0001-01-01..9999-12-31",
    "2026-11-02..2026-11-01", "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --",
    "\x00", "a\x00b", "\x1b[31m", "\u202e\u0644", "🦫" * 50, "é" * 3000, "=cmd|' /C calc'!A0",
    "senior-3-months", "done", "todo", "learner", "admin", "en", "ru",
])
TEXT = st.one_of(
    TRICKY,
    st.text(st.characters(codec="utf-8"), max_size=60),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from([300_000, 1_100_000]).map(lambda n: "x" * n),
)


@dataclass
class Param:
    """A form or query parameter of a route."""

    name: str
    where: str  # "form" or "query"
    many: bool = False
    upload: bool = False


@dataclass
class Route:
    """A route to fuzz: its method, path template, and parameters."""

    method: str
    path: str
    params: list[Param] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def _params(dependant: Dependant) -> list[Param]:
    found: list[Param] = []
    for param in dependant.query_params:
        found.append(Param(param.name, "query", _is_list(param.field_info.annotation)))
    for param in dependant.body_params:
        annotation = param.field_info.annotation
        upload = "UploadFile" in repr(annotation)
        found.append(Param(param.alias or param.name, "form", _is_list(annotation), upload))
    for sub in dependant.dependencies:
        found.extend(_params(sub))
    return found


def _is_list(annotation: Any) -> bool:
    return "list[" in repr(annotation) or any("list[" in repr(a) for a in get_args(annotation))


def discover(settings_: Settings) -> list[Route]:
    """Every route that takes form or query parameters, or posts a form it reads itself."""
    app = create_app(settings_)  # not started: only its routes are read
    found = []
    for route in api_routes(app.routes):
        assert isinstance(route, APIRoute)
        for method in sorted(route.methods or ()):
            params = _params(route.dependant)
            if (method, route.path) in SKIPPED or method == "HEAD":
                continue
            if params or method != "GET":
                found.append(Route(method, route.path, params))
    return found


ROUTES = discover(load_settings(data_dir=Path("/nonexistent/gocoach-fuzz"), mode="server",
                                secret_key="f" * 40, load_bundled=False))


@dataclass
class World:
    """A started app and the acting user's own objects, by path parameter name."""

    client: TestClient
    mode: str
    ids: dict[str, str]
    username: str = ""


def _own_objects(client: TestClient, username: str) -> dict[str, str]:
    """A plan, a report, time, an interview with an answer and a submission, made through the
    pages where possible; their ids."""
    assert client.post("/plan", data={"roadmap": ROADMAP, "start": MONDAY.isoformat(),
                                      "hours": "8"}, headers=SAME_ORIGIN,
                       follow_redirects=False).status_code == 303
    assert client.get("/reports/1").status_code == 200
    made = client.post("/interviews", data={"level": "senior", "minutes": "30"},
                       headers=SAME_ORIGIN, follow_redirects=False)
    assert made.status_code == 303, made.text[:300]
    interview = made.headers["location"].rstrip("/").rsplit("/", 1)[-1]
    client.post(f"/interviews/{interview}/answer", data={"text": "buffered channels block"},
                headers=SAME_ORIGIN)
    database = database_of(client)
    with transaction(database.sessions) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        row = Submission(user_id=user.id, exercise="lru-cache", status="fail",
                         files={"lru.go": "package lru"}, result={"flags": ["x"]},
                         created_at=NOW)
        session.add(row)
        session.flush()
        answer = session.scalars(select(InterviewAnswer.id).where(
            InterviewAnswer.user_id == user.id)).first()
        roadmap = get_roadmap(session, ROADMAP)
        item = session.scalars(select(Node.key).where(Node.roadmap_id == roadmap.id,
                                                      Node.kind == "item")).first()
        token = create_invitation(session, role="learner", now=NOW, created_by=None).token
        submission = row.id
    return {"interview_id": interview, "answer_id": str(answer or 1),
            "submission_id": str(submission), "week": "1", "key": str(item),
            "qid": "chan-buffered-unbuffered", "digest": "0123abcd", "job_id": "job-x",
            "number": "01", "code": "en", "contest_id": "1", "token": token,
            "username": username}


@contextmanager
def started(kind: str, data_dir: Path, database_url: str = "") -> Iterator[World]:
    """A learner signed in on a server (SQLite, or PostgreSQL at `database_url`), the local
    user, or (for the cohort pages) the learner's mentor on a server; the learner's own
    objects made."""
    mode = "local" if kind == "local" else "server"
    app = create_app(load_settings(data_dir=data_dir, mode=mode, grading_warmup=False,
                                   secret_key="f" * 40, database_url=database_url))
    with TestClient(app) as client:
        app.state.clock = lambda: NOW
        username = "local"
        if mode == "server":
            username = "lena"
            database = database_of(client)
            for name, role in (("root", "admin"), ("mira", "mentor"), ("lena", "learner")):
                add_user(database, name, role)
            with transaction(database.sessions) as session:
                users = {u.username: u for u in session.scalars(select(User))}
                north = create_cohort(session, slug="north", start=MONDAY, now=NOW,
                                      roadmaps=[get_roadmap(session, ROADMAP)])
                add_member(session, cohort=north, user=users["mira"], role="mentor", now=NOW)
                add_member(session, cohort=north, user=users["lena"], role="learner", now=NOW)
            sign_in(client, "lena")
        ids = _own_objects(client, username)
        if kind == "mentor":
            client.cookies.clear()
            sign_in(client, "mira")
            username = "mira"
        yield World(client=client, mode=mode, ids=ids, username=username)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, World]]:
    """The three worlds, each started when a test first asks for it."""
    with pytest.MonkeyPatch.context() as patch, ExitStack() as stack:
        cheap_hashing(patch)
        patch.setattr(grading_service, "sandbox_available",
                      lambda: SandboxStatus(False, "no sandbox in this test"))

        class Lazy(dict[str, World]):
            def __missing__(self, kind: str) -> World:
                url = ""
                if kind == "postgres":
                    base = Path("/tmp") / f"gocoach-pg-fuzz-{tmp_path_factory.getbasetemp().name}"
                    url = stack.enter_context(postgres_server(base))
                world = stack.enter_context(started(kind, tmp_path_factory.mktemp(kind), url))
                self[kind] = world
                return world

        yield Lazy()


# Every route as the learner (server mode) and as the local user; the cohort pages also as
# the learner's mentor, who gets past their role check.
POSTGRES = [pytest.mark.postgres, pytest.mark.xdist_group("postgres")]
CASES = [pytest.param(kind, route, id=f"{kind}-{route.id}",
                      marks=POSTGRES if kind == "postgres" else ())
         for kind in ("server", "local", "mentor", "postgres") for route in ROUTES
         if kind != "mentor" or route.path.startswith("/cohorts")]


def fill(path: str, world: World, data: st.DataObject) -> str:
    """The path with the user's own objects, or now and then a hostile integer."""
    slug = ("north" if path.startswith("/cohorts") else
            "lru-cache" if path.startswith("/exercises") else
            "todo" if path.startswith("/projects") else ROADMAP)

    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        if name == "slug":
            return slug
        own = world.ids.get(name, "1")
        if own.isdigit() and data.draw(st.booleans(), label=f"hostile {name}"):
            return str(data.draw(INTS, label=name))
        return own

    return re.sub(r"\{([^}]+)\}", value, path)


def draw_form(route: Route, data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any],
                                                           dict[str, Any]]:
    """(query, form fields, files) with hostile values for the route's parameters."""
    query: dict[str, Any] = {}
    form: dict[str, Any] = {}
    files: dict[str, Any] = {}
    params = route.params or [Param(name, "form") for name in UNDECLARED]
    for param in params:
        if data.draw(st.integers(0, 9), label=f"omit {param.name}") == 0:
            continue  # a field left out
        if param.upload and data.draw(st.booleans(), label=f"file {param.name}"):
            content = data.draw(st.sampled_from([b"", b"\x00\xff" * 100, "# Тема\n- [ ] пункт"
                                                 .encode("utf-16"), b"PK\x03\x04junk"]))
            files[param.name] = (data.draw(TEXT.map(lambda s: s[:80] or "f"), label="name"),
                                 content)
            continue
        values = (data.draw(st.lists(TEXT, max_size=3), label=param.name) if param.many
                  else data.draw(TEXT, label=param.name))
        if param.where == "query":  # a URL is at most 64 KiB (the client refuses longer)
            query[param.name] = ([v[:8000] for v in values] if isinstance(values, list)
                                 else values[:8000])
        else:
            form[param.name] = values
    return query, form, files


def _keep_signed_in(world: World) -> None:
    """A fuzzed request may not sign the learner out; sign in again if one did."""
    if world.mode == "server" and world.client.get("/account", follow_redirects=False
                                                   ).status_code != 200:
        sign_in(world.client, world.username)


@pytest.mark.parametrize(("kind", "route"), CASES)
def test_no_form_input_makes_a_500(worlds: dict[str, World], kind: str, route: Route) -> None:
    world = worlds[kind]
    client = world.client

    @settings(max_examples=EXPLORE or 12, deadline=None, derandomize=not EXPLORE, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        url = fill(route.path, world, data)
        query, form, files = draw_form(route, data)
        answer = client.request(route.method, url, params=query, data=form or None,
                                files=files or None, headers=SAME_ORIGIN,
                                follow_redirects=False)
        refused = answer.status_code == 503 and bool(GRADING.search(route.path))
        assert answer.status_code < 500 or refused, (route.id, url, answer.status_code,
                                                     answer.text[:500])
        if answer.status_code == 401:
            _keep_signed_in(world)

    fuzz()


def test_the_discovery_finds_the_forms() -> None:
    """A positive control: the walk sees the forms whose fields are declared, and the ones
    that read their form themselves."""
    found = {r.id: {p.name for p in r.params} for r in ROUTES}
    assert {"minutes", "day", "item", "note"} <= found["POST /time"]
    assert {"body"} <= found["POST /cohorts/{slug}/reviews/{submission_id}/comments"]
    assert {"q", "module", "level", "tag", "min_freq"} <= found["GET /search"]
    assert found["POST /reports/{week}"] == set()  # reads its sections itself
    assert len(ROUTES) > 40
