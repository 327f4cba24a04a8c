"""Benchmark the clerks' page over HTTP on loopback: one household's call, alone and busy.

Starts ``welfare-calc serve --port 0``, then times ``POST /api/backpay`` for a
single household: requests per second and the median and 99th percentile
latency, first one client at a time, then 20 clients at once while a roster of
``--rows`` households (100,000 by default) is uploaded and computed; and the
form's ``POST /`` (the page and its 计算单, whose case included), one client at a
time. Usage::

    python bench/bench_page.py --requests 2000 --rows 100000
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
FORM = urlencode({"category": "urban-dibao", "persons": "3", "income": "200",
                  "through": "2020-08", "name": "张秀英", "id": "11010519000101001X",
                  "locality": "周村区萌水镇萌水村"}).encode()
API = ("/api/backpay", "application/json", BODY)
PAGE = ("/", "application/x-www-form-urlencoded", FORM)


def calls(host: str, port: int, token: str, count: int, latencies: list[float],
          call: tuple[str, str, bytes] = API) -> None:
    """``count`` back-pay calls on one kept-alive connection, each one's seconds kept.

    Each request goes out in one ``sendall`` (http.client writes headers and body
    apart, and Nagle's algorithm with delayed ACKs then adds 40 ms to every call:
    a measure of the client, not of the server)."""
    path, kind, body = call
    request = (f"POST {path} HTTP/1.1\r\nhost: {host}:{port}\r\ncontent-type: "
               f"{kind}\r\nx-welfare-calc-token: {token}\r\n"
               f"content-length: {len(body)}\r\n\r\n").encode() + body
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


def upload(host: str, port: int, token: str, roster: Path, done: list[float]) -> None:
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
                        "x-welfare-calc-token": token})
    answer = connection.getresponse()
    answer.read()
    assert answer.status == 200, answer.status
    done.append(time.perf_counter() - started)


def summary(label: str, latencies: list[float], seconds: float) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (f"{label}: {len(latencies) / seconds:,.0f} requests/s, median "
            f"{1000 * statistics.median(ordered):.1f} ms, p99 {1000 * p99:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    households, exe = roster(args.dir, args.rows), installed()
    server = subprocess.Popen([exe, "serve", "--port", "0", "--no-open"],
                              stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    # (the address printed carries the token every request needs, on this PC too)
    found = re.search(r"http://([\d.]+):(\d+)/\?token=(\S+)", server.stderr.readline())
    assert found is not None
    host, port, token = found.group(1), int(found.group(2)), found.group(3)
    try:
        calls(host, port, token, 50, [])  # warm up
        alone: list[float] = []
        started = time.perf_counter()
        calls(host, port, token, args.requests, alone)
        print(summary("1 client", alone, time.perf_counter() - started))
        busy: list[float] = []
        roster_took: list[float] = []
        uploading = threading.Thread(target=upload, args=(host, port, token, households,
                                                             roster_took))
        uploading.start()
        time.sleep(0.5)
        clients = [threading.Thread(target=calls, args=(host, port, token, args.requests // 20,
                                                        busy))
                   for _ in range(20)]
        started = time.perf_counter()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        took = time.perf_counter() - started
        uploading.join()
        print(summary(f"20 clients during a {args.rows:,}-row roster", busy, took)
              + f"; the roster took {roster_took[0]:.1f} s")
        calls(host, port, token, 50, [], PAGE)  # warm up
        page: list[float] = []
        started = time.perf_counter()
        calls(host, port, token, args.requests, page, PAGE)
        print(summary("1 client, the form and its 计算单 (POST /)", page,
                      time.perf_counter() - started))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
