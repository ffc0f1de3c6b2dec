"""The review page's guards: access token, session cookie, CSRF, body size, headers.

With a token configured (``INVOICE_REVIEW_TOKEN``), :class:`AuthMiddleware`
lets a request through only with ``Authorization: Bearer <token>`` or the
session cookie the login form sets (an HMAC of its expiry time under a key
derived from the token, so changing the token ends every session); a page
request without either is sent to the login form, an API request gets 401.
Form posts carry a CSRF token that must equal the ``review_csrf`` cookie
(double submit, cookies ``SameSite=Strict``). :class:`BodyLimitMiddleware`
refuses request bodies over a size (413), by header and by counting what
arrives; :class:`SecurityHeadersMiddleware` adds a strict Content-Security-Policy
(scripts and styles from the app only), ``nosniff``, ``DENY`` framing and no
referrer. :func:`is_loopback` tells the addresses that need no token.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "AuthMiddleware",
    "BodyLimitMiddleware",
    "SecurityHeadersMiddleware",
    "csrf_ok",
    "is_loopback",
    "make_session",
    "session_ok",
    "token_ok",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_COOKIE = "review_session"
CSRF_COOKIE = "review_csrf"
SESSION_SECONDS = 12 * 3600
PUBLIC_PATHS = ("/login", "/static/")
"""Paths served without a token: the login form and the app's own CSS and JS."""

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _key(token: str) -> bytes:
    return hashlib.sha256(b"invoice-pipeline review session\0" + token.encode()).digest()


def make_session(token: str, now: float | None = None) -> str:
    """A session cookie value valid for :data:`SESSION_SECONDS`."""
    expires = str(int((now or time.time()) + SESSION_SECONDS))
    signature = hmac.new(_key(token), expires.encode(), hashlib.sha256).hexdigest()
    return f"{expires}.{signature}"


def session_ok(token: str, value: str | None, now: float | None = None) -> bool:
    """The cookie was made with this token and has not expired."""
    if not value or "." not in value:
        return False
    expires, signature = value.split(".", 1)
    if not expires.isdigit() or int(expires) < (now or time.time()):
        return False
    expected = hmac.new(_key(token), expires.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def token_ok(token: str, given: str | None) -> bool:
    """``given`` is the token (constant-time comparison)."""
    return given is not None and hmac.compare_digest(token.encode(), given.encode())


def csrf_ok(cookie: str | None, submitted: str | None) -> bool:
    """The form's CSRF token equals the cookie's (both present)."""
    return bool(cookie) and bool(submitted) and hmac.compare_digest(cookie, submitted)  # type: ignore[arg-type]


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _cookies(scope: Scope) -> dict[str, str]:
    raw = _header(scope, b"cookie")
    if not raw:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:
        return {}
    return {k: m.value for k, m in jar.items()}


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AuthMiddleware:
    """Bearer token or session cookie on every request but :data:`PUBLIC_PATHS`."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    def authenticated(self, scope: Scope) -> bool:
        if self.token is None:
            return True
        authorization = _header(scope, b"authorization") or ""
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() == "bearer" and token_ok(self.token, given.strip()):
            return True
        return session_ok(self.token, _cookies(scope).get(SESSION_COOKIE))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.token is None:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if any(path == p or (p.endswith("/") and path.startswith(p)) for p in PUBLIC_PATHS):
            await self.app(scope, receive, send)
            return
        if self.authenticated(scope):
            await self.app(scope, receive, send)
            return
        accept = _header(scope, b"accept") or ""
        wants_page = scope.get("method") == "GET" and "text/html" in accept
        if wants_page and not path.startswith("/api/"):
            await _respond(send, 303, b"", [(b"location", b"/login")])
            return
        body = json.dumps({"detail": "a token is required: Authorization: Bearer <token>"})
        await _respond(
            send,
            401,
            body.encode(),
            [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
        )


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413 (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = json.dumps({"detail": f"request body over {self.max_bytes} bytes"}).encode()
        headers = [(b"content-type", b"application/json")]
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _respond(send, 413, too_large, headers)
            return
        # the bodies here are small: read one whole (up to the limit), then replay it
        chunks: list[bytes] = []
        received = 0
        more = scope.get("method") not in {"GET", "HEAD", "OPTIONS"}
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await _respond(send, 413, too_large, headers)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class SecurityHeadersMiddleware:
    """Content-Security-Policy, nosniff, no framing, no referrer on every response."""

    HEADERS = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)
