"""Hostile input on the metadata APIs (REST and GraphQL): a clear 4xx, never a 500.

Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import Api, assert_error

MAX_BODY = 10 * 1024 * 1024


def test_graphql_get_with_invalid_variables_is_a_400(api: Api) -> None:
    r = api.get("/metadata", params={"query": "{__typename}", "variables": "{not"})
    assert r.status_code == 400, r.text
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["extensions"]["vingtCode"] == "INVALID_JSON"


def test_graphql_get_with_valid_variables_still_runs(api: Api) -> None:
    r = api.get("/metadata", params={"query": "{__typename}", "variables": "{}"})
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"__typename": "Query"}


def test_graphql_post_over_the_body_limit_is_refused(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query":"{__typename}","variables":{"x":"'
        for _ in range(11):
            yield b"x" * (1024 * 1024)
        yield b'"}}'

    r = api.post("/metadata", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    error = r.json()["errors"][0]
    assert error["extensions"]["vingtCode"] == "PAYLOAD_TOO_LARGE"
    assert error["extensions"]["details"] == {"limit": MAX_BODY}


def test_graphql_deeply_nested_variables_are_refused(api: Api) -> None:
    body = '{"query":"{__typename}","variables":{"x":' + "[" * 300 + "1" + "]" * 300 + "}}"
    r = api.post("/metadata", content=body.encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["extensions"]["vingtCode"] == "JSON_TOO_DEEP"


def test_a_name_with_a_trailing_newline_is_refused(api: Api) -> None:
    body = {"nameSingular": "widgetnl\n", "namePlural": "widgetnls", "labelSingular": "W", "labelPlural": "Ws"}
    assert_error(api.post("/rest/metadata/objects", json=body), 400, "INVALID_METADATA_INPUT")
    body = {**body, "nameSingular": "widgetnl", "namePlural": "widgetnls\n"}
    assert_error(api.post("/rest/metadata/objects", json=body), 400, "INVALID_METADATA_INPUT")


def test_a_document_of_thousands_of_aliases_is_refused(api: Api) -> None:
    """One document must not list every object and field thousands of times (hardening §6)."""
    alias = "objects(paging: {first: 1000}) { edges { node { id fields(paging: {first: 1000}) { edges { node { id } } } } } }"
    query = "{ " + " ".join(f"a{i}: {alias}" for i in range(2000)) + " }"
    r = api.post("/metadata", json={"query": query})
    assert r.status_code == 400, r.text[:300]
    error = r.json()["errors"][0]
    assert error["extensions"]["vingtCode"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["details"] == {"bound": "rootFields", "limit": 20, "received": 2000}
    assert api.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("query", "bound"),
    [
        # a fragment spread many times, each spread many times: exponential if expanded blindly
        ("{ objects { edges { node { ...A } } } } fragment A on Object { ...B ...B ...B ...B ...B ...B ...B ...B } "
         "fragment B on Object { ...C ...C ...C ...C ...C ...C ...C ...C } "
         "fragment C on Object { ...D ...D ...D ...D ...D ...D ...D ...D } "
         "fragment D on Object { ...E ...E ...E ...E ...E ...E ...E ...E } fragment E on Object { id nameSingular }",
         "selectedFields"),
        ("{ objects { edges { node { fields { edges { node { object { fields { edges { node { object { fields "
         "{ edges { node { id } } } } } } } } } } } } } } }", "depth"),
    ],
)
def test_costly_documents_are_refused_cheaply(api: Api, query: str, bound: str) -> None:
    r = api.post("/metadata", json={"query": query})
    assert r.status_code == 400, r.text[:300]
    extensions = r.json()["errors"][0]["extensions"]
    assert extensions["vingtCode"] == "QUERY_TOO_COMPLEX" and extensions["details"]["bound"] == bound


def test_a_fragment_cycle_is_a_validation_error_not_a_crash(api: Api) -> None:
    query = "{ objects { edges { node { ...A } } } } fragment A on Object { ...A }"
    r = api.post("/metadata", json={"query": query})
    assert r.status_code == 400, r.text[:300]
    assert r.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_an_ordinary_metadata_query_is_within_the_bounds(api: Api) -> None:
    query = ("{ objects(paging: {first: 100}) { edges { node { id nameSingular namePlural labelSingular isActive "
             "fields(paging: {first: 1000}) { edges { node { id name type label isNullable options settings "
             "relation { type targetObjectMetadata { id nameSingular } targetFieldMetadata { id name } } } } } } } } }")
    r = api.post("/metadata", json={"query": query})
    assert r.status_code == 200, r.text[:300]
    assert not r.json().get("errors")
