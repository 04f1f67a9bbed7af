"""Filters through relations on the core GraphQL API: to-one (``company: {name: …}``) and to-many
"some related record matches" (``people: {…}``), soft-deleted related records, relations inside
relations, the key's objects, and still one statement per root field. In process, both databases;
each test works on records marked with its own name.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.testclient import TestClient

from conftest import Api, Workspace
from graphql_client import gql, marker, post
from vingt.db.database import Stats, open_database
from vingt.db.url import parse_database_url
from vingt.workspaces import create_api_key


def fill(template: str, *values: str) -> str:
    """``template`` with each ``%s`` replaced by the next value (GraphQL braces left alone)."""
    for value in values:
        template = template.replace("%s", value, 1)
    return template


def rest(api: Api, method: str, path: str, body: Any = None) -> Any:
    r = api.request(method, path, json=body)
    assert r.status_code in (200, 201), r.text
    return r.json()["data"]


def company(api: Api, name: str, **fields: Any) -> str:
    return str(rest(api, "POST", "/rest/companies", {"name": name, **fields})["createCompany"]["id"])


def person(api: Api, first: str, city: str, company_id: str | None, job: str | None = None) -> str:
    body = {"name": {"firstName": first}, "city": city, "companyId": company_id, "jobTitle": job}
    return str(rest(api, "POST", "/rest/people", body)["createPerson"]["id"])


def ids(data: dict[str, Any], root: str) -> list[str]:
    return sorted(e["node"]["id"] for e in data[root]["edges"])


def test_to_one_filters_match_the_related_record_and_leave_out_deleted_ones(api: Api) -> None:
    m = marker()
    acme, other, gone = company(api, m + "acme", employees=50), company(api, m + "other", employees=5), company(api, m + "gone")
    a, b = person(api, "A", m, acme), person(api, "B", m, acme)
    o, g, nobody = person(api, "O", m, other), person(api, "G", m, gone), person(api, "N", m, None)
    rest(api, "DELETE", f"/rest/companies/{gone}?soft_delete=true")

    def people(flt: str) -> list[str]:
        return ids(gql(api, fill('{ people(filter: {city: {eq: "%s"}, %s}) { edges { node { id } } } }', m, flt)), "people")

    assert people(fill('company: {name: {eq: "%sacme"}}', m)) == sorted([a, b])
    assert people("company: {employees: {lt: 10}}") == [o]
    assert people(fill('company: {name: {startsWith: "%s"}}', m)) == sorted([a, b, o])  # not the deleted company's
    # a filter that mentions deletedAt reaches soft-deleted companies (and only says so for them)
    assert people("company: {deletedAt: {is: NOT_NULL}}") == [g]
    assert people(fill('or: [{company: {name: {eq: "%sother"}}}, {companyId: {is: NULL}}]', m)) == sorted([nobody, o])
    assert people(fill('not: {company: {name: {eq: "%sacme"}}}', m)) == sorted([o, g, nobody])
    # the same filter in a nested connection, in a total and in a bulk mutation
    data = gql(api, """query($id: UUID) { companies(filter: {id: {eq: $id}}) { edges { node {
      people(filter: {company: {employees: {gte: 50}}}) { totalCount } } } } }""", {"id": acme})
    assert data["companies"]["edges"][0]["node"]["people"]["totalCount"] == 2
    updated = gql(api, fill('mutation { updatePeople(filter: {company: {name: {eq: "%sother"}}}, data: {jobTitle: "X"}) '
                            "{ id jobTitle } }", m))["updatePeople"]
    assert updated == [{"id": o, "jobTitle": "X"}]


def test_to_many_filters_mean_some_live_related_record_matches(api: Api) -> None:
    m = marker()
    both, one_cto, none_ = company(api, m), company(api, m), company(api, m)
    person(api, "A", m, both, "CTO")
    person(api, "B", m, both, "CEO")
    deleted_cto = person(api, "C", m, one_cto, "CTO")
    person(api, "D", m, one_cto, "CEO")
    rest(api, "DELETE", f"/rest/people/{deleted_cto}?soft_delete=true")

    def companies(flt: str) -> list[str]:
        data = gql(api, fill('{ companies(filter: {name: {eq: "%s"}, %s}) { totalCount edges { node { id } } } }', m, flt))
        assert data["companies"]["totalCount"] == len(data["companies"]["edges"])
        return ids(data, "companies")

    assert companies('people: {jobTitle: {eq: "CTO"}}') == [both]  # the other CTO is soft-deleted
    assert companies('people: {jobTitle: {eq: "CTO"}, deletedAt: {is: NOT_NULL}}') == [one_cto]
    assert companies('people: {jobTitle: {eq: "CEO"}}') == sorted([both, one_cto])
    assert companies('not: {people: {jobTitle: {eq: "CEO"}}}') == [none_]  # no related record matches
    assert companies('people: {name: {firstName: {eq: "B"}}, jobTitle: {eq: "CEO"}}') == [both]
    # through two relations: companies some of whose people work at a company named m (all of them)
    assert companies(fill('people: {company: {name: {eq: "%s"}}}', m)) == sorted([both, one_cto])


def test_relation_filters_keep_one_statement_per_root_field(api: Api) -> None:
    m = marker()
    c = company(api, m)
    for i in range(3):
        person(api, f"P{i}", m, c, "CTO")
    query = """query($m: String) { companies(filter: {people: {company: {name: {eq: $m}}}, name: {eq: $m}}) {
      totalCount edges { node { id people(filter: {company: {name: {eq: $m}}}) { totalCount edges { node { id } } } } } } }"""
    gql(api, query, {"m": m})
    before = Stats.statements
    data = gql(api, query, {"m": m})
    assert Stats.statements - before == 1
    assert data["companies"]["totalCount"] == 1
    assert data["companies"]["edges"][0]["node"]["people"]["totalCount"] == 3


def test_bad_relation_filters_are_named(api: Api) -> None:
    deep = "{ people(filter: {company: {people: {company: {people: {city: {eq: \"x\"}}}}}}) { totalCount } }"
    body = post(api, deep)
    assert body["errors"][0]["extensions"]["subCode"] == "FILTER_TOO_COMPLEX", body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = post(api, "{ people(filter: {company: {}}) { totalCount } }")
    assert body["errors"][0]["extensions"]["subCode"] == "INVALID_FILTER", body


def test_a_key_limited_to_some_objects_cannot_filter_through_others(
    app_client: TestClient, database_url: str, workspace: Workspace
) -> None:
    async def mint() -> str:
        db = open_database(parse_database_url(database_url))
        await db.start()
        try:
            return (await create_api_key(db, workspace.id, "people only", None, "read", ["person"])).token
        finally:
            await db.close()

    limited = Api(app_client, asyncio.run(mint()))
    body = post(limited, '{ people(filter: {company: {name: {eq: "x"}}}) { totalCount } }')
    assert body["data"] == {"people": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert gql(limited, '{ people(filter: {city: {eq: "nowhere at all"}}) { totalCount } }') == {"people": {"totalCount": 0}}


# ---- regular expressions (every operator per field type: test_graphql_filter_table.py) ---------


def test_regex_operators_on_text(api: Api) -> None:
    m = marker()
    made = [person(api, first, m, None) for first in ("Ann", "anna", "Bob")]

    def people(flt: str) -> list[str]:
        return ids(gql(api, fill('{ people(filter: {city: {eq: "%s"}, %s}) { edges { node { id } } } }', m, flt)),
                   "people")

    assert people('name: {firstName: {regex: "^A"}}') == [made[0]]
    assert people('name: {firstName: {iregex: "^an+a?$"}}') == sorted(made[:2])
    assert people('name: {firstName: {regex: "b$"}}') == [made[2]]
    body = post(api, '{ people(filter: {name: {firstName: {regex: "("}}}) { totalCount } }')
    assert body["data"] == {"people": None}
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
