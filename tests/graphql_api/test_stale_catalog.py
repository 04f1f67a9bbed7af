"""A request that meets tables of another shape than its catalog's runs again on the current
catalog, on every endpoint (REST, ``/graphql``, ``/metadata``), through the same helper; a
mutation document runs again only while nothing of it has written.

The stale catalog is made in process: the registry's cached catalog of the workspace gets an
object whose table does not exist, as a process that has not yet heard of a metadata change
would hold. In process, both databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from conftest import Api, Workspace
from graphql_client import gql, marker, post
from vingt.metadata.blueprint import ObjectSpec, materialize, text
from vingt.metadata.model import Catalog

SEARCH = """query($q: String!) { search(searchInput: $q, limit: 5) { edges { node { recordId } } } }"""


@pytest.fixture
def make_stale(api: Api, app_client: TestClient, workspace: Workspace) -> Iterator[Any]:
    assert api.get("/rest/people?limit=1").status_code == 200  # the workspace's catalog is cached
    registry = app_client.app.state.registry  # type: ignore[attr-defined]
    (ghost,) = materialize([ObjectSpec("ghost", "ghosts", "Ghost", "Ghosts", [text("name", "Name")], searchable=True)],
                           "2025-01-01T00:00:00.000Z", custom=True)

    def stale() -> Catalog:
        current = registry._catalogs[workspace.id]
        fake = Catalog(current.workspace_id, current.schema, current.version, [*current.objects, ghost])
        registry._catalogs[workspace.id] = fake
        return fake

    yield stale
    registry._catalogs.pop(workspace.id, None)  # whatever a test left, the next request reloads


def test_reads_on_a_stale_catalog_run_again_on_the_current_one(
    api: Api, app_client: TestClient, workspace: Workspace, make_stale: Any
) -> None:
    m = marker()
    r = api.post("/rest/notes", json={"title": m})
    assert r.status_code == 201, r.text
    note = r.json()["data"]["createNote"]["id"]
    registry = app_client.app.state.registry  # type: ignore[attr-defined]
    for path in ("/graphql", "/metadata"):
        fake = make_stale()
        r = api.post(path, json={"query": SEARCH, "variables": {"q": m}})
        assert r.status_code == 200 and r.json() == {"data": {"search": {"edges": [{"node": {"recordId": note}}]}}}, path
        assert registry._catalogs[workspace.id] is not fake
    make_stale()
    r = api.get("/rest/ghosts")  # the retried request knows no such object
    assert r.status_code == 400 and r.json()["error"]["code"] == "OBJECT_NOT_FOUND", r.text


def test_a_mutation_runs_again_only_while_nothing_of_it_has_written(api: Api, make_stale: Any) -> None:
    make_stale()
    body = post(api, 'mutation { createGhost(data: {name: "x"}) { id } }')
    # run again on the current catalog, where the document no longer validates
    assert [e["extensions"]["code"] for e in body["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    m = marker()
    make_stale()
    body = post(api, 'mutation { a: createNote(data: {title: "MARK"}) { id } b: createGhost(data: {name: "x"}) { id } }'
                .replace("MARK", m))
    assert body["data"]["a"]["id"] and body["data"]["b"] is None
    assert [(e["path"], e["extensions"]["subCode"]) for e in body["errors"]] == [(["b"], "SCHEMA_CHANGING")]
    notes = gql(api, "query($m: String) { notes(filter: {title: {eq: $m}}) { totalCount } }", {"m": m})
    assert notes["notes"]["totalCount"] == 1  # written once
