"""Request dependencies: a transaction per request, the acting user, the language.

Server mode signs people in with a cookie that carries a random session token signed with
itsdangerous (the key: GOCOACH_SECRET_KEY). Why not Starlette's SessionMiddleware: it keeps a
whole dict in the cookie and decides `Secure` once for the app, where this cookie holds one
token, is Secure exactly when the request came over https, and ends when its database row is
deleted (sign-out, a password change, a disabled account) — a signed cookie alone cannot be
taken back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import contextmanager_in_threadpool
from fastapi.templating import Jinja2Templates
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from starlette.responses import Response

from gocoach.startup import Database, utc_now
from gocoach.store.engine import transaction
from gocoach.store.settings import Settings
from gocoach.store.tables import User
from gocoach.store.users import ensure_local_user
from gocoach.teams.accounts import require_role
from gocoach.teams.logins import SESSION_LIFETIME, session_user
from gocoach.web.i18n import pick_language
from gocoach.web.wording import Wording, user_zone

SESSION_COOKIE = "gocoach_session"
COOKIE_SALT = "gocoach.login-session"


def session_slots(request: Request) -> anyio.Semaphore:
    """The app's limit on open transactions: one per pooled connection (see create_app)."""
    slots: anyio.Semaphore | None = getattr(request.app.state, "session_slots", None)
    if slots is None:
        settings: Settings = request.app.state.settings
        slots = request.app.state.session_slots = anyio.Semaphore(settings.db_pool_size)
    return slots


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed on success, rolled back on any error.

    The request first waits (without holding a thread) for one of `db_pool_size` slots, so a
    burst queues here instead of failing on an exhausted connection pool. The dependency has
    scope="function": the commit runs when the route returns, BEFORE the response is sent, so
    a 200 means the data is in the database and a failed commit is answered with a 500.
    """
    database: Database = request.app.state.database
    async with session_slots(request), contextmanager_in_threadpool(
            transaction(database.sessions)) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def current_time(request: Request) -> datetime:
    """The current time; tests put a fixed clock in `app.state.clock`."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else utc_now()


class LoginRequired(Exception):
    """Server mode, and nobody (or a session that has ended) is signed in."""


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, as the page header shows it: plain values that outlive the request's
    transaction (an error page is rendered after the rollback)."""

    id: int
    username: str
    display_name: str
    role: str

    @classmethod
    def of(cls, user: User) -> Viewer:
        """The viewer of a loaded user."""
        return cls(id=user.id, username=user.username, display_name=user.display_name,
                   role=user.role)


def _signer(request: Request) -> URLSafeTimedSerializer:
    signer: URLSafeTimedSerializer | None = getattr(request.app.state, "cookie_signer", None)
    if signer is None:
        signer = URLSafeTimedSerializer(request.app.state.secret_key, salt=COOKIE_SALT)
        request.app.state.cookie_signer = signer
    return signer


def session_token(request: Request) -> str | None:
    """The sign-in token of the request's cookie, if its signature holds and it is fresh."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie or len(cookie) > 512:
        return None
    try:
        token = _signer(request).loads(cookie, max_age=int(SESSION_LIFETIME.total_seconds()))
    except BadData:
        return None
    return token if isinstance(token, str) else None


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Put a sign-in token in a signed, HttpOnly, SameSite=Lax cookie (Secure over https)."""
    response.set_cookie(SESSION_COOKIE, _signer(request).dumps(token),
                        max_age=int(SESSION_LIFETIME.total_seconds()), path="/", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")


def clear_session_cookie(request: Request, response: Response) -> None:
    """Remove the sign-in cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")


def get_user(request: Request, session: SessionDep) -> User:
    """The acting user: the local user in local mode; in server mode the signed-in user, else
    LoginRequired (a redirect to /login, or a 401)."""
    settings: Settings = request.app.state.settings
    if settings.mode != "server":
        user = ensure_local_user(session, now=utc_now())
    else:
        token = session_token(request)
        found = session_user(session, token, now=current_time(request)) if token else None
        if found is None:
            raise LoginRequired()
        user = found
    request.state.viewer = Viewer.of(user)
    return user


CurrentUser = Annotated[User, Depends(get_user)]


def get_admin(user: CurrentUser) -> User:
    """The acting user if an admin (AccessDenied, a 403, otherwise)."""
    require_role(user, "admin")
    return user


AdminUser = Annotated[User, Depends(get_admin)]


def get_content_editor(request: Request, user: CurrentUser) -> User:
    """Who may change shared content (import roadmaps): anyone locally, admins on a server."""
    settings: Settings = request.app.state.settings
    if settings.mode == "server":
        require_role(user, "admin")
    return user


ContentEditor = Annotated[User, Depends(get_content_editor)]


@dataclass
class Page:
    """Renders templates in the request's language and the user's time zone."""

    request: Request
    lang: str
    settings: Settings
    words: Wording = field(init=False)  # texts, plurals, dates and numbers of the language

    def __post_init__(self) -> None:
        self.words = Wording(self.lang, user_zone(self.settings.timezone))

    def t(self, key: str, /, **params: Any) -> str:
        """Translate an interface text (`{name}` placeholders filled from `params`)."""
        return self.words.t(key, **params)

    def tn(self, key: str, count: int, /, **params: Any) -> str:
        """The plural form of an interface text for `count`."""
        return self.words.tn(key, count, **params)

    def render(self, template: str, status_code: int = 200, **context: Any) -> Response:
        """A template response with the language helpers in its context: t(), tn(), fmt
        (dates, numbers), and gettext/ngettext for Jinja2's i18n extension (`_()`)."""
        templates: Jinja2Templates = self.request.app.state.templates
        base = template_context(self.words, self.request, self.settings)
        return templates.TemplateResponse(
            self.request, template, {**base, **context}, status_code=status_code
        )


def template_context(words: Wording, request: Request, settings: Settings) -> dict[str, Any]:
    """What every template may use: the language helpers, the viewer, the mode.

    gettext/ngettext go in the context, not in the shared Jinja2 environment: requests in
    both languages render at once on the thread pool, and install_gettext_translations would
    change the environment under all of them.
    """
    return {"lang": words.lang, "t": words.t, "tn": words.tn, "fmt": words,
            "gettext": words.gettext, "ngettext": words.ngettext,
            "me": getattr(request.state, "viewer", None),
            "server_mode": settings.mode == "server"}


def get_page(request: Request) -> Page:
    """The page renderer for this request."""
    settings: Settings = request.app.state.settings
    lang = pick_language(
        request.cookies.get("lang"), request.headers.get("accept-language"), settings.language
    )
    return Page(request=request, lang=lang, settings=settings)


PageDep = Annotated[Page, Depends(get_page)]
Translator = Callable[[str], str]
