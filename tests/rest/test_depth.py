"""``depth`` and embedded relations (REST.md §4.5; DECISIONS.md §2: Vingt allows 0, 1 and 2).

Depth 0: scalar, composite and join-column fields. Depth 1: plus every relation, each related
record with its depth-0 fields (many-to-one → object or null, one-to-many → array of at most
60). Depth 2: the related records carry their own relations at depth 1. Soft-deleted records
are never embedded, and relations load in batched queries: the number of SQL statements of
a read does not depend on the number of records it returns.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Api, assert_error
from vingt.db.database import Stats

ONE_TO_MANY_LIMIT = 60
PERSON_RELATIONS = ("company", "noteTargets", "pointOfContactForOpportunities", "taskTargets", "attachments", "favorites", "timelineActivities")


def created(r: Any, key: str) -> Any:
    assert r.status_code == 201, r.text
    return r.json()["data"][key]


def get(api: Api, plural: str, singular: str, record_id: str, depth: int | None = None) -> dict[str, Any]:
    params = {} if depth is None else {"depth": str(depth)}
    r = api.get(f"/rest/{plural}/{record_id}", params=params)
    assert r.status_code == 200, r.text
    return r.json()["data"][singular]  # type: ignore[no-any-return]


def ids(records: list[dict[str, Any]]) -> set[str]:
    return {r["id"] for r in records}


@pytest.fixture(scope="module")
def graph(api: Api) -> dict[str, Any]:
    """A company with 3 people; an opportunity (company + point of contact = person 0); a
    note attached to person 0 through a noteTarget."""
    company = created(api.post("/rest/companies", json={"name": "Depth Co"}), "createCompany")
    people = created(
        api.post(
            "/rest/batch/people",
            json=[
                {"name": {"firstName": f"P{i}", "lastName": "Depth"}, "city": "Depthville", "companyId": company["id"]}
                for i in range(3)
            ],
        ),
        "createPeople",
    )
    opportunity = created(
        api.post(
            "/rest/opportunities",
            json={"name": "Deal", "companyId": company["id"], "pointOfContactId": people[0]["id"]},
        ),
        "createOpportunity",
    )
    note = created(api.post("/rest/notes", json={"title": "Met at the fair"}), "createNote")
    target = created(
        api.post("/rest/noteTargets", json={"noteId": note["id"], "targetPersonId": people[0]["id"]}), "createNoteTarget"
    )
    return {"company": company, "people": people, "opportunity": opportunity, "note": note, "noteTarget": target}


# ---- find one ------------------------------------------------------------------------------


def test_depth_0_has_join_columns_only(api: Api, graph: dict[str, Any]) -> None:
    person = get(api, "people", "person", graph["people"][0]["id"], 0)
    assert person["companyId"] == graph["company"]["id"]
    for name in PERSON_RELATIONS:
        assert name not in person
    assert person == graph["people"][0]


def test_depth_defaults_to_0(api: Api, graph: dict[str, Any]) -> None:
    pid = graph["people"][0]["id"]
    assert get(api, "people", "person", pid) == get(api, "people", "person", pid, 0)
    r = api.get(f"/rest/people/{pid}", params={"depth": ""})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["person"] == get(api, "people", "person", pid, 0)


def test_depth_1_on_a_person(api: Api, graph: dict[str, Any]) -> None:
    pid = graph["people"][0]["id"]
    flat = get(api, "people", "person", pid, 0)
    person = get(api, "people", "person", pid, 1)
    # the depth-0 fields are unchanged
    assert {k: v for k, v in person.items() if k in flat} == flat
    # many-to-one: the related record at depth 0, nothing more
    company = person["company"]
    assert company == get(api, "companies", "company", graph["company"]["id"], 0)
    assert "people" not in company
    assert "opportunities" not in company
    assert "accountOwner" not in company
    # one-to-many: plain arrays of depth-0 records
    assert person["noteTargets"] == [get(api, "noteTargets", "noteTarget", graph["noteTarget"]["id"], 0)]
    assert "note" not in person["noteTargets"][0]
    assert person["noteTargets"][0]["noteId"] == graph["note"]["id"]
    assert person["pointOfContactForOpportunities"] == [
        get(api, "opportunities", "opportunity", graph["opportunity"]["id"], 0)
    ]
    assert "company" not in person["pointOfContactForOpportunities"][0]
    # every relation is present, empty ones as []
    for name in PERSON_RELATIONS:
        assert name in person, name
    assert person["taskTargets"] == []
    assert person["attachments"] == []


def test_depth_1_on_a_person_without_company(api: Api) -> None:
    person = created(api.post("/rest/people", json={"name": {"firstName": "Solo", "lastName": "X"}}), "createPerson")
    got = get(api, "people", "person", person["id"], 1)
    assert got["companyId"] is None
    assert "company" in got and got["company"] is None
    assert got["noteTargets"] == []


def test_depth_1_on_a_company(api: Api, graph: dict[str, Any]) -> None:
    company = get(api, "companies", "company", graph["company"]["id"], 1)
    assert ids(company["people"]) == ids(graph["people"])
    for p in company["people"]:
        assert "company" not in p and "noteTargets" not in p
        assert p == get(api, "people", "person", p["id"], 0)
    assert [o["id"] for o in company["opportunities"]] == [graph["opportunity"]["id"]]
    assert company["accountOwner"] is None


def test_depth_1_on_an_opportunity(api: Api, graph: dict[str, Any]) -> None:
    opportunity = get(api, "opportunities", "opportunity", graph["opportunity"]["id"], 1)
    assert opportunity["company"]["id"] == graph["company"]["id"]
    assert opportunity["pointOfContact"]["id"] == graph["people"][0]["id"]
    assert "people" not in opportunity["company"]
    assert "pointOfContactForOpportunities" not in opportunity["pointOfContact"]


def test_depth_1_on_a_note_target(api: Api, graph: dict[str, Any]) -> None:
    target = get(api, "noteTargets", "noteTarget", graph["noteTarget"]["id"], 1)
    assert target["note"] == get(api, "notes", "note", graph["note"]["id"], 0)
    assert target["targetPerson"]["id"] == graph["people"][0]["id"]
    assert target["targetCompany"] is None
    assert target["targetOpportunity"] is None


def test_depth_2_on_a_person(api: Api, graph: dict[str, Any]) -> None:
    pid = graph["people"][0]["id"]
    person = get(api, "people", "person", pid, 2)
    company = person["company"]
    assert company["id"] == graph["company"]["id"]
    # level 2: the company's own relations, their records at depth 0
    assert ids(company["people"]) == ids(graph["people"])
    assert len(company["people"]) == 3
    for p in company["people"]:
        assert "company" not in p and "noteTargets" not in p
    assert [o["id"] for o in company["opportunities"]] == [graph["opportunity"]["id"]]
    assert "company" not in company["opportunities"][0]
    # the note behind the noteTarget
    assert len(person["noteTargets"]) == 1
    note = person["noteTargets"][0]["note"]
    assert note == get(api, "notes", "note", graph["note"]["id"], 0)
    assert "noteTargets" not in note
    assert person["noteTargets"][0]["targetPerson"]["id"] == pid
    # the opportunity's company, at depth 0
    opportunity = person["pointOfContactForOpportunities"][0]
    assert opportunity["company"] == get(api, "companies", "company", graph["company"]["id"], 0)
    assert opportunity["pointOfContact"]["id"] == pid
    # depth 1 is a prefix of depth 2
    one = get(api, "people", "person", pid, 1)
    assert {k: v for k, v in one.items() if k not in PERSON_RELATIONS} == {
        k: v for k, v in person.items() if k in one and k not in PERSON_RELATIONS
    }


def test_depth_2_on_a_note(api: Api, graph: dict[str, Any]) -> None:
    note = get(api, "notes", "note", graph["note"]["id"], 2)
    assert [t["id"] for t in note["noteTargets"]] == [graph["noteTarget"]["id"]]
    assert note["noteTargets"][0]["targetPerson"] == get(api, "people", "person", graph["people"][0]["id"], 0)


# ---- soft-deleted related records ---------------------------------------------------------


def test_soft_deleted_one_to_many_records_are_not_embedded(api: Api) -> None:
    company = created(api.post("/rest/companies", json={"name": "Half gone"}), "createCompany")
    people = created(
        api.post(
            "/rest/batch/people",
            json=[{"name": {"firstName": f"H{i}", "lastName": "G"}, "companyId": company["id"]} for i in range(2)],
        ),
        "createPeople",
    )
    r = api.delete(f"/rest/people/{people[1]['id']}", params={"soft_delete": "true"})
    assert r.status_code == 200, r.text
    got = get(api, "companies", "company", company["id"], 1)
    assert [p["id"] for p in got["people"]] == [people[0]["id"]]
    # from the other side at depth 2 as well
    person = get(api, "people", "person", people[0]["id"], 2)
    assert [p["id"] for p in person["company"]["people"]] == [people[0]["id"]]
    # restored (with depth): embedded again
    r = api.patch(f"/rest/restore/people/{people[1]['id']}", params={"depth": "1"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["restorePerson"]["company"]["id"] == company["id"]
    got = get(api, "companies", "company", company["id"], 1)
    assert ids(got["people"]) == ids(people)


def test_soft_deleted_many_to_one_record_is_not_embedded(api: Api) -> None:
    company = created(api.post("/rest/companies", json={"name": "Gone Co"}), "createCompany")
    person = created(
        api.post("/rest/people", json={"name": {"firstName": "Left", "lastName": "Behind"}, "companyId": company["id"]}),
        "createPerson",
    )
    r = api.delete(f"/rest/companies/{company['id']}", params={"soft_delete": "true"})
    assert r.status_code == 200, r.text
    got = get(api, "people", "person", person["id"], 1)
    assert got["company"] is None
    r = api.get("/rest/people", params={"filter": f"id[eq]:{person['id']}", "depth": "1"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["people"][0]["company"] is None


def test_soft_deleted_record_at_level_2_is_not_embedded(api: Api) -> None:
    person = created(api.post("/rest/people", json={"name": {"firstName": "Noted", "lastName": "Twice"}}), "createPerson")
    kept = created(api.post("/rest/notes", json={"title": "kept"}), "createNote")
    dropped = created(api.post("/rest/notes", json={"title": "dropped"}), "createNote")
    for note in (kept, dropped):
        created(api.post("/rest/noteTargets", json={"noteId": note["id"], "targetPersonId": person["id"]}), "createNoteTarget")
    r = api.delete(f"/rest/notes/{dropped['id']}", params={"soft_delete": "true"})
    assert r.status_code == 200, r.text
    got = get(api, "people", "person", person["id"], 2)
    notes = {t["noteId"]: t.get("note") for t in got["noteTargets"]}
    assert notes[kept["id"]]["id"] == kept["id"]
    # the junction row itself is live; the note behind it is not embedded
    assert notes[dropped["id"]] is None


# ---- the 60-record cap ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def crowded(api: Api) -> dict[str, Any]:
    company = created(api.post("/rest/companies", json={"name": "Crowded"}), "createCompany")
    people = created(
        api.post(
            "/rest/batch/people",
            json=[{"name": {"firstName": f"C{i:02}", "lastName": "Crowd"}, "companyId": company["id"]} for i in range(61)],
        ),
        "createPeople",
    )
    return {"company": company, "people": people}


def test_one_to_many_is_capped_at_60(api: Api, crowded: dict[str, Any]) -> None:
    company = get(api, "companies", "company", crowded["company"]["id"], 1)
    assert len(company["people"]) == ONE_TO_MANY_LIMIT
    assert len(ids(company["people"])) == ONE_TO_MANY_LIMIT
    assert ids(company["people"]) <= ids(crowded["people"])


def test_cap_at_depth_2(api: Api, crowded: dict[str, Any]) -> None:
    person = get(api, "people", "person", crowded["people"][0]["id"], 2)
    assert len(person["company"]["people"]) == ONE_TO_MANY_LIMIT


def test_cap_is_per_parent_record(api: Api, crowded: dict[str, Any], graph: dict[str, Any]) -> None:
    """One batched query for many parents must still give each parent its own 60."""
    wanted = [crowded["company"]["id"], graph["company"]["id"]]
    r = api.get("/rest/companies", params={"filter": f"id[in]:[{','.join(wanted)}]", "depth": "1"})
    assert r.status_code == 200, r.text
    by_id = {c["id"]: c for c in r.json()["data"]["companies"]}
    assert len(by_id[crowded["company"]["id"]]["people"]) == ONE_TO_MANY_LIMIT
    assert ids(by_id[graph["company"]["id"]]["people"]) == ids(graph["people"])


def test_cap_is_per_parent_at_level_2(api: Api, crowded: dict[str, Any]) -> None:
    r = api.get(
        "/rest/people",
        params={"filter": f"companyId[eq]:{crowded['company']['id']}", "depth": "2", "limit": "3"},
    )
    assert r.status_code == 200, r.text
    people = r.json()["data"]["people"]
    assert len(people) == 3
    for p in people:
        assert len(p["company"]["people"]) == ONE_TO_MANY_LIMIT


# ---- depth on the other routes -------------------------------------------------------------


def test_depth_on_find_many(api: Api, graph: dict[str, Any]) -> None:
    r = api.get("/rest/people", params={"filter": f"companyId[eq]:{graph['company']['id']}", "depth": "1"})
    assert r.status_code == 200, r.text
    people = r.json()["data"]["people"]
    assert ids(people) == ids(graph["people"])
    company = get(api, "companies", "company", graph["company"]["id"], 0)
    for p in people:
        assert p["company"] == company
        assert isinstance(p["noteTargets"], list)
    by_id = {p["id"]: p for p in people}
    assert [t["id"] for t in by_id[graph["people"][0]["id"]]["noteTargets"]] == [graph["noteTarget"]["id"]]
    assert by_id[graph["people"][1]["id"]]["noteTargets"] == []
    r = api.get("/rest/people", params={"filter": f"companyId[eq]:{graph['company']['id']}", "depth": "2"})
    assert r.status_code == 200, r.text
    for p in r.json()["data"]["people"]:
        assert ids(p["company"]["people"]) == ids(graph["people"])


def test_find_many_depth_0_has_no_relations(api: Api, graph: dict[str, Any]) -> None:
    r = api.get("/rest/people", params={"filter": f"companyId[eq]:{graph['company']['id']}", "depth": "0"})
    assert r.status_code == 200, r.text
    for p in r.json()["data"]["people"]:
        assert "company" not in p and "noteTargets" not in p


@pytest.fixture()
def writes_co(api: Api) -> dict[str, Any]:
    """A company of its own for each write test, so reads elsewhere stay predictable."""
    return created(api.post("/rest/companies", json={"name": "Writes Co"}), "createCompany")  # type: ignore[no-any-return]


def test_depth_on_create(api: Api, writes_co: dict[str, Any]) -> None:
    company_id = writes_co["id"]
    r = api.post(
        "/rest/people", params={"depth": "1"}, json={"name": {"firstName": "New", "lastName": "Hire"}, "companyId": company_id}
    )
    person = created(r, "createPerson")
    assert person["company"] == get(api, "companies", "company", company_id, 0)
    assert "people" not in person["company"]
    assert person["noteTargets"] == []
    # depth 2 reads inside the write: the new record is among its company's people
    r = api.post(
        "/rest/people", params={"depth": "2"}, json={"name": {"firstName": "Newer", "lastName": "Hire"}, "companyId": company_id}
    )
    newer = created(r, "createPerson")
    assert ids(newer["company"]["people"]) == {person["id"], newer["id"]}
    # without depth, nothing embedded
    flat = created(
        api.post("/rest/people", json={"name": {"firstName": "Flat", "lastName": "Hire"}, "companyId": company_id}),
        "createPerson",
    )
    assert "company" not in flat
    assert flat["companyId"] == company_id


def test_depth_on_batch_create(api: Api, writes_co: dict[str, Any]) -> None:
    company_id = writes_co["id"]
    r = api.post(
        "/rest/batch/people",
        params={"depth": "1"},
        json=[{"name": {"firstName": f"B{i}", "lastName": "Batch"}, "companyId": company_id} for i in range(2)],
    )
    people = created(r, "createPeople")
    assert [p["company"]["id"] for p in people] == [company_id, company_id]
    assert all("people" not in p["company"] for p in people)


def test_depth_on_update(api: Api, writes_co: dict[str, Any]) -> None:
    other = created(api.post("/rest/companies", json={"name": "Other Co"}), "createCompany")
    person = created(
        api.post("/rest/people", json={"name": {"firstName": "Mover", "lastName": "X"}, "companyId": writes_co["id"]}),
        "createPerson",
    )
    r = api.patch(f"/rest/people/{person['id']}", params={"depth": "1"}, json={"companyId": other["id"]})
    assert r.status_code == 200, r.text
    updated = r.json()["data"]["updatePerson"]
    assert updated["company"] == get(api, "companies", "company", other["id"], 0)
    r = api.patch(f"/rest/people/{person['id']}", params={"depth": "2"}, json={"city": "Moved"})
    assert r.status_code == 200, r.text
    assert [p["id"] for p in r.json()["data"]["updatePerson"]["company"]["people"]] == [person["id"]]
    r = api.put(f"/rest/people/{person['id']}", params={"depth": "1"}, json={"city": "Put"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["updatePerson"]["company"]["id"] == other["id"]
    r = api.patch(
        "/rest/people", params={"depth": "1", "filter": f"id[eq]:{person['id']}"}, json={"companyId": writes_co["id"]}
    )
    assert r.status_code == 200, r.text
    (many,) = r.json()["data"]["updatePeople"]
    assert many["company"]["id"] == writes_co["id"]
    r = api.patch(f"/rest/people/{person['id']}", json={"city": "Flat"})
    assert r.status_code == 200, r.text
    assert "company" not in r.json()["data"]["updatePerson"]


@pytest.mark.parametrize("depth", ["3", "-1", "x", "1.0", "01", "true"])
def test_invalid_depth(api: Api, graph: dict[str, Any], depth: str) -> None:
    body = assert_error(api.get(f"/rest/people/{graph['people'][0]['id']}", params={"depth": depth}), 400, "INVALID_DEPTH")
    assert "depth" in body["error"]["message"]


# ---- statements: relations load in batches, never per record -------------------------------


@pytest.fixture(scope="module")
def bulk(api: Api) -> list[str]:
    """55 people, each with its own company and a note attached through a noteTarget."""
    n = 55
    companies = created(
        api.post("/rest/batch/companies", json=[{"name": f"Bulk {i}"} for i in range(n)]), "createCompanies"
    )
    people = created(
        api.post(
            "/rest/batch/people",
            json=[
                {"name": {"firstName": f"Bulk{i}", "lastName": "Load"}, "city": "Bulkton", "companyId": c["id"]}
                for i, c in enumerate(companies)
            ],
        ),
        "createPeople",
    )
    notes = created(api.post("/rest/batch/notes", json=[{"title": f"Bulk note {i}"} for i in range(n)]), "createNotes")
    created(
        api.post(
            "/rest/batch/noteTargets",
            json=[{"noteId": note["id"], "targetPersonId": p["id"]} for note, p in zip(notes, people, strict=True)],
        ),
        "createNoteTargets",
    )
    created(
        api.post(
            "/rest/batch/opportunities",
            json=[{"name": f"Bulk deal {i}", "companyId": c["id"], "pointOfContactId": p["id"]}
                  for i, (c, p) in enumerate(zip(companies, people, strict=True))],
        ),
        "createOpportunities",
    )
    return [p["id"] for p in people]


def count_statements(api: Api, path: str, params: dict[str, str]) -> tuple[int, Any]:
    api.get(path, params=params)  # warm the caches (key, catalog, compiled SQL)
    before = Stats.statements
    r = api.get(path, params=params)
    spent = Stats.statements - before
    assert r.status_code == 200, r.text
    return spent, r.json()


@pytest.mark.parametrize("depth", ["0", "1", "2"])
def test_statements_do_not_depend_on_page_size(api: Api, bulk: list[str], depth: str) -> None:
    small, small_body = count_statements(api, "/rest/people", {"filter": "city[eq]:Bulkton", "limit": "5", "depth": depth})
    large, large_body = count_statements(api, "/rest/people", {"filter": "city[eq]:Bulkton", "limit": "50", "depth": depth})
    assert len(small_body["data"]["people"]) == 5
    assert len(large_body["data"]["people"]) == 50
    if depth != "0":
        for p in large_body["data"]["people"]:
            assert p["company"]["name"].startswith("Bulk ")
            assert len(p["noteTargets"]) == 1
            assert len(p["pointOfContactForOpportunities"]) == 1
            if depth == "2":
                assert p["noteTargets"][0]["note"]["title"].startswith("Bulk note")
                assert [q["id"] for q in p["company"]["people"]] == [p["id"]]
                assert p["pointOfContactForOpportunities"][0]["company"]["id"] == p["companyId"]
    assert small == large, f"depth={depth}: {small} statements for 5 records, {large} for 50"
    assert large < 50


def test_statements_of_find_one_do_not_depend_on_related_count(api: Api, crowded: dict[str, Any], graph: dict[str, Any]) -> None:
    """A company with 61 people costs what one with 3 costs, at depth 2."""
    few, _ = count_statements(api, f"/rest/companies/{graph['company']['id']}", {"depth": "2"})
    many, body = count_statements(api, f"/rest/companies/{crowded['company']['id']}", {"depth": "2"})
    assert len(body["data"]["company"]["people"]) == ONE_TO_MANY_LIMIT
    assert few == many


@pytest.mark.parametrize("depth", ["1", "2"])
def test_statements_of_batch_create_do_not_depend_on_batch_size(api: Api, graph: dict[str, Any], depth: str) -> None:
    """Creating 5 or 50 records and reading them back with their relations: same cost."""

    def spend(n: int) -> int:
        body = [{"name": {"firstName": f"Batch{i}", "lastName": "Cost"}, "companyId": graph["company"]["id"]} for i in range(n)]
        before = Stats.statements
        r = api.post("/rest/batch/people", params={"depth": depth}, json=body)
        spent = Stats.statements - before
        people = created(r, "createPeople")
        assert len(people) == n
        assert all(p["company"]["id"] == graph["company"]["id"] for p in people)
        ids_ = [p["id"] for p in people]
        r = api.delete("/rest/people", params={"filter": f"id[in]:[{','.join(ids_)}]"})
        assert r.status_code == 200, r.text
        return spent

    spend(2)  # warm up
    assert spend(5) == spend(50)
