"""Who may talk to the page, and how much: the served address only, with the token, from
its own pages, with a body of bounded size.

The page handles personal data on a clerk's PC, so every request is checked
before it reaches a route (an ASGI middleware, :class:`Guard`):

- **Host.** A request whose ``Host`` header is not an address served is
  refused (400). Without this, a web page the clerk visits could point a
  name of its own at 127.0.0.1 (DNS rebinding) and read the answers. A server
  listening on every address (``--host 0.0.0.0``) answers to the address each
  request arrived at, written as an address (``192.168.1.5:8000``): this PC's
  own, which no other site's name can be.
- **Token, always.** Every request carries the server's token, on this PC too:
  another account on a shared PC can reach 127.0.0.1 as well as the clerk can.
  The link ``serve`` opens carries it once (``?token=…``, as Jupyter's does); the
  answer keeps it in an HttpOnly cookie named after the port (a cookie is sent
  to every port of an address, and two servers must not mix theirs) and sends
  the browser on to the same page without it, so that the token is not left in
  the address bar. A script sends the ``X-Welfare-Calc-Token`` header.
- **Other sites.** A POST whose ``Origin`` is another site, or that the
  browser marks ``Sec-Fetch-Site: cross-site``, is refused (403): a page
  elsewhere cannot post a form here. No CORS header is ever sent, so no other
  origin reads an answer.
- **Size.** A body larger than its route takes is refused (413): by its
  ``Content-Length`` before a byte is read, and while it streams in (a body
  sent in chunks says no length), so no request is read whole into memory.
- **Headers on every answer:** a content security policy allowing nothing
  but this server (no external URL is needed: CSS and JS are packaged), no
  framing, no sniffing, no referrer to other sites, and no caching of answers that hold
  personal data.
- **No traceback.** A request the routes fail on is answered 500 and said in one
  line on the server's console, never as a traceback.
"""

from __future__ import annotations

import hmac
import html
import json
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from starlette.requests import cookie_parser

from welfare_calc.core.words import _
from welfare_calc.web.listening import same_address

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_COOKIE = "welfare_calc_token_{port}"
TOKEN_HEADER = "x-welfare-calc-token"
SMALL_BODY = 64 << 10
"""The most a form or an API call may send (what they hold is a few hundred bytes)."""
FORM_ROOM = 64 << 10
"""What a roster's upload may send besides the file: its other fields and part headers."""
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # (no-referrer makes a form post's Origin "null")
    (b"cache-control", b"no-store"),
]


class TooLarge(Exception):
    """A body went past ``limit`` bytes while it was read; the app answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


@dataclass(frozen=True)
class Access:
    """Who may ask: the ``Host`` headers served, the token, the largest upload."""

    hosts: frozenset[str]
    """``Host`` headers (lower case, with the port) that name this server."""
    port: int
    token: str
    upload_limit: int
    """The largest roster file (``--max-upload``), in bytes."""
    any_address: bool = False
    """Listening on every address: a request may also name the address it arrived at."""

    @property
    def cookie(self) -> str:
        return TOKEN_COOKIE.format(port=self.port)

    def limit(self, path: str) -> int:
        """The largest body a request to ``path`` may send."""
        return self.upload_limit + FORM_ROOM if path == "/roster" else SMALL_BODY

    def names_this_server(self, host: str, scope: Scope) -> bool:
        """Whether a request's ``Host`` header names this server."""
        if host in self.hosts:
            return True
        if not self.any_address:
            return False
        name, colon, port = host.rpartition(":")
        server = scope.get("server") or ("", None)
        return (colon == ":" and port == str(self.port) and name != ""
                and same_address(name, str(server[0])))


def served_hosts(host: str, port: int) -> frozenset[str]:
    """The ``Host`` headers that name a server listening on ``host`` (an address, as a URL
    writes it): the address with the port, and the loopback names when it listens on
    loopback or on every address (it then holds both loopback addresses)."""
    names = {host}
    if host in ("127.0.0.1", "localhost", "[::1]", "0.0.0.0", "[::]"):
        names = {"127.0.0.1", "localhost", "[::1]"}
    return frozenset({f"{name}:{port}" for name in names} | (names if port == 80 else set()))


class Guard:
    """The checks of the module's docstring, around the app."""

    def __init__(self, app: App, access: Access) -> None:
        self.app = app
        self.access = access
        self.token = access.token.encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1")
                   for name, value in scope.get("headers", [])}
        path = str(scope.get("path", ""))
        host = headers.get("host", "").lower()
        if not self.access.names_this_server(host, scope):
            await _refuse(send, path, 400, _("this server does not answer to that Host header"),
                          "host")
            return
        if scope["method"] not in ("GET", "HEAD") and not _same_site(headers, host):
            await _refuse(send, path, 403, _("a request from another site is refused"),
                          "origin")
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                          keep_blank_values=True)
        given = next((value for name, value in query if name == "token"), None)
        carried = given if given is not None else headers.get(TOKEN_HEADER)
        if carried is None:
            carried = cookie_parser(headers.get("cookie", "")).get(self.access.cookie)
        # (compared as bytes: a str holding other than ASCII cannot be compared in
        # constant time, and would fail with an exception instead of a refusal)
        if carried is None or not hmac.compare_digest(
                carried.encode("utf-8", "surrogateescape"), self.token):
            await _refuse(send, path, 403, _(
                "this server needs its token: open the address serve printed (it ends in "
                "?token=…), or start serve again, which opens this page"), "token")
            return
        limit = self.access.limit(path)
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await _refuse(send, path, 413, too_large(limit), "size")
            return
        if given is not None and scope["method"] in ("GET", "HEAD"):
            await self._keep_token(send, path, [(name, value) for name, value in query
                                                if name != "token"])
            return
        await self._guarded(scope, receive, send, limit)

    async def _keep_token(self, send: Send, path: str, rest: list[tuple[str, str]]) -> None:
        """The link's token kept in the cookie, and the browser sent on without it."""
        target = quote(path) + ("?" + urlencode(rest) if rest else "")
        cookie = (f"{self.access.cookie}={self.access.token}; HttpOnly; SameSite=Lax; "
                  "Path=/")
        # (Lax, not Strict: the first visit comes from the link serve opened, which a
        # browser counts as coming from elsewhere, and a Strict cookie set then would not
        # be sent on the redirect that follows. A form posted from elsewhere is refused
        # above whatever its cookies.)
        await send({"type": "http.response.start", "status": 303, "headers": [
            (b"location", target.encode("latin-1", "replace")),
            (b"set-cookie", cookie.encode("latin-1")), (b"content-length", b"0"),
            *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": b""})

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        started = False
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge(limit)
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception as error:  # (the app answered 500 already, where it could)
            print(_("welfare-calc serve: a request to {path} failed ({kind}); it was answered "
                    "with an error").format(path=clipped(str(scope.get("path", ""))),
                                            kind=type(error).__name__),
                  file=sys.stderr, flush=True)
            if not started:
                await _refuse(send, str(scope.get("path", "")), 500,
                              _("the server could not answer this request"), None)


def _same_site(headers: dict[str, str], host: str) -> bool:
    """Whether a state-changing request comes from this server's own pages (or from no
    browser at all: a script sends no Origin and no Sec-Fetch-Site)."""
    fetched = headers.get("sec-fetch-site")
    if fetched is not None:  # a browser's own word for where the request comes from
        return fetched in ("same-origin", "none")
    origin = headers.get("origin")
    return origin is None or origin.lower() in (f"http://{host}", f"https://{host}")


def too_large(limit: int) -> str:
    """What a 413 says."""
    return _("the request is too large: at most {size} KB").format(size=limit >> 10)


async def _refuse(send: Send, path: str, status: int, message: str, field: str | None
                  ) -> None:
    """A refusal: JSON for the API (and scripts), a short page in the browser."""
    if path.startswith("/api/"):
        body = json.dumps({"error": message, "field": field}, ensure_ascii=False
                          ).encode("utf-8")
        kind = b"application/json; charset=utf-8"
    else:
        body = (f"<!doctype html><meta charset=utf-8><title>{status}</title>"
                f"<p>{status}: {html.escape(message)}</p>").encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind),
                            (b"content-length", str(len(body)).encode("ascii")),
                            *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


def clipped(text: str, most: int = 60) -> str:
    """``text`` as a message may echo it: cut short (an echoed value never floods a
    message), a character that cannot be shown as ``?``."""
    text = "".join(char if char.isprintable() else "?" for char in text[:most + 1])
    return text if len(text) <= most else text[:most] + "…"

