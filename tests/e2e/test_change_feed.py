"""The change feed ``GET /rest/events`` on a real server (the dispatcher gives events their
place in it), on both databases: order under concurrent writes, filters, cursors, retention."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import live_server

pytestmark = pytest.mark.e2e

FAST = {"VINGT_WEBHOOK_POLL_SECONDS": "0.2"}


def serve(url: str, tmp_path: Path, env: dict[str, str] | None = None) -> live_server.Server:
    return live_server.Server(url, tmp_path / "serve.log", env={**FAST, **(env or {})})


@pytest.fixture
def server(fresh_url: str, tmp_path: Path) -> Iterator[live_server.Server]:
    s = serve(fresh_url, tmp_path)
    yield s
    s.stop()


def client(server: live_server.Server) -> httpx.Client:
    assert server.key
    return server.client(server.key)


def read_until(c: httpx.Client, cursor: str | None, want: int, limit: int = 7, **params: str) -> tuple[list[dict], str | None]:
    """Page the feed from ``cursor`` until ``want`` events came (or 30 s passed)."""
    seen: list[dict] = []
    deadline = time.monotonic() + 30
    while len(seen) < want and time.monotonic() < deadline:
        r = c.get("/rest/events", params={"limit": str(limit), **({"after": cursor} if cursor else {}), **params})
        assert r.status_code == 200, r.text
        body = r.json()
        seen += body["data"]["events"]
        cursor = body["pageInfo"]["endCursor"]
        if not body["pageInfo"]["hasNextPage"]:
            time.sleep(0.05)
    return seen, cursor


def test_paging_under_concurrent_writes_loses_and_repeats_nothing(server: live_server.Server) -> None:
    created: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def write(i: int) -> None:
        with client(server) as w:
            for n in range(60):
                r = w.post("/rest/people", json={"jobTitle": f"{i}-{n}"})
                assert r.status_code == 201, r.text
                with lock:
                    created.append(r.json()["data"]["createPerson"]["id"])

    seen: list[dict] = []

    def read() -> None:
        cursor = None
        with client(server) as c:
            while not stop.is_set() or len(seen) < len(created):
                page, cursor = read_until(c, cursor, 1)
                seen.extend(page)
                if stop.is_set() and not page:
                    break

    writers = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    reader = threading.Thread(target=read)
    reader.start()
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    reader.join(timeout=60)
    ids = [e["id"] for e in seen]
    assert len(ids) == len(set(ids)) == 240  # no repeat
    assert sorted(e["recordId"] for e in seen) == sorted(created)  # no loss
    assert {e["eventName"] for e in seen} == {"person.created"}


def test_the_feed_shows_each_change_with_its_filters(server: live_server.Server) -> None:
    with client(server) as c:
        empty = c.get("/rest/events").json()
        start = empty["data"]["events"][-1]["id"] if empty["data"]["events"] else None
        pid = c.post("/rest/people", json={"city": "Caen"}).json()["data"]["createPerson"]["id"]
        c.patch(f"/rest/people/{pid}", json={"city": "Rouen"})
        c.post("/rest/companies", json={"name": "Acme"})
        c.delete(f"/rest/people/{pid}")
        events, end = read_until(c, start, 4, limit=100)
        assert [e["eventName"] for e in events] == ["person.created", "person.updated", "company.created",
                                                    "person.destroyed"]
        created, updated, _, destroyed = events
        assert created["before"] is None and created["after"]["city"] == "Caen" and created["updatedFields"] is None
        assert updated["before"]["city"] == "Caen" and updated["after"]["city"] == "Rouen"
        assert updated["updatedFields"] == ["city"] and updated["recordId"] == pid
        assert destroyed["after"] is None and destroyed["before"]["city"] == "Rouen"
        assert created["objectMetadata"]["nameSingular"] == "person"

        only, _ = read_until(c, start, 1, limit=100, object="person", action="updated")
        assert [e["id"] for e in only] == [updated["id"]]
        companies = c.get("/rest/events", params={"object": "company", **({"after": start} if start else {})}).json()
        assert [e["eventName"] for e in companies["data"]["events"]] == ["company.created"]

        # the end of the feed: an empty page keeps the cursor, to poll with
        tail = c.get("/rest/events", params={"after": end}).json()
        assert tail["data"]["events"] == [] and tail["pageInfo"]["endCursor"] == end
        assert tail["pageInfo"]["hasNextPage"] is False

        for params, status, code in [
            ({"after": str(uuid.uuid4())}, 410, "CURSOR_EXPIRED"),
            ({"after": "nope"}, 400, "INVALID_CURSOR"),
            ({"object": "persons"}, 400, "INVALID_PARAMETER"),
            ({"action": "exploded"}, 400, "INVALID_PARAMETER"),
            ({"since": "x"}, 400, "UNKNOWN_PARAMETER"),
        ]:
            r = c.get("/rest/events", params=params)
            assert (r.status_code, r.json()["error"]["code"]) == (status, code), params
        assert c.post("/rest/events", json={}).status_code == 405


def test_old_events_and_finished_deliveries_are_pruned(fresh_url: str, tmp_path: Path) -> None:
    from webhook_receiver import Receiver

    receiver = Receiver().start()
    # a retention of about 2 s, pruned every half second
    s = serve(fresh_url, tmp_path, {"VINGT_EVENT_RETENTION_DAYS": "0.000025", "VINGT_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true"})
    try:
        with client(s) as c:
            wid = c.post("/rest/webhooks", json={"targetUrl": receiver.url()}).json()["id"]
            c.post("/rest/people", json={"city": "Laval"})
            [event], _ = read_until(c, None, 1)
            receiver.wait_for("/hook", 1)
            assert len(c.get(f"/rest/webhooks/{wid}/deliveries").json()["data"]["deliveries"]) == 1
            # a delivery is kept as long after it finished as an event after it was made: it may go a
            # pass of the pruner after its event

            def pruned() -> bool:
                return (c.get("/rest/events", params={"after": event["id"]}).status_code == 410
                        and not c.get(f"/rest/webhooks/{wid}/deliveries").json()["data"]["deliveries"])

            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not pruned():
                time.sleep(0.2)
            r = c.get("/rest/events", params={"after": event["id"]})
            assert r.status_code == 410 and r.json()["error"]["code"] == "CURSOR_EXPIRED"
            assert c.get("/rest/events").json()["data"]["events"] == []
            assert c.get(f"/rest/webhooks/{wid}/deliveries").json()["data"]["deliveries"] == []
    finally:
        s.stop()
        receiver.stop()
