"""create_app(): the FastAPI web app with Jinja2 templates and HTMX, assets shipped inside."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from gocoach.backup.archive import BackupError
from gocoach.curricula.decoding import DocumentError
from gocoach.practice.service import open_grading
from gocoach.questions.rendering import render_inline, render_markdown
from gocoach.startup import open_database
from gocoach.store.settings import Settings
from gocoach.teams.accounts import AccessDenied
from gocoach.web import (
    routes_accounts,
    routes_cohorts,
    routes_dashboard,
    routes_drills,
    routes_exercises,
    routes_interviews,
    routes_plans,
    routes_projects,
    routes_questions,
    routes_roadmaps,
)
from gocoach.web.deps import LoginRequired, Page, get_user
from gocoach.web.grader_wording import grader_filter
from gocoach.web.i18n import LANGUAGES, pick_language
from gocoach.web.security import add_security, resolve_secret_key
from gocoach.web.tester_wording import tester_filter

HERE = Path(__file__).parent


def create_app(settings: Settings) -> FastAPI:
    """Build the app; the database is opened (migrated, seeded) when it starts.

    Server mode without a proper GOCOACH_SECRET_KEY raises SecretKeyError here.
    """
    secret_key = resolve_secret_key(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync routes and dependencies run on anyio's worker threads; requests wait for one of
        # db_pool_size transaction slots (deps.get_session) without holding a thread.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        app.state.session_slots = anyio.Semaphore(settings.db_pool_size)
        app.state.database, _ = open_database(settings)
        app.state.grading = open_grading(settings)
        yield
        app.state.grading.close()
        app.state.database.engine.dispose()

    # no /openapi.json either: nothing reads it, and in server mode it would be open to anyone
    app = FastAPI(title="gocoach", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.settings = settings
    app.state.secret_key = secret_key
    templates = Jinja2Templates(directory=HERE / "templates")
    # {% trans %}, _() and ngettext() in templates; the callables come with each page's
    # context in its language (deps.template_context)
    templates.env.add_extension("jinja2.ext.i18n")
    templates.env.filters["inline"] = render_inline  # one line of bank Markdown → safe HTML
    templates.env.filters["markdown"] = render_markdown
    templates.env.filters["grader"] = grader_filter  # the grader's reasons in the page's language
    templates.env.filters["tester"] = tester_filter  # the project testers' messages, likewise
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # Every page needs a signed-in user in server mode (the dependency is cached, so routes
    # that also ask for CurrentUser resolve it once); only the accounts' public pages, /lang,
    # /healthz and /static are open.
    signed_in = [Depends(get_user)]
    app.include_router(routes_accounts.public)
    app.include_router(routes_accounts.router, dependencies=signed_in)
    app.include_router(routes_cohorts.router, dependencies=signed_in)
    app.include_router(routes_roadmaps.router, dependencies=signed_in)
    app.include_router(routes_plans.router, dependencies=signed_in)
    app.include_router(routes_dashboard.router, dependencies=signed_in)
    app.include_router(routes_questions.router, dependencies=signed_in)
    app.include_router(routes_drills.router, dependencies=signed_in)
    app.include_router(routes_interviews.router, dependencies=signed_in)
    app.include_router(routes_exercises.router, dependencies=signed_in)
    app.include_router(routes_projects.router, dependencies=signed_in)
    _add_basics(app, settings)
    add_security(app, settings)
    return app


def _add_basics(app: FastAPI, settings: Settings) -> None:
    @app.get("/lang/{code}", include_in_schema=False)
    def switch_language(code: str, request: Request) -> RedirectResponse:
        response = RedirectResponse(_back_to(request), status_code=303)
        if code in LANGUAGES:
            response.set_cookie("lang", code, max_age=365 * 86400, samesite="lax")
        return response

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:  # browsers ask for it on every page, signed in or not
        return FileResponse(HERE / "static" / "favicon.ico", media_type="image/x-icon")

    @app.get("/healthz", include_in_schema=False)
    async def health() -> PlainTextResponse:  # async: answers even when every thread is busy
        return PlainTextResponse("ok")

    for error, status in (
        (DocumentError, 400),
        (BackupError, 400),
        (LookupError, 404),
        (ValueError, 400),
    ):
        app.add_exception_handler(error, _error_handler(status, settings))
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(LoginRequired, routes_accounts.login_required)
    app.add_exception_handler(AccessDenied, routes_accounts.access_denied)


def _back_to(request: Request) -> str:
    """The page to go back to: the Referer's path when it is this site, else the home page."""
    referer = urlsplit(request.headers.get("referer") or "/")
    if referer.netloc and referer.netloc.lower() != request.headers.get("host", "").lower():
        return "/"
    path = referer.path if referer.path.startswith("/") and not referer.path.startswith("//") \
        else "/"
    return f"{path}?{referer.query}" if referer.query else path


def _error_handler(status: int, settings: Settings):  # type: ignore[no-untyped-def]
    def handle(request: Request, exc: Exception) -> Response:
        lang = pick_language(
            request.cookies.get("lang"), request.headers.get("accept-language"), settings.language
        )
        page = Page(request=request, lang=lang, settings=settings)
        message = page.words.error(exc, status)
        if request.headers.get("hx-request"):
            return PlainTextResponse(message, status_code=status)
        return page.render("error.html", status_code=status, message=message)

    return handle


async def _http_error(request: Request, exc: Exception) -> Response:
    """An unknown address or method: the error page in the interface language (JSON clients
    keep FastAPI's answer)."""
    assert isinstance(exc, StarletteHTTPException)
    accept = request.headers.get("accept", "")
    if exc.status_code not in (404, 405) or ("json" in accept and "html" not in accept):
        return await http_exception_handler(request, exc)
    settings: Settings = request.app.state.settings
    lang = pick_language(
        request.cookies.get("lang"), request.headers.get("accept-language"), settings.language
    )
    page = Page(request=request, lang=lang, settings=settings)
    key = "err.not_found" if exc.status_code == 404 else "err.method"
    if request.headers.get("hx-request"):
        return PlainTextResponse(page.t(key), status_code=exc.status_code)
    response = page.render("error.html", status_code=exc.status_code, message=page.t(key))
    response.headers.update(exc.headers or {})
    return response


__all__ = ["HTMLResponse", "create_app"]
