"""`gocoach user` and `gocoach cohort` on a temporary database: the first admin, roles,
passwords, invitations, cohorts and the mentor's table in the terminal; bad input exits cleanly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from account_fixtures import cheap_hashing
from conftest import NOW
from gocoach.cli.main import app
from gocoach.startup import open_database
from gocoach.store.engine import transaction
from gocoach.store.settings import load_settings
from gocoach.store.tables import User
from gocoach.teams.invitations import open_invitation
from gocoach.teams.logins import authenticate

PASSWORD = "a long admin secret"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    cheap_hashing(monkeypatch)
    monkeypatch.setenv("GOCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def run(cli: CliRunner, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = cli.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def signs_in(tmp_path: Path, username: str, password: str) -> bool:
    database, _ = open_database(load_settings(data_dir=tmp_path / "data"), prepare=False)
    try:
        with transaction(database.sessions) as session:
            outcome = authenticate(session, username=username, password=password,
                                   address="cli-test", now=NOW)
            return outcome.user is not None
    finally:
        database.engine.dispose()


def test_the_first_admin_and_user_management(cli: CliRunner, tmp_path: Path) -> None:
    code, out = run(cli, "user", "add", "--admin", "Root", "--password-stdin",
                    stdin=PASSWORD + "\n")
    assert code == 0 and "user added: root (admin)" in out
    assert signs_in(tmp_path, "root", PASSWORD)
    code, out = run(cli, "user", "add", "anna", "--display-name", "Anna K.",
                    stdin=f"{PASSWORD}\n{PASSWORD}\n")  # typed twice, hidden
    assert code == 0 and "user added: anna (learner)" in out
    code, out = run(cli, "user", "list")
    assert code == 0 and re.search(r"anna\s+│ Anna K\.\s+│ learner\s+│ active", out)
    assert re.search(r"local\s+│.*│ local user", out)
    code, out = run(cli, "user", "role", "anna", "mentor")
    assert code == 0 and "anna is now a mentor" in out
    code, out = run(cli, "user", "passwd", "anna", "--password-stdin",
                    stdin="the new secret\n")
    assert code == 0 and "their sessions ended" in out
    assert signs_in(tmp_path, "anna", "the new secret")
    code, out = run(cli, "user", "disable", "anna")
    assert code == 0 and "can no longer sign in" in out
    assert not signs_in(tmp_path, "anna", "the new secret")
    code, out = run(cli, "user", "disable", "anna", "--enable")
    assert code == 0 and signs_in(tmp_path, "anna", "the new secret")


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("user", "add", "anna", "--password-stdin"), "short\n", "at least 10 characters"),
    (("user", "add", "x", "--password-stdin"), PASSWORD + "\n", "a username is 2–40"),
    (("user", "add", "anna", "--role", "boss", "--password-stdin"), PASSWORD + "\n",
     "a role is one of learner, mentor, admin"),
    (("user", "passwd", "ghost", "--password-stdin"), PASSWORD + "\n", "no user 'ghost'"),
    (("user", "role", "ghost", "admin"), None, "no user 'ghost'"),
    (("user", "invite", "--days", "400"), None, "1 to 90 days"),
    (("user", "invite", "--cohort", "nope"), None, "no cohort 'nope'"),
    (("cohort", "show", "nope"), None, "no cohort 'nope'"),
    (("cohort", "create", "spring", "--roadmap", "nope", "--start", "2027-03-01"), None,
     "nope"),
    (("cohort", "create", "spring", "--roadmap", "senior-3-months", "--start", "soon"), None,
     "YYYY-MM-DD"),
])
def test_bad_input_is_a_clear_error(cli: CliRunner, args: tuple[str, ...], stdin: str | None,
                                    message: str) -> None:
    code, out = run(cli, *args, stdin=stdin)
    assert code == 1 and "error:" in out and message in out, out
    assert "Traceback" not in out


def test_a_taken_username_is_refused(cli: CliRunner) -> None:
    assert run(cli, "user", "add", "anna", "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    code, out = run(cli, "user", "add", "ANNA", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 1 and "the username 'anna' is taken" in out


def test_invitations_and_cohorts(cli: CliRunner, tmp_path: Path) -> None:
    code, out = run(cli, "cohort", "create", "spring", "--roadmap", "senior-3-months",
                    "--start", "2026-11-02", "--title", "Spring", "--hours", "8")
    assert code == 0 and "cohort created: spring" in out
    code, out = run(cli, "user", "invite", "--cohort", "spring", "--base-url",
                    "https://coach.example.org/")
    link = re.search(r"https://coach\.example\.org/invite/(\S+)", out)
    assert code == 0 and link and "single use, for a learner" in out
    database, _ = open_database(load_settings(data_dir=tmp_path / "data"), prepare=False)
    with transaction(database.sessions) as session:
        invitation = open_invitation(session, link.group(1), now=NOW)
        assert invitation.cohort_id is not None
    database.engine.dispose()
    for name, role in (("lena", "learner"), ("mira", "mentor")):
        run(cli, "user", "add", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
    code, out = run(cli, "cohort", "add-member", "spring", "lena")
    assert code == 0 and "lena added to spring as a learner (plan made from the cohort)" in out
    code, out = run(cli, "cohort", "add-mentor", "spring", "mira")
    assert code == 0 and "mira added to spring as a mentor" in out
    code, out = run(cli, "cohort", "add-mentor", "spring", "lena")
    assert code == 1 and "give them the mentor role first" in out
    code, out = run(cli, "cohort", "list")
    assert code == 0 and re.search(r"spring\s+│ Spring\s+│ 2026-11-02 │ senior-3-months\s+│ 1 "
                                   r"\s*│ 1", out)
    code, out = run(cli, "cohort", "show", "spring")
    assert code == 0 and "Spring (spring), from 2026-11-02; mentors: mira" in out
    assert re.search(r"lena\s+│ 0/\d+", out)
    database, _ = open_database(load_settings(data_dir=tmp_path / "data"), prepare=False)
    with transaction(database.sessions) as session:
        names = set(session.scalars(select(User.username)))
    database.engine.dispose()
    assert names == {"local", "lena", "mira"}


def test_a_cohort_without_learners_says_what_to_do(cli: CliRunner) -> None:
    run(cli, "cohort", "create", "empty", "--roadmap", "senior-3-months", "--start",
        "2026-11-02")
    code, out = run(cli, "cohort", "show", "empty")
    assert code == 0 and "gocoach cohort add-member empty NAME" in out
