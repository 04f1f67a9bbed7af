"""``GET /graphql`` from a browser: GraphiQL on the workspace's schema, served offline.

A GET that asks for HTML (``Accept: text/html``) and carries no ``query`` gets the page; any
other GET or POST is a GraphQL request. The assets ship inside the package
(``graphql_api/graphiql_assets/``, served under ``/graphql/assets/``), with their MIT licences
beside them: GraphiQL 4.0.3's UMD build (``graphiql.min.js``, ``graphiql.min.css``) and React
18.3.1's (``react.production.min.js``, ``react-dom.production.min.js``), from the npm registry.

The page asks for the API key once and keeps it in the browser's ``localStorage``; every
request it sends (the introspection, then the documents) carries it as ``Authorization: Bearer``.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

ASSETS = Path(__file__).with_name("graphiql_assets")
ASSET_FILES = ("graphiql.min.css", "graphiql.min.js", "react.production.min.js", "react-dom.production.min.js")


def wants_page(request: Request) -> bool:
    """A browser's GET of ``/graphql``: HTML accepted, no document in the query string."""
    if request.method != "GET" or "query" in request.query_params:
        return False
    return "text/html" in request.headers.get("accept", "")


def page(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE, headers={"Cache-Control": "no-cache"})


def routes() -> list[BaseRoute]:
    return [Mount("/graphql/assets", app=StaticFiles(directory=ASSETS), name="graphiql-assets")]


# Relative URLs: the page is /graphql, so "graphql/assets/…" is /graphql/assets/… and "graphql"
# is the endpoint itself, whatever prefix the server is mounted under.
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Vingt GraphQL</title>
  <link rel="stylesheet" href="graphql/assets/graphiql.min.css">
  <style>
    html, body { height: 100%; margin: 0; }
    body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
    #key { display: flex; gap: .5rem; align-items: center; padding: .4rem .8rem; border-bottom: 1px solid #ddd;
           font-size: 14px; }
    #key input { flex: 0 1 28rem; font: inherit; padding: .2rem .4rem; }
    #key .state { color: #666; }
    #graphiql { flex: 1; min-height: 0; }
  </style>
</head>
<body>
<form id="key" autocomplete="off">
  <strong>Vingt GraphQL</strong>
  <label for="api-key">API key</label>
  <input id="api-key" name="api-key" type="password" placeholder="paste the workspace's API key">
  <button type="submit">Use key</button>
  <button type="button" id="forget">Forget key</button>
  <span class="state" id="key-state"></span>
</form>
<div id="graphiql"></div>
<script src="graphql/assets/react.production.min.js"></script>
<script src="graphql/assets/react-dom.production.min.js"></script>
<script src="graphql/assets/graphiql.min.js"></script>
<script>
(function () {
  var STORE = "vingt.graphql.apiKey";
  var endpoint = new URL("graphql", window.location.href).href;
  var form = document.getElementById("key");
  var input = document.getElementById("api-key");
  var state = document.getElementById("key-state");
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  var generation = 0;

  function storedKey() {
    try { return window.localStorage.getItem(STORE) || ""; } catch (e) { return ""; }
  }
  function fetcher(params, options) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    var key = storedKey();
    if (key) { headers.Authorization = "Bearer " + key; }
    var extra = (options && options.headers) || {};
    Object.keys(extra).forEach(function (name) { headers[name] = extra[name]; });
    return fetch(endpoint, { method: "POST", headers: headers, body: JSON.stringify(params) })
      .then(function (response) { return response.json(); });
  }
  function render() {
    var key = storedKey();
    state.textContent = key ? "key saved in this browser" : "no key yet: requests are refused (UNAUTHENTICATED)";
    input.value = "";
    input.placeholder = key ? "\\u2022\\u2022\\u2022\\u2022 (saved; paste another to replace it)" : "paste the workspace's API key";
    generation += 1;  // a new GraphiQL fetches the schema again with the new key
    root.render(React.createElement(GraphiQL, {
      key: generation,
      fetcher: fetcher,
      defaultQuery: "query People {\\n  people(first: 5, orderBy: [{createdAt: DescNullsLast}]) {\\n" +
        "    totalCount\\n    edges {\\n      node {\\n        id\\n        name { firstName lastName }\\n" +
        "        company { name }\\n      }\\n    }\\n  }\\n}\\n"
    }));
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var key = input.value.trim().replace(/^Bearer\\s+/i, "");
    if (key) { window.localStorage.setItem(STORE, key); }
    render();
  });
  document.getElementById("forget").addEventListener("click", function () {
    window.localStorage.removeItem(STORE);
    render();
  });
  render();
})();
</script>
</body>
</html>
"""
