"""The ``serve`` command: the clerks' page on this machine (:mod:`welfare_calc.web`).

What it starts, and what it leaves when it stops (nothing), is the web package's:
the sockets (:mod:`~welfare_calc.web.listening`), the server's folder, its lock and
the user's other servers (:mod:`~welfare_calc.web.folders`), the rosters' processes
and the janitor (:mod:`~welfare_calc.web.children`), who may ask
(:mod:`~welfare_calc.web.guard`). This module reads the options, says what
happens, and runs uvicorn.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import stat
import sys
import time
import webbrowser
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click
import uvicorn

from welfare_calc.cli.group import Bilingual, Settings, language_option
from welfare_calc.cli.problems import UsageProblem
from welfare_calc.cli.types import WholeRange
from welfare_calc.core.errors import os_reason
from welfare_calc.core.words import _
from welfare_calc.web import folders, listening
from welfare_calc.web.app import Served, make_app
from welfare_calc.web.children import Children, Janitor
from welfare_calc.web.guard import Access, served_hosts

if TYPE_CHECKING:
    from welfare_calc.standards.loader import LoadedStandards
    from welfare_calc.web.folders import Place, Running
    from welfare_calc.web.listening import Plan

MB = 1 << 20
TOKEN_VAR = "WELFARE_CALC_TOKEN"
"""The environment variable that may give the token (as a file may: ``--token-file``),
never an option, which every user of the PC can read in the process list."""
TOKEN_FORM = re.compile(r"[A-Za-z0-9._~-]{16,256}")
"""A token as it can stand in an address and a cookie unchanged."""


@click.command(cls=Bilingual)
@click.option("--host", default="127.0.0.1")
@click.option("--port", type=WholeRange(0, 65535), default=8000)
@click.option("--open/--no-open", "open_browser", default=None)
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--max-upload", type=WholeRange(1, 4096), default=200, metavar="MB")
@click.option("--timeout", type=WholeRange(1, 86_400), default=600, metavar="SECONDS")
@language_option
@click.pass_obj
def serve(settings: Settings, host: str, port: int, open_browser: bool | None,
          token_file: Path | None, max_upload: int, timeout: int) -> None:
    """The command. Its help, in Chinese and English, is ``HELP["serve"]`` in
    :mod:`welfare_calc.output.help_texts` (class ``Bilingual`` puts it in place)."""
    loaded = settings.standards()
    token = _token(token_file)
    try:
        where = listening.plan(host)
    except ValueError:
        raise UsageProblem(_("--host {host}: give an address of this PC (such as "
                             "192.168.1.5), 0.0.0.0 for every address, or leave it out for "
                             "this PC alone").format(host=repr(host[:60]))) from None
    # The address this PC opens (loopback when listening on every address), and what a
    # second start compares with the running servers' to find the same one.
    named = "127.0.0.1" if where.local_only or where.everywhere else where.required[0]
    key = "127.0.0.1" if where.local_only else where.host
    try:
        base = folders.user_folder()
    except folders.NotPrivate as error:
        raise UsageProblem(_("{path}: this folder is not yours alone (another account made "
                             "it, or can read it); remove it, or set TMPDIR to a folder of "
                             "your own").format(path=error.path)) from None
    except OSError as error:
        raise UsageProblem(_("cannot make a folder in the temporary folder: {reason}").format(
            reason=os_reason(error))) from None
    if open_browser is None:
        open_browser = sys.stdout.isatty()
    running = folders.survey(base)  # (the folders of this user's killed servers go here)
    mine = next((server for server in running if port and server.port == port), None)
    if mine is not None and mine.host == key:
        # A second start (a second double-click on 低保计算器.bat): the running page.
        _open_running(mine, open_browser)
        return
    # This server's folder and lock first: a start that finds the port taken meanwhile
    # then knows a server of this user's is starting (two double-clicks in a row).
    place = folders.claim(base)
    try:
        try:
            sockets = listening.listen(where, port)
        except listening.ListenError as error:
            if mine is None and port and error.error.errno in listening.IN_USE:
                mine = _started_meanwhile(base, port, place.name)
                if mine is not None and mine.host == key:
                    _open_running(mine, open_browser)
                    return
            if mine is not None:
                raise UsageProblem(_("port {port} is used by your own server on {address}: "
                                     "stop it (Ctrl-C in its window), or choose another port "
                                     "with --port").format(port=port, address=mine.url)
                                   ) from None
            raise UsageProblem(_("cannot listen on {address}: {reason}").format(
                address=error.address, reason=os_reason(error.error))) from None
        try:
            _serve(settings, loaded, sockets, where, (named, key), place, token, open_browser,
                   max_upload, timeout)
        finally:
            for sock in sockets:
                sock.close()
    finally:
        place.leave()
    click.echo(_("welfare-calc serve: stopped"), err=True)


def _open_running(server: Running, open_browser: bool) -> None:
    """Open this user's running server's page (through its private page: no command line
    holds the token), and say so."""
    if open_browser:
        webbrowser.open(server.open_page.as_uri())
        click.echo(_("welfare-calc serve: already running on {address}; opened it in the "
                     "browser").format(address=server.url), err=True)
    else:
        click.echo(_("welfare-calc serve: already running on {address}").format(
            address=server.url), err=True)


STARTING_PATIENCE = 30.0
"""Seconds a second start waits for the user's first to say where it runs (two
double-clicks in a row). The wait ends as soon as it does, or as soon as no server of the
user's is starting; a slow or busy PC may take several seconds to load the page's server
(three were once too few, and the second start failed: port taken)."""


def _started_meanwhile(base: Path, port: int, besides: str,
                       patience: float = STARTING_PATIENCE) -> Running | None:
    """This user's server on ``port`` that started after the survey (two double-clicks
    in a row): waited for while one of the user's servers, but this one (``besides``), is
    starting."""
    deadline = time.monotonic() + patience
    while True:
        # Whether one is starting, looked at before where they run: a server that stops
        # starting has said where it runs first, so the survey after sees it (looked at
        # the other way round, one saying so between the two looks was missed).
        waiting = folders.starting(base, besides)
        found = next((server for server in folders.survey(base) if server.port == port), None)
        if found is not None or not waiting or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _interrupted(_signum: int, _frame: FrameType | None) -> None:
    """A stop signal, taken as Ctrl-C."""
    raise KeyboardInterrupt


def _token(token_file: Path | None) -> str:
    """The token: from ``--token-file``, else from :data:`TOKEN_VAR`, else a new one."""
    if token_file is not None:
        try:
            if os.name == "posix" and stat.S_IMODE(token_file.stat().st_mode) & 0o077:
                raise UsageProblem(_("{path}: other users of this PC can read this file; make "
                                     "it yours alone (chmod 600 {path})").format(
                                         path=token_file))
            text, source = token_file.read_text(encoding="utf-8").strip(), str(token_file)
        except OSError as error:
            raise UsageProblem(_("cannot read {path}: {reason}").format(
                path=token_file, reason=os_reason(error))) from None
        except UnicodeDecodeError:
            text, source = "", str(token_file)
    elif os.environ.get(TOKEN_VAR):
        text, source = os.environ[TOKEN_VAR].strip(), TOKEN_VAR
    else:
        return secrets.token_urlsafe(24)
    if not TOKEN_FORM.fullmatch(text):
        raise UsageProblem(_("{source}: a token is 16 to 256 letters, digits and the signs "
                             "- _ . ~ (it goes in the page's address)").format(source=source))
    return text


def _serve(settings: Settings, loaded: LoadedStandards, sockets: list[socket.socket],
           where: Plan, names: tuple[str, str], place: Place, token: str, open_browser: bool,
           max_upload: int, timeout: int) -> None:
    """Run the page on ``sockets`` until it is stopped; leave nothing behind."""
    named, key = names
    port = sockets[0].getsockname()[1]
    written = listening.shown(named, port)
    url = f"http://{written}/?token={token}"
    folders.sweep_old()  # an earlier version's leftovers, now that this one is safely in place
    janitor: Janitor | None = None
    children = Children(None)
    try:
        try:
            janitor = Janitor(place.folder, place.lock_path)
        except OSError as error:
            raise UsageProblem(_("cannot start the process that clears up after the server: "
                                 "{reason}").format(reason=os_reason(error))) from None
        children = Children(janitor)
        page = place.announce(key, port, url)
        standards_file = settings.standards_path
        served = Served(loaded, None if standards_file is None else Path(standards_file),
                        max_upload * MB, float(timeout), place=place, children=children)
        access = Access(served_hosts(written.rpartition(":")[0], port), port, token,
                        max_upload * MB,
                        any_address=where.everywhere)
        app = make_app(served, access)
        click.echo(_("welfare-calc serve: listening on {address}  (Ctrl-C stops it)").format(
            address=url), err=True)
        if where.everywhere:
            others = listening.network_addresses()
            for address in others:
                click.echo("  " + _("other PCs open: {address}").format(
                    address=f"http://{listening.shown(address, port)}/?token={token}"),
                    err=True)
            if not others:
                click.echo("  " + _("this PC has no network address now: other PCs cannot "
                                    "reach it"), err=True)
        if not where.local_only:
            click.echo(_("Warning: listening on {host}, not this machine alone: rosters with "
                         "personal data will cross the network. Give the address above, with "
                         "its token, only to the offices that need it.").format(
                             host=where.host), err=True)
        if open_browser:
            # The page that sends the browser on, not the address itself: the browser's
            # command line, which every user can read, then holds no token.
            webbrowser.open(page.as_uri())

        class Server(uvicorn.Server):
            """uvicorn's server, ending the rosters' processes as soon as it is told to
            stop (it would wait for their requests, which wait for them)."""

            def handle_exit(self, sig: int, frame: FrameType | None) -> None:
                children.stop_all()
                super().handle_exit(sig, frame)

        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=5, proxy_headers=False,
                                server_header=False)
        # uvicorn shuts down cleanly on Ctrl-C (and on a stop signal), then passes the
        # signal on to the handler it found: for each, one that ends the run as Ctrl-C
        # does, so that the server clears up and says so (the default would end the
        # process there and then).
        stops = [getattr(signal, name) for name in ("SIGTERM", "SIGBREAK")
                 if hasattr(signal, name)]
        before = {stop: signal.signal(stop, _interrupted) for stop in stops}
        try:
            with contextlib.suppress(KeyboardInterrupt):
                Server(config).run(sockets=sockets)
        finally:
            for stop, handler in before.items():
                signal.signal(stop, handler)
    finally:
        children.stop_all()
        place.leave()
        if janitor is not None:
            janitor.close()
