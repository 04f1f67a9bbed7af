"""``GET /metrics`` (vingt/metrics.py): the Prometheus text format, read back with prometheus-client's
parser; the requests a test makes counted by route template, method and status, a 429 counted, the
pool and the webhook deliveries read at scrape time, the token; and one scrape of a real
``vingt serve --workers 2`` summing both workers."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

import live_server
from conftest import Api, Workspace, assert_error, make_workspace
from vingt.app import create_app
from vingt.db import deliveries
from vingt.db.database import open_database
from vingt.db.statements import execute
from vingt.db.system import webhook_delivery as D
from vingt.db.url import parse_database_url
from vingt.settings import Settings
from vingt.sql.dialect import dialect_for

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
TOKEN = "metrics-" + uuid.uuid4().hex


def samples(text: str) -> Samples:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def scrape(client: TestClient | httpx.Client, token: str | None = None) -> Samples:
    r = client.get("/metrics", headers={"Authorization": f"Bearer {token}"} if token else {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=")
    return samples(r.text)


def value(s: Samples, name: str, **labels: str) -> float:
    return s.get((name, frozenset(labels.items())), 0.0)


def requests(s: Samples, route: str, method: str, status: int) -> float:
    return value(s, "vingt_http_requests_total", route=route, method=method, status=str(status))


def test_the_requests_made_are_counted_by_route_method_and_status(api: Api, app_client: TestClient) -> None:
    before = scrape(app_client)
    for _ in range(3):
        assert api.get("/rest/people").status_code == 200
    assert api.get(f"/rest/people/{uuid.uuid4()}").status_code == 404
    for name in ("Acme", "Globex"):
        assert api.post("/rest/companies", json={"name": name}).status_code == 201
    assert app_client.get("/no/such/route").status_code == 404
    assert app_client.request("BREW", "/healthz").status_code == 405
    after = scrape(app_client)

    def made(route: str, method: str, status: int) -> float:
        return requests(after, route, method, status) - requests(before, route, method, status)

    assert made("/rest/{object}", "GET", 200) == 3
    assert made("/rest/{object}/{id}", "GET", 404) == 1
    assert made("/rest/{object}", "POST", 201) == 2
    assert made("unmatched", "GET", 404) == 1  # the path itself is no label
    assert made("/healthz", "OTHER", 405) == 1  # nor a made-up method
    assert made("/metrics", "GET", 200) == 1  # the first scrape (a scrape counts once it is answered)
    assert not any(dict(labels).get("route") == "/no/such/route" for _, labels in after)

    def latency(suffix: str, **labels: str) -> float:
        name = "vingt_http_request_duration_seconds" + suffix
        return value(after, name, **labels) - value(before, name, **labels)

    get_many = {"route": "/rest/{object}", "method": "GET"}
    assert latency("_count", **get_many) == 3
    assert latency("_bucket", le="+Inf", **get_many) == 3
    assert latency("_sum", **get_many) > 0


def test_the_pool_and_the_deliveries_are_read_when_scraped(
    app_client: TestClient, database_url: str, backend: str, workspace: Workspace,
) -> None:
    def delivery(status: str) -> list[object]:
        # never due (and of no webhook): only counted
        return [str(uuid.uuid4()), workspace.id, str(uuid.uuid4()), str(uuid.uuid4()), "person.created", status, 0,
                "9999-01-01T00:00:00.000Z" if status == "pending" else None, "2026-01-01T00:00:00.000Z",
                "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"]

    rows = [delivery("pending"), delivery("pending"), delivery("failed"), delivery("succeeded")]

    async def change(insert: bool) -> None:
        db = open_database(parse_database_url(database_url))
        await db.start()
        dialect = dialect_for(db.kind)
        try:
            async with db.transaction() as conn:
                if insert:
                    await deliveries.insert_deliveries(conn, dialect, rows)
                else:
                    await execute(conn, dialect, sa.delete(D).where(D.c.id.in_([r[0] for r in rows])))
        finally:
            await db.close()

    before = scrape(app_client)
    asyncio.run(change(insert=True))
    try:
        after = scrape(app_client)
    finally:
        asyncio.run(change(insert=False))
    for status, more in (("pending", 2), ("failed", 1)):
        counted = value(after, "vingt_webhook_deliveries", status=status)
        assert counted - value(before, "vingt_webhook_deliveries", status=status) == more
    assert not any(dict(labels).get("status") == "succeeded" for name, labels in after
                   if name == "vingt_webhook_deliveries")

    most = value(after, "vingt_db_pool_connections_max")
    assert most == (1 if backend == "sqlite" else 10)  # SQLite: the one connection of the process
    assert 1 <= value(after, "vingt_db_pool_connections") <= most
    assert value(after, "vingt_db_pool_connections_in_use") == 0  # nothing holds one while it scrapes


@pytest.fixture(scope="module")
def guarded(database_url: str) -> Iterator[TestClient]:
    """The app with a metrics token and one request per second per workspace."""
    app = create_app(Settings(database_url=database_url, webhook_delivery=False, rate_limit_per_second=1,
                              rate_limit_per_minute=0, log_requests=False, metrics_token=TOKEN))
    with TestClient(app) as client:
        yield client


def test_a_rate_limited_request_is_counted_and_metrics_are_not_limited(
    guarded: TestClient, database_url: str,
) -> None:
    auth = {"Authorization": f"Bearer {make_workspace(database_url, 'Metrics limited').token}"}
    before = scrape(guarded, TOKEN)
    answers = [guarded.get("/rest/people", headers=auth).status_code for _ in range(2)]
    assert answers == [200, 429]
    scrapes = [guarded.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}) for _ in range(3)]
    assert [r.status_code for r in scrapes] == [200] * 3
    assert not any("X-RateLimit-Limit" in r.headers for r in scrapes)  # no workspace's budget
    after = samples(scrapes[-1].text)
    assert value(after, "vingt_rate_limited_requests_total", window="second") - \
        value(before, "vingt_rate_limited_requests_total", window="second") == 1
    assert requests(after, "/rest/{object}", "GET", 429) - requests(before, "/rest/{object}", "GET", 429) == 1


def test_with_a_token_metrics_need_it(guarded: TestClient, app_client: TestClient, api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": api.headers["Authorization"]}):  # an API key is not the metrics token
        r = guarded.get("/metrics", headers=headers)
        assert_error(r, 401, "UNAUTHENTICATED")
        assert r.headers["WWW-Authenticate"] == "Bearer"
    assert "vingt_http_requests_total" in {name for name, _ in scrape(guarded, TOKEN)}
    assert "vingt_http_requests_total" in {name for name, _ in scrape(app_client)}  # no token set: open


SENT = 48  # enough that both workers take some


@pytest.mark.e2e
def test_one_scrape_sums_every_workers_requests(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"  # where vingt serve makes its metrics directory
    tmp.mkdir()
    server = live_server.Server(f"sqlite:///{tmp_path / 'metrics.db'}", tmp_path / "serve.log", workers=2,
                                env={"TMPDIR": str(tmp)})
    try:
        [made] = tmp.glob("vingt-metrics-*")
        assert server.key
        auth = {"Authorization": f"Bearer {server.key}"}
        # each on its own connection: the workers take turns accepting them
        answers = [httpx.get(server.base + "/rest/people", headers=auth) for _ in range(SENT)]
        assert [r.status_code for r in answers] == [200] * SENT
        per_worker = []
        for counters in made.glob("counter_*.db"):
            alone = tmp_path / counters.stem
            alone.mkdir()
            shutil.copy(counters, alone)
            counted = {(s.name, frozenset(s.labels.items())): s.value
                       for family in MultiProcessCollector(None, path=str(alone)).collect() for s in family.samples}
            per_worker.append(requests(counted, "/rest/{object}", "GET", 200))
        assert len(per_worker) == 2 and min(per_worker) > 0 and sum(per_worker) == SENT, per_worker
        for _ in range(4):  # whichever worker answers the scrape
            with httpx.Client(base_url=server.base, headers={"Connection": "close"}) as c:
                s = scrape(c)
            assert requests(s, "/rest/{object}", "GET", 200) == SENT
            pids = {dict(labels)["pid"] for name, labels in s if name == "vingt_db_pool_connections"}
            assert len(pids) == 2, s  # one pool per worker
    finally:
        server.stop()
    assert not made.exists()  # removed when vingt serve exits
