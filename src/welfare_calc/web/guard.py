"""Who may talk to the page: the served address only, with the token, from its own pages.

The page handles personal data on a clerk's PC, so every request is checked
before it reaches a route (an ASGI middleware, :class:`Guard`):

- **Host.** A request whose ``Host`` header is not an address served is
  refused (400). Without this, a web page the clerk visits could point a
  name of its own at 127.0.0.1 (DNS rebinding) and read the answers.
- **Token.** With a token (``--token``, or one generated), every request
  carries it: ``?token=`` once (it is then kept in an HttpOnly, SameSite=Strict
  cookie), the cookie, or the ``X-Welfare-Calc-Token`` header for scripts.
- **Other sites.** A POST whose ``Origin`` is another site, or that the
  browser marks ``Sec-Fetch-Site: cross-site``, is refused (403): a page
  elsewhere cannot post a form here. No CORS header is ever sent, so no other
  origin reads an answer.
- **Headers on every answer:** a content security policy allowing nothing
  but this server (no external URL is needed: CSS and JS are packaged), no
  framing, no sniffing, no referrer to other sites, and no caching of answers that hold
  personal data.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from welfare_calc.core.words import _

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_COOKIE = "welfare_calc_token"
TOKEN_HEADER = "x-welfare-calc-token"
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # (no-referrer makes a form post's Origin "null")
    (b"cache-control", b"no-store"),
]


def served_hosts(host: str, port: int) -> set[str]:
    """The ``Host`` headers that name this server: its address with the port, and the
    loopback names when it listens on loopback."""
    names = {host}
    if host in ("127.0.0.1", "localhost", "::1"):
        names |= {"127.0.0.1", "localhost", "[::1]"}
    if host in ("0.0.0.0", "::"):  # every address: only named ones can be checked
        names |= {"127.0.0.1", "localhost"}
    return {f"{name}:{port}" for name in names} | ({*names} if port == 80 else set())


class Guard:
    """The checks of the module's docstring, around the app."""

    def __init__(self, app: App, hosts: Iterable[str], token: str | None) -> None:
        self.app = app
        self.hosts = {host.lower() for host in hosts}
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1")
                   for name, value in scope.get("headers", [])}
        host = headers.get("host", "").lower()
        if host not in self.hosts:
            await _refuse(send, 400, _("this server does not answer to that Host header"),
                          "host")
            return
        if scope["method"] not in ("GET", "HEAD") and not _same_site(headers, host):
            await _refuse(send, 403, _("a request from another site is refused"), "origin")
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [None])[0]
        set_cookie = False
        if self.token is not None:
            cookie = SimpleCookie(headers.get("cookie", ""))
            carried = (given or headers.get(TOKEN_HEADER)
                       or (cookie[TOKEN_COOKIE].value if TOKEN_COOKIE in cookie else None))
            if carried is None or not hmac.compare_digest(carried, self.token):
                await _refuse(send, 403, _("this server needs its token: open the address "
                                           "serve printed (it ends in ?token=…)"), "token")
                return
            set_cookie = given is not None

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(SECURITY_HEADERS)
                if set_cookie:
                    extra.append((b"set-cookie", f"{TOKEN_COOKIE}={self.token}; HttpOnly; "
                                  "SameSite=Strict; Path=/".encode("latin-1")))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, guarded)


def _same_site(headers: dict[str, str], host: str) -> bool:
    """Whether a state-changing request comes from this server's own pages (or from no
    browser at all: a script sends no Origin and no Sec-Fetch-Site)."""
    fetched = headers.get("sec-fetch-site")
    if fetched is not None:  # a browser's own word for where the request comes from
        return fetched in ("same-origin", "none")
    origin = headers.get("origin")
    return origin is None or origin.lower() in (f"http://{host}", f"https://{host}")


async def _refuse(send: Send, status: int, message: str, field: str) -> None:
    body = json.dumps({"error": message, "field": field}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode("ascii")),
                            *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})
