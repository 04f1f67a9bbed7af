"""The core GraphQL schema (GRAPHQL.md §2–§9): generated per workspace from its metadata, printed
SDL of the standard objects pinned in a snapshot, custom objects and fields visible on the next
request. Both databases.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from graphql import print_schema

from conftest import Api
from vingt.graphql_api.schema import core_schema
from vingt.metadata.store import load_catalog

SNAPSHOT = Path(__file__).parent / "snapshots" / "standard_objects.graphql"


def gql(api: Api, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = api.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


def test_standard_objects_sdl_is_the_snapshot(api: Api, database_url: str, workspace: Any) -> None:
    import asyncio

    from vingt.db.database import open_database
    from vingt.db.system_queries import workspace_schema
    from vingt.db.url import parse_database_url
    from vingt.sql.dialect import dialect_for

    async def load() -> Any:
        db = open_database(parse_database_url(database_url))
        await db.start()
        try:
            dialect = dialect_for(db.kind)
            found = await workspace_schema(db, dialect, workspace.id)
            assert found is not None
            return await load_catalog(db, dialect, workspace.id, *found)
        finally:
            await db.close()

    sdl = print_schema(core_schema(asyncio.run(load())).schema) + "\n"
    if os.environ.get("VINGT_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(sdl)
    assert sdl == SNAPSHOT.read_text(), "the schema changed: VINGT_UPDATE_SNAPSHOTS=1 to rewrite the snapshot"


def test_names_as_twenty_spells_them(api: Api) -> None:
    data = gql(api, """{
      q: __type(name: "Query") { fields { name } }
      m: __type(name: "Mutation") { fields { name } }
      e: __type(name: "OpportunityStageEnum") { enumValues { name } }
      c: __type(name: "PersonConnection") { fields { name } }
    }""")
    queries = {f["name"] for f in data["q"]["fields"]}
    mutations = {f["name"] for f in data["m"]["fields"]}
    assert {"people", "person", "personDuplicates", "peopleGroupBy", "companies", "company"} <= queries
    assert {"createPerson", "createPeople", "updatePerson", "updatePeople", "deletePerson", "deletePeople",
            "destroyPerson", "destroyPeople", "restorePerson", "restorePeople", "mergePeople"} <= mutations
    assert "noteDuplicates" not in queries and "mergeNotes" not in mutations  # no duplicate criteria
    assert [v["name"] for v in data["e"]["enumValues"]][:2] == ["NEW", "SCREENING"]
    connection = {f["name"] for f in data["c"]["fields"]}
    assert {"edges", "pageInfo", "totalCount", "countEmptyCity", "minCreatedAt", "maxUpdatedAt"} <= connection


def test_a_custom_object_and_field_appear_on_the_next_request(api: Api) -> None:
    name = "gadget" + "".join(chr(97 + int(c, 16) % 26) for c in uuid.uuid4().hex[:6])
    created = api.post("/rest/metadata/objects", json={
        "nameSingular": name, "namePlural": name + "s", "labelSingular": "Gadget", "labelPlural": "Gadgets",
    })
    assert created.status_code == 201, created.text
    object_id = created.json()["data"]["createOneObject"]["id"]
    field = api.post("/rest/metadata/fields", json={
        "objectMetadataId": object_id, "type": "SELECT", "name": "tier", "label": "Tier",
        "options": [{"value": "GOLD", "label": "Gold", "position": 0, "color": "yellow"},
                    {"value": "SILVER", "label": "Silver", "position": 1, "color": "gray"}],
    })
    assert field.status_code == 201, field.text
    cap = name[0].upper() + name[1:]
    made = gql(api, "mutation { create" + cap + "(data: {name: \"One\", tier: SILVER}) { id name tier } }")
    record = made["create" + cap]
    assert record["name"] == "One" and record["tier"] == "SILVER"
    listed = gql(api, "{ " + name + "s(filter: {tier: {eq: SILVER}}) { totalCount edges { node { id tier } } } }")
    assert listed[name + "s"]["totalCount"] == 1
    assert listed[name + "s"]["edges"][0]["node"] == {"id": record["id"], "tier": "SILVER"}
    typed = gql(api, '{ __type(name: "' + cap + 'TierEnum") { enumValues { name } } }')
    assert [v["name"] for v in typed["__type"]["enumValues"]] == ["GOLD", "SILVER"]
