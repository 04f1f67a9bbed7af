"""Optimistic concurrency: ``ETag``, ``If-None-Match`` and ``If-Match`` (DECISIONS.md §3,
docs/write-contract.md). Every test runs on SQLite and PostgreSQL; the race runs against a
real ``vingt serve`` subprocess with two workers.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conftest import Api, assert_error, make_workspace
from live_server import Server, together
from vingt.engine import writes as engine_writes

ETAG = re.compile(r'^"[0-9a-f]{24}"$')


def marker() -> str:
    return uuid.uuid4().hex[:12]


def create_person(api: Api, **body: Any) -> tuple[dict[str, Any], str]:
    r = api.post("/rest/people", json=body)
    assert r.status_code == 201, r.text
    return r.json()["data"]["createPerson"], r.headers["etag"]


def get_person(api: Api, record_id: str, **kw: Any) -> httpx.Response:
    return api.get(f"/rest/people/{record_id}", **kw)


# ---- ETag on single-record responses ------------------------------------------------------------


def test_single_record_responses_carry_an_etag_that_changes_on_update(api: Api) -> None:
    person, created_tag = create_person(api, city=marker())
    assert ETAG.match(created_tag), created_tag
    found = get_person(api, person["id"])
    assert found.status_code == 200
    assert found.headers["etag"] == created_tag
    updated = api.patch(f"/rest/people/{person['id']}", json={"jobTitle": "CTO"})
    assert updated.status_code == 200, updated.text
    assert ETAG.match(updated.headers["etag"])
    assert updated.headers["etag"] != created_tag
    assert get_person(api, person["id"]).headers["etag"] == updated.headers["etag"]


def test_put_soft_delete_and_restore_carry_etags(api: Api) -> None:
    person, tag0 = create_person(api, city=marker())
    put = api.put(f"/rest/people/{person['id']}", json={"jobTitle": "x"})
    assert put.status_code == 200 and ETAG.match(put.headers["etag"])
    deleted = api.delete(f"/rest/people/{person['id']}", params={"soft_delete": "true"})
    assert deleted.status_code == 200, deleted.text
    assert ETAG.match(deleted.headers["etag"])
    assert len({tag0, put.headers["etag"], deleted.headers["etag"]}) == 3
    restored = api.patch(f"/rest/restore/people/{person['id']}")
    assert restored.status_code == 200, restored.text
    # a soft delete and a restore are writes: the restored version is a new one
    assert restored.headers["etag"] not in (tag0, put.headers["etag"], deleted.headers["etag"])
    assert get_person(api, person["id"]).headers["etag"] == restored.headers["etag"]


def test_collection_responses_and_hard_delete_carry_no_etag(api: Api) -> None:
    m = marker()
    person, _ = create_person(api, city=m)
    assert "etag" not in api.get("/rest/people", params={"filter": f"city[eq]:{m}"}).headers
    batch = api.post("/rest/batch/people", json=[{"city": m}])
    assert batch.status_code == 201 and "etag" not in batch.headers
    many = api.patch("/rest/people", params={"filter": f"city[eq]:{m}"}, json={"jobTitle": "y"})
    assert many.status_code == 200 and "etag" not in many.headers
    gone = api.delete(f"/rest/people/{person['id']}")
    assert gone.status_code == 200 and "etag" not in gone.headers


def test_etag_is_the_same_under_a_fields_projection_and_depth(api: Api) -> None:
    person, tag = create_person(api, city=marker())
    r = get_person(api, person["id"], params={"fields": "id,city"})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == tag
    assert set(r.json()["data"]["person"]) == {"id", "city"}  # updatedAt read for the ETag only
    r = get_person(api, person["id"], params={"depth": "1"})
    assert r.headers["etag"] == tag
    updated = api.patch(f"/rest/people/{person['id']}", params={"fields": "city"}, json={"city": "Oslo"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["data"]["updatePerson"] == {"id": person["id"], "city": "Oslo"}
    assert updated.headers["etag"] == get_person(api, person["id"]).headers["etag"] != tag


def test_two_writes_in_the_same_millisecond_still_change_the_etag(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    person, tag0 = create_person(api, city=marker())
    frozen = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)
    monkeypatch.setattr(engine_writes, "_now", lambda: frozen)
    stamps, tags = [], [tag0]
    for n in range(3):
        r = api.patch(f"/rest/people/{person['id']}", json={"jobTitle": f"v{n}"})
        assert r.status_code == 200, r.text
        stamps.append(r.json()["data"]["updatePerson"]["updatedAt"])
        tags.append(r.headers["etag"])
    assert len(set(tags)) == 4
    # updatedAt = max(now, previous + 1 ms)
    assert stamps == [frozen.strftime("%Y-%m-%dT%H:%M:%S") + f".00{n}Z" for n in range(3)]


# ---- If-None-Match ---------------------------------------------------------------------------------


def test_if_none_match_answers_304_without_a_body(api: Api) -> None:
    person, tag = create_person(api, city=marker())
    for value in (tag, "*", f'W/{tag}', f'"0000", {tag}'):
        r = get_person(api, person["id"], headers={"If-None-Match": value})
        assert r.status_code == 304, (value, r.text)
        assert r.content == b""
        assert r.headers["etag"] == tag
    r = get_person(api, person["id"], headers={"If-None-Match": '"0000"'})
    assert r.status_code == 200 and r.json()["data"]["person"]["id"] == person["id"]
    api.patch(f"/rest/people/{person['id']}", json={"jobTitle": "changed"})
    r = get_person(api, person["id"], headers={"If-None-Match": tag})
    assert r.status_code == 200
    assert r.json()["data"]["person"]["jobTitle"] == "changed"


def test_if_none_match_on_a_missing_record_is_404(api: Api) -> None:
    assert_error(get_person(api, str(uuid.uuid4()), headers={"If-None-Match": "*"}), 404, "RECORD_NOT_FOUND")


# ---- If-Match ----------------------------------------------------------------------------------------


def test_if_match_mismatch_is_412_and_writes_nothing(api: Api) -> None:
    person, tag = create_person(api, city=marker(), jobTitle="before")
    before = get_person(api, person["id"]).json()
    for method in ("PATCH", "PUT"):
        r = api.request(method, f"/rest/people/{person['id']}", json={"jobTitle": "after"}, headers={"If-Match": '"0123"'})
        body = assert_error(r, 412, "PRECONDITION_FAILED")
        assert body["error"]["details"]["id"] == person["id"]
        assert body["error"]["details"]["etag"] == tag
    assert get_person(api, person["id"]).json() == before


def test_if_match_match_updates(api: Api) -> None:
    person, tag = create_person(api, city=marker())
    r = api.patch(f"/rest/people/{person['id']}", json={"jobTitle": "one"}, headers={"If-Match": tag})
    assert r.status_code == 200, r.text
    new_tag = r.headers["etag"]
    # the old tag is stale now
    assert_error(api.patch(f"/rest/people/{person['id']}", json={"jobTitle": "two"}, headers={"If-Match": tag}), 412,
                 "PRECONDITION_FAILED")
    r = api.patch(f"/rest/people/{person['id']}", json={"jobTitle": "two"}, headers={"If-Match": f'"0000", {new_tag}'})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["updatePerson"]["jobTitle"] == "two"


def test_if_match_star_and_weak_and_unquoted_tags(api: Api) -> None:
    person, tag = create_person(api, city=marker())
    r = api.patch(f"/rest/people/{person['id']}", json={"jobTitle": "star"}, headers={"If-Match": "*"})
    assert r.status_code == 200, r.text
    tag = r.headers["etag"]
    # If-Match compares strongly: a weak tag never matches
    assert_error(api.patch(f"/rest/people/{person['id']}", json={"jobTitle": "w"}, headers={"If-Match": f"W/{tag}"}),
                 412, "PRECONDITION_FAILED")
    r = api.patch(f"/rest/people/{person['id']}", json={"jobTitle": "bare"}, headers={"If-Match": tag.strip('"')})
    assert r.status_code == 200, r.text
    assert_error(api.patch(f"/rest/people/{person['id']}", json={"jobTitle": "e"}, headers={"If-Match": " "}), 400,
                 "INVALID_PARAMETER")


def test_if_match_on_a_missing_record_is_404(api: Api) -> None:
    missing = str(uuid.uuid4())
    for value in ("*", '"0123"'):
        assert_error(api.patch(f"/rest/people/{missing}", json={"jobTitle": "x"}, headers={"If-Match": value}), 404,
                     "RECORD_NOT_FOUND")
        assert_error(api.delete(f"/rest/people/{missing}", headers={"If-Match": value}), 404, "RECORD_NOT_FOUND")
        assert_error(api.patch(f"/rest/restore/people/{missing}", headers={"If-Match": value}), 404, "RECORD_NOT_FOUND")


def test_soft_delete_and_restore_with_if_match(api: Api) -> None:
    person, tag = create_person(api, city=marker())
    r = api.delete(f"/rest/people/{person['id']}", params={"soft_delete": "true"}, headers={"If-Match": '"0123"'})
    assert_error(r, 412, "PRECONDITION_FAILED")
    assert get_person(api, person["id"]).status_code == 200  # still live
    r = api.delete(f"/rest/people/{person['id']}", params={"soft_delete": "true"}, headers={"If-Match": tag})
    assert r.status_code == 200, r.text
    deleted_tag = r.headers["etag"]
    # a soft-deleted record is not live: soft-deleting it again is 404
    assert_error(api.delete(f"/rest/people/{person['id']}", params={"soft_delete": "true"}, headers={"If-Match": "*"}),
                 404, "RECORD_NOT_FOUND")
    # restore compares with the soft-deleted version's ETag
    assert_error(api.patch(f"/rest/restore/people/{person['id']}", headers={"If-Match": tag}), 412, "PRECONDITION_FAILED")
    assert get_person(api, person["id"]).status_code == 404  # still deleted
    r = api.patch(f"/rest/restore/people/{person['id']}", headers={"If-Match": deleted_tag})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["restorePerson"]["deletedAt"] is None
    restored_tag = r.headers["etag"]
    # restoring a live record with its current ETag changes nothing
    r = api.patch(f"/rest/restore/people/{person['id']}", headers={"If-Match": restored_tag})
    assert r.status_code == 200 and r.headers["etag"] == restored_tag


def test_hard_delete_with_if_match(api: Api) -> None:
    person, tag = create_person(api, city=marker())
    assert_error(api.delete(f"/rest/people/{person['id']}", headers={"If-Match": '"0123"'}), 412, "PRECONDITION_FAILED")
    assert get_person(api, person["id"]).status_code == 200
    r = api.delete(f"/rest/people/{person['id']}", headers={"If-Match": tag})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"deletePerson": {"id": person["id"]}}}
    assert_error(get_person(api, person["id"]), 404, "RECORD_NOT_FOUND")


def test_hard_delete_of_a_soft_deleted_record_with_if_match(api: Api) -> None:
    person, _ = create_person(api, city=marker())
    r = api.delete(f"/rest/people/{person['id']}", params={"soft_delete": "true"})
    deleted_tag = r.headers["etag"]
    r = api.delete(f"/rest/people/{person['id']}", headers={"If-Match": deleted_tag})
    assert r.status_code == 200, r.text


# ---- the race, against a real server -----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(database_url, tmp_path_factory.mktemp("etag") / "serve.log", workers=2)
    yield s
    s.stop()


@pytest.mark.e2e
def test_racing_patches_with_one_if_match_let_exactly_one_through(server: Server, database_url: str) -> None:
    token = make_workspace(database_url, "ETag race").token
    with server.client(token) as c:
        r = c.post("/rest/people", json={"city": marker()})
        assert r.status_code == 201, r.text
        pid, tag = r.json()["data"]["createPerson"]["id"], r.headers["etag"]
        racers = [server.client(token) for _ in range(2)]
        for own in racers:
            own.get("/healthz")  # connected before the race starts
        for round_ in range(20):

            def patch(n: int, tag: str = tag, round_: int = round_) -> httpx.Response:
                return racers[n].patch(f"/rest/people/{pid}", json={"jobTitle": f"r{round_}-{n}"}, headers={"If-Match": tag})

            results = together(2, patch)
            statuses = sorted(r.status_code for r in results)
            assert statuses == [200, 412], [r.text for r in results]
            winner = next(r for r in results if r.status_code == 200)
            loser = next(r for r in results if r.status_code == 412)
            assert loser.json()["error"]["code"] == "PRECONDITION_FAILED"
            final = c.get(f"/rest/people/{pid}")
            assert final.json()["data"]["person"]["jobTitle"] == winner.json()["data"]["updatePerson"]["jobTitle"]
            assert final.headers["etag"] == winner.headers["etag"] != tag
            tag = winner.headers["etag"]
        for own in racers:
            own.close()
