"""Upsert by a named unique field: ``?upsert=true&match=<field>`` (DECISIONS.md §3,
docs/write-contract.md). Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error


def marker() -> str:
    return uuid.uuid4().hex[:12]


def email(m: str, tag: str = "p") -> str:
    return f"{tag}.{m}@example.com"


def create_person(api: Api, **body: Any) -> dict[str, Any]:
    r = api.post("/rest/people", json=body)
    assert r.status_code == 201, r.text
    return r.json()["data"]["createPerson"]  # type: ignore[no-any-return]


def upsert(api: Api, match: str, body: Any, path: str = "/rest/people", **params: str) -> Any:
    return api.post(path, params={"upsert": "true", "match": match, **params}, json=body)


def people(api: Api, m: str, deleted: bool = False) -> list[dict[str, Any]]:
    f = f"city[eq]:{m}" + (",deletedAt[is]:NOT_NULL" if deleted else "")
    r = api.get("/rest/people", params={"filter": f, "limit": "100"})
    assert r.status_code == 200, r.text
    return r.json()["data"]["people"]  # type: ignore[no-any-return]


def test_match_on_primary_email_updates_the_match_whatever_the_input_id(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m, emails={"primaryEmail": email(m)}, jobTitle="before")
    other_id = str(uuid.uuid4())
    r = upsert(api, "emails.primaryEmail", {"id": other_id, "emails": {"primaryEmail": email(m)}, "jobTitle": "with id"})
    assert r.status_code == 201, r.text
    record = r.json()["data"]["createPerson"]
    assert record["id"] == person["id"]  # the input's id does not move the record
    assert record["jobTitle"] == "with id"
    assert re.match(r'^"[0-9a-f]+"$', r.headers["etag"])
    r = upsert(api, "emails.primaryEmail", {"emails": {"primaryEmail": email(m).upper()}, "jobTitle": "without id"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createPerson"]["id"] == person["id"]
    assert [p["jobTitle"] for p in people(api, m)] == ["without id"]
    assert_error(api.get(f"/rest/people/{other_id}"), 404, "RECORD_NOT_FOUND")


def test_match_on_the_whole_unique_composite_uses_its_unique_part(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m, emails={"primaryEmail": email(m)})
    r = upsert(api, "emails", {"emails": {"primaryEmail": email(m)}, "jobTitle": "x"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createPerson"]["id"] == person["id"]


def test_match_without_a_value_for_the_field_inserts(api: Api) -> None:
    m = marker()
    create_person(api, city=m, emails={"primaryEmail": email(m)})
    r = upsert(api, "emails.primaryEmail", {"city": m, "jobTitle": "new"})
    assert r.status_code == 201, r.text
    assert len(people(api, m)) == 2


def test_match_on_id_ignores_the_unique_fields(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m, emails={"primaryEmail": email(m)})
    r = upsert(api, "id", {"id": person["id"], "jobTitle": "by id"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createPerson"]["jobTitle"] == "by id"
    # a new id with a taken e-mail is an insert, which the unique index refuses
    r = upsert(api, "id", {"id": str(uuid.uuid4()), "city": m, "emails": {"primaryEmail": email(m)}})
    assert_error(r, 409, "UNIQUE_VIOLATION")
    assert len(people(api, m)) == 1


def test_match_on_email_ignores_the_input_id(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m)
    # the id exists, but only the e-mail (which matches nothing) is looked at: an insert
    r = upsert(api, "emails.primaryEmail", {"id": person["id"], "emails": {"primaryEmail": email(m)}})
    assert_error(r, 400, "RECORD_ALREADY_EXISTS")


def test_match_on_company_domain(api: Api) -> None:
    m = marker()
    url = f"https://{m}.example.com"
    r = api.post("/rest/companies", json={"name": "Old", "domainName": {"primaryLinkUrl": url}})
    assert r.status_code == 201, r.text
    company = r.json()["data"]["createCompany"]
    r = upsert(api, "domainName.primaryLinkUrl", {"name": "New", "domainName": {"primaryLinkUrl": url}}, "/rest/companies")
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createCompany"]["id"] == company["id"]
    assert r.json()["data"]["createCompany"]["name"] == "New"


def test_match_revives_a_soft_deleted_record(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m, emails={"primaryEmail": email(m)})
    assert api.delete(f"/rest/people/{person['id']}", params={"soft_delete": "true"}).status_code == 200
    r = upsert(api, "emails.primaryEmail", {"emails": {"primaryEmail": email(m)}, "jobTitle": "back"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createPerson"]["id"] == person["id"]
    assert r.json()["data"]["createPerson"]["deletedAt"] is None


def test_batch_with_match(api: Api) -> None:
    m = marker()
    existing = create_person(api, city=m, emails={"primaryEmail": email(m, "a")}, jobTitle="a0")
    r = upsert(
        api, "emails.primaryEmail",
        [
            {"city": m, "emails": {"primaryEmail": email(m, "n")}, "jobTitle": "n1"},
            {"id": str(uuid.uuid4()), "emails": {"primaryEmail": email(m, "a")}, "jobTitle": "a1"},
        ],
        "/rest/batch/people",
    )
    assert r.status_code == 201, r.text
    result = r.json()["data"]["createPeople"]
    assert [p["jobTitle"] for p in result] == ["n1", "a1"]
    assert result[1]["id"] == existing["id"]
    assert "etag" not in r.headers
    assert len(people(api, m)) == 2


def test_several_matching_records_conflict(api: Api) -> None:
    m = marker()
    # a soft-deleted record does not hold its unique value: a live one can take it
    old = create_person(api, city=m, emails={"primaryEmail": email(m)})
    assert api.delete(f"/rest/people/{old['id']}", params={"soft_delete": "true"}).status_code == 200
    live = create_person(api, city=m, emails={"primaryEmail": email(m)})
    for path, body in (("/rest/people", {"emails": {"primaryEmail": email(m)}, "jobTitle": "?"}),
                       ("/rest/batch/people", [{"emails": {"primaryEmail": email(m)}, "jobTitle": "?"}])):
        r = upsert(api, "emails.primaryEmail", body, path)
        err = assert_error(r, 409, "UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT")
        assert set(err["error"]["details"]["ids"]) == {old["id"], live["id"]}
    # without match, the same ambiguity is the same conflict
    r = api.post("/rest/people", params={"upsert": "true"}, json={"emails": {"primaryEmail": email(m)}})
    assert_error(r, 409, "UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT")
    assert [p["jobTitle"] for p in people(api, m)] == [None]


@pytest.mark.parametrize("field", ["jobTitle", "name.firstName", "emails.additionalEmails", "company", "city"])
def test_match_on_a_field_that_is_not_unique_is_400(api: Api, field: str) -> None:
    body = assert_error(upsert(api, field, {"jobTitle": "x"}), 400, "VALIDATION_ERROR")
    assert body["error"]["details"]["field"] == field
    assert field in body["error"]["message"]


@pytest.mark.parametrize("field", ["nope", "emails.nope", "jobTitle.sub", "id.x", "emails,id"])
def test_match_on_an_unknown_field_is_400(api: Api, field: str) -> None:
    body = assert_error(upsert(api, field, {"jobTitle": "x"}), 400, "UNKNOWN_FIELD")
    assert body["error"]["details"]["field"] == field


def test_match_without_upsert_is_400(api: Api) -> None:
    m = marker()
    r = api.post("/rest/people", params={"match": "emails.primaryEmail"}, json={"city": m})
    assert_error(r, 400, "INVALID_PARAMETER")
    r = api.post("/rest/people", params={"upsert": "false", "match": "emails.primaryEmail"}, json={"city": m})
    assert_error(r, 400, "INVALID_PARAMETER")
    r = api.post("/rest/batch/people", params={"match": "id"}, json=[{"city": m}])
    assert_error(r, 400, "INVALID_PARAMETER")
    assert people(api, m) == []


def test_empty_or_repeated_match_is_400(api: Api) -> None:
    assert_error(upsert(api, "", {"jobTitle": "x"}), 400, "INVALID_PARAMETER")
    r = api.post("/rest/people?upsert=true&match=id&match=emails", json={"jobTitle": "x"})
    assert_error(r, 400, "INVALID_PARAMETER")


def test_match_is_not_accepted_on_other_routes(api: Api) -> None:
    person = create_person(api, city=marker())
    r = api.patch(f"/rest/people/{person['id']}", params={"match": "id"}, json={"jobTitle": "x"})
    assert_error(r, 400, "UNKNOWN_PARAMETER")


@pytest.fixture(scope="module")
def ledger(api: Api) -> str:
    """A custom object with a unique NUMBER and a unique DATE_TIME field."""
    singular = "ledger" + uuid.uuid4().hex[:6].replace("0", "a").replace("1", "b")
    singular = "".join(c for c in singular if c.isalpha())
    r = api.post("/rest/metadata/objects", json={
        "nameSingular": singular, "namePlural": singular + "s", "labelSingular": "Ledger", "labelPlural": "Ledgers",
    })
    assert r.status_code == 201, r.text
    object_id = r.json()["data"]["createOneObject"]["id"]
    for name, kind in (("serial", "NUMBER"), ("bookedAt", "DATE_TIME")):
        r = api.post("/rest/metadata/fields", json={
            "objectMetadataId": object_id, "name": name, "label": name, "type": kind, "isUnique": True,
        })
        assert r.status_code == 201, r.text
    return singular + "s"


@pytest.mark.parametrize(
    ("field", "stored", "sent"),
    [
        ("serial", 10, 10.0),
        ("bookedAt", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000Z"),
        ("bookedAt", "2024-01-02T03:04:06Z", "2024-01-02T04:04:06+01:00"),
    ],
)
def test_upsert_matches_equal_values_however_spelled(ledger: str, api: Api, field: str, stored: Any, sent: Any) -> None:
    r = api.post(f"/rest/{ledger}", json={field: stored, "name": "first"})
    assert r.status_code == 201, r.text
    first = r.json()["data"]
    (record,) = first.values()
    r = api.post(f"/rest/{ledger}", params={"upsert": "true"}, json={field: sent, "name": "second"})
    assert r.status_code == 201, r.text
    (again,) = r.json()["data"].values()
    assert again["id"] == record["id"]
    assert again["name"] == "second"
