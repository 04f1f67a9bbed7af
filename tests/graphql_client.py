"""Posting documents to the core GraphQL API from the in-process tests."""

from __future__ import annotations

import uuid
from typing import Any

from conftest import Api


def marker() -> str:
    """A value no other test writes, to find a test's own records."""
    return "m" + uuid.uuid4().hex[:10]


def post(api: Api, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    """The whole answer (``data`` and ``errors``); GraphQL answers 200 whatever happened."""
    response = api.post("/graphql", json={"query": query, "variables": variables}, **kw)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def gql(api: Api, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    """``data`` of an answer that must have no errors."""
    body = post(api, query, variables, **kw)
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]
