"""Root connections whose edges the database renders (``translate.edge_layout``) answer exactly what
Python shaping answers: each document is sent twice, once with the database's rendering and once
shaped in Python, and the two answers must be the same values with the keys in the same order. In
process, both databases."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from conftest import Api
from graphql_client import gql, marker, post
from vingt.graphql_api import core

INTROSPECT = """{ __schema { types { name fields { name type { kind name ofType { kind name ofType {
  kind name ofType { kind name } } } } } } } }"""


def _named(t: dict[str, Any]) -> dict[str, Any]:
    while t.get("ofType"):
        t = t["ofType"]
    return t


def _everything(types: dict[str, Any], name: str, depth: int) -> str:
    """Every field of ``name``: composites whole, relations at ``depth`` 1 with their own fields."""
    out = []
    for f in types[name]["fields"]:
        t = _named(f["type"])
        if t["kind"] in ("SCALAR", "ENUM"):
            out.append(f["name"])
            continue
        sub = {g["name"]: g for g in types[t["name"]]["fields"]}
        if "edges" in sub:
            if depth:
                edge = _named(sub["edges"]["type"])["name"]
                node = _named(next(g for g in types[edge]["fields"] if g["name"] == "node")["type"])["name"]
                out.append(f"{f['name']} {{ totalCount edges {{ cursor node {{ {_everything(types, node, 0)} }} }} }}")
        elif "id" in sub:
            if depth:
                out.append(f"{f['name']} {{ {_everything(types, t['name'], 0)} }}")
        else:
            out.append(f"{f['name']} {{ {_everything(types, t['name'], 0)} }}")
    return " ".join(out)


def _ordered(value: Any) -> Any:
    """A JSON value with its objects as lists of pairs: equal only with the keys in the same order."""
    if isinstance(value, dict):
        return [(k, _ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


@pytest.fixture(scope="module")
def seeded(api: Api) -> dict[str, Any]:
    m = marker()
    r = api.post("/rest/companies", json={
        "name": m, "employees": 12, "idealCustomerProfile": True,
        "domainName": {"primaryLinkUrl": "https://example.com", "primaryLinkLabel": "site",
                       "secondaryLinks": [{"url": "https://b.example.com", "label": "b"}]},
        "annualRecurringRevenue": {"amountMicros": 2_500_000_000, "currencyCode": "EUR"},
        "address": {"addressStreet1": "1 rue d'Ici", "addressCity": "Lyon", "addressLat": 45.75, "addressLng": 4.85},
    })
    assert r.status_code == 201, r.text
    company = r.json()["data"]["createCompany"]["id"]
    people = [
        {"name": {"firstName": f"{m}{i}", "lastName": "Zé\"\\ \u00e9\u4e2d" if i == 1 else f"L{i % 2}"},
         "city": m, "jobTitle": None if i == 2 else f"job {i}",
         "emails": {"primaryEmail": f"p{i}@example.com", "additionalEmails": [f"q{i}@example.com"] if i % 2 else []},
         "phones": {"primaryPhoneNumber": f"61234567{i}", "primaryPhoneCountryCode": "FR",
                    "primaryPhoneCallingCode": "+33"},
         **({"companyId": company} if i < 5 else {})}
        for i in range(7)
    ]
    r = api.post("/rest/batch/people", json=people)
    assert r.status_code == 201, r.text
    ids = [p["id"] for p in r.json()["data"]["createPeople"]]
    assert api.delete(f"/rest/people/{ids[4]}").status_code == 200  # soft-deleted: left out of relations
    for i, (amount, close) in enumerate([(1_500_000, "2025-01-02T03:04:05.678Z"), (None, None), (7, "2024-02-29T00:00:00.000Z")]):
        body: dict[str, Any] = {"name": f"{m}o{i}", "companyId": company, "pointOfContactId": ids[i], "closeDate": close}
        if amount is not None:
            body["amount"] = {"amountMicros": amount, "currencyCode": "USD"}
        assert api.post("/rest/opportunities", json=body).status_code == 201
    types = {t["name"]: t for t in gql(api, INTROSPECT)["__schema"]["types"] if t["fields"]}
    return {"m": m, "company": company, "ids": ids, "person": _everything(types, "Person", 1),
            "company_fields": _everything(types, "Company", 1)}


def _both(api: Api, monkeypatch: pytest.MonkeyPatch, query: str, variables: dict[str, Any]) -> tuple[Any, int]:
    """The answer shaped in Python and the one rendered by the database (checked to be the same),
    and how many root connections the database rendered."""
    monkeypatch.setattr(core, "RENDER_IN_DATABASE", False)
    shaped = post(api, query, variables)
    monkeypatch.setattr(core, "RENDER_IN_DATABASE", True)
    calls = []
    real = core.rendered_conn

    def counting(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(core, "rendered_conn", counting)
    response = api.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    rendered = orjson.loads(response.content)
    assert "errors" not in shaped, shaped
    assert _ordered(rendered) == _ordered(shaped)
    return rendered, len(calls)


BENCH = """query($m: String) { people(filter: {city: {eq: $m}}, orderBy: [{name: {lastName: AscNullsFirst}}], first: 60) {
  totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { %s } } } }"""

DOCUMENTS = {
    # the benchmark's document: every field of a person, its company's, every one-to-many relation's
    "everything": BENCH,
    "companies everything": """query($m: String) { companies(filter: {name: {eq: $m}}) { edges { node { %c } } } }""",
    "aliases, fragments, typenames": """query($m: String) {
      a: people(filter: {city: {eq: $m}}, orderBy: [{position: DescNullsFirst}], first: 3) {
        __typename n: totalCount info: pageInfo { __typename end: endCursor hasNextPage }
        e: edges { __typename c: cursor node { __typename ...P nm: name { __typename l: lastName firstName }
          mail: emails { additionalEmails } co: company { __typename ...C k: id } companyId } } }
      b: people(filter: {city: {eq: $m}}, last: 2) { edges { node { id ...P } } pageInfo { hasPreviousPage startCursor } }
    }
    fragment P on Person { id jobTitle city name { firstName } phones { primaryPhoneCallingCode } }
    fragment C on Company { name address { addressLat addressCity __typename } annualRecurringRevenue { currencyCode } }""",
    "nested connections": """query($m: String) { companies(filter: {name: {eq: $m}}) { __typename edges { node { id
      p1: people(filter: {jobTitle: {like: "job%"}}, orderBy: [{name: {firstName: DescNullsLast}}], first: 2) {
        __typename totalCount edges { __typename cursor node { id name { firstName } } } }
      p2: people(filter: {jobTitle: {like: "job%"}}, orderBy: [{name: {firstName: DescNullsLast}}], first: 2) {
        edges { node { jobTitle company { name people(first: 1) { totalCount edges { node { id } } } } } } }
      opportunities(last: 2, orderBy: [{name: AscNullsFirst}]) { totalCount edges { node { name closeDate
        amount { amountMicros currencyCode } pointOfContact { name { lastName } } } } }
      taskTargets(offset: 1) { totalCount edges { node { id } } } } } } }""",
    "no company, empty relations": """query($m: String) { people(filter: {city: {eq: $m}, companyId: {is: NULL}}) {
      edges { node { id company { id name } companyId pointOfContactForOpportunities { totalCount edges { node { id } } } } } } }""",
    "nothing matches": """query($m: String) { people(filter: {city: {eq: $m}, jobTitle: {eq: "none"}}) {
      totalCount pageInfo { startCursor endCursor hasNextPage } edges { cursor node { id } } } }""",
    "root aggregates": """query($m: String) { opportunities(filter: {name: {startsWith: $m}}) {
      totalCount sumAmountAmountMicros minCloseDate countEmptyCloseDate percentageEmptyCloseDate edges { node { name } } } }""",
    # more keys than one call of the database's object function takes, null values among them
    "wide": """query($m: String) { people(filter: {city: {eq: $m}}, orderBy: [{position: AscNullsFirst}]) {
      edges { node { id %s } } } }""".replace("%s", " ".join(f"a{i}: jobTitle b{i}: deletedAt" for i in range(70))),
    "deleted records": """query($m: String) { people(filter: {city: {eq: $m}, deletedAt: {is: NOT_NULL}}) {
      edges { node { id deletedAt company { name } } } } }""",
}


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_database_rendering_answers_what_python_shaping_answers(
    api: Api, seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    query = DOCUMENTS[name].replace("%s", seeded["person"]).replace("%c", seeded["company_fields"])
    answer, rendered = _both(api, monkeypatch, query, {"m": seeded["m"]})
    assert rendered == len(answer["data"])  # every root connection took the database's rendering
    assert any(answer["data"].values())


def test_the_answers_hold_the_records(api: Api, seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    answer, _ = _both(api, monkeypatch, DOCUMENTS["nested connections"], {"m": seeded["m"]})
    node = answer["data"]["companies"]["edges"][0]["node"]
    assert node["p1"]["totalCount"] == 3 and len(node["p1"]["edges"]) == 2  # job 0, job 1, job 3 (2 has none, 4 deleted)
    assert [e["node"]["name"]["firstName"] for e in node["p1"]["edges"]] == [seeded["m"] + "3", seeded["m"] + "1"]
    assert [e["cursor"] for e in node["p1"]["edges"]] == [e["node"]["id"] for e in node["p1"]["edges"]]
    assert node["p1"]["edges"][0]["__typename"] == "PersonEdge" and node["p1"]["__typename"] == "PersonConnection"
    assert [e["node"]["name"] for e in node["opportunities"]["edges"]] == [seeded["m"] + "o1", seeded["m"] + "o2"]
    assert node["opportunities"]["totalCount"] == 3
    assert node["taskTargets"] == {"totalCount": 0, "edges": []}
    people = answer["data"]["companies"]["edges"][0]["node"]["p2"]["edges"]
    assert people[0]["node"]["company"]["people"]["totalCount"] == 4


FALLBACK = {
    "nested pageInfo": """query($m: String) { companies(filter: {name: {eq: $m}}) { edges { node {
      people(first: 2) { pageInfo { hasNextPage endCursor } edges { node { id } } } } } } }""",
    "nested aggregates": """query($m: String) { companies(filter: {name: {eq: $m}}) { edges { node {
      opportunities { sumAmountAmountMicros edges { node { id } } } } } } }""",
    "two edges": """query($m: String) { people(filter: {city: {eq: $m}}) { edges { cursor } more: edges { node { id } } } }""",
}


@pytest.mark.parametrize("name", list(FALLBACK))
def test_selections_the_database_does_not_render_are_shaped_in_python(
    api: Api, seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    answer, rendered = _both(api, monkeypatch, FALLBACK[name], {"m": seeded["m"]})
    assert rendered == 0
    assert any(answer["data"].values())


def test_cursor_pages_and_introspection_beside_records(
    api: Api, seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = """query($m: String, $after: String, $before: String, $first: Int, $last: Int) {
      people(filter: {city: {eq: $m}}, orderBy: [{name: {firstName: AscNullsFirst}}], first: $first, last: $last,
             after: $after, before: $before) {
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id name { firstName } } } } }"""
    ids = seeded["ids"]
    for args in ({"first": 2, "after": ids[1]}, {"last": 2, "before": ids[5]}, {"last": 3}, {"first": 0}):
        answer, rendered = _both(api, monkeypatch, page, {"m": seeded["m"], **args})
        assert rendered == 1
    with_schema = """query($m: String) { __schema { queryType { name } } people(filter: {city: {eq: $m}}) {
      edges { node { id company { name } } } } }"""
    answer, rendered = _both(api, monkeypatch, with_schema, {"m": seeded["m"]})
    assert rendered == 0 and answer["data"]["__schema"] == {"queryType": {"name": "Query"}}
