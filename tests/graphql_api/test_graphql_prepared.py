"""What is worked out once per document and operation (variables' signatures, arguments coerced
with slots for the variables, the plan) gives each request its own answer: other variable
values, bad variables, directives reading variables, a lone record answered as rendered. In
process, both databases."""

from __future__ import annotations

from typing import Any

from conftest import Api
from graphql_client import gql, marker, post

PERSON = "query P($id: UUID!) { person(filter: {id: {eq: $id}}) { id name { firstName lastName } city } }"


def people(api: Api, m: str, n: int) -> list[str]:
    body = [{"name": {"firstName": f"{m}{i}", "lastName": "L"}, "city": f"{m}-{i % 2}"} for i in range(n)]
    r = api.post("/rest/batch/people", json=body)
    assert r.status_code == 201, r.text
    return [p["id"] for p in r.json()["data"]["createPeople"]]


def test_a_kept_plan_answers_each_request_with_its_own_variables(api: Api) -> None:
    m = marker()
    ids = people(api, m, 3)
    for i, pid in enumerate(ids * 2):  # the second round from the kept plan
        found = gql(api, PERSON, {"id": pid})["person"]
        assert found == {"id": pid, "name": {"firstName": f"{m}{i % 3}", "lastName": "L"}, "city": f"{m}-{i % 3 % 2}"}
    # the same record as REST renders it, and as a selection that is shaped (alias, __typename)
    rest = api.get(f"/rest/people/{ids[0]}").json()["data"]["person"]
    assert gql(api, PERSON, {"id": ids[0]})["person"] == {k: rest[k] for k in ("id", "name", "city")}
    shaped = gql(api, "query($id: UUID!) { person(filter: {id: {eq: $id}}) { __typename who: id city } }",
                 {"id": ids[0]})["person"]
    assert shaped == {"__typename": "Person", "who": ids[0], "city": f"{m}-0"}
    many = "query($city: String, $n: Int) { people(filter: {city: {eq: $city}}, first: $n) { totalCount edges { node { id } } } }"
    for _ in range(2):
        assert gql(api, many, {"city": f"{m}-0", "n": 1})["people"]["totalCount"] == 2
        assert len(gql(api, many, {"city": f"{m}-0", "n": 1})["people"]["edges"]) == 1
        assert gql(api, many, {"city": f"{m}-1", "n": 5})["people"]["totalCount"] == 1
        # a variable left out: as graphql-core coerces it (no page size given; a city filter without operator)
        assert len(gql(api, many, {"city": f"{m}-1"})["people"]["edges"]) == 1
        body = post(api, many, {"n": 1})
        assert body["data"] == {"people": None} and body["errors"][0]["extensions"]["subCode"] == "INVALID_FILTER"


def test_a_missing_record_and_other_filters_of_a_kept_plan(api: Api) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for _ in range(2):
        body = post(api, PERSON, {"id": missing})
        assert body["data"] == {"person": None}
        assert [e["extensions"]["subCode"] for e in body["errors"]] == ["RECORD_NOT_FOUND"]
        assert body["errors"][0]["extensions"]["details"] == {"object": "person"}
        assert body["errors"][0]["path"] == ["person"]


def test_bad_variables_are_refused_as_graphql_core_refuses_them(api: Api) -> None:
    doc = "query Bad($id: UUID!, $n: Int) { person(filter: {id: {eq: $id}}) { id } people(first: $n) { totalCount } }"
    answers: list[dict[str, Any]] = []
    for variables in ({"id": "not-a-uuid"}, {"n": 1}, {"id": None}, {"id": "m0", "n": "x"}):
        answers.append(post(api, doc, variables))
    (pid,) = people(api, marker(), 1)
    assert gql(api, doc, {"id": pid, "n": 1})["person"] == {"id": pid}  # the document's plan is kept now
    again = [post(api, doc, v) for v in ({"id": "not-a-uuid"}, {"n": 1}, {"id": None}, {"id": "m0", "n": "x"})]
    assert again == answers
    for body in answers:
        assert "data" not in body
        assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}
    assert answers[1]["errors"][0]["message"] == (
        "Variable '$id' has invalid value: Expected a value of non-null type 'UUID!' to be provided.")
    assert answers[2]["errors"][0]["message"].startswith("Variable '$id' has invalid value")
    assert [e["message"].split(":")[0] for e in answers[3]["errors"]] == [
        "Variable '$id' has invalid value", "Variable '$n' has invalid value"]


def test_directives_reading_variables_are_applied_on_each_request(api: Api) -> None:
    m = marker()
    (pid,) = people(api, m, 1)
    doc = """query($id: UUID!, $city: Boolean!, $name: Boolean!) {
      person(filter: {id: {eq: $id}}) { id city @include(if: $city) name @skip(if: $name) { firstName } } }"""
    for _ in range(2):
        assert gql(api, doc, {"id": pid, "city": True, "name": False})["person"] == {
            "id": pid, "city": m + "-0", "name": {"firstName": m + "0"}}
        assert gql(api, doc, {"id": pid, "city": False, "name": True})["person"] == {"id": pid}


def test_nested_connection_arguments_from_variables(api: Api) -> None:
    m = marker()
    r = api.post("/rest/companies", json={"name": m})
    company = r.json()["data"]["createCompany"]["id"]
    body = [{"name": {"firstName": f"{m}{i}", "lastName": "L"}, "companyId": company} for i in range(3)]
    assert api.post("/rest/batch/people", json=body).status_code == 201
    doc = """query($id: UUID!, $n: Int, $first: String) { company(filter: {id: {eq: $id}}) {
      people(first: $n, filter: {or: [{name: {firstName: {eq: $first}}}, {name: {firstName: {eq: "-"}}}]}) { totalCount edges { node { name { firstName } } } } } }"""
    for _ in range(2):
        assert gql(api, doc, {"id": company, "n": 2, "first": f"{m}0"})["company"]["people"]["totalCount"] == 1
        one = gql(api, doc, {"id": company, "n": 5, "first": f"{m}1"})["company"]["people"]
        assert one["totalCount"] == 1 and one["edges"][0]["node"]["name"]["firstName"] == f"{m}1"
