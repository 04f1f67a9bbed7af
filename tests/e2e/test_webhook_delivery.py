"""Webhook delivery end to end: a real ``vingt serve`` on each database, a receiver on loopback.

Deliveries are made from the event outbox after commit (``vingt/webhooks/dispatcher.py``); these
tests check what a receiver sees (Twenty's body and signature), the retry schedule (with a short
base delay), the delivery log and redelivery, and that a crash loses nothing committed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import live_server
from conftest import pg_database
from webhook_receiver import Receiver

pytestmark = pytest.mark.e2e

FAST = {
    "VINGT_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    "VINGT_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
    "VINGT_WEBHOOK_POLL_SECONDS": "0.2",
    "VINGT_WEBHOOK_TIMEOUT_SECONDS": "1",  # claims held by a killed process expire 3 s later
}
SECRET = "a3f1c9e07b5d4c2a8e6f10b9d7c3e5a1"
BODY_KEYS = ["targetUrl", "eventName", "objectMetadata", "workspaceId", "webhookId", "eventDate", "record"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def serve(url: str, tmp_path: Path, env: dict[str, str] | None = None, **kw: object) -> live_server.Server:
    return live_server.Server(url, tmp_path / "serve.log", env={**FAST, **(env or {})}, **kw)  # type: ignore[arg-type]


@pytest.fixture
def server(fresh_url: str, tmp_path: Path) -> Iterator[live_server.Server]:
    s = serve(fresh_url, tmp_path)
    yield s
    s.stop()


def api(server: live_server.Server, key: str | None = None) -> httpx.Client:
    token = key or server.key
    assert token
    return server.client(token)


def hook(c: httpx.Client, target: str, operations: list[str] | None = None, secret: str = SECRET) -> str:
    body: dict[str, object] = {"targetUrl": target, "secret": secret}
    if operations is not None:
        body["operations"] = operations
    r = c.post("/rest/webhooks", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def deliveries(c: httpx.Client, webhook_id: str, **params: str) -> list[dict]:
    r = c.get(f"/rest/webhooks/{webhook_id}/deliveries", params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["data"]["deliveries"])


def every_delivery(c: httpx.Client, webhook_id: str) -> list[dict]:
    """The whole delivery log, page by page."""
    out: list[dict] = []
    after = ""
    while True:
        params = {"limit": "100", **({"starting_after": after} if after else {})}
        page = c.get(f"/rest/webhooks/{webhook_id}/deliveries", params=params).json()
        out += page["data"]["deliveries"]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


def wait_until(check, timeout: float = 30, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def all_done(log: list[dict], count: int) -> list[dict] | None:
    """``log`` when it holds ``count`` deliveries, all succeeded."""
    return log if len(log) == count and all(d["status"] == "succeeded" for d in log) else None


def test_signed_deliveries_for_every_action(server: live_server.Server, receiver: Receiver) -> None:
    with api(server) as c:
        wid = hook(c, receiver.url())
        pid = c.post("/rest/people", json={"name": {"firstName": "Zoë", "lastName": "Martin"}, "city": "Paris"}).json()["data"]["createPerson"]["id"]
        assert c.patch(f"/rest/people/{pid}", json={"jobTitle": "CTO"}).status_code == 200
        assert c.delete(f"/rest/people/{pid}", params={"soft_delete": "true"}).status_code == 200
        assert c.patch(f"/rest/restore/people/{pid}").status_code == 200
        assert c.delete(f"/rest/people/{pid}").status_code == 200
        got = receiver.wait_for("/hook", 5)
        log = wait_until(lambda: all_done(deliveries(c, wid), 5), what="5 deliveries recorded")
    by_name = {r.payload["eventName"]: r for r in got}
    assert sorted(by_name) == sorted(["person.created", "person.updated", "person.deleted", "person.restored",
                                      "person.destroyed"])
    event_ids = {d["eventName"]: d["eventId"] for d in log}
    for name, r in by_name.items():
        assert r.signed_by(SECRET), name
        assert not r.signed_by("another secret")
        assert re.fullmatch(r"\d{13}", r.headers["X-Twenty-Webhook-Timestamp"])
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Twenty-Webhook-Nonce"])
        assert r.headers["Content-Type"] == "application/json"
        assert r.event_id == event_ids[name]
        body = r.payload
        assert list(body)[: len(BODY_KEYS)] == BODY_KEYS
        assert body["targetUrl"] == receiver.url()
        assert body["webhookId"] == wid
        assert body["objectMetadata"]["nameSingular"] == "person"
        assert body["record"]["id"] == pid
        assert "userId" not in body and "workspaceMemberId" not in body  # an API key wrote
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["eventDate"])
        assert "Zoë".encode() in r.body  # UTF-8 on the wire, not \u escapes (what JSON.stringify sends)
    assert "updatedFields" not in by_name["person.created"].payload
    assert "updatedFields" not in by_name["person.destroyed"].payload
    assert by_name["person.updated"].payload["updatedFields"] == ["jobTitle"]
    assert by_name["person.updated"].payload["record"]["jobTitle"] == "CTO"
    assert by_name["person.deleted"].payload["updatedFields"] == ["deletedAt"]
    assert by_name["person.deleted"].payload["record"]["deletedAt"] is not None
    assert by_name["person.restored"].payload["updatedFields"] == ["deletedAt"]
    assert by_name["person.restored"].payload["record"]["deletedAt"] is None
    assert by_name["person.destroyed"].payload["record"]["jobTitle"] == "CTO"  # the last state
    assert all([a["statusCode"] for a in d["attempts"]] == [200] for d in log)


def test_operations_choose_the_events(server: live_server.Server, receiver: Receiver) -> None:
    with api(server) as c:
        hook(c, receiver.url("/created"), ["person.created"])
        hook(c, receiver.url("/deleted"), ["*.deleted"])
        hook(c, receiver.url("/company"), ["company.*"])
        hook(c, receiver.url("/all"), ["*.*"])
        pid = c.post("/rest/people", json={"city": "Lyon"}).json()["data"]["createPerson"]["id"]
        c.post("/rest/companies", json={"name": "Acme"})
        c.delete(f"/rest/people/{pid}", params={"soft_delete": "true"})
        receiver.wait_for("/all", 3)
        time.sleep(0.5)  # anything wrongly matched would have come by now
    assert sorted(r.payload["eventName"] for r in receiver.at("/all")) == [
        "company.created", "person.created", "person.deleted"]
    assert [r.payload["eventName"] for r in receiver.at("/created")] == ["person.created"]
    assert [r.payload["eventName"] for r in receiver.at("/deleted")] == ["person.deleted"]
    assert [r.payload["eventName"] for r in receiver.at("/company")] == ["company.created"]


def test_a_failing_receiver_gets_the_event_later_and_the_log_shows_each_attempt(
    server: live_server.Server, receiver: Receiver
) -> None:
    receiver.respond = lambda r, n: 500 if n < 2 else 200
    with api(server) as c:
        wid = hook(c, receiver.url())
        c.post("/rest/people", json={"city": "Nantes"})
        got = receiver.wait_for("/hook", 3)
        assert len({r.event_id for r in got}) == 1  # three attempts of one event
        assert len({r.headers["X-Twenty-Webhook-Nonce"] for r in got}) == 3  # a nonce per attempt
        [d] = wait_until(lambda: [d for d in deliveries(c, wid) if d["status"] == "succeeded"], what="success")
        assert d["attemptCount"] == 3 and d["nextAttemptAt"] is None
        assert [a["statusCode"] for a in d["attempts"]] == [500, 500, 200]
        assert [a["response"] for a in d["attempts"]] == ["fail 500", "fail 500", "ok"]
        assert all(a["durationMs"] >= 0 and a["error"] is None for a in d["attempts"])
        times = [a["attemptedAt"] for a in d["attempts"]]
        assert times == sorted(times)
        assert deliveries(c, wid, status="pending") == [] and deliveries(c, wid, status="failed") == []

        r = c.post(f"/rest/webhooks/{wid}/deliveries/{d['id']}/redeliver")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "succeeded" and r.json()["attemptCount"] == 4
        assert [a["statusCode"] for a in r.json()["attempts"]] == [500, 500, 200, 200]
        assert receiver.at("/hook")[-1].event_id == d["eventId"]  # the same event, sent again

        missing = c.post(f"/rest/webhooks/{wid}/deliveries/{uuid.uuid4()}/redeliver")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "DELIVERY_NOT_FOUND"
        assert c.get(f"/rest/webhooks/{wid}/deliveries/{d['id']}/redeliver").status_code == 405
        bad = c.get(f"/rest/webhooks/{wid}/deliveries", params={"status": "lost"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_PARAMETER"


def test_the_log_pages_newest_first(server: live_server.Server, receiver: Receiver) -> None:
    with api(server) as c:
        wid = hook(c, receiver.url())
        for i in range(5):
            c.post("/rest/people", json={"jobTitle": str(i)})
        receiver.wait_for("/hook", 5)
        everything = deliveries(c, wid)
        seen: list[dict] = []
        after = ""
        while True:
            r = c.get(f"/rest/webhooks/{wid}/deliveries", params={"limit": "2", **({"starting_after": after} if after else {})})
            page = r.json()
            seen += page["data"]["deliveries"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert [d["id"] for d in seen] == [d["id"] for d in everything]
        assert len(seen) == 5
        created = [d["createdAt"] for d in seen]
        assert created == sorted(created, reverse=True)
        assert c.get(f"/rest/webhooks/{uuid.uuid4()}/deliveries").status_code == 404


def test_a_webhook_deleted_mid_retry_stops(server: live_server.Server, receiver: Receiver) -> None:
    receiver.respond = lambda r, n: 503
    with api(server) as c:
        wid = hook(c, receiver.url())
        c.post("/rest/people", json={"city": "Brest"})
        receiver.wait_for("/hook", 2)
        assert c.delete(f"/rest/webhooks/{wid}").status_code == 200
        time.sleep(0.3)  # an attempt already in flight may still land
        count = len(receiver.at("/hook"))
        time.sleep(2.0)  # at a 0.2 s base delay, four more attempts would have been made by now
        assert len(receiver.at("/hook")) == count


def test_redirects_are_not_followed(server: live_server.Server, receiver: Receiver) -> None:
    receiver.respond = lambda r, n: (302, {"Location": receiver.url("/elsewhere")}) if r.path == "/hook" else 200
    with api(server) as c:
        wid = hook(c, receiver.url())
        c.post("/rest/people", json={"city": "Metz"})
        [d] = wait_until(lambda: [d for d in deliveries(c, wid) if d["attempts"]], what="an attempt")
    assert d["attempts"][0]["statusCode"] == 302 and d["status"] == "pending"
    assert receiver.at("/elsewhere") == []


def test_a_private_target_is_refused_at_delivery(fresh_url: str, tmp_path: Path, receiver: Receiver) -> None:
    first = serve(fresh_url, tmp_path)
    try:
        key = first.key
        with api(first) as c:
            wid = hook(c, receiver.url())
    finally:
        first.stop()
    # the same database served without the development switch: the loopback target is refused
    # when the delivery is attempted (after resolution), and nothing reaches the receiver
    second = serve(fresh_url, tmp_path, {"VINGT_WEBHOOK_ALLOW_PRIVATE_TARGETS": "false"})
    try:
        with api(second, key) as c:
            c.post("/rest/people", json={"city": "Toul"})
            [d] = wait_until(lambda: [d for d in deliveries(c, wid) if d["attempts"]], what="an attempt")
    finally:
        second.stop()
    assert d["attempts"][0]["error"] == "Webhook URL resolves to a private/internal IP address"
    assert d["attempts"][0]["statusCode"] is None
    assert receiver.at("/hook") == []


def test_kill_9_loses_no_committed_event_and_sends_no_uncommitted_one(fresh_url: str, tmp_path: Path) -> None:
    down = Receiver()  # not listening yet: every attempt is refused
    first = serve(fresh_url, tmp_path)
    try:
        key = first.key
        assert key
        with api(first) as c:
            hook(c, down.url())
            for _ in range(4):
                assert c.post("/rest/batch/people", json=[{"city": "Pau"}] * 50).status_code == 201
            wid = c.get("/rest/webhooks").json()[0]["id"]
            log = wait_until(lambda: (lambda d: d if len(d) == 200 else None)(every_delivery(c, wid)),
                             what="200 deliveries")
            assert all(d["status"] == "pending" for d in log)

        stop = threading.Event()

        def write() -> None:
            with api(first, key) as w:
                while not stop.is_set():
                    try:
                        w.post("/rest/people", json={"city": "Albi"})
                    except httpx.HTTPError:
                        return

        writers = [threading.Thread(target=write) for _ in range(4)]
        for t in writers:
            t.start()
        time.sleep(0.5)
        first.proc.kill()  # SIGKILL, writes in flight
        first.proc.wait()
        stop.set()
        for t in writers:
            t.join()
    finally:
        first.stop()

    receiver = Receiver(down.port).start()
    second = serve(fresh_url, tmp_path)
    try:
        with api(second, key) as c:
            people: set[str] = set()
            after = ""
            while True:
                page = c.get("/rest/people", params={"limit": "200", **({"starting_after": after} if after else {})}).json()
                people |= {p["id"] for p in page["data"]["people"]}
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            assert len(people) > 200  # some writes in flight committed before the kill
            wait_until(lambda: {r.payload["record"]["id"] for r in receiver.at("/hook")} >= people, timeout=60,
                       what="every committed record delivered")
            time.sleep(0.5)
        delivered = {r.payload["record"]["id"] for r in receiver.at("/hook")}
        assert delivered == people  # nothing uncommitted was ever sent
        assert {r.payload["eventName"] for r in receiver.at("/hook")} == {"person.created"}
    finally:
        second.stop()
        receiver.stop()


def test_two_processes_deliver_each_event_once_per_webhook(tmp_path: Path, receiver: Receiver) -> None:
    # Twenty's 5 s timeout: an attempt the loaded receiver answers late must not count as failed
    # (a timed-out attempt that did arrive is retried: at least once, not a double claim)
    patient = {"VINGT_WEBHOOK_TIMEOUT_SECONDS": "5"}
    with pg_database("vingt_hooks2") as pg:
        a = serve(pg, tmp_path, patient)
        b = serve(pg, tmp_path, patient)
        try:
            assert a.key
            with api(a) as c:
                hook(c, receiver.url("/one"))
                hook(c, receiver.url("/two"))
            with api(a) as ca, api(b, a.key) as cb:
                for i in range(10):
                    r = (ca if i % 2 else cb).post("/rest/batch/people", json=[{"jobTitle": f"{i}-{j}"} for j in range(200)])
                    assert r.status_code == 201, r.text
            one = receiver.wait_for("/one", 2000, timeout=120)
            two = receiver.wait_for("/two", 2000, timeout=120)
            time.sleep(1.0)  # a repeat would come within the poll interval
        finally:
            a.stop()
            b.stop()
    for got in (receiver.at("/one"), receiver.at("/two")):
        ids = [r.event_id for r in got]
        assert len(ids) == 2000 and len(set(ids)) == 2000
    assert len(one) >= 2000 and len(two) >= 2000


def test_metadata_changes_reach_metadata_webhooks(server: live_server.Server, receiver: Receiver) -> None:
    with api(server) as c:
        hook(c, receiver.url("/metadata"), ["metadata.*.*"])
        hook(c, receiver.url("/fields"), ["metadata.fieldMetadata.*"])
        hook(c, receiver.url("/people"), ["person.*"])
        r = c.post("/rest/metadata/objects", json={"nameSingular": "invoice", "namePlural": "invoices",
                                                    "labelSingular": "Invoice", "labelPlural": "Invoices"})
        assert r.status_code == 201, r.text
        object_id = r.json()["data"]["createOneObject"]["id"]
        people = next(o for o in c.get("/rest/metadata/objects", params={"limit": "200"}).json()["data"]["objects"]
                      if o["nameSingular"] == "person")
        r = c.post("/rest/metadata/fields", json={"objectMetadataId": people["id"], "type": "TEXT",
                                                   "name": "nickname", "label": "Nickname"})
        assert r.status_code == 201, r.text
        field_id = r.json()["data"]["createOneField"]["id"]
        assert c.patch(f"/rest/metadata/fields/{field_id}", json={"label": "Alias"}).status_code == 200

        def arrived() -> bool:
            names = {r.payload["eventName"] for r in receiver.at("/metadata")}
            fields = [r for r in receiver.at("/fields") if r.payload["event"]["recordId"] == field_id]
            return "metadata.objectMetadata.created" in names and len(fields) == 2

        wait_until(arrived, what="the object's and the field's events")
        time.sleep(0.5)  # a repeat would have come by now
    got = receiver.at("/metadata")
    names = [r.payload["eventName"] for r in got]
    assert names.count("metadata.objectMetadata.created") == 1
    created = next(r.payload for r in got if r.payload["eventName"] == "metadata.objectMetadata.created")
    assert list(created) == ["targetUrl", "eventName", "workspaceId", "webhookId", "eventDate", "apiKeyId", "event"]
    assert created["event"]["metadataName"] == "objectMetadata"
    assert created["event"]["recordId"] == object_id and created["event"]["type"] == "created"
    assert created["event"]["properties"]["after"]["nameSingular"] == "invoice"
    assert all(r.signed_by(SECRET) for r in got)
    nickname = [r.payload["event"] for r in receiver.at("/fields") if r.payload["event"]["recordId"] == field_id]
    by_type = {e["type"]: e for e in nickname}  # deliveries are concurrent: no order between them
    assert len(nickname) == 2 and set(by_type) == {"created", "updated"}
    assert by_type["created"]["properties"]["after"]["name"] == "nickname"
    update = by_type["updated"]["properties"]
    assert update["updatedFields"] == ["label"]
    assert update["diff"] == {"label": {"before": "Nickname", "after": "Alias"}}
    assert update["before"]["label"] == "Nickname" and update["after"]["label"] == "Alias"
    assert receiver.at("/people") == []  # record webhooks do not receive metadata events


def test_vingt_worker_delivers_for_servers_that_do_not(fresh_url: str, tmp_path: Path, receiver: Receiver) -> None:
    quiet = serve(fresh_url, tmp_path, {"VINGT_WEBHOOK_DELIVERY": "false"})
    worker = None
    try:
        with api(quiet) as c:
            hook(c, receiver.url())
            c.post("/rest/people", json={"city": "Dax"})
            time.sleep(1.0)  # at a 0.2 s poll, a dispatching server would have sent it by now
            assert receiver.at("/hook") == []
            env = {**os.environ, **FAST}
            worker = subprocess.Popen([sys.executable, "-m", "vingt", "worker", "--database", fresh_url], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            [got] = receiver.wait_for("/hook", 1)
            assert got.payload["eventName"] == "person.created" and got.signed_by(SECRET)
    finally:
        quiet.stop()
        if worker is not None:
            worker.terminate()  # SIGTERM: it stops claiming and exits
            assert worker.wait(timeout=20) == 0
            assert "Vingt worker delivering webhooks" in (worker.stdout.read() if worker.stdout else "")


def delivery_processes(pid: int) -> list[int]:
    """The ``vingt worker`` children of a process (started by any of its threads)."""
    children: list[str] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += (task / "children").read_text().split()
        except OSError:
            continue
    found = []
    for child in children:
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"worker" in command:
            found.append(int(child))
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_on_postgresql_serve_delivers_from_a_process_of_its_own(tmp_path: Path, receiver: Receiver) -> None:
    with pg_database("vingt_hooks_process") as pg:
        s = serve(pg, tmp_path)
        try:
            [first] = wait_until(lambda: delivery_processes(s.proc.pid), what="the delivery process")
            with api(s) as c:
                hook(c, receiver.url())
                assert c.post("/rest/people", json={"city": "Rodez"}).status_code == 201
                receiver.wait_for("/hook", 1)
                os.kill(first, signal.SIGKILL)  # it dies: vingt serve starts another
                [second] = wait_until(lambda: [p for p in delivery_processes(s.proc.pid) if p != first],
                                      what="a new delivery process")
                assert c.post("/rest/people", json={"city": "Millau"}).status_code == 201
                got = receiver.wait_for("/hook", 2)
            assert sorted(r.payload["record"]["city"] for r in got) == ["Millau", "Rodez"]
            s.proc.kill()  # vingt serve dies: its delivery process stops too
            s.proc.wait()
            wait_until(lambda: not running(second), what="the delivery process to stop")
        finally:
            s.stop()
