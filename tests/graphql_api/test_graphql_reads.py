"""Reads on the core GraphQL API: connections, pages both ways, nested connections with their
own arguments, aggregates, filters per field type, errors with partial data, and the number of
statements a document costs. In process, both databases; each test works on records marked with
its own company name so that tests do not see each other's data.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Api
from graphql_client import gql, marker, post
from vingt.db.database import Stats


def fill(template: str, *values: str) -> str:
    """``template`` with each ``%s`` replaced by the next value (GraphQL braces left alone)."""
    for value in values:
        template = template.replace("%s", value, 1)
    return template


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body["errors"]]


def company_with_people(api: Api, m: str, n: int, employees: int = 10) -> tuple[str, list[str]]:
    r = api.post("/rest/companies", json={"name": m, "employees": employees, "idealCustomerProfile": True})
    assert r.status_code == 201, r.text
    company = r.json()["data"]["createCompany"]["id"]
    body = [
        {"name": {"firstName": f"{m}{i:02d}", "lastName": "ABC"[i % 3]}, "city": m, "companyId": company,
         "jobTitle": "CTO" if i % 2 else None}
        for i in range(n)
    ]
    r = api.post("/rest/batch/people", json=body)
    assert r.status_code == 201, r.text
    return company, [p["id"] for p in r.json()["data"]["createPeople"]]


def test_connection_edges_cursors_page_info_aliases_and_typenames(api: Api) -> None:
    m = marker()
    company, _ = company_with_people(api, m, 5)
    data = gql(api, """query($city: String) {
      few: people(filter: {city: {eq: $city}}, orderBy: [{name: {firstName: DescNullsLast}}], first: 2) {
        __typename totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { __typename id first: name { firstName } company { id name __typename } companyId } }
      }
      all: people(filter: {city: {eq: $city}}) { totalCount }
    }""", {"city": m})
    few = data["few"]
    assert few["__typename"] == "PersonConnection" and few["totalCount"] == 5
    assert [e["node"]["first"]["firstName"] for e in few["edges"]] == [f"{m}04", f"{m}03"]
    node = few["edges"][0]["node"]
    assert node["__typename"] == "Person" and node["companyId"] == company
    assert node["company"] == {"id": company, "name": m, "__typename": "Company"}
    assert few["edges"][0]["cursor"] == node["id"]
    assert few["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False,
                               "startCursor": few["edges"][0]["node"]["id"], "endCursor": few["edges"][1]["node"]["id"]}
    assert data["all"] == {"totalCount": 5}


@pytest.mark.parametrize("order", [
    "[{name: {lastName: AscNullsFirst}}]",
    "[{jobTitle: DescNullsLast}, {name: {firstName: AscNullsLast}}]",
    "[{createdAt: DescNullsFirst}]",
])
def test_pages_forward_and_backward_repeat_and_skip_nothing(api: Api, order: str) -> None:
    m = marker()
    _, ids = company_with_people(api, m, 7)
    query = fill("""query($after: String, $before: String, $first: Int, $last: Int) {
      people(filter: {city: {eq: "%s"}}, orderBy: %s, first: $first, after: $after, last: $last, before: $before) {
        edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }""", m, order)
    whole = [e["node"]["id"] for e in gql(api, query, {"first": 50})["people"]["edges"]]
    assert sorted(whole) == sorted(ids)
    seen: list[str] = []
    after = None
    while True:
        page = gql(api, query, {"first": 3, "after": after})["people"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == whole
    back: list[str] = []
    before = None
    while True:
        page = gql(api, query, {"last": 3, "before": before})["people"]
        back = [e["node"]["id"] for e in page["edges"]] + back
        assert page["pageInfo"]["hasNextPage"] is False
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert back == whole


def test_nested_connections_take_their_own_arguments(api: Api) -> None:
    m = marker()
    company, _ = company_with_people(api, m, 6)
    data = gql(api, """query($id: UUID) { companies(filter: {id: {eq: $id}}) { edges { node {
      name
      ctos: people(filter: {jobTitle: {eq: "CTO"}}, orderBy: [{name: {firstName: DescNullsLast}}], first: 2) {
        totalCount pageInfo { hasNextPage } edges { node { name { firstName } company { name } } } }
    } } } }""", {"id": company})
    node = data["companies"]["edges"][0]["node"]
    node.update(gql(api, """query($id: UUID) { companies(filter: {id: {eq: $id}}) { edges { node {
      rest: people(first: 1, offset: 5) { edges { node { id } } pageInfo { hasNextPage } } } } } }""",
                    {"id": company})["companies"]["edges"][0]["node"])
    ctos = node["ctos"]
    assert ctos["totalCount"] == 3 and ctos["pageInfo"] == {"hasNextPage": True}
    assert [e["node"]["name"]["firstName"] for e in ctos["edges"]] == [f"{m}05", f"{m}03"]
    assert ctos["edges"][0]["node"]["company"] == {"name": m}
    assert len(node["rest"]["edges"]) == 1 and node["rest"]["pageInfo"] == {"hasNextPage": False}


def test_aggregates_match_hand_computed_values(api: Api) -> None:
    m = marker()
    for employees in (10, 32, None):
        r = api.post("/rest/companies", json={"name": m, "employees": employees, "idealCustomerProfile": employees == 10})
        assert r.status_code == 201, r.text
    data = gql(api, """query($m: String) { companies(filter: {name: {eq: $m}}, first: 1) {
      totalCount sumEmployees avgEmployees minEmployees maxEmployees countEmptyEmployees countNotEmptyEmployees
      percentageEmptyEmployees countUniqueValuesName countTrueIdealCustomerProfile countFalseIdealCustomerProfile
      edges { node { id } } } }""", {"m": m})["companies"]
    assert len(data["edges"]) == 1
    assert data["totalCount"] == 3 and data["sumEmployees"] == 42 and data["avgEmployees"] == 21
    assert data["minEmployees"] == 10 and data["maxEmployees"] == 32
    assert data["countEmptyEmployees"] == 1 and data["countNotEmptyEmployees"] == 2
    assert data["percentageEmptyEmployees"] == pytest.approx(1 / 3)
    assert data["countUniqueValuesName"] == 1
    assert data["countTrueIdealCustomerProfile"] == 1 and data["countFalseIdealCustomerProfile"] == 2


@pytest.mark.parametrize(("flt", "expected"), [
    ('{jobTitle: {eq: "CTO"}}', [1, 3]),
    ('{jobTitle: {neq: "CTO"}}', []),
    ('{jobTitle: {is: NULL}}', [0, 2, 4]),
    ('{jobTitle: {is: NOT_NULL}}', [1, 3]),
    ('{name: {firstName: {in: ["%s00", "%s04"]}}}', [0, 4]),
    ('{name: {firstName: {startsWith: "%s0"}, lastName: {eq: "B"}}}', [1, 4]),
    ('{name: {firstName: {endsWith: "2"}}}', [2]),
    ('{name: {firstName: {like: "%%3"}}}', [3]),
    ('{name: {lastName: {ilike: "c"}}}', [2]),
    ('{name: {firstName: {gt: "%s02"}}}', [3, 4]),
    ('{name: {firstName: {lte: "%s01"}}}', [0, 1]),
    ('{or: [{name: {lastName: {eq: "A"}}}, {jobTitle: {eq: "CTO"}}]}', [0, 1, 3]),
    ('{not: {name: {lastName: {eq: "A"}}}}', [1, 2, 4]),
    ('{and: [{jobTitle: {is: NULL}}, {name: {lastName: {neq: "A"}}}]}', [2, 4]),
    ('{createdAt: {lte: "2999-01-01T00:00:00.000Z"}, deletedAt: {is: NULL}}', [0, 1, 2, 3, 4]),
    ('{createdAt: {gt: "2999-01-01T00:00:00.000Z"}}', []),
    ('{position: {lt: 1000000000}}', [0, 1, 2, 3, 4]),
])
def test_filter_operators(api: Api, flt: str, expected: list[int]) -> None:
    m = marker()
    company, ids = company_with_people(api, m, 5)
    text = flt.replace("%s", m).replace("%%", "%")
    data = gql(api, fill("{ people(filter: {and: [{companyId: {eq: \"%s\"}}, %s]}) { edges { node { id } } } }",
                         company, text))
    assert sorted(e["node"]["id"] for e in data["people"]["edges"]) == sorted(ids[i] for i in expected)


def test_typed_filters_on_numbers_booleans_enums_and_currencies(api: Api) -> None:
    m = marker()
    made = []
    for i, stage in enumerate(("NEW", "MEETING", "PROPOSAL")):
        r = api.post("/rest/opportunities", json={"name": m, "stage": stage,
                                                  "amount": {"amountMicros": (i + 1) * 1_000_000, "currencyCode": "EUR"}})
        assert r.status_code == 201, r.text
        made.append(r.json()["data"]["createOpportunity"]["id"])

    def ids(flt: str) -> list[str]:
        data = gql(api, fill('{ opportunities(filter: {name: {eq: "%s"}, %s}) { edges { node { id } } } }', m, flt))
        return sorted(e["node"]["id"] for e in data["opportunities"]["edges"])

    assert ids("stage: {in: [NEW, PROPOSAL]}") == sorted([made[0], made[2]])
    assert ids("stage: {gte: MEETING}") == sorted(made[1:])  # by option position
    assert ids("amount: {amountMicros: {gt: 1500000}}") == sorted(made[1:])
    assert ids('amount: {currencyCode: {eq: "USD"}}') == []
    assert ids(fill('id: {in: ["%s"]}', made[0])) == [made[0]]


def test_find_one_and_partial_data_when_one_root_field_fails(api: Api) -> None:
    m = marker()
    company, _ = company_with_people(api, m, 1)
    body = post(api, """query($id: UUID) {
      company(filter: {id: {eq: $id}}) { id name }
      missing: company(filter: {name: {eq: "no such company at all"}}) { id }
      empty: company(filter: {}) { id }
    }""", {"id": company})
    assert body["data"] == {"company": {"id": company, "name": m}, "missing": None, "empty": None}
    assert {e["path"][0]: e["extensions"]["code"] for e in body["errors"]} == {
        "missing": "NOT_FOUND", "empty": "BAD_USER_INPUT"}
    assert body["errors"][0]["extensions"]["subCode"] in ("RECORD_NOT_FOUND", "MISSING_FILTER")


def test_fragments_variables_and_directives(api: Api) -> None:
    m = marker()
    company_with_people(api, m, 2)
    data = gql(api, """query People($city: String, $withName: Boolean!) {
      people(filter: {city: {eq: $city}}, orderBy: [{name: {firstName: AscNullsFirst}}]) { ...page } }
      fragment page on PersonConnection { edges { node { ... on Person { id } name @include(if: $withName) { firstName } } } }
    """, {"city": m, "withName": False})
    assert [set(e["node"]) for e in data["people"]["edges"]] == [{"id"}, {"id"}]


def _a_deep_document() -> str:
    return "{ people { edges { node { company { people { edges { node { company { people { edges { node { " \
           "company { name } } } } } } } } } } } } }"


@pytest.mark.parametrize(("query", "variables", "code"), [
    ("{ people { ", None, "GRAPHQL_PARSE_FAILED"),
    ("{ people { edges { node { nope } } } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ people(filter: {city: {regexish: \"x\"}}) { totalCount } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("{ person(filter: {id: {eq: \"not-a-uuid\"}}) { id } }", None, "GRAPHQL_VALIDATION_FAILED"),
    ("query($n: Int) { people(first: $n) { totalCount } }", {"n": "many"}, "BAD_USER_INPUT"),
    ("{ " + " ".join(f"a{i}: people {{ totalCount }}" for i in range(21)) + " }", None, "BAD_USER_INPUT"),
    (_a_deep_document(), None, "BAD_USER_INPUT"),
    ("{ people(first: 1, last: 1) { totalCount } }", None, "BAD_USER_INPUT"),
    ("{ people(first: -1) { totalCount } }", None, "BAD_USER_INPUT"),
    ("{ people(after: \"bm90IGEgY3Vyc29y\") { totalCount } }", None, "BAD_USER_INPUT"),
    ("{ people(filter: {city: {}}) { totalCount } }", None, "BAD_USER_INPUT"),
    ("{ people(filter: {city: {in: []}}) { totalCount } }", None, "BAD_USER_INPUT"),
    ("{ companies { edges { node { people(before: \"x\") { totalCount } } } } }", None, "BAD_USER_INPUT"),
    ("mutation { updatePeople(filter: {}, data: {city: \"x\"}) { id } }", None, "BAD_USER_INPUT"),
])
def test_bad_documents_answer_200_with_their_code(
    api: Api, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    body = post(api, query, variables)
    assert codes(body) == [code], body
    assert all("Traceback" not in e["message"] for e in body["errors"])


def test_a_missing_or_invalid_key_is_unauthenticated(app_client: Any) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}):
        r = app_client.post("/graphql", json={"query": "{ people { totalCount } }"}, headers=headers)
        assert r.status_code == 200
        assert codes(r.json()) == ["UNAUTHENTICATED"]


def test_one_statement_per_root_field_whatever_the_page_size_and_nesting(api: Api) -> None:
    m = marker()
    company_with_people(api, m, 12)
    nested = fill("""query($n: Int) { people(filter: {city: {eq: "%s"}}, first: $n) { totalCount edges { node {
      id name { firstName } company { name people(first: 5) { totalCount edges { node { id company { id } } } } } } } } }""", m)

    def spent(n: int, query: str) -> int:
        before = Stats.statements
        gql(api, query, {"n": n})
        return Stats.statements - before

    flat = fill('{ people(filter: {city: {eq: "%s"}}, first: $n) { edges { node { id } } } }', m)
    flat = "query($n: Int) " + flat
    spent(1, flat)  # the key and the catalog are cached from here on
    assert spent(1, flat) == spent(12, flat) == 1
    assert spent(1, nested) == spent(12, nested) == 1
