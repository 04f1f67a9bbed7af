"""Timeline activities (engine/timeline.py, AUTH_WEBHOOKS.md §7), written in the write's
transaction and read back through ``/rest/timelineActivities``, on SQLite (several statements in
one transaction) and PostgreSQL (one statement for a single create or update)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from test_events import Outbox

from conftest import Api, Workspace

Entry = dict[str, Any]


@pytest.fixture
def events(database_url: str, workspace: Workspace) -> Outbox:
    return Outbox(database_url, workspace)


def entries(api: Api, column: str, record_id: str) -> list[Entry]:
    r = api.get("/rest/timelineActivities", params={"filter": f"{column}[eq]:{record_id}",
                                                    "order_by": "happensAt[AscNullsFirst]", "limit": "60"})
    assert r.status_code == 200, r.text
    return sorted(r.json()["data"]["timelineActivities"], key=lambda e: (e["happensAt"], e["createdAt"]))


def names(rows: list[Entry]) -> list[str]:
    return [e["name"] for e in rows]


def object_id(api: Api, singular: str) -> str:
    objects = api.get("/rest/metadata/objects", params={"limit": "200"}).json()["data"]["objects"]
    return next(o["id"] for o in objects if o["nameSingular"] == singular)


def test_a_person_s_life_on_its_timeline(api: Api) -> None:
    pid = api.post("/rest/people", json={"city": "Paris"}).json()["data"]["createPerson"]["id"]
    [created] = entries(api, "targetPersonId", pid)
    assert created["name"] == "person.created"
    assert created["properties"] == {}
    assert created["linkedRecordCachedName"] == ""
    assert created["linkedRecordId"] is None and created["linkedObjectMetadataId"] is None
    assert created["workspaceMemberId"] is None  # an API key wrote

    api.patch(f"/rest/people/{pid}", json={"jobTitle": "CTO", "city": "Lyon"})
    api.patch(f"/rest/people/{pid}", json={"jobTitle": "CTO"})  # nothing changed: no entry
    updated = entries(api, "targetPersonId", pid)[1:]
    assert names(updated) == ["person.updated"]
    assert updated[0]["properties"] == {"diff": {"jobTitle": {"before": None, "after": "CTO"},
                                                  "city": {"before": "Paris", "after": "Lyon"}}}

    api.delete(f"/rest/people/{pid}", params={"soft_delete": "true"})
    api.patch(f"/rest/restore/people/{pid}")
    rows = entries(api, "targetPersonId", pid)
    assert names(rows) == ["person.created", "person.updated", "person.deleted", "person.restored"]
    deleted, restored = rows[2], rows[3]
    assert list(deleted["properties"]["diff"]) == ["deletedAt"]
    assert deleted["properties"]["diff"]["deletedAt"]["before"] is None
    assert deleted["properties"]["diff"]["deletedAt"]["after"] is not None
    assert restored["properties"]["diff"]["deletedAt"]["after"] is None


def test_batch_and_filter_writes_leave_an_entry_per_record(api: Api) -> None:
    city = f"Batch-{uuid.uuid4().hex[:8]}"
    r = api.post("/rest/batch/companies", json=[{"name": f"C{i}", "address": {"addressCity": city}} for i in range(3)])
    ids = [c["id"] for c in r.json()["data"]["createCompanies"]]
    api.patch("/rest/companies", params={"filter": f"address.addressCity[eq]:{city}"}, json={"employees": 5})
    for cid in ids:
        rows = entries(api, "targetCompanyId", cid)
        assert names(rows) == ["company.created", "company.updated"]
        assert rows[1]["properties"] == {"diff": {"employees": {"before": None, "after": 5}}}


def test_a_note_shows_on_the_person_it_is_attached_to(api: Api) -> None:
    pid = api.post("/rest/people", json={"city": "Nice"}).json()["data"]["createPerson"]["id"]
    nid = api.post("/rest/notes", json={"title": "Call Zoë"}).json()["data"]["createNote"]["id"]
    assert names(entries(api, "targetNoteId", nid)) == ["note.created"]
    r = api.post("/rest/noteTargets", json={"noteId": nid, "targetPersonId": pid})
    assert r.status_code == 201, r.text
    note_object = object_id(api, "note")

    linked = entries(api, "targetPersonId", pid)[1:]
    assert names(linked) == ["linked-note.created"]
    assert linked[0]["linkedRecordId"] == nid
    assert linked[0]["linkedRecordCachedName"] == "Call Zoë"
    assert linked[0]["linkedObjectMetadataId"] == note_object
    assert linked[0]["properties"] == {}

    api.patch(f"/rest/notes/{nid}", json={"bodyV2": {"markdown": "notes"}})  # not the title: not on the person
    api.patch(f"/rest/notes/{nid}", json={"title": "Call Zoë back"})
    linked = entries(api, "targetPersonId", pid)[1:]
    assert names(linked) == ["linked-note.created", "linked-note.updated"]
    assert linked[1]["linkedRecordCachedName"] == "Call Zoë back"
    assert linked[1]["properties"] == {"diff": {"title": {"before": "Call Zoë", "after": "Call Zoë back"}}}
    assert names(entries(api, "targetNoteId", nid)) == ["note.created", "note.updated", "note.updated"]


def test_writes_on_the_timeline_itself_have_no_event_and_no_entry(api: Api, events: Outbox) -> None:
    r = api.post("/rest/timelineActivities", json={"name": "custom.thing", "properties": {"a": 1}})
    assert r.status_code == 201, r.text
    tid = r.json()["data"]["createTimelineActivity"]["id"]
    api.patch(f"/rest/timelineActivities/{tid}", json={"name": "custom.other"})
    assert events.new() == []
    assert api.get("/rest/timelineActivities", params={"filter": "name[like]:timelineActivity.%"}).json()[
        "data"]["timelineActivities"] == []


def test_a_refused_write_leaves_no_entry(api: Api) -> None:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    pid = api.post("/rest/people", json={"emails": {"primaryEmail": email}}).json()["data"]["createPerson"]["id"]
    other = api.post("/rest/people", json={"city": "Tours"}).json()["data"]["createPerson"]["id"]
    r = api.patch(f"/rest/people/{other}", json={"emails": {"primaryEmail": email}})
    assert r.status_code == 409, r.text
    assert names(entries(api, "targetPersonId", other)) == ["person.created"]
    assert names(entries(api, "targetPersonId", pid)) == ["person.created"]
