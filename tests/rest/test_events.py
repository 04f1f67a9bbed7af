"""Every write leaves its events: one outbox row per record change, written in the write's
transaction (engine/events.py). A test per route and action, on SQLite and PostgreSQL; a
write that fails leaves no event (and no record).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import jwt
import orjson
import pytest

from conftest import Api, Workspace, assert_error
from vingt.db.database import open_database
from vingt.db.system_queries import load_events
from vingt.db.url import parse_database_url
from vingt.sql.dialect import dialect_for


def marker() -> str:
    return uuid.uuid4().hex[:12]


class Outbox:
    """The events of one workspace, read from outside the server."""

    def __init__(self, database_url: str, workspace: Workspace):
        self.url = parse_database_url(database_url)
        self.workspace_id = workspace.id
        self.key_id = jwt.decode(workspace.token, options={"verify_signature": False})["jti"]
        self.seen = len(self.all())

    def all(self) -> list[dict[str, Any]]:
        async def run() -> list[dict[str, Any]]:
            db = open_database(self.url)
            await db.start()
            try:
                return await load_events(db, dialect_for(db.kind), self.workspace_id)
            finally:
                await db.close()

        return asyncio.run(run())

    def new(self) -> list[dict[str, Any]]:
        """The events written since the last call, oldest first."""
        rows = self.all()
        out, self.seen = rows[self.seen :], len(rows)
        return out


@pytest.fixture
def outbox(database_url: str, workspace: Workspace) -> Outbox:
    return Outbox(database_url, workspace)


def check(event: dict[str, Any], outbox: Outbox, action: str, record_id: str, object_name: str = "person") -> None:
    assert event["action"] == action, event
    assert event["recordId"] == record_id
    assert event["objectName"] == object_name
    assert event["workspaceId"] == outbox.workspace_id
    assert event["apiKeyId"] == outbox.key_id
    assert orjson.loads(event["actor"])["apiKeyId"] == outbox.key_id
    uuid.UUID(event["id"])
    before = None if event["before"] is None else orjson.loads(event["before"])
    after = None if event["after"] is None else orjson.loads(event["after"])
    if action == "created":
        assert before is None and after["id"] == record_id
    elif action == "destroyed":
        assert after is None and before["id"] == record_id
    else:
        assert before["id"] == after["id"] == record_id
        assert orjson.loads(event["updatedFields"]) == [
            k for k, v in after.items() if k != "updatedAt" and before.get(k) != v
        ]


def one(outbox: Outbox) -> dict[str, Any]:
    events = outbox.new()
    assert len(events) == 1, events
    return events[0]


def person(api: Api, **values: Any) -> dict[str, Any]:
    r = api.post("/rest/people", json=values)
    assert r.status_code == 201, r.text
    return r.json()["data"]["createPerson"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("depth", ["0", "1"])
def test_create_one(api: Api, outbox: Outbox, depth: str) -> None:
    m = marker()
    r = api.post("/rest/people", params={"depth": depth}, json={"city": m, "jobTitle": "a"})
    assert r.status_code == 201, r.text
    created = r.json()["data"]["createPerson"]
    event = one(outbox)
    check(event, outbox, "created", created["id"])
    after = orjson.loads(event["after"])
    assert (after["city"], after["jobTitle"]) == (m, "a")
    assert "company" not in after  # the record at depth 0, whatever the response's depth


def test_create_one_with_fields_records_the_whole_record(api: Api, outbox: Outbox) -> None:
    m = marker()
    r = api.post("/rest/people", params={"fields": "id"}, json={"city": m})
    assert r.status_code == 201, r.text
    event = one(outbox)
    assert orjson.loads(event["after"])["city"] == m


def test_batch_create(api: Api, outbox: Outbox) -> None:
    m = marker()
    r = api.post("/rest/batch/people", json=[{"city": m, "jobTitle": str(i)} for i in range(3)])
    assert r.status_code == 201, r.text
    ids = [p["id"] for p in r.json()["data"]["createPeople"]]
    events = outbox.new()
    assert [e["recordId"] for e in events] == ids
    for e in events:
        check(e, outbox, "created", e["recordId"])


def test_upsert_resolves_to_created_or_updated(api: Api, outbox: Outbox) -> None:
    m = marker()
    existing = person(api, city=m, jobTitle="old")
    outbox.new()
    fresh = str(uuid.uuid4())
    body = [{"id": existing["id"], "jobTitle": "new"}, {"id": fresh, "city": m}]
    r = api.post("/rest/batch/people", params={"upsert": "true"}, json=body)
    assert r.status_code == 201, r.text
    events = outbox.new()
    assert [(e["action"], e["recordId"]) for e in events] == [("updated", existing["id"]), ("created", fresh)]
    check(events[0], outbox, "updated", existing["id"])
    check(events[1], outbox, "created", fresh)
    assert orjson.loads(events[0]["updatedFields"]) == ["jobTitle"]


def test_upsert_one(api: Api, outbox: Outbox) -> None:
    m = marker()
    existing = person(api, city=m, jobTitle="old")
    outbox.new()
    r = api.post("/rest/people", params={"upsert": "true"}, json={"id": existing["id"], "jobTitle": "new"})
    assert r.status_code == 201, r.text
    check(one(outbox), outbox, "updated", existing["id"])


def test_update_one(api: Api, outbox: Outbox) -> None:
    p = person(api, city=marker(), jobTitle="old")
    outbox.new()
    r = api.patch(f"/rest/people/{p['id']}", json={"jobTitle": "new"})
    assert r.status_code == 200, r.text
    event = one(outbox)
    check(event, outbox, "updated", p["id"])
    assert orjson.loads(event["before"])["jobTitle"] == "old"
    assert orjson.loads(event["after"])["jobTitle"] == "new"
    assert orjson.loads(event["updatedFields"]) == ["jobTitle"]


def test_update_one_at_depth_1(api: Api, outbox: Outbox) -> None:
    p = person(api, city=marker(), jobTitle="old")
    outbox.new()
    r = api.patch(f"/rest/people/{p['id']}", params={"depth": "1"}, json={"jobTitle": "new"})
    assert r.status_code == 200, r.text
    event = one(outbox)
    check(event, outbox, "updated", p["id"])
    assert "company" not in orjson.loads(event["after"])


def test_update_by_filter(api: Api, outbox: Outbox) -> None:
    m = marker()
    ids = sorted(person(api, city=m)["id"] for _ in range(3))
    outbox.new()
    r = api.patch("/rest/people", params={"filter": f"city[eq]:{m}"}, json={"jobTitle": "all"})
    assert r.status_code == 200, r.text
    events = outbox.new()
    assert sorted(e["recordId"] for e in events) == ids
    for e in events:
        check(e, outbox, "updated", e["recordId"])
        assert orjson.loads(e["updatedFields"]) == ["jobTitle"]


def test_soft_delete_and_restore_one(api: Api, outbox: Outbox) -> None:
    p = person(api, city=marker())
    outbox.new()
    assert api.delete(f"/rest/people/{p['id']}", params={"soft_delete": "true"}).status_code == 200
    deleted = one(outbox)
    check(deleted, outbox, "deleted", p["id"])
    assert orjson.loads(deleted["before"])["deletedAt"] is None
    assert orjson.loads(deleted["after"])["deletedAt"] is not None
    assert "deletedAt" in orjson.loads(deleted["updatedFields"])
    assert api.patch(f"/rest/restore/people/{p['id']}").status_code == 200
    restored = one(outbox)
    check(restored, outbox, "restored", p["id"])
    assert orjson.loads(restored["after"])["deletedAt"] is None


def test_destroy_one(api: Api, outbox: Outbox) -> None:
    m = marker()
    p = person(api, city=m)
    outbox.new()
    assert api.delete(f"/rest/people/{p['id']}").status_code == 200
    event = one(outbox)
    check(event, outbox, "destroyed", p["id"])
    assert orjson.loads(event["before"])["city"] == m


def test_delete_restore_destroy_by_filter(api: Api, outbox: Outbox) -> None:
    m = marker()
    ids = sorted(person(api, city=m)["id"] for _ in range(2))
    outbox.new()
    f = f"city[eq]:{m}"
    assert api.delete("/rest/people", params={"filter": f, "soft_delete": "true"}).status_code == 200
    assert sorted((e["action"], e["recordId"]) for e in outbox.new()) == [("deleted", i) for i in ids]
    assert api.patch("/rest/restore/people", params={"filter": f}).status_code == 200
    assert sorted((e["action"], e["recordId"]) for e in outbox.new()) == [("restored", i) for i in ids]
    assert api.delete("/rest/people", params={"filter": f}).status_code == 200
    events = outbox.new()
    assert sorted((e["action"], e["recordId"]) for e in events) == [("destroyed", i) for i in ids]
    for e in events:
        check(e, outbox, "destroyed", e["recordId"])


def test_merge(api: Api, outbox: Outbox) -> None:
    m = marker()
    a = person(api, city=m, jobTitle="keep")
    b = person(api, city=m, jobTitle="", emails={"primaryEmail": f"{m}@example.com"})
    outbox.new()
    r = api.patch("/rest/people/merge", json={"ids": [a["id"], b["id"]], "conflictPriorityIndex": 0})
    assert r.status_code == 200, r.text
    events = outbox.new()
    assert [(e["action"], e["recordId"]) for e in events] == [("destroyed", b["id"]), ("updated", a["id"])]
    check(events[0], outbox, "destroyed", b["id"])
    check(events[1], outbox, "updated", a["id"])


def test_merge_dry_run_writes_no_event(api: Api, outbox: Outbox) -> None:
    m = marker()
    a, b = person(api, city=m), person(api, city=m)
    outbox.new()
    r = api.patch("/rest/people/merge", json={"ids": [a["id"], b["id"]], "conflictPriorityIndex": 0, "dryRun": True})
    assert r.status_code == 200, r.text
    assert outbox.new() == []


def test_a_failing_batch_leaves_no_record_and_no_event(api: Api, outbox: Outbox) -> None:
    m = marker()
    taken = f"{m}@example.com"
    person(api, city=m, emails={"primaryEmail": taken})
    outbox.new()
    body = [{"city": m}, {"city": m, "emails": {"primaryEmail": taken}}]
    assert_error(api.post("/rest/batch/people", json=body), 409, "UNIQUE_VIOLATION")
    assert outbox.new() == []
    r = api.get("/rest/people", params={"filter": f"city[eq]:{m}"})
    assert r.json()["totalCount"] == 1


def test_a_refused_write_leaves_no_event(api: Api, outbox: Outbox) -> None:
    p = person(api, city=marker())
    outbox.new()
    assert_error(api.patch(f"/rest/people/{uuid.uuid4()}", json={"jobTitle": "x"}), 404, "RECORD_NOT_FOUND")
    r = api.patch(f"/rest/people/{p['id']}", json={"jobTitle": "x"}, headers={"If-Match": '"stale"'})
    assert r.status_code == 412, r.text
    assert outbox.new() == []


def test_reads_write_no_event(api: Api, outbox: Outbox) -> None:
    p = person(api, city=marker())
    outbox.new()
    assert api.get("/rest/people").status_code == 200
    assert api.get(f"/rest/people/{p['id']}").status_code == 200
    assert outbox.new() == []


def test_merge_records_the_records_it_repoints(api: Api, outbox: Outbox) -> None:
    m = marker()
    companies = []
    for i in range(2):
        # the merged-away company brings its head count: the survivor changes
        r = api.post("/rest/companies", json={"name": f"{m}-{i}", **({"employees": 5} if i else {})})
        assert r.status_code == 201, r.text
        companies.append(r.json()["data"]["createCompany"]["id"])
    keep, lose = companies
    employee = person(api, city=m, companyId=lose)
    bystander = person(api, city=m, companyId=keep)
    outbox.new()
    r = api.patch("/rest/companies/merge", json={"ids": [keep, lose], "conflictPriorityIndex": 0})
    assert r.status_code == 200, r.text
    events = outbox.new()
    assert [(e["objectName"], e["action"], e["recordId"]) for e in events] == [
        ("person", "updated", employee["id"]), ("company", "destroyed", lose), ("company", "updated", keep),
    ]
    moved = events[0]
    check(moved, outbox, "updated", employee["id"])
    assert orjson.loads(moved["before"])["companyId"] == lose
    assert orjson.loads(moved["after"])["companyId"] == keep
    assert orjson.loads(moved["updatedFields"]) == ["companyId"]
    assert bystander["id"] not in {e["recordId"] for e in events}


def test_create_and_update_one_with_their_event_cost_one_statement_on_postgresql(
    api: Api, outbox: Outbox, backend: str
) -> None:
    """At depth 0, the write, its rendering, its event and its timeline entry are one statement
    on PostgreSQL (engine/compile_events.py); SQLite runs a few in one transaction."""
    from vingt.db.database import Stats

    p = person(api, city=marker())
    api.patch(f"/rest/people/{p['id']}", json={"jobTitle": "warm"})
    outbox.new()
    spent = Stats.statements
    created = person(api, city=marker())
    assert Stats.statements - spent == (1 if backend == "postgresql" else 3)
    spent = Stats.statements
    r = api.patch(f"/rest/people/{created['id']}", json={"jobTitle": "new"})
    assert r.status_code == 200, r.text
    assert Stats.statements - spent == (1 if backend == "postgresql" else 5)
    created_event, updated_event = outbox.new()
    check(created_event, outbox, "created", created["id"])
    check(updated_event, outbox, "updated", created["id"])
    assert orjson.loads(updated_event["updatedFields"]) == ["jobTitle"]
    assert orjson.loads(updated_event["after"]) == r.json()["data"]["updatePerson"]


def test_a_write_that_changes_nothing_is_no_event(api: Api, outbox: Outbox) -> None:
    """As Twenty: an update whose diff is empty (only updatedAt moves) emits nothing."""
    m = marker()
    p = person(api, city=m, jobTitle="same")
    outbox.new()
    for params in ({}, {"depth": "1"}):
        r = api.patch(f"/rest/people/{p['id']}", params=params, json={"jobTitle": "same", "city": m})
        assert r.status_code == 200, r.text
    r = api.patch("/rest/people", params={"filter": f"city[eq]:{m}"}, json={"jobTitle": "same"})
    assert r.status_code == 200, r.text
    assert outbox.new() == []
    r = api.patch(f"/rest/people/{p['id']}", json={"jobTitle": "other"})
    assert [e["action"] for e in outbox.new()] == ["updated"]
