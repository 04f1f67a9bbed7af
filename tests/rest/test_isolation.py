"""Workspaces on one database do not see or touch each other's records (AUTH_WEBHOOKS.md §1).

A's key reads and writes A's records only; B's key gets 404s for A's ids, and B's bulk
writes leave A alone. A token cannot be pointed at another workspace.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from conftest import Api, Workspace, assert_error, make_workspace
from vingt.auth.tokens import derive_key
from vingt.db.database import open_database
from vingt.db.url import parse_database_url
from vingt.workspaces import app_secret

EMAIL = "shared@example.com"


@pytest.fixture(scope="module")
def ws_a(database_url: str) -> Workspace:
    return make_workspace(database_url, "A")


@pytest.fixture(scope="module")
def ws_b(database_url: str) -> Workspace:
    return make_workspace(database_url, "B")


@pytest.fixture(scope="module")
def a(app_client: TestClient, ws_a: Workspace) -> Api:
    return Api(app_client, ws_a.token)


@pytest.fixture(scope="module")
def b(app_client: TestClient, ws_b: Workspace) -> Api:
    return Api(app_client, ws_b.token)


@pytest.fixture(scope="module")
def secret(database_url: str) -> str:
    async def run() -> str:
        db = open_database(parse_database_url(database_url))
        await db.start()
        try:
            return await app_secret(db)
        finally:
            await db.close()

    return asyncio.run(run())


@pytest.fixture(scope="module")
def a_records(a: Api) -> dict[str, Any]:
    company = a.post("/rest/companies", json={"name": "A Corp", "domainName": {"primaryLinkUrl": "https://a.example"}})
    assert company.status_code == 201, company.text
    company_id = company.json()["data"]["createCompany"]["id"]
    person = a.post(
        "/rest/people",
        json={"name": {"firstName": "Alice", "lastName": "A"}, "emails": {"primaryEmail": EMAIL}, "city": "Lyon",
              "companyId": company_id},
    )
    assert person.status_code == 201, person.text
    return {"company": company_id, "person": person.json()["data"]["createPerson"]}


def everything(api: Api, plural: str) -> tuple[int, list[dict[str, Any]]]:
    r = api.get(f"/rest/{plural}", params={"filter": "or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)", "limit": "100"})
    assert r.status_code == 200, r.text
    return r.json()["totalCount"], r.json()["data"][plural]


def test_workspaces_are_distinct(ws_a: Workspace, ws_b: Workspace) -> None:
    assert ws_a.id != ws_b.id
    assert ws_a.token != ws_b.token


def test_a_sees_its_record(a: Api, a_records: dict[str, Any]) -> None:
    person = a_records["person"]
    r = a.get(f"/rest/people/{person['id']}")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["person"] == person


def test_find_many_in_b_does_not_list_a(b: Api, a_records: dict[str, Any]) -> None:
    r = b.get("/rest/people")
    assert r.status_code == 200, r.text
    ids = [p["id"] for p in r.json()["data"]["people"]]
    assert a_records["person"]["id"] not in ids
    _, rows = everything(b, "companies")
    assert a_records["company"] not in [c["id"] for c in rows]


def test_find_one_in_b_is_404(b: Api, a_records: dict[str, Any]) -> None:
    assert_error(b.get(f"/rest/people/{a_records['person']['id']}"), 404, "RECORD_NOT_FOUND")
    assert_error(b.get(f"/rest/companies/{a_records['company']}", params={"depth": "1"}), 404, "RECORD_NOT_FOUND")


def test_filter_by_id_in_b_is_empty(b: Api, a_records: dict[str, Any]) -> None:
    pid = a_records["person"]["id"]
    for flt in (f"id[eq]:{pid}", f"id[in]:[{pid}]", f"emails.primaryEmail[eq]:{EMAIL}", f"companyId[eq]:{a_records['company']}"):
        r = b.get("/rest/people", params={"filter": flt})
        assert r.status_code == 200, r.text
        assert r.json()["data"]["people"] == [], flt
        assert r.json()["totalCount"] == 0, flt


def test_cursor_from_a_is_unknown_in_b(b: Api, a_records: dict[str, Any]) -> None:
    assert_error(b.get("/rest/people", params={"starting_after": a_records["person"]["id"]}), 400, "INVALID_CURSOR")


def test_writes_in_b_on_a_ids_are_404(a: Api, b: Api, a_records: dict[str, Any]) -> None:
    pid = a_records["person"]["id"]
    assert_error(b.patch(f"/rest/people/{pid}", json={"city": "Hijacked"}), 404, "RECORD_NOT_FOUND")
    assert_error(b.put(f"/rest/people/{pid}", json={"city": "Hijacked"}), 404, "RECORD_NOT_FOUND")
    assert_error(b.delete(f"/rest/people/{pid}", params={"soft_delete": "true"}), 404, "RECORD_NOT_FOUND")
    assert_error(b.delete(f"/rest/people/{pid}"), 404, "RECORD_NOT_FOUND")
    assert_error(b.delete(f"/rest/companies/{a_records['company']}"), 404, "RECORD_NOT_FOUND")
    r = b.patch(f"/rest/restore/people/{pid}")
    assert_error(r, 404, "RECORD_NOT_FOUND")
    after = a.get(f"/rest/people/{pid}")
    assert after.status_code == 200, after.text
    assert after.json()["data"]["person"] == a_records["person"]


def test_bulk_writes_in_b_leave_a_alone(a: Api, b: Api, a_records: dict[str, Any]) -> None:
    before_people = everything(a, "people")
    before_companies = everything(a, "companies")
    b_people = everything(b, "people")[0]
    r = b.post("/rest/batch/people", json=[{"name": {"firstName": "Bob", "lastName": str(i)}} for i in range(3)])
    assert r.status_code == 201, r.text
    r = b.patch("/rest/people", json={"city": "B-town"})
    assert r.status_code == 200, r.text
    assert {p["city"] for p in r.json()["data"]["updatePeople"]} == {"B-town"}
    r = b.patch("/rest/people", params={"filter": f"emails.primaryEmail[eq]:{EMAIL}"}, json={"city": "B-town"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["updatePeople"] == []
    r = b.delete("/rest/people", params={"filter": "id[is]:NOT_NULL", "soft_delete": "true"})
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]["deletePeople"]) == b_people + 3
    r = b.patch("/rest/restore/people", params={"filter": "id[is]:NOT_NULL"})
    assert r.status_code == 200, r.text
    r = b.delete("/rest/people", params={"filter": "id[is]:NOT_NULL"})
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]["deletePeople"]) == b_people + 3
    r = b.delete("/rest/companies", params={"filter": f"id[eq]:{a_records['company']}"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["deleteCompanies"] == []
    assert everything(a, "people") == before_people
    assert everything(a, "companies") == before_companies


def test_b_may_reuse_a_ids_and_unique_values(a: Api, b: Api, a_records: dict[str, Any]) -> None:
    """Ids and unique fields are unique per workspace: B's copy is B's own record."""
    person = a_records["person"]
    r = b.post(
        "/rest/people",
        json={"id": person["id"], "name": {"firstName": "Bea", "lastName": "B"}, "emails": {"primaryEmail": EMAIL}},
    )
    assert r.status_code == 201, r.text
    created = r.json()["data"]["createPerson"]
    assert created["id"] == person["id"]
    assert created["name"] == {"firstName": "Bea", "lastName": "B"}
    r = b.patch(f"/rest/people/{person['id']}", json={"city": "Bordeaux"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["updatePerson"]["city"] == "Bordeaux"
    # A's record with the same id is untouched
    r = a.get(f"/rest/people/{person['id']}")
    assert r.json()["data"]["person"] == person
    # B deletes its copy; A's stays
    r = b.delete(f"/rest/people/{person['id']}")
    assert r.status_code == 200, r.text
    r = a.get(f"/rest/people/{person['id']}")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["person"] == person


def test_b_cannot_point_a_relation_at_a_record(a: Api, b: Api, a_records: dict[str, Any]) -> None:
    r = b.post("/rest/people", json={"name": {"firstName": "Link", "lastName": "B"}, "companyId": a_records["company"]})
    assert_error(r, 400, "RELATION_TARGET_NOT_FOUND")
    assert b.get("/rest/people", params={"filter": f"companyId[eq]:{a_records['company']}"}).json()["totalCount"] == 0
    r = b.post("/rest/people", json={"name": {"firstName": "Link", "lastName": "B"}})
    assert r.status_code == 201, r.text
    pid = r.json()["data"]["createPerson"]["id"]
    assert_error(b.patch(f"/rest/people/{pid}", json={"companyId": a_records["company"]}), 400, "RELATION_TARGET_NOT_FOUND")
    r = b.get(f"/rest/people/{pid}", params={"depth": "1"})
    assert r.json()["data"]["person"]["company"] is None


def test_a_depth_reads_do_not_embed_b_records(a: Api, b: Api, a_records: dict[str, Any]) -> None:
    r = a.get(f"/rest/companies/{a_records['company']}", params={"depth": "1"})
    assert r.status_code == 200, r.text
    people = r.json()["data"]["company"]["people"]
    assert [p["id"] for p in people] == [a_records["person"]["id"]]


# ---- tokens cannot be moved to another workspace -------------------------------------------


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def test_token_edited_to_claim_b_is_refused(
    app_client: TestClient, ws_a: Workspace, ws_b: Workspace, secret: str, a_records: dict[str, Any]
) -> None:
    claims = _claims(ws_a.token)
    claims.update(sub=ws_b.id, workspaceId=ws_b.id)
    for key_type in ("API_KEY", "ACCESS"):
        forged = jwt.encode(claims, derive_key(secret, ws_a.id, key_type), algorithm="HS256")
        body = assert_error(Api(app_client, forged).get("/rest/people"), 401, "UNAUTHENTICATED")
        assert "Token invalid" in body["error"]["message"]
        assert a_records["person"]["id"] not in repr(body)


def test_token_with_mismatched_sub_is_refused(app_client: TestClient, ws_a: Workspace, ws_b: Workspace, secret: str) -> None:
    """``workspaceId`` says B, ``sub`` says A: signed with either workspace's key, refused."""
    claims = _claims(ws_a.token)
    claims.update(workspaceId=ws_b.id)
    for scope in (ws_a.id, ws_b.id):
        forged = jwt.encode(claims, derive_key(secret, scope, "API_KEY"), algorithm="HS256")
        assert_error(Api(app_client, forged).get("/rest/people"), 401, "UNAUTHENTICATED")


def test_key_of_a_does_not_open_b(app_client: TestClient, ws_a: Workspace, ws_b: Workspace, secret: str) -> None:
    """Even signed with B's own key, a token naming A's key id is not a key of B → 403."""
    claims = _claims(ws_a.token)
    claims.update(sub=ws_b.id, workspaceId=ws_b.id, iat=int(time.time()))
    forged = jwt.encode(claims, derive_key(secret, ws_b.id, "API_KEY"), algorithm="HS256")
    body = assert_error(Api(app_client, forged).get("/rest/people"), 403, "FORBIDDEN")
    assert body["error"]["message"] == "This API Key is revoked"


def test_each_key_still_opens_its_own_workspace(a: Api, b: Api, a_records: dict[str, Any]) -> None:
    assert a.get(f"/rest/people/{a_records['person']['id']}").status_code == 200
    assert b.get("/rest/people").status_code == 200
