"""Merging records over REST: ``PATCH /rest/<objects>/merge`` (REST.md §3.10, GRAPHQL.md §11,
DECISIONS.md §2). Every test runs on SQLite and PostgreSQL; each creates its own records, tagged
with a fresh marker, in the module's shared workspace.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from conftest import Api, assert_error
from vingt.db.database import IntegrityViolation
from vingt.engine.records import Engine


def marker() -> str:
    return uuid.uuid4().hex[:12]


def create(api: Api, plural: str, singular: str, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post(f"/rest/{plural}", json=body)
    assert r.status_code == 201, r.text
    return r.json()["data"]["create" + singular[0].upper() + singular[1:]]  # type: ignore[no-any-return]


def person(api: Api, **body: Any) -> dict[str, Any]:
    return create(api, "people", "person", body)


def company(api: Api, **body: Any) -> dict[str, Any]:
    return create(api, "companies", "company", body)


def get(api: Api, plural: str, singular: str, record_id: str) -> dict[str, Any] | None:
    r = api.get(f"/rest/{plural}/{record_id}")
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return r.json()["data"][singular]  # type: ignore[no-any-return]


def live(api: Api, plural: str, singular: str, record_id: str) -> dict[str, Any]:
    record = get(api, plural, singular, record_id)
    assert record is not None, record_id
    return record


def everything(api: Api, plural: str, filter_: str) -> list[dict[str, Any]]:
    """Live and soft-deleted records matching a filter."""
    r = api.get(
        f"/rest/{plural}",
        params={
            "filter": f"{filter_},or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)",
            "limit": "100",
            "order_by": "id",
        },
    )
    assert r.status_code == 200, r.text
    return r.json()["data"][plural]  # type: ignore[no-any-return]


def merge(api: Api, body: Any, plural: str = "people", **params: str) -> dict[str, Any]:
    r = api.patch(f"/rest/{plural}/merge", json=body, params=params)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    singular, capital = {"people": ("Person", "People"), "companies": ("Company", "Companies")}[plural]
    assert set(data) == {"merge" + singular, "merge" + capital}
    assert data["merge" + singular] == data["merge" + capital]
    return data["merge" + singular]  # type: ignore[no-any-return]


class World:
    """Two or three people of one marker, with records of other objects pointing at them."""

    def __init__(self, api: Api):
        self.api = api
        self.m = m = marker()
        self.company = company(api, name=f"World {m}")
        self.a = person(
            api,
            name={"firstName": "Alice", "lastName": m},
            jobTitle="CEO",
            emails={
                "primaryEmail": f"alice.{m}@example.com",
                "additionalEmails": [f"shared.{m}@example.com"],
            },
            phones={
                "primaryPhoneNumber": "612345678",
                "primaryPhoneCountryCode": "FR",
                "primaryPhoneCallingCode": "+33",
            },
            linkedinLink={
                "primaryLinkUrl": f"https://linkedin.com/in/alice-{m}",
                "primaryLinkLabel": "Alice",
            },
        )
        self.b = person(
            api,
            name={"firstName": "Alicia", "lastName": m},
            city="Paris",
            companyId=self.company["id"],
            emails={
                "primaryEmail": f"b.{m}@example.com",
                "additionalEmails": [f"b2.{m}@example.com", f"shared.{m}@example.com"],
            },
            phones={
                "primaryPhoneNumber": "698765432",
                "primaryPhoneCountryCode": "FR",
                "primaryPhoneCallingCode": "+33",
                "additionalPhones": [{"number": "612345678", "countryCode": "FR", "callingCode": "+33"}],
            },
            linkedinLink={
                "primaryLinkUrl": f"https://linkedin.com/in/b-{m}",
                "secondaryLinks": [
                    {"url": f"https://linkedin.com/in/alice-{m}", "label": "dup"},
                    {"url": f"https://b.example.com/{m}", "label": "blog"},
                ],
            },
        )
        self.c = person(api, name={"firstName": "Ally", "lastName": m}, jobTitle="CTO")
        # records of other objects pointing at b and c
        self.opportunity = create(
            api, "opportunities", "opportunity", {"name": f"Deal {m}", "pointOfContactId": self.b["id"]}
        )
        self.old_opportunity = create(
            api, "opportunities", "opportunity", {"name": f"Old deal {m}", "pointOfContactId": self.c["id"]}
        )
        r = api.delete(f"/rest/opportunities/{self.old_opportunity['id']}", params={"soft_delete": "true"})
        assert r.status_code == 200, r.text
        self.note = create(api, "notes", "note", {"title": f"Note {m}"})
        self.note_target = create(
            api, "noteTargets", "noteTarget", {"noteId": self.note["id"], "targetPersonId": self.b["id"]}
        )
        self.favorite = create(api, "favorites", "favorite", {"personId": self.c["id"]})

    def snapshot(self) -> dict[str, Any]:
        api = self.api
        return {
            "people": everything(api, "people", f"name.lastName[eq]:{self.m}"),
            "opportunities": everything(api, "opportunities", f"name[like]:%{self.m}"),
            "noteTarget": get(api, "noteTargets", "noteTarget", self.note_target["id"]),
            "favorite": get(api, "favorites", "favorite", self.favorite["id"]),
            "company": get(api, "companies", "company", self.company["id"]),
        }


# ---- merging people -----------------------------------------------------------------------------


def test_merge_two_people(api: Api) -> None:
    w = World(api)
    merged = merge(api, {"ids": [w.a["id"], w.b["id"]], "conflictPriorityIndex": 0})
    m = w.m
    assert merged["id"] == w.a["id"]
    assert merged["deletedAt"] is None
    # conflicts: the priority record wins; values only one record has are kept
    assert merged["name"] == {"firstName": "Alice", "lastName": m}
    assert merged["jobTitle"] == "CEO"
    assert merged["city"] == "Paris"
    assert merged["companyId"] == w.company["id"]
    # e-mails: priority primary, every other distinct address in ids order
    assert merged["emails"] == {
        "primaryEmail": f"alice.{m}@example.com",
        "additionalEmails": [f"shared.{m}@example.com", f"b.{m}@example.com", f"b2.{m}@example.com"],
    }
    assert merged["phones"] == {
        "primaryPhoneNumber": "612345678",
        "primaryPhoneCountryCode": "FR",
        "primaryPhoneCallingCode": "+33",
        "additionalPhones": [{"number": "698765432", "countryCode": "FR", "callingCode": "+33"}],
    }
    assert merged["linkedinLink"] == {
        "primaryLinkUrl": f"https://linkedin.com/in/alice-{m}",
        "primaryLinkLabel": "Alice",
        "secondaryLinks": [
            {"url": f"https://linkedin.com/in/b-{m}", "label": None},
            {"url": f"https://b.example.com/{m}", "label": "blog"},
        ],
    }
    assert merged["createdAt"] == w.a["createdAt"]
    assert merged["updatedAt"] > w.a["updatedAt"]
    # what find one returns now
    assert get(api, "people", "person", w.a["id"]) == merged
    # the other record is destroyed, not soft-deleted
    assert get(api, "people", "person", w.b["id"]) is None
    assert {p["id"] for p in everything(api, "people", f"name.lastName[eq]:{m}")} == {w.a["id"], w.c["id"]}
    # relations that pointed at b now point at a
    assert live(api, "opportunities", "opportunity", w.opportunity["id"])["pointOfContactId"] == w.a["id"]
    assert live(api, "noteTargets", "noteTarget", w.note_target["id"])["targetPersonId"] == w.a["id"]
    # and the others are untouched
    assert live(api, "favorites", "favorite", w.favorite["id"])["personId"] == w.c["id"]


def test_merge_three_people_with_priority_index(api: Api) -> None:
    w = World(api)
    merged = merge(api, {"ids": [w.a["id"], w.b["id"], w.c["id"]], "conflictPriorityIndex": 2})
    m = w.m
    assert merged["id"] == w.c["id"]
    assert merged["name"] == {"firstName": "Ally", "lastName": m}  # priority
    assert merged["jobTitle"] == "CTO"  # priority over a's CEO
    assert merged["city"] == "Paris"  # only b
    # c has no e-mail: the first record (in ids order) with one gives the primary
    assert merged["emails"] == {
        "primaryEmail": f"alice.{m}@example.com",
        "additionalEmails": [f"shared.{m}@example.com", f"b.{m}@example.com", f"b2.{m}@example.com"],
    }
    assert merged["phones"]["primaryPhoneNumber"] == "612345678"
    assert merged["phones"]["additionalPhones"] == [
        {"number": "698765432", "countryCode": "FR", "callingCode": "+33"}
    ]
    assert merged["linkedinLink"]["primaryLinkUrl"] == f"https://linkedin.com/in/alice-{m}"
    assert {p["id"] for p in everything(api, "people", f"name.lastName[eq]:{m}")} == {w.c["id"]}
    # every relation now points at c, soft-deleted records included
    opportunities = everything(api, "opportunities", f"name[like]:%{m}")
    assert {o["id"]: o["pointOfContactId"] for o in opportunities} == {
        w.opportunity["id"]: w.c["id"],
        w.old_opportunity["id"]: w.c["id"],
    }
    assert live(api, "noteTargets", "noteTarget", w.note_target["id"])["targetPersonId"] == w.c["id"]
    assert live(api, "favorites", "favorite", w.favorite["id"])["personId"] == w.c["id"]
    # the unique primary e-mail moved from a (destroyed) to c without a conflict
    r = api.get("/rest/people", params={"filter": f"emails.primaryEmail[eq]:alice.{m}@example.com"})
    assert [p["id"] for p in r.json()["data"]["people"]] == [w.c["id"]]


def test_merge_priority_in_the_middle_and_missing_values(api: Api) -> None:
    m = marker()
    a = person(api, name={"firstName": "Bea", "lastName": m}, jobTitle="First")
    b = person(api, name={"firstName": "", "lastName": ""}, city=m)
    c = person(api, name={"firstName": "Cleo", "lastName": m}, jobTitle="Third")
    merged = merge(api, {"ids": [a["id"], b["id"], c["id"]], "conflictPriorityIndex": 1})
    assert merged["id"] == b["id"]
    # b has neither a name nor a job title: the first record that has one gives it
    assert merged["name"] == {"firstName": "Bea", "lastName": m}
    assert merged["jobTitle"] == "First"
    assert merged["city"] == m


def test_merge_depth_1_and_put(api: Api) -> None:
    w = World(api)
    r = api.put(
        "/rest/people/merge",
        json={"ids": [w.a["id"], w.b["id"]], "conflictPriorityIndex": 0},
        params={"depth": "1"},
    )
    assert r.status_code == 200, r.text
    merged = r.json()["data"]["mergePerson"]
    assert merged["company"]["id"] == w.company["id"]
    assert [o["id"] for o in merged["pointOfContactForOpportunities"]] == [w.opportunity["id"]]
    assert [t["id"] for t in merged["noteTargets"]] == [w.note_target["id"]]


def test_merge_with_fields_projection(api: Api) -> None:
    w = World(api)
    merged = merge(api, {"ids": [w.a["id"], w.b["id"]], "conflictPriorityIndex": 1}, fields="jobTitle,city")
    assert merged == {"id": w.b["id"], "jobTitle": "CEO", "city": "Paris"}
    # the projection only shapes the answer: every field was merged
    assert live(api, "people", "person", w.b["id"])["emails"]["primaryEmail"] == f"b.{w.m}@example.com"
    assert live(api, "people", "person", w.b["id"])["name"]["firstName"] == "Alicia"


# ---- dry run --------------------------------------------------------------------------------------


def test_dry_run_writes_nothing(api: Api) -> None:
    w = World(api)
    before = w.snapshot()
    preview = merge(
        api, {"ids": [w.a["id"], w.b["id"], w.c["id"]], "conflictPriorityIndex": 0, "dryRun": True}
    )
    assert w.snapshot() == before
    m = w.m
    assert preview["id"] not in (w.a["id"], w.b["id"], w.c["id"])
    uuid.UUID(preview["id"])
    assert preview["deletedAt"] is not None and preview["deletedAt"] >= w.c["updatedAt"]
    assert preview["name"] == w.a["name"]
    assert preview["jobTitle"] == "CEO"
    assert preview["city"] == "Paris"
    assert preview["emails"]["additionalEmails"] == [
        f"shared.{m}@example.com",
        f"b.{m}@example.com",
        f"b2.{m}@example.com",
    ]
    assert preview["createdAt"] == w.a["createdAt"]
    # the same record as a real merge, id and deletedAt aside
    merged = merge(api, {"ids": [w.a["id"], w.b["id"], w.c["id"]], "conflictPriorityIndex": 0})
    for key in ("id", "deletedAt", "updatedAt", "updatedBy"):
        preview.pop(key)
        merged.pop(key)
    assert preview == merged


def test_dry_run_depth_1_unions_one_to_many_relations(api: Api) -> None:
    w = World(api)
    before = w.snapshot()
    preview = merge(
        api, {"ids": [w.a["id"], w.b["id"], w.c["id"]], "conflictPriorityIndex": 0, "dryRun": True}, depth="1"
    )
    assert w.snapshot() == before
    assert preview["company"]["id"] == w.company["id"]
    assert [o["id"] for o in preview["pointOfContactForOpportunities"]] == [w.opportunity["id"]]
    assert [t["id"] for t in preview["noteTargets"]] == [w.note_target["id"]]


def test_dry_run_false_and_null_are_real_merges(api: Api) -> None:
    w = World(api)
    merge(api, {"ids": [w.a["id"], w.b["id"]], "conflictPriorityIndex": 0, "dryRun": None})
    assert get(api, "people", "person", w.b["id"]) is None
    merge(api, {"ids": [w.a["id"], w.c["id"]], "conflictPriorityIndex": 1, "dryRun": False})
    assert get(api, "people", "person", w.a["id"]) is None


# ---- merging companies ------------------------------------------------------------------------------


def test_merge_companies_repoints_people_and_moves_the_unique_domain(api: Api) -> None:
    m = marker()
    keep = company(api, name=f"Keep {m}", employees=10)
    dup = company(
        api,
        name=f"Keep {m} Inc",
        employees=50,
        domainName={"primaryLinkUrl": f"https://{m}.example.com"},
        address={"addressCity": "Lyon"},
    )
    worker = person(api, name={"firstName": "Dora", "lastName": m}, companyId=dup["id"])
    deal = create(api, "opportunities", "opportunity", {"name": f"Deal {m}", "companyId": dup["id"]})
    merged = merge(api, {"ids": [keep["id"], dup["id"]], "conflictPriorityIndex": 0}, "companies")
    assert merged["id"] == keep["id"]
    assert merged["name"] == f"Keep {m}"
    assert merged["employees"] == 10
    assert merged["domainName"]["primaryLinkUrl"] == f"https://{m}.example.com"
    assert merged["address"]["addressCity"] == "Lyon"
    assert live(api, "people", "person", worker["id"])["companyId"] == keep["id"]
    assert live(api, "opportunities", "opportunity", deal["id"])["companyId"] == keep["id"]
    assert get(api, "companies", "company", dup["id"]) is None


# ---- errors -----------------------------------------------------------------------------------------


def _error_cases(w: World) -> list[tuple[Any, int, str, str | None]]:
    a, b, c = w.a["id"], w.b["id"], w.c["id"]
    ten = [a, b, c] + [str(uuid.uuid4()) for _ in range(7)]
    return [
        (
            {"ids": [a], "conflictPriorityIndex": 0},
            400,
            "INVALID_MERGE",
            "At least 2 record IDs are required for merge",
        ),
        (
            {"ids": [], "conflictPriorityIndex": 0},
            400,
            "INVALID_MERGE",
            "At least 2 record IDs are required for merge",
        ),
        ({"conflictPriorityIndex": 0}, 400, "INVALID_MERGE", "At least 2 record IDs are required for merge"),
        (
            {"ids": ten, "conflictPriorityIndex": 0},
            400,
            "INVALID_MERGE",
            "Maximum 9 records can be merged at once",
        ),
        (
            {"ids": [a, b], "conflictPriorityIndex": 2},
            400,
            "INVALID_MERGE",
            "Invalid conflict priority '2'. Valid options for 2 records: 0-1",
        ),
        (
            {"ids": [a, b, c], "conflictPriorityIndex": -1},
            400,
            "INVALID_MERGE",
            "Invalid conflict priority '-1'. Valid options for 3 records: 0-2",
        ),
        ({"ids": [a, b, a], "conflictPriorityIndex": 0}, 400, "INVALID_MERGE", None),
        ({"ids": [a, b.upper()[:8] + b[8:], b], "conflictPriorityIndex": 0}, 400, "INVALID_MERGE", None),
        ({"ids": [a, "nope"], "conflictPriorityIndex": 0}, 400, "INVALID_UUID", "'nope' is not a valid UUID"),
        ({"ids": [a, 7], "conflictPriorityIndex": 0}, 400, "INVALID_UUID", None),
        ({"ids": a, "conflictPriorityIndex": 0}, 400, "INVALID_BODY", None),
        ({"ids": [a, b]}, 400, "INVALID_BODY", None),
        ({"ids": [a, b], "conflictPriorityIndex": "0"}, 400, "INVALID_BODY", None),
        ({"ids": [a, b], "conflictPriorityIndex": 0.5}, 400, "INVALID_BODY", None),
        ({"ids": [a, b], "conflictPriorityIndex": True}, 400, "INVALID_BODY", None),
        ({"ids": [a, b], "conflictPriorityIndex": 0, "dryRun": "yes"}, 400, "INVALID_BODY", None),
        ({"ids": [a, b], "conflictPriorityIndex": 0, "extra": 1}, 400, "INVALID_BODY", None),
        ([a, b], 400, "INVALID_BODY", None),
        (
            {"ids": [a, str(uuid.uuid4())], "conflictPriorityIndex": 0},
            404,
            "RECORD_NOT_FOUND",
            "Record not found",
        ),
        (
            {"ids": [str(uuid.uuid4()), b, c], "conflictPriorityIndex": 1},
            404,
            "RECORD_NOT_FOUND",
            "Record not found",
        ),
    ]


def test_errors_write_nothing(api: Api) -> None:
    w = World(api)
    before = w.snapshot()
    for body, status, code, message in _error_cases(w):
        err = assert_error(api.patch("/rest/people/merge", json=body), status, code)
        if message is not None:
            assert err["error"]["message"] == message, body
        assert w.snapshot() == before, body
    for dry_run in (True, False):
        body = {"ids": [w.a["id"], str(uuid.uuid4())], "conflictPriorityIndex": 0, "dryRun": dry_run}
        assert_error(api.patch("/rest/people/merge", json=body), 404, "RECORD_NOT_FOUND")
    assert w.snapshot() == before


def test_soft_deleted_records_cannot_be_merged(api: Api) -> None:
    w = World(api)
    assert api.delete(f"/rest/people/{w.c['id']}", params={"soft_delete": "true"}).status_code == 200
    before = w.snapshot()
    body = {"ids": [w.a["id"], w.c["id"]], "conflictPriorityIndex": 0}
    assert_error(api.patch("/rest/people/merge", json=body), 404, "RECORD_NOT_FOUND")
    assert w.snapshot() == before


def test_malformed_bodies(api: Api) -> None:
    headers = {"Content-Type": "application/json"}
    assert_error(api.patch("/rest/people/merge", content=b'{"ids": [', headers=headers), 400, "INVALID_JSON")
    assert_error(api.patch("/rest/people/merge", content=b"", headers=headers), 400, "INVALID_BODY")
    assert_error(api.patch("/rest/people/merge", content=b"null", headers=headers), 400, "INVALID_BODY")


def test_bad_parameters_and_methods(api: Api) -> None:
    w = World(api)
    before = w.snapshot()
    body = {"ids": [w.a["id"], w.b["id"]], "conflictPriorityIndex": 0}
    assert_error(api.patch("/rest/people/merge", json=body, params={"depth": "5"}), 400, "INVALID_DEPTH")
    assert_error(
        api.patch("/rest/people/merge", json=body, params={"dry_run": "true"}), 400, "UNKNOWN_PARAMETER"
    )
    assert_error(api.patch("/rest/people/merge", json=body, params={"fields": "nope"}), 400, "INVALID_FIELDS")
    assert_error(api.post("/rest/people/merge", json=body), 405, "METHOD_NOT_ALLOWED")
    assert_error(api.get("/rest/people/merge"), 405, "METHOD_NOT_ALLOWED")
    assert w.snapshot() == before


@pytest.mark.parametrize("plural", ["notes", "opportunities", "noteTargets"])
def test_objects_without_duplicate_criteria(api: Api, plural: str) -> None:
    body = {"ids": [str(uuid.uuid4()), str(uuid.uuid4())], "conflictPriorityIndex": 0}
    err = assert_error(api.patch(f"/rest/{plural}/merge", json=body), 400, "NO_DUPLICATE_CRITERIA")
    assert err["error"]["message"].startswith("Merge is only available for objects with duplicate criteria. ")


def test_a_failure_mid_merge_leaves_everything_unchanged(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last write (the survivor's update) fails after relations were re-pointed and the
    other records destroyed: the whole merge is rolled back."""
    w = World(api)
    before = w.snapshot()
    calls: list[str] = []

    async def failing(self: Engine, conn: Any, obj: Any, record_id: str, *args: Any, **kw: Any) -> int:
        calls.append(record_id)
        raise IntegrityViolation("unique", "emailsPrimaryEmail", None, "duplicate key value")

    monkeypatch.setattr(Engine, "_update_columns", failing)
    body = {"ids": [w.a["id"], w.b["id"], w.c["id"]], "conflictPriorityIndex": 0}
    err = assert_error(api.patch("/rest/people/merge", json=body), 409, "UNIQUE_VIOLATION")
    assert err["error"]["details"]["field"] == "emails.primaryEmail"
    assert calls == [w.a["id"]]
    monkeypatch.undo()
    assert w.snapshot() == before
    # and the merge still works afterwards
    merge(api, body)
    assert live(api, "opportunities", "opportunity", w.opportunity["id"])["pointOfContactId"] == w.a["id"]
