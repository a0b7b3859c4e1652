"""A closed-loop HTTP load generator: each worker sends a request as soon as the last returns.

Run in its own processes (python -m bench.load ...), so that the site's CPU is not the
generator's; prints the latencies of the requests that completed as JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time


def worker(host, port, path, cookie, deadline, latencies, errors):
    connection = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Cookie": cookie, "Connection": "keep-alive"}
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors.append(1)
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
            continue
        if response.status != 200:
            errors.append(response.status)
        else:
            latencies.append(time.perf_counter() - started)
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--cookie", required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    deadline = time.monotonic() + args.seconds
    latencies: list[float] = []
    errors: list = []
    threads = [
        threading.Thread(
            target=worker,
            args=(args.host, args.port, args.path, args.cookie, deadline, latencies, errors),
        )
        for _ in range(args.connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    json.dump({"latencies": latencies, "errors": len(errors)}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
