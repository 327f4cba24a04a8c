"""Benchmark the clerks' page over HTTP on loopback: one household's call, alone and busy.

Starts ``welfare-calc serve --port 0``, then times ``POST /api/backpay`` for a
single household: requests per second and the median and 99th percentile
latency, first one client at a time, then 20 clients at once while a roster of
``--rows`` households (100,000 by default) is uploaded and computed.

One client at a time is measured against a **bare Starlette endpoint** too: the
same web stack (Starlette under uvicorn, on a socket made as ``serve`` makes it)
answering the same request with the same bytes and nothing else, so that the
ratio is what the page adds (its guard, reading the fields, the core, the
report). The two are timed in alternating rounds of ``--round`` requests, so
that a slow spell of the machine hits both alike, and the medians are compared.
The core alone (reading the fields, computing, the report and its JSON, in this
process, as the page's API does) is timed too. Usage::

    python bench/bench_page.py --requests 2000 --rows 100000
    python bench/bench_page.py --requests 2000 --rows 0      # no busy part
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import installed, roster

BODY = json.dumps({"category": "urban-dibao", "persons": 3, "income": "200",
                   "through": "2020-08"}).encode()
TOKEN: dict[str, str] = {}
"""The page's token, by its port: every request carries it, on this PC too (the address
``serve`` prints holds it); the bare endpoint has none."""


def token_header(port: int) -> str:
    """The header line that carries the page's token, where the server has one."""
    return f"x-welfare-calc-token: {TOKEN[str(port)]}\r\n" if str(port) in TOKEN else ""


FORM = urlencode({"category": "urban-dibao", "persons": "3", "income": "200",
                  "through": "2020-08", "name": "张秀英", "id": "11010519000101001X",
                  "locality": "周村区萌水镇萌水村"}).encode()
API = ("/api/backpay", "application/json", BODY)
PAGE = ("/", "application/x-www-form-urlencoded", FORM)


def calls(host: str, port: int, count: int, latencies: list[float],
          call: tuple[str, str, bytes] = API) -> None:
    """``count`` back-pay calls on one kept-alive connection, each one's seconds kept.

    Each request goes out in one ``sendall`` (http.client writes headers and body
    apart, and Nagle's algorithm with delayed ACKs then adds 40 ms to every call:
    a measure of the client, not of the server)."""
    path, kind, body = call
    request = (f"POST {path} HTTP/1.1\r\nhost: {host}:{port}\r\ncontent-type: "
               f"{kind}\r\n{token_header(port)}content-length: {len(body)}\r\n"
               "\r\n").encode() + body
    with socket.create_connection((host, port)) as connection:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = connection.makefile("rb")
        for _ in range(count):
            started = time.perf_counter()
            connection.sendall(request)
            status = reader.readline()
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            reader.read(length)
            assert b" 200 " in status, status
            latencies.append(time.perf_counter() - started)


def upload(host: str, port: int, roster: Path, done: list[float]) -> None:
    """The roster posted as the page's form posts it."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\ncontent-disposition: form-data; name=\"through\"\r\n\r\n"
            f"2020-08\r\n--{boundary}\r\ncontent-disposition: form-data; name=\"output\"\r\n"
            f"\r\ncsv\r\n--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; "
            f"filename=\"roster.csv\"\r\ncontent-type: text/csv\r\n\r\n").encode()
    body += roster.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=600)
    connection.request("POST", "/roster", body,
                       {"content-type": f"multipart/form-data; boundary={boundary}",
                        "x-welfare-calc-token": TOKEN[str(port)]})
    answer = connection.getresponse()
    answer.read()
    assert answer.status == 200, answer.status
    done.append(time.perf_counter() - started)


BARE = """
import socket, sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

ANSWER = sys.argv[1].encode()


async def answer(request):
    await request.body()
    return Response(ANSWER, media_type="application/json; charset=utf-8")


app = Starlette(routes=[Route("/api/backpay", answer, methods=["POST"])])
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(128)
print(f"http://127.0.0.1:{listener.getsockname()[1]}/", file=sys.stderr, flush=True)
config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
uvicorn.Server(config).run(sockets=[listener])
"""
"""A bare Starlette endpoint, served as ``serve`` serves the page, answering a given body."""


def started(command: list[str]) -> tuple[subprocess.Popen[str], str, int]:
    """A server started by ``command``, and the host and port it says it listens on."""
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    found = re.search(r"http://([\d.]+):(\d+)/(?:\?token=(\S+))?", server.stderr.readline())
    assert found is not None
    if found.group(3):
        TOKEN[found.group(2)] = found.group(3)
    return server, found.group(1), int(found.group(2))


def answer_of(host: str, port: int) -> str:
    """The page's answer to the benchmark's request."""
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request("POST", "/api/backpay", BODY, {"content-type": "application/json",
                                                      "x-welfare-calc-token": TOKEN[str(port)]})
    return connection.getresponse().read().decode()


def core_alone(count: int) -> float:
    """Seconds a call takes in the core alone (median of 5 runs of ``count``): the fields
    read, the back-pay computed, its report and its JSON, as the page's API makes them."""
    from welfare_calc.output.formats import Format, Lang  # noqa: PLC0415
    from welfare_calc.output.render import render  # noqa: PLC0415
    from welfare_calc.standards.loader import load_standards  # noqa: PLC0415
    from welfare_calc.web.app import Household, Served  # noqa: PLC0415

    served = Served(load_standards(None), None, 1, 1.0)
    cells = {name: str(value) for name, value in json.loads(BODY).items()}

    def one() -> None:
        call = Household(served, cells, Lang.ZH, for_people=False, explain=False,
                         detail=False, calls=("backpay",))
        assert call.backpay is not None
        render(call.backpay[0], Format.JSON, Lang.ZH)

    one()
    runs = []
    for _ in range(5):
        begun = time.perf_counter()
        for _ in range(count):
            one()
        runs.append((time.perf_counter() - begun) / count)
    return statistics.median(runs)


def summary(label: str, latencies: list[float], seconds: float) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (f"{label}: {len(latencies) / seconds:,.0f} requests/s, median "
            f"{1000 * statistics.median(ordered):.3f} ms, p99 {1000 * p99:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--round", type=int, default=200,
                        help="requests a round, the page and the bare endpoint alternating")
    parser.add_argument("--rows", type=int, default=100_000,
                        help="rows of the roster computed while 20 clients call (0: none)")
    parser.add_argument("--dir", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    exe = installed()
    print(f"core alone: {1000 * core_alone(2000):.3f} ms a call")
    server, host, port = started([exe, "serve", "--port", "0", "--no-open"])
    bare, bare_host, bare_port = started([sys.executable, "-c", BARE, answer_of(host, port)])
    try:
        calls(host, port, 50, [])  # warm up
        calls(bare_host, bare_port, 50, [])
        alone: list[float] = []
        plain: list[float] = []
        took = [0.0, 0.0]
        for _ in range(max(1, args.requests // args.round)):
            for side, (where, kept) in enumerate((((host, port), alone),
                                                   ((bare_host, bare_port), plain))):
                begun = time.perf_counter()
                calls(*where, args.round, kept)
                took[side] += time.perf_counter() - begun
        ratio = statistics.median(alone) / statistics.median(plain)
        print(summary("1 client", alone, took[0]))
        print(summary("1 client, a bare Starlette endpoint", plain, took[1])
              + f"; the page ÷ the bare endpoint: {ratio:.2f}× (medians)")
        if args.rows:
            busy(host, port, args)
        calls(host, port, 50, [], PAGE)  # warm up
        page: list[float] = []
        started_at = time.perf_counter()
        calls(host, port, args.requests, page, PAGE)
        print(summary("1 client, the form and its 计算单 (POST /)", page,
                      time.perf_counter() - started_at))
    finally:
        for process in (server, bare):
            process.terminate()
            process.wait(timeout=30)


def busy(host: str, port: int, args: argparse.Namespace) -> None:
    """20 clients at once while a roster of ``args.rows`` households is computed."""
    households = roster(args.dir, args.rows)
    busy_latencies: list[float] = []
    roster_took: list[float] = []
    uploading = threading.Thread(target=upload, args=(host, port, households, roster_took))
    uploading.start()
    time.sleep(0.5)
    clients = [threading.Thread(target=calls,
                                args=(host, port, args.requests // 20, busy_latencies))
               for _ in range(20)]
    begun = time.perf_counter()
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    took = time.perf_counter() - begun
    uploading.join()
    print(summary(f"20 clients during a {args.rows:,}-row roster", busy_latencies, took)
          + f"; the roster took {roster_took[0]:.1f} s")


if __name__ == "__main__":
    main()
