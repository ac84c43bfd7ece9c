"""Request dependencies: a transaction per request, the acting user, the language."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.responses import Response

from gocoach.startup import Database, utc_now
from gocoach.store.engine import transaction
from gocoach.store.settings import Settings
from gocoach.store.tables import User
from gocoach.store.users import ensure_local_user
from gocoach.web.i18n import pick_language, translate


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed on success, rolled back on any error."""
    database: Database = request.app.state.database
    with transaction(database.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


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
