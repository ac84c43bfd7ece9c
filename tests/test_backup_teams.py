"""Backups of a team server: a restore into an empty database gives back a working server (the
same passwords, roles, disabled accounts, cohorts, invitations, comment threads), conflicts with
what a database holds are reported and kept unless --replace, hostile files are refused with a
message and write nothing, and version 1 files still restore; on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from account_fixtures import PASSWORD, SAME_ORIGIN, cheap_hashing, server_client
from conftest import NOW
from gocoach.backup.archive import make_backup, restore_backup
from gocoach.backup.format import read_backup
from gocoach.cli.main import app
from gocoach.startup import Database
from gocoach.store.engine import transaction
from gocoach.store.tables import (
    Cohort,
    CohortMember,
    Invitation,
    LoginSession,
    ReportComment,
    SubmissionReview,
    User,
)
from gocoach.teams.accounts import get_user, set_disabled, set_password
from gocoach.teams.cohorts import get_cohort
from gocoach.teams.invitations import create_invitation
from servers import postgres_server
from test_teams_comments import EN, MENTOR_REPORT, Team, build_team, sign_in

OTHER_PASSWORD = "a new secret of lena"


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Team]:
    """The comments tests' team (two cohorts, lena's report and submissions) with a mentor's
    comment and review, a disabled learner and three invitations."""
    cheap_hashing(monkeypatch)
    with server_client(tmp_path / "source", clock=lambda: NOW) as client:
        team = build_team(client)
        sign_in(client, "mira")
        client.post(f"{MENTOR_REPORT}/comments", data={"body": "from mira"}, headers=SAME_ORIGIN)
        client.post(f"/cohorts/north/reviews/{team.submissions['lena-new']}/comments",
                    data={"body": "review by mira"}, headers=SAME_ORIGIN)
        client.cookies.clear()
        with transaction(team.database.sessions) as session:
            set_disabled(session, user=get_user(session, "boris"), disabled=True)
        yield team


def invite(database: Database, *, days_ago: int = 0) -> str:
    """A learner's invitation into north, made `days_ago` days before NOW (7 days valid)."""
    with transaction(database.sessions) as session:
        made = create_invitation(session, role="learner", now=NOW - timedelta(days=days_ago),
                                 created_by=get_user(session, "root"),
                                 cohort=get_cohort(session, "north"))
        return made.token


def gocoach(data: Path, *args: str, **env: str) -> tuple[int, str]:
    """A `gocoach` command on the server-mode database in `data`, without GOCOACH_USER."""
    environment = {"GOCOACH_DATA_DIR": str(data), "GOCOACH_MODE": "server",
                   "GOCOACH_LOAD_BUNDLED": "false", "GOCOACH_USER": "", "COLUMNS": "200",
                   "GOCOACH_LANGUAGE": "en", **env}
    result = CliRunner().invoke(app, list(args), env=environment)
    return result.exit_code, result.output


def data_dir(root: Path) -> Path:
    """Where server_client(root) keeps its SQLite database."""
    return root / "server"


def logs_in(client: TestClient, username: str, password: str = PASSWORD) -> bool:
    client.cookies.clear()
    answer = client.post("/login", data={"username": username, "password": password},
                         headers=SAME_ORIGIN, follow_redirects=False)
    return answer.status_code == 303


def check_the_team_is_back(client: TestClient, open_link: str, expired_link: str) -> None:
    """Passwords, roles, disabled accounts, cohorts, threads and invitations work again."""
    assert logs_in(client, "lena") and not logs_in(client, "lena", "guess " * 3)
    assert not logs_in(client, "boris")  # disabled in the source
    assert logs_in(client, "root") and client.get("/admin/users").status_code == 200
    assert logs_in(client, "mira")
    north = client.get("/cohorts/north", headers=EN)
    assert north.status_code == 200 and "lena" in north.text
    assert client.get("/cohorts/south").status_code == 404  # olga's cohort, not mira's
    assert "from mira" in client.get(MENTOR_REPORT, headers=EN).text
    assert logs_in(client, "lena")
    assert "from mira" in client.get("/reports/1", headers=EN).text
    assert "review by mira" in client.get("/exercises/lru-cache", headers=EN).text
    assert client.get("/cohorts/north").status_code == 403
    client.cookies.clear()
    signed_up = client.post(open_link, headers=SAME_ORIGIN, follow_redirects=False, data={
        "username": "nika", "password": PASSWORD, "confirm": PASSWORD})
    assert signed_up.status_code == 303
    assert client.get(open_link).status_code == 410  # used now
    assert client.get(expired_link).status_code == 410


def test_a_team_server_comes_back_from_its_backup(team: Team, tmp_path: Path) -> None:
    open_link, expired_link = (f"/invite/{invite(team.database, days_ago=d)}" for d in (0, 30))
    backup = tmp_path / "team.json"
    code, out = gocoach(data_dir(tmp_path / "source"), "backup", str(backup))
    assert code == 0, out
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600  # it holds the password hashes
    users = {u["username"]: u for u in json.loads(backup.read_text())["users"]}
    assert users["lena"]["password_hash"].startswith("$argon2id$")
    assert users["boris"]["disabled"] is True

    target = tmp_path / "target"
    code, out = gocoach(data_dir(target), "restore", str(backup))
    assert code == 0, out
    assert "restored: 5 users" in out and "cohorts: 2, members: 4, invitations: 2" in out
    assert "report_comments: 1 rows" in out and "submission_reviews: 1 rows" in out
    with server_client(target, clock=lambda: NOW) as client:
        check_the_team_is_back(client, open_link, expired_link)
        database: Database = client.app.state.database  # type: ignore[attr-defined]
        with transaction(database.sessions) as session:
            nika = get_user(session, "nika")
            assert session.scalars(select(CohortMember.role).where(
                CohortMember.user_id == nika.id)).all() == ["learner"]

    code, out = gocoach(data_dir(target), "restore", str(backup))  # again: a no-op
    assert code == 0 and "restored: 0 users, 0 roadmaps, 0 progress rows" in out, out
    assert "cohorts:" not in out and "kept" not in out.replace("kept existing rows", "")


def test_conflicts_are_reported_and_kept_unless_replace(team: Team, tmp_path: Path) -> None:
    backup = tmp_path / "team.json"
    assert gocoach(data_dir(tmp_path / "source"), "backup", str(backup))[0] == 0
    target = tmp_path / "target"
    assert gocoach(data_dir(target), "restore", str(backup))[0] == 0
    with server_client(target, clock=lambda: NOW) as client:
        database: Database = client.app.state.database  # type: ignore[attr-defined]
        with transaction(database.sessions) as session:
            set_password(session, user=get_user(session, "lena"), password=OTHER_PASSWORD)
            get_cohort(session, "north").title = "North, renamed"
        assert logs_in(client, "lena", OTHER_PASSWORD)

        code, out = gocoach(data_dir(target), "restore", str(backup))
        assert code == 0, out
        assert "kept the existing accounts of lena: they differ" in out
        assert "kept the existing cohorts north: their title" in out
        assert logs_in(client, "lena", OTHER_PASSWORD) and not logs_in(client, "lena")
        assert logs_in(client, "mira") and "North, renamed" in client.get("/cohorts").text

        assert logs_in(client, "lena", OTHER_PASSWORD)
        code, out = gocoach(data_dir(target), "restore", str(backup), "--replace")
        assert code == 0, out
        assert "replaced the accounts of lena with the backup's" in out
        assert client.get("/plan", follow_redirects=False).status_code == 303  # signed out
        assert logs_in(client, "lena") and not logs_in(client, "lena", OTHER_PASSWORD)
        with transaction(database.sessions) as session:
            assert get_cohort(session, "north").title == "North"
            assert session.scalar(select(func.count()).select_from(CohortMember)) == 4
            assert session.scalar(select(func.count()).select_from(ReportComment)) == 1


def mutate(data: dict[str, Any], change: str) -> None:
    """One hostile change of a valid backup (see HOSTILE)."""
    users, tables = data["users"], data["tables"]
    users.insert(0, {**users[0], "username": "eve", "is_local": False})  # restorable
    if change == "type":
        users[2]["disabled"] = "maybe"
    elif change == "bcrypt":
        users[1]["password_hash"] = "$2b$12$" + "a" * 53
    elif change == "costly":
        users[1]["password_hash"] = ("$argon2id$v=19$m=4194304,t=1000,p=4$c2FsdHNhbHQ"
                                     "$aGFzaGhhc2hoYXNoaGFzaA")
    elif change == "ghost_cohort":
        data["invitations"].append({**data["invitations"][0], "cohort": "ghost",
                                    "token_hash": "f" * 64})
    elif change == "ghost_member":
        data["cohorts"][0]["members"].append({"user": "ghost", "role": "learner",
                                              "added_at": NOW.isoformat()})
    elif change == "ghost_roadmap":
        data["cohorts"][1]["roadmaps"] = ["ghost-roadmap"]
    elif change == "ghost_report":
        tables["report_comments"][0]["report_id"] = 999
    elif change == "twice":
        users.append(dict(users[-1]))
    elif change == "huge_id":
        tables["submission_reviews"][0]["id"] = 2**40
    elif change == "unique":  # a plan has one report per week
        tables["weekly_reports"].append({**tables["weekly_reports"][0], "id": 500})
    elif change == "not_a_list":
        data["cohorts"] = {"north": {}}


HOSTILE = {
    "type": "users[2].disabled: Input should be a valid boolean",
    "bcrypt": "users[1].password_hash: not an argon2 password hash",
    "costly": "users[1].password_hash: an argon2 hash too costly to check",
    "ghost_cohort": "invitations[1].cohort: no cohort 'ghost' in the backup",
    "ghost_member": "cohorts[0].members[2].user: no user 'ghost' in the backup",
    "ghost_roadmap": "cohorts[1].roadmaps: no roadmap 'ghost-roadmap' in the backup or in the "
                     "database",
    "ghost_report": "tables.report_comments[0].report_id: points at row 999 of weekly_reports, "
                    "which the backup does not hold",
    "twice": "users: 'boris' appears twice",
    "huge_id": "tables.submission_reviews[0].id: Input should be less than or equal to "
               "2147483647",
    "unique": "the backup's rows break a rule of the database (UNIQUE constraint failed: "
              "weekly_reports.plan_id, weekly_reports.week); nothing was restored",
    "not_a_list": "cohorts: Input should be a valid list",
}


def test_hostile_backups_are_refused_and_write_nothing(team: Team, tmp_path: Path) -> None:
    open_link = f"/invite/{invite(team.database)}"
    with transaction(team.database.sessions) as session:
        valid = json.dumps(make_backup(session, now=NOW))
    target = tmp_path / "target"
    with server_client(target, clock=lambda: NOW) as client:
        database: Database = client.app.state.database  # type: ignore[attr-defined]
        with transaction(database.sessions) as session:
            before = json.dumps(make_backup(session, now=NOW))
        for change, message in HOSTILE.items():
            data = json.loads(valid)
            mutate(data, change)
            path = tmp_path / f"{change}.json"
            path.write_text(json.dumps(data), encoding="utf-8")
            code, out = gocoach(data_dir(target), "restore", str(path))
            assert code == 1 and f"error: {path}: {message}" in out.replace("\n", ""), (
                change, out)
            with transaction(database.sessions) as session:
                assert json.dumps(make_backup(session, now=NOW)) == before, change
        assert client.get(open_link).status_code == 404  # nothing restored, not even a link


@pytest.mark.parametrize(("text", "message"), [
    ('{"format": "gocoach-backup", "version": 2, "users": [{"created_at": NaN}]}',
     "b.json:1: not valid JSON (NaN is not a number JSON allows)"),
    ("[" * 100_000 + "]" * 100_000, "b.json: JSON nested too deeply"),
    ('{"format": "gocoach-backup", "version": 3}',
     "b.json: backup version 3 is not supported (this gocoach reads versions 1 and 2)"),
    ('{"format": "gocoach-backup", "version": true}', "b.json: backup version True is not"),
    ('{"format": "gocoach-backup", "version": 2, "users": [{"username": "Anna!", '
     '"created_at": "2026-01-01"}]}', "b.json: users[0].username: String should match"),
    ('{"format": "gocoach-backup", "version": 2, "tables": {"cards": [{"id": 1}]}}',
     "b.json: tables.cards[0].user_id: missing"),
])
def test_broken_files_are_named_with_the_place(text: str, message: str) -> None:
    from gocoach.backup.format import BackupError

    with pytest.raises(BackupError) as refused:
        read_backup(text, name="b.json")
    assert str(refused.value).startswith(message)


def test_huge_files_are_refused_before_they_are_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as sparse:
        sparse.truncate(300 * 2**20)  # nothing is written to the disk
    code, out = gocoach(tmp_path / "data", "restore", str(huge))
    assert code == 1 and "huge.json: the file is larger than the limit, 268435456 bytes " \
        "(GOCOACH_MAX_BACKUP_BYTES)" in out.replace("\n", ""), out
    small = tmp_path / "small.json"
    small.write_text(json.dumps({"format": "gocoach-backup", "version": 2}) + " " * 2000)
    code, out = gocoach(tmp_path / "data", "restore", str(small),
                        GOCOACH_MAX_BACKUP_BYTES="1000")
    assert code == 1 and "the limit, 1000 bytes" in out, out


def test_version_1_backups_still_restore(team: Team, tmp_path: Path) -> None:
    with transaction(team.database.sessions) as session:
        data = json.loads(json.dumps(make_backup(session, now=NOW)))
    data["version"] = 1
    for user in data["users"]:
        del user["password_hash"], user["disabled"]
    del data["cohorts"], data["invitations"]
    with server_client(tmp_path / "target", clock=lambda: NOW) as client:
        database: Database = client.app.state.database  # type: ignore[attr-defined]
        with transaction(database.sessions) as session:
            report = restore_backup(session, read_backup(json.dumps(data), name="v1.json"),
                                    now=NOW, max_bytes=5 << 20)
        assert report.users == 5 and report.tables.restored["report_comments"] == 1
        assert not logs_in(client, "lena")  # version 1 carried no passwords: set them again
        with transaction(database.sessions) as session:
            assert session.scalar(select(func.count()).select_from(Cohort)) == 0
            assert session.get_one(User, get_user(session, "lena").id).password_hash is None


def test_a_backup_file_is_private_even_when_it_replaces_one(tmp_path: Path) -> None:
    backup = tmp_path / "b.json"
    backup.write_text("old")
    backup.chmod(0o644)
    code, out = gocoach(tmp_path / "data", "backup", str(backup))
    assert code == 0, out
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert json.loads(backup.read_text())["version"] == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    code, out = gocoach(tmp_path / "data", "backup", str(tmp_path / "no" / "b.json"))
    assert code == 1 and "no: no such folder (create it first)" in out


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = Path("/tmp") / f"gocoach-pg-backup-{tmp_path_factory.getbasetemp().name}"
    with postgres_server(base) as url:
        yield url


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres")
def test_a_team_backup_restores_into_postgres(team: Team, tmp_path: Path, pg_url: str) -> None:
    open_link, expired_link = (f"/invite/{invite(team.database, days_ago=d)}" for d in (0, 30))
    with transaction(team.database.sessions) as session:
        text = json.dumps(make_backup(session, now=NOW))
    with server_client(tmp_path / "pg", clock=lambda: NOW, database_url=pg_url) as client:
        database: Database = client.app.state.database  # type: ignore[attr-defined]
        with transaction(database.sessions) as session:
            report = restore_backup(session, read_backup(text, name="team.json"), now=NOW,
                                    max_bytes=5 << 20)
        assert (report.users, report.accounts.cohorts, report.accounts.invitations) == (5, 2, 2)
        check_the_team_is_back(client, open_link, expired_link)
        assert logs_in(client, "mira")  # new rows after the restored ids (sequences moved on)
        assert client.post(f"{MENTOR_REPORT}/comments", data={"body": "after the restore"},
                           headers=SAME_ORIGIN, follow_redirects=False).status_code == 303
        with transaction(database.sessions) as session:
            assert session.scalar(select(func.count()).select_from(ReportComment)) == 2
            assert session.scalar(select(func.count()).select_from(SubmissionReview)) == 1
            assert (session.scalar(select(func.count()).select_from(LoginSession)) or 0) >= 1
        # hostile on PostgreSQL too: nothing written
        data = json.loads(text)
        mutate(data, "unique")
        with pytest.raises(ValueError, match="break a rule of the database"), \
                transaction(database.sessions) as session:
            restore_backup(session, read_backup(json.dumps(data), name="x.json"), now=NOW,
                           max_bytes=5 << 20, replace=True)
        with transaction(database.sessions) as session:
            assert session.scalar(select(func.count()).select_from(ReportComment)) == 2
            assert session.scalar(select(func.count()).select_from(Invitation)) == 2
