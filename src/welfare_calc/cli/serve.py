"""The ``serve`` command: the clerks' page on this machine (:mod:`welfare_calc.web`)."""

from __future__ import annotations

import contextlib
import secrets
import socket
import sys
import webbrowser

import click

from welfare_calc.cli.group import Settings, cli, language_option
from welfare_calc.cli.problems import UsageProblem
from welfare_calc.cli.types import WholeRange
from welfare_calc.core.errors import os_reason
from welfare_calc.core.words import _

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MB = 1 << 20


@cli.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", type=WholeRange(0, 65535), default=8000)
@click.option("--open/--no-open", "open_browser", default=None)
@click.option("--token", default=None)
@click.option("--max-upload", type=WholeRange(1, 4096), default=200, metavar="MB")
@click.option("--timeout", type=WholeRange(1, 86_400), default=600, metavar="SECONDS")
@language_option
@click.pass_obj
def serve(settings: Settings, host: str, port: int, open_browser: bool | None,
          token: str | None, max_upload: int, timeout: int) -> None:
    """The command. Its help, in Chinese and English, is ``HELP["serve"]`` in
    :mod:`welfare_calc.output.help_texts` (class ``Bilingual`` puts it in place)."""
    import uvicorn  # noqa: PLC0415 - only serve needs the web stack

    from welfare_calc.web.app import Served, make_app  # noqa: PLC0415
    from welfare_calc.web.guard import served_hosts  # noqa: PLC0415

    loaded = settings.standards()
    if token is not None and len(token) < 16:
        raise UsageProblem(_("--token: at least 16 characters (or leave it out: one is made)"))
    local = host in LOOPBACK
    if not local and token is None:
        token = secrets.token_urlsafe(24)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener: socket.socket | None = None
    try:
        # (IPPROTO_TCP named: asyncio then sets TCP_NODELAY on each connection, and a reply
        # is not held back 40 ms by Nagle's algorithm)
        listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(128)  # connections wait from here on, before uvicorn runs
    except OSError as error:
        if listener is not None:  # (a port in use: the socket made is not left open)
            listener.close()
        raise UsageProblem(_("cannot listen on {address}: {reason}").format(
            address=f"{host}:{port}", reason=os_reason(error))) from None
    port = listener.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    served = Served(loaded, settings.standards_path, max_upload * MB, float(timeout))
    app = make_app(served, served_hosts(shown, port), token)
    click.echo(_("welfare-calc serve: listening on {address}  (Ctrl-C stops it)").format(
        address=address), err=True)
    if not local:
        click.echo(_("Warning: listening on {host}, not this machine alone: rosters with "
                     "personal data will cross the network. Give the address above, with its "
                     "token, only to the offices that need it.").format(host=host), err=True)
    if open_browser is None:
        open_browser = sys.stdout.isatty()
    if open_browser:
        webbrowser.open(address)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=5)
    # uvicorn shuts down cleanly on Ctrl-C, then passes it on: it is how one stops.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[listener])
    click.echo(_("welfare-calc serve: stopped"), err=True)
