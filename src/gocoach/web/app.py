"""create_app(): the FastAPI web app with Jinja2 templates and HTMX, assets shipped inside."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from gocoach.backup.archive import BackupError
from gocoach.curricula.decoding import DocumentError
from gocoach.practice.service import open_grading
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
    routes_questions,
    routes_roadmaps,
)
from gocoach.web.deps import LoginRequired, get_user
from gocoach.web.i18n import LANGUAGES, pick_language, translate
from gocoach.web.security import add_security, resolve_secret_key

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
        if request.headers.get("hx-request"):
            return PlainTextResponse(str(exc), status_code=status)
        lang = pick_language(
            request.cookies.get("lang"), request.headers.get("accept-language"), settings.language
        )
        templates: Jinja2Templates = request.app.state.templates
        return templates.TemplateResponse(
            request,
            "error.html",
            {"message": str(exc), "lang": lang, "t": lambda key: translate(key, lang),
             "me": getattr(request.state, "viewer", None),
             "server_mode": settings.mode == "server"},
            status_code=status,
        )

    return handle


__all__ = ["HTMLResponse", "create_app"]
