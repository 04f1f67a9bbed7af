"""Nested one-to-many connections on the core GraphQL API: pages both ways (``first`` / ``after``,
``last`` / ``before``, ``offset``), ``totalCount`` and every kind of aggregate of GRAPHQL.md §5.4,
computed per parent in the statement of the root field. In process, both databases; values are
computed by hand from the records each test writes under its own marker."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from conftest import Api
from graphql_client import gql, marker, post
from vingt.db.database import Stats


def _company_with_people(api: Api, m: str, n: int) -> tuple[str, list[str]]:
    r = api.post("/rest/companies", json={"name": m})
    assert r.status_code == 201, r.text
    company = r.json()["data"]["createCompany"]["id"]
    r = api.post("/rest/batch/people", json=[
        {"name": {"firstName": f"{m}{i:02d}", "lastName": "x"}, "companyId": company} for i in range(n)
    ])
    assert r.status_code == 201, r.text
    return company, [p["id"] for p in r.json()["data"]["createPeople"]]


PAGE = """query($id: UUID, $first: Int, $last: Int, $after: String, $before: String, $offset: Int) {
  companies(filter: {id: {eq: $id}}) { edges { node {
    people(orderBy: [{name: {firstName: AscNullsFirst}}], first: $first, last: $last, after: $after,
           before: $before, offset: $offset) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } } } } } }"""


def _page(api: Api, company: str, **args: Any) -> dict[str, Any]:
    return gql(api, PAGE, {"id": company, **args})["companies"]["edges"][0]["node"]["people"]  # type: ignore[no-any-return]


def test_nested_pages_go_both_ways_from_cursors_and_offsets(api: Api) -> None:
    m = marker()
    company, ids = _company_with_people(api, m, 6)  # ids in firstName order

    def got(page: dict[str, Any]) -> list[str]:
        return [e["node"]["id"] for e in page["edges"]]

    last = _page(api, company, last=2)
    assert got(last) == ids[4:]
    assert last["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True,
                                "startCursor": ids[4], "endCursor": ids[5]}
    assert last["totalCount"] == 6 and [e["cursor"] for e in last["edges"]] == ids[4:]
    before = _page(api, company, last=2, before=ids[4])
    assert got(before) == ids[2:4] and before["pageInfo"]["hasPreviousPage"] is True
    assert got(_page(api, company, last=3, before=ids[2])) == ids[:2]
    assert _page(api, company, last=3, before=ids[2])["pageInfo"]["hasPreviousPage"] is False
    assert got(_page(api, company, before=ids[1])) == ids[:1]  # before alone: the last 60 before it
    after = _page(api, company, first=2, after=ids[1])
    assert got(after) == ids[2:4] and after["pageInfo"] == {
        "hasNextPage": True, "hasPreviousPage": False, "startCursor": ids[2], "endCursor": ids[3]}
    assert got(_page(api, company, first=2, offset=3)) == ids[3:5]
    assert got(_page(api, company, last=2, offset=1)) == ids[3:5]  # the offset counts from the end
    assert got(_page(api, company, last=10)) == ids and _page(api, company, last=10)["pageInfo"]["hasPreviousPage"] is False
    assert got(_page(api, company, last=0)) == [] and _page(api, company, last=0)["totalCount"] == 6
    twenty_cursor = base64.b64encode(json.dumps({"id": ids[4]}).encode()).decode()
    assert got(_page(api, company, last=2, before=twenty_cursor)) == ids[2:4]
    # every page is the root's page of that company's people
    for args in ({"last": 2, "before": ids[4]}, {"first": 3, "after": ids[0], "offset": 1}, {"last": 4, "offset": 1}):
        root = gql(api, """query($id: UUID, $first: Int, $last: Int, $after: String, $before: String, $offset: Int) {
          people(filter: {companyId: {eq: $id}}, orderBy: [{name: {firstName: AscNullsFirst}}], first: $first,
                 last: $last, after: $after, before: $before, offset: $offset) { edges { node { id } } } }""",
                   {"id": company, **args})["people"]
        assert got(_page(api, company, **args)) == got(root), args


@pytest.mark.parametrize(("args", "subcode"), [
    ({"first": 1, "last": 1}, "INVALID_PARAMETER"),
    ({"after": "x"}, "INVALID_CURSOR"),
    ({"first": 1, "before": "00000000-0000-4000-8000-000000000000"}, "INVALID_PARAMETER"),
    ({"last": -1}, "INVALID_PARAMETER"),
    ({"offset": -2}, "INVALID_PARAMETER"),
])
def test_bad_nested_pages_are_named_errors(api: Api, args: dict[str, Any], subcode: str) -> None:
    company, _ = _company_with_people(api, marker(), 1)
    body = post(api, PAGE, {"id": company, **args})
    assert body["data"] == {"companies": None}
    assert [(e["extensions"]["code"], e["extensions"]["subCode"]) for e in body["errors"]] == [
        ("BAD_USER_INPUT", subcode)]


def _opportunity(api: Api, company: str, name: str, micros: int | None, close: str | None, stage: str) -> None:
    body: dict[str, Any] = {"name": name, "companyId": company, "closeDate": close, "stage": stage}
    if micros is not None:
        body["amount"] = {"amountMicros": micros, "currencyCode": "EUR"}
    r = api.post("/rest/opportunities", json=body)
    assert r.status_code == 201, r.text


def test_nested_aggregates_are_computed_per_parent_over_its_filtered_records(api: Api) -> None:
    m = marker()
    companies = []
    for suffix in ("a", "b"):
        r = api.post("/rest/companies", json={"name": m + suffix})
        assert r.status_code == 201, r.text
        companies.append(r.json()["data"]["createCompany"]["id"])
    a, b = companies
    _opportunity(api, a, f"{m}1", 1_000_000, "2025-01-02T03:04:05.678Z", "NEW")
    _opportunity(api, a, f"{m}2", 3_500_000, None, "NEW")
    _opportunity(api, a, f"{m}3", None, "2024-05-06T00:00:00.000Z", "MEETING")
    _opportunity(api, a, f"{m}4", 9_000_000, "2023-01-01T00:00:00.000Z", "CUSTOMER")  # left out by the filter
    data = gql(api, """query($m: String) { companies(filter: {name: {startsWith: $m}}, orderBy: [{name: AscNullsFirst}]) {
      edges { node { name opportunities(filter: {stage: {in: [NEW, MEETING]}}, first: 1) {
        totalCount sumAmountAmountMicros avgAmountAmountMicros minAmountAmountMicros maxAmountAmountMicros
        minCloseDate maxCloseDate countEmptyCloseDate countNotEmptyCloseDate percentageEmptyCloseDate
        percentageNotEmptyCloseDate countUniqueValuesStage countNotEmptyAmount
        edges { node { id } } } } } } }""", {"m": m})
    first, second = (e["node"]["opportunities"] for e in data["companies"]["edges"])
    assert len(first["edges"]) == 1  # the page is bounded, the aggregates are not
    assert first["totalCount"] == 3
    assert first["sumAmountAmountMicros"] == 4_500_000 and first["avgAmountAmountMicros"] == 2_250_000
    assert first["minAmountAmountMicros"] == 1_000_000 and first["maxAmountAmountMicros"] == 3_500_000
    assert first["minCloseDate"] == "2024-05-06T00:00:00.000Z" and first["maxCloseDate"] == "2025-01-02T03:04:05.678Z"
    assert first["countEmptyCloseDate"] == 1 and first["countNotEmptyCloseDate"] == 2
    assert first["percentageEmptyCloseDate"] == 1 / 3 and first["percentageNotEmptyCloseDate"] == 2 / 3
    assert first["countUniqueValuesStage"] == 2 and first["countNotEmptyAmount"] == 2
    # a parent without records: counts are 0, the others null
    assert second == {
        "totalCount": 0, "sumAmountAmountMicros": None, "avgAmountAmountMicros": None, "minAmountAmountMicros": None,
        "maxAmountAmountMicros": None, "minCloseDate": None, "maxCloseDate": None, "countEmptyCloseDate": 0,
        "countNotEmptyCloseDate": 0, "percentageEmptyCloseDate": None, "percentageNotEmptyCloseDate": None,
        "countUniqueValuesStage": 0, "countNotEmptyAmount": 0, "edges": [],
    }
    root = gql(api, """query($m: String) { opportunities(filter: {name: {eq: $m}}) {
      totalCount percentageEmptyCloseDate countEmptyCloseDate } }""", {"m": m + "none"})
    assert root["opportunities"] == {"totalCount": 0, "percentageEmptyCloseDate": None, "countEmptyCloseDate": 0}


def test_nested_number_and_boolean_aggregates(api: Api) -> None:
    m = marker()
    r = api.post("/rest/workspaceMembers", json={
        "name": {"firstName": m, "lastName": "Owner"}, "userId": "00000000-0000-4000-8000-00000000000a",
        "userEmail": f"{m}@example.com"})
    assert r.status_code == 201, r.text
    owner = r.json()["data"]["createWorkspaceMember"]["id"]
    for employees, icp in ((10, True), (31, False), (None, False)):
        r = api.post("/rest/companies", json={"name": m, "employees": employees, "idealCustomerProfile": icp,
                                              "accountOwnerId": owner})
        assert r.status_code == 201, r.text
    data = gql(api, """query($id: UUID) { workspaceMembers(filter: {id: {eq: $id}}) { edges { node {
      accountOwnerForCompanies { sumEmployees avgEmployees minEmployees maxEmployees countUniqueValuesEmployees
        countTrueIdealCustomerProfile countFalseIdealCustomerProfile } } } } }""", {"id": owner})
    assert data["workspaceMembers"]["edges"][0]["node"]["accountOwnerForCompanies"] == {
        "sumEmployees": 41, "avgEmployees": 20.5, "minEmployees": 10, "maxEmployees": 31,
        "countUniqueValuesEmployees": 2, "countTrueIdealCustomerProfile": 1, "countFalseIdealCustomerProfile": 2,
    }


def test_nested_pages_and_aggregates_cost_no_statement_per_parent(api: Api) -> None:
    m = marker()
    for _ in range(4):
        company, ids = _company_with_people(api, m, 3)
    query = """query($m: String, $n: Int, $before: String) { companies(filter: {name: {eq: $m}}, first: $n) {
      edges { node { people(last: 2, before: $before) { totalCount countNotEmptyName maxCreatedAt
        edges { node { id } } } } } } }"""

    def spent(n: int) -> int:
        before = Stats.statements
        gql(api, query, {"m": m, "n": n, "before": ids[2]})
        return Stats.statements - before

    spent(1)  # the key and the catalog are cached from here on
    assert spent(1) == spent(4) == 1
