"""Set-based writes: an update, soft delete, destroy or restore by filter, and the update half
of a batch upsert, each cost a number of SQL statements that does not depend on how many
records they touch; a write by filter touches at most ``mutation_maximum_affected_records``
(100) records, more is a 400 and nothing is written. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from test_events import Outbox, check

from conftest import Api, Workspace, assert_error
from vingt.db.database import Stats
from vingt.engine.changes import Change
from vingt.engine.writes import Writes

SIZES = (1, 10, 100)


def marker() -> str:
    return uuid.uuid4().hex[:12]


def make_people(api: Api, m: str, n: int) -> list[dict[str, Any]]:
    body = [{"name": {"firstName": f"P{i:03d}", "lastName": m}, "city": m, "jobTitle": "before"} for i in range(n)]
    r = api.post("/rest/batch/people", json=body)
    assert r.status_code == 201, r.text
    people: list[dict[str, Any]] = r.json()["data"]["createPeople"]
    assert len(people) == n
    return people


def people_where(api: Api, filter_: str) -> list[dict[str, Any]]:
    r = api.get("/rest/people", params={"filter": filter_, "limit": "100"})
    assert r.status_code == 200, r.text
    return r.json()["data"]["people"]  # type: ignore[no-any-return]


def spent(call: Callable[[], httpx.Response], status: int) -> tuple[int, httpx.Response]:
    before = Stats.statements
    r = call()
    used = Stats.statements - before
    assert r.status_code == status, r.text
    return used, r


def counts(api: Api, setup: Callable[[str, int], Any], write: Callable[[str, Any], httpx.Response], status: int) -> list[int]:
    # a first run warms the caches (key, catalog, compiled SQL) at every size
    for n in SIZES:
        m = marker()
        write(m, setup(m, n))
    out = []
    for n in SIZES:
        m = marker()
        prepared = setup(m, n)
        out.append(spent(lambda m=m, prepared=prepared: write(m, prepared), status)[0])  # type: ignore[misc]
    return out


def test_patch_by_filter_statements_constant(api: Api, backend: str) -> None:
    used = counts(
        api,
        lambda m, n: make_people(api, m, n),
        lambda m, _p: api.patch("/rest/people", params={"filter": f"city[eq]:{m}"}, json={"jobTitle": "after"}),
        200,
    )
    assert used == [1 if backend == "postgresql" else 4] * 3, used


def test_soft_delete_by_filter_statements_constant(api: Api, backend: str) -> None:
    used = counts(
        api,
        lambda m, n: make_people(api, m, n),
        lambda m, _p: api.delete("/rest/people", params={"filter": f"city[eq]:{m}", "soft_delete": "true"}),
        200,
    )
    assert used == [1 if backend == "postgresql" else 4] * 3, used


def test_destroy_by_filter_statements_constant(api: Api, backend: str) -> None:
    used = counts(
        api,
        lambda m, n: make_people(api, m, n),
        lambda m, _p: api.delete("/rest/people", params={"filter": f"city[eq]:{m}"}),
        200,
    )
    assert used == [1 if backend == "postgresql" else 3] * 3, used


def test_restore_by_filter_statements_constant(api: Api, backend: str) -> None:
    def setup(m: str, n: int) -> None:
        make_people(api, m, n)
        r = api.delete("/rest/people", params={"filter": f"city[eq]:{m}", "soft_delete": "true"})
        assert r.status_code == 200, r.text

    used = counts(api, setup, lambda m, _p: api.patch("/rest/restore/people", params={"filter": f"city[eq]:{m}"}), 200)
    assert used == [1 if backend == "postgresql" else 4] * 3, used


def test_batch_upsert_update_statements_constant(api: Api) -> None:
    def write(m: str, people: list[dict[str, Any]]) -> httpx.Response:
        # each record gets its own values, and only some set jobTitle
        body = [
            {"id": p["id"], "city": f"{m}-{i}", **({"jobTitle": f"t{i}"} if i % 2 else {})}
            for i, p in enumerate(people)
        ]
        return api.post("/rest/batch/people", params={"upsert": "true"}, json=body)

    used = counts(api, lambda m, n: make_people(api, m, n), write, 201)
    assert used[0] == used[1] == used[2], used


def test_batch_upsert_writes_each_record_its_values(api: Api) -> None:
    m = marker()
    people = make_people(api, m, 3)
    body = [
        {"id": people[0]["id"], "jobTitle": "a"},
        {"id": people[1]["id"], "city": f"{m}-moved"},
        {"id": people[2]["id"], "jobTitle": "c", "city": f"{m}-c"},
    ]
    r = api.post("/rest/batch/people", params={"upsert": "true"}, json=body)
    assert r.status_code == 201, r.text
    out = {p["id"]: p for p in r.json()["data"]["createPeople"]}
    assert (out[people[0]["id"]]["jobTitle"], out[people[0]["id"]]["city"]) == ("a", m)
    assert (out[people[1]["id"]]["jobTitle"], out[people[1]["id"]]["city"]) == ("before", f"{m}-moved")
    assert (out[people[2]["id"]]["jobTitle"], out[people[2]["id"]]["city"]) == ("c", f"{m}-c")
    for p in people:
        assert out[p["id"]]["updatedAt"] > p["updatedAt"]
        assert out[p["id"]]["name"] == p["name"]


def test_update_by_filter_returns_the_updated_records(api: Api) -> None:
    m = marker()
    people = make_people(api, m, 5)
    other = make_people(api, marker(), 2)
    r = api.patch("/rest/people", params={"filter": f"city[eq]:{m}"}, json={"jobTitle": "after"})
    assert r.status_code == 200, r.text
    updated = r.json()["data"]["updatePeople"]
    assert sorted(p["id"] for p in updated) == sorted(p["id"] for p in people)
    before = {p["id"]: p for p in people}
    for p in updated:
        assert p["jobTitle"] == "after"
        assert p["city"] == m
        assert p["updatedAt"] > before[p["id"]]["updatedAt"]
    for p in other:
        (current,) = people_where(api, f"id[eq]:{p['id']}")
        assert current["jobTitle"] == "before"


def test_too_many_records_affected(api: Api) -> None:
    m = marker()
    make_people(api, m, 101)
    f = f"city[eq]:{m}"
    for call in (
        lambda: api.patch("/rest/people", params={"filter": f}, json={"jobTitle": "after"}),
        lambda: api.delete("/rest/people", params={"filter": f, "soft_delete": "true"}),
        lambda: api.delete("/rest/people", params={"filter": f}),
    ):
        body = assert_error(call(), 400, "TOO_MANY_RECORDS_AFFECTED")
        assert body["error"]["details"] == {"limit": 100}
    r = api.get("/rest/people", params={"filter": f, "limit": "0"})
    assert r.status_code == 200, r.text
    assert r.json()["totalCount"] == 101
    assert {p["jobTitle"] for p in people_where(api, f)} == {"before"}


def test_too_many_records_to_restore(api: Api) -> None:
    m = marker()
    first = make_people(api, m, 100)
    make_people(api, m, 1)
    f = f"city[eq]:{m}"
    r = api.delete("/rest/people", params={"filter": f"city[eq]:{m},id[neq]:{first[0]['id']}", "soft_delete": "true"})
    assert r.status_code == 200, r.text
    r = api.delete("/rest/people", params={"filter": f"id[eq]:{first[0]['id']}", "soft_delete": "true"})
    assert r.status_code == 200, r.text
    body = assert_error(api.patch("/rest/restore/people", params={"filter": f}), 400, "TOO_MANY_RECORDS_AFFECTED")
    assert body["error"]["details"] == {"limit": 100}
    assert people_where(api, f) == []


def test_exactly_the_bound_is_allowed(api: Api) -> None:
    m = marker()
    make_people(api, m, 100)
    r = api.patch("/rest/people", params={"filter": f"city[eq]:{m}"}, json={"jobTitle": "after"})
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]["updatePeople"]) == 100


def capture(monkeypatch: pytest.MonkeyPatch, name: str) -> list[Change]:
    """The changes the engine helper ``name`` returns during the test."""
    seen: list[Change] = []
    original = getattr(Writes, name)

    async def wrapper(self: Writes, *args: Any, **kw: Any) -> list[Change]:
        out: list[Change] = await original(self, *args, **kw)
        seen.extend(out)
        return out

    monkeypatch.setattr(Writes, name, wrapper)
    return seen


@pytest.fixture
def outbox(database_url: str, workspace: Workspace) -> Outbox:
    return Outbox(database_url, workspace)


def test_update_by_filter_changes(api: Api, outbox: Outbox) -> None:
    m = marker()
    people = make_people(api, m, 3)
    outbox.new()
    r = api.patch("/rest/people", params={"filter": f"city[eq]:{m}"}, json={"jobTitle": "after"})
    assert r.status_code == 200, r.text
    seen = outbox.new()
    assert [e["recordId"] for e in seen] == sorted(p["id"] for p in people)
    for e in seen:
        check(e, outbox, "updated", e["recordId"])
        before, after = orjson.loads(e["before"]), orjson.loads(e["after"])
        assert (before["id"], before["jobTitle"]) == (e["recordId"], "before")
        assert (after["id"], after["jobTitle"]) == (e["recordId"], "after")
        assert after["updatedAt"] > before["updatedAt"]
        assert orjson.loads(e["updatedFields"]) == ["jobTitle"]


def test_upsert_update_changes(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    m = marker()
    people = make_people(api, m, 2)
    seen = capture(monkeypatch, "_update_rows")
    body = [{"id": people[0]["id"], "jobTitle": "x"}, {"id": people[1]["id"], "jobTitle": "y"}]
    r = api.post("/rest/batch/people", params={"upsert": "true"}, json=body)
    assert r.status_code == 201, r.text
    assert [c.record_id for c in seen] == [people[0]["id"], people[1]["id"]]
    assert [orjson.loads(c.after or "null")["jobTitle"] for c in seen] == ["x", "y"]
    assert [orjson.loads(c.before or "null")["jobTitle"] for c in seen] == ["before", "before"]


def test_delete_restore_destroy_changes(api: Api, outbox: Outbox) -> None:
    m = marker()
    people = make_people(api, m, 2)
    ids = sorted(p["id"] for p in people)
    f = f"city[eq]:{m}"
    outbox.new()
    assert api.delete("/rest/people", params={"filter": f, "soft_delete": "true"}).status_code == 200
    deleted = outbox.new()
    assert [e["recordId"] for e in deleted] == ids
    for e in deleted:
        check(e, outbox, "deleted", e["recordId"])
        assert orjson.loads(e["before"])["deletedAt"] is None
        assert orjson.loads(e["after"])["deletedAt"] is not None
    assert api.patch("/rest/restore/people", params={"filter": f}).status_code == 200
    restored = outbox.new()
    assert [e["recordId"] for e in restored] == ids
    for e in restored:
        check(e, outbox, "restored", e["recordId"])
        assert orjson.loads(e["before"])["deletedAt"] is not None
        assert orjson.loads(e["after"])["deletedAt"] is None
    assert api.delete("/rest/people", params={"filter": f}).status_code == 200
    destroyed = outbox.new()
    assert [e["recordId"] for e in destroyed] == ids
    for e in destroyed:
        check(e, outbox, "destroyed", e["recordId"])
        assert e["after"] is None and e["updatedFields"] is None
    assert people_where(api, f) == []


def test_batch_create_statements_constant(api: Api) -> None:
    def write(m: str, n: int) -> httpx.Response:
        return api.post("/rest/batch/people", json=[{"city": m, "jobTitle": str(i)} for i in range(n)])

    used = counts(api, lambda m, n: n, write, 201)
    assert used[0] == used[1] == used[2], used


def test_merge_statements_constant(api: Api) -> None:
    """Merging 2, 5 or 9 records (and re-pointing what points at them) costs the same."""

    def setup(m: str, n: int) -> list[str]:
        size = {1: 2, 10: 5, 100: 9}[n]
        ids = [p["id"] for p in make_people(api, m, size)]
        for rid in ids[1:]:
            r = api.post("/rest/noteTargets", json={"targetPersonId": rid})
            assert r.status_code == 201, r.text
        return ids

    used = counts(
        api, setup,
        lambda _m, ids: api.patch("/rest/people/merge", json={"ids": ids, "conflictPriorityIndex": 0}),
        200,
    )
    assert used[0] == used[1] == used[2], used
