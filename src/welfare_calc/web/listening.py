"""The sockets ``serve`` listens on, held so that no other program shares them, and the
addresses a browser can open.

- **Both loopback addresses.** A browser asked for ``localhost`` may try ``[::1]``
  before ``127.0.0.1``. If the server held 127.0.0.1 alone, another user of the PC
  could listen on ``[::1]`` at the same port and receive the clerk's roster. So
  the loopback server listens on both (on ``[::1]`` only where the PC has IPv6:
  then no one can listen there either), and refuses to start when another program
  holds either. ``--host 0.0.0.0`` holds ``[::1]`` too, for the same reason.
- **Held alone.** On Windows, ``SO_REUSEADDR`` would let another program bind the
  very port the server listens on; ``SO_EXCLUSIVEADDRUSE`` forbids it. Elsewhere
  ``SO_REUSEADDR`` only lets a restarted server bind while the last one's
  connections linger; it never lets two programs listen on one address.
- **Addresses that work.** Listening on every address (``0.0.0.0``, ``::``), the
  address printed is this PC's own on the network, not ``0.0.0.0``, which no one
  can open.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import sys
from dataclasses import dataclass

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
"""``--host`` values meaning "this PC only": the server listens on both loopback
addresses and answers to each of these names."""
WILDCARDS = ("0.0.0.0", "::")
"""``--host`` values meaning every address of this PC."""
TRIES = 20
"""Ports tried, with ``--port 0``, for one free on both loopback addresses."""


class ListenError(Exception):
    """The server cannot listen on ``address``, for ``error``'s reason."""

    def __init__(self, address: str, error: OSError) -> None:
        super().__init__(address)
        self.address = address
        self.error = error


@dataclass(frozen=True)
class Plan:
    """The addresses to listen on for one ``--host``."""

    host: str
    required: tuple[str, ...]
    """Addresses the server must hold."""
    loopback_too: bool
    """Whether to hold ``[::1]`` as well, where this PC has IPv6."""

    @property
    def local_only(self) -> bool:
        return self.host in LOOPBACK_NAMES

    @property
    def everywhere(self) -> bool:
        return self.host in WILDCARDS


def plan(host: str) -> Plan:
    """What to listen on for ``--host host`` (an IP address, or ``localhost``).

    Raises ValueError for a name that is not an address: the page's ``Host`` check
    answers to addresses, and a name could be pointed elsewhere."""
    if host in LOOPBACK_NAMES:
        return Plan(host, ("127.0.0.1",), loopback_too=True)
    if host == "0.0.0.0":
        return Plan(host, (host,), loopback_too=True)
    address = ipaddress.ip_address(host.strip("[]"))  # (ValueError: not an address)
    return Plan(host, (str(address),), loopback_too=False)


def exclusive(sock: socket.socket, platform: str = sys.platform) -> None:
    """Set ``sock`` so that no other socket binds its address while it is open (see the
    module's docstring): ``SO_EXCLUSIVEADDRUSE`` on Windows, ``SO_REUSEADDR`` elsewhere."""
    if platform == "win32":
        # (-5, ~SO_REUSEADDR, in the Windows headers; Python defines it only there)
        sock.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_EXCLUSIVEADDRUSE", -5), 1)
    else:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)


def bound(address: str, port: int) -> socket.socket:
    """A socket listening on ``address:port``, held alone."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    # (IPPROTO_TCP named: asyncio then sets TCP_NODELAY on each connection, and a reply
    # is not held back 40 ms by Nagle's algorithm)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        exclusive(sock)
        if family == socket.AF_INET6:
            # "::" takes IPv4 too (dual stack); "::1" and the others only themselves.
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(address != "::"))
        sock.bind((address, port))
        sock.listen(128)  # connections wait from here on, before uvicorn runs
    except BaseException:
        sock.close()
        raise
    return sock


NO_IPV6 = {errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT, getattr(errno, "WSAEAFNOSUPPORT", -1),
           getattr(errno, "WSAEADDRNOTAVAIL", -1)}
"""Errors that say this PC has no ``[::1]`` (no IPv6): no one can listen there either."""
IN_USE = {errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)}
"""A port in use (Windows says it with its own number)."""


def listen(where: Plan, port: int) -> list[socket.socket]:
    """Sockets listening at one port on every address ``where`` names.

    Raises :class:`ListenError` naming the address refused (a port in use, on
    ``127.0.0.1`` or on ``[::1]``); nothing is left open then."""
    for attempt in range(TRIES if port == 0 else 1):
        sockets: list[socket.socket] = []
        try:
            chosen = port
            for address in where.required:
                try:
                    sockets.append(bound(address, chosen))
                except OSError as error:
                    raise ListenError(shown(address, chosen), error) from None
                chosen = sockets[0].getsockname()[1]
            if where.loopback_too:
                try:
                    sockets.append(bound("::1", chosen))
                except OSError as error:
                    if error.errno in NO_IPV6:
                        pass  # no IPv6 on this PC: nothing can listen on [::1]
                    elif port == 0 and error.errno in IN_USE and attempt < TRIES - 1:
                        for sock in sockets:  # the free IPv4 port is taken on [::1]: another
                            sock.close()
                        continue
                    else:
                        raise ListenError(shown("::1", chosen), error) from None
            return sockets
        except BaseException:
            for sock in sockets:
                sock.close()
            raise
    raise AssertionError("unreachable: the last try returns or raises")  # pragma: no cover


def shown(address: str, port: int) -> str:
    """``address:port`` as a URL writes it (``[::1]:8000``)."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def network_addresses() -> list[str]:
    """This PC's own addresses that another PC can reach, best first: the one its
    route to the network leaves from, then the others its name resolves to; never a
    loopback or link-local one. Empty when it has none (no network)."""
    found: list[str] = []
    for family, target in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        # Connecting a UDP socket sends nothing: it only asks the system which of
        # its addresses a packet to that (documentation) address would leave from.
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((target, 9))
            found.append(probe.getsockname()[0])
    with contextlib.suppress(OSError, UnicodeError):
        found += [str(info[4][0]) for info in socket.getaddrinfo(
            socket.gethostname(), None, type=socket.SOCK_STREAM)]
    usable: list[str] = []
    for text in found:
        try:
            address = ipaddress.ip_address(text.split("%")[0])
        except ValueError:
            continue
        if not (address.is_loopback or address.is_link_local or address.is_unspecified
                or str(address) in usable):
            usable.append(str(address))
    return sorted(usable, key=lambda text: ":" in text)  # IPv4 first: what offices type


def same_address(given: str, local: str) -> bool:
    """Whether ``given`` (the address a request's ``Host`` names) is ``local`` (the address
    the connection arrived at), an IPv4 address reached over IPv6 counted as itself."""
    try:
        one, other = (_unmapped(given.strip("[]")), _unmapped(local))
    except ValueError:
        return False
    return one == other


def _unmapped(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address (its zone left out); an IPv4 address written as IPv6 (``::ffff:…``) as
    itself."""
    address = ipaddress.ip_address(text.split("%", maxsplit=1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
