"""Accounts in server mode: passwords, signing in and out, cookies, the login limit, invitations,
password change and reset, disabled users; local mode stays login-free."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from account_fixtures import (
    PASSWORD,
    SAME_ORIGIN,
    add_user,
    cheap_hashing,
    database_of,
    server_client,
    server_settings,
    sign_in,
)
from conftest import NOW
from gocoach.startup import Database, open_database
from gocoach.store.engine import Base, transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import CohortMember, LoginAttempt, Plan, User
from gocoach.teams.accounts import create_user, find_user
from gocoach.teams.invitations import accept_invitation, create_invitation
from gocoach.teams.logins import MAX_FAILURES, authenticate
from gocoach.teams.passwords import PasswordRuleError, hash_password, verify_password
from gocoach.web.app import create_app
from gocoach.web.deps import COOKIE_SALT, SESSION_COOKIE

TEAM_TABLES = {"login_sessions", "login_attempts", "invitations", "cohorts", "cohort_roadmaps",
               "cohort_members"}
EN = {"Accept-Language": "en"}
RU = {"Accept-Language": "ru"}


class Clock:
    """A clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[TestClient]:
    cheap_hashing(monkeypatch)
    with server_client(tmp_path, clock=clock) as test_client:
        add_user(database_of(test_client), "root", "admin")
        add_user(database_of(test_client), "anna")
        yield test_client


def login(client: TestClient, username: str, password: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": username, "password": password},
                       headers={**SAME_ORIGIN, **headers}, follow_redirects=False)


def test_migration_builds_the_team_tables_as_the_models_say(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        diff = compare_metadata(context, Base.metadata)
    ours = [d for d in diff if any(t in repr(d) for t in (*TEAM_TABLES, "'disabled'"))]
    assert ours == []


def test_passwords_are_argon2id_hashes() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "!")
    assert not verify_password(None, PASSWORD)  # an account without a password never matches
    assert hash_password(PASSWORD) != stored  # salted


@pytest.mark.parametrize(("password", "key"), [
    ("short", "password_short"), ("x" * 1025, "password_long"),
    ("annasmith1", "password_username"), ("ten chars\x00", "password_nul")])
def test_password_rules(session, password: str, key: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PasswordRuleError) as caught:
        create_user(session, username="annasmith1", password=password, now=NOW)
    assert caught.value.key == key


def test_usernames_are_checked_and_unique(session) -> None:  # type: ignore[no-untyped-def]
    create_user(session, username=" Anna ", password=PASSWORD, now=NOW)
    assert find_user(session, "ANNA") is not None
    for bad in ("a", "-anna", "anna smith", "анна", "x" * 41, ""):
        with pytest.raises(ValueError, match="username"):
            create_user(session, username=bad, password=PASSWORD, now=NOW)
    with pytest.raises(ValueError, match="taken"):
        create_user(session, username="anna", password=PASSWORD, now=NOW)


def test_anonymous_requests_are_sent_to_the_login(client: TestClient) -> None:
    page = client.get("/plan?x=1", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fplan%3Fx%3D1"
    htmx = client.get("/drill", headers={"HX-Request": "true", **EN})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login")
    assert "Sign in first" in htmx.text
    assert client.get("/plan", headers={"Accept": "application/json"}).status_code == 401
    post = client.post("/time", data={"minutes": "30"}, headers=SAME_ORIGIN)
    assert post.status_code == 401
    for public in ("/healthz", "/static/app.css", "/login"):
        assert client.get(public).status_code == 200, public


def test_sign_in_sets_a_safe_cookie_and_goes_where_asked(client: TestClient) -> None:
    answer = client.post("/login", data={"username": "Anna", "password": PASSWORD,
                                         "next": "/plan"}, headers=SAME_ORIGIN,
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/plan"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Secure" not in cookie  # plain http: no Secure
    page = client.get("/account", headers=EN)
    assert page.status_code == 200 and "anna" in page.text and "Sign out" in page.text
    for away in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        moved = client.post("/login", data={"username": "anna", "password": PASSWORD,
                                            "next": away}, headers=SAME_ORIGIN,
                            follow_redirects=False)
        assert moved.headers["location"] == "/", away


def test_the_cookie_is_secure_over_https(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)
    app = create_app(server_settings(tmp_path))
    with TestClient(app, base_url="https://testserver") as client:
        add_user(database_of(client), "anna")
        answer = client.post("/login", data={"username": "anna", "password": PASSWORD},
                             headers={"Origin": "https://testserver"}, follow_redirects=False)
        assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]
        assert client.get("/account").status_code == 200


def test_wrong_passwords_are_refused_in_the_readers_language(client: TestClient) -> None:
    for name, password in (("anna", "wrong password"), ("nobody", PASSWORD), ("", "")):
        answer = login(client, name, password, **EN)
        assert answer.status_code == 401 and "Wrong username or password." in answer.text
    assert "Неверное имя пользователя или пароль." in login(client, "anna", "nope", **RU).text
    assert SESSION_COOKIE not in client.cookies


def test_five_failures_lock_the_username_for_fifteen_minutes(client: TestClient,
                                                             clock: Clock) -> None:
    for _ in range(MAX_FAILURES):
        assert login(client, "anna", "wrong password").status_code == 401
    clock.now += timedelta(minutes=5)
    locked = login(client, "anna", PASSWORD, **EN)  # even the right password
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this username from your address" in locked.text
    assert "Try again in 10 min" in locked.text and int(locked.headers["Retry-After"]) > 590
    assert "Попробуйте снова через 10 мин." in login(client, "anna", PASSWORD, **RU).text
    assert login(client, "root", PASSWORD).status_code == 303  # other usernames are not locked
    clock.now += timedelta(minutes=10, seconds=1)
    assert login(client, "anna", PASSWORD).status_code == 303


def test_the_limit_is_kept_in_the_database_across_processes(tmp_path: Path, clock: Clock,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    cheap_hashing(monkeypatch)
    settings = server_settings(tmp_path)
    first, second = create_app(settings), create_app(settings)  # two workers, one database
    for app in (first, second):
        app.state.clock = clock
    with TestClient(first) as one, TestClient(second) as two:
        add_user(database_of(one), "anna")
        for client in (one, two, one, two, one):
            assert login(client, "anna", "wrong password").status_code == 401
        assert login(two, "anna", PASSWORD).status_code == 429


def test_the_limit_is_per_address(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)
    with transaction(database.sessions) as session:
        create_user(session, username="anna", password=PASSWORD, now=NOW)
        for _ in range(MAX_FAILURES):
            authenticate(session, username="anna", password="x", address="10.0.0.1", now=NOW)
        assert authenticate(session, username="anna", password=PASSWORD, address="10.0.0.1",
                            now=NOW).throttled
        ok = authenticate(session, username="anna", password=PASSWORD, address="10.0.0.2",
                          now=NOW)
        assert ok.user is not None and not ok.throttled
        later = NOW + timedelta(hours=1)
        authenticate(session, username="anna", password="x", address="10.0.0.3", now=later)
        kept = session.scalar(select(func.count()).select_from(LoginAttempt))
    assert kept == 1  # attempts older than the window are pruned


def test_sign_out_ends_the_session_for_good(client: TestClient) -> None:
    sign_in(client, "anna")
    stolen = client.cookies[SESSION_COOKIE]
    out = client.post("/logout", headers=SAME_ORIGIN, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert SESSION_COOKIE not in client.cookies
    client.cookies.set(SESSION_COOKIE, stolen)
    replay = client.get("/plan", follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")


def test_sessions_end_after_fourteen_days(client: TestClient, clock: Clock) -> None:
    sign_in(client, "anna")
    clock.now += timedelta(days=13, hours=23)
    assert client.get("/account", follow_redirects=False).status_code == 200
    clock.now += timedelta(hours=2)
    expired = client.get("/account", follow_redirects=False)
    assert expired.status_code == 303 and expired.headers["location"].startswith("/login")
    assert SESSION_COOKIE not in client.cookies  # the stale cookie is removed


def test_forged_cookies_sign_nobody_in(client: TestClient) -> None:
    sign_in(client, "anna")
    real = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    token = URLSafeTimedSerializer("s" * 40, salt=COOKIE_SALT).loads(real)
    forged = [real[:-2] + ("AA" if not real.endswith("AA") else "BB"),
              URLSafeTimedSerializer("another key " * 4, salt=COOKIE_SALT).dumps(token),
              token, "x" * 5000, ""]
    for cookie in forged:
        client.cookies.set(SESSION_COOKIE, cookie)
        answer = client.get("/account", follow_redirects=False)
        assert answer.status_code == 303, cookie[:20]


def test_invitation_sign_up_is_single_use(client: TestClient, clock: Clock) -> None:
    sign_in(client, "root")
    made = client.post("/admin/invitations", data={"role": "mentor", "days": "7"},
                       headers={**SAME_ORIGIN, **EN})
    link = re.search(r'<code class="invite-link">http://testserver(/invite/[^<]+)</code>',
                     made.text)
    assert made.status_code == 200 and link, made.text
    client.cookies.clear()
    form = client.get(link.group(1), headers=EN)
    assert form.status_code == 200 and "You are invited to gocoach as a mentor" in form.text
    fields = {"username": "Mira", "display_name": "Mira M.", "password": PASSWORD,
              "confirm": PASSWORD}
    differ = client.post(link.group(1), data={**fields, "confirm": "something else"},
                         headers={**SAME_ORIGIN, **EN})
    assert differ.status_code == 400 and "The two passwords differ." in differ.text
    short = client.post(link.group(1), data={**fields, "password": "short", "confirm": "short"},
                        headers={**SAME_ORIGIN, **EN})
    assert short.status_code == 400 and "The password is too short." in short.text
    done = client.post(link.group(1), data=fields, headers=SAME_ORIGIN, follow_redirects=False)
    assert done.status_code == 303 and SESSION_COOKIE in client.cookies
    assert "Mira M." in client.get("/", headers=EN).text
    client.cookies.clear()
    again = client.post(link.group(1), data={**fields, "username": "mira2"},
                        headers={**SAME_ORIGIN, **EN})
    assert again.status_code == 410 and "has been used already" in again.text
    assert client.get("/invite/not-a-token", headers=EN).status_code == 404
    with transaction(database_of(client).sessions) as session:
        mira = find_user(session, "mira")
        assert mira is not None and mira.role == "mentor" and mira.display_name == "Mira M."


def test_invitations_expire(client: TestClient, clock: Clock) -> None:
    with transaction(database_of(client).sessions) as session:
        token = create_invitation(session, role="learner", now=NOW, created_by=None,
                                  days=2).token
    clock.now = NOW + timedelta(days=2, seconds=1)
    answer = client.get(f"/invite/{token}", headers=EN)
    assert answer.status_code == 410 and "has expired" in answer.text
    posted = client.post(f"/invite/{token}", data={"username": "late", "password": PASSWORD,
                                                   "confirm": PASSWORD}, headers=SAME_ORIGIN)
    assert posted.status_code == 410


def test_an_invitation_to_a_cohort_joins_it_with_the_cohorts_plan(
        seeded: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from gocoach.curricula.roadmaps import get_roadmap
    from gocoach.teams.cohorts import create_cohort

    cheap_hashing(monkeypatch)
    with transaction(seeded.sessions) as session:
        cohort = create_cohort(session, slug="spring", roadmaps=[
            get_roadmap(session, "senior-3-months")], start=NOW.date(), now=NOW)
        token = create_invitation(session, role="learner", cohort=cohort, now=NOW,
                                  created_by=None).token
        user = accept_invitation(session, token=token, username="lena", password=PASSWORD,
                                 now=NOW)
        member = session.scalars(select(CohortMember)).one()
        plan = session.scalars(select(Plan).where(Plan.user_id == user.id)).one()
    assert (member.user_id, member.role) == (user.id, "learner")
    assert plan.start_date == NOW.date() and plan.active


def test_changing_the_password_ends_the_other_sessions(client: TestClient) -> None:
    sign_in(client, "anna")
    laptop = TestClient(client.app)  # a second browser (no second start-up: no `with`)
    sign_in(laptop, "anna")
    wrong = client.post("/account/password", data={"current": "nope", "new": "a new secret!",
                                                   "confirm": "a new secret!"},
                        headers={**SAME_ORIGIN, **EN})
    assert wrong.status_code == 400 and "The current password is not right." in wrong.text
    changed = client.post("/account/password", data={
        "current": PASSWORD, "new": "a new secret!", "confirm": "a new secret!"},
        headers={**SAME_ORIGIN, **EN})
    assert changed.status_code == 200 and "Password changed." in changed.text
    assert laptop.get("/account", follow_redirects=False).status_code == 303
    assert client.get("/account").status_code == 200  # this session stays
    client.cookies.clear()
    assert login(client, "anna", PASSWORD).status_code == 401
    assert login(client, "anna", "a new secret!").status_code == 303


def test_an_admin_resets_a_password_and_disables_a_user(client: TestClient) -> None:
    anna = TestClient(client.app)  # a second browser
    sign_in(anna, "anna")
    sign_in(client, "root")
    reset = client.post("/admin/users/anna/password", data={"password": "given by root!"},
                        headers={**SAME_ORIGIN, **EN})
    assert reset.status_code == 200 and "The password of anna is reset" in reset.text
    assert anna.get("/account", follow_redirects=False).status_code == 303
    sign_in(anna, "anna", "given by root!")
    off = client.post("/admin/users/anna/disabled", data={"disabled": "true"},
                      headers=SAME_ORIGIN, follow_redirects=False)
    assert off.status_code == 303
    assert anna.get("/account", follow_redirects=False).status_code == 303
    assert login(anna, "anna", "given by root!").status_code == 401
    client.post("/admin/users/anna/disabled", data={"disabled": "false"},
                headers=SAME_ORIGIN)
    assert login(anna, "anna", "given by root!").status_code == 303
    own = client.post("/admin/users/root/role", data={"role": "learner"},
                      headers={**SAME_ORIGIN, **EN})
    assert own.status_code == 400 and "your account page" in own.text


def test_only_admins_manage_users(client: TestClient) -> None:
    sign_in(client, "anna")
    for answer in (client.get("/admin/users", headers=EN),
                   client.post("/admin/users", data={"username": "eve", "password": PASSWORD,
                                                     "role": "admin"}, headers=SAME_ORIGIN),
                   client.post("/admin/invitations", data={"role": "admin"},
                               headers=SAME_ORIGIN),
                   client.post("/admin/users/root/password", data={"password": "x" * 12},
                               headers=SAME_ORIGIN),
                   client.post("/import", files={"file": ("a.md", b"# A\n- [ ] b\n")},
                               headers=SAME_ORIGIN)):
        assert answer.status_code == 403, answer.request.url
    assert "Your role does not give access to this page." in client.get(
        "/admin/users", headers=EN).text
    with transaction(database_of(client).sessions) as session:
        assert find_user(session, "eve") is None


def test_an_admin_adds_a_user_from_the_page(client: TestClient) -> None:
    sign_in(client, "root")
    answer = client.post("/admin/users", data={"username": "Boris", "password": PASSWORD,
                                               "role": "mentor", "display_name": "Boris B."},
                         headers={**SAME_ORIGIN, **EN})
    assert answer.status_code == 200 and "User boris created." in answer.text
    taken = client.post("/admin/users", data={"username": "boris", "password": PASSWORD},
                        headers={**SAME_ORIGIN, **EN})
    assert taken.status_code == 400 and "This username is taken." in taken.text
    client.cookies.clear()
    assert login(client, "boris", PASSWORD).status_code == 303


def test_local_mode_has_no_login(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "local", load_bundled=False,
                             grading_warmup=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/plan").status_code == 200
        assert client.post("/time", data={"minutes": "15"}, headers=SAME_ORIGIN,
                           follow_redirects=False).status_code == 303
        for path in ("/login", "/account", "/admin/users", "/cohorts", "/invite/x"):
            assert client.get(path).status_code == 404, path
        assert "/logout" not in client.get("/plan").text


HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["' OR 1=1 --", "<script>alert(1)</script>", "\x00", "../../etc/passwd",
                     "%00", "{{7*7}}", "anna\r\nSet-Cookie: x=1", "😀" * 50, "a" * 100_000,
                     "root", "ROOT "]),
)
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(username=HOSTILE, password=HOSTILE, next_=HOSTILE)
def test_fuzzed_logins_never_fail_the_server(client: TestClient, username: str, password: str,
                                             next_: str) -> None:
    answer = client.post("/login", data={"username": username, "password": password,
                                         "next": next_}, headers=SAME_ORIGIN,
                         follow_redirects=False)
    assert answer.status_code in (303, 400, 401, 422, 429), answer.text[:300]
    if answer.status_code == 303:
        assert answer.headers["location"].startswith("/")
        assert not answer.headers["location"].startswith("//")
        client.cookies.clear()


@FUZZ
@given(token=st.text(alphabet=string.ascii_letters + string.digits + "-_.~%", max_size=300),
       username=HOSTILE, password=HOSTILE, display=HOSTILE)
def test_fuzzed_sign_ups_never_fail_the_server(client: TestClient, token: str, username: str,
                                               password: str, display: str) -> None:
    path = f"/invite/{token}" if token.strip(".") else "/invite/x"
    answer = client.post(path, data={"username": username, "password": password,
                                     "confirm": password, "display_name": display},
                         headers=SAME_ORIGIN, follow_redirects=False)
    assert answer.status_code in (400, 404, 405, 410, 422), answer.text[:300]
    assert client.get(path).status_code in (404, 405, 410)


def test_fuzzed_sign_ups_through_a_live_invitation(client: TestClient) -> None:
    """A real invitation and hostile fields: the form again with a 400, or (when the fields
    happen to be valid) one account and the link spent; never a 500."""
    with transaction(database_of(client).sessions) as session:
        token = create_invitation(session, role="learner", now=NOW, created_by=None).token
    statuses: list[int] = []

    @FUZZ
    @given(username=HOSTILE, password=HOSTILE, display=HOSTILE)
    def attempt(username: str, password: str, display: str) -> None:
        answer = client.post(f"/invite/{token}", data={
            "username": username, "password": password, "confirm": password,
            "display_name": display}, headers=SAME_ORIGIN, follow_redirects=False)
        assert answer.status_code in (303, 400, 410), answer.text[:300]
        statuses.append(answer.status_code)
        client.cookies.clear()

    attempt()
    with transaction(database_of(client).sessions) as session:
        users = session.scalar(select(func.count()).select_from(User))
    assert 400 in statuses
    assert users == 3 + statuses.count(303) and statuses.count(303) <= 1


def test_open_database_keeps_working_after_the_accounts_migration(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "again", load_bundled=False)
    first, _ = open_database(settings)
    first.engine.dispose()
    second, _ = open_database(settings)
    with transaction(second.sessions) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
    second.engine.dispose()


FORMS = ["/admin/users", "/admin/invitations", "/admin/users/anna/password",
         "/admin/users/anna/role", "/admin/users/anna/disabled", "/account/name",
         "/account/password", "/cohorts", "/cohorts/nope/members"]


@FUZZ
@given(path=st.sampled_from(FORMS), value=HOSTILE, other=HOSTILE)
def test_fuzzed_admin_and_account_forms_never_fail_the_server(client: TestClient, path: str,
                                                              value: str, other: str) -> None:
    if SESSION_COOKIE not in client.cookies:
        sign_in(client, "root")
    fields = ("username", "password", "role", "display_name", "days", "cohort", "disabled",
              "current", "new", "confirm", "slug", "title", "start", "hours", "roadmap")
    form = {name: (value if index % 2 else other) for index, name in enumerate(fields)}
    answer = client.post(path, data=form, headers=SAME_ORIGIN, follow_redirects=False)
    assert answer.status_code in (200, 303, 400, 404, 422), (path, answer.text[:300])
    with transaction(database_of(client).sessions) as session:
        root = find_user(session, "root")
        assert root is not None and root.role == "admin" and not root.disabled
