"""Rate limits per workspace (vingt/ratelimit.py, DECISIONS.md §5): headers on every answer, 429
past either window, one unit per GraphQL root field; in-process apps with small limits, and two
servers sharing one budget through Redis."""

from __future__ import annotations

import math
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

import live_server
from conftest import Api, Workspace, make_workspace, pg_database
from vingt.app import create_app
from vingt.settings import Settings

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def limited(database_url: str) -> Iterator[TestClient]:
    """The app with 5 requests per second and 8 per minute per workspace."""
    app = create_app(Settings(database_url=database_url, webhook_delivery=False, rate_limit_per_second=5,
                              rate_limit_per_minute=8))
    with TestClient(app) as client:
        yield client


def auth(w: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {w.token}"}


def fresh_windows() -> None:
    """Wait for the start of a second, and of a minute if this one is nearly over: the windows
    are the clock's, so that a test's few requests fall in one of each."""
    now = time.time()
    wait = math.ceil(now) - now + 0.01
    if (now + wait) % 60 > 45:
        wait = 60 - now % 60 + 0.01
    time.sleep(wait)


def test_every_answer_says_where_the_budget_stands_and_429_past_it(limited: TestClient, database_url: str) -> None:
    w = make_workspace(database_url, "Limited")
    fresh_windows()
    answers = [limited.get("/rest/people", headers=auth(w)) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert [int(a.headers["X-RateLimit-Remaining"]) for a in answers] == [4, 3, 2, 1, 0]
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"5"}  # the second is the tighter window
    reset = int(answers[-1].headers["X-RateLimit-Reset"])
    assert time.time() - 1 <= reset <= time.time() + 2  # epoch seconds

    refused = limited.get("/rest/people", headers=auth(w))
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"]["code"] == "RATE_LIMITED" and body["statusCode"] == 429
    assert body["error"]["details"]["limit"] == 5 and body["error"]["details"]["window"] == "second"
    assert body["error"]["details"]["retryAfterSeconds"] >= 1
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-RateLimit-Remaining"] == "0"

    # errors spend budget too, and say so; another workspace has its own
    other = make_workspace(database_url, "Other")
    bad = limited.get("/rest/people", params={"limit": "x"}, headers=auth(other))
    assert bad.status_code == 400 and bad.headers["X-RateLimit-Remaining"] == "4"

    time.sleep(1.1)  # the next second's window is new; the minute (8) is what is left
    after = [limited.get("/rest/people", headers=auth(w)) for _ in range(3)]
    assert [a.status_code for a in after] == [200, 200, 429]  # 5 + 1 refused + 2 = 8 in the minute
    assert after[-1].json()["error"]["details"]["window"] == "minute"


def test_a_graphql_document_costs_one_unit_per_root_field(limited: TestClient, database_url: str) -> None:
    w = make_workspace(database_url, "GraphQL")
    query = "{ a: webhooks { id } b: webhooks { id } c: webhooks { id } }"
    fresh_windows()
    r = limited.post("/metadata", json={"query": query}, headers=auth(w))
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    assert r.headers["X-RateLimit-Remaining"] == "2"
    r = limited.post("/metadata", json={"query": query}, headers=auth(w))
    [error] = r.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["details"]["limit"] == 5
    assert int(r.headers["Retry-After"]) >= 1


def test_without_limits_answers_carry_no_rate_headers(api: Api) -> None:
    r = api.get("/rest/people")  # the suite's app runs with both windows at 0
    assert r.status_code == 200
    assert not any(h.lower().startswith("x-ratelimit") for h in r.headers)


def test_unauthenticated_requests_spend_nothing(limited: TestClient) -> None:
    for _ in range(8):
        assert limited.get("/rest/people").status_code == 403  # no token (as Twenty)
    r = limited.get("/rest/people")
    assert "X-RateLimit-Remaining" not in r.headers


@pytest.mark.e2e
def test_two_servers_share_one_budget_through_redis(tmp_path: Path) -> None:
    env = {"VINGT_RATE_LIMIT_PER_SECOND": "0", "VINGT_RATE_LIMIT_PER_MINUTE": "10", "VINGT_REDIS_URL": REDIS}
    with pg_database("vingt_rates") as url:
        a = live_server.Server(url, tmp_path / "a.log", env=env)
        b = live_server.Server(url, tmp_path / "b.log", env=env)
        try:
            assert a.key
            with a.client(a.key) as ca, b.client(a.key) as cb:
                fresh_windows()
                statuses = [(ca if i % 2 else cb).get("/rest/companies").status_code for i in range(12)]
                assert statuses.count(200) == 10 and statuses[-2:] == [429, 429]
                assert ca.get("/readyz").json()["checks"]["redis"] == "ok"
        finally:
            a.stop()
            b.stop()


@pytest.mark.e2e
def test_redis_unreachable_serves_without_limits(tmp_path: Path, database_url: str) -> None:
    env = {"VINGT_RATE_LIMIT_PER_SECOND": "1", "VINGT_REDIS_URL": "redis://127.0.0.1:1/0"}
    s = live_server.Server(database_url, tmp_path / "s.log", env=env)
    try:
        w = make_workspace(database_url, "NoRedis")
        with httpx.Client(base_url=s.base, headers=auth(w), timeout=30) as c:
            assert [c.get("/rest/people").status_code for _ in range(3)] == [200, 200, 200]
            ready = c.get("/readyz")
            assert ready.status_code == 503 and "rate limits are off" in ready.json()["checks"]["redis"]
        assert "rate limits are off" in s.log_path.read_text()
    finally:
        s.stop()


@pytest.mark.e2e
def test_redis_stopped_mid_test_requests_keep_succeeding(tmp_path: Path, database_url: str) -> None:
    """A Redis of the test's own, stopped while the server counts in it, then started again."""
    port = live_server._free_port()

    def start_redis() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", live_server.HOST, "--save", "",
                                 "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex((live_server.HOST, port)) == 0:
                    return proc
            time.sleep(0.05)
        proc.kill()
        raise AssertionError("redis-server did not start")

    redis = start_redis()
    env = {"VINGT_RATE_LIMIT_PER_SECOND": "1000", "VINGT_REDIS_URL": f"redis://{live_server.HOST}:{port}/0"}
    s = live_server.Server(database_url, tmp_path / "s.log", env=env)
    try:
        w = make_workspace(database_url, "RedisStops")
        with httpx.Client(base_url=s.base, headers=auth(w), timeout=30) as c:
            counted = c.get("/rest/people")
            assert counted.status_code == 200 and "X-RateLimit-Remaining" in counted.headers
            assert c.get("/readyz").status_code == 200
            redis.terminate()
            redis.wait(timeout=30)
            served = [c.get("/rest/people") for _ in range(5)]
            assert [r.status_code for r in served] == [200] * 5
            assert "X-RateLimit-Remaining" not in served[-1].headers  # not counted while Redis is away
            ready = c.get("/readyz")
            assert ready.status_code == 503 and "rate limits are off" in ready.json()["checks"]["redis"]
            redis = start_redis()
            again = [c.get("/rest/people") for _ in range(3)]  # a connection lost with Redis is made again
            assert [r.status_code for r in again] == [200] * 3
            assert "X-RateLimit-Remaining" in again[-1].headers
            assert c.get("/readyz").status_code == 200
    finally:
        s.stop()
        redis.kill()
        redis.wait()
