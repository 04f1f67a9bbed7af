"""The home page ``GET /`` (vingt/home.py): HTML, or JSON for ``Accept: application/json``,
with the version, the links, the health and, given a key, the workspace's objects."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

import vingt
from conftest import Workspace, assert_error, make_workspace
from vingt.app import create_app
from vingt.settings import Settings

JSON = {"Accept": "application/json"}
LINKS = {
    "home": "/",
    "reference": "/rest/docs",
    "openApiCore": "/rest/open-api/core",
    "openApiMetadata": "/rest/open-api/metadata",
    "graphql": "/graphql",
    "graphqlMetadata": "/metadata",
    "health": "/healthz",
    "ready": "/readyz",
}


def test_json_without_a_key(app_client: TestClient) -> None:
    r = app_client.get("/", headers=JSON)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["name"] == "Vingt" and body["version"] == vingt.__version__
    assert body["links"] == {k: "http://testserver" + v for k, v in LINKS.items()}
    assert body["health"] == {"status": "ready", "checks": {"database": "ok", "migrations": "ok"}}
    assert body["workspace"] is None


def test_every_link_answers(app_client: TestClient) -> None:
    links = app_client.get("/", headers=JSON).json()["links"]
    for name, url in links.items():
        r = app_client.get(url.removeprefix("http://testserver"))
        # the GraphQL endpoints answer a GET without a key with their GraphQL error body
        assert r.status_code == 200, (name, r.status_code)
        if name == "graphql":
            assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        if name == "graphqlMetadata":
            assert r.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # as Twenty's /metadata


def test_html_without_a_key(app_client: TestClient) -> None:
    for headers in ({}, {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}):
        r = app_client.get("/", headers=headers)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert r.headers["vary"] == "Accept"
        page = r.text
        assert f"version {vingt.__version__}" in page
        for path in LINKS.values():
            if path != "/":
                assert f'<a href="{path}">' in page
        assert "ready" in page and "database: ok" in page
        # how to list the objects, since a browser link cannot carry a key
        assert "Authorization: Bearer $KEY" in page and "./vingt apikey create --workspace ID" in page


def test_a_key_lists_the_workspaces_objects(app_client: TestClient, database_url: str) -> None:
    w = make_workspace(database_url, "Home <b>&</b>")
    auth = {"Authorization": f"Bearer {w.token}"}
    created = app_client.post(
        "/rest/metadata/objects",
        json={"nameSingular": "pet", "namePlural": "pets", "labelSingular": "Pet", "labelPlural": "<Pets & co>"},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    workspace = app_client.get("/", headers={**JSON, **auth}).json()["workspace"]
    assert workspace["id"] == w.id
    by_plural = {o["namePlural"]: o for o in workspace["objects"]}
    assert by_plural["people"] == {
        "nameSingular": "person", "namePlural": "people", "labelPlural": "People", "isCustom": False,
        "isSystem": False, "path": "/rest/people",
    }
    assert by_plural["pets"]["isCustom"] is True and by_plural["pets"]["labelPlural"] == "<Pets & co>"
    assert [o["namePlural"] for o in workspace["objects"]] == sorted(by_plural)
    # the HTML page lists them too, escaped
    page = app_client.get("/", headers=auth).text
    assert "<td>&lt;Pets &amp; co&gt;</td><td><code>/rest/pets</code></td><td>custom</td>" in page
    assert "<td>People</td><td><code>/rest/people</code></td><td>standard</td>" in page
    assert "<Pets" not in page


def test_a_bad_key_is_an_error(app_client: TestClient) -> None:
    r = app_client.get("/", headers={**JSON, "Authorization": "Bearer nope"})
    assert_error(r, 401, "UNAUTHENTICATED")


@pytest.fixture
def limited(database_url: str) -> Iterator[TestClient]:
    """The app with 2 requests per second and 2 per minute per workspace."""
    app = create_app(Settings(database_url=database_url, webhook_delivery=False, rate_limit_per_second=2,
                              rate_limit_per_minute=2, log_requests=False))
    with TestClient(app) as client:
        yield client


def test_rate_limited_only_with_a_key(limited: TestClient, workspace: Workspace) -> None:
    anonymous = [limited.get("/", headers=JSON) for _ in range(4)]
    assert [a.status_code for a in anonymous] == [200] * 4
    assert all("X-RateLimit-Limit" not in a.headers for a in anonymous)
    auth = {**JSON, "Authorization": f"Bearer {workspace.token}"}
    keyed = [limited.get("/", headers=auth) for _ in range(3)]
    assert [k.status_code for k in keyed] == [200, 200, 429]
    assert [k.headers["X-RateLimit-Remaining"] for k in keyed] == ["1", "0", "0"]
    assert_error(keyed[2], 429, "RATE_LIMITED")
