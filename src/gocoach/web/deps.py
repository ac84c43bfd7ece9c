"""Request dependencies: a transaction per request, the acting user, the language."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import contextmanager_in_threadpool
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.responses import Response

from gocoach.startup import Database, utc_now
from gocoach.store.engine import transaction
from gocoach.store.settings import Settings
from gocoach.store.tables import User
from gocoach.store.users import ensure_local_user
from gocoach.web.i18n import pick_language, translate


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


def get_user(session: SessionDep) -> User:
    """The acting user: the local user until accounts arrive."""
    return ensure_local_user(session, now=utc_now())


CurrentUser = Annotated[User, Depends(get_user)]


@dataclass
class Page:
    """Renders templates in the request's language."""

    request: Request
    lang: str
    settings: Settings

    def t(self, key: str) -> str:
        """Translate an interface text."""
        return translate(key, self.lang)

    def render(self, template: str, status_code: int = 200, **context: Any) -> Response:
        """A template response with the language helpers in its context."""
        templates: Jinja2Templates = self.request.app.state.templates
        base: dict[str, Any] = {"lang": self.lang, "t": self.t}
        return templates.TemplateResponse(
            self.request, template, {**base, **context}, status_code=status_code
        )


def get_page(request: Request) -> Page:
    """The page renderer for this request."""
    settings: Settings = request.app.state.settings
    lang = pick_language(
        request.cookies.get("lang"), request.headers.get("accept-language"), settings.language
    )
    return Page(request=request, lang=lang, settings=settings)


PageDep = Annotated[Page, Depends(get_page)]
Translator = Callable[[str], str]
