"""Fallback load generator when ``wrk`` is not installed: asyncio, raw HTTP/1.1, one process.

    python pyclient.py --url http://127.0.0.1:8911/api/v1/rounds/1/bookings \
        --bodies bodies0.jsonl --out responses.tsv --connections 48 --seconds 20 --dup-every 50

Same contract as ``post_bodies.lua``: each body is POSTed once, every ``dup-every``-th request
re-sends the body sent ``dup-lag`` fresh requests earlier; each response is logged as
``status<TAB>booking_no<TAB>dup`` (here the client knows which responses answer a duplicate).
Prints ``PY_SUMMARY {json}`` at the end. Bounded by time and by the number of bodies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from urllib.parse import urlsplit

BOOKING_NO = re.compile(rb'"booking_no"\s*:\s*"([^"]+)"')


class Feed:
    def __init__(self, bodies: list[bytes], dup_every: int, dup_lag: int) -> None:
        self.bodies, self.dup_every, self.dup_lag = bodies, dup_every, dup_lag
        self.n = self.fresh = self.dups = 0

    def next(self) -> tuple[bytes, bool] | None:
        self.n += 1
        if self.dup_every and self.n % self.dup_every == 0 and self.fresh > self.dup_lag:
            self.dups += 1
            return self.bodies[self.fresh - self.dup_lag - 1], True
        if self.fresh >= len(self.bodies):
            return None
        self.fresh += 1
        return self.bodies[self.fresh - 1], False


async def run(args: argparse.Namespace) -> dict:
    url = urlsplit(args.url)
    host, port, path = url.hostname or "127.0.0.1", url.port or 80, url.path
    with open(args.bodies, "rb") as fh:
        bodies = [line.rstrip(b"\n") for line in fh if line.strip()]
    feed = Feed(bodies, args.dup_every, args.dup_lag)
    latencies: list[float] = []
    log: list[str] = []
    errors = {"connect": 0, "read": 0, "timeout": 0}
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n".encode()
    deadline = time.monotonic() + args.seconds

    async def one(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes
    ) -> tuple[int, bytes, bool]:
        writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionResetError("closed before the status line")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        payload = await reader.readexactly(length) if length else b""
        return status, payload, close

    async def connection_loop() -> None:
        reader = writer = None
        while time.monotonic() < deadline:
            item = feed.next()
            if item is None:
                break
            body, is_dup = item
            started = time.perf_counter()
            for attempt in (1, 2):
                fresh_connection = writer is None
                try:
                    if writer is None:
                        try:
                            reader, writer = await asyncio.open_connection(host, port)
                        except OSError:
                            errors["connect"] += 1
                            await asyncio.sleep(0.01)
                            status = 0
                            break
                    assert reader is not None
                    status, payload, close = await asyncio.wait_for(
                        one(reader, writer, body), args.timeout
                    )
                    break
                except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    # A kept-alive connection the server closed meanwhile: resend once on a new one.
                    if attempt == 1 and not fresh_connection and not isinstance(exc, TimeoutError):
                        continue
                    errors["timeout" if isinstance(exc, TimeoutError) else "read"] += 1
                    status = 0
                    break
            if status == 0:
                continue
            latencies.append(time.perf_counter() - started)
            match = BOOKING_NO.search(payload) if status in (201, 409) else None
            log.append(f"{status}\t{match.group(1).decode() if match else ''}\t{int(is_dup)}")
            if status >= 500:
                log.append("#BODY\t" + payload[:300].decode("utf-8", "replace").replace("\n", " "))
            if close and writer is not None:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection_loop() for _ in range(args.connections)))
    duration = time.perf_counter() - started
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(log) + ("\n" if log else ""))
    latencies.sort()

    def pct(p: float) -> int:
        return (
            int(latencies[min(int(len(latencies) * p / 100), len(latencies) - 1)] * 1e6)
            if latencies
            else 0
        )

    return {
        "duration_us": int(duration * 1e6),
        "requests": len(latencies),
        "sent": feed.n,
        "fresh": feed.fresh,
        "dups": feed.dups,
        "exhausted": int(feed.fresh >= len(bodies)),
        "errors": {
            **errors,
            "write": 0,
            "status": sum(1 for line in log if not line.startswith(("2", "#"))),
        },
        "latency_us": {
            "min": pct(0),
            "max": int(latencies[-1] * 1e6) if latencies else 0,
            "mean": sum(latencies) / len(latencies) * 1e6 if latencies else 0.0,
            "stdev": 0.0,
            "p": {"50": pct(50), "90": pct(90), "99": pct(99), "99.9": pct(99.9)},
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--bodies", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--connections", type=int, default=48)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--dup-every", type=int, default=0)
    parser.add_argument("--dup-lag", type=int, default=256)
    args = parser.parse_args()
    summary = asyncio.run(run(args))
    print("PY_SUMMARY " + json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
