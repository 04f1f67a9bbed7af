"""Record writes over REST: delete / destroy, restore, upsert, unique fields, relations on write.

REST.md §3.3, §3.7, §3.8, §7.4, §8, DATA_MODEL.md §1.10, §2, §4.2–4.7, DECISIONS.md. Every test
runs on SQLite and PostgreSQL (the `api` fixture); each creates its own records, tagged with a
fresh marker so that tests sharing the module's workspace never see each other's data.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error

KEY_ACTOR = {"source": "API", "workspaceMemberId": None, "name": "Default key", "context": {}}


def marker() -> str:
    return uuid.uuid4().hex[:12]


def email(m: str, tag: str = "p") -> str:
    return f"{tag}.{m}@example.com"


def create(api: Api, plural: str, singular: str, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post(f"/rest/{plural}", json=body)
    assert r.status_code == 201, r.text
    return r.json()["data"]["create" + singular[0].upper() + singular[1:]]  # type: ignore[no-any-return]


def create_person(api: Api, **body: Any) -> dict[str, Any]:
    return create(api, "people", "person", body)


def create_company(api: Api, **body: Any) -> dict[str, Any]:
    return create(api, "companies", "company", body)


def find_many(api: Api, plural: str, filter_: str) -> dict[str, Any]:
    r = api.get(f"/rest/{plural}", params={"filter": filter_, "limit": "100"})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def people_where(api: Api, filter_: str) -> list[dict[str, Any]]:
    return find_many(api, "people", filter_)["data"]["people"]  # type: ignore[no-any-return]


def ids_where(api: Api, filter_: str) -> set[str]:
    return {p["id"] for p in people_where(api, filter_)}


def find_person(api: Api, record_id: str) -> dict[str, Any]:
    r = api.get(f"/rest/people/{record_id}")
    assert r.status_code == 200, r.text
    return r.json()["data"]["person"]  # type: ignore[no-any-return]


def soft_delete(api: Api, plural: str, record_id: str) -> None:
    r = api.delete(f"/rest/{plural}/{record_id}", params={"soft_delete": "true"})
    assert r.status_code == 200, r.text


# ---- 6. delete one ---------------------------------------------------------------------------


def test_delete_one_is_permanent_by_default(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m)
    r = api.delete(f"/rest/people/{person['id']}")
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"deletePerson": {"id": person["id"]}}}
    assert_error(api.get(f"/rest/people/{person['id']}"), 404, "RECORD_NOT_FOUND")
    assert people_where(api, f"city[eq]:{m}") == []
    body = find_many(api, "people", f"city[eq]:{m},deletedAt[is]:NOT_NULL")
    assert body["data"]["people"] == [] and body["totalCount"] == 0
    # gone for good: it cannot be restored
    assert_error(api.patch(f"/rest/restore/people/{person['id']}"), 404, "RECORD_NOT_FOUND")


@pytest.mark.parametrize("value", ["false", None])
def test_delete_one_soft_delete_false_destroys(api: Api, value: str | None) -> None:
    m = marker()
    person = create_person(api, city=m)
    params = {"soft_delete": value} if value is not None else {}
    r = api.delete(f"/rest/people/{person['id']}", params=params)
    assert r.status_code == 200, r.text
    assert find_many(api, "people", f"city[eq]:{m},deletedAt[is]:NOT_NULL")["data"]["people"] == []


def test_soft_delete_one(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m)
    other = create_person(api, city=m)
    r = api.delete(f"/rest/people/{person['id']}", params={"soft_delete": "true"})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"deletePerson": {"id": person["id"]}}}
    # hidden from find one and find many, totalCount included
    assert_error(api.get(f"/rest/people/{person['id']}"), 404, "RECORD_NOT_FOUND")
    live = find_many(api, "people", f"city[eq]:{m}")
    assert [p["id"] for p in live["data"]["people"]] == [other["id"]]
    assert live["totalCount"] == 1
    # listed when the filter mentions deletedAt
    deleted = find_many(api, "people", f"city[eq]:{m},deletedAt[is]:NOT_NULL")
    assert [p["id"] for p in deleted["data"]["people"]] == [person["id"]]
    assert deleted["totalCount"] == 1
    record = deleted["data"]["people"][0]
    assert record["deletedAt"] is not None and record["deletedAt"] >= record["updatedAt"]
    both = find_many(api, "people", f"city[eq]:{m},or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)")
    assert {p["id"] for p in both["data"]["people"]} == {person["id"], other["id"]}
    assert both["totalCount"] == 2


def test_soft_deleted_record_can_then_be_destroyed(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m)
    soft_delete(api, "people", person["id"])
    r = api.delete(f"/rest/people/{person['id']}")
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"deletePerson": {"id": person["id"]}}}
    assert find_many(api, "people", f"city[eq]:{m},deletedAt[is]:NOT_NULL")["data"]["people"] == []


@pytest.mark.parametrize("soft", ["true", "false"])
def test_delete_one_unknown_id(api: Api, soft: str) -> None:
    assert_error(api.delete(f"/rest/people/{uuid.uuid4()}", params={"soft_delete": soft}), 404, "RECORD_NOT_FOUND")


def test_delete_one_malformed_id(api: Api) -> None:
    assert_error(api.delete("/rest/people/nope"), 400, "INVALID_UUID")


# ---- 6. delete many --------------------------------------------------------------------------


def test_soft_delete_many_with_filter(api: Api) -> None:
    m = marker()
    doomed = [create_person(api, city=m, jobTitle="doomed") for _ in range(2)]
    kept = create_person(api, city=m, jobTitle="kept")
    r = api.delete("/rest/people", params={"filter": f"city[eq]:{m},jobTitle[eq]:doomed", "soft_delete": "true"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["data"] and list(body["data"]) == ["deletePeople"]
    assert all(set(item) == {"id"} for item in body["data"]["deletePeople"])
    assert {item["id"] for item in body["data"]["deletePeople"]} == {p["id"] for p in doomed}
    assert ids_where(api, f"city[eq]:{m}") == {kept["id"]}
    assert ids_where(api, f"city[eq]:{m},deletedAt[is]:NOT_NULL") == {p["id"] for p in doomed}


def test_destroy_many_with_filter(api: Api) -> None:
    m = marker()
    doomed = [create_person(api, city=m, jobTitle="doomed") for _ in range(2)]
    kept = create_person(api, city=m, jobTitle="kept")
    r = api.delete("/rest/people", params={"filter": f"city[eq]:{m},jobTitle[eq]:doomed"})
    assert r.status_code == 200, r.text
    deleted = r.json()["data"]["deletePeople"]
    assert all(set(item) == {"id"} for item in deleted)
    assert {item["id"] for item in deleted} == {p["id"] for p in doomed}
    assert ids_where(api, f"city[eq]:{m}") == {kept["id"]}
    assert ids_where(api, f"city[eq]:{m},deletedAt[is]:NOT_NULL") == set()
    for p in doomed:
        assert_error(api.get(f"/rest/people/{p['id']}"), 404, "RECORD_NOT_FOUND")


def test_delete_many_with_no_match(api: Api) -> None:
    r = api.delete("/rest/people", params={"filter": f"city[eq]:{marker()}"})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"deletePeople": []}}


@pytest.mark.parametrize("params", [{}, {"soft_delete": "true"}, {"soft_delete": "false"}, {"filter": ""}])
def test_delete_many_without_filter(api: Api, params: dict[str, str]) -> None:
    m = marker()
    person = create_person(api, city=m)
    body = assert_error(api.delete("/rest/people", params=params), 400, "MISSING_FILTER")
    assert "Filters are mandatory" in body["error"]["message"]
    assert find_person(api, person["id"]) == person


# ---- 7. restore ------------------------------------------------------------------------------


def test_restore_one(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m, name={"firstName": "Back", "lastName": m})
    soft_delete(api, "people", person["id"])
    r = api.patch(f"/rest/restore/people/{person['id']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["data"] and list(body["data"]) == ["restorePerson"]
    restored = body["data"]["restorePerson"]
    assert restored["id"] == person["id"]
    assert restored["deletedAt"] is None
    assert restored["name"] == person["name"]
    assert restored["createdAt"] == person["createdAt"]
    assert set(restored) == set(person)
    assert find_person(api, person["id"]) == restored
    assert ids_where(api, f"city[eq]:{m}") == {person["id"]}
    assert ids_where(api, f"city[eq]:{m},deletedAt[is]:NOT_NULL") == set()


def test_restore_one_unknown_id(api: Api) -> None:
    assert_error(api.patch(f"/rest/restore/people/{uuid.uuid4()}"), 404, "RECORD_NOT_FOUND")
    assert_error(api.patch("/rest/restore/people/nope"), 400, "INVALID_UUID")


def test_restore_many(api: Api) -> None:
    m = marker()
    a, b, c = (create_person(api, city=m) for _ in range(3))
    for p in (a, b, c):
        soft_delete(api, "people", p["id"])
    r = api.patch("/rest/restore/people", params={"filter": f"id[in]:[{a['id']},{b['id']}]"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["data"] and list(body["data"]) == ["restorePeople"]
    restored = body["data"]["restorePeople"]
    assert {p["id"] for p in restored} == {a["id"], b["id"]}
    assert all(p["deletedAt"] is None for p in restored)
    assert ids_where(api, f"city[eq]:{m}") == {a["id"], b["id"]}
    assert ids_where(api, f"city[eq]:{m},deletedAt[is]:NOT_NULL") == {c["id"]}


# ---- 8. upsert -------------------------------------------------------------------------------


def test_upsert_by_primary_email_updates_the_match(api: Api) -> None:
    m = marker()
    person = create_person(
        api, emails={"primaryEmail": email(m)}, name={"firstName": "Old", "lastName": m}, city=m, createdBy={"source": "IMPORT"}
    )
    time.sleep(0.01)
    r = api.post(
        "/rest/people",
        params={"upsert": "true"},
        json={"emails": {"primaryEmail": email(m).upper()}, "name": {"firstName": "New", "lastName": m}, "jobTitle": "CTO"},
    )
    assert r.status_code == 201, r.text
    upserted = r.json()["data"]["createPerson"]
    assert upserted["id"] == person["id"]
    assert upserted["name"] == {"firstName": "New", "lastName": m}
    assert upserted["jobTitle"] == "CTO"
    assert upserted["city"] == m  # fields not in the input are kept
    assert upserted["emails"]["primaryEmail"] == email(m)
    assert upserted["createdAt"] == person["createdAt"]
    assert upserted["updatedAt"] > person["updatedAt"]
    assert upserted["createdBy"]["source"] == "IMPORT"  # not overwritten
    assert upserted["updatedBy"] == KEY_ACTOR
    assert ids_where(api, f"city[eq]:{m}") == {person["id"]}


def test_upsert_by_id_updates_the_match(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m, jobTitle="before")
    r = api.post("/rest/people", params={"upsert": "true"}, json={"id": person["id"], "jobTitle": "after"})
    assert r.status_code == 201, r.text
    upserted = r.json()["data"]["createPerson"]
    assert upserted["id"] == person["id"]
    assert upserted["jobTitle"] == "after"
    assert upserted["city"] == m
    assert ids_where(api, f"city[eq]:{m}") == {person["id"]}


def test_upsert_without_match_creates(api: Api) -> None:
    m = marker()
    rid = str(uuid.uuid4())
    r = api.post("/rest/people", params={"upsert": "true"}, json={"id": rid, "city": m, "emails": {"primaryEmail": email(m)}})
    assert r.status_code == 201, r.text
    created = r.json()["data"]["createPerson"]
    assert created["id"] == rid
    assert created["createdBy"] == KEY_ACTOR
    assert ids_where(api, f"city[eq]:{m}") == {rid}


def test_upsert_false_does_not_update(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m)
    r = api.post("/rest/people", params={"upsert": "false"}, json={"id": person["id"], "city": "other"})
    assert_error(r, 400, "RECORD_ALREADY_EXISTS")
    assert find_person(api, person["id"]) == person


def test_upsert_revives_a_soft_deleted_match(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m, emails={"primaryEmail": email(m)})
    soft_delete(api, "people", person["id"])
    r = api.post("/rest/people", params={"upsert": "true"}, json={"emails": {"primaryEmail": email(m)}, "jobTitle": "back"})
    assert r.status_code == 201, r.text
    upserted = r.json()["data"]["createPerson"]
    assert upserted["id"] == person["id"]
    assert upserted["deletedAt"] is None
    assert upserted["jobTitle"] == "back"
    assert find_person(api, person["id"])["deletedAt"] is None
    assert ids_where(api, f"city[eq]:{m}") == {person["id"]}
    assert ids_where(api, f"city[eq]:{m},deletedAt[is]:NOT_NULL") == set()


def test_upsert_revives_a_soft_deleted_match_by_id(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m)
    soft_delete(api, "people", person["id"])
    r = api.post("/rest/people", params={"upsert": "true"}, json={"id": person["id"], "jobTitle": "back"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createPerson"]["deletedAt"] is None
    assert find_person(api, person["id"])["jobTitle"] == "back"


def test_batch_upsert_mixing_new_and_existing(api: Api) -> None:
    m = marker()
    by_email = create_person(api, city=m, emails={"primaryEmail": email(m, "a")}, jobTitle="a0")
    by_id = create_person(api, city=m, jobTitle="b0")
    r = api.post(
        "/rest/batch/people",
        params={"upsert": "true"},
        json=[
            {"city": m, "jobTitle": "new1", "emails": {"primaryEmail": email(m, "n")}},
            {"emails": {"primaryEmail": email(m, "a")}, "jobTitle": "a1"},
            {"city": m, "jobTitle": "new2"},
            {"id": by_id["id"], "jobTitle": "b1"},
        ],
    )
    assert r.status_code == 201, r.text
    result = r.json()["data"]["createPeople"]
    assert [p["jobTitle"] for p in result] == ["new1", "a1", "new2", "b1"]
    assert result[1]["id"] == by_email["id"]
    assert result[3]["id"] == by_id["id"]
    new_ids = {result[0]["id"], result[2]["id"]}
    assert len(new_ids) == 2 and not new_ids & {by_email["id"], by_id["id"]}
    assert all(p["city"] == m for p in result)
    stored = {p["id"]: p["jobTitle"] for p in people_where(api, f"city[eq]:{m}")}
    assert stored == {p["id"]: p["jobTitle"] for p in result}


def test_upsert_matching_two_records_is_a_conflict(api: Api) -> None:
    m = marker()
    one = create_person(api, city=m, emails={"primaryEmail": email(m, "one")})
    two = create_person(api, city=m, emails={"primaryEmail": email(m, "two")})
    r = api.post(
        "/rest/people",
        params={"upsert": "true"},
        json={"id": one["id"], "emails": {"primaryEmail": email(m, "two")}, "jobTitle": "clash"},
    )
    assert_error(r, 409, "UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT")
    assert find_person(api, one["id"]) == one
    assert find_person(api, two["id"]) == two


def test_batch_upsert_conflict_writes_nothing(api: Api) -> None:
    m = marker()
    one = create_person(api, city=m, emails={"primaryEmail": email(m, "one")})
    two = create_person(api, city=m, emails={"primaryEmail": email(m, "two")})
    r = api.post(
        "/rest/batch/people",
        params={"upsert": "true"},
        json=[
            {"city": m, "jobTitle": "fresh"},
            {"id": one["id"], "emails": {"primaryEmail": email(m, "two")}},
        ],
    )
    assert_error(r, 409, "UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT")
    assert ids_where(api, f"city[eq]:{m}") == {one["id"], two["id"]}


# ---- 9. unique fields ------------------------------------------------------------------------


def test_duplicate_primary_email_is_a_unique_violation(api: Api) -> None:
    m = marker()
    create_person(api, city=m, emails={"primaryEmail": email(m)})
    body = assert_error(
        api.post("/rest/people", json={"city": m, "emails": {"primaryEmail": email(m)}}), 409, "UNIQUE_VIOLATION"
    )
    assert body["error"]["details"]["field"] == "emails.primaryEmail"
    # lower-casing happens before the check
    body = assert_error(
        api.post("/rest/people", json={"city": m, "emails": {"primaryEmail": email(m).upper()}}), 409, "UNIQUE_VIOLATION"
    )
    assert body["error"]["details"]["field"] == "emails.primaryEmail"
    assert len(people_where(api, f"city[eq]:{m}")) == 1


def test_duplicate_primary_email_in_one_batch(api: Api) -> None:
    m = marker()
    r = api.post(
        "/rest/batch/people",
        json=[{"city": m, "emails": {"primaryEmail": email(m)}}, {"city": m, "emails": {"primaryEmail": email(m)}}],
    )
    body = assert_error(r, 409, "UNIQUE_VIOLATION")
    assert body["error"]["details"]["field"] == "emails.primaryEmail"
    assert people_where(api, f"city[eq]:{m}") == []


def test_update_into_a_taken_primary_email(api: Api) -> None:
    m = marker()
    create_person(api, city=m, emails={"primaryEmail": email(m, "taken")})
    other = create_person(api, city=m, emails={"primaryEmail": email(m, "free")})
    r = api.patch(f"/rest/people/{other['id']}", json={"emails": {"primaryEmail": email(m, "taken")}})
    body = assert_error(r, 409, "UNIQUE_VIOLATION")
    assert body["error"]["details"]["field"] == "emails.primaryEmail"
    assert find_person(api, other["id"]) == other


def test_empty_primary_emails_do_not_collide(api: Api) -> None:
    m = marker()
    create_person(api, city=m)
    create_person(api, city=m, emails={"primaryEmail": ""})
    create_person(api, city=m, emails={"primaryEmail": None})
    assert len(people_where(api, f"city[eq]:{m}")) == 3


def test_soft_deleted_record_does_not_block_a_unique_value(api: Api) -> None:
    m = marker()
    old = create_person(api, city=m, emails={"primaryEmail": email(m)})
    soft_delete(api, "people", old["id"])
    new = create_person(api, city=m, emails={"primaryEmail": email(m)})
    assert new["id"] != old["id"]
    assert new["emails"]["primaryEmail"] == email(m)
    # restoring the old one would now duplicate the value
    body = assert_error(api.patch(f"/rest/restore/people/{old['id']}"), 409, "UNIQUE_VIOLATION")
    assert body["error"]["details"]["field"] == "emails.primaryEmail"
    assert ids_where(api, f"city[eq]:{m}") == {new["id"]}
    assert ids_where(api, f"city[eq]:{m},deletedAt[is]:NOT_NULL") == {old["id"]}


def test_duplicate_company_domain_is_a_unique_violation(api: Api) -> None:
    m = marker()
    create_company(api, name=m, domainName={"primaryLinkUrl": f"https://{m}.com"})
    r = api.post("/rest/companies", json={"name": m, "domainName": {"primaryLinkUrl": f"HTTPS://{m}.COM/"}})
    body = assert_error(r, 409, "UNIQUE_VIOLATION")
    assert body["error"]["details"]["field"] == "domainName.primaryLinkUrl"


# ---- 10. relations on write ------------------------------------------------------------------


def test_company_id_set_and_cleared(api: Api) -> None:
    company = create_company(api, name=marker())
    person = create_person(api, city=marker(), companyId=company["id"])
    assert person["companyId"] == company["id"]
    assert find_person(api, person["id"])["companyId"] == company["id"]
    r = api.patch(f"/rest/people/{person['id']}", json={"companyId": None})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["updatePerson"]["companyId"] is None
    r = api.patch(f"/rest/people/{person['id']}", json={"companyId": company["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["updatePerson"]["companyId"] == company["id"]
    assert ids_where(api, f"companyId[eq]:{company['id']}") == {person["id"]}


def test_company_connect_and_disconnect(api: Api) -> None:
    company = create_company(api, name=marker())
    person = create_person(api, city=marker(), company={"connect": {"where": {"id": company["id"]}}})
    assert person["companyId"] == company["id"]
    assert "company" not in person  # depth 0: the join column only
    r = api.patch(f"/rest/people/{person['id']}", json={"company": {"disconnect": True}})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["updatePerson"]["companyId"] is None
    r = api.patch(f"/rest/people/{person['id']}", json={"company": {"connect": {"where": {"id": company["id"]}}}})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["updatePerson"]["companyId"] == company["id"]


def test_relation_plain_object_is_rejected(api: Api) -> None:
    m = marker()
    company = create_company(api, name=m)
    r = api.post("/rest/people", json={"city": m, "company": {"id": company["id"]}})
    assert_error(r, 400, "VALIDATION_ERROR")
    assert people_where(api, f"city[eq]:{m}") == []


@pytest.mark.parametrize("key", ["targetPersonId", "personId", "targetPerson"])
def test_note_target_person_spellings(api: Api, key: str) -> None:
    note = create(api, "notes", "note", {"title": f"Note {marker()}"})
    person = create_person(api, city=marker())
    target = create(api, "noteTargets", "noteTarget", {"noteId": note["id"], key: person["id"]})
    assert target["targetPersonId"] == person["id"]
    assert target["noteId"] == note["id"]
    assert "personId" not in target and "targetPerson" not in target
    found = find_many(api, "noteTargets", f"targetPersonId[eq]:{person['id']}")["data"]["noteTargets"]
    assert [t["id"] for t in found] == [target["id"]]


def test_note_target_company_alias_and_connect(api: Api) -> None:
    note = create(api, "notes", "note", {"title": f"Note {marker()}"})
    company = create_company(api, name=marker())
    by_alias = create(api, "noteTargets", "noteTarget", {"noteId": note["id"], "companyId": company["id"]})
    assert by_alias["targetCompanyId"] == company["id"]
    by_connect = create(
        api,
        "noteTargets",
        "noteTarget",
        {"note": {"connect": {"where": {"id": note["id"]}}}, "targetCompany": {"connect": {"where": {"id": company["id"]}}}},
    )
    assert by_connect["noteId"] == note["id"]
    assert by_connect["targetCompanyId"] == company["id"]


def test_relation_to_a_missing_record(api: Api) -> None:
    m = marker()
    r = api.post("/rest/people", json={"city": m, "companyId": str(uuid.uuid4())})
    assert_error(r, 400, "RELATION_TARGET_NOT_FOUND")
    assert people_where(api, f"city[eq]:{m}") == []
    r = api.post("/rest/people", json={"city": m, "company": {"connect": {"where": {"id": str(uuid.uuid4())}}}})
    assert_error(r, 400, "RELATION_TARGET_NOT_FOUND")
    person = create_person(api, city=m)
    r = api.patch(f"/rest/people/{person['id']}", json={"companyId": str(uuid.uuid4())})
    assert_error(r, 400, "RELATION_TARGET_NOT_FOUND")
    assert find_person(api, person["id"])["companyId"] is None
    r = api.post("/rest/noteTargets", json={"targetPersonId": str(uuid.uuid4())})
    assert_error(r, 400, "RELATION_TARGET_NOT_FOUND")


def test_relation_id_must_be_a_uuid(api: Api) -> None:
    assert_error(api.post("/rest/people", json={"companyId": "nope"}), 400, "INVALID_UUID")


def test_destroying_a_company_sets_person_company_to_null(api: Api) -> None:
    company = create_company(api, name=marker())
    people = [create_person(api, city=marker(), companyId=company["id"]) for _ in range(2)]
    opportunity = create(api, "opportunities", "opportunity", {"name": marker(), "companyId": company["id"]})
    r = api.delete(f"/rest/companies/{company['id']}")
    assert r.status_code == 200, r.text
    for p in people:
        person = find_person(api, p["id"])
        assert person["companyId"] is None
    r = api.get(f"/rest/opportunities/{opportunity['id']}")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["opportunity"]["companyId"] is None


def test_destroying_a_note_cascades_to_its_targets(api: Api) -> None:
    note = create(api, "notes", "note", {"title": f"Note {marker()}"})
    person = create_person(api, city=marker())
    company = create_company(api, name=marker())
    t1 = create(api, "noteTargets", "noteTarget", {"noteId": note["id"], "targetPersonId": person["id"]})
    t2 = create(api, "noteTargets", "noteTarget", {"noteId": note["id"], "targetCompanyId": company["id"]})
    r = api.delete(f"/rest/notes/{note['id']}")
    assert r.status_code == 200, r.text
    for t in (t1, t2):
        assert_error(api.get(f"/rest/noteTargets/{t['id']}"), 404, "RECORD_NOT_FOUND")
    body = find_many(api, "noteTargets", f"noteId[eq]:{note['id']},deletedAt[is]:NOT_NULL")
    assert body["data"]["noteTargets"] == []
    # the targets' other ends survive
    assert find_person(api, person["id"])["id"] == person["id"]


def test_destroying_a_person_cascades_to_note_targets_pointing_at_it(api: Api) -> None:
    note = create(api, "notes", "note", {"title": f"Note {marker()}"})
    person = create_person(api, city=marker())
    target = create(api, "noteTargets", "noteTarget", {"noteId": note["id"], "targetPersonId": person["id"]})
    assert api.delete(f"/rest/people/{person['id']}").status_code == 200
    assert_error(api.get(f"/rest/noteTargets/{target['id']}"), 404, "RECORD_NOT_FOUND")
    r = api.get(f"/rest/notes/{note['id']}")
    assert r.status_code == 200, r.text
