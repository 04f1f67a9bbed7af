"""``Idempotency-Key`` on writes (DECISIONS.md §3, docs/write-contract.md).

Every test runs on SQLite and PostgreSQL: in-process for the contract, and against real
``vingt serve`` subprocesses for the restart and the concurrent repeats.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from conftest import Api, Workspace, assert_error, make_workspace, pg_database
from live_server import Server, together
from vingt.db import system
from vingt.db.database import open_database
from vingt.db.migrate import upgrade
from vingt.db.statements import execute, fetch
from vingt.db.url import parse_database_url
from vingt.rest import idempotency, records
from vingt.sql.dialect import dialect_for, iso_ms

KEY = "Idempotency-Key"


def marker() -> str:
    return uuid.uuid4().hex[:12]


def key() -> str:
    return f"key-{uuid.uuid4()}"


def count(api: Api | httpx.Client, m: str) -> int:
    r = api.get("/rest/people", params={"filter": f"city[eq]:{m}"})
    assert r.status_code == 200, r.text
    return int(r.json()["totalCount"])


def same_response(a: httpx.Response, b: httpx.Response) -> None:
    assert b.status_code == a.status_code
    assert b.content == a.content
    assert b.headers["content-type"] == a.headers["content-type"]
    assert b.headers.get("etag") == a.headers.get("etag")


def replayed(r: httpx.Response) -> bool:
    return r.headers.get("idempotent-replayed") == "true"


def run_sql(database_url: str, stmt: Any, read: bool = False) -> Any:
    """One statement on the system tables, from outside the server."""
    url = parse_database_url(database_url)

    async def run() -> Any:
        db = open_database(url)
        await db.start()
        try:
            dialect = dialect_for(db.kind)
            if read:
                return await fetch(db, dialect, stmt)
            async with db.transaction() as conn:
                return await execute(conn, dialect, stmt)
        finally:
            await db.close()

    return asyncio.run(run())


# ---- replay ------------------------------------------------------------------------------------------


def test_repeat_replays_the_first_response_and_writes_once(api: Api) -> None:
    m, k = marker(), key()
    first = api.post("/rest/people", json={"city": m}, headers={KEY: k})
    assert first.status_code == 201, first.text
    assert not replayed(first)
    second = api.post("/rest/people", json={"city": m}, headers={KEY: k})
    same_response(first, second)
    assert replayed(second)
    assert count(api, m) == 1


def test_a_metadata_change_is_replayed_and_made_once(api: Api) -> None:
    """A metadata write and its completed key are one (schema-changing) transaction too."""
    person = next(o for o in api.get("/rest/metadata/objects").json()["data"]["objects"] if o["nameSingular"] == "person")
    name, k = f"f{marker()}", key()
    body = {"objectMetadataId": person["id"], "name": name, "label": name, "type": "TEXT"}
    first = api.post("/rest/metadata/fields", json=body, headers={KEY: k})
    assert first.status_code == 201, first.text
    second = api.post("/rest/metadata/fields", json=body, headers={KEY: k})
    same_response(first, second)
    assert replayed(second)
    fields = api.get(f"/rest/metadata/objects/{person['id']}").json()["data"]["object"]["fields"]
    assert [f["name"] for f in fields].count(name) == 1
    # the new column is there: a record can be written and read with it
    r = api.post("/rest/people", json={name: "x"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createPerson"][name] == "x"


def test_same_key_with_another_request_is_409(api: Api) -> None:
    m, k = marker(), key()
    assert api.post("/rest/people", json={"city": m}, headers={KEY: k}).status_code == 201
    assert_error(api.post("/rest/people", json={"city": m, "jobTitle": "x"}, headers={KEY: k}), 409,
                 "IDEMPOTENCY_KEY_REUSED")
    assert_error(api.post("/rest/companies", json={"city": m}, headers={KEY: k}), 409, "IDEMPOTENCY_KEY_REUSED")
    assert_error(api.post("/rest/people", params={"depth": "1"}, json={"city": m}, headers={KEY: k}), 409,
                 "IDEMPOTENCY_KEY_REUSED")
    assert_error(api.put("/rest/people", json={"city": m}, headers={KEY: k}), 409, "IDEMPOTENCY_KEY_REUSED")
    assert count(api, m) == 1


def test_keys_are_per_workspace(api: Api, app_client: TestClient, database_url: str) -> None:
    other = Api(app_client, make_workspace(database_url, "Other").token)
    m, k = marker(), key()
    a = api.post("/rest/people", json={"city": m}, headers={KEY: k})
    b = other.post("/rest/people", json={"city": m}, headers={KEY: k})
    assert a.status_code == b.status_code == 201
    assert not replayed(b)
    assert a.json()["data"]["createPerson"]["id"] != b.json()["data"]["createPerson"]["id"]
    assert count(api, m) == 1 and count(other, m) == 1


def test_batch_create_is_replayed(api: Api) -> None:
    m, k = marker(), key()
    body = [{"city": m}, {"city": m}]
    first = api.post("/rest/batch/people", json=body, headers={KEY: k})
    assert first.status_code == 201, first.text
    second = api.post("/rest/batch/people", json=body, headers={KEY: k})
    same_response(first, second)
    assert replayed(second)
    assert count(api, m) == 2


def test_patch_is_replayed_without_writing(api: Api) -> None:
    m, k = marker(), key()
    pid = api.post("/rest/people", json={"city": m}).json()["data"]["createPerson"]["id"]
    first = api.patch(f"/rest/people/{pid}", json={"jobTitle": "first"}, headers={KEY: k})
    assert first.status_code == 200, first.text
    assert api.patch(f"/rest/people/{pid}", json={"jobTitle": "later"}).status_code == 200
    second = api.patch(f"/rest/people/{pid}", json={"jobTitle": "first"}, headers={KEY: k})
    same_response(first, second)
    assert replayed(second)
    assert api.get(f"/rest/people/{pid}").json()["data"]["person"]["jobTitle"] == "later"


def test_delete_is_replayed(api: Api) -> None:
    m, k = marker(), key()
    pid = api.post("/rest/people", json={"city": m}).json()["data"]["createPerson"]["id"]
    first = api.delete(f"/rest/people/{pid}", headers={KEY: k})
    assert first.status_code == 200, first.text
    second = api.delete(f"/rest/people/{pid}", headers={KEY: k})  # a 404 without the key
    same_response(first, second)
    assert replayed(second)


def test_a_4xx_is_stored_and_replayed(api: Api) -> None:
    m, k = marker(), key()
    body = {"city": m, "noSuchField": 1}
    first = api.post("/rest/people", json=body, headers={KEY: k})
    assert_error(first, 400, "UNKNOWN_FIELD")
    second = api.post("/rest/people", json=body, headers={KEY: k})
    same_response(first, second)
    assert replayed(second)
    assert count(api, m) == 0
    # a 412 too: the write does not run again once the record matches
    pid = api.post("/rest/people", json={"city": m}).json()["data"]["createPerson"]["id"]
    k = key()
    stale = {KEY: k, "If-Match": '"0000"'}
    first = api.patch(f"/rest/people/{pid}", json={"jobTitle": "x"}, headers=stale)
    assert_error(first, 412, "PRECONDITION_FAILED")
    again = api.patch(f"/rest/people/{pid}", json={"jobTitle": "x"}, headers=stale)
    assert again.status_code == 412 and again.json()["error"]["code"] == "PRECONDITION_FAILED"
    # the first answer again, to the byte: its body names the first request's id, the header this one's
    assert again.json()["error"]["details"]["requestId"] == first.headers["X-Request-Id"]
    assert again.headers["X-Request-Id"] != first.headers["X-Request-Id"]
    assert replayed(again)


def test_a_5xx_releases_the_key(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    m, k = marker(), key()
    real = records.handle
    calls = []

    async def failing_once(request: Any, principal: Any, path: str) -> Any:
        calls.append(path)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return await real(request, principal, path)

    monkeypatch.setattr(records, "handle", failing_once)
    assert_error(api.post("/rest/people", json={"city": m}, headers={KEY: k}), 500, "INTERNAL_ERROR")
    retry = api.post("/rest/people", json={"city": m}, headers={KEY: k})
    assert retry.status_code == 201, retry.text
    assert not replayed(retry)
    assert count(api, m) == 1


def test_get_ignores_the_header(api: Api) -> None:
    assert api.get("/rest/people", headers={KEY: ""}).status_code == 200
    assert api.get("/rest/people", headers={KEY: "x" * 300}).status_code == 200


@pytest.mark.parametrize(
    "value", [b"", b"x" * 256, b"caf\xc3\xa9", b"tab\there", b"del\x7f"], ids=["empty", "long", "utf8", "tab", "del"]
)
def test_invalid_keys_are_400(api: Api, value: bytes) -> None:
    m = marker()
    r = api.client.post("/rest/people", json={"city": m}, headers=[*api.headers.items(), (KEY, value)])  # type: ignore[list-item]
    body = assert_error(r, 400, "INVALID_PARAMETER")
    assert body["error"]["details"]["header"] == KEY
    assert count(api, m) == 0


def test_longest_and_odd_keys_are_accepted(api: Api) -> None:
    for k in ("x" * 243 + marker(), "a b ~!@#$%^&*()_+{}|:<>?" + marker(), "!"):
        m = marker()
        r = api.post("/rest/people", json={"city": m}, headers={KEY: k})
        assert r.status_code == 201, r.text
        assert replayed(api.post("/rest/people", json={"city": m}, headers={KEY: k}))


def test_a_repeated_header_is_400(api: Api) -> None:
    r = api.client.post(
        "/rest/people", json={"city": marker()}, headers=[*api.headers.items(), (KEY, "a"), (KEY, "b")]  # type: ignore[list-item]
    )
    assert_error(r, 400, "INVALID_PARAMETER")


# ---- claims: in progress, stale, expired ------------------------------------------------------------------


def claim_row(workspace: Workspace, k: str, request_body: bytes, age: dt.timedelta, **extra: Any) -> dict[str, Any]:
    return {
        "workspaceId": workspace.id,
        "key": k,
        "requestHash": idempotency.request_hash("POST", "/rest/people", b"", request_body),
        "claimId": str(uuid.uuid4()),
        "createdAt": iso_ms(dt.datetime.now(dt.UTC) - age),
        **extra,
    }


def post_raw(api: Api, body: bytes, k: str) -> httpx.Response:
    return api.post("/rest/people", content=body, headers={KEY: k, "Content-Type": "application/json"})


def test_a_request_in_progress_is_waited_for_then_409(
    api: Api, workspace: Workspace, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    m, k = marker(), key()
    body = orjson.dumps({"city": m})
    run_sql(database_url, sa.insert(system.idempotency_key).values(claim_row(workspace, k, body, dt.timedelta(0))))
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.2)
    started = time.monotonic()
    r = post_raw(api, body, k)
    assert time.monotonic() - started >= 0.2
    assert_error(r, 409, "IDEMPOTENCY_KEY_IN_PROGRESS")
    assert r.headers["retry-after"] == "1"
    assert count(api, m) == 0


def test_a_stale_claim_is_taken_over(api: Api, workspace: Workspace, database_url: str) -> None:
    """The process that claimed the key died: after STALE_SECONDS a retry runs the write."""
    m, k = marker(), key()
    body = orjson.dumps({"city": m})
    age = dt.timedelta(seconds=idempotency.STALE_SECONDS + 5)
    run_sql(database_url, sa.insert(system.idempotency_key).values(claim_row(workspace, k, body, age)))
    first = post_raw(api, body, k)
    assert first.status_code == 201, first.text
    assert not replayed(first)
    second = post_raw(api, body, k)
    same_response(first, second)
    assert count(api, m) == 1


def test_expired_rows_are_ignored_and_cleaned_up(
    api: Api, workspace: Workspace, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    m, k = marker(), key()
    old = dt.timedelta(hours=25)
    stored = {"status": 201, "body": '{"old":true}', "headers": "[]", "completedAt": iso_ms(dt.datetime.now(dt.UTC) - old)}
    # the same key, used 25 hours ago for another request: no 409, the write runs
    run_sql(database_url, sa.insert(system.idempotency_key).values(claim_row(workspace, k, b"{}", old, **stored)))
    r = post_raw(api, orjson.dumps({"city": m}), k)
    assert r.status_code == 201, r.text
    assert not replayed(r)
    # another expired key is deleted by the next cleanup
    k2 = key()
    run_sql(database_url, sa.insert(system.idempotency_key).values(claim_row(workspace, k2, b"{}", old, **stored)))
    monkeypatch.setattr(idempotency, "_last_cleanup", 0.0)
    assert post_raw(api, orjson.dumps({"city": m}), key()).status_code == 201
    t = system.idempotency_key
    rows = run_sql(database_url, sa.select(t.c.key).where(t.c.workspaceId == workspace.id, t.c.key.in_([k, k2])), read=True)
    assert [r[0] for r in rows] == [k]
    assert count(api, m) == 2


# ---- real servers: restart and concurrency -----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(database_url, tmp_path_factory.mktemp("idem") / "serve.log", workers=2)
    yield s
    s.stop()


@pytest.mark.e2e
def test_keys_survive_a_restart(database_url: str, tmp_path: Path) -> None:
    token = make_workspace(database_url, "Restart").token
    m, k = marker(), key()
    first = Server(database_url, tmp_path / "first.log")
    try:
        with first.client(token) as c:
            created = c.post("/rest/people", json={"city": m}, headers={KEY: k})
            assert created.status_code == 201, created.text
    finally:
        first.stop()
    second = Server(database_url, tmp_path / "second.log")
    try:
        with second.client(token) as c:
            again = c.post("/rest/people", json={"city": m}, headers={KEY: k})
            same_response(created, again)
            assert replayed(again)
            assert count(c, m) == 1
            assert_error(c.post("/rest/people", json={"city": "other"}, headers={KEY: k}), 409, "IDEMPOTENCY_KEY_REUSED")
    finally:
        second.stop()


@pytest.mark.e2e
def test_concurrent_repeats_write_once(server: Server, database_url: str) -> None:
    token = make_workspace(database_url, "Concurrent").token
    clients = 10
    for _ in range(3):
        m, k = marker(), key()
        connections = [server.client(token) for _ in range(clients)]
        for c in connections:
            c.get("/healthz")  # connect first, so that the posts leave together

        def send(i: int, m: str = m, k: str = k, connections: list[httpx.Client] = connections) -> httpx.Response:
            return connections[i].post("/rest/people", json={"city": m}, headers={KEY: k})

        try:
            results = together(clients, send)
        finally:
            for c in connections:
                c.close()
        created = [r for r in results if r.status_code == 201]
        busy = [r for r in results if r.status_code == 409]
        assert len(created) + len(busy) == clients, [r.text for r in results]
        for r in busy:
            assert r.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_PROGRESS"
        assert created, "no request succeeded"
        assert len({r.content for r in created}) == 1
        assert len([r for r in created if not replayed(r)]) == 1
        with server.client(token) as c:
            assert count(c, m) == 1


# ---- a crash between the write and its completed key -------------------------------------------------


async def _catch_between_write_and_completion(
    database_url: str, workspace_id: str, k: str, send: Any
) -> tuple[Any, Any] | None:
    """Send the write, lock its idempotency row as soon as it is claimed, and wait until the
    server blocks on completing it (the write done, not committed): the test's connection
    holding the lock, and the pending request. ``None`` when the write finished first."""
    import asyncpg

    conn = await asyncpg.connect(database_url)
    pending = asyncio.ensure_future(asyncio.to_thread(send))
    tx = conn.transaction()
    await tx.start()
    try:
        while not pending.done():
            if await conn.fetch(
                'SELECT 1 FROM "idempotencyKey" WHERE "workspaceId" = $1 AND key = $2 AND "completedAt" IS NULL '
                "FOR UPDATE SKIP LOCKED",
                workspace_id, k,
            ):
                break
        else:
            raise LookupError
        for _ in range(500):
            # a server connection waiting for the row this connection holds
            waiting = await conn.fetch(
                "SELECT 1 FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            )
            if waiting:
                return conn, pending
            if pending.done():
                raise LookupError
            await asyncio.sleep(0.01)
        raise LookupError
    except LookupError:
        await tx.rollback()
        await conn.close()
        await pending
        return None


@pytest.mark.e2e
def test_kill_9_between_write_and_completion_cannot_write_twice(tmp_path: Path) -> None:
    """The server dies (SIGKILL) with the write made and its idempotency key not yet completed:
    the write is rolled back with it, so the retry that takes the claim over writes once.

    On PostgreSQL, where a row lock taken from outside holds the server at that point (on
    SQLite the write and the completion are the same transaction on one connection too, with
    no way to stop the server between them from outside)."""
    with pg_database("crash") as database_url:
        upgrade(parse_database_url(database_url))
        _kill_9_between_write_and_completion(database_url, tmp_path)


def _kill_9_between_write_and_completion(database_url: str, tmp_path: Path) -> None:
    ws = make_workspace(database_url, "Crash")
    for attempt in range(10):
        m, k = marker(), key()
        batch = [{"city": m, "jobTitle": str(i)} for i in range(200)]
        server = Server(database_url, tmp_path / f"crash-{attempt}.log")
        client = server.client(ws.token)

        def send(client: httpx.Client = client, batch: list[dict[str, str]] = batch, k: str = k) -> httpx.Response:
            try:
                return client.post("/rest/batch/people", json=batch, headers={KEY: k})
            except httpx.HTTPError as exc:
                return exc  # type: ignore[return-value]

        async def crash(server: Server = server, k: str = k, send: Any = send) -> bool:
            caught = await _catch_between_write_and_completion(database_url, ws.id, k, send)
            if caught is None:
                return False
            conn, pending = caught
            server.proc.kill()
            server.proc.wait()
            await conn.execute("ROLLBACK")  # releases the row: the dead server's transaction ends
            await conn.close()
            assert isinstance(await pending, httpx.HTTPError)
            return True

        try:
            caught = asyncio.run(crash())
        finally:
            client.close()
            server.stop()
        if not caught:
            continue
        # the claim is left behind; once stale, a retry takes it over
        t = system.idempotency_key
        old = iso_ms(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=idempotency.STALE_SECONDS + 5))
        run_sql(database_url, sa.update(t).where(t.c.workspaceId == ws.id, t.c.key == k).values(createdAt=old))
        again = Server(database_url, tmp_path / "again.log")
        try:
            with again.client(ws.token) as c:
                assert count(c, m) == 0  # the write died with the server
                retried = c.post("/rest/batch/people", json=batch, headers={KEY: k})
                assert retried.status_code == 201, retried.text
                assert not replayed(retried)
                assert count(c, m) == 200
                replay = c.post("/rest/batch/people", json=batch, headers={KEY: k})
                same_response(retried, replay)
                assert replayed(replay)
                assert count(c, m) == 200
        finally:
            again.stop()
        return
    raise AssertionError("the write never stopped between its records and its completed key")


@pytest.mark.e2e
def test_a_write_the_database_rolls_back_to_break_a_deadlock_runs_again(tmp_path: Path) -> None:
    """A deadlock with another transaction: PostgreSQL rolls the server's write back
    (DeadlockDetected); the server runs the request again instead of answering 500.

    The server holds a new person's unique email and waits for its idempotency row, which
    this test holds; the test then inserts the same email, waiting for the server: a cycle,
    which the server's connection (waiting longest) detects and breaks."""
    with pg_database("deadlock") as database_url:
        upgrade(parse_database_url(database_url))
        ws = make_workspace(database_url, "Deadlock")
        server = Server(database_url, tmp_path / "deadlock.log")
        try:
            _deadlock_then_retry(database_url, ws, server)
        finally:
            server.stop()
        assert "unhandled error" not in (tmp_path / "deadlock.log").read_text()


def _deadlock_then_retry(database_url: str, ws: Workspace, server: Server) -> None:
    m, k = marker(), key()
    email = f"{m}@example.com"
    client = server.client(ws.token)

    def send() -> httpx.Response:
        return client.post("/rest/people", json={"city": m, "emails": {"primaryEmail": email}}, headers={KEY: k})

    async def collide() -> httpx.Response:
        caught = await _catch_between_write_and_completion(database_url, ws.id, k, send)
        assert caught is not None, "the write finished before its idempotency row could be held"
        conn, pending = caught
        schema = await conn.fetchval('SELECT "databaseSchema" FROM workspace WHERE id = $1', ws.id)
        # waits for the server's uncommitted email, which waits for this connection's row
        await conn.execute(
            f'INSERT INTO "{schema}".person (id, "createdAt", "updatedAt", "emailsPrimaryEmail", '
            '"createdBySource", "createdByName", "updatedBySource", "updatedByName") '
            "VALUES (gen_random_uuid(), now(), now(), $1, 'API', 'test', 'API', 'test')",
            email,
        )
        await conn.execute("ROLLBACK")  # the email and the row go: the retried write can run
        await conn.close()
        response: httpx.Response = await pending
        return response

    try:
        r = asyncio.run(collide())
    finally:
        client.close()
    assert r.status_code == 201, r.text
    with server.client(ws.token) as c:
        found = c.get("/rest/people", params={"filter": f"city[eq]:{m}"}).json()
        assert found["totalCount"] == 1
        assert found["data"]["people"][0]["emails"]["primaryEmail"] == email
