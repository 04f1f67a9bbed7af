"""Hostile input on the record API: values built to break parsing, limits or the error body.

Each one must end in a clear 4xx (or the documented clamp), never a 500 or a dropped
connection. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
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
