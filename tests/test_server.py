"""The server as a hostile local user tries it (issue 29 §4): nothing of a roster outlives
it, a new start clears up after a killed one and finds a running one, no one else can
take its port, the token is needed on this PC too, and every bad request is a 4xx.

Real ``welfare-calc serve`` processes, each with a temporary folder (TMPDIR) of its own,
so that "no file is left" and "no process is left" are checked there and in the process
table (``/proc``: these tests need Linux, and are skipped elsewhere with the reason).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import TOKEN, Serving, page_client
from welfare_calc.cli import cli
from welfare_calc.web import children, folders, janitor, listening
from welfare_calc.web.guard import Access, Guard

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "households.csv"
PROC = Path("/proc")
needs_proc = pytest.mark.skipif(not (PROC / "self" / "cwd").exists(),
                                reason="the process table is read from /proc (Linux)")
ROSTER_ROWS = 300_000


# --- the process table and the temporary folder -----------------------------------------

def processes_in(tmp: Path) -> dict[int, str]:
    """Every process working in ``tmp`` or naming it on its command line (a server, its
    janitor, a roster's child and workers), but this test's own."""
    found = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(entry / "cwd")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (cwd.startswith(str(tmp)) or str(tmp) in command):
            found[int(entry.name)] = command
    return found


def roster_processes(tmp: Path) -> dict[int, str]:
    """A roster's child and its workers (which share its command line)."""
    return {pid: command for pid, command in processes_in(tmp).items()
            if "welfare_calc.web.child" in command}


def left_in(tmp: Path) -> list[str]:
    """What is in ``tmp`` but the user's (empty) folder for servers."""
    return sorted(str(path.relative_to(tmp)) for path in tmp.rglob("*")
                  if not (path.is_dir() and path.name.startswith(folders.BASE)))


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as the temporary folder of ``serve`` run in this process (which read
    TMPDIR once, long ago)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # (a serve meant to be refused that starts would never return: it fails instead)
    monkeypatch.setattr("uvicorn.Server.run", lambda *_, **__: pytest.fail("serve started"))
    return tmp_path


def until(condition: Callable[[], object], seconds: float = 20.0) -> object:
    """``condition()`` once it is true, polling; its last value after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


@pytest.fixture(scope="module")
def big_roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A roster long enough (300,000 households, ids and names) that its batch is still
    running when the server is stopped."""
    path = tmp_path_factory.mktemp("roster") / "名册.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,category,persons,income,start,end,户主姓名\n")
        for number in range(ROSTER_ROWS):
            handle.write(f"ZC{number:07d},urban-dibao,{1 + number % 5},{number % 500},,,"
                         f"张秀英{number}\n")
    return path


def multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    """A form with one file, as a browser posts it; the body and its content type."""
    boundary = uuid.uuid4().hex
    body = b"".join(f"--{boundary}\r\ncontent-disposition: form-data; name=\"{key}\"\r\n\r\n"
                    f"{value}\r\n".encode() for key, value in fields.items())
    body += (f"--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; "
             f"filename=\"{name}\"\r\ncontent-type: text/csv\r\n\r\n").encode() + data
    body += f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def ask(port: int, raw: bytes, host: str = "127.0.0.1", timeout: float = 30.0,
        body_chunks: list[bytes] | None = None) -> Answer:
    """One raw HTTP request (``raw``: the request line, headers and any body), then its
    answer; ``body_chunks`` are sent after it one by one (a body streamed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        connection.connect((host, port))
        connection.sendall(raw)
        for chunk in body_chunks or []:
            try:
                connection.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed: what is tested
        reader = connection.makefile("rb")
        status = int(reader.readline().split()[1])
        headers = {}
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        size = int(headers.get("content-length", "0"))
        head = raw.startswith(b"HEAD ")  # (an answer to HEAD says the size and sends nothing)
        return Answer(status, headers, reader.read(size) if size and not head else b"")


def request(method: str, path: str, port: int, headers: dict[str, str] | None = None,
            body: bytes = b"", host: str | None = None) -> bytes:
    """A request's bytes; ``Content-Length`` from ``body`` unless ``headers`` give it."""
    given = {"host": host or f"127.0.0.1:{port}", **(headers or {})}
    if body and "content-length" not in given and "transfer-encoding" not in given:
        given["content-length"] = str(len(body))
    lines = [f"{method} {path} HTTP/1.1", *[f"{name}: {value}" for name, value in given.items()]]
    return "\r\n".join(lines).encode("utf-8") + b"\r\n\r\n" + body


def chunked(data: bytes, size: int = 64 << 10) -> list[bytes]:
    """``data`` as HTTP/1.1 chunks, the last one closing the body."""
    return [f"{len(data[at:at + size]):x}\r\n".encode() + data[at:at + size] + b"\r\n"
            for at in range(0, len(data), size)] + [b"0\r\n\r\n"]


def upload(serving: Serving, roster: Path, answers: list[Answer]) -> threading.Thread:
    """Post ``roster`` to the server's page, in a thread; its answer goes in ``answers``."""
    body, kind = multipart({"through": "2020-08", "output": "xlsx"}, roster.name,
                           roster.read_bytes())

    def post() -> None:
        try:
            answers.append(ask(serving.port, request(
                "POST", "/roster", serving.port, {"content-type": kind,
                                                 "x-welfare-calc-token": serving.token}, body),
                timeout=120))
        except (OSError, ValueError, IndexError):
            answers.append(Answer(0, {}, b""))  # the server went away: no answer

    thread = threading.Thread(target=post)
    thread.start()
    return thread


def running_roster(serving: Serving) -> tuple[dict[int, str], list[str]]:
    """Wait until the roster's child and its workers run; them, and the roster's files."""
    wanted = 1 + min(2, os.cpu_count() or 1)  # the child, and its workers (up to two)
    until(lambda: len(roster_processes(serving.tmp)) >= wanted, 60)
    return roster_processes(serving.tmp), left_in(serving.tmp)


# --- nothing outlives the server ---------------------------------------------------------

@needs_proc
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM],
                         ids=["kill -9", "Ctrl-C", "kill"])
def test_a_stop_during_a_roster_leaves_no_file_and_no_process(
        tmp_path: Path, big_roster: Path, stop: int) -> None:
    serving = Serving(tmp_path)
    answers: list[Answer] = []
    posting = upload(serving, big_roster, answers)
    running, files = running_roster(serving)
    assert len(running) >= 2, running  # (the test hits the window it means to)
    assert any(name.endswith("roster.csv") for name in files), files
    code, said = serving.stop(stop)
    posting.join(60)
    assert until(lambda: processes_in(tmp_path) == {}, 30) is True, processes_in(tmp_path)
    assert until(lambda: left_in(tmp_path) == [], 30) is True, left_in(tmp_path)
    if stop == signal.SIGKILL:
        assert code == -signal.SIGKILL
        assert said == ""
    else:  # stopped in good order: the clerk is told, and no traceback is printed
        assert (code, said) == (0, "welfare-calc serve：已停止\n")
        assert answers[0].status == 503
        assert "服务已停止；未保留任何内容" in answers[0].body.decode()


@needs_proc
def test_a_roster_child_ends_with_its_server_even_without_the_janitor(
        tmp_path: Path, big_roster: Path) -> None:
    # The janitor killed first, then the server: the child sees its server gone and ends
    # itself and its workers; what they wrote stays until the next start, which removes it.
    serving = Serving(tmp_path)
    posting = upload(serving, big_roster, [])
    running_roster(serving)
    helper = next(pid for pid, command in processes_in(tmp_path).items()
                  if "welfare_calc.web.janitor" in command)
    os.kill(helper, signal.SIGKILL)
    serving.stop(signal.SIGKILL)
    posting.join(60)
    assert until(lambda: roster_processes(tmp_path) == {}, 30) is True
    left = left_in(tmp_path)
    assert any(name.endswith("roster.csv") for name in left), left
    with Serving(tmp_path):
        base = next(tmp_path.glob(f"{folders.BASE}-*"))
        (lock,) = base.glob("*.lock")  # the new server's alone
        assert sorted(path.name for path in base.iterdir()) == [lock.stem, lock.name]
        assert sorted(path.name for path in (base / lock.stem).iterdir()) == [
            folders.OPEN_PAGE, folders.STATE]


def test_a_new_start_removes_what_killed_servers_left(tmp_path: Path) -> None:
    base = folders.user_folder(tmp_path)
    # A server killed with its janitor: its folder and lock, no one holding the lock.
    (base / "0123456789ab").mkdir()
    (base / "0123456789ab" / "r-x1y2z3").mkdir()
    (base / "0123456789ab" / "r-x1y2z3" / "roster.csv").write_text("ZC1,张三\n")
    (base / "0123456789ab.lock").touch()
    # A folder whose lock was removed before it (a sweep cut short).
    (base / "ba9876543210").mkdir()
    # An earlier version's folder (roster as uploaded, results, the batch's locks), a day
    # old; one of today, which a server of that version may still be computing; and one
    # that holds something else.
    old = tmp_path / "wc-k2j4x8ab"
    old.mkdir()
    for name in ("名册.CSV", "result.xlsx", "errors.csv", ".wc-0123abcd.lock"):
        (old / name).write_text("ZC1,张三\n")
    day_ago = time.time() - folders.OLD_AGE - 60
    os.utime(old, (day_ago, day_ago))
    today = tmp_path / "wc-today123"
    today.mkdir()
    (today / "roster.csv").write_text("ZC1,张三\n")
    other = tmp_path / "wc-notours1"
    other.mkdir()
    (other / "notes.doc").write_text("x")
    os.utime(other, (day_ago, day_ago))
    with Serving(tmp_path):
        assert not (base / "0123456789ab").exists()
        assert not (base / "0123456789ab.lock").exists()
        assert not (base / "ba9876543210").exists()
        assert not old.exists()
        assert today.exists()
        assert other.exists()


def test_a_running_servers_folder_is_left_alone(tmp_path: Path) -> None:
    base = folders.user_folder(tmp_path)
    place = folders.claim(base)
    try:
        place.announce("127.0.0.1", 8123, "http://127.0.0.1:8123/?token=x")
        (place.roster_folder() / "roster.csv").write_text("ZC1,张三\n")
        running = folders.survey(base)
        assert [(server.port, server.url) for server in running] == [
            (8123, "http://127.0.0.1:8123/?token=x")]
        assert place.folder.exists()
    finally:
        place.leave()
    assert folders.survey(base) == []
    assert list(base.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX accounts")
def test_a_user_folder_another_account_can_read_is_refused(in_tmp: Path) -> None:
    tmp_path = in_tmp
    path = tmp_path / f"{folders.BASE}-{os.getuid()}"
    path.mkdir(mode=0o755)
    path.chmod(0o755)
    with pytest.raises(folders.NotPrivate):
        folders.user_folder(tmp_path)
    done = CliRunner().invoke(cli, ["serve", "--no-open", "--port", "0"])
    assert done.exit_code == 2
    assert "此文件夹不只属于您" in done.stderr


@needs_proc
def test_the_childs_watch_ends_it_and_its_workers_when_the_server_goes(
        tmp_path: Path, big_roster: Path) -> None:
    # The mechanism alone: the pipe on its stdin closed, as the server's end closes when
    # it dies, and the child ends its whole group.
    shutil.copy(big_roster, tmp_path / "roster.csv")
    child = subprocess.Popen(
        [sys.executable, "-m", "welfare_calc.web.child", "batch", "roster.csv",
         "--through=2020-08", "--output=result.xlsx"], cwd=tmp_path,
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        process_group=0)
    assert until(lambda: len(processes_in(tmp_path)) >= 2, 60)
    assert child.stdin is not None
    child.stdin.close()
    assert child.wait(timeout=20) == -signal.SIGKILL  # (its own group's signal)
    assert until(lambda: processes_in(tmp_path) == {}, 20) is True


@needs_proc
def test_the_janitor_ends_the_processes_it_was_told_of_and_removes_the_folder(
        tmp_path: Path) -> None:
    folder, lock = tmp_path / "server", tmp_path / "server.lock"
    (folder / "r-1").mkdir(parents=True)
    (folder / "r-1" / "roster.csv").write_text("ZC1,张三\n")
    lock.touch()
    sleeper = subprocess.Popen(["sleep", "600"], cwd=folder, process_group=0)
    ended = subprocess.Popen(["sleep", "600"], cwd=folder, process_group=0)
    helper = subprocess.Popen([sys.executable, "-m", "welfare_calc.web.janitor", str(folder),
                               str(lock)], stdin=subprocess.PIPE, start_new_session=True)
    assert helper.stdin is not None
    helper.stdin.write(f"+{sleeper.pid}\n+{ended.pid}\n-{ended.pid}\n".encode())
    helper.stdin.flush()
    time.sleep(0.3)
    assert sleeper.poll() is None  # (nothing is ended while the server runs)
    helper.stdin.close()  # the server is gone
    assert helper.wait(timeout=20) == 0
    assert sleeper.wait(timeout=5) == -signal.SIGKILL
    assert ended.poll() is None  # told it had ended: not touched
    ended.kill()
    ended.wait()
    assert not folder.exists()
    assert not lock.exists()


def test_the_janitor_reads_the_servers_lines() -> None:
    assert janitor.watched([b"+12\n", b"+13\n", b"-12\n", b"junk\n", b"+x\n", b"+14"]) == {
        13, 14}


# --- Windows: what can be tested here ---------------------------------------------------

def test_the_job_limits_are_laid_out_as_windows_has_them() -> None:
    # JOBOBJECT_EXTENDED_LIMIT_INFORMATION: 144 bytes on 64-bit Windows, 112 on 32-bit;
    # LimitFlags at offset 16 (after two LARGE_INTEGERs).
    assert ctypes.sizeof(children.JobLimits) == (144 if ctypes.sizeof(ctypes.c_void_p) == 8
                                                 else 112)
    assert children._BasicLimits.LimitFlags.offset == 16


@dataclass
class FakeKernel32:
    """kernel32, as far as the job calls it: each call recorded."""

    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    fail: str = ""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*arguments: Any) -> Any:
            self.calls.append((name, arguments))
            if name == self.fail:
                return 0
            return {"CreateJobObjectW": 101, "OpenProcess": 202}.get(name, 1)
        return call


def test_a_roster_is_put_in_a_job_that_ends_with_the_server() -> None:
    kernel = FakeKernel32()
    job = children.Job(kernel)
    job.add(4321)
    job.end()
    names = [name for name, _ in kernel.calls]
    assert names == ["CreateJobObjectW", "SetInformationJobObject", "OpenProcess",
                     "AssignProcessToJobObject", "CloseHandle", "TerminateJobObject",
                     "CloseHandle"]
    limits = kernel.calls[1][1]
    assert limits[:2] == (101, children.JOB_OBJECT_EXTENDED_LIMIT_INFORMATION)
    assert limits[3] == ctypes.sizeof(children.JobLimits)
    set_flags = ctypes.cast(limits[2], ctypes.POINTER(children.JobLimits)).contents
    assert set_flags.BasicLimitInformation.LimitFlags == (
        children.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE)
    assert kernel.calls[2][1] == (children.PROCESS_SET_QUOTA | children.PROCESS_TERMINATE,
                                  0, 4321)
    assert kernel.calls[3][1] == (101, 202)
    assert kernel.calls[4][1] == (202,)  # the process's handle let go of; the job's kept
    with pytest.raises(OSError, match="AssignProcessToJobObject"):
        children.Job(FakeKernel32(fail="AssignProcessToJobObject")).add(1)


class FakeSocket:
    def __init__(self) -> None:
        self.options: list[tuple[int, int, int]] = []

    def setsockopt(self, level: int, option: int, value: int) -> None:
        self.options.append((level, option, value))


def test_on_windows_the_port_is_held_alone() -> None:
    # SO_REUSEADDR on Windows lets another program bind the very port; the server sets
    # SO_EXCLUSIVEADDRUSE there instead (Windows' -5), and SO_REUSEADDR elsewhere.
    windows, posix = FakeSocket(), FakeSocket()
    listening.exclusive(windows, "win32")  # type: ignore[arg-type]
    listening.exclusive(posix, "linux")  # type: ignore[arg-type]
    assert windows.options == [(socket.SOL_SOCKET, getattr(socket, "SO_EXCLUSIVEADDRUSE", -5),
                                1)]
    assert (socket.SOL_SOCKET, socket.SO_REUSEADDR, 1) not in windows.options
    assert posix.options == [(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)]


# --- no one else on the clerk's port ----------------------------------------------------

def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


needs_ipv6 = pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback here")
AS_NOBODY = (["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
             if shutil.which("setpriv") and hasattr(os, "geteuid") and os.geteuid() == 0
             else None)
"""How to run a command as another account (nobody): setpriv, as root."""

TAKE_PORT = """
import socket, sys
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
sock = socket.socket(family)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
try:
    sock.bind((sys.argv[1], int(sys.argv[2])))
    sock.listen(1)
except OSError as error:
    print("refused", error.errno, flush=True)
    sys.exit(0)
print("listening", sock.getsockname()[1], flush=True)
sys.stdin.read()
"""
"""Another program taking a port on an address, as hard as it can (SO_REUSEADDR and
SO_REUSEPORT); it prints what became of it, and holds the port until its stdin closes."""


def another_account(address: str, port: int) -> subprocess.Popen[str]:
    """:data:`TAKE_PORT` run by another account (nobody) where this test may, else by
    this one: the mechanism is the same."""
    command = [*(AS_NOBODY or []), sys.executable, "-c", TAKE_PORT, address, str(port)]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            cwd="/")


@needs_ipv6
def test_a_port_another_account_holds_on_ipv6_loopback_is_refused(tmp_path: Path) -> None:
    # Another account listens on [::1] at the port first: a browser asked for localhost
    # would go there. The server refuses to start, naming that address.
    other = another_account("::1", 0)
    assert other.stdout is not None
    said = other.stdout.readline().split()
    assert said[0] == "listening", said
    port = int(said[1])
    try:
        done = subprocess.run([sys.executable, "-m", "welfare_calc", "serve", "--port",
                               str(port), "--no-open"], check=False, capture_output=True,
                              text=True, env={**os.environ, "TMPDIR": str(tmp_path)},
                              timeout=60)
    finally:
        other.communicate("")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"错误：无法在 [::1]:{port} 上监听：地址已被占用：另有程序"
                                   "在该端口上监听（请用 --port 另选端口）")
    assert left_in(tmp_path) == []


@needs_ipv6
@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_no_other_account_can_listen_beside_the_server(tmp_path: Path, address: str) -> None:
    with Serving(tmp_path) as serving:
        other = another_account(address, serving.port)
        said, _ = other.communicate("", timeout=30)
        assert said.split()[:2] == ["refused", str(errno.EADDRINUSE)], said
        # and the server answers on both addresses itself
        for host in ("127.0.0.1", "::1"):
            answer = ask(serving.port, request("GET", "/", serving.port, {
                "x-welfare-calc-token": serving.token}, host=f"localhost:{serving.port}"),
                host=host)
            assert answer.status == 200


def test_with_port_0_a_port_free_on_both_loopbacks_is_chosen(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = listening.bound
    taken: list[int] = []

    def bound(address: str, port: int) -> socket.socket:
        if address == "::1" and not taken:  # someone holds the first port on [::1]
            taken.append(port)
            raise OSError(errno.EADDRINUSE, "in use")
        return real(address, port)

    monkeypatch.setattr(listening, "bound", bound)
    sockets = listening.listen(listening.plan("127.0.0.1"), 0)
    try:
        ports = {sock.getsockname()[1] for sock in sockets}
        assert len(ports) == 1
        assert taken
        assert ports != set(taken)
        assert {sock.family for sock in sockets} == {socket.AF_INET, socket.AF_INET6}
    finally:
        for sock in sockets:
            sock.close()


def test_a_pc_without_ipv6_listens_on_127_0_0_1_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    real = listening.bound

    def bound(address: str, port: int) -> socket.socket:
        if address == "::1":
            raise OSError(errno.EADDRNOTAVAIL, "no IPv6")
        return real(address, port)

    monkeypatch.setattr(listening, "bound", bound)
    sockets = listening.listen(listening.plan("localhost"), 0)
    assert [sock.family for sock in sockets] == [socket.AF_INET]
    sockets[0].close()


# --- the token -----------------------------------------------------------------------------

def test_the_token_is_needed_on_this_pc_and_the_opened_page_brings_it(tmp_path: Path) -> None:
    with Serving(tmp_path) as serving:
        port, token = serving.port, serving.token
        assert ask(port, request("GET", "/", port)).status == 403
        assert ask(port, request("POST", "/api/backpay", port, {
            "content-type": "application/json"}, b"{}")).status == 403
        # The page serve opens: a private file sending the browser to the address with
        # the token (the browser's command line holds no token).
        page = next(tmp_path.glob(f"{folders.BASE}-*/*/{folders.OPEN_PAGE}"))
        assert page.stat().st_mode & 0o077 == 0
        target = re.search(r'url=([^"]+)"', page.read_text()).group(1)  # type: ignore[union-attr]
        assert target == serving.url == f"http://127.0.0.1:{port}/?token={token}"
        opened = ask(port, request("GET", f"/?token={token}", port))
        assert (opened.status, opened.headers["location"]) == (303, "/")
        cookie = opened.headers["set-cookie"]
        assert cookie.startswith(f"welfare_calc_token_{port}={token};")
        assert "HttpOnly" in cookie
        kept = cookie.split(";")[0]
        assert ask(port, request("GET", "/", port, {"cookie": kept})).status == 200
        # Another site's cookies beside it (one named "expires", one quoted) spoil nothing.
        assert ask(port, request("GET", "/standards", port, {
            "cookie": f'expires=1; theme="dark; {kept}'})).status == 200
        state = json.loads((page.parent / folders.STATE).read_text())
        assert (state["port"], state["url"]) == (port, serving.url)


def test_the_token_comes_from_the_environment_or_a_private_file(tmp_path: Path) -> None:
    chosen = "office-token-from-the-environment"
    with Serving(tmp_path / "env", env={"WELFARE_CALC_TOKEN": chosen}) as serving:
        assert serving.token == chosen
    token_file = tmp_path / "token.txt"
    token_file.write_text("office-token-in-a-private-file\n")
    token_file.chmod(0o600)
    with Serving(tmp_path / "file", "--token-file", str(token_file)) as serving:
        assert serving.token == "office-token-in-a-private-file"


@pytest.mark.parametrize(("env", "args", "said"), [
    ({"WELFARE_CALC_TOKEN": "short"}, [], "WELFARE_CALC_TOKEN：令牌须为 16 至 256 个字母"),
    ({"WELFARE_CALC_TOKEN": "tökén-tökén-tökén-tökén"}, [], "令牌须为 16 至 256 个字母"),
    ({}, ["--token", "s3cret-token-of-the-office"], "--token"),
], ids=["too short", "not ASCII", "on the command line"])
def test_a_token_that_cannot_be_used_is_refused(in_tmp: Path, env: dict[str, str],
                                                args: list[str], said: str) -> None:
    done = CliRunner().invoke(cli, ["serve", "--no-open", *args],
                              env=env)
    assert done.exit_code == 2
    assert said in done.stderr
    assert done.stderr.startswith("错误：")


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_token_file_others_can_read_is_refused(in_tmp: Path) -> None:
    tmp_path = in_tmp
    token_file = tmp_path / "token.txt"
    token_file.write_text("office-token-in-a-shared-file\n")
    token_file.chmod(0o644)
    done = CliRunner().invoke(cli, ["serve", "--no-open", "--token-file", str(token_file)])
    assert done.exit_code == 2
    assert f"{token_file}：本机其他用户可以读取此文件；请设为仅本人可读" in done.stderr


# --- a second start, and a port in use ----------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def recording_browser(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A stand-in browser ($BROWSER, as Python's webbrowser reads it) that writes down
    what it was asked to open."""
    record = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{record}"\n')
    script.chmod(0o755)
    return {"BROWSER": f"{script} %s"}, record


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for the browser")
def test_a_second_start_opens_the_running_page(tmp_path: Path) -> None:
    port = free_port()
    with Serving(tmp_path, "--port", str(port)) as serving:
        env, record = recording_browser(tmp_path)
        again = subprocess.run(
            [sys.executable, "-m", "welfare_calc", "serve", "--port", str(port), "--open"],
            check=False, capture_output=True, text=True, timeout=60,
            env={**os.environ, "TMPDIR": str(tmp_path), **env})
        assert again.returncode == 0, again.stderr
        assert again.stderr == (f"welfare-calc serve：已在 {serving.url} 上运行，"
                                "已在浏览器中打开\n")
        opened = until(lambda: record.exists() and record.read_text().split(), 10)
        assert opened == [next(tmp_path.glob(f"{folders.BASE}-*/*/{folders.OPEN_PAGE}")
                               ).as_uri()]
        assert serving.token not in record.read_text()
        assert serving.process.poll() is None  # (the running one runs on)


@needs_proc
def test_a_killed_servers_state_does_not_mislead_a_new_start(tmp_path: Path) -> None:
    port = free_port()
    first = Serving(tmp_path, "--port", str(port))
    helper = next(pid for pid, command in processes_in(tmp_path).items()
                  if "welfare_calc.web.janitor" in command)
    os.kill(helper, signal.SIGKILL)
    first.stop(signal.SIGKILL)
    assert any(name.endswith(folders.STATE) for name in left_in(tmp_path))
    with Serving(tmp_path, "--port", str(port)) as second:
        assert second.port == port
        assert second.token != first.token
        assert len(list(tmp_path.glob(f"{folders.BASE}-*/*/{folders.STATE}"))) == 1


def test_a_port_another_program_holds_is_said_in_chinese(in_tmp: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = CliRunner().invoke(cli, ["serve", "--port", str(port), "--no-open"])
    assert done.exit_code == 2
    assert done.stderr == (f"错误：无法在 127.0.0.1:{port} 上监听：地址已被占用：另有程序在该端口"
                           "上监听（请用 --port 另选端口）\n")


# --- on every address: the network's own ---------------------------------------------------

NETWORK = listening.network_addresses()
needs_network = pytest.mark.skipif(not NETWORK or ":" in NETWORK[0],
                                   reason="this PC has no IPv4 network address")


@needs_network
def test_on_every_address_the_pcs_own_address_is_printed_and_answered(tmp_path: Path) -> None:
    with Serving(tmp_path, "--host", "0.0.0.0") as serving:
        address = NETWORK[0]
        assert serving.url.startswith("http://127.0.0.1:")
        line = serving.process.stderr.readline()  # type: ignore[union-attr]
        assert line == (f"  其他电脑请打开：http://{address}:{serving.port}/?token="
                        f"{serving.token}\n")
        port, token = serving.port, {"x-welfare-calc-token": serving.token}

        def status(host: str, connect: str = address) -> int:
            return ask(port, request("GET", "/", port, token, host=host), host=connect).status

        assert status(f"{address}:{port}") == 200  # another PC, at the address printed
        assert status(f"127.0.0.1:{port}", "127.0.0.1") == 200  # this PC
        assert status(f"evil.example:{port}") == 400  # DNS rebinding
        assert status(f"{address}:{port + 1}") == 400
        assert status(f"10.255.255.1:{port}") == 400  # not the address it arrived at


def test_an_address_is_matched_as_the_connection_arrived() -> None:
    access = Access(frozenset({"127.0.0.1:8000"}), 8000, TOKEN, 1, any_address=True)
    arrived = {"server": ("::ffff:192.0.2.2", 8000)}
    assert access.names_this_server("192.0.2.2:8000", arrived)
    assert access.names_this_server("[::ffff:192.0.2.2]:8000", arrived)
    assert not access.names_this_server("192.0.2.3:8000", arrived)
    assert not access.names_this_server("192.0.2.2:8001", arrived)
    assert not access.names_this_server("192.0.2.2", arrived)
    fixed = Access(frozenset({"192.0.2.2:8000"}), 8000, TOKEN, 1)
    assert not fixed.names_this_server("192.0.2.9:8000", {"server": ("192.0.2.9", 8000)})


@pytest.mark.parametrize("host", ["example.com", "my-pc", "0.0.0.0.1"])
def test_a_host_is_an_address(in_tmp: Path, host: str) -> None:
    done = CliRunner().invoke(cli, ["serve", "--host", host, "--no-open"])
    assert done.exit_code == 2
    assert "请给出本机的地址（如 192.168.1.5），或用 0.0.0.0 表示所有地址" in done.stderr


# --- every bad request a 4xx, and no traceback ----------------------------------------------

MB = 1 << 20
NESTED = b"[" * 30_000 + b"]" * 30_000
"""Deeper than Python's parser goes, within the size an API call may have."""
LIST_DEEP = b'{"persons": ' + b"[" * 950 + b"]" * 950 + b"}"


@dataclass(frozen=True)
class Bad:
    """A bad request: the body is sent in chunks when ``streamed``."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    status: tuple[int, ...] = (400,)
    streamed: bool = False


def roster_form(name: str, data: bytes = b"", **fields: str) -> tuple[bytes, dict[str, str]]:
    body, kind = multipart({"through": "2020-08", "output": "csv", **fields}, name,
                           data or EXAMPLE.read_bytes())
    return body, {"content-type": kind}


def bad_requests() -> dict[str, Bad]:
    json_kind = {"content-type": "application/json"}
    form_kind = {"content-type": "application/x-www-form-urlencoded"}
    cases = {
        "a token not in ASCII, in the header": Bad("GET", "/", {
            "x-welfare-calc-token": "tökén"}, status=(403,)),
        "a token not in ASCII, in the address": Bad("GET", "/?token=t%C3%B6k%C3%A9n",
                                                     status=(403,)),
        "deeply nested JSON": Bad("POST", "/api/backpay", json_kind, NESTED),
        "a field nested deep in JSON": Bad("POST", "/api/backpay", json_kind, LIST_DEEP),
        "a field given as an object": Bad("POST", "/api/backpay", json_kind,
                                          b'{"persons": {"n": 1}, "category": "urban-dibao"}'),
        "half a surrogate pair in a value": Bad("POST", "/api/backpay", json_kind,
                                                b'{"category": "\\ud800", "persons": 1}'),
        "half a surrogate pair in a field's name": Bad("POST", "/api/backpay", json_kind,
                                                       b'{"\\udc00": 1}'),
        "a 1 MB call, streamed": Bad("POST", "/api/backpay", json_kind,
                                     b'{"x": "' + b"a" * MB + b'"}', (413,), streamed=True),
        "a 1 MB form, streamed": Bad("POST", "/", form_kind, b"persons=" + b"1" * MB, (413,),
                                     streamed=True),
        "a 3 MB roster, streamed (--max-upload 1)": Bad(
            "POST", "/roster", *roster_form("r.csv", b"a,b\n" * (3 * MB // 4))[::-1],
            status=(413,), streamed=True),
        "HEAD of the household page": Bad("HEAD", "/", status=(200,)),
        "HEAD of the roster page": Bad("HEAD", "/roster", status=(200,)),
        "HEAD of the standards": Bad("HEAD", "/standards", status=(200,)),
        "HEAD of the API": Bad("HEAD", "/api/backpay", status=(405,)),
        "a multipart form without its boundary": Bad(
            "POST", "/roster", {"content-type": "multipart/form-data"}, b"x" * 100),
        "a group column holding NUL": Bad(
            "POST", "/roster", *roster_form("r.csv", group_by="乡镇\0街道")[::-1]),
        "a NUL in the month": Bad("POST", "/roster",
                                  *roster_form("r.csv", through="2020-08\0")[::-1]),
    }
    for label, name in (("a 300-byte file name", "名" * 100 + ".csv"),
                        ("a file name holding NUL", "a\0b.csv"),
                        ("a file name that is an option", "-o.csv"),
                        ("a file name that is help", "--help.csv")):
        body, headers = roster_form(name)
        cases[label] = Bad("POST", "/roster", headers, body, status=(200,))
    return cases


BAD = bad_requests()


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_every_bad_request_is_a_4xx(bad: Bad) -> None:
    page = page_client(max_upload=MB)
    headers = {name: value.encode() for name, value in bad.headers.items()}
    answer = page.request(bad.method, bad.path, headers=headers,
                          content=iter([bad.body]) if bad.streamed else bad.body)
    assert answer.status_code in bad.status, answer.text[:300]
    if bad.status == (200,) and bad.method == "POST":
        assert "拒收 <strong>13</strong> 行" in answer.text  # the roster, computed
        link = re.search(r'href="(/roster/result/[\w-]+/result)"', answer.text)
        assert link is not None
        name = unquote_name(page.get(link.group(1)).headers["content-disposition"])
        assert len(name.encode()) < 255
        assert "\0" not in name


def unquote_name(disposition: str) -> str:
    from urllib.parse import unquote  # noqa: PLC0415

    found = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert found is not None
    return unquote(found.group(1))


def test_a_field_given_as_a_list_is_told_so() -> None:
    answer = API.post("/api/backpay", json={"category": "urban-dibao", "persons": [[3]],
                                            "through": "2020-08"})
    assert answer.status_code == 400
    assert answer.json() == {"error": "persons：请给出文字或数字，不能是列表或对象",
                             "field": "persons"}


def test_a_value_echoed_back_is_cut_short() -> None:
    page = page_client()
    answer = page.post("/api/backpay", json={"x" * 10_000: 1})
    assert answer.status_code == 400
    assert len(answer.json()["error"]) < 200
    assert len(answer.json()["field"]) < 50
    name = "名" * 300 + ".doc"
    shown = page.post("/roster", files={"file": (name, b"x", "text/plain")},
                      data={"through": "2020-08"})
    assert shown.status_code == 400
    message = re.search(r'id="roster-error">([^<]*)<', shown.text).group(1)  # type: ignore[union-attr]
    assert len(message) < 150


FIELDS = st.sampled_from(["category", "persons", "income", "start", "end", "supplement",
                          "through", "paid", "month", "rounding", "explain", "detail", "year"])
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats()
                           | ANY_TEXT, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(ANY_TEXT, inner, max_size=3), max_leaves=8)


def escaped(value: object) -> bytes:
    """``value`` as JSON, lone surrogates written as escapes (as a hostile client may)."""
    return json.dumps(value, ensure_ascii=True).encode()


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(FIELDS | ANY_TEXT, JSON_VALUES, max_size=6),
       st.sampled_from(["backpay", "entitlement"]))
def test_no_call_of_the_api_is_answered_500(call: dict[str, object], kind: str) -> None:
    answer = API.post(f"/api/{kind}", content=escaped(call),
                      headers={"content-type": "application/json"})
    assert answer.status_code in (200, 400), (call, answer.text)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(FIELDS | ANY_TEXT, ANY_TEXT, max_size=6))
def test_no_form_is_answered_500(form: dict[str, str]) -> None:
    from urllib.parse import urlencode  # noqa: PLC0415

    answer = API.post("/", content=urlencode(form, encoding="utf-8", errors="surrogatepass"),
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code in (200, 400), (form, answer.text[:300])


API = page_client()


@needs_proc
def test_a_real_server_answers_every_bad_request_with_a_4xx_and_no_traceback(
        tmp_path: Path) -> None:
    with Serving(tmp_path, "--max-upload", "1") as serving:
        port, token = serving.port, {"x-welfare-calc-token": serving.token}
        for label, bad in BAD.items():
            headers = {**token, **bad.headers}
            if bad.streamed:
                headers["transfer-encoding"] = "chunked"
                answer = ask(port, request(bad.method, bad.path, port, headers),
                             body_chunks=chunked(bad.body))
            else:
                answer = ask(port, request(bad.method, bad.path, port, headers, bad.body))
            assert answer.status in bad.status, (label, answer.body[:300])
        # 210 MB said by Content-Length: refused before a byte of it is read.
        for path, kind in (("/api/backpay", "application/json"),
                           ("/", "application/x-www-form-urlencoded"),
                           ("/roster", "multipart/form-data; boundary=x")):
            started = time.monotonic()
            answer = ask(port, request("POST", path, port, {
                **token, "content-type": kind, "content-length": str(210 * MB)}), timeout=10)
            assert answer.status == 413, path
            assert time.monotonic() - started < 5
        code, said = serving.stop(signal.SIGINT)
    assert (code, said) == (0, "welfare-calc serve：已停止\n")  # no traceback, no line at all
    assert processes_in(tmp_path) == {}
    assert left_in(tmp_path) == []


def test_a_failure_inside_a_route_is_one_line_not_a_traceback(
        capsys: pytest.CaptureFixture[str]) -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("张三 11010519491231002X")  # (what a message may hold)

    import asyncio  # noqa: PLC0415

    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    guard = Guard(broken, Access(frozenset({"testserver"}), 80, TOKEN, 1))
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"",
             "headers": [(b"host", b"testserver"), (b"x-welfare-calc-token", TOKEN.encode())]}
    asyncio.run(guard(scope, receive, send))
    assert sent[0]["status"] == 500
    err = capsys.readouterr().err
    assert err == "welfare-calc serve：对 / 的请求处理失败（RuntimeError），已答复出错\n"


def test_the_opening_page_is_private_and_holds_the_address(tmp_path: Path) -> None:
    base = folders.user_folder(tmp_path)
    place = folders.claim(base)
    try:
        page = place.announce("127.0.0.1", 8000, 'http://127.0.0.1:8000/?token=a"b<c')
        assert page.stat().st_mode & 0o777 == 0o600
        assert 'url=http://127.0.0.1:8000/?token=a&quot;b&lt;c"' in page.read_text()
    finally:
        place.leave()



@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for the browser")
def test_two_starts_at_once_give_one_server_and_its_page(tmp_path: Path) -> None:
    # Two double-clicks in a row: one server listens, the other opens its page.
    port = free_port()
    env, record = recording_browser(tmp_path)
    command = [sys.executable, "-m", "welfare_calc", "serve", "--port", str(port), "--open"]
    starts = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env={
        **os.environ, "TMPDIR": str(tmp_path), "WELFARE_CALC_LANG": "zh", **env})
        for _ in range(2)]
    try:
        ended = until(lambda: [start for start in starts if start.poll() is not None], 30)
        assert isinstance(ended, list)
        assert len(ended) == 1
        (opener,) = ended
        assert opener.returncode == 0
        assert opener.stderr is not None
        said = opener.stderr.read()
        assert re.fullmatch(rf"welfare-calc serve：已在 http://127\.0\.0\.1:{port}/\?token=\S+ "
                            r"上运行，已在浏览器中打开\n", said), said
        assert until(lambda: record.exists() and len(record.read_text().split()) == 2, 10)
    finally:
        for start in starts:
            if start.poll() is None:
                start.send_signal(signal.SIGINT)
                start.wait(timeout=30)
            if start.stderr is not None:
                start.stderr.close()
    assert left_in(tmp_path) == ["browser.sh", "opened.txt"]


@pytest.mark.parametrize(("where", "said"), [
    ("welfare_calc.web.app.shutil.copyfileobj", "无法保存上传的文件以供计算："),
    ("welfare_calc.web.children.subprocess.Popen", "无法启动计算："),
], ids=["the upload cannot be kept", "the calculation cannot start"])
def test_a_roster_the_system_refuses_is_told_in_one_line(
        monkeypatch: pytest.MonkeyPatch, where: str, said: str) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC if "copy" in where else errno.EMFILE, "refused")

    monkeypatch.setattr(where, refuse)
    answer = page_client().post("/roster", files={"file": ("名册.csv", EXAMPLE.read_bytes(),
                                                           "text/csv")},
                                data={"through": "2020-08"})
    assert answer.status_code == 400
    message = re.search(r'id="roster-error">([^<]*)<', answer.text)
    assert message is not None
    assert message.group(1).startswith(said)
    assert message.group(1) != said  # (the system's reason follows)


def test_a_second_start_waits_while_the_first_is_slow_to_say_where_it_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two double-clicks on a busy PC: the first server takes five seconds to say where it
    runs; the second, finding the port taken, waits for it as long as it is starting (a
    fixed three seconds once gave up, and the second start failed)."""
    from welfare_calc.cli import serve  # noqa: PLC0415

    clock = [0.0]
    found = folders.Running("127.0.0.1", 8123, "http://127.0.0.1:8123/?token=x",
                            tmp_path / "open.html")

    def survey(base: Path) -> list[folders.Running]:
        return [found] if clock[0] >= 5.0 else []

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    monkeypatch.setattr(serve.folders, "survey", survey)
    monkeypatch.setattr(serve.folders, "starting", lambda base, besides: True)
    monkeypatch.setattr(serve.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(serve.time, "sleep", sleep)
    assert serve._started_meanwhile(tmp_path, 8123, "mine") == found
    # Nothing starting: no wait at all.
    clock[0] = 0.0
    monkeypatch.setattr(serve.folders, "starting", lambda base, besides: False)
    assert serve._started_meanwhile(tmp_path, 8123, "mine") is None
    assert clock[0] == 0.0


def test_a_second_start_sees_the_first_say_where_it_runs_between_two_looks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first server says where it runs (and so is no longer starting) just after the
    second start looked for it: the second start still finds it and opens its page (it
    once looked where servers run, then whether one was starting, and missed it)."""
    from welfare_calc.cli import serve  # noqa: PLC0415

    announced = [False]
    found = folders.Running("127.0.0.1", 8123, "http://127.0.0.1:8123/?token=x",
                            tmp_path / "open.html")

    def survey(base: Path) -> list[folders.Running]:
        there = [found] if announced[0] else []
        announced[0] = True  # (the first server says where it runs right after this look)
        return there

    monkeypatch.setattr(serve.folders, "survey", survey)
    monkeypatch.setattr(serve.folders, "starting", lambda base, besides: not announced[0])
    monkeypatch.setattr(serve.time, "sleep", lambda seconds: None)
    assert serve._started_meanwhile(tmp_path, 8123, "mine") == found
