"""Metrics for ``GET /metrics``, in Prometheus' text format (``prometheus-client``).

Counted where they happen: every answered request by the request log middleware
(``requestlog.RequestLog``: route template, method, status, duration), every rate-limit refusal by
``ratelimit.spend_rate``. Read when scraped: the database pool's use (``Database.pool_use``) and the
webhook deliveries pending and failed (one count on the deliveries' status index).

One process keeps its values in memory. Under ``vingt serve --workers N`` every worker writes them
to files in ``PROMETHEUS_MULTIPROC_DIR`` (a fresh directory ``vingt serve`` makes and removes, or
the operator's), which prometheus-client reads back when any worker is scraped: counters and
histograms are summed over the workers, the pool gauges are one series per live worker (``pid``),
sampled every second. The mode is fixed when the module is imported, as prometheus-client fixes
its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from vingt.db.deliveries import unfinished_counts

log = logging.getLogger("vingt.metrics")

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
MULTIPROCESS = bool(os.environ.get(MULTIPROCESS_DIR))
CONTENT_TYPE = CONTENT_TYPE_LATEST
SAMPLE_SECONDS = 1.0  # how often each worker writes its pool's use, under --workers
SCRAPE_DB_SECONDS = 2.0  # the longest a scrape waits for the delivery counts
UNMATCHED = "unmatched"  # the route of a path no route serves (its text would be unbounded)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

disable_created_metrics()  # no ``_created`` series: they double the answer and say little here
REGISTRY = CollectorRegistry()
REQUESTS = Counter("vingt_http_requests", "HTTP requests answered, by route template, method and status",
                   ("route", "method", "status"), registry=REGISTRY)
DURATION = Histogram("vingt_http_request_duration_seconds", "Time to answer an HTTP request, by route template "
                     "and method", ("route", "method"), buckets=BUCKETS, registry=REGISTRY)
RATE_LIMITED = Counter("vingt_rate_limited_requests", "Requests refused with 429 RATE_LIMITED, by the window "
                       "that was spent", ("window",), registry=REGISTRY)
_RATE_LIMITED = {window: RATE_LIMITED.labels(window) for window in ("second", "minute")}
POOL_OPEN = Gauge("vingt_db_pool_connections", "Database connections open (SQLite: the one connection)",
                  multiprocess_mode="liveall", registry=REGISTRY)
POOL_IN_USE = Gauge("vingt_db_pool_connections_in_use", "Database connections held by a request or a "
                    "transaction (SQLite: 1 while a write transaction runs)", multiprocess_mode="liveall",
                    registry=REGISTRY)
POOL_MAX = Gauge("vingt_db_pool_connections_max", "The most database connections the pool may open",
                 multiprocess_mode="liveall", registry=REGISTRY)

# the counter and histogram children of each (route, method, status), made once
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """One answered request (called by the request log middleware, once per request)."""
    if method not in METHODS:
        method = "OTHER"
    key = (route, method, status)
    pair = _children.get(key)
    if pair is None:
        pair = _children.setdefault(key, (REQUESTS.labels(route, method, str(status)), DURATION.labels(route, method)))
    pair[0].inc()
    pair[1].observe(seconds)


def rate_limited(window: str) -> None:
    _RATE_LIMITED[window].inc()


def sample_pool(db: Any) -> None:
    size, in_use, most = db.pool_use()
    POOL_OPEN.set(size)
    POOL_IN_USE.set(in_use)
    POOL_MAX.set(most)


async def _sample_every(db: Any) -> None:
    while True:
        sample_pool(db)
        await asyncio.sleep(SAMPLE_SECONDS)


class Sampler:
    """Under ``--workers``: this worker's pool use written every ``SAMPLE_SECONDS`` (a scrape
    reaches one worker, which cannot ask the others), its live series removed when it stops."""

    def __init__(self, db: Any):
        self.db = db
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if MULTIPROCESS:
            self.task = asyncio.create_task(_sample_every(self.db))

    async def stop(self) -> None:
        if self.task is None:
            return
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        self.task = None
        mark_process_dead(os.getpid())


class _Scrape:
    """What one scrape collects: this process's metrics (or every worker's files) and the
    delivery counts just read."""

    def __init__(self, deliveries: dict[str, int] | None):
        self.deliveries = deliveries

    def collect(self) -> Iterator[Metric]:
        if MULTIPROCESS:
            yield from MultiProcessCollector(None).collect()
        else:
            yield from REGISTRY.collect()
        if self.deliveries is not None:
            family = GaugeMetricFamily("vingt_webhook_deliveries", "Webhook deliveries kept, by status: pending "
                                       "(to be attempted) and failed (given up)", labels=("status",))
            for status, count in sorted(self.deliveries.items()):
                family.add_metric((status,), count)
            yield family


async def exposition(db: Any, dialect: Any) -> bytes:
    """The metrics in the text format, the delivery counts read now (left out, and logged, when
    the database does not answer in ``SCRAPE_DB_SECONDS``)."""
    sample_pool(db)
    deliveries: dict[str, int] | None = None
    try:
        deliveries = await asyncio.wait_for(unfinished_counts(db, dialect), SCRAPE_DB_SECONDS)
    except Exception as exc:  # noqa: BLE001 - the other metrics are still worth answering
        log.warning("metrics: the webhook delivery counts are left out: %s: %s", type(exc).__name__, exc)
    return generate_latest(_Scrape(deliveries))  # type: ignore[arg-type]


def authorized(authorization: str | None, token: str) -> bool:
    """Whether ``Authorization`` is ``Bearer <token>`` (compared in constant time)."""
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
