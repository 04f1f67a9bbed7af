"""Request ids and the request log (vingt/requestlog.py): the id echoed on every answer and put in
error bodies; one log line per request, as text or JSON, from a real server's stderr."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

import live_server
from conftest import Api
from vingt.requestlog import route_template


def test_a_given_request_id_is_echoed(api: Api) -> None:
    r = api.get("/rest/people", headers={"X-Request-Id": "trace-42/abc"})
    assert r.status_code == 200 and r.headers["X-Request-Id"] == "trace-42/abc"


def test_a_missing_or_unusable_id_is_replaced_by_a_new_one(api: Api) -> None:
    ids = {api.get("/rest/people").headers["X-Request-Id"] for _ in range(3)}
    assert len(ids) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    for bad in ("x" * 129, "has space", ""):
        given = api.get("/rest/people", headers={"X-Request-Id": bad}).headers["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{32}", given), bad


def test_error_bodies_carry_the_request_id(api: Api) -> None:
    r = api.get(f"/rest/people/{uuid.uuid4()}", headers={"X-Request-Id": "find-me"})
    assert r.status_code == 404
    assert r.json()["error"]["details"]["requestId"] == "find-me" == r.headers["X-Request-Id"]
    r = api.get("/rest/nothings")
    assert r.json()["error"]["details"]["requestId"] == r.headers["X-Request-Id"]


@pytest.mark.parametrize(("path", "template"), [
    ("/rest/people", "/rest/{object}"),
    ("/rest/people/7f3c2a10-5b4e-4d8a-9c61-2e8f0b7d4a35", "/rest/{object}/{id}"),
    ("/rest/batch/companies", "/rest/batch/{object}"),
    ("/rest/restore/people/7f3c2a10-5b4e-4d8a-9c61-2e8f0b7d4a35", "/rest/restore/{object}/{id}"),
    ("/rest/people/duplicates", "/rest/{object}/duplicates"),
    ("/rest/metadata/objects/7f3c2a10-5b4e-4d8a-9c61-2e8f0b7d4a35", "/rest/metadata/objects/{id}"),
    ("/rest/webhooks/7f3c2a10-5b4e-4d8a-9c61-2e8f0b7d4a35/deliveries", "/rest/webhooks/{id}/deliveries"),
    ("/rest/events", "/rest/events"),
    ("/metadata", "/metadata"),
    ("/healthz", "/healthz"),
])
def test_route_templates_abstract_names_and_ids(path: str, template: str) -> None:
    assert route_template(path) == template


@pytest.mark.e2e
@pytest.mark.parametrize("log_format", ["json", "text"])
def test_one_line_per_request_on_stderr(log_format: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log.db'}"
    server = live_server.Server(url, tmp_path / "serve.log", env={"VINGT_LOG_FORMAT": log_format})
    try:
        assert server.key
        with server.client(server.key) as c:
            pid = uuid.uuid4()
            assert c.get(f"/rest/people/{pid}", headers={"X-Request-Id": "line-1"}).status_code == 404
            assert c.get("/rest/people", headers={"X-Request-Id": "line-2"}).status_code == 200
            workspace = c.get("/rest/metadata/objects", params={"limit": "1"}).json()["data"]["objects"][0][
                "workspaceId"]
    finally:
        server.stop()
    lines = server.log_path.read_text().splitlines()
    if log_format == "json":
        records = [json.loads(line) for line in lines if line.startswith("{")]
        by_id = {r["requestId"]: r for r in records}
        assert by_id["line-1"]["route"] == "/rest/{object}/{id}" and by_id["line-1"]["status"] == 404
        assert by_id["line-2"] == {**by_id["line-2"], "method": "GET", "route": "/rest/{object}", "status": 200,
                                   "workspaceId": workspace}
        assert isinstance(by_id["line-2"]["durationMs"], float)
    else:
        [line] = [line for line in lines if line.endswith("request=line-2")]
        assert re.fullmatch(rf"GET /rest/{{object}} 200 \d+\.\dms workspace={workspace} request=line-2", line)
