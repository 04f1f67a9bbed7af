"""Shared fixtures: every API test runs on SQLite and on PostgreSQL.

``backend`` is parametrized over both databases. PostgreSQL tests use a fresh database on
127.0.0.1:5432 per session; when the server is unreachable they are skipped, unless
``VINGT_REQUIRE_POSTGRES=1`` (set by CI), which turns that into a failure.

Overridable by environment: ``VINGT_TEST_PG_URL`` (the admin connection),
``VINGT_TEST_PG_DB_PREFIX`` (names of the databases the suite creates and drops, default
``vingt_test``); tests/live_server.py honours ``VINGT_TEST_HOST`` and ``VINGT_TEST_PORTS``.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from live_server import Server
from vingt.app import create_app
from vingt.db.database import Database, open_database
from vingt.db.migrate import upgrade
from vingt.db.url import parse_database_url
from vingt.settings import Settings
from vingt.workspaces import create_workspace

PG_ADMIN_URL = os.environ.get("VINGT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB_PREFIX = os.environ.get("VINGT_TEST_PG_DB_PREFIX", "vingt_test")
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def _pg_available() -> str | None:
    try:
        _pg_admin("SELECT 1")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means unreachable
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'vingt.db'}"
        upgrade(parse_database_url(url))
        yield url
        return
    with pg_database(PG_DB_PREFIX) as url:
        upgrade(parse_database_url(url))
        yield url


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no system tables yet) of each kind, for a server a test starts."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'e2e.db'}"
        return
    with pg_database("vingt_e2e") as url:
        yield url


@contextmanager
def pg_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards. Unreachable PostgreSQL skips the
    test, or fails it where ``VINGT_REQUIRE_POSTGRES=1`` (CI)."""
    problem = _pg_available()
    if problem is not None:
        if os.environ.get("VINGT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but unreachable at {PG_ADMIN_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    if not prefix.startswith(PG_DB_PREFIX):
        prefix = f"{PG_DB_PREFIX}_{prefix}"
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def graphql_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One ``vingt serve`` per database for the tests of /graphql over HTTP
    (tests/e2e/test_graphql_*.py), which share it: each works on records, objects and events of
    its own in the workspace the server made (its key is ``server.key``)."""
    tmp = tmp_path_factory.mktemp("graphql-server")
    if request.param == "sqlite":
        server = Server(f"sqlite:///{tmp / 'vingt.db'}", tmp / "server.log", cwd=tmp)
        try:
            yield server
        finally:
            server.stop()
        return
    with pg_database("vingt_e2e") as url:
        server = Server(url, tmp / "server.log", cwd=tmp)
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@dataclass
class Workspace:
    id: str
    token: str


def with_db(database_url: str, fn: Callable[[Database], Awaitable[Any]]) -> Any:
    """``fn`` run on a database of its own (opened, then closed), from a test's thread."""
    async def run() -> Any:
        db = open_database(parse_database_url(database_url))
        await db.start()
        try:
            return await fn(db)
        finally:
            await db.close()

    return asyncio.run(run())


def make_workspace(database_url: str, name: str = "Test") -> Workspace:
    async def run() -> Workspace:
        db = open_database(parse_database_url(database_url))
        await db.start()
        try:
            workspace_id, key = await create_workspace(db, name)
        finally:
            await db.close()
        return Workspace(workspace_id, key.token)

    return asyncio.run(run())


@pytest.fixture(scope="session")
def app_client(database_url: str) -> Iterator[TestClient]:
    """The application in-process, its lifespan running for the whole session."""
    # no deliveries from the in-process app: tests that deliver start a real server
    # nor rate limits: tests that limit make their own app
    app = create_app(Settings(database_url=database_url, webhook_delivery=False, rate_limit_per_second=0,
                              rate_limit_per_minute=0, log_requests=False))
    with TestClient(app, raise_server_exceptions=True) as client:
        yield client


@pytest.fixture(scope="module")
def workspace(database_url: str) -> Workspace:
    """A new workspace (standard objects, empty tables) for each test module."""
    return make_workspace(database_url)


class Api:
    """A client bound to one workspace's API key."""

    def __init__(self, client: TestClient, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, **kw: object) -> httpx.Response:
        headers = {**self.headers, **kw.pop("headers", {})}  # type: ignore[dict-item]
        return self.client.request(method, path, headers=headers, **kw)  # type: ignore[arg-type]

    def get(self, path: str, **kw: object) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: object) -> httpx.Response:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: object) -> httpx.Response:
        return self.request("PATCH", path, **kw)

    def put(self, path: str, **kw: object) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: object) -> httpx.Response:
        return self.request("DELETE", path, **kw)


@pytest.fixture(scope="module")
def api(app_client: TestClient, workspace: Workspace) -> Api:
    return Api(app_client, workspace.token)


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    """The DECISIONS.md error body, with this status and code, and the answer's request id in its
    details (returned without it, for comparisons of the rest)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "statusCode", "messages"}, body
    assert body["statusCode"] == status
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    assert body["error"]["details"].pop("requestId") == response.headers["X-Request-Id"], body
    assert body["messages"] == [body["error"]["message"]]
    return body
