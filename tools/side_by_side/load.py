"""The load generator: client threads with kept-alive HTTP/1.1 connections, and the interleaved
measurement of one query on both servers.

A cell (one query, one format, one number of clients) is measured in rounds. Each round runs a
block of requests against one server and then the same requests against the other, first ours
then Datasette's, then the other way round (ABBA), so that anything else the machine does while
the benchmark runs falls on both alike. A block's requests are the query's next variants: both
servers get the same ones, and no two blocks repeat them while the pool lasts.
"""

import http.client
import json
import math
import threading
import time
from dataclasses import dataclass, field

from .queries import FORMATS


class Client:
    """One connection to one server, reopened when the server closes it (an idle keep-alive
    connection timed out, or the server answers Connection: close)."""

    def __init__(self, server):
        self.server, self.connection = server, None

    def get(self, path):
        """(status, body) of a GET."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=600)
            try:
                self.connection.request("GET", path, headers={"Accept-Encoding": "identity"})
                response = self.connection.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, http.client.CannotSendRequest, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status, body
        raise AssertionError("unreachable")

    def get_json(self, path):
        status, body = self.get(path)
        if status != 200:
            raise RuntimeError(f"{self.server.name} answered {status} to {path}: {body[:300]!r}")
        return json.loads(body)

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Side:
    times: list = field(default_factory=list)  # seconds per page (all its requests)
    errors: list = field(default_factory=list)  # (status, path)
    wall: float = 0.0  # seconds the blocks took, for the throughput


@dataclass
class Cell:
    query: object
    fmt: str
    clients: int
    ours: Side = field(default_factory=Side)
    peer: Side = field(default_factory=Side)


def run_block(server, pages, clients, side):
    """Request each page (a list of paths, requested in turn on one connection) with `clients`
    threads that each take the next page as soon as their last one is done (a closed loop)."""
    lock, queue = threading.Lock(), list(reversed(pages))

    def client_loop():
        client = Client(server)
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    paths = queue.pop()
                started = time.perf_counter()
                try:
                    failed = [(status, path) for path in paths if (status := client.get(path)[0]) != 200]
                except (OSError, http.client.HTTPException) as error:  # a server that died or hung up
                    failed = [(repr(error), paths)]
                elapsed = time.perf_counter() - started
                with lock:
                    if failed:
                        side.errors += failed
                    else:
                        side.times.append(elapsed)
        finally:
            client.close()

    threads = [threading.Thread(target=client_loop) for _ in range(min(clients, len(pages)))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    side.wall += time.perf_counter() - started


class Measurement:
    def __init__(self, ours, peer, requests=30, rounds=3, warmup=2, budget=60.0):
        self.ours, self.peer = ours, peer
        self.requests, self.rounds, self.warmup, self.budget = requests, rounds, warmup, budget
        self.next_variant = {}  # query key → index of the next variant to use

    def variants(self, query, count):
        start = self.next_variant.get(query.key, 0)
        self.next_variant[query.key] = start + count
        return [query.variants[(start + i) % len(query.variants)] for i in range(count)]

    def cell(self, query, fmt, clients):
        cell = Cell(query, fmt, clients)
        # Each client makes at least 3 requests a block: fewer would leave much of it at less than
        # the concurrency it is meant to measure (the block's last requests run with fewer beside them).
        per_block = max(math.ceil(self.requests / self.rounds), 3 * clients)
        warm = Side()
        for variant in self.variants(query, self.warmup):
            run_block(self.ours, [variant.ours[fmt]], 1, warm)
            run_block(self.peer, [variant.peer[fmt]], 1, warm)
        started = time.perf_counter()
        for round_number in range(self.rounds):
            chosen = self.variants(query, per_block)
            order = [(self.ours, cell.ours, "ours"), (self.peer, cell.peer, "peer")]
            for server, side, name in order if round_number % 2 == 0 else reversed(order):
                run_block(server, [getattr(variant, name)[fmt] for variant in chosen], clients, side)
            if time.perf_counter() - started > self.budget:
                break
        return cell

    def run(self, queries, levels, on_cell=None):
        cells = []
        for clients in levels:
            for query in queries:
                for fmt in FORMATS:
                    cells.append(self.cell(query, fmt, clients))
                    if on_cell:
                        on_cell(cells[-1])
        return cells
