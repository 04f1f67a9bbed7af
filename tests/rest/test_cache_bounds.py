"""Per-catalog caches stay within their bounds, and superseded catalogs are collected.

Compiled statements and planned selections are cached per catalog, keyed by request shape;
``statement_cache_size`` and ``selection_cache_size`` bound them (least recently used
entries go first). A ``fields`` projection is keyed as a set: the same fields in another
order or repeated share one selection and one statement (records render their fields in
metadata order either way). A metadata change replaces the catalog; the old one, with its
caches, must then be garbage.
"""

from __future__ import annotations

import gc
import random
import uuid
import weakref
from typing import Any

from starlette.testclient import TestClient

from conftest import Api
from vingt.metadata.model import Catalog

SHAPES = 5_000


def _catalog(app_client: TestClient, api: Api) -> Catalog:
    assert api.get("/rest/people?limit=1").status_code == 200
    registry = app_client.app.state.registry  # type: ignore[attr-defined]
    token = api.headers["Authorization"].split(" ", 1)[1]
    workspace_id = registry._tokens[token][0]
    return registry._catalogs[workspace_id]  # type: ignore[no-any-return]


def _sizes(catalog: Catalog) -> dict[Any, int]:
    return {key: len(cache) for key, cache in catalog.derived.items() if hasattr(cache, "size")}


def _person_fields(api: Api) -> list[str]:
    r = api.post("/rest/people", json={"name": {"firstName": "Ada", "lastName": "Lovelace"}})
    assert r.status_code == 201, r.text
    record = r.json()["data"]["createPerson"]
    return sorted(k for k, v in record.items() if not isinstance(v, list))


def test_caches_stay_within_their_bounds(app_client: TestClient, api: Api) -> None:
    names = _person_fields(api)
    assert len(names) >= 12, names
    rng = random.Random(20)
    shapes: set[tuple[str, ...]] = set()
    while len(shapes) < SHAPES:
        shapes.add(tuple(rng.sample(names, rng.randint(2, 6))))
    catalog = _catalog(app_client, api)
    bounds = {("sql", app_client.app.state.dialect.name): catalog.statement_cache_size,  # type: ignore[attr-defined]
              "selections": catalog.selection_cache_size}
    distinct_sets = {frozenset(s) for s in shapes}
    assert len(distinct_sets) > 2 * max(bounds.values())
    for shape in sorted(shapes):
        r = api.get("/rest/people?limit=1&fields=" + ",".join(shape))
        assert r.status_code == 200, r.text
    assert _catalog(app_client, api) is catalog, "the catalog changed under the test"
    sizes = _sizes(catalog)
    for key, bound in bounds.items():
        assert 0 < sizes[key] <= bound, (key, sizes)


def test_field_order_shares_one_selection_and_statement(app_client: TestClient, api: Api) -> None:
    names = _person_fields(api)[:5]
    catalog = _catalog(app_client, api)
    first = api.get("/rest/people?limit=3&fields=" + ",".join(names))
    assert first.status_code == 200, first.text
    before = _sizes(catalog)
    rng = random.Random(5)
    for _ in range(10):
        shuffled = rng.sample(names, len(names))
        r = api.get("/rest/people?limit=3&fields=" + ",".join([*shuffled, shuffled[0]]))
        assert r.status_code == 200, r.text
        assert r.content == first.content
    assert _sizes(catalog) == before


def test_superseded_catalogs_are_collected(app_client: TestClient, api: Api) -> None:
    objects = api.get("/rest/metadata/objects").json()["data"]["objects"]
    person_id = next(o["id"] for o in objects if o["nameSingular"] == "person")
    old: list[weakref.ref[Catalog]] = []
    for i in range(20):
        old.append(weakref.ref(_catalog(app_client, api)))
        name = "cache" + uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop")) + "abcdefghijklmnopqrst"[i]
        r = api.post("/rest/metadata/fields", json={
            "objectMetadataId": person_id, "type": "TEXT", "name": name, "label": f"Cache {i}",
        })
        assert r.status_code == 201, r.text
    current = _catalog(app_client, api)
    gc.collect()
    alive = [ref for ref in old if ref() is not None and ref() is not current]
    assert not alive, f"{len(alive)} of {len(old)} superseded catalogs survived gc.collect()"
