"""Web security: allowed hosts, cross-origin (CSRF) refusal, security headers, the secret key.

Three pure ASGI middlewares, outermost first (see `install`):

- `SecurityHeaders` adds a Content-Security-Policy and friends to every response, refusals
  included;
- `HostCheck` answers 400 to a Host header that is not one of the app's names (DNS rebinding),
  in the interface language (the setting, the `lang` cookie, the browser's), in both languages
  when none is known;
- `OriginCheck` answers 403 to a state-changing request (POST, PUT, PATCH, DELETE) that a
  browser sends from another origin — OWASP's "verify origin with standard headers":

  1. `Sec-Fetch-Site: same-origin` or `none` (typed by the user) passes; `cross-site` or
     `same-site` (another port of localhost, a sibling subdomain) is refused unless the
     `Origin` is a trusted one;
  2. otherwise the `Origin` header, or when a browser left it out the origin of `Referer`,
     must be the app's own (`scheme://Host`, the Host being checked already) or listed in
     GOCOACH_TRUSTED_ORIGINS; `Origin: null` is refused;
  3. a request with none of the three headers passes, in both modes. Every browser that can
     carry the user's cookies sends `Sec-Fetch-Site` (Chrome 76, Firefox 90, Safari 16.4) or at
     least `Origin` on a POST, so such a request comes from a program (curl, the tests, a
     script) that holds no credentials it did not already have — there is nothing to forge.
     Go's `net/http.CrossOriginProtection` makes the same choice.

Why no token: the check needs no state and no template change, covers HTMX and plain forms
alike, and the cookies the app sets are `SameSite=Lax`, so a cross-site POST never carries them
in the first place; the origin check also stops what SameSite does not: same-site attackers
(another app on another port of localhost) and the local mode, which has no cookie to protect.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gocoach.store.settings import Settings
from gocoach.web.i18n import LANGUAGES, pick_language, translate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}

# No inline scripts in the templates (data goes in <script type="application/json">, which is
# not executed); style="width:…" attributes on the bars need 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)

ORIGIN_REFUSED = (
    "Refused: this request came from another site (cross-origin). "
    "Open gocoach itself and try again; a reverse proxy's public origin goes in "
    "GOCOACH_TRUSTED_ORIGINS.\n"
)

PLACEHOLDER_KEYS = frozenset({"", "secret", "changeme", "change-me", "dev", "development",
                              "please-change-me", "insecure"})
MIN_KEY_LENGTH = 32


class SecretKeyError(RuntimeError):
    """The server mode was started without a usable GOCOACH_SECRET_KEY."""


def resolve_secret_key(settings: Settings) -> str:
    """The secret key: the setting; in local mode a key generated once in the data folder."""
    given = settings.secret_key.get_secret_value().strip()
    if settings.mode == "server":
        if given.lower() in PLACEHOLDER_KEYS or len(given) < MIN_KEY_LENGTH:
            raise SecretKeyError(
                f"server mode needs GOCOACH_SECRET_KEY: {MIN_KEY_LENGTH}+ random characters, "
                'e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"')
        return given
    if given:
        return given
    path = settings.data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    return _write_new_key(path)


def _write_new_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(key + "\n")
    return key


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def split_host(host: str) -> tuple[str, str]:
    """('name', 'port') of a Host header or URL netloc; IPv6 brackets removed, name lower-cased."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, rest.removeprefix(":")
    name, _, port = host.partition(":")
    return name, port


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Whether a Host header names the app: exact names, '*.domain' or '*'."""
    name, _ = split_host(host)
    if not name:
        return False
    for pattern in allowed:
        if pattern == "*" or name == pattern:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


def _origin_of(url: str) -> tuple[str, str, str] | None:
    """(scheme, host, port) of an origin or URL, default ports filled in; None if unusable."""
    try:
        parts = urlsplit(url.strip())
        name, port = split_host(parts.netloc.rpartition("@")[2])
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not scheme or not name:
        return None
    return scheme, name, port or DEFAULT_PORTS.get(scheme, "")


def own_origin(scope: Scope) -> tuple[str, str, str] | None:
    """The origin this request was sent to: its scheme and its (checked) Host header."""
    scheme = str(scope.get("scheme", "http"))
    return _origin_of(f"{scheme}://{_header(scope, b'host') or ''}")


def origin_refusal(scope: Scope, trusted: tuple[str, ...]) -> str | None:
    """Why a state-changing request must be refused, or None when it may pass."""
    fetch_site = (_header(scope, b"sec-fetch-site") or "").strip().lower()
    origin = _header(scope, b"origin")
    if origin is None:
        referer = _header(scope, b"referer")
        origin = referer if referer else None
    if origin is not None:
        sender = _origin_of(origin) if origin.strip().lower() != "null" else None
        target = own_origin(scope)
        trusted_origins = {_origin_of(t) for t in trusted}
        if sender is not None and sender in trusted_origins:
            return None
        if sender is None or target is None:
            return f"unusable origin {origin!r}"
        # Compare host and port; the scheme may differ behind a TLS-terminating proxy.
        if sender[1:] != target[1:]:
            return f"origin {origin!r} is not this site"
        if fetch_site in ("cross-site", "same-site"):
            return f"Sec-Fetch-Site is {fetch_site}"
        return None
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return f"Sec-Fetch-Site is {fetch_site}"
    return None  # no browser headers at all: not a browser, nothing to forge (see above)


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Adds the security headers to every HTTP response (headers already set are kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def host_refusal(scope: Scope, forced: str = "") -> str:
    """The refusal of an unknown Host in the language the request asks for (GOCOACH_LANGUAGE,
    the `lang` cookie, Accept-Language), else in Russian and in English."""
    cookie = cookie_parser(_header(scope, b"cookie") or "").get("lang")
    accept = _header(scope, b"accept-language") or ""
    asked = [part.split(";")[0].strip().lower()[:2] for part in accept.split(",")]
    if forced in LANGUAGES or cookie in LANGUAGES or any(c in LANGUAGES for c in asked):
        langs: tuple[str, ...] = (pick_language(cookie, accept, forced),)
    else:
        langs = LANGUAGES
    return "".join(translate("num.host_refused", lang, setting="GOCOACH_ALLOWED_HOSTS") + "\n"
                   for lang in langs)


class HostCheck:
    """400 for a Host header that is not one of the allowed names (DNS rebinding)."""

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...], language: str = "") -> None:
        self.app = app
        self.allowed = allowed
        self.language = language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not host_allowed(
                _header(scope, b"host") or "", self.allowed):
            if scope["type"] == "http":
                await _plain(send, 400, host_refusal(scope, self.language))
            else:
                await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)


class OriginCheck:
    """403 for a state-changing request sent by a browser from another origin (CSRF)."""

    def __init__(self, app: ASGIApp, trusted: tuple[str, ...] = ()) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"].upper() not in SAFE_METHODS:
            reason = origin_refusal(scope, self.trusted)
            if reason is not None:
                await _plain(send, 403, f"{ORIGIN_REFUSED}({reason})\n")
                return
        await self.app(scope, receive, send)


def add_security(app: FastAPI, settings: Settings) -> None:
    """Install the three middlewares: headers outermost, then the Host, then the origin."""
    app.add_middleware(OriginCheck, trusted=settings.origins)
    app.add_middleware(HostCheck, allowed=settings.host_names, language=settings.language)
    app.add_middleware(SecurityHeaders)
