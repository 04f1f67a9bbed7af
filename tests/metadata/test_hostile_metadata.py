"""Hostile input on the metadata APIs (REST and GraphQL): a clear 4xx, never a 500.

Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

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
