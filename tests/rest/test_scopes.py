"""Scoped API keys: ``read`` keys write nothing, keys limited to some objects reach only those,
whatever the front end (REST records, the metadata REST and GraphQL APIs, webhooks, the change
feed), and a refused write leaves nothing behind."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from conftest import Api, Workspace, assert_error, make_workspace, with_db
from vingt.cli import main
from vingt.db import system
from vingt.db.database import Database
from vingt.db.statements import fetch
from vingt.settings import Settings
from vingt.sql.dialect import dialect_for
from vingt.webhooks.dispatcher import FAN_OUT_BATCH, Dispatcher
from vingt.workspaces import create_api_key


def _event_count(database_url: str, workspace_id: str) -> int:
    """Every event row of the workspace (the change feed shows them only once fanned out)."""
    e = system.event

    async def count(db: Database) -> int:
        rows = await fetch(db, dialect_for(db.kind), sa.select(sa.func.count()).where(e.c.workspaceId == workspace_id))
        return int(rows[0][0])

    return int(with_db(database_url, count))


def _fan_out(database_url: str) -> None:
    """Give the events written so far their place in the change feed, as a serving process does."""
    async def run(db: Database) -> None:
        dispatcher = Dispatcher(db, dialect_for(db.kind), Settings(database_url=database_url))
        try:
            while await dispatcher.fan_out() == FAN_OUT_BATCH:  # the session's database holds other tests' events
                pass
        finally:
            await dispatcher.sender.close()

    with_db(database_url, run)


def _key(database_url: str, workspace_id: str, scope: str, objects: list[str] | None = None) -> str:
    async def run(db: Database) -> str:
        return (await create_api_key(db, workspace_id, f"{scope} key", None, scope, objects)).token

    return str(with_db(database_url, run))


@pytest.fixture(scope="module")
def ws(database_url: str) -> Workspace:
    return make_workspace(database_url, "Scopes")


@pytest.fixture(scope="module")
def full(app_client: TestClient, ws: Workspace) -> Api:
    return Api(app_client, ws.token)


@pytest.fixture(scope="module")
def reader(app_client: TestClient, database_url: str, ws: Workspace) -> Api:
    return Api(app_client, _key(database_url, ws.id, "read"))


@pytest.fixture(scope="module")
def people_only(app_client: TestClient, database_url: str, ws: Workspace) -> Api:
    return Api(app_client, _key(database_url, ws.id, "write", ["people"]))


@pytest.fixture(scope="module")
def records(full: Api) -> dict[str, Any]:
    company = full.post("/rest/companies", json={"name": "Acme", "domainName": {"primaryLinkUrl": "acme.example"}})
    assert company.status_code == 201, company.text
    cid = company.json()["data"]["createCompany"]["id"]
    people = full.post("/rest/batch/people", json=[
        {"name": {"firstName": "Ada", "lastName": "Byron"}, "companyId": cid, "emails": {"primaryEmail": "a@x.io"}},
        {"name": {"firstName": "Alan", "lastName": "Turing"}, "companyId": cid},
    ])
    assert people.status_code == 201, people.text
    return {"company": cid, "people": [p["id"] for p in people.json()["data"]["createPeople"]]}


def _forbidden(r: Any, reason: str) -> dict[str, Any]:
    body = assert_error(r, 403, "FORBIDDEN")
    assert body["error"]["details"]["reason"] == reason, body
    return body


def _count(api: Api, plural: str) -> int:
    r = api.get(f"/rest/{plural}", params={"limit": 100})
    assert r.status_code == 200, r.text
    return len(r.json()["data"][plural])


def _events(api: Api) -> list[dict[str, Any]]:
    r = api.get("/rest/events", params={"limit": 100})
    assert r.status_code == 200, r.text
    return r.json()["data"]["events"]  # type: ignore[no-any-return]


def test_a_read_key_reads_records(reader: Api, records: dict[str, Any]) -> None:
    assert _count(reader, "people") == 2
    one = reader.get(f"/rest/people/{records['people'][0]}", params={"depth": 1})
    assert one.status_code == 200 and one.json()["data"]["person"]["company"]["id"] == records["company"]
    grouped = reader.get("/rest/people/groupBy", params={"group_by": '[{"city":true}]'})
    assert grouped.status_code == 200, grouped.text
    dup = reader.post("/rest/people/duplicates", json={"ids": [records["people"][0]]})
    assert dup.status_code == 200, dup.text


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/rest/people", {"name": {"firstName": "New"}}),
        ("POST", "/rest/people?upsert=true", {"name": {"firstName": "New"}}),
        ("POST", "/rest/batch/people", [{"name": {"firstName": "New"}}]),
        ("PATCH", "/rest/people/{p0}", {"city": "Paris"}),
        ("PUT", "/rest/people/{p0}", {"city": "Paris"}),
        ("PATCH", "/rest/people?filter=id[eq]:{p0}", {"city": "Paris"}),
        ("DELETE", "/rest/people/{p0}", None),
        ("DELETE", "/rest/people/{p0}?soft_delete=true", None),
        ("DELETE", "/rest/people?filter=id[eq]:{p0}", None),
        ("PATCH", "/rest/restore/people/{p0}", None),
        ("PATCH", "/rest/restore/people?filter=id[eq]:{p0}", None),
        ("PATCH", "/rest/people/merge", {"ids": ["{p0}", "{p1}"], "conflictPriorityIndex": 0}),
    ],
)
def test_a_read_key_cannot_write_records(
    reader: Api, full: Api, records: dict[str, Any], method: str, path: str, body: Any, database_url: str,
    ws: Workspace,
) -> None:
    ids = {"p0": records["people"][0], "p1": records["people"][1]}
    text = json.dumps(body).replace("{p0}", ids["p0"]).replace("{p1}", ids["p1"]) if body is not None else None
    before = _event_count(database_url, ws.id)
    r = reader.request(method, path.format(**ids), content=text,
                       headers={"Content-Type": "application/json"} if text else {})
    detail = _forbidden(r, "READ_ONLY_SCOPE")["error"]["details"]
    assert detail["scope"] == "read"
    assert _count(full, "people") == 2
    assert full.get(f"/rest/people/{ids['p0']}").json()["data"]["person"]["city"] is None
    assert _event_count(database_url, ws.id) == before


def test_a_read_key_cannot_change_metadata_or_webhooks(reader: Api, full: Api) -> None:
    objects = reader.get("/rest/metadata/objects")
    assert objects.status_code == 200
    r = reader.post("/rest/metadata/objects", json={
        "nameSingular": "invoice", "namePlural": "invoices", "labelSingular": "Invoice", "labelPlural": "Invoices",
    })
    _forbidden(r, "READ_ONLY_SCOPE")
    assert "invoices" not in [o["namePlural"] for o in full.get("/rest/metadata/objects").json()["data"]["objects"]]
    person = next(o for o in objects.json()["data"]["objects"] if o["nameSingular"] == "person")
    r = reader.post("/rest/metadata/fields", json={
        "objectMetadataId": person["id"], "type": "TEXT", "name": "nickname", "label": "Nickname",
    })
    _forbidden(r, "READ_ONLY_SCOPE")
    gql = reader.post("/metadata", json={"query": (
        'mutation { createOneObject(input: {object: {nameSingular: "invoice", namePlural: "invoices", '
        'labelSingular: "Invoice", labelPlural: "Invoices"}}) { id } }'
    )})
    assert gql.status_code == 200
    assert gql.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN", gql.text
    assert reader.post("/metadata", json={"query": "{ objects(paging: {first: 1}) { edges { node { id } } } }"}
                       ).json().get("errors") is None

    assert reader.get("/rest/webhooks").status_code == 200
    _forbidden(reader.post("/rest/webhooks", json={"targetUrl": "https://hooks.example/x"}), "READ_ONLY_SCOPE")
    gql = reader.post("/metadata", json={"query": (
        'mutation { createWebhook(input: {targetUrl: "https://hooks.example/x", operations: ["*.*"]}) { id } }'
    )})
    assert gql.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN", gql.text
    assert full.get("/rest/webhooks").json() == []


def test_a_key_limited_to_people_reaches_only_people(
    people_only: Api, full: Api, records: dict[str, Any]
) -> None:
    assert _count(people_only, "people") == 2
    created = people_only.post("/rest/people", json={"name": {"firstName": "Grace"}})
    assert created.status_code == 201, created.text
    gid = created.json()["data"]["createPerson"]["id"]
    assert people_only.delete(f"/rest/people/{gid}").status_code == 200

    body = _forbidden(people_only.get("/rest/companies"), "OBJECT_NOT_IN_SCOPE")
    assert body["error"]["details"] == {"reason": "OBJECT_NOT_IN_SCOPE", "object": "company", "objects": ["person"]}
    _forbidden(people_only.get(f"/rest/companies/{records['company']}"), "OBJECT_NOT_IN_SCOPE")
    _forbidden(people_only.post("/rest/companies", json={"name": "Initech"}), "OBJECT_NOT_IN_SCOPE")
    _forbidden(people_only.get("/rest/companies/groupBy", params={"group_by": '[{"name":true}]'}),
               "OBJECT_NOT_IN_SCOPE")
    _forbidden(people_only.get("/rest/people/groupBy", params={"group_by": '[{"company":{"name":true}}]'}),
               "OBJECT_NOT_IN_SCOPE")
    assert _count(full, "companies") == 1


def test_depth_leaves_out_the_objects_a_key_does_not_reach(
    people_only: Api, full: Api, records: dict[str, Any]
) -> None:
    pid = records["people"][0]
    whole = full.get(f"/rest/people/{pid}", params={"depth": 1}).json()["data"]["person"]
    limited = people_only.get(f"/rest/people/{pid}", params={"depth": 1}).json()["data"]["person"]
    assert whole["company"]["name"] == "Acme"
    assert "company" not in limited and "noteTargets" not in limited
    assert limited["companyId"] == records["company"]
    assert {k for k in whole if k not in limited} >= {"company", "noteTargets", "taskTargets"}
    listed = people_only.get("/rest/people", params={"depth": 1}).json()["data"]["people"]
    assert listed and all("company" not in p for p in listed)
    updated = people_only.patch(f"/rest/people/{pid}", params={"depth": 1}, json={"jobTitle": "Countess"})
    assert updated.status_code == 200 and "company" not in updated.json()["data"]["updatePerson"]


def test_a_key_limited_to_some_objects_cannot_touch_metadata_webhooks_or_other_events(
    people_only: Api, full: Api, records: dict[str, Any], database_url: str
) -> None:
    _forbidden(people_only.get("/rest/webhooks"), "OBJECT_NOT_IN_SCOPE")
    _forbidden(people_only.post("/rest/webhooks", json={"targetUrl": "https://hooks.example/y"}),
               "OBJECT_NOT_IN_SCOPE")
    person = next(o for o in people_only.get("/rest/metadata/objects").json()["data"]["objects"]
                  if o["nameSingular"] == "person")
    _forbidden(people_only.post("/rest/metadata/fields", json={
        "objectMetadataId": person["id"], "type": "TEXT", "name": "nickname", "label": "Nickname",
    }), "OBJECT_NOT_IN_SCOPE")
    _fan_out(database_url)
    everything = {e["objectMetadata"]["nameSingular"] for e in _events(full)}
    assert {"company", "person"} <= everything
    assert {e["objectMetadata"]["nameSingular"] for e in _events(people_only)} == {"person"}
    _forbidden(people_only.get("/rest/events", params={"object": "company"}), "OBJECT_NOT_IN_SCOPE")


def test_the_scope_is_a_signed_claim_of_the_token(database_url: str, ws: Workspace, app_client: TestClient) -> None:
    token = _key(database_url, ws.id, "read", ["person", "companies"])
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["scope"] == "read" and claims["objects"] == ["company", "person"]
    header, _, signature = token.split(".")
    forged = jwt.encode({**claims, "scope": "write"}, "a guessed key of thirty-two bytes", algorithm="HS256").split(".")[1]
    r = app_client.get("/rest/people", headers={"Authorization": f"Bearer {header}.{forged}.{signature}"})
    assert_error(r, 401, "UNAUTHENTICATED")
    full_claims = jwt.decode(ws.token, options={"verify_signature": False})
    assert "scope" not in full_claims and "objects" not in full_claims


def test_apikey_create_and_list_on_the_command_line(
    database_url: str, ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apikey", "create", "--workspace", ws.id, "--name", "reporting", "--scope", "read",
                 "--objects", "people,opportunity", "--database", database_url]) == 0
    created = json.loads(capsys.readouterr().out)
    assert main(["apikey", "list", "--workspace", ws.id, "--database", database_url]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    row = next(k for k in listed if k["id"] == created["id"])
    assert row["scope"] == "read" and row["objects"] == ["opportunity", "person"]
    assert all("token" not in k for k in listed)
    assert next(k for k in listed if k["name"] == "write key" or k["objects"] is None)["scope"] == "write"

    assert main(["apikey", "create", "--workspace", ws.id, "--objects", "people,unicorns",
                 "--database", database_url]) == 1
    assert "unicorns" in capsys.readouterr().err


def _graphql(api: Api, query: str) -> dict[str, Any]:
    r = api.post("/graphql", json={"query": query})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_the_graphql_front_end_is_held_to_the_same_scopes(
    reader: Api, people_only: Api, full: Api, records: dict[str, Any], database_url: str, ws: Workspace
) -> None:
    listed = _graphql(reader, "{ people { edges { node { id city } } } }")
    assert "errors" not in listed and len(listed["data"]["people"]["edges"]) == 2
    before = _event_count(database_url, ws.id)
    for mutation in (
        'mutation { createPerson(data: {city: "Nice"}) { id } }',
        f'mutation {{ updatePerson(id: "{records["people"][0]}", data: {{city: "Nice"}}) {{ id }} }}',
        f'mutation {{ deletePerson(id: "{records["people"][0]}") {{ id }} }}',
        f'mutation {{ destroyPeople(filter: {{id: {{eq: "{records["people"][0]}"}}}}) {{ id }} }}',
    ):
        body = _graphql(reader, mutation)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert _event_count(database_url, ws.id) == before
    assert _count(full, "people") == 2

    assert "errors" not in _graphql(people_only, "{ people { edges { node { id } } } }")
    body = _graphql(people_only, "{ companies { edges { node { id } } } }")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    body = _graphql(people_only, "{ people { edges { node { id company { name } } } } }")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    body = _graphql(people_only, 'mutation { createCompany(data: {name: "Initech"}) { id } }')
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert _count(full, "companies") == 1
