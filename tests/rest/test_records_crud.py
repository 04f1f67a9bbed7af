"""Record CRUD over REST: create one / many, find one, update one / many, `fields` projection.

REST.md §2–§4, DATA_MODEL.md §1, §3, §4.2–4.4, DECISIONS.md. Every test runs on SQLite and
PostgreSQL (the `api` fixture); each creates its own records, tagged with a fresh marker so
that tests sharing the module's workspace never see each other's data.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
KEY_ACTOR = {"source": "API", "workspaceMemberId": None, "name": "Default key", "context": {}}
SYSTEM_KEYS = {"id", "createdAt", "updatedAt", "deletedAt"}
BUSINESS_SYSTEM_KEYS = SYSTEM_KEYS | {"createdBy", "updatedBy", "position"}

PERSON_KEYS = BUSINESS_SYSTEM_KEYS | {
    "name", "emails", "linkedinLink", "xLink", "jobTitle", "phones", "city", "avatarUrl", "avatarFile", "companyId",
}
COMPANY_KEYS = BUSINESS_SYSTEM_KEYS | {
    "name", "domainName", "address", "employees", "linkedinLink", "xLink", "annualRecurringRevenue",
    "idealCustomerProfile", "accountOwnerId",
}
OPPORTUNITY_KEYS = BUSINESS_SYSTEM_KEYS | {
    "name", "amount", "closeDate", "stage", "pointOfContactId", "companyId", "ownerId",
}
NOTE_KEYS = BUSINESS_SYSTEM_KEYS | {"title", "bodyV2"}
TASK_KEYS = BUSINESS_SYSTEM_KEYS | {"title", "bodyV2", "dueAt", "status", "assigneeId"}
ACTIVITY_KEYS = BUSINESS_SYSTEM_KEYS | {"title", "type", "startsAt", "endsAt", "bodyV2"}
NOTE_TARGET_KEYS = SYSTEM_KEYS | {"noteId", "targetPersonId", "targetCompanyId", "targetOpportunityId"}

LINKS_KEYS = {"primaryLinkUrl", "primaryLinkLabel", "secondaryLinks"}
PHONES_KEYS = {"primaryPhoneNumber", "primaryPhoneCountryCode", "primaryPhoneCallingCode", "additionalPhones"}
ADDRESS_KEYS = {
    "addressStreet1", "addressStreet2", "addressCity", "addressPostcode", "addressState", "addressCountry",
    "addressLat", "addressLng",
}


def marker() -> str:
    return uuid.uuid4().hex[:12]


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def assert_system_fields(record: dict[str, Any], *, actor: bool = True) -> None:
    assert uuid.UUID(record["id"]) and record["id"] == record["id"].lower()
    assert TIMESTAMP.match(record["createdAt"]), record["createdAt"]
    assert TIMESTAMP.match(record["updatedAt"]), record["updatedAt"]
    assert record["deletedAt"] is None
    if actor:
        assert record["createdBy"] == KEY_ACTOR
        assert record["updatedBy"] == KEY_ACTOR
        assert is_number(record["position"])


def create(api: Api, plural: str, singular: str, body: dict[str, Any], **params: str) -> dict[str, Any]:
    r = api.post(f"/rest/{plural}", json=body, params=params)
    assert r.status_code == 201, r.text
    envelope = r.json()
    key = "create" + singular[0].upper() + singular[1:]
    assert list(envelope) == ["data"] and list(envelope["data"]) == [key], envelope
    return envelope["data"][key]  # type: ignore[no-any-return]


def create_person(api: Api, **body: Any) -> dict[str, Any]:
    return create(api, "people", "person", body)


def people_where(api: Api, filter_: str) -> list[dict[str, Any]]:
    r = api.get("/rest/people", params={"filter": filter_, "limit": "100"})
    assert r.status_code == 200, r.text
    return r.json()["data"]["people"]  # type: ignore[no-any-return]


def find_person(api: Api, record_id: str) -> dict[str, Any]:
    r = api.get(f"/rest/people/{record_id}")
    assert r.status_code == 200, r.text
    return r.json()["data"]["person"]  # type: ignore[no-any-return]


# ---- 1. create one ---------------------------------------------------------------------------


def test_create_person_record_shape(api: Api) -> None:
    m = marker()
    person = create_person(
        api,
        name={"firstName": "Ada", "lastName": f"Lovelace {m}"},
        emails={"primaryEmail": f"ada.{m}@example.com", "additionalEmails": [f"ada.alt.{m}@example.com"]},
        phones={"primaryPhoneNumber": "612345678", "primaryPhoneCountryCode": "FR", "primaryPhoneCallingCode": "+33"},
        linkedinLink={"primaryLinkUrl": f"https://linkedin.com/in/{m}", "primaryLinkLabel": "LinkedIn"},
        jobTitle="Engineer",
        city=f"London {m}",
    )
    assert set(person) == PERSON_KEYS
    assert_system_fields(person)
    assert person["name"] == {"firstName": "Ada", "lastName": f"Lovelace {m}"}
    assert person["emails"] == {
        "primaryEmail": f"ada.{m}@example.com",
        "additionalEmails": [f"ada.alt.{m}@example.com"],
    }
    assert person["phones"]["primaryPhoneNumber"] == "612345678"
    assert person["phones"]["primaryPhoneCountryCode"] == "FR"
    assert person["phones"]["primaryPhoneCallingCode"] == "+33"
    assert set(person["phones"]) == PHONES_KEYS
    assert person["phones"]["additionalPhones"] in (None, [])
    assert set(person["linkedinLink"]) == LINKS_KEYS
    assert person["linkedinLink"]["primaryLinkUrl"] == f"https://linkedin.com/in/{m}"
    assert person["linkedinLink"]["primaryLinkLabel"] == "LinkedIn"
    assert person["linkedinLink"]["secondaryLinks"] in (None, [])
    assert set(person["xLink"]) == LINKS_KEYS
    assert person["xLink"]["primaryLinkUrl"] is None
    assert person["jobTitle"] == "Engineer"
    assert person["city"] == f"London {m}"
    assert person["companyId"] is None
    # the created record is what find one returns
    assert find_person(api, person["id"]) == person


def test_create_company_record_shape_and_defaults(api: Api) -> None:
    m = marker()
    company = create(
        api,
        "companies",
        "company",
        {
            "name": f"Acme {m}",
            "domainName": {"primaryLinkUrl": f"https://acme-{m}.com"},
            "address": {"addressCity": "Paris", "addressCountry": "France", "addressLat": 48.8566, "addressLng": 2.3522},
            "employees": 42,
            "annualRecurringRevenue": {"amountMicros": 1500000000, "currencyCode": "EUR"},
        },
    )
    assert set(company) == COMPANY_KEYS
    assert_system_fields(company)
    assert company["name"] == f"Acme {m}"
    assert set(company["domainName"]) == LINKS_KEYS
    assert company["domainName"]["primaryLinkUrl"] == f"https://acme-{m}.com"
    assert set(company["address"]) == ADDRESS_KEYS
    assert company["address"]["addressCity"] == "Paris"
    assert company["address"]["addressCountry"] == "France"
    assert company["address"]["addressLat"] == 48.8566
    assert company["address"]["addressLng"] == 2.3522
    assert company["address"]["addressStreet1"] is None
    assert company["employees"] == 42 and type(company["employees"]) is int
    assert company["annualRecurringRevenue"] == {"amountMicros": 1500000000, "currencyCode": "EUR"}
    assert type(company["annualRecurringRevenue"]["amountMicros"]) is int
    assert company["idealCustomerProfile"] is False
    assert company["accountOwnerId"] is None


@pytest.mark.parametrize(
    ("sent", "returned"),
    [
        (2500000, 2500000),
        (2500000.0, 2500000),  # whole → a JSON integer
        ("3000000", 3000000),  # numeric string accepted on input, returned as a number
        (1.5, 1.5),
    ],
)
def test_currency_amount_micros_is_a_json_number(api: Api, sent: Any, returned: Any) -> None:
    opportunity = create(
        api, "opportunities", "opportunity", {"name": f"Deal {marker()}", "amount": {"amountMicros": sent, "currencyCode": "USD"}}
    )
    assert opportunity["amount"] == {"amountMicros": returned, "currencyCode": "USD"}
    assert type(opportunity["amount"]["amountMicros"]) is type(returned)


def test_whole_numeric_values_are_json_integers(api: Api) -> None:
    """DECISIONS.md §2: NUMERIC values are JSON numbers, integers where the value is whole."""
    company = create(
        api,
        "companies",
        "company",
        {"name": marker(), "address": {"addressLat": 48.0, "addressLng": -2.5}, "employees": 3.0, "position": 5.0},
    )
    assert company["address"]["addressLat"] == 48 and type(company["address"]["addressLat"]) is int
    assert company["address"]["addressLng"] == -2.5
    assert company["employees"] == 3 and type(company["employees"]) is int
    assert company["position"] == 5 and type(company["position"]) is int
    r = api.patch(f"/rest/companies/{company['id']}", json={"annualRecurringRevenue": {"amountMicros": "10.00"}})
    assert r.status_code == 200, r.text
    amount = r.json()["data"]["updateCompany"]["annualRecurringRevenue"]["amountMicros"]
    assert amount == 10 and type(amount) is int


def test_create_opportunity_shape_and_default_stage(api: Api) -> None:
    m = marker()
    company = create(api, "companies", "company", {"name": f"Buyer {m}"})
    opportunity = create(
        api,
        "opportunities",
        "opportunity",
        {
            "name": f"Deal {m}",
            "amount": {"amountMicros": 1000000, "currencyCode": "USD"},
            "closeDate": "2025-03-01T10:00:00.000Z",
            "companyId": company["id"],
        },
    )
    assert set(opportunity) == OPPORTUNITY_KEYS
    assert_system_fields(opportunity)
    assert opportunity["stage"] == "NEW"
    assert opportunity["closeDate"] == "2025-03-01T10:00:00.000Z"
    assert opportunity["companyId"] == company["id"]
    assert opportunity["pointOfContactId"] is None
    assert opportunity["ownerId"] is None


def test_create_note_task_activity_shapes_and_defaults(api: Api) -> None:
    m = marker()
    note = create(api, "notes", "note", {"title": f"Note {m}", "bodyV2": {"markdown": "hello"}})
    assert set(note) == NOTE_KEYS
    assert_system_fields(note)
    assert note["title"] == f"Note {m}"
    assert set(note["bodyV2"]) == {"blocknote", "markdown"}
    assert note["bodyV2"]["markdown"] == "hello"

    task = create(api, "tasks", "task", {"title": f"Task {m}", "dueAt": "2025-01-02T03:04:05.678Z"})
    assert set(task) == TASK_KEYS
    assert_system_fields(task)
    assert task["status"] == "TODO"
    assert task["dueAt"] == "2025-01-02T03:04:05.678Z"
    assert task["assigneeId"] is None
    assert task["bodyV2"] == {"blocknote": None, "markdown": None}

    activity = create(
        api,
        "activities",
        "activity",
        {"title": f"Call {m}", "type": "CALL", "startsAt": "2025-05-01T09:00:00.000Z", "endsAt": "2025-05-01T09:30:00.000Z"},
    )
    assert set(activity) == ACTIVITY_KEYS
    assert_system_fields(activity)
    assert activity["type"] == "CALL"
    assert activity["startsAt"] == "2025-05-01T09:00:00.000Z"
    assert activity["endsAt"] == "2025-05-01T09:30:00.000Z"


def test_create_note_target_shape(api: Api) -> None:
    note = create(api, "notes", "note", {"title": f"Note {marker()}"})
    person = create_person(api, name={"firstName": "Target", "lastName": marker()})
    target = create(api, "noteTargets", "noteTarget", {"noteId": note["id"], "targetPersonId": person["id"]})
    assert set(target) == NOTE_TARGET_KEYS
    assert_system_fields(target, actor=False)
    assert target["noteId"] == note["id"]
    assert target["targetPersonId"] == person["id"]
    assert target["targetCompanyId"] is None
    assert target["targetOpportunityId"] is None


def test_create_with_supplied_id(api: Api) -> None:
    record_id = str(uuid.uuid4())
    person = create_person(api, id=record_id.upper(), name={"firstName": "Given", "lastName": marker()})
    assert person["id"] == record_id  # any case accepted, returned lower-case
    assert find_person(api, record_id)["id"] == record_id


def test_create_with_existing_id_is_rejected(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m)
    r = api.post("/rest/people", json={"id": person["id"], "city": m, "jobTitle": "second"})
    assert_error(r, 400, "RECORD_ALREADY_EXISTS")
    assert [p["id"] for p in people_where(api, f"city[eq]:{m}")] == [person["id"]]
    assert find_person(api, person["id"])["jobTitle"] is None


def test_create_with_malformed_id(api: Api) -> None:
    assert_error(api.post("/rest/people", json={"id": "not-a-uuid"}), 400, "INVALID_UUID")


def test_create_by_import_keeps_source(api: Api) -> None:
    person = create_person(api, name={"firstName": "Imported", "lastName": marker()}, createdBy={"source": "IMPORT"})
    assert person["createdBy"] == {"source": "IMPORT", "workspaceMemberId": None, "name": "Default key", "context": {}}
    assert find_person(api, person["id"])["createdBy"]["source"] == "IMPORT"


def test_create_lower_cases_emails(api: Api) -> None:
    m = marker()
    person = create_person(
        api, emails={"primaryEmail": f"Mixed.Case.{m}@Example.COM", "additionalEmails": [f"Other.{m}@EXAMPLE.org"]}
    )
    assert person["emails"] == {
        "primaryEmail": f"mixed.case.{m}@example.com",
        "additionalEmails": [f"other.{m}@example.org"],
    }
    # the stored value is the lower-cased one
    assert [p["id"] for p in people_where(api, f"emails.primaryEmail[eq]:mixed.case.{m}@example.com")] == [person["id"]]


def test_create_normalises_links(api: Api) -> None:
    m = marker()
    person = create_person(
        api,
        linkedinLink={
            "primaryLinkUrl": f"HTTPS://LinkedIn.COM/in/Ada-{m}/",
            "primaryLinkLabel": "",
            "secondaryLinks": [{"url": "HTTP://Example.ORG/Path/", "label": "site"}],
        },
    )
    link = person["linkedinLink"]
    assert link["primaryLinkUrl"] == f"https://linkedin.com/in/Ada-{m}"  # path case is kept
    assert link["secondaryLinks"] == [{"url": "http://example.org/Path", "label": "site"}]
    company = create(api, "companies", "company", {"name": m, "domainName": {"primaryLinkUrl": f"https://Acme-{m}.COM/"}})
    assert company["domainName"]["primaryLinkUrl"] == f"https://acme-{m}.com"


def test_create_without_position_puts_each_new_record_first(api: Api) -> None:
    first = create_person(api, city=marker())
    second = create_person(api, city=marker())
    third = create_person(api, city=marker())
    assert is_number(first["position"])
    assert first["position"] > second["position"] > third["position"]
    # a batch: every record before the existing ones, in decreasing input order
    m = marker()
    r = api.post("/rest/batch/people", json=[{"city": m, "jobTitle": str(i)} for i in range(3)])
    assert r.status_code == 201, r.text
    batch = r.json()["data"]["createPeople"]
    positions = [p["position"] for p in batch]
    assert positions == sorted(positions, reverse=True) and len(set(positions)) == 3
    assert max(positions) < third["position"]


def test_create_with_explicit_position(api: Api) -> None:
    assert create_person(api, city=marker(), position=42)["position"] == 42
    assert create_person(api, city=marker(), position=2.5)["position"] == 2.5


def test_create_rejects_unknown_field(api: Api) -> None:
    m = marker()
    body = assert_error(api.post("/rest/people", json={"city": m, "favouriteColour": "blue"}), 400, "UNKNOWN_FIELD")
    assert body["error"]["details"]["field"] == "favouriteColour"
    assert people_where(api, f"city[eq]:{m}") == []


def test_create_rejects_wrong_types_and_options(api: Api) -> None:
    assert_error(api.post("/rest/people", json={"city": 12}), 400, "VALIDATION_ERROR")
    assert_error(api.post("/rest/people", json={"name": "Ada Lovelace"}), 400, "VALIDATION_ERROR")
    assert_error(api.post("/rest/companies", json={"idealCustomerProfile": "yes"}), 400, "VALIDATION_ERROR")
    assert_error(api.post("/rest/opportunities", json={"stage": "FOO"}), 400, "VALIDATION_ERROR")
    assert_error(api.post("/rest/tasks", json={"dueAt": "tomorrow"}), 400, "VALIDATION_ERROR")


def test_create_rejects_server_set_fields(api: Api) -> None:
    assert_error(api.post("/rest/people", json={"updatedAt": "2024-01-01T00:00:00.000Z"}), 400, "READ_ONLY_FIELD")
    assert_error(api.post("/rest/people", json={"deletedAt": "2024-01-01T00:00:00.000Z"}), 400, "READ_ONLY_FIELD")
    assert_error(api.post("/rest/people", json={"noteTargets": []}), 400, "READ_ONLY_FIELD")


def test_create_rejects_non_object_body(api: Api) -> None:
    assert_error(api.post("/rest/people", json=[{"city": "x"}]), 400, "INVALID_BODY")
    assert_error(api.post("/rest/people", json="x"), 400, "INVALID_BODY")


# ---- 2. find one -----------------------------------------------------------------------------


def test_find_one(api: Api) -> None:
    person = create_person(api, name={"firstName": "Find", "lastName": marker()})
    r = api.get(f"/rest/people/{person['id']}")
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"person": person}}
    # any case is accepted in the path
    r = api.get(f"/rest/people/{person['id'].upper()}")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["person"]["id"] == person["id"]


def test_find_one_unknown_id(api: Api) -> None:
    assert_error(api.get(f"/rest/people/{uuid.uuid4()}"), 404, "RECORD_NOT_FOUND")


def test_find_one_malformed_id(api: Api) -> None:
    body = assert_error(api.get("/rest/people/malformed-uuid"), 400, "INVALID_UUID")
    assert body["error"]["message"] == "'malformed-uuid' is not a valid UUID"


# ---- 3. create many --------------------------------------------------------------------------


def test_batch_create_in_input_order(api: Api) -> None:
    m = marker()
    inputs = [
        {"name": {"firstName": "One", "lastName": m}, "city": m},
        {"name": {"firstName": "Two", "lastName": m}, "city": m, "emails": {"primaryEmail": f"two.{m}@example.com"}},
        {"name": {"firstName": "Three", "lastName": m}, "city": m},
    ]
    r = api.post("/rest/batch/people", json=inputs)
    assert r.status_code == 201, r.text
    body = r.json()
    assert list(body) == ["data"] and list(body["data"]) == ["createPeople"]
    created = body["data"]["createPeople"]
    assert [p["name"]["firstName"] for p in created] == ["One", "Two", "Three"]
    for record in created:
        assert set(record) == PERSON_KEYS
        assert_system_fields(record)
    assert created[1]["emails"]["primaryEmail"] == f"two.{m}@example.com"
    assert len({p["id"] for p in created}) == 3
    stored = people_where(api, f"city[eq]:{m}")
    assert {p["id"] for p in stored} == {p["id"] for p in created}


def test_batch_create_of_one(api: Api) -> None:
    m = marker()
    r = api.post("/rest/batch/people", json=[{"city": m}])
    assert r.status_code == 201, r.text
    created = r.json()["data"]["createPeople"]
    assert len(created) == 1 and created[0]["city"] == m


def test_batch_create_at_most_200(api: Api) -> None:
    m = marker()
    r = api.post("/rest/batch/people", json=[{"city": m} for _ in range(201)])
    body = assert_error(r, 400, "BATCH_TOO_LARGE")
    assert "200" in body["error"]["message"]
    assert people_where(api, f"city[eq]:{m}") == []
    # 200 is allowed
    r = api.post("/rest/batch/people", json=[{"city": m} for _ in range(200)])
    assert r.status_code == 201, r.text
    assert len(r.json()["data"]["createPeople"]) == 200
    r = api.get("/rest/people", params={"filter": f"city[eq]:{m}", "limit": "1"})
    assert r.json()["totalCount"] == 200


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ({"unknownField": "x"}, "UNKNOWN_FIELD"),
        ({"jobTitle": 12}, "VALIDATION_ERROR"),
        ({"name": {"firstName": "X", "middleName": "Y"}}, "VALIDATION_ERROR"),
    ],
)
def test_batch_with_an_invalid_record_creates_nothing(api: Api, bad: dict[str, Any], code: str) -> None:
    m = marker()
    r = api.post("/rest/batch/people", json=[{"city": m}, {"city": m, **bad}, {"city": m}])
    assert_error(r, 400, code)
    assert people_where(api, f"city[eq]:{m}") == []


def test_batch_failing_in_the_database_creates_nothing(api: Api) -> None:
    """Record #2 fails only when written (a relation to no record): the whole batch rolls back."""
    m = marker()
    r = api.post(
        "/rest/batch/people", json=[{"city": m}, {"city": m, "companyId": str(uuid.uuid4())}, {"city": m}]
    )
    assert_error(r, 400, "RELATION_TARGET_NOT_FOUND")
    assert people_where(api, f"city[eq]:{m}") == []


def test_batch_with_an_existing_id_creates_nothing(api: Api) -> None:
    m = marker()
    existing = create_person(api, city=f"existing {m}")
    r = api.post("/rest/batch/people", json=[{"city": m}, {"id": existing["id"], "city": m}, {"city": m}])
    assert_error(r, 400, "RECORD_ALREADY_EXISTS")
    assert people_where(api, f"city[eq]:{m}") == []
    assert find_person(api, existing["id"])["city"] == f"existing {m}"


def test_batch_with_the_same_id_twice_creates_nothing(api: Api) -> None:
    m = marker()
    rid = str(uuid.uuid4())
    r = api.post("/rest/batch/people", json=[{"id": rid, "city": m}, {"id": rid, "city": m}])
    assert_error(r, 400, "RECORD_ALREADY_EXISTS")
    assert people_where(api, f"city[eq]:{m}") == []


@pytest.mark.parametrize("body", [{"city": "x"}, "x", 3, None])
def test_batch_body_must_be_an_array(api: Api, body: Any) -> None:
    assert_error(api.post("/rest/batch/people", json=body), 400, "INVALID_BODY")


def test_batch_body_must_not_be_empty(api: Api) -> None:
    assert_error(api.post("/rest/batch/people", json=[]), 400, "INVALID_BODY")


def test_batch_items_must_be_objects(api: Api) -> None:
    m = marker()
    assert_error(api.post("/rest/batch/people", json=[{"city": m}, "x"]), 400, "INVALID_BODY")
    assert people_where(api, f"city[eq]:{m}") == []


# ---- 4. update one ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_update_one_changes_only_given_fields(api: Api, method: str) -> None:
    m = marker()
    person = create_person(
        api,
        name={"firstName": "Before", "lastName": f"Last {m}"},
        emails={"primaryEmail": f"upd.{m}@example.com"},
        jobTitle="Engineer",
        city=f"City {m}",
        createdBy={"source": "IMPORT"},
    )
    time.sleep(0.01)
    r = api.request(method, f"/rest/people/{person['id']}", json={"jobTitle": "Manager", "name": {"firstName": "After"}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["data"] and list(body["data"]) == ["updatePerson"]
    updated = body["data"]["updatePerson"]
    assert set(updated) == PERSON_KEYS
    assert updated["id"] == person["id"]
    assert updated["jobTitle"] == "Manager"
    assert updated["name"] == {"firstName": "After", "lastName": f"Last {m}"}  # partial composite keeps lastName
    assert updated["emails"] == person["emails"]
    assert updated["city"] == f"City {m}"
    assert updated["position"] == person["position"]
    assert updated["createdAt"] == person["createdAt"]
    assert TIMESTAMP.match(updated["updatedAt"])
    assert updated["updatedAt"] > person["updatedAt"]
    assert updated["createdBy"]["source"] == "IMPORT"  # creation actor untouched
    assert updated["updatedBy"] == KEY_ACTOR
    assert updated["deletedAt"] is None
    assert find_person(api, person["id"]) == updated


def test_update_one_partial_composite_keeps_other_subfields(api: Api) -> None:
    m = marker()
    company = create(
        api,
        "companies",
        "company",
        {
            "name": m,
            "address": {"addressStreet1": "1 rue de Rivoli", "addressCity": "Paris", "addressPostcode": "75001"},
            "annualRecurringRevenue": {"amountMicros": 5000000, "currencyCode": "EUR"},
        },
    )
    r = api.patch(
        f"/rest/companies/{company['id']}",
        json={"address": {"addressCity": "Lyon"}, "annualRecurringRevenue": {"amountMicros": 7000000}},
    )
    assert r.status_code == 200, r.text
    updated = r.json()["data"]["updateCompany"]
    assert updated["address"]["addressStreet1"] == "1 rue de Rivoli"
    assert updated["address"]["addressPostcode"] == "75001"
    assert updated["address"]["addressCity"] == "Lyon"
    assert updated["annualRecurringRevenue"] == {"amountMicros": 7000000, "currencyCode": "EUR"}


def test_update_one_can_clear_a_field(api: Api) -> None:
    person = create_person(api, jobTitle="Engineer", city=marker())
    r = api.patch(f"/rest/people/{person['id']}", json={"jobTitle": None})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["updatePerson"]["jobTitle"] is None


def test_update_one_normalises_like_create(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m)
    r = api.patch(
        f"/rest/people/{person['id']}",
        json={"emails": {"primaryEmail": f"UP.{m}@Example.COM"}, "linkedinLink": {"primaryLinkUrl": f"HTTPS://X.COM/{m}/"}},
    )
    assert r.status_code == 200, r.text
    updated = r.json()["data"]["updatePerson"]
    assert updated["emails"]["primaryEmail"] == f"up.{m}@example.com"
    assert updated["linkedinLink"]["primaryLinkUrl"] == f"https://x.com/{m}"


def test_update_one_unknown_id(api: Api) -> None:
    assert_error(api.patch(f"/rest/people/{uuid.uuid4()}", json={"city": "x"}), 404, "RECORD_NOT_FOUND")
    assert_error(api.put(f"/rest/people/{uuid.uuid4()}", json={"city": "x"}), 404, "RECORD_NOT_FOUND")


def test_update_one_malformed_id(api: Api) -> None:
    assert_error(api.patch("/rest/people/not-a-uuid", json={"city": "x"}), 400, "INVALID_UUID")


@pytest.mark.parametrize(
    "body",
    [
        {"id": "00000000-0000-4000-8000-000000000001"},
        {"updatedAt": "2024-01-01T00:00:00.000Z"},
        {"deletedAt": "2024-01-01T00:00:00.000Z"},
        {"deletedAt": None},
        {"createdAt": "2024-01-01T00:00:00.000Z"},
        {"noteTargets": []},
        {"noteTargets": [{"noteId": "00000000-0000-4000-8000-000000000001"}]},
    ],
)
def test_update_one_rejects_read_only_fields(api: Api, body: dict[str, Any]) -> None:
    m = marker()
    person = create_person(api, city=m)
    response = assert_error(api.patch(f"/rest/people/{person['id']}", json={"jobTitle": "changed", **body}), 400, "READ_ONLY_FIELD")
    assert response["error"]["details"]["field"] == next(iter(body))
    # nothing was written
    assert find_person(api, person["id"]) == person


def test_update_one_rejects_unknown_field_and_bad_type(api: Api) -> None:
    person = create_person(api, city=marker())
    assert_error(api.patch(f"/rest/people/{person['id']}", json={"nope": 1}), 400, "UNKNOWN_FIELD")
    assert_error(api.patch(f"/rest/people/{person['id']}", json={"city": ["x"]}), 400, "VALIDATION_ERROR")
    assert find_person(api, person["id"]) == person


def test_update_one_rejects_null_into_required_field(api: Api) -> None:
    company = create(api, "companies", "company", {"name": marker()})
    r = api.patch(f"/rest/companies/{company['id']}", json={"idealCustomerProfile": None})
    assert_error(r, 400, "VALIDATION_ERROR")


# ---- 5. update many --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_update_many_changes_only_matching_records(api: Api, method: str) -> None:
    m = marker()
    paris = [create_person(api, city="Paris", jobTitle=m, name={"firstName": f"P{i}", "lastName": m}) for i in range(2)]
    london = create_person(api, city="London", jobTitle=m, name={"firstName": "L", "lastName": m})
    time.sleep(0.01)
    r = api.request(
        method,
        "/rest/people",
        params={"filter": f"city[eq]:Paris,jobTitle[eq]:{m}"},
        json={"jobTitle": f"moved {m}", "name": {"lastName": f"new {m}"}},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["data"] and list(body["data"]) == ["updatePeople"]
    updated = body["data"]["updatePeople"]
    assert {p["id"] for p in updated} == {p["id"] for p in paris}
    for record in updated:
        assert set(record) == PERSON_KEYS
        assert record["jobTitle"] == f"moved {m}"
        assert record["name"]["lastName"] == f"new {m}"
        assert record["name"]["firstName"] in ("P0", "P1")  # the other sub-field is kept
        assert record["updatedBy"] == KEY_ACTOR
        assert record["updatedAt"] > paris[0]["updatedAt"]
    assert find_person(api, london["id"]) == london
    assert {p["id"] for p in people_where(api, f"jobTitle[eq]:moved {m}")} == {p["id"] for p in paris}


def test_update_many_with_no_match(api: Api) -> None:
    r = api.patch("/rest/people", params={"filter": f"city[eq]:{marker()}"}, json={"jobTitle": "x"})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"updatePeople": []}}


def test_update_many_skips_soft_deleted_records(api: Api) -> None:
    m = marker()
    live = create_person(api, city=m)
    gone = create_person(api, city=m)
    assert api.delete(f"/rest/people/{gone['id']}", params={"soft_delete": "true"}).status_code == 200
    r = api.patch("/rest/people", params={"filter": f"city[eq]:{m}"}, json={"jobTitle": "changed"})
    assert r.status_code == 200, r.text
    assert [p["id"] for p in r.json()["data"]["updatePeople"]] == [live["id"]]
    deleted = people_where(api, f"id[eq]:{gone['id']},deletedAt[is]:NOT_NULL")
    assert len(deleted) == 1 and deleted[0]["jobTitle"] is None


def test_update_many_rejects_read_only_fields(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m)
    r = api.patch("/rest/people", params={"filter": f"city[eq]:{m}"}, json={"updatedAt": "2024-01-01T00:00:00.000Z"})
    assert_error(r, 400, "READ_ONLY_FIELD")
    assert find_person(api, person["id"]) == person


# ---- 11. fields projection -------------------------------------------------------------------


def test_fields_projection_on_find_many(api: Api) -> None:
    m = marker()
    person = create_person(api, name={"firstName": "Proj", "lastName": m}, city=m)
    r = api.get("/rest/people", params={"filter": f"city[eq]:{m}", "fields": "id,name"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["people"] == [{"id": person["id"], "name": {"firstName": "Proj", "lastName": m}}]
    # id is always included
    r = api.get("/rest/people", params={"filter": f"city[eq]:{m}", "fields": "city,companyId"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["people"] == [{"id": person["id"], "city": m, "companyId": None}]


def test_fields_projection_on_find_one(api: Api) -> None:
    m = marker()
    person = create_person(api, name={"firstName": "Proj", "lastName": m}, emails={"primaryEmail": f"p.{m}@example.com"})
    r = api.get(f"/rest/people/{person['id']}", params={"fields": "id,name"})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"person": {"id": person["id"], "name": {"firstName": "Proj", "lastName": m}}}}
    r = api.get(f"/rest/people/{person['id']}", params={"fields": "emails"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["person"] == {"id": person["id"], "emails": person["emails"]}


def test_fields_projection_on_create_and_update(api: Api) -> None:
    m = marker()
    r = api.post("/rest/people", params={"fields": "id,name"}, json={"name": {"firstName": "Proj", "lastName": m}, "city": m})
    assert r.status_code == 201, r.text
    created = r.json()["data"]["createPerson"]
    assert created == {"id": created["id"], "name": {"firstName": "Proj", "lastName": m}}
    assert find_person(api, created["id"])["city"] == m
    r = api.patch(f"/rest/people/{created['id']}", params={"fields": "city"}, json={"city": f"{m}-2"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["updatePerson"] == {"id": created["id"], "city": f"{m}-2"}
    r = api.post("/rest/batch/people", params={"fields": "id,city"}, json=[{"city": m}, {"city": m}])
    assert r.status_code == 201, r.text
    assert [set(p) for p in r.json()["data"]["createPeople"]] == [{"id", "city"}, {"id", "city"}]


def test_fields_projection_unknown_name(api: Api) -> None:
    m = marker()
    person = create_person(api, city=m)
    body = assert_error(api.get("/rest/people", params={"fields": "id,nope"}), 400, "INVALID_FIELDS")
    assert "nope" in body["error"]["message"]
    assert_error(api.get(f"/rest/people/{person['id']}", params={"fields": "nope"}), 400, "INVALID_FIELDS")
    assert_error(api.get("/rest/people", params={"fields": "searchVector"}), 400, "INVALID_FIELDS")
    # a create with a bad projection writes nothing
    assert_error(api.post("/rest/people", params={"fields": "nope"}, json={"city": f"{m}-x"}), 400, "INVALID_FIELDS")
    assert people_where(api, f"city[eq]:{m}-x") == []
