"""Stages of the TODO list service (content/projects/todo)."""

from __future__ import annotations

from typing import Any

from gocoach.projects.checks import App, CheckFailed, Reply, StageTest, Tester

DATA = "todos.json"
SHAPE = 'JSON {"id": <целое>, "title": "<строка>", "done": <true|false>}'


def check_todo(reply: Reply, todo: Any, **wanted: Any) -> dict[str, Any]:
    """A well-formed todo, with the fields `wanted`."""
    if (not isinstance(todo, dict) or type(todo.get("id")) is not int
            or not isinstance(todo.get("title"), str) or type(todo.get("done")) is not bool):
        raise reply.fail("ответ — не задача", SHAPE)
    for key, value in wanted.items():
        if todo.get(key) != value:
            raise reply.fail(f"поле {key} = {todo.get(key)!r}", f'"{key}": {value!r}')
    return todo


def _json_type(reply: Reply) -> None:
    if "application/json" not in reply.headers.get("content-type", ""):
        raise reply.fail("нет заголовка Content-Type: application/json",
                         "Content-Type: application/json")


def create(app: App, title: str) -> dict[str, Any]:
    """POST /todos, checked: 201 and the new todo."""
    reply = app.request("POST", "/todos", json_body={"title": title})
    todo = check_todo(reply, reply.expect_json(201, what="задача не создана"), title=title,
                      done=False)
    _json_type(reply)
    return todo


def listing(app: App) -> list[dict[str, Any]]:
    """GET /todos, checked: a list of todos sorted by id."""
    reply = app.request("GET", "/todos")
    todos = reply.expect_json(200, what="список задач не получен")
    if not isinstance(todos, list):
        raise reply.fail("список задач — не JSON-массив", "JSON-массив задач ([] — если пусто)")
    for todo in todos:
        check_todo(reply, todo)
    ids = [todo["id"] for todo in todos]
    if ids != sorted(ids):
        raise reply.fail("задачи не по возрастанию id", "список по возрастанию id")
    return todos


def read(app: App, todo_id: int) -> dict[str, Any]:
    """GET /todos/{id}, checked."""
    reply = app.request("GET", f"/todos/{todo_id}")
    return check_todo(reply, reply.expect_json(200, what=f"задача {todo_id} не найдена"),
                      id=todo_id)


def stage_1(t: Tester) -> None:
    """Create two todos and read them back, one by one and as a list."""
    app = t.server("-data", DATA)
    empty = app.request("GET", "/todos")
    if empty.expect(200, what="список задач не получен").json() != []:
        raise empty.fail("пустой список — не []", "[] (не null)")
    t.passed("GET /todos на пустом сервисе → []")
    first, second = create(app, "купить молоко"), create(app, "write the report")
    if first["id"] == second["id"]:
        raise CheckFailed("две задачи с одним id", sent="2 × POST /todos",
                          got=f"id {first['id']} и {second['id']}", expected="разные id")
    t.passed(f"POST /todos → 201, задачи {first['id']} и {second['id']}")
    if read(app, first["id"]) != first:
        raise CheckFailed("GET /todos/{id} отдаёт не то, что создано",
                          sent=f"GET /todos/{first['id']}", got=str(read(app, first["id"])),
                          expected=str(first))
    t.passed(f"GET /todos/{first['id']} → 200, та же задача")
    todos = listing(app)
    if todos != [first, second]:
        raise CheckFailed("список не совпадает с созданным", sent="GET /todos", got=str(todos),
                          expected=str([first, second]))
    t.passed("GET /todos → обе задачи по возрастанию id")
    app.request("GET", "/todos/999999").expect(404, what="несуществующая задача найдена")
    t.passed("GET /todos/999999 → 404")


def stage_2(t: Tester) -> None:
    """PATCH changes only what is sent; DELETE removes; unknown ids are 404."""
    app = t.server("-data", DATA)
    todo = create(app, "прочитать книгу")
    other = create(app, "позвонить")
    reply = app.request("PATCH", f"/todos/{todo['id']}", json_body={"done": True})
    check_todo(reply, reply.expect_json(200, what="задача не изменена"), id=todo["id"],
               title="прочитать книгу", done=True)
    t.passed("PATCH {done: true} → 200, title не изменился")
    reply = app.request("PATCH", f"/todos/{todo['id']}", json_body={"title": "прочитать две"})
    check_todo(reply, reply.expect_json(200, what="задача не изменена"), id=todo["id"],
               title="прочитать две", done=True)
    t.passed("PATCH {title} → 200, done остался true")
    if read(app, todo["id"]) != {"id": todo["id"], "title": "прочитать две", "done": True}:
        raise CheckFailed("изменение не сохранилось", sent=f"GET /todos/{todo['id']}",
                          got=str(read(app, todo["id"])), expected="изменённая задача")
    deleted = app.request("DELETE", f"/todos/{todo['id']}").expect(204, what="не удалена")
    if deleted.body:
        raise deleted.fail("у ответа 204 есть тело", "пустое тело")
    t.passed("DELETE → 204")
    app.request("GET", f"/todos/{todo['id']}").expect(404, what="удалённая задача найдена")
    if [x["id"] for x in listing(app)] != [other["id"]]:
        raise CheckFailed("удалённая задача осталась в списке", sent="GET /todos",
                          got=str(listing(app)), expected=f"только задача {other['id']}")
    t.passed("после удаления: GET → 404, в списке её нет")
    app.request("DELETE", f"/todos/{todo['id']}").expect(404, what="удалена дважды")
    app.request("PATCH", "/todos/999999", json_body={"done": True}).expect(
        404, what="изменена несуществующая задача")
    t.passed("DELETE удалённой и PATCH несуществующей → 404")


BAD_POSTS: tuple[tuple[str, str], ...] = (
    ("не JSON", '{"title": "без скобки"'),
    ("два объекта", '{"title": "a"}{"title": "b"}'),
    ("нет title", "{}"),
    ("title — число", '{"title": 5}'),
    ("пустой title", '{"title": ""}'),
    ("title из пробелов", '{"title": "   "}'),
    ("title длиннее 200 символов", '{"title": "' + "ж" * 201 + '"}'),
    ("неизвестное поле", '{"titel": "опечатка"}'),
)


def stage_3(t: Tester) -> None:
    """Every bad request is a 400 with an error, and changes nothing."""
    app = t.server("-data", DATA)
    todo = create(app, "проверить валидацию")
    for what, body in BAD_POSTS:
        _expect_400(app, "POST", "/todos", body, what)
    t.passed("POST с неверными телами → 400 с полем error: " + ", ".join(w for w, _ in BAD_POSTS))
    for what, body in (("пустой PATCH", "{}"), ("done — строка", '{"done": "yes"}'),
                       ("пустой title", '{"title": ""}'), ("не JSON", "done=true")):
        _expect_400(app, "PATCH", f"/todos/{todo['id']}", body, what)
    t.passed("PATCH с неверными телами → 400")
    if listing(app) != [todo]:
        raise CheckFailed("неверные запросы изменили данные", sent="GET /todos",
                          got=str(listing(app)), expected=str([todo]))
    t.passed("после всех неверных запросов список прежний")
    longest = create(app, "ж" * 200)
    t.passed(f"title ровно из 200 символов принят (задача {longest['id']})")


def _expect_400(app: App, method: str, path: str, body: str, what: str) -> None:
    reply = app.request(method, path, body=body, headers={"Content-Type": "application/json"})
    error = reply.expect_json(400, what=f"{what}: запрос не отклонён")
    if not isinstance(error, dict) or not isinstance(error.get("error"), str):
        raise reply.fail(f"{what}: в ответе 400 нет поля error", 'JSON {"error": "..."}')


def stage_4(t: Tester) -> None:
    """The file keeps everything across SIGTERM, kill -9 and concurrent creates."""
    app = t.server("-data", DATA)
    _, b, c = (create(app, title) for title in ("первая", "вторая", "третья"))
    app.request("PATCH", f"/todos/{b['id']}", json_body={"done": True}).expect(200)
    app.request("DELETE", f"/todos/{c['id']}").expect(204)
    before = listing(app)
    ended = app.terminate(grace=3.0)
    if ended.signal or ended.code != 0:
        raise CheckFailed("по SIGTERM сервис не завершился чисто", sent="SIGTERM",
                          got=ended.describe(), expected="код выхода 0")
    app = t.server("-data", DATA)
    after = listing(app)
    if after != before:
        raise CheckFailed("после перезапуска список другой", sent=f"перезапуск с -data {DATA}",
                          got=str(after), expected=str(before))
    t.passed("изменения, SIGTERM, перезапуск: список тот же")
    fresh = create(app, "после перезапуска")
    if fresh["id"] <= c["id"]:
        raise CheckFailed("id удалённой задачи выдан снова", sent="POST /todos после перезапуска",
                          got=f"id {fresh['id']}", expected=f"id больше {c['id']} (удалённой)")
    t.passed(f"новая задача после перезапуска получила id {fresh['id']} > {c['id']}")
    t.kill()
    app = t.server("-data", DATA)
    if fresh not in listing(app):
        raise CheckFailed("задача пропала после kill -9", sent="POST /todos, затем kill -9 и "
                          "перезапуск", got=str(listing(app)), expected=f"в списке есть {fresh}")
    t.passed("kill -9 сразу после создания: задача сохранилась")
    made = app.in_parallel(40, lambda i: create(app, f"параллельная {i}"))
    ids = {todo["id"] for todo in made}
    if len(ids) != 40:
        raise CheckFailed("одновременные создания получили одинаковые id",
                          sent="40 одновременных POST /todos", got=f"разных id: {len(ids)}",
                          expected="40 разных id")
    stored = {todo["id"] for todo in listing(app)}
    if not ids <= stored:
        raise CheckFailed("не все одновременно созданные задачи в списке",
                          sent="40 одновременных POST /todos, затем GET /todos",
                          got=f"нет id {sorted(ids - stored)[:10]}", expected="все 40")
    app.terminate(grace=3.0)
    app = t.server("-data", DATA)
    if not ids <= {todo["id"] for todo in listing(app)}:
        raise CheckFailed("после перезапуска нет части параллельно созданных задач",
                          sent=f"перезапуск с -data {DATA}", got=str(len(listing(app))),
                          expected="все 40 в списке")
    t.passed("40 одновременных POST: 40 разных id, все в списке и в файле")


STAGES: dict[int, StageTest] = {1: stage_1, 2: stage_2, 3: stage_3, 4: stage_4}
