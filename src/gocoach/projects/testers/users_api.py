"""Stages of the REST users API (content/projects/users-api)."""

from __future__ import annotations

from typing import Any

from gocoach.projects.checks import App, CheckFailed, Reply, StageTest, Tester
from gocoach.projects.said import Lines, Said

SHAPE = Said("pj.check.us.shape")


def person(n: int, **fields: Any) -> dict[str, Any]:
    """A valid user body."""
    return {"name": f"Пользователь {n}", "email": f"user{n}@example.com", "age": 20 + n % 50,
            **fields}


def check_user(reply: Reply, user: Any, sent: dict[str, Any], user_id: int | None = None
               ) -> dict[str, Any]:
    """A user JSON carrying what was sent (and the id asked for)."""
    if not isinstance(user, dict) or type(user.get("id")) is not int:
        raise reply.fail(Said("pj.check.us.not_user"), SHAPE)
    for key, value in sent.items():
        if user.get(key) != value:
            raise reply.fail(Said("pj.check.field_is", field=key, value=repr(user.get(key))),
                             f'"{key}": {value!r}')
    if user_id is not None and user["id"] != user_id:
        raise reply.fail(f"id = {user['id']}", f'"id": {user_id}')
    return user


def create(app: App, body: dict[str, Any]) -> dict[str, Any]:
    """POST /users, checked: 201, the user, Location."""
    reply = app.request("POST", "/users", json_body=body)
    user = check_user(reply, reply.expect_json(201, what=Said("pj.check.us.not_created")), body)
    if reply.headers.get("location") != f"/users/{user['id']}":
        raise reply.fail(f"Location: {reply.headers.get('location')!r}",
                         f"Location: /users/{user['id']}")
    if "application/json" not in reply.headers.get("content-type", ""):
        raise reply.fail(Said("pj.check.json_type"), "Content-Type: application/json")
    return user


def stage_1(t: Tester) -> None:
    """Create, read, replace, delete; 404 and 405."""
    app = t.server()
    body = {"name": "Анна", "email": "anna@example.com", "age": 30}
    user = create(app, body)
    t.passed(f"POST /users → 201, id {user['id']}, Location /users/{user['id']}")
    reply = app.request("GET", f"/users/{user['id']}")
    check_user(reply, reply.expect_json(200, what=Said("pj.check.us.not_found")), body,
               user["id"])
    t.passed(f"GET /users/{user['id']} → 200")
    other = {"name": "Анна К.", "email": "anna.k@example.com", "age": 31}
    reply = app.request("PUT", f"/users/{user['id']}", json_body=other)
    check_user(reply, reply.expect_json(200, what=Said("pj.check.us.not_replaced")), other,
               user["id"])
    reply = app.request("GET", f"/users/{user['id']}")
    check_user(reply, reply.expect_json(200), other, user["id"])
    t.passed(Said("pj.check.us.ok.put"))
    second = create(app, person(2))
    if second["id"] == user["id"]:
        raise CheckFailed(Said("pj.check.us.same_id"), sent="2 × POST /users",
                          got=str(second["id"]), expected=Said("pj.check.distinct_ids"))
    reply = app.request("DELETE", f"/users/{user['id']}").expect(
        204, what=Said("pj.check.us.not_deleted"))
    app.request("GET", f"/users/{user['id']}").expect(404, what=Said("pj.check.us.deleted_found"))
    app.request("DELETE", f"/users/{user['id']}").expect(
        404, what=Said("pj.check.us.deleted_twice"))
    app.request("PUT", "/users/999999", json_body=other).expect(
        404, what=Said("pj.check.us.unknown_replaced"))
    t.passed(Said("pj.check.us.ok.deleted"))
    app.request("POST", f"/users/{second['id']}", json_body=other).expect(
        405, what=Said("pj.check.us.method_allowed"))
    t.passed("POST /users/{id} → 405")


def _expect_invalid(app: App, method: str, path: str, body: Any, fields: tuple[str, ...],
                    what: Said | str) -> None:
    if isinstance(body, str):
        reply = app.request(method, path, body=body, headers={"Content-Type": "application/json"})
    else:
        reply = app.request(method, path, json_body=body)
    reply.expect(400, 422, what=Said("pj.check.us.not_refused", what=what))
    reply.json()
    missing = [f for f in fields if f not in reply.text]
    if missing:
        raise reply.fail(Said("pj.check.us.field_unnamed", what=what, fields=", ".join(missing)),
                         Said("pj.check.us.fields_expected", fields=", ".join(fields)))


def stage_2(t: Tester) -> None:
    """Each invalid field is named; bad JSON is 400; emails are unique (409)."""
    app = t.server()
    cases: list[tuple[Said | str, dict[str, Any], tuple[str, ...]]] = [
        (Said("pj.check.bad.no_field", field="name"), {"email": "a@example.com", "age": 1},
         ("name",)),
        (Said("pj.check.bad.empty", field="name"), person(1, name="   "), ("name",)),
        (Said("pj.check.bad.too_long", field="name", max=100), person(1, name="я" * 101),
         ("name",)),
        (Said("pj.check.us.email_without", what="@"), person(1, email="anna"), ("email",)),
        (Said("pj.check.us.email_no_domain"), person(1, email="a@"), ("email",)),
        (Said("pj.check.us.email_no_name"), person(1, email="@b.c"), ("email",)),
        (Said("pj.check.us.email_space"), person(1, email="a b@c.d"), ("email",)),
        ("age < 0", person(1, age=-1), ("age",)),
        ("age > 150", person(1, age=151), ("age",)),
        (Said("pj.check.us.age_string"), person(1, age="30"), ("age",)),
        (Said("pj.check.us.age_fraction"), person(1, age=30.5), ("age",)),
        (Said("pj.check.us.three_errors"), {"name": "", "email": "x", "age": -1},
         ("name", "email", "age")),
    ]
    for what, body, fields in cases:
        _expect_invalid(app, "POST", "/users", body, fields, what)
    t.passed(Said("pj.check.us.ok.invalid", cases=Lines(*(c[0] for c in cases), sep=", ")))
    _expect_invalid(app, "POST", "/users", '{"name": "Анна", ', (), Said("pj.check.bad.not_json"))
    t.passed(Said("pj.check.us.ok.not_json"))
    anna = create(app, {"name": "Анна", "email": "anna@example.com", "age": 30})
    boris = create(app, {"name": "Борис", "email": "boris@example.com", "age": 40})
    app.request("POST", "/users", json_body=person(3, email="ANNA@example.com")).expect(
        409, what=Said("pj.check.us.duplicate_email"))
    t.passed(Said("pj.check.us.ok.duplicate"))
    app.request("PUT", f"/users/{boris['id']}", json_body=person(4, email="anna@example.com")
                ).expect(409, what=Said("pj.check.us.put_other_email"))
    reply = app.request("PUT", f"/users/{anna['id']}",
                        json_body={"name": "Анна", "email": "anna@example.com", "age": 31})
    reply.expect(200, what=Said("pj.check.us.put_own_email"))
    _expect_invalid(app, "PUT", f"/users/{anna['id']}", person(5, age=200), ("age",), "PUT")
    t.passed(Said("pj.check.us.ok.put_checks"))


def _page(app: App, query: str) -> tuple[Reply, dict[str, Any]]:
    reply = app.request("GET", f"/users{query}")
    page = reply.expect_json(200, what=Said("pj.check.us.no_page"))
    if (not isinstance(page, dict) or not isinstance(page.get("items"), list)
            or any(type(page.get(k)) is not int for k in ("total", "limit", "offset"))):
        raise reply.fail(Said("pj.check.us.page_shape"),
                         'JSON {"items": [...], "total": N, "limit": L, "offset": O}')
    return reply, page


def _expect_page(app: App, query: str, ids: list[int], total: int, limit: int,
                 offset: int) -> None:
    reply, page = _page(app, query)
    got = [item.get("id") if isinstance(item, dict) else item for item in page["items"]]
    wanted = {"items(id)": ids, "total": total, "limit": limit, "offset": offset}
    actual = {"items(id)": got, "total": page["total"], "limit": page["limit"],
              "offset": page["offset"]}
    if actual != wanted:
        raise CheckFailed(Said("pj.check.us.wrong_page"), sent=reply.request_line(),
                          got=str(actual), expected=str(wanted))


def stage_3(t: Tester) -> None:
    """Pages in id order, total, limits, bad parameters, shifting after a delete."""
    app = t.server()
    ids = [create(app, person(n))["id"] for n in range(25)]
    _expect_page(app, "", ids[:20], 25, 20, 0)
    t.passed(Said("pj.check.us.ok.first_page"))
    _expect_page(app, "?limit=10&offset=20", ids[20:], 25, 10, 20)
    _expect_page(app, "?limit=5&offset=5", ids[5:10], 25, 5, 5)
    _expect_page(app, "?offset=30", [], 25, 20, 30)
    t.passed(Said("pj.check.us.ok.pages"))
    for query in ("?limit=0", "?limit=101", "?limit=abc", "?offset=-1", "?offset=x"):
        reply = app.request("GET", f"/users{query}")
        error = reply.expect_json(400, what=Said("pj.check.us.bad_paging_accepted"))
        if not isinstance(error, dict) or "error" not in error:
            raise reply.fail(Said("pj.check.no_error_field"), 'JSON {"error": "..."}')
    t.passed("limit=0, 101, abc, offset=-1, x → 400")
    app.request("DELETE", f"/users/{ids[0]}").expect(204)
    _expect_page(app, "?limit=5", ids[1:6], 24, 5, 0)
    t.passed(Said("pj.check.us.ok.shifted"))


def stage_4(t: Tester) -> None:
    """60 parallel creates, 10 racing on one email, a JSON access log line per request."""
    app = t.server()
    made = app.in_parallel(60, lambda n: create(app, person(100 + n)))
    if len({user["id"] for user in made}) != 60:
        raise CheckFailed(Said("pj.check.us.same_ids"),
                          sent=Said("pj.check.at_once", count=60, request="POST /users"),
                          got=Said("pj.check.distinct_count", count=len({u["id"] for u in made})),
                          expected="60")
    _reply, page = _page(app, "?limit=100")
    if page["total"] != 60:
        raise CheckFailed(Said("pj.check.us.not_all_listed"),
                          sent=Said("pj.check.then",
                                    first=Said("pj.check.at_once", count=60, request="POST /users"),
                                    then="GET /users?limit=100"),
                          got=f"total {page['total']}", expected="total 60")
    t.passed(Said("pj.check.us.ok.parallel"))
    replies = app.in_parallel(10, lambda n: app.request(
        "POST", "/users", json_body=person(n, email="same@example.com")))
    statuses = sorted(reply.status for reply in replies)
    if statuses != [201] + [409] * 9:
        raise CheckFailed(Said("pj.check.us.email_twice"), sent=Said("pj.check.us.same_email_sent"),
                          got=Said("pj.check.us.codes", codes=str(statuses)),
                          expected=Said("pj.check.us.one_201"))
    t.passed(Said("pj.check.us.ok.same_email"))
    user = made[0]
    probes = [("GET", f"/users/{user['id']}", 200), ("GET", "/users/999999", 404),
              ("DELETE", f"/users/{user['id']}", 204), ("GET", "/users", 200)]
    for method, path, status in probes:
        app.request(method, path + ("?limit=3" if path == "/users" else "")).expect(status)
    t.sleep(0.2)
    _check_access_log(app, probes)
    t.passed(Said("pj.check.us.ok.log"))


def _check_access_log(app: App, probes: list[tuple[str, str, int]]) -> None:
    lines = app.logs()
    for method, path, status in probes:
        found = [line for line in lines if line.get("method") == method
                 and line.get("path") == path and line.get("status") == status]
        if not found:
            near = [line for line in lines if line.get("path") == path][:3]
            raise CheckFailed(Said("pj.check.us.not_logged", request=f"{method} {path}"),
                              sent=f"{method} {path}",
                              got=str(near or lines[-3:]) if near or lines
                              else Said("pj.check.empty"),
                              expected=Said("pj.check.us.log_line", method=method, path=path,
                                            status=status))
        duration = found[-1].get("duration_ms")
        if type(duration) not in (int, float):
            raise CheckFailed(Said("pj.check.us.duration_not_number"), sent=f"{method} {path}",
                              got=str(found[-1]), expected=Said("pj.check.us.duration_number"))
    total = len([line for line in lines if "method" in line])
    if total < 60 + 10 + 1 + len(probes):
        raise CheckFailed(Said("pj.check.us.not_all_logged"),
                          got=Said("pj.check.us.method_lines", count=total),
                          expected=Said("pj.check.us.line_per_request"))


STAGES: dict[int, StageTest] = {1: stage_1, 2: stage_2, 3: stage_3, 4: stage_4}
