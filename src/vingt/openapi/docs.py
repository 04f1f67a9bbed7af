"""``GET /rest/docs``: Swagger UI on the core (and metadata) document, served offline.

The JS and CSS come from the ``swagger-ui-py`` package (Swagger UI's dist files, with
OpenAPI 3.1 support) and are served by the app under ``/rest/docs/assets/``. The page asks
for no token up front: it shows the document of the standard objects
(``/rest/docs/standard/core``), and **Authorize** (the bearer token) reloads the document
with the workspace's own objects; "Try it out" then calls this server.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ASSET_FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")


def assets_directory() -> Path | None:
    """Swagger UI's dist directory inside the installed ``swagger_ui`` package."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        static = Path(location) / "static"
        if all((static / name).is_file() for name in ASSET_FILES):
            return static
    return None


# Relative URLs: the page is /rest/docs, so "docs/assets/…" is /rest/docs/assets/… and
# "open-api/core" is /rest/open-api/core, whatever prefix the server is mounted under.
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Vingt REST API reference</title>
  <link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
  <style>body { margin: 0; }</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/swagger-ui-standalone-preset.js"></script>
<script>
(function () {
  var DOCUMENT = /(^|\\/)open-api\\/(core|metadata)(\\?|$)/;
  function storedToken() {
    try {
      var auth = JSON.parse(window.localStorage.getItem("authorized") || "{}");
      return (auth.bearerAuth && auth.bearerAuth.value) || null;
    } catch (e) {
      return null;
    }
  }
  var token = storedToken();
  // Authorize / Logout reload the document: with a token it lists the workspace's objects
  var ReloadOnAuth = function (system) {
    return {
      statePlugins: {
        auth: {
          wrapActions: {
            authorize: function (original) {
              return function (payload) {
                var result = original(payload);
                if (payload && payload.bearerAuth && payload.bearerAuth.value) {
                  token = payload.bearerAuth.value;
                  system.specActions.download();
                }
                return result;
              };
            },
            logout: function (original) {
              return function (payload) {
                var result = original(payload);
                token = null;
                system.specActions.download();
                return result;
              };
            }
          }
        }
      }
    };
  };
  window.ui = SwaggerUIBundle({
    urls: [
      { url: "open-api/core", name: "Records (core)" },
      { url: "open-api/metadata", name: "Metadata" }
    ],
    "urls.primaryName": "Records (core)",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl, ReloadOnAuth],
    layout: "StandaloneLayout",
    persistAuthorization: true,
    docExpansion: "none",
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    filter: true,
    validatorUrl: null,
    requestInterceptor: function (request) {
      if (DOCUMENT.test(request.url)) {
        if (token) {
          request.headers.Authorization = "Bearer " + token;
        } else {
          // before a key is entered: the standard objects' document (the skeleton has none)
          request.url = request.url.replace(DOCUMENT, "$1docs/standard/$2$3");
        }
      }
      return request;
    }
  });
})();
</script>
</body>
</html>
"""

MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vingt REST API</title></head>
<body><p>The reference page needs the <code>swagger-ui-py</code> package, which is not installed.
The OpenAPI document itself is at <a href="open-api/core">/rest/open-api/core</a>.</p></body></html>
"""
