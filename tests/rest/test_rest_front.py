"""The REST catch-all's requests, and ``/graphql``'s, reach their endpoint without Starlette's routing
(``vingt.app.App``): they still pass the request log, the metrics and the URL bounds, and the
requests it does not take (other methods, the paths of other routes under ``/rest``) are answered
by the routes as before."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from conftest import Api, assert_error
from vingt.app import App


def routed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the requests that take Starlette's whole stack (its ``__call__``) from now on."""
    seen: list[str] = []
    real = Starlette.__call__

    async def call(self: Starlette, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            seen.append(scope["path"])
        await real(self, scope, receive, send)

    monkeypatch.setattr(Starlette, "__call__", call)
    return seen


def metrics(client: TestClient) -> dict[tuple[str, str, str], float]:
    """``vingt_http_requests_total`` by route, method and status."""
    r = client.get("/metrics")
    assert r.status_code == 200
    return {(s.labels["route"], s.labels["method"], s.labels["status"]): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples
            if s.name == "vingt_http_requests_total"}


def requests(counts: dict[tuple[str, str, str], float], route: str, method: str, status: int) -> float:
    return counts.get((route, method, str(status)), 0.0)


def test_a_rest_request_refused_by_the_bounds_is_logged_and_counted(api: Api, app_client: TestClient) -> None:
    before = metrics(app_client)
    query = "&".join(f"p{i}=1" for i in range(101))
    r = api.get(f"/rest/people?{query}", headers={"X-Request-Id": "bounds-1"})
    body = assert_error(r, 400, "TOO_MANY_PARAMETERS")
    assert body["error"]["details"] == {"limit": 100, "count": 101}
    assert r.headers["X-Request-Id"] == "bounds-1"  # and in the body (assert_error)
    after = metrics(app_client)
    # refused before any route: counted under the one name of unrouted requests
    assert requests(after, "unmatched", "GET", 400) - requests(before, "unmatched", "GET", 400) == 1
    assert requests(after, "/rest/{object}", "GET", 400) == requests(before, "/rest/{object}", "GET", 400)


def test_a_rest_request_is_counted_under_its_route_with_its_request_id(
    api: Api, app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = metrics(app_client)
    stack = routed(monkeypatch)
    r = api.post("/rest/companies", json={"name": "Front"}, headers={"X-Request-Id": "front-1"})
    assert r.status_code == 201 and r.headers["X-Request-Id"] == "front-1"
    record = r.json()["data"]["createCompany"]
    r = api.get(f"/rest/companies/{record['id']}")
    assert r.status_code == 200 and r.headers["ETag"] and len(r.headers["X-Request-Id"]) == 32
    assert stack == []  # neither took Starlette's routing
    after = metrics(app_client)
    assert requests(after, "/rest/{object}", "POST", 201) - requests(before, "/rest/{object}", "POST", 201) == 1
    assert requests(after, "/rest/{object}/{id}", "GET", 200) - requests(before, "/rest/{object}/{id}", "GET", 200) == 1


def test_what_the_catch_all_does_not_take_is_routed_as_before(api: Api, app_client: TestClient) -> None:
    app = app_client.app
    assert isinstance(app, App) and app.rest_route is not None
    assert "/rest/docs/assets" in app.mounted and "/rest/open-api/core" in app.claimed
    r = api.request("OPTIONS", "/rest/people")  # a method the route does not take: the router's 405
    assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["Allow"] and "X-Request-Id" in r.headers
    r = api.get("/rest/open-api/core")  # a route of its own under /rest
    assert r.status_code == 200 and r.json()["openapi"].startswith("3.")
    r = api.post("/rest/open-api/core", json={})  # the catch-all's 405 for it, as before
    assert_error(r, 405, "METHOD_NOT_ALLOWED")


def test_graphql_requests_take_the_same_front(api: Api, app_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_client.app
    assert isinstance(app, App) and app.graphql_route is not None and "POST" in app.graphql_methods
    before = metrics(app_client)
    stack = routed(monkeypatch)
    r = api.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-Id": "gql-1"})
    assert r.status_code == 200 and r.json() == {"data": {"__typename": "Query"}}
    assert stack == []
    assert r.headers["X-Request-Id"] == "gql-1"
    query = "&".join(f"p{i}=1" for i in range(101))
    assert_error(api.get(f"/graphql?{query}"), 400, "TOO_MANY_PARAMETERS")
    r = api.request("DELETE", "/graphql")  # a method the route does not take: the router's 405
    assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert stack == ["/graphql"]
    after = metrics(app_client)
    assert requests(after, "/graphql", "POST", 200) - requests(before, "/graphql", "POST", 200) == 1
    assert requests(after, "unmatched", "GET", 400) - requests(before, "unmatched", "GET", 400) == 1
