"""A small HTTP/1.1 load generator over loopback: N keep-alive connections, pre-built requests.

Raw asyncio streams rather than an HTTP client library, so the client costs little of the
machine's two cores and the server's figures are what we measure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class LoadResult:
    statuses: dict[int, int]
    latencies: list[float]
    seconds: float

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else float("nan")


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def run_load(
    port: int, requests: Iterator[bytes], connections: int, max_requests: int, max_seconds: float
) -> LoadResult:
    """Send up to `max_requests` requests within `max_seconds`, `connections` at a time."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + max_seconds
    budget = [max_requests]

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while budget[0] > 0 and time.perf_counter() < deadline:
                budget[0] -= 1
                try:
                    request = next(requests)
                except StopIteration:
                    return
                sent = time.perf_counter()
                writer.write(request)
                status = await _read_response(reader)
                latencies.append(time.perf_counter() - sent)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return LoadResult(statuses, latencies, time.perf_counter() - started)
