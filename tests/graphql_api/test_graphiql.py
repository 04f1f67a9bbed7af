"""The GraphiQL page at ``GET /graphql`` for a browser: served offline (every asset from this
server, licences shipped beside them), the key kept in the browser and sent as a bearer token;
a GET carrying ``query`` is still a GraphQL request. Rendering and running a query in Chromium:
scripts/screenshots.py (docs/graphiql.png)."""

from __future__ import annotations

import re
from importlib import resources

from starlette.testclient import TestClient

from conftest import Api

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_graphiql_page_and_its_assets_are_served_offline(app_client: TestClient) -> None:
    page = app_client.get("/graphql", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<title>Vingt GraphQL</title>" in html and 'id="graphiql"' in html and 'id="api-key"' in html
    # the key: kept in localStorage, sent as a bearer token
    assert "localStorage.setItem(STORE, key)" in html and '"Bearer " + key' in html
    # nothing is fetched from elsewhere: no absolute URL in the page at all
    assert not re.search(r"(?:https?:)?//[a-z0-9]", html, re.IGNORECASE)
    assets = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert sorted(assets) == ["graphql/assets/graphiql.min.css", "graphql/assets/graphiql.min.js",
                              "graphql/assets/react-dom.production.min.js", "graphql/assets/react.production.min.js"]
    kinds = set()
    for asset in assets:
        r = app_client.get("/" + asset)  # relative to /graphql
        assert r.status_code == 200, asset
        assert len(r.content) > 10_000, asset
        kinds.add(r.headers["content-type"].split(";")[0])
    assert kinds == {"text/css", "text/javascript"} or kinds == {"text/css", "application/javascript"}
    assert app_client.get("/graphql/assets/nope.js").status_code == 404


def test_graphiql_assets_ship_with_their_mit_licences() -> None:
    shipped = resources.files("vingt.graphql_api") / "graphiql_assets"
    for name in ("LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"):
        text = (shipped / name).read_text()
        assert text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text
    assert "GraphiQL" in (shipped / "graphiql.min.js").read_text()[:2000]


def test_get_with_a_query_or_without_html_is_still_graphql(api: Api) -> None:
    r = api.get("/graphql", params={"query": "{ people(first: 1) { totalCount } }"}, headers=BROWSER)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert isinstance(r.json()["data"]["people"]["totalCount"], int)
    # a GET without HTML in Accept and without a document is a GraphQL request missing its query
    r = api.get("/graphql", headers={"Accept": "application/json"})
    assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    # POST is never the page
    r = api.post("/graphql", json={"query": "{ __typename }"}, headers=BROWSER)
    assert r.json() == {"data": {"__typename": "Query"}}
