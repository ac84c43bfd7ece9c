"""Accounts in server mode: sign in and out, sign up by invitation, your account, and the
admin's page of users and invitations. Local mode has none of it (these pages answer 404)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from gocoach.store.settings import Settings
from gocoach.store.tables import User
from gocoach.teams.accounts import (
    ROLES,
    AccessDenied,
    AccountError,
    change_password,
    create_user,
    get_user,
    list_users,
    set_disabled,
    set_display_name,
    set_password,
    set_role,
)
from gocoach.teams.cohorts import get_cohort, list_cohorts
from gocoach.teams.invitations import (
    DEFAULT_DAYS,
    accept_invitation,
    create_invitation,
    list_invitations,
    open_invitation,
)
from gocoach.teams.logins import authenticate, close_session, open_session, token_digest
from gocoach.teams.passwords import MIN_LENGTH, PasswordRuleError
from gocoach.web.deps import (
    SESSION_COOKIE,
    AdminUser,
    CurrentUser,
    LoginRequired,
    Page,
    PageDep,
    SessionDep,
    clear_session_cookie,
    current_time,
    session_token,
    set_session_cookie,
)
from gocoach.web.i18n import pick_language, translate


def require_server_mode(request: Request) -> None:
    """Accounts exist in server mode only; in local mode these pages are not there."""
    settings: Settings = request.app.state.settings
    if settings.mode != "server":
        raise LookupError("accounts exist in server mode only (GOCOACH_MODE=server)")


public = APIRouter(dependencies=[Depends(require_server_mode)])
router = APIRouter(dependencies=[Depends(require_server_mode)])
INVITATION_GONE = {"invitation_unknown": 404, "invitation_used": 410, "invitation_expired": 410}


def error_text(page: Page, exc: Exception) -> str:
    """An account error in the page's language (the English message when there is no text)."""
    key = f"acct.err.{getattr(exc, 'key', '')}"
    text = page.t(key)
    return str(exc) if text == key else text


def safe_next(target: str) -> str:
    """Where to go after signing in: a path of this site, else the home page."""
    target = target.strip()
    if (not target.startswith("/") or target.startswith("//") or "\\" in target
            or len(target) > 2000 or any(ord(c) < 32 for c in target)):
        return "/"
    return target


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# --- signing in and out --------------------------------------------------------------------


@public.get("/login")
def read_login(page: PageDep, next: str = "/") -> Response:
    """The sign-in form."""
    return page.render("login.html", next=safe_next(next), error=None, username="")


@public.post("/login")
def create_login(
    request: Request, session: SessionDep, page: PageDep,
    username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password; a session cookie and the page asked for, or the form again."""
    outcome = authenticate(session, username=username, password=password,
                           address=_address(request), now=current_time(request))
    shown = username.strip()[:80]
    if outcome.retry_after is not None:
        minutes = max(1, round(outcome.retry_after / timedelta(minutes=1)))
        message = page.t("login.throttled").format(minutes=minutes)
        response = page.render("login.html", status_code=429, next=safe_next(next),
                               error=message, username=shown)
        response.headers["Retry-After"] = str(int(outcome.retry_after.total_seconds()) + 1)
        return response
    if outcome.user is None:
        return page.render("login.html", status_code=401, next=safe_next(next),
                           error=page.t("login.wrong"), username=shown)
    return _signed_in(request, session, outcome.user, safe_next(next))


def _signed_in(request: Request, session: Session, user: User, target: str) -> Response:
    token = open_session(session, user=user, now=current_time(request))
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, token)
    return response


@public.post("/logout")
def delete_login(request: Request, session: SessionDep) -> Response:
    """Sign out: this session ends and its cookie is removed."""
    token = session_token(request)
    if token:
        close_session(session, token)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(request, response)
    return response


def login_required(request: Request, exc: Exception) -> Response:
    """Nobody signed in: pages redirect to /login; HTMX, JSON and form posts get a 401."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login = f"/login?{urlencode({'next': safe_next(target)})}"
    accept = request.headers.get("accept", "")
    htmx = bool(request.headers.get("hx-request"))
    wants_json = "json" in accept and "html" not in accept
    response: Response
    if request.method in ("GET", "HEAD") and not htmx and not wants_json:
        response = RedirectResponse(login, status_code=303)
    else:
        settings: Settings = request.app.state.settings
        lang = pick_language(request.cookies.get("lang"), request.headers.get("accept-language"),
                             settings.language)
        response = PlainTextResponse(translate("login.required", lang), status_code=401,
                                     headers={"HX-Redirect": login} if htmx else None)
    if request.cookies.get(SESSION_COOKIE):
        clear_session_cookie(request, response)
    return response


def access_denied(request: Request, exc: Exception) -> Response:
    """A role that may not do this: a 403 with the reason."""
    settings: Settings = request.app.state.settings
    lang = pick_language(request.cookies.get("lang"), request.headers.get("accept-language"),
                         settings.language)
    message = translate("acct.denied", lang)
    if request.headers.get("hx-request"):
        return PlainTextResponse(message, status_code=403)
    page = Page(request=request, lang=lang, settings=settings)
    return page.render("error.html", status_code=403, message=message)


# --- sign-up by invitation -----------------------------------------------------------------


@public.get("/invite/{token}")
def read_invitation(token: str, request: Request, session: SessionDep,
                    page: PageDep) -> Response:
    """The sign-up form of an invitation link (or why the link no longer works)."""
    try:
        invitation = open_invitation(session, token, now=current_time(request))
    except AccountError as exc:
        return page.render("error.html", status_code=INVITATION_GONE.get(exc.key, 400),
                           message=error_text(page, exc))
    return page.render("invite.html", token=token, invitation=invitation, error=None,
                       username="", display_name="", min_length=MIN_LENGTH)


@public.post("/invite/{token}")
def accept_invitation_page(
    token: str, request: Request, session: SessionDep, page: PageDep,
    username: Annotated[str, Form()] = "", display_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "",
) -> Response:
    """Make the account, sign it in and go to the home page."""
    now = current_time(request)
    try:
        if password != confirm:
            raise AccountError("confirm", "the two passwords differ")
        user = accept_invitation(session, token=token, username=username, password=password,
                                 display_name=display_name, now=now)
    except (AccountError, PasswordRuleError) as exc:
        session.rollback()
        status = INVITATION_GONE.get(getattr(exc, "key", ""), 400)
        if status != 400:
            return page.render("error.html", status_code=status, message=error_text(page, exc))
        invitation = open_invitation(session, token, now=now)
        return page.render("invite.html", status_code=400, token=token, invitation=invitation,
                           error=error_text(page, exc), username=username.strip()[:80],
                           display_name=display_name.strip()[:200], min_length=MIN_LENGTH)
    return _signed_in(request, session, user, "/")


# --- your account --------------------------------------------------------------------------


def _account(page: Page, user: User, status: int = 200, **context: Any) -> Response:
    context = {"error": None, "notice": None, "min_length": MIN_LENGTH, **context}
    return page.render("account.html", status_code=status, account=user, **context)


@router.get("/account")
def read_account(user: CurrentUser, page: PageDep, changed: str = "") -> Response:
    """Your name, role and the password form."""
    notice = page.t(f"account.changed_{changed}") if changed in ("password", "name") else None
    return _account(page, user, notice=notice)


@router.post("/account/password")
def update_password(
    request: Request, session: SessionDep, user: CurrentUser, page: PageDep,
    current: Annotated[str, Form()] = "", new: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Change your password; your other sessions end, this one stays."""
    token = session_token(request)
    try:
        if new != confirm:
            raise AccountError("confirm", "the two passwords differ")
        change_password(session, user=user, current=current, new=new,
                        keep_token_hash=token_digest(token) if token else None)
    except (AccountError, PasswordRuleError) as exc:
        session.rollback()
        return _account(page, user, 400, error=error_text(page, exc))
    return RedirectResponse("/account?changed=password", status_code=303)


@router.post("/account/name")
def update_display_name(session: SessionDep, user: CurrentUser, page: PageDep,
                        display_name: Annotated[str, Form()] = "") -> Response:
    """Change the name shown on pages and to your mentor."""
    try:
        set_display_name(user, display_name)
    except AccountError as exc:
        session.rollback()
        return _account(page, user, 400, error=error_text(page, exc))
    return RedirectResponse("/account?changed=name", status_code=303)


# --- the admin's users page ----------------------------------------------------------------


def _users_page(request: Request, session: Session, page: Page, status: int = 200,
                **context: Any) -> Response:
    now = current_time(request)
    context = {"error": None, "notice": None, "link": None, **context}
    return page.render("admin_users.html", status_code=status, users=list_users(session),
                       invitations=list_invitations(session, now=now),
                       cohorts=list_cohorts(session), roles=ROLES, min_length=MIN_LENGTH,
                       default_days=DEFAULT_DAYS, **context)


@router.get("/admin/users")
def list_users_page(request: Request, session: SessionDep, admin: AdminUser,
                    page: PageDep) -> Response:
    """Every user with their role, the forms to add one and to invite people."""
    return _users_page(request, session, page)


@router.post("/admin/users")
def create_user_page(
    request: Request, session: SessionDep, admin: AdminUser, page: PageDep,
    username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "learner", display_name: Annotated[str, Form()] = "",
) -> Response:
    """Add a user with a first password (they can change it on their account page)."""
    try:
        user = create_user(session, username=username, password=password, role=role,
                           display_name=display_name, now=current_time(request))
    except (AccountError, PasswordRuleError) as exc:
        session.rollback()
        return _users_page(request, session, page, 400, error=error_text(page, exc))
    return _users_page(request, session, page,
                       notice=page.t("admin.created").format(name=user.username))


@router.post("/admin/invitations")
def create_invitation_page(
    request: Request, session: SessionDep, admin: AdminUser, page: PageDep,
    role: Annotated[str, Form()] = "learner", cohort: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = str(DEFAULT_DAYS),
) -> Response:
    """Make a single-use sign-up link; it is shown once, here."""
    try:
        if not days.strip().isdigit() or len(days.strip()) > 3:
            raise AccountError("days", "an invitation lasts 1 to 90 days")
        chosen = get_cohort(session, cohort) if cohort.strip() else None
        made = create_invitation(session, role=role, cohort=chosen, days=int(days),
                                 created_by=admin, now=current_time(request))
    except (AccountError, LookupError) as exc:
        session.rollback()
        return _users_page(request, session, page, 400, error=error_text(page, exc))
    link = str(request.base_url).rstrip("/") + made.path()
    return _users_page(request, session, page, link=link)


def _managed(session: Session, admin: User, username: str) -> User:
    user = get_user(session, username)
    if user.id == admin.id:
        raise AccountError("self", "change your own account on your account page")
    if user.is_local:
        raise AccessDenied("the local user of local mode has no account")
    return user


@router.post("/admin/users/{username}/password")
def reset_password_page(request: Request, username: str, session: SessionDep, admin: AdminUser,
                        page: PageDep, password: Annotated[str, Form()] = "") -> Response:
    """Give a user a new password; their sessions end."""
    try:
        user = _managed(session, admin, username)
        set_password(session, user=user, password=password)
    except (AccountError, PasswordRuleError) as exc:
        session.rollback()
        return _users_page(request, session, page, 400, error=error_text(page, exc))
    return _users_page(request, session, page,
                       notice=page.t("admin.reset").format(name=user.username))


@router.post("/admin/users/{username}/role")
def update_role_page(request: Request, username: str, session: SessionDep, admin: AdminUser,
                     page: PageDep, role: Annotated[str, Form()] = "") -> Response:
    """Change a user's role."""
    try:
        set_role(session, user=_managed(session, admin, username), role=role)
    except AccountError as exc:
        session.rollback()
        return _users_page(request, session, page, 400, error=error_text(page, exc))
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}/disabled")
def update_disabled_page(request: Request, username: str, session: SessionDep,
                         admin: AdminUser, page: PageDep,
                         disabled: Annotated[str, Form()] = "true") -> Response:
    """Stop a user signing in (their sessions end), or let them in again."""
    try:
        user = _managed(session, admin, username)
        set_disabled(session, user=user, disabled=disabled.strip().lower() in ("true", "1", "on"))
    except AccountError as exc:
        session.rollback()
        return _users_page(request, session, page, 400, error=error_text(page, exc))
    return RedirectResponse("/admin/users", status_code=303)


__all__ = ["LoginRequired", "access_denied", "login_required", "public", "router"]
