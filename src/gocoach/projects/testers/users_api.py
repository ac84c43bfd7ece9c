"""Stages of the REST users API (content/projects/users-api)."""

from __future__ import annotations

from typing import Any

from gocoach.projects.checks import App, CheckFailed, Reply, StageTest, Tester

SHAPE = 'JSON {"id": <целое>, "name": "...", "email": "...", "age": <целое>}'


def person(n: int, **fields: Any) -> dict[str, Any]:
    """A valid user body."""
    return {"name": f"Пользователь {n}", "email": f"user{n}@example.com", "age": 20 + n % 50,
            **fields}


def check_user(reply: Reply, user: Any, sent: dict[str, Any], user_id: int | None = None
               ) -> dict[str, Any]:
    """A user JSON carrying what was sent (and the id asked for)."""
    if not isinstance(user, dict) or type(user.get("id")) is not int:
        raise reply.fail("ответ — не пользователь", SHAPE)
    for key, value in sent.items():
        if user.get(key) != value:
            raise reply.fail(f"поле {key} = {user.get(key)!r}", f'"{key}": {value!r}')
    if user_id is not None and user["id"] != user_id:
        raise reply.fail(f"id = {user['id']}", f'"id": {user_id}')
    return user


def create(app: App, body: dict[str, Any]) -> dict[str, Any]:
    """POST /users, checked: 201, the user, Location."""
    reply = app.request("POST", "/users", json_body=body)
    user = check_user(reply, reply.expect_json(201, what="пользователь не создан"), body)
    if reply.headers.get("location") != f"/users/{user['id']}":
        raise reply.fail(f"Location: {reply.headers.get('location')!r}",
                         f"Location: /users/{user['id']}")
    if "application/json" not in reply.headers.get("content-type", ""):
        raise reply.fail("нет Content-Type: application/json", "Content-Type: application/json")
    return user


def stage_1(t: Tester) -> None:
    """Create, read, replace, delete; 404 and 405."""
    app = t.server()
    body = {"name": "Анна", "email": "anna@example.com", "age": 30}
    user = create(app, body)
    t.passed(f"POST /users → 201, id {user['id']}, Location /users/{user['id']}")
    reply = app.request("GET", f"/users/{user['id']}")
    check_user(reply, reply.expect_json(200, what="пользователь не найден"), body, user["id"])
    t.passed(f"GET /users/{user['id']} → 200")
    other = {"name": "Анна К.", "email": "anna.k@example.com", "age": 31}
    reply = app.request("PUT", f"/users/{user['id']}", json_body=other)
    check_user(reply, reply.expect_json(200, what="пользователь не заменён"), other, user["id"])
    reply = app.request("GET", f"/users/{user['id']}")
    check_user(reply, reply.expect_json(200), other, user["id"])
    t.passed("PUT → 200, GET отдаёт новые данные с тем же id")
    second = create(app, person(2))
    if second["id"] == user["id"]:
        raise CheckFailed("у двух пользователей один id", sent="2 × POST /users",
                          got=str(second["id"]), expected="разные id")
    reply = app.request("DELETE", f"/users/{user['id']}").expect(204, what="не удалён")
    app.request("GET", f"/users/{user['id']}").expect(404, what="удалённый пользователь найден")
    app.request("DELETE", f"/users/{user['id']}").expect(404, what="удалён дважды")
    app.request("PUT", "/users/999999", json_body=other).expect(404, what="заменён несуществующий")
    t.passed("DELETE → 204, затем GET/DELETE/PUT несуществующего → 404")
    app.request("POST", f"/users/{second['id']}", json_body=other).expect(
        405, what="метод, которого у ресурса нет, не отклонён")
    t.passed("POST /users/{id} → 405")


def _expect_invalid(app: App, method: str, path: str, body: Any, fields: tuple[str, ...],
                    what: str) -> None:
    if isinstance(body, str):
        reply = app.request(method, path, body=body, headers={"Content-Type": "application/json"})
    else:
        reply = app.request(method, path, json_body=body)
    reply.expect(400, 422, what=f"{what}: данные не отклонены")
    reply.json()
    missing = [f for f in fields if f not in reply.text]
    if missing:
        raise reply.fail(f"{what}: в ответе не названо поле {', '.join(missing)}",
                         "JSON с ошибкой по каждому неверному полю: " + ", ".join(fields))


def stage_2(t: Tester) -> None:
    """Each invalid field is named; bad JSON is 400; emails are unique (409)."""
    app = t.server()
    cases: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
        ("нет name", {"email": "a@example.com", "age": 1}, ("name",)),
        ("пустой name", person(1, name="   "), ("name",)),
        ("name длиннее 100 символов", person(1, name="я" * 101), ("name",)),
        ("email без @", person(1, email="anna"), ("email",)),
        ("email без домена", person(1, email="a@"), ("email",)),
        ("email без имени", person(1, email="@b.c"), ("email",)),
        ("email с пробелом", person(1, email="a b@c.d"), ("email",)),
        ("age < 0", person(1, age=-1), ("age",)),
        ("age > 150", person(1, age=151), ("age",)),
        ("age строкой", person(1, age="30"), ("age",)),
        ("age дробное", person(1, age=30.5), ("age",)),
        ("три ошибки сразу", {"name": "", "email": "x", "age": -1}, ("name", "email", "age")),
    ]
    for what, body, fields in cases:
        _expect_invalid(app, "POST", "/users", body, fields, what)
    t.passed("неверные данные → 400/422 с названием поля: " + ", ".join(c[0] for c in cases))
    _expect_invalid(app, "POST", "/users", '{"name": "Анна", ', (), "не JSON")
    t.passed("тело не JSON → 400")
    anna = create(app, {"name": "Анна", "email": "anna@example.com", "age": 30})
    boris = create(app, {"name": "Борис", "email": "boris@example.com", "age": 40})
    app.request("POST", "/users", json_body=person(3, email="ANNA@example.com")).expect(
        409, what="повторный email (другой регистр) принят")
    t.passed("ANNA@example.com при существующем anna@example.com → 409")
    app.request("PUT", f"/users/{boris['id']}", json_body=person(4, email="anna@example.com")
                ).expect(409, what="PUT с чужим email принят")
    reply = app.request("PUT", f"/users/{anna['id']}",
                        json_body={"name": "Анна", "email": "anna@example.com", "age": 31})
    reply.expect(200, what="PUT со своим же email отклонён")
    _expect_invalid(app, "PUT", f"/users/{anna['id']}", person(5, age=200), ("age",), "PUT")
    t.passed("PUT: чужой email → 409, свой — 200, неверные данные → 400/422")


def _page(app: App, query: str) -> tuple[Reply, dict[str, Any]]:
    reply = app.request("GET", f"/users{query}")
    page = reply.expect_json(200, what="страница не получена")
    if (not isinstance(page, dict) or not isinstance(page.get("items"), list)
            or any(type(page.get(k)) is not int for k in ("total", "limit", "offset"))):
        raise reply.fail("неверная форма страницы",
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
        raise CheckFailed("неверная страница", sent=reply.request_line(), got=str(actual),
                          expected=str(wanted))


def stage_3(t: Tester) -> None:
    """Pages in id order, total, limits, bad parameters, shifting after a delete."""
    app = t.server()
    ids = [create(app, person(n))["id"] for n in range(25)]
    _expect_page(app, "", ids[:20], 25, 20, 0)
    t.passed("GET /users → первые 20 из 25, limit 20, offset 0")
    _expect_page(app, "?limit=10&offset=20", ids[20:], 25, 10, 20)
    _expect_page(app, "?limit=5&offset=5", ids[5:10], 25, 5, 5)
    _expect_page(app, "?offset=30", [], 25, 20, 30)
    t.passed("limit/offset: последняя неполная страница, середина, за концом — []")
    for query in ("?limit=0", "?limit=101", "?limit=abc", "?offset=-1", "?offset=x"):
        reply = app.request("GET", f"/users{query}")
        error = reply.expect_json(400, what="неверный параметр пагинации принят")
        if not isinstance(error, dict) or "error" not in error:
            raise reply.fail("в ответе 400 нет поля error", 'JSON {"error": "..."}')
    t.passed("limit=0, 101, abc, offset=-1, x → 400")
    app.request("DELETE", f"/users/{ids[0]}").expect(204)
    _expect_page(app, "?limit=5", ids[1:6], 24, 5, 0)
    t.passed("после удаления первого: total 24, страница сдвинулась")


def stage_4(t: Tester) -> None:
    """60 parallel creates, 10 racing on one email, a JSON access log line per request."""
    app = t.server()
    made = app.in_parallel(60, lambda n: create(app, person(100 + n)))
    if len({user["id"] for user in made}) != 60:
        raise CheckFailed("у одновременно созданных пользователей совпали id",
                          sent="60 одновременных POST /users",
                          got=f"разных id: {len({u['id'] for u in made})}", expected="60")
    _reply, page = _page(app, "?limit=100")
    if page["total"] != 60:
        raise CheckFailed("не все одновременно созданные пользователи в списке",
                          sent="60 одновременных POST /users, затем GET /users?limit=100",
                          got=f"total {page['total']}", expected="total 60")
    t.passed("60 одновременных POST → 60 пользователей с разными id")
    replies = app.in_parallel(10, lambda n: app.request(
        "POST", "/users", json_body=person(n, email="same@example.com")))
    statuses = sorted(reply.status for reply in replies)
    if statuses != [201] + [409] * 9:
        raise CheckFailed("одинаковый email создан не один раз",
                          sent="10 одновременных POST /users с email same@example.com",
                          got=f"коды: {statuses}", expected="один 201 и девять 409")
    t.passed("10 одновременных POST с одним email → один 201 и девять 409")
    user = made[0]
    probes = [("GET", f"/users/{user['id']}", 200), ("GET", "/users/999999", 404),
              ("DELETE", f"/users/{user['id']}", 204), ("GET", "/users", 200)]
    for method, path, status in probes:
        app.request(method, path + ("?limit=3" if path == "/users" else "")).expect(status)
    t.sleep(0.2)
    _check_access_log(app, probes)
    t.passed("журнал: строка JSON с method, path, status, duration_ms на каждый запрос")


def _check_access_log(app: App, probes: list[tuple[str, str, int]]) -> None:
    lines = app.logs()
    for method, path, status in probes:
        found = [line for line in lines if line.get("method") == method
                 and line.get("path") == path and line.get("status") == status]
        if not found:
            near = [line for line in lines if line.get("path") == path][:3]
            raise CheckFailed(f"в журнале нет строки о запросе {method} {path}",
                              sent=f"{method} {path}", got=str(near or lines[-3:] or "(пусто)"),
                              expected=f'{{"method": "{method}", "path": "{path}", '
                              f'"status": {status}, "duration_ms": <число>}}')
        duration = found[-1].get("duration_ms")
        if type(duration) not in (int, float):
            raise CheckFailed("duration_ms в журнале — не число", sent=f"{method} {path}",
                              got=str(found[-1]), expected='"duration_ms": <число>')
    total = len([line for line in lines if "method" in line])
    if total < 60 + 10 + 1 + len(probes):
        raise CheckFailed("в журнале записаны не все запросы", got=f"строк с method: {total}",
                          expected="по строке на каждый из ~75 запросов")


STAGES: dict[int, StageTest] = {1: stage_1, 2: stage_2, 3: stage_3, 4: stage_4}
