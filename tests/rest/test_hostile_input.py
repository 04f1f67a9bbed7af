"""Hostile input on the record API: values built to break parsing, limits or the error body.

Each one must end in a clear 4xx (or the documented clamp), never a 500 or a dropped
connection. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error

HUGE_LIMIT = "9" * 4301  # past Python's int-from-string digit limit


def _raw(prefix: str, levels: int, suffix: str) -> dict[str, Any]:
    """Request kwargs for a body too deep for the test client's own JSON encoder."""
    text = prefix + "[" * levels + "1" + "]" * levels + suffix
    return {"content": text.encode(), "headers": {"Content-Type": "application/json"}}


def _nested(levels: int, leaf: Any = 1, key: str | None = None) -> Any:
    value = leaf
    for _ in range(levels):
        value = {key: value} if key is not None else [value]
    return value


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/rest/people", {}),
        ("/rest/people/groupBy", {"groupBy": json.dumps([{"city": True}])}),
        ("/rest/metadata/objects", {}),
        ("/rest/metadata/fields", {}),
    ],
)
def test_a_limit_with_thousands_of_digits_is_clamped_like_any_huge_limit(
    api: Api, path: str, params: dict[str, str]
) -> None:
    huge = api.get(path, params={**params, "limit": HUGE_LIMIT})
    assert huge.status_code == 200, huge.text[:500]
    large = api.get(path, params={**params, "limit": "99999"})
    assert large.status_code == 200, large.text[:500]
    assert huge.json() == large.json()
    padded = api.get(path, params={**params, "limit": "0" * 5000 + "1"})
    assert padded.status_code == 200, padded.text[:500]
    assert padded.json() == api.get(path, params={**params, "limit": "1"}).json()


def test_a_limit_with_thousands_of_non_digits_is_a_bounded_400(api: Api) -> None:
    body = assert_error(api.get("/rest/people", params={"limit": "x" * 10_000}), 400, "INVALID_LIMIT")
    assert len(json.dumps(body)) < 10_000


@pytest.mark.parametrize("levels", [65, 253, 254, 2000])
def test_deeply_nested_bodies_are_refused_by_name(api: Api, levels: int) -> None:
    r = api.post("/rest/people", **_raw('{"city":', levels, "}"))  # type: ignore[arg-type]
    body = assert_error(r, 400, "JSON_TOO_DEEP")
    assert body["error"]["details"] == {"limit": 64}


def test_nesting_inside_strings_does_not_count(api: Api) -> None:
    r = api.post("/rest/people", json={"city": "[" * 500 + "{" * 500})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createPerson"]["city"] == "[" * 500 + "{" * 500


def test_moderate_nesting_still_reaches_validation(api: Api) -> None:
    assert_error(api.post("/rest/people", json={"city": _nested(60)}), 400, "VALIDATION_ERROR")


def test_an_integer_past_64_bits_in_error_details_is_rendered(api: Api) -> None:
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    r = api.patch(
        "/rest/people/merge",
        content=b'{"ids": ' + json.dumps(ids).encode() + b', "conflictPriorityIndex": 18446744073709551616}',
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500, r.text
    assert_error(r, r.status_code, r.json()["error"]["code"])


@pytest.mark.parametrize("levels", [100, 255, 990])
def test_deep_raw_json_is_refused(api: Api, levels: int) -> None:
    kw = _raw('{"name":"x","properties":{"a":', levels, "}}")
    assert_error(api.post("/rest/timelineActivities", **kw), 400, "JSON_TOO_DEEP")  # type: ignore[arg-type]
    kw = _raw('{"createdBy":{"source":"API","context":{"a":', levels, "}}}")
    assert_error(api.post("/rest/people", **kw), 400, "JSON_TOO_DEEP")  # type: ignore[arg-type]


def test_raw_json_within_the_bound_is_stored(api: Api) -> None:
    value = _nested(60, key="a")
    r = api.post("/rest/timelineActivities", json={"name": "x", "properties": value})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createTimelineActivity"]["properties"] == value


def test_the_error_body_renders_any_details() -> None:
    from vingt.errors import ApiError

    deep: Any = _nested(300)
    body = json.loads(ApiError("INVALID_BODY", "x" * 5000, {"v": deep, "n": 2**64, "big": 10**5000, "o": object()}).render())
    details = body["error"]["details"]
    assert details["n"] == str(2**64) and details["big"] == "(integer too large)"
    assert isinstance(details["o"], str)
    assert len(body["error"]["message"]) <= 1001


def test_a_url_past_the_bound_is_refused_before_routing(api: Api) -> None:
    body = assert_error(api.get("/rest/people", params={"filter": "a" * 17_000}), 400, "URL_TOO_LONG")
    assert body["error"]["details"] == {"limit": 16_384}
    assert_error(api.get("/rest/" + "x" * 17_000), 400, "URL_TOO_LONG")
    under = api.get("/rest/people", params={"limit": "0" * 16_000 + "1"})  # just under the bound: served
    assert under.status_code == 200, under.text[:300]


def test_too_many_query_parameters_are_refused_by_name(api: Api) -> None:
    body = assert_error(api.get("/rest/people?" + "&".join(f"p{i}=1" for i in range(101))), 400, "TOO_MANY_PARAMETERS")
    assert body["error"]["details"] == {"limit": 100, "count": 101}
    # empty pieces are no parameters; at the bound the request is parsed (and its names checked)
    assert api.get("/rest/people?" + "&" * 300 + "limit=1").status_code == 200
    assert_error(api.get("/rest/people?" + "&".join(["limit=1"] * 100)), 400, "INVALID_PARAMETER")
