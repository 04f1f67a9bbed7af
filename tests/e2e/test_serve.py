"""End to end: ``vingt serve`` and the other commands as subprocesses, over real HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

import live_server
from conftest import pg_database

pytestmark = pytest.mark.e2e

VINGT = [sys.executable, "-m", "vingt"]


class Server(live_server.Server):
    """``vingt serve`` in ``cwd``; ``output`` is what it printed so far."""

    def __init__(self, url: str, cwd: Path, workers: int = 1, demo: bool = False):
        super().__init__(url, cwd / f"serve-{uuid.uuid4().hex[:8]}.log", workers=workers, cwd=cwd, demo=demo)

    @property
    def output(self) -> list[str]:
        return self.log_path.read_text().splitlines(keepends=True)


def run_cli_lines(*args: str, cwd: Path) -> list[dict]:
    """What a ``vingt`` command printed: one JSON object per line."""
    out = subprocess.run([*VINGT, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def run_cli(*args: str, cwd: Path) -> dict:
    lines = run_cli_lines(*args, cwd=cwd)
    assert len(lines) == 1, lines
    return lines[0]


def test_serve_prints_a_key_that_reads_people(fresh_url: str, tmp_path: Path) -> None:
    server = Server(fresh_url, tmp_path)
    try:
        assert server.key, "".join(server.output)
        with server.client(server.key) as c:
            r = c.get("/rest/people")
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["data"] == {"people": []}
            assert body["totalCount"] == 0
            assert body["pageInfo"] == {
                "hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None,
            }
            created = c.post("/rest/people", json={"name": {"firstName": "Grace", "lastName": "Hopper"}})
            assert created.status_code == 201, created.text
            pid = created.json()["data"]["createPerson"]["id"]
            assert c.get(f"/rest/people/{pid}").json()["data"]["person"]["name"]["lastName"] == "Hopper"
            assert c.get("/rest/people").json()["totalCount"] == 1
        assert httpx.get(server.base + "/rest/people").status_code == 403
        # the start-up lines: where the home page, the reference and GraphQL are, how to get a key
        printed = "".join(server.output)
        for path in ("/", "/rest/docs", "/graphql", "/metadata"):
            assert f"{server.base}{path}" in printed, printed
        assert httpx.get(server.base + "/").status_code == 200
        assert httpx.get(server.base + "/rest/docs").status_code == 200
        assert "./vingt apikey create --workspace" in printed
    finally:
        server.stop()


def test_first_start_fills_the_default_workspace_with_demo_data(fresh_url: str, tmp_path: Path) -> None:
    first = Server(fresh_url, tmp_path, demo=True)
    try:
        assert first.key, "".join(first.output)
        assert ("Added demo data to 'Default': 20 companies, 60 people, 30 opportunities, 30 notes, 30 tasks, "
                "30 activities (vingt serve --no-demo skips it).\n") in first.output
        with first.client(first.key) as c:
            assert c.get("/rest/people").json()["totalCount"] == 60
            assert c.get("/rest/opportunities").json()["totalCount"] == 30
            timeline = c.get("/rest/timelineActivities", params={"filter": "name[eq]:linked-note.created"})
            assert timeline.json()["totalCount"] > 30
    finally:
        first.stop()
    second = Server(fresh_url, tmp_path, demo=True)  # the workspace exists: no demo data added again
    try:
        assert not any("demo data" in line for line in second.output), "".join(second.output)
        with second.client(first.key) as c:
            assert c.get("/rest/people").json()["totalCount"] == 60
    finally:
        second.stop()


def test_keys_survive_restart_and_no_second_default_workspace(fresh_url: str, tmp_path: Path) -> None:
    first = Server(fresh_url, tmp_path)
    first.stop()
    assert first.key
    second = Server(fresh_url, tmp_path)
    try:
        assert second.key is None, "a second Default workspace was created"
        with second.client(first.key) as c:
            assert c.get("/rest/companies").status_code == 200
    finally:
        second.stop()


def test_cli_workspace_and_key_lifecycle(fresh_url: str, tmp_path: Path) -> None:
    server = Server(fresh_url, tmp_path)
    try:
        ws = run_cli("workspace", "create", "Acme", "--database", fresh_url, cwd=tmp_path)
        assert set(ws) == {"workspaceId", "apiKey"}
        uuid.UUID(ws["workspaceId"])
        key = run_cli(
            "apikey", "create", "--workspace", ws["workspaceId"], "--name", "zapier",
            "--expires-at", "2099-01-01T00:00:00Z", "--database", fresh_url, cwd=tmp_path,
        )
        assert set(key) == {"id", "token"}
        with server.client(key["token"]) as c:
            created = c.post("/rest/companies", json={"name": "Acme"})
            assert created.status_code == 201, created.text
            assert created.json()["data"]["createCompany"]["createdBy"]["name"] == "zapier"
            # the default workspace's key does not see Acme's company
            assert server.key
            with server.client(server.key) as other:
                assert other.get("/rest/companies").json()["totalCount"] == 0
            revoked = run_cli("apikey", "revoke", key["id"], "--database", fresh_url, cwd=tmp_path)
            assert revoked == {"id": key["id"], "revoked": True}
            deadline = time.monotonic() + 5
            status = 200
            while time.monotonic() < deadline:
                r = c.get("/rest/companies")
                status = r.status_code
                if status == 403:
                    break
                time.sleep(0.1)
            assert status == 403
            assert r.json()["error"]["code"] == "FORBIDDEN"
        with server.client(ws["apiKey"]) as c:
            assert c.get("/rest/companies").json()["totalCount"] == 1
    finally:
        server.stop()


def test_apikey_create_for_unknown_workspace_fails(fresh_url: str, tmp_path: Path) -> None:
    run_cli("workspace", "create", "Only", "--database", fresh_url, cwd=tmp_path)
    out = subprocess.run(
        [*VINGT, "apikey", "create", "--workspace", str(uuid.uuid4()), "--database", fresh_url],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode != 0
    assert "not found" in out.stderr


def test_readyz_follows_the_database(tmp_path: Path) -> None:
    """/readyz: 200 with the database answering at the migrations' head; 503 naming the
    database while PostgreSQL refuses connections to it; 200 again once it accepts them."""
    import asyncio

    import asyncpg

    from conftest import PG_ADMIN_URL
    from vingt.db.migrate import upgrade
    from vingt.db.url import parse_database_url

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with pg_database("ready") as url:
        upgrade(parse_database_url(url))
        name = url.rsplit("/", 1)[1]
        server = Server(url, tmp_path)
        try:
            ready = httpx.get(server.base + "/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}
            asyncio.run(admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            asyncio.run(admin(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
                "AND pid <> pg_backend_pid()"
            ))
            down = httpx.get(server.base + "/readyz")
            assert down.status_code == 503, down.text
            assert down.json()["status"] == "unavailable" and down.json()["checks"]["database"] != "ok"
            assert httpx.get(server.base + "/healthz").status_code == 200  # alive all along
            asyncio.run(admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            # the pool's connections died with the terminated backends: it replaces them as they
            # fail, so readiness comes back within as many checks as it holds connections
            statuses = [httpx.get(server.base + "/readyz").status_code for _ in range(12)]
            assert 200 in statuses, statuses
            assert set(statuses[statuses.index(200):]) == {200}, statuses
        finally:
            server.stop()


def test_cli_lists_workspaces_and_keys_without_tokens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'list.db'}"
    first = run_cli("workspace", "create", "First", "--database", url, cwd=tmp_path)
    second = run_cli("workspace", "create", "Second", "--database", url, cwd=tmp_path)
    listed = run_cli_lines("workspace", "list", "--database", url, cwd=tmp_path)
    assert [(w["id"], w["displayName"]) for w in listed] == [
        (first["workspaceId"], "First"), (second["workspaceId"], "Second"),
    ]
    extra = run_cli("apikey", "create", "--workspace", first["workspaceId"], "--name", "zapier", "--database", url,
                    cwd=tmp_path)
    run_cli("apikey", "revoke", extra["id"], "--database", url, cwd=tmp_path)
    keys = run_cli_lines("apikey", "list", "--workspace", first["workspaceId"], "--database", url, cwd=tmp_path)
    assert len(keys) == 2 and keys[1]["id"] == extra["id"] and keys[1]["name"] == "zapier"
    assert keys[0]["revokedAt"] is None and keys[1]["revokedAt"] is not None
    printed = json.dumps(keys)
    assert first["apiKey"] not in printed and extra["token"] not in printed
    assert all(set(k) == {"id", "workspaceId", "name", "expiresAt", "revokedAt", "createdAt", "scope", "objects"} for k in keys)
    missing = subprocess.run([*VINGT, "apikey", "list", "--workspace", str(uuid.uuid4()), "--database", url],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "no workspace" in missing.stderr
