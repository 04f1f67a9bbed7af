"""Mutations on the core GraphQL API: every one runs through the engine as REST's routes do, and
leaves the same event rows (compare tests/rest/test_events.py); bulk ones need a non-empty
filter; an ``Idempotency-Key`` replays the first answer. Both databases.
"""

from __future__ import annotations

import uuid

import orjson
import pytest

from conftest import Api, Workspace
from graphql_client import gql, marker, post
from rest.test_events import Outbox, check


@pytest.fixture
def outbox(database_url: str, workspace: Workspace) -> Outbox:
    return Outbox(database_url, workspace)


def test_create_one_and_many_with_upsert(api: Api, outbox: Outbox) -> None:
    m = marker()
    company = gql(api, 'mutation($m: String) { createCompany(data: {name: $m, employees: 3}) { id name employees } }',
                  {"m": m})["createCompany"]
    assert company["name"] == m and company["employees"] == 3
    (event,) = outbox.new()
    check(event, outbox, "created", company["id"], "company")
    made = gql(api, """mutation($c: ID, $m: String) { createPeople(data: [
        {name: {firstName: "Ann", lastName: "Lee"}, city: $m, companyId: $c, position: "first"},
        {city: $m, emails: {primaryEmail: "b@example.com", additionalEmails: ["c@example.com"]}}
      ]) { id name { firstName } city company { id name } emails { primaryEmail additionalEmails } } }""",
                   {"c": company["id"], "m": m})["createPeople"]
    assert made[0]["name"] == {"firstName": "Ann"} and made[0]["company"] == {"id": company["id"], "name": m}
    assert made[1]["emails"] == {"primaryEmail": "b@example.com", "additionalEmails": ["c@example.com"]}
    events = outbox.new()
    assert [(e["action"], e["recordId"]) for e in events] == [("created", p["id"]) for p in made]
    upserted = gql(api, """mutation($id: ID) { createPerson(upsert: true, data: {id: $id, jobTitle: "CEO"}) {
        id jobTitle city } }""", {"id": made[0]["id"]})["createPerson"]
    assert upserted == {"id": made[0]["id"], "jobTitle": "CEO", "city": m}
    (event,) = outbox.new()
    check(event, outbox, "updated", made[0]["id"])
    assert orjson.loads(event["updatedFields"]) == ["jobTitle"]


def test_update_one_and_many(api: Api, outbox: Outbox) -> None:
    m = marker()
    ids = [p["id"] for p in gql(api, "mutation($m: String) { createPeople(data: [{city: $m}, {city: $m}]) { id } }",
                                {"m": m})["createPeople"]]
    outbox.new()
    one = gql(api, 'mutation($id: UUID!) { updatePerson(id: $id, data: {name: {lastName: "Doe"}}) { id name { lastName } } }',
              {"id": ids[0]})["updatePerson"]
    assert one == {"id": ids[0], "name": {"lastName": "Doe"}}
    (event,) = outbox.new()
    check(event, outbox, "updated", ids[0])
    many = gql(api, 'mutation($m: String) { updatePeople(filter: {city: {eq: $m}}, data: {jobTitle: "VP"}) { id jobTitle } }',
               {"m": m})["updatePeople"]
    assert sorted(p["id"] for p in many) == sorted(ids) and {p["jobTitle"] for p in many} == {"VP"}
    events = outbox.new()
    assert sorted(e["recordId"] for e in events) == sorted(ids)
    for e in events:
        check(e, outbox, "updated", e["recordId"])
    missing = post(api, 'mutation($id: UUID!) { updatePerson(id: $id, data: {city: "x"}) { id } }',
                   {"id": str(uuid.uuid4())})
    assert missing["data"] == {"updatePerson": None}
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND" and missing["errors"][0]["path"] == ["updatePerson"]
    assert outbox.new() == []


def test_delete_restore_destroy_one_and_many(api: Api, outbox: Outbox) -> None:
    m = marker()
    ids = [p["id"] for p in gql(api, "mutation($m: String) { createPeople(data: [{city: $m}, {city: $m}, {city: $m}]) { id } }",
                                {"m": m})["createPeople"]]
    outbox.new()
    deleted = gql(api, "mutation($id: UUID!) { deletePerson(id: $id) { id deletedAt } }", {"id": ids[0]})["deletePerson"]
    assert deleted["id"] == ids[0] and deleted["deletedAt"] is not None
    check(outbox.new()[0], outbox, "deleted", ids[0])
    trash = gql(api, "query($m: String) { people(filter: {city: {eq: $m}, deletedAt: {is: NOT_NULL}}) { totalCount } }",
                {"m": m})
    assert trash["people"]["totalCount"] == 1
    restored = gql(api, "mutation($id: UUID!) { restorePerson(id: $id) { id deletedAt } }", {"id": ids[0]})
    assert restored["restorePerson"] == {"id": ids[0], "deletedAt": None}
    check(outbox.new()[0], outbox, "restored", ids[0])
    gone = gql(api, "mutation($m: String) { deletePeople(filter: {city: {eq: $m}}) { id } }", {"m": m})["deletePeople"]
    assert sorted(p["id"] for p in gone) == sorted(ids)
    assert sorted(e["action"] for e in outbox.new()) == ["deleted"] * 3
    back = gql(api, "mutation($m: String) { restorePeople(filter: {city: {eq: $m}}) { id } }", {"m": m})
    assert sorted(p["id"] for p in back["restorePeople"]) == sorted(ids)
    assert sorted(e["action"] for e in outbox.new()) == ["restored"] * 3
    destroyed = gql(api, "mutation($id: UUID!) { destroyPerson(id: $id) { id city } }", {"id": ids[0]})
    assert destroyed["destroyPerson"] == {"id": ids[0], "city": m}
    check(outbox.new()[0], outbox, "destroyed", ids[0])
    rest = gql(api, "mutation($m: String) { destroyPeople(filter: {city: {eq: $m}}) { id } }", {"m": m})
    assert sorted(p["id"] for p in rest["destroyPeople"]) == sorted(ids[1:])
    assert sorted(e["action"] for e in outbox.new()) == ["destroyed"] * 2
    left = gql(api, "query($m: String) { people(filter: {city: {eq: $m}}) { totalCount } }", {"m": m})
    assert left["people"]["totalCount"] == 0


@pytest.mark.parametrize("mutation", ["updatePeople(filter: {}, data: {city: \"x\"})", "deletePeople(filter: {})",
                                      "destroyPeople(filter: {})", "restorePeople(filter: {})"])
def test_bulk_mutations_need_a_non_empty_filter(api: Api, outbox: Outbox, mutation: str) -> None:
    body = post(api, "mutation { " + mutation + " { id } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["subCode"] == "MISSING_FILTER"
    assert outbox.new() == []


def test_merge_duplicates_and_group_by(api: Api, outbox: Outbox) -> None:
    m = marker()
    email = m + "@example.com"
    ids = [p["id"] for p in gql(api, """mutation($m: String, $e: String) { createPeople(data: [
        {city: $m, emails: {primaryEmail: $e}, jobTitle: "A"}, {city: $m, jobTitle: "B"}]) { id } }""",
                                {"m": m, "e": email})["createPeople"]]
    found = gql(api, """query($e: String) { personDuplicates(data: [{emails: {primaryEmail: $e}}]) {
        totalCount edges { node { id } } } }""", {"e": email})["personDuplicates"]
    assert found == [{"totalCount": 1, "edges": [{"node": {"id": ids[0]}}]}]
    groups = gql(api, """query($m: String) { peopleGroupBy(groupBy: [{jobTitle: true}], filter: {city: {eq: $m}},
        orderBy: [{jobTitle: AscNullsFirst}]) { groupByDimensionValues totalCount } }""", {"m": m})["peopleGroupBy"]
    assert groups == [{"groupByDimensionValues": ["A"], "totalCount": 1},
                      {"groupByDimensionValues": ["B"], "totalCount": 1}]
    outbox.new()
    merged = gql(api, """mutation($ids: [UUID!]!) { mergePeople(ids: $ids, conflictPriorityIndex: 1) {
        id jobTitle emails { primaryEmail } } }""", {"ids": ids})["mergePeople"]
    assert merged == {"id": ids[1], "jobTitle": "B", "emails": {"primaryEmail": email}}
    actions = sorted((e["action"], e["recordId"]) for e in outbox.new())
    assert ("updated", ids[1]) in actions and ("destroyed", ids[0]) in actions


def test_idempotency_key_replays_a_mutation(api: Api, outbox: Outbox) -> None:
    m = marker()
    key = {"Idempotency-Key": "gql-" + m}
    query = "mutation($m: String) { createPerson(data: {city: $m}) { id city } }"
    first = api.post("/graphql", json={"query": query, "variables": {"m": m}}, headers=key)
    again = api.post("/graphql", json={"query": query, "variables": {"m": m}}, headers=key)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["data"]["createPerson"]["city"] == m
    assert len(outbox.new()) == 1
    other = api.post("/graphql", json={"query": query, "variables": {"m": m + "x"}}, headers=key)
    assert other.status_code == 200
    assert other.json()["errors"][0]["extensions"]["subCode"] == "IDEMPOTENCY_KEY_REUSED"
    assert other.json()["errors"][0]["extensions"]["code"] == "CONFLICT"


def test_a_failing_mutation_under_an_idempotency_key_writes_nothing(api: Api, outbox: Outbox) -> None:
    m = marker()
    body = post(api, """mutation($m: String, $id: UUID!) { a: createPerson(data: {city: $m}) { id }
        b: updatePerson(id: $id, data: {city: $m}) { id } }""", {"m": m, "id": str(uuid.uuid4())},
                headers={"Idempotency-Key": "gql-" + m})
    assert body["data"]["b"] is None and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert outbox.new() == []
    left = gql(api, "query($m: String) { people(filter: {city: {eq: $m}}) { totalCount } }", {"m": m})
    assert left["people"]["totalCount"] == 0


def test_a_mutation_over_get_is_refused(api: Api) -> None:
    r = api.get("/graphql", params={"query": "mutation { deletePeople(filter: {city: {eq: \"x\"}}) { id } }"})
    assert r.status_code == 405 and r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    r = api.get("/graphql", params={"query": "{ people(first: 1) { totalCount } }"})
    assert r.status_code == 200 and isinstance(r.json()["data"]["people"]["totalCount"], int)


def test_relations_connect_by_a_unique_field_and_disconnect(api: Api) -> None:
    m = marker()
    company = gql(api, """mutation($m: String, $url: String) {
      createCompany(data: {name: $m, domainName: {primaryLinkUrl: $url}}) { id } }""",
                  {"m": m, "url": f"https://{m}.example.com"})["createCompany"]["id"]
    made = gql(api, """mutation($m: String, $url: String) { createPerson(data: {
        city: $m, emails: {primaryEmail: $m}, company: {connect: {where: {domainName: {primaryLinkUrl: $url}}}}
      }) { id companyId company { name } } }""", {"m": f"{m}@example.com", "url": f"HTTPS://{m.upper()}.example.com"})
    person = made["createPerson"]
    # the URL is matched as writes store it (scheme and host lower-cased)
    assert person["companyId"] == company and person["company"] == {"name": m}
    opportunity = gql(api, """mutation($m: String, $email: String, $c: UUID) { createOpportunity(data: {
        name: $m, company: {connect: {where: {id: $c}}}, pointOfContact: {connect: {where: {emails: {primaryEmail: $email}}}}
      }) { id companyId pointOfContactId } }""", {"m": m, "email": f"{m}@example.com", "c": company})["createOpportunity"]
    assert opportunity["companyId"] == company and opportunity["pointOfContactId"] == person["id"]
    cleared = gql(api, """mutation($id: UUID!) { updatePerson(id: $id, data: {company: {disconnect: true}}) {
      companyId } }""", {"id": person["id"]})
    assert cleared == {"updatePerson": {"companyId": None}}
    again = gql(api, """mutation($m: String, $url: String) { updatePeople(filter: {city: {eq: $m}},
      data: {company: {connect: {where: {domainName: {primaryLinkUrl: $url}}}}}) { companyId } }""",
                {"m": f"{m}@example.com", "url": f"https://{m}.example.com"})
    assert again == {"updatePeople": [{"companyId": company}]}


def test_a_connect_to_no_record_or_by_a_field_that_is_not_unique_is_refused(api: Api) -> None:
    m = marker()
    body = post(api, """mutation($m: String) { createPerson(data: {
      city: $m, company: {connect: {where: {domainName: {primaryLinkUrl: "https://nowhere.invalid"}}}} }) { id } }""",
                {"m": m})
    assert body["data"] == {"createPerson": None}
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert body["errors"][0]["extensions"]["subCode"] == "RELATION_TARGET_NOT_FOUND"
    assert gql(api, "query($m: String) { people(filter: {city: {eq: $m}}) { totalCount } }", {"m": m}) == {
        "people": {"totalCount": 0}}
    r = api.post("/rest/people", json={"city": m, "company": {"connect": {"where": {"name": m}}}})
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_ERROR", r.text
    body = post(api, """mutation { createPerson(data: {
      company: {connect: {where: {id: "00000000-0000-4000-8000-000000000000"}}, disconnect: true} }) { id } }""")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
