"""Stages of the TODO list service (content/projects/todo)."""

from __future__ import annotations

from typing import Any

from gocoach.projects.checks import App, CheckFailed, Reply, StageTest, Tester
from gocoach.projects.said import Lines, Said

DATA = "todos.json"
SHAPE = Said("pj.check.todo.shape")


def check_todo(reply: Reply, todo: Any, **wanted: Any) -> dict[str, Any]:
    """A well-formed todo, with the fields `wanted`."""
    if (not isinstance(todo, dict) or type(todo.get("id")) is not int
            or not isinstance(todo.get("title"), str) or type(todo.get("done")) is not bool):
        raise reply.fail(Said("pj.check.todo.not_todo"), SHAPE)
    for key, value in wanted.items():
        if todo.get(key) != value:
            raise reply.fail(Said("pj.check.field_is", field=key, value=repr(todo.get(key))),
                             f'"{key}": {value!r}')
    return todo


def _json_type(reply: Reply) -> None:
    if "application/json" not in reply.headers.get("content-type", ""):
        raise reply.fail(Said("pj.check.json_type"), "Content-Type: application/json")


def create(app: App, title: str) -> dict[str, Any]:
    """POST /todos, checked: 201 and the new todo."""
    reply = app.request("POST", "/todos", json_body={"title": title})
    todo = check_todo(reply, reply.expect_json(201, what=Said("pj.check.todo.not_created")),
                      title=title, done=False)
    _json_type(reply)
    return todo


def listing(app: App) -> list[dict[str, Any]]:
    """GET /todos, checked: a list of todos sorted by id."""
    reply = app.request("GET", "/todos")
    todos = reply.expect_json(200, what=Said("pj.check.todo.no_list"))
    if not isinstance(todos, list):
        raise reply.fail(Said("pj.check.todo.not_array"), Said("pj.check.todo.array"))
    for todo in todos:
        check_todo(reply, todo)
    ids = [todo["id"] for todo in todos]
    if ids != sorted(ids):
        raise reply.fail(Said("pj.check.todo.unsorted"), Said("pj.check.todo.sorted"))
    return todos


def read(app: App, todo_id: int) -> dict[str, Any]:
    """GET /todos/{id}, checked."""
    reply = app.request("GET", f"/todos/{todo_id}")
    return check_todo(reply, reply.expect_json(
        200, what=Said("pj.check.task_not_found", id=todo_id)), id=todo_id)


def stage_1(t: Tester) -> None:
    """Create two todos and read them back, one by one and as a list."""
    app = t.server("-data", DATA)
    empty = app.request("GET", "/todos")
    if empty.expect(200, what=Said("pj.check.todo.no_list")).json() != []:
        raise empty.fail(Said("pj.check.todo.empty_not_list"), Said("pj.check.todo.empty_list"))
    t.passed(Said("pj.check.todo.ok.empty"))
    first, second = create(app, "купить молоко"), create(app, "write the report")
    if first["id"] == second["id"]:
        raise CheckFailed(Said("pj.check.todo.same_id"), sent="2 × POST /todos",
                          got=Said("pj.check.two_ids", first=first["id"], second=second["id"]),
                          expected=Said("pj.check.distinct_ids"))
    t.passed(Said("pj.check.todo.ok.created", first=first["id"], second=second["id"]))
    if read(app, first["id"]) != first:
        raise CheckFailed(Said("pj.check.todo.read_differs"),
                          sent=f"GET /todos/{first['id']}", got=str(read(app, first["id"])),
                          expected=str(first))
    t.passed(Said("pj.check.todo.ok.read", id=first["id"]))
    todos = listing(app)
    if todos != [first, second]:
        raise CheckFailed(Said("pj.check.todo.list_differs"), sent="GET /todos", got=str(todos),
                          expected=str([first, second]))
    t.passed(Said("pj.check.todo.ok.list"))
    app.request("GET", "/todos/999999").expect(404, what=Said("pj.check.todo.unknown_found"))
    t.passed("GET /todos/999999 → 404")


def stage_2(t: Tester) -> None:
    """PATCH changes only what is sent; DELETE removes; unknown ids are 404."""
    app = t.server("-data", DATA)
    todo = create(app, "прочитать книгу")
    other = create(app, "позвонить")
    reply = app.request("PATCH", f"/todos/{todo['id']}", json_body={"done": True})
    check_todo(reply, reply.expect_json(200, what=Said("pj.check.todo.not_changed")),
               id=todo["id"], title="прочитать книгу", done=True)
    t.passed(Said("pj.check.todo.ok.patch_done"))
    reply = app.request("PATCH", f"/todos/{todo['id']}", json_body={"title": "прочитать две"})
    check_todo(reply, reply.expect_json(200, what=Said("pj.check.todo.not_changed")),
               id=todo["id"], title="прочитать две", done=True)
    t.passed(Said("pj.check.todo.ok.patch_title"))
    if read(app, todo["id"]) != {"id": todo["id"], "title": "прочитать две", "done": True}:
        raise CheckFailed(Said("pj.check.todo.not_saved"), sent=f"GET /todos/{todo['id']}",
                          got=str(read(app, todo["id"])), expected=Said("pj.check.todo.changed"))
    deleted = app.request("DELETE", f"/todos/{todo['id']}").expect(
        204, what=Said("pj.check.todo.not_deleted"))
    if deleted.body:
        raise deleted.fail(Said("pj.check.todo.body_204"), Said("pj.check.todo.empty_body"))
    t.passed("DELETE → 204")
    app.request("GET", f"/todos/{todo['id']}").expect(
        404, what=Said("pj.check.todo.deleted_found"))
    if [x["id"] for x in listing(app)] != [other["id"]]:
        raise CheckFailed(Said("pj.check.todo.deleted_listed"), sent="GET /todos",
                          got=str(listing(app)),
                          expected=Said("pj.check.todo.only", id=other["id"]))
    t.passed(Said("pj.check.todo.ok.deleted"))
    app.request("DELETE", f"/todos/{todo['id']}").expect(
        404, what=Said("pj.check.todo.deleted_twice"))
    app.request("PATCH", "/todos/999999", json_body={"done": True}).expect(
        404, what=Said("pj.check.todo.unknown_changed"))
    t.passed(Said("pj.check.todo.ok.unknown"))


BAD_POSTS: tuple[tuple[Said, str], ...] = (
    (Said("pj.check.bad.not_json"), '{"title": "без скобки"'),
    (Said("pj.check.bad.two_objects"), '{"title": "a"}{"title": "b"}'),
    (Said("pj.check.bad.no_field", field="title"), "{}"),
    (Said("pj.check.bad.number", field="title"), '{"title": 5}'),
    (Said("pj.check.bad.empty", field="title"), '{"title": ""}'),
    (Said("pj.check.bad.spaces", field="title"), '{"title": "   "}'),
    (Said("pj.check.bad.too_long", field="title", max=200), '{"title": "' + "ж" * 201 + '"}'),
    (Said("pj.check.bad.unknown_field"), '{"titel": "опечатка"}'),
)


def stage_3(t: Tester) -> None:
    """Every bad request is a 400 with an error, and changes nothing."""
    app = t.server("-data", DATA)
    todo = create(app, "проверить валидацию")
    for what, body in BAD_POSTS:
        _expect_400(app, "POST", "/todos", body, what)
    t.passed(Said("pj.check.todo.ok.bad_posts",
                  cases=Lines(*(w for w, _ in BAD_POSTS), sep=", ")))
    for what, body in ((Said("pj.check.todo.empty_patch"), "{}"),
                       (Said("pj.check.bad.string", field="done"), '{"done": "yes"}'),
                       (Said("pj.check.bad.empty", field="title"), '{"title": ""}'),
                       (Said("pj.check.bad.not_json"), "done=true")):
        _expect_400(app, "PATCH", f"/todos/{todo['id']}", body, what)
    t.passed(Said("pj.check.todo.ok.bad_patches"))
    if listing(app) != [todo]:
        raise CheckFailed(Said("pj.check.todo.bad_changed"), sent="GET /todos",
                          got=str(listing(app)), expected=str([todo]))
    t.passed(Said("pj.check.todo.ok.unchanged"))
    longest = create(app, "ж" * 200)
    t.passed(Said("pj.check.todo.ok.longest", id=longest["id"]))


def _expect_400(app: App, method: str, path: str, body: str, what: Said) -> None:
    reply = app.request(method, path, body=body, headers={"Content-Type": "application/json"})
    error = reply.expect_json(400, what=Said("pj.check.not_refused", what=what))
    if not isinstance(error, dict) or not isinstance(error.get("error"), str):
        raise reply.fail(Said("pj.check.no_error_field_of", what=what), 'JSON {"error": "..."}')


def stage_4(t: Tester) -> None:
    """The file keeps everything across SIGTERM, kill -9 and concurrent creates."""
    app = t.server("-data", DATA)
    _, b, c = (create(app, title) for title in ("первая", "вторая", "третья"))
    app.request("PATCH", f"/todos/{b['id']}", json_body={"done": True}).expect(200)
    app.request("DELETE", f"/todos/{c['id']}").expect(204)
    before = listing(app)
    ended = app.terminate(grace=3.0)
    if ended.signal or ended.code != 0:
        raise CheckFailed(Said("pj.check.sigterm_unclean"), sent="SIGTERM",
                          got=ended.describe(), expected=Said("pj.check.exit_zero"))
    app = t.server("-data", DATA)
    after = listing(app)
    restart = Said("pj.check.restart", file=DATA)
    if after != before:
        raise CheckFailed(Said("pj.check.todo.restart_differs"), sent=restart,
                          got=str(after), expected=str(before))
    t.passed(Said("pj.check.todo.ok.restart"))
    fresh = create(app, "после перезапуска")
    if fresh["id"] <= c["id"]:
        raise CheckFailed(Said("pj.check.todo.id_reused"),
                          sent=Said("pj.check.todo.post_after_restart"), got=f"id {fresh['id']}",
                          expected=Said("pj.check.todo.id_above", id=c["id"]))
    t.passed(Said("pj.check.todo.ok.new_id", id=fresh["id"], deleted=c["id"]))
    t.kill()
    app = t.server("-data", DATA)
    if fresh not in listing(app):
        raise CheckFailed(Said("pj.check.todo.lost_on_kill"),
                          sent=Said("pj.check.then", first="POST /todos",
                                    then=Said("pj.check.todo.kill_restart")),
                          got=str(listing(app)),
                          expected=Said("pj.check.todo.listed", todo=str(fresh)))
    t.passed(Said("pj.check.todo.ok.kill"))
    made = app.in_parallel(40, lambda i: create(app, f"параллельная {i}"))
    ids = {todo["id"] for todo in made}
    at_once = Said("pj.check.at_once", count=40, request="POST /todos")
    if len(ids) != 40:
        raise CheckFailed(Said("pj.check.todo.same_ids"), sent=at_once,
                          got=Said("pj.check.distinct_count", count=len(ids)),
                          expected=Said("pj.check.distinct_expected", count=40))
    stored = {todo["id"] for todo in listing(app)}
    if not ids <= stored:
        raise CheckFailed(Said("pj.check.todo.not_all_listed"),
                          sent=Said("pj.check.then", first=at_once, then="GET /todos"),
                          got=Said("pj.check.todo.missing_ids", ids=str(sorted(ids - stored)[:10])),
                          expected=Said("pj.check.todo.all_40"))
    app.terminate(grace=3.0)
    app = t.server("-data", DATA)
    if not ids <= {todo["id"] for todo in listing(app)}:
        raise CheckFailed(Said("pj.check.todo.lost_on_restart"), sent=restart,
                          got=str(len(listing(app))), expected=Said("pj.check.todo.all_40_listed"))
    t.passed(Said("pj.check.todo.ok.parallel"))


STAGES: dict[int, StageTest] = {1: stage_1, 2: stage_2, 3: stage_3, 4: stage_4}
