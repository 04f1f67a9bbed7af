"""``GET /``: the home page — the version, where the API reference, the OpenAPI documents and
GraphQL are, the health, and with an ``Authorization: Bearer`` key the workspace's objects.

HTML by default, JSON for ``Accept: application/json``. Without a key it is not counted in
any workspace's rate limits; with one it costs one unit, like any request of the workspace. A
browser cannot put a key in the header, so the HTML page says how to list the objects."""

from __future__ import annotations

from html import escape
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from vingt import __version__
from vingt.errors import ApiError
from vingt.metadata.model import Catalog
from vingt.ratelimit import spend_rate, with_rate_headers
from vingt.readiness import readiness

# (key in the JSON links, path, what it is)
LINKS = (
    ("reference", "/rest/docs", "API reference (Swagger UI, works offline)"),
    ("openApiCore", "/rest/open-api/core", "OpenAPI document of the record API"),
    ("openApiMetadata", "/rest/open-api/metadata", "OpenAPI document of the metadata API"),
    ("graphql", "/graphql", "the core GraphQL API (GraphiQL in a browser)"),
    ("graphqlMetadata", "/metadata", "metadata GraphQL (POST a query)"),
    ("health", "/healthz", "liveness"),
    ("ready", "/readyz", "readiness: database, migrations, Redis"),
)


def _objects(catalog: Catalog) -> list[dict[str, Any]]:
    objects = sorted((o for o in catalog.objects if o.is_active), key=lambda o: o.name_plural)
    return [
        {
            "nameSingular": o.name_singular,
            "namePlural": o.name_plural,
            "labelPlural": o.label_plural,
            "isCustom": o.is_custom,
            "isSystem": o.is_system,
            "path": f"/rest/{o.name_plural}",
        }
        for o in objects
    ]


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


async def home(request: Request) -> Response:
    authorization = request.headers.get("authorization")
    workspace: dict[str, Any] | None = None
    try:
        if authorization:
            principal = await request.app.state.registry.authenticate(authorization)
            request.state.workspace_id = principal.workspace_id  # for the request log
            await spend_rate(request, principal.workspace_id, 1)
            workspace = {"id": principal.workspace_id, "objects": _objects(principal.catalog)}
    except ApiError as exc:
        error = Response(exc.render(), status_code=exc.status, media_type="application/json", headers=exc.headers)
        return with_rate_headers(request, error)
    base = str(request.base_url).rstrip("/")
    ready, checks = await readiness(request.app)
    body = {
        "name": "Vingt",
        "version": __version__,
        "links": {"home": f"{base}/", **{key: base + path for key, path, _ in LINKS}},
        "health": {"status": "ready" if ready else "unavailable", "checks": checks},
        "workspace": workspace,
    }
    if _wants_json(request):
        response: Response = Response(orjson.dumps(body), media_type="application/json", headers={"Vary": "Accept"})
    else:
        response = HTMLResponse(page(body, base), headers={"Vary": "Accept"})
    return with_rate_headers(request, response)


def page(body: dict[str, Any], base: str) -> str:
    links = "\n".join(
        f'    <li><a href="{escape(path)}">{escape(path)}</a> — {escape(what)}</li>' for _, path, what in LINKS
    )
    health = body["health"]
    checks = ", ".join(f"{escape(k)}: {escape(v)}" for k, v in health["checks"].items())
    workspace = body["workspace"]
    if workspace is None:
        objects = (
            "<p>Send an API key to list your workspace's objects (a browser link cannot carry one):</p>\n"
            f"<pre>curl -H 'Accept: application/json' -H \"Authorization: Bearer $KEY\" {escape(base)}/</pre>\n"
            "<p>In the API reference, paste the key in <b>Authorize</b>: it then shows your workspace's "
            "own objects. A new key: <code>./vingt apikey create --workspace ID</code> "
            "(<code>./vingt workspace list</code> gives the ids).</p>"
        )
    else:
        rows = "\n".join(
            f"    <tr><td>{escape(o['labelPlural'])}</td><td><code>{escape(o['path'])}</code></td>"
            f"<td>{'custom' if o['isCustom'] else 'standard'}</td></tr>"
            for o in workspace["objects"]
        )
        objects = (
            f"<p>Workspace <code>{escape(workspace['id'])}</code>: {len(workspace['objects'])} objects.</p>\n"
            f"<table>\n    <tr><th>Object</th><th>Route</th><th></th></tr>\n{rows}\n</table>"
        )
    return PAGE.format(
        version=escape(body["version"]),
        links=links,
        status=escape(health["status"]),
        status_class="ok" if health["status"] == "ready" else "bad",
        checks=checks,
        objects=objects,
    )


PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Vingt</title>
  <style>
    body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
    h1 {{ margin-bottom: 0; }}
    .version {{ color: #666; margin-top: 0; }}
    .ok {{ color: #177a2c; }} .bad {{ color: #b3261e; }}
    pre, code {{ background: #f3f3f3; border-radius: 3px; padding: 0 .2em; }}
    pre {{ padding: .5em; white-space: pre-wrap; word-break: break-all; }}
    table {{ border-collapse: collapse; }} td, th {{ padding: .1em .8em .1em 0; text-align: left; }}
  </style>
</head>
<body>
  <h1>Vingt</h1>
  <p class="version">version {version} · a CRM server that speaks Twenty's API</p>
  <p>Health: <b class="{status_class}">{status}</b> ({checks})</p>
  <h2>Links</h2>
  <ul>
{links}
  </ul>
  <h2>Objects</h2>
  {objects}
  <p>This page as JSON: <code>Accept: application/json</code>.</p>
</body>
</html>
"""
