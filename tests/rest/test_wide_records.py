"""A record with more fields than one JSON-building call of the database takes (SQLite's
``json_object`` is rendered in chunks of 60 pairs, PostgreSQL's ``json_build_object`` in chunks of
50): every key is rendered, null values included, in field order. Both databases."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Api
from graphql_client import marker

WIDTH = 64


@pytest.fixture(scope="module")
def wide(api: Api) -> dict[str, Any]:
    singular = "wide" + marker().lower().replace("-", "")[:8]
    r = api.post("/rest/metadata/objects", json={
        "nameSingular": singular, "namePlural": singular + "s", "labelSingular": "Wide", "labelPlural": "Wides",
    })
    assert r.status_code == 201, r.text
    obj = r.json()["data"]["createOneObject"]
    for i in range(WIDTH):
        r = api.post("/rest/metadata/fields", json={
            "objectMetadataId": obj["id"], "type": "TEXT", "name": f"t{i}", "label": f"T{i}",
        })
        assert r.status_code == 201, r.text
    return obj


def test_every_key_of_a_wide_record_is_rendered_nulls_included(api: Api, wide: dict[str, Any]) -> None:
    singular, plural = wide["nameSingular"], wide["namePlural"]
    # every third field set, the others null: nulls fall in every chunk of the rendering
    body = {f"t{i}": f"v{i}" for i in range(0, WIDTH, 3)}
    r = api.post(f"/rest/{plural}", json={"name": "wide", **body})
    assert r.status_code == 201, r.text
    created = r.json()["data"]["create" + singular[0].upper() + singular[1:]]
    r = api.get(f"/rest/{plural}/{created['id']}")
    assert r.status_code == 200, r.text
    read = r.json()["data"][singular]
    listed = api.get(f"/rest/{plural}", params={"filter": f"id[eq]:{created['id']}"}).json()["data"][plural]
    for record in (created, read, listed[0]):
        texts = [k for k in record if k.startswith("t") and k[1:].isdigit()]
        assert texts == [f"t{i}" for i in range(WIDTH)]
        assert {k: record[k] for k in texts} == {f"t{i}": body.get(f"t{i}") for i in range(WIDTH)}
