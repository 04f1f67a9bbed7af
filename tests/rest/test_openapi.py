"""The OpenAPI documents (REST.md §12) and the reference page, on both databases.

The core document is checked three ways: it is a valid OpenAPI 3.1 document; it lists every
object and operation of the workspace; and what the server really sends (records at depth 0,
1 and 2, envelopes, errors) validates against it. It is generated once per metadata version
and then served from the catalog's cache.
"""

from __future__ import annotations

import importlib.metadata
import re
import uuid
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from starlette.testclient import TestClient

import vingt
from conftest import Api, Workspace, assert_error, make_workspace
from vingt.engine.duplicates import criteria as duplicate_criteria
from vingt.metadata.model import Catalog
from vingt.metadata.types import capitalize
from vingt.registry import Principal

CORE = "/rest/open-api/core"
METADATA = "/rest/open-api/metadata"
FORMATS = FormatChecker()


# ---- helpers ----------------------------------------------------------------------------


def principal(client: TestClient, token: str) -> Principal:
    registry = client.app.state.registry  # type: ignore[attr-defined]
    return client.portal.call(registry.authenticate, f"Bearer {token}")  # type: ignore[union-attr,no-any-return]


def catalog_of(client: TestClient, token: str) -> Catalog:
    return principal(client, token).catalog


def errors_of(doc: dict[str, Any], schema: dict[str, Any], instance: Any) -> list[str]:
    """``instance`` against ``schema`` (which may ``$ref`` the document's components)."""
    root = {**schema, "components": doc["components"]}
    validator = Draft202012Validator(root, format_checker=FORMATS)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(instance)]


def assert_valid(doc: dict[str, Any], schema: dict[str, Any], instance: Any) -> None:
    problems = errors_of(doc, schema, instance)
    assert not problems, "\n".join(problems[:10])


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def response_schema(doc: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    response = doc["paths"][path][method]["responses"][status]
    if "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]  # type: ignore[no-any-return]


def is_relation(prop: dict[str, Any]) -> bool:
    refs = [prop.get("items", {}).get("$ref", "")] + [s.get("$ref", "") for s in prop.get("anyOf", [])]
    return any(r.endswith("ForResponse") for r in refs)


def depth0_keys(doc: dict[str, Any], singular: str) -> set[str]:
    props = doc["components"]["schemas"][f"{capitalize(singular)}ForResponse"]["properties"]
    return {k for k, v in props.items() if not is_relation(v)}


def all_keys(doc: dict[str, Any], singular: str) -> set[str]:
    return set(doc["components"]["schemas"][f"{capitalize(singular)}ForResponse"]["properties"])


def created(response: Any, key: str) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()["data"][key]  # type: ignore[no-any-return]


# ---- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def core(api: Api) -> dict[str, Any]:
    r = api.get(CORE)
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    return doc


@pytest.fixture(scope="module")
def records(api: Api) -> dict[str, Any]:
    """A company, a person working there, an opportunity and a note about the person."""
    company = created(
        api.post(
            "/rest/companies",
            json={
                "name": "Acme",
                "domainName": {"primaryLinkUrl": "https://acme.example", "secondaryLinks": [{"url": "https://b.example", "label": "b"}]},
                "address": {"addressCity": "Paris", "addressLat": 48.85, "addressLng": 2.35},
                "employees": 12,
                "annualRecurringRevenue": {"amountMicros": 1500000000, "currencyCode": "EUR"},
                "idealCustomerProfile": True,
            },
        ),
        "createCompany",
    )
    person = created(
        api.post(
            "/rest/people",
            json={
                "name": {"firstName": "Ada", "lastName": "Lovelace"},
                "emails": {"primaryEmail": "ada@acme.example", "additionalEmails": ["ada@home.example"]},
                "phones": {
                    "primaryPhoneNumber": "612345678",
                    "primaryPhoneCountryCode": "FR",
                    "primaryPhoneCallingCode": "+33",
                    "additionalPhones": [{"number": "700000000", "countryCode": "FR", "callingCode": "+33"}],
                },
                "jobTitle": "CTO",
                "city": "London",
                "companyId": company["id"],
            },
        ),
        "createPerson",
    )
    bare = created(api.post("/rest/people", json={}), "createPerson")
    opportunity = created(
        api.post(
            "/rest/opportunities",
            json={
                "name": "Big deal",
                "amount": {"amountMicros": 2500000.5, "currencyCode": "USD"},
                "closeDate": "2024-05-01T09:30:00Z",
                "stage": "MEETING",
                "companyId": company["id"],
                "pointOfContactId": person["id"],
            },
        ),
        "createOpportunity",
    )
    note = created(
        api.post("/rest/notes", json={"title": "Met Ada", "bodyV2": {"markdown": "# Hello"}}), "createNote"
    )
    target = created(
        api.post("/rest/noteTargets", json={"noteId": note["id"], "targetPersonId": person["id"]}), "createNoteTarget"
    )
    return {"company": company, "person": person, "bare": bare, "opportunity": opportunity, "note": note, "noteTarget": target}


# ---- the skeleton -----------------------------------------------------------------------


@pytest.mark.parametrize("path", [CORE, "/open-api/core"])
def test_skeleton_without_token(app_client: TestClient, path: str) -> None:
    r = app_client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    doc = r.json()
    validate(doc)
    assert doc["openapi"] == "3.1.1"
    # Vingt's title, version and links, not Twenty's
    assert doc["info"]["title"] == "Vingt"
    assert doc["info"]["version"] == vingt.__version__ == importlib.metadata.version("vingt")
    assert doc["info"]["license"] == {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"}
    assert doc["info"]["contact"] == {"name": "This Vingt server", "url": "http://testserver/"}
    assert "termsOfService" not in doc["info"]
    assert doc["externalDocs"]["url"] == "http://testserver/"
    assert doc["servers"] == [{"url": "http://testserver/rest/", "description": "This server"}]
    assert doc["components"]["securitySchemes"] == {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"],
        }
    }
    assert doc["security"] == [{"bearerAuth": []}]
    assert "externalDocs" in doc
    assert list(doc["paths"]) == ["/open-api/core"]
    assert "tags" not in doc and "webhooks" not in doc and "schemas" not in doc["components"]


def test_a_bad_token_gets_the_skeleton_not_an_error(app_client: TestClient, workspace: Workspace) -> None:
    for headers, params in (
        ({"Authorization": "Bearer not-a-token"}, {}),
        ({"Authorization": "Basic abc"}, {}),
        ({}, {"token": "nope"}),
    ):
        r = app_client.get(CORE, headers=headers, params=params)
        assert r.status_code == 200
        assert list(r.json()["paths"]) == ["/open-api/core"]
    # a bad header does not hide a good query token
    r = app_client.get(CORE, headers={"Authorization": "Bearer nope"}, params={"token": workspace.token})
    assert "/people" in r.json()["paths"]


def test_metadata_skeleton(app_client: TestClient) -> None:
    for path in (METADATA, "/open-api/metadata"):
        doc = app_client.get(path).json()
        validate(doc)
        assert doc["servers"][0]["url"] == "http://testserver/rest/metadata"
        assert list(doc["paths"]) == ["/open-api/metadata"]
        # the document's own path is reachable from the operation's server
        assert doc["paths"]["/open-api/metadata"]["get"]["servers"] == [{"url": "http://testserver"}]


# ---- the full document ------------------------------------------------------------------


def test_full_document_is_valid_openapi_3_1(core: dict[str, Any]) -> None:
    validate(core)
    assert core["openapi"] == "3.1.1"
    assert core["servers"] == [{"url": "http://testserver/rest/", "description": "This server"}]


def test_token_in_the_query_gives_the_same_document(app_client: TestClient, workspace: Workspace, api: Api) -> None:
    by_query = app_client.get(CORE, params={"token": workspace.token})
    assert by_query.content == api.get(CORE).content
    assert app_client.get("/open-api/core", params={"token": workspace.token}).content == by_query.content


def test_every_object_and_operation(core: dict[str, Any], app_client: TestClient, workspace: Workspace) -> None:
    catalog = catalog_of(app_client, workspace.token)
    objects = sorted((o for o in catalog.objects if o.is_active), key=lambda o: o.name_plural)
    assert len(objects) > 20
    paths = core["paths"]
    operation_ids = [op["operationId"] for item in paths.values() for op in item.values() if "operationId" in op]
    assert len(operation_ids) == len(set(operation_ids)), "operation ids must be unique"
    for o in objects:
        s, p, S, P = o.name_singular, o.name_plural, capitalize(o.name_singular), capitalize(o.name_plural)
        expected = {
            (f"/{p}", "get"): f"findMany{P}",
            (f"/{p}", "post"): f"createOne{S}",
            (f"/{p}", "patch"): f"updateMany{P}",
            (f"/{p}", "put"): f"putMany{P}",
            (f"/{p}", "delete"): f"deleteMany{P}",
            (f"/batch/{p}", "post"): f"createMany{P}",
            (f"/{p}/{{id}}", "get"): f"findOne{S}",
            (f"/{p}/{{id}}", "patch"): f"UpdateOne{S}",
            (f"/{p}/{{id}}", "put"): f"putOne{S}",
            (f"/{p}/{{id}}", "delete"): f"deleteOne{S}",
            (f"/restore/{p}/{{id}}", "patch"): f"restoreOne{S}",
            (f"/restore/{p}", "patch"): f"restoreMany{P}",
            (f"/{p}/groupBy", "get"): f"groupBy{P}",
        }
        if duplicate_criteria(o):
            expected[(f"/{p}/duplicates", "post")] = f"find{S}Duplicates"
            expected[(f"/{p}/merge", "patch")] = f"mergeMany{P}"
        else:
            assert f"/{p}/duplicates" not in paths and f"/{p}/merge" not in paths, p
        for (path, method), op_id in expected.items():
            op = paths[path][method]
            assert op["operationId"] == op_id
            assert op["tags"] == [p]
        for name in (S, f"{S}ForUpdate", f"{S}ForResponse"):
            assert name in core["components"]["schemas"]
        for action in ("Created", "Updated", "Deleted"):
            hook = core["webhooks"][f"{S} {action}"]["post"]
            body = hook["requestBody"]["content"]["application/json"]["schema"]
            assert body["properties"]["record"]["$ref"] == f"#/components/schemas/{S}ForResponse"
            assert body["properties"]["eventName"]["enum"] == [f"{s}.{action.lower()}"]
    # every path belongs to an active object, nothing else (no dashboard duplicate route), but
    # the document itself and the change feed
    plurals = {o.name_plural for o in objects}
    for path in paths:
        if path in ("/open-api/core", "/events"):
            continue
        parts = [x for x in path.split("/") if x and x not in ("batch", "restore")]
        assert parts[0] in plurals, path
    assert core["tags"][0] == {"name": "General", "description": "General requests"}
    assert core["tags"][1]["name"] == "events"
    assert [t["name"] for t in core["tags"][2:]] == [o.name_plural for o in objects]
    feed = paths["/events"]["get"]
    assert [p.get("name") or p["$ref"] for p in feed["parameters"]] == [
        "after", "#/components/parameters/limit", "object", "action"]
    assert set(feed["responses"]) == {"200", "400", "401", "403", "410", "429"}
    assert set(core["components"]["parameters"]) >= {
        "idPath", "filter", "orderBy", "limit", "depth", "startingAfter", "endingBefore", "upsert", "softDelete",
        "groupBy", "viewId", "aggregate", "includeRecordsSample", "orderByForRecords",
    }
    assert core["components"]["parameters"]["depth"]["schema"]["enum"] == [0, 1, 2]
    limit = core["components"]["parameters"]["limit"]["schema"]
    # values above the maximum are clamped, so the document sets no maximum (they are valid)
    assert limit["default"] == 20 and "maximum" not in limit and "clamped" in core_limit_description(core)
    assert set(core["components"]["responses"]) >= {"400", "401", "403", "404", "409", "413"}
    assert core["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


CREATE_REQUIRED = {"WorkflowAutomatedTrigger": ["type", "settings"], "WorkspaceMember": ["name", "userId"]}


def test_request_schemas(core: dict[str, Any], app_client: TestClient, workspace: Workspace) -> None:
    schemas = core["components"]["schemas"]
    catalog = catalog_of(app_client, workspace.token)
    for o in catalog.objects:
        if not o.is_active:
            continue
        S = capitalize(o.name_singular)
        create, update = schemas[S], schemas[f"{S}ForUpdate"]
        # of the standard objects only these two have non-nullable fields without a default
        assert create.get("required", []) == CREATE_REQUIRED.get(S, []), S
        assert "updatedAt" not in create["properties"] and "deletedAt" not in create["properties"]
        assert "id" in create["properties"] and "id" not in update["properties"]
        assert "required" not in update
        for f in o.fields:
            if f.is_active and f.is_many_to_one:
                assert f.join_column in create["properties"] and f.join_column in update["properties"]
            if f.is_one_to_many:
                assert f.name not in create["properties"]
    stage = schemas["Opportunity"]["properties"]["stage"]
    assert stage["type"] == "string" and "NEW" in stage["enum"]
    assert schemas["Person"]["properties"]["name"]["properties"].keys() == {"firstName", "lastName"}


def test_response_schemas_describe_types(core: dict[str, Any]) -> None:
    schemas = core["components"]["schemas"]
    person = schemas["PersonForResponse"]["properties"]
    assert person["id"] == {"type": "string", "format": "uuid"}
    assert person["createdAt"] == {"type": "string", "format": "date-time"}
    assert person["deletedAt"]["type"] == ["string", "null"]
    assert person["companyId"]["type"] == ["string", "null"] and person["companyId"]["format"] == "uuid"
    assert person["company"]["anyOf"] == [ref("CompanyForResponse"), {"type": "null"}]
    assert person["pointOfContactForOpportunities"]["items"] == ref("OpportunityForResponse")
    assert person["emails"]["properties"]["additionalEmails"]["type"] == ["array", "null"]
    company = schemas["CompanyForResponse"]["properties"]
    assert company["idealCustomerProfile"] == {"type": "boolean"}
    assert company["annualRecurringRevenue"]["properties"]["amountMicros"]["type"] == ["number", "null"]
    stage = schemas["OpportunityForResponse"]["properties"]["stage"]
    assert "NEW" in stage["enum"]
    find_many = response_schema(core, "/people", "get", "200")
    page_info = core["components"]["schemas"]["PageInfo"]["properties"]
    assert find_many["properties"]["totalCount"]["type"] == "integer"
    assert page_info["endCursor"] == {
        "type": ["string", "null"],
        "format": "uuid",
        "description": page_info["endCursor"]["description"],
    }


# ---- what the server sends validates against the document --------------------------------


@pytest.mark.parametrize(
    ("plural", "singular"),
    [("people", "person"), ("companies", "company"), ("opportunities", "opportunity"), ("notes", "note"),
     ("noteTargets", "noteTarget")],
)
def test_real_records_match_the_response_schema(
    api: Api, core: dict[str, Any], records: dict[str, Any], plural: str, singular: str
) -> None:
    schema = ref(f"{capitalize(singular)}ForResponse")
    for depth in (0, 1, 2):
        r = api.get(f"/rest/{plural}", params={"depth": str(depth)})
        assert r.status_code == 200, r.text
        body = r.json()
        assert_valid(core, response_schema(core, f"/{plural}", "get", "200"), body)
        rows = body["data"][plural]
        assert rows
        for record in rows:
            assert_valid(core, schema, record)
            expected = depth0_keys(core, singular) if depth == 0 else all_keys(core, singular)
            assert set(record) == expected, set(record) ^ expected
        one = api.get(f"/rest/{plural}/{rows[0]['id']}", params={"depth": str(depth)})
        assert_valid(core, response_schema(core, f"/{plural}/{{id}}", "get", "200"), one.json())
    # a projection only narrows the record
    r = api.get(f"/rest/{plural}", params={"fields": "id"})
    assert_valid(core, response_schema(core, f"/{plural}", "get", "200"), r.json())


def test_write_envelopes_match(api: Api, core: dict[str, Any], records: dict[str, Any]) -> None:
    def check(path: str, method: str, status: str, response: Any) -> dict[str, Any]:
        assert str(response.status_code) == status, response.text
        assert_valid(core, response_schema(core, path, method, status), response.json())
        return response.json()  # type: ignore[no-any-return]

    person = records["person"]
    check("/people", "post", "201", api.post("/rest/people", json={"name": {"firstName": "Grace", "lastName": "H"}}))
    batch = check(
        "/batch/people",
        "post",
        "201",
        api.post("/rest/batch/people", json=[{"city": "Oslo"}, {"city": "Rome"}], params={"depth": "1"}),
    )
    ids = [p["id"] for p in batch["data"]["createPeople"]]
    check("/people/{id}", "patch", "200", api.patch(f"/rest/people/{person['id']}", json={"jobTitle": "CEO"}))
    check("/people", "patch", "200", api.patch("/rest/people", params={"filter": f"id[eq]:{ids[0]}"}, json={"city": "Bergen"}))
    check("/people/{id}", "delete", "200", api.delete(f"/rest/people/{ids[0]}", params={"soft_delete": "true"}))
    check("/restore/people/{id}", "patch", "200", api.patch(f"/rest/restore/people/{ids[0]}"))
    check(
        "/people",
        "delete",
        "200",
        api.delete("/rest/people", params={"filter": f"id[in]:[{ids[0]},{ids[1]}]", "soft_delete": "true"}),
    )
    check("/restore/people", "patch", "200", api.patch("/rest/restore/people", params={"filter": f"id[eq]:{ids[1]}"}))
    check("/people/{id}", "delete", "200", api.delete(f"/rest/people/{ids[1]}"))
    # the created record's ETag, as the document says
    r = api.get(f"/rest/people/{person['id']}")
    assert "ETag" in core["paths"]["/people/{id}"]["get"]["responses"]["200"]["headers"]
    assert r.headers.get("etag")


def test_duplicates_merge_and_group_by_envelopes(api: Api, core: dict[str, Any], records: dict[str, Any]) -> None:
    r = api.post("/rest/people/duplicates", json={"ids": [records["person"]["id"]]})
    assert r.status_code == 200, r.text
    assert_valid(core, response_schema(core, "/people/duplicates", "post", "200"), r.json())
    r = api.get("/rest/opportunities/groupBy", params={"group_by": '[{"stage": true}]', "aggregate": '["totalCount"]'})
    assert r.status_code == 200, r.text
    assert_valid(core, response_schema(core, "/opportunities/groupBy", "get", "200"), r.json())
    a = created(api.post("/rest/companies", json={"name": "Twin"}), "createCompany")
    b = created(api.post("/rest/companies", json={"name": "Twin"}), "createCompany")
    r = api.patch("/rest/companies/merge", json={"ids": [a["id"], b["id"]], "conflictPriorityIndex": 0, "dryRun": True})
    assert r.status_code == 200, r.text
    assert_valid(core, response_schema(core, "/companies/merge", "patch", "200"), r.json())


def test_error_bodies_match(app_client: TestClient, api: Api, core: dict[str, Any]) -> None:
    cases = [
        ("400", api.get("/rest/people", params={"filter": "name[foo]:x"})),
        ("400", api.get("/rest/people", params={"bogus": "1"})),
        ("400", api.post("/rest/people", json={"nope": 1})),
        ("404", api.get(f"/rest/people/{uuid.uuid4()}")),
        ("401", app_client.get("/rest/people", headers={"Authorization": "Bearer x.y.z"})),
        ("403", app_client.get("/rest/people")),
    ]
    for status, response in cases:
        assert str(response.status_code) == status, response.text
        assert_valid(core, core["components"]["responses"][status]["content"]["application/json"]["schema"], response.json())
        assert status in core["paths"]["/people/{id}"]["get"]["responses"] or status in core["paths"]["/people"]["get"]["responses"]
    # the shared schema is strict enough to catch a wrong status
    wrong = {**cases[0][1].json(), "statusCode": 404}
    assert errors_of(core, core["components"]["responses"]["400"]["content"]["application/json"]["schema"], wrong)


# ---- caching ----------------------------------------------------------------------------


def test_cached_per_metadata_version(app_client: TestClient, api: Api, workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from vingt.openapi import routes

    catalog = catalog_of(app_client, workspace.token)
    for key in [k for k in catalog.derived if isinstance(k, tuple) and k[:2] == ("openapi", "core")]:
        del catalog.derived[key]
    calls = []
    original = routes.core_document

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(routes, "core_document", counting)
    first = api.get(CORE)
    second = api.get(CORE)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert len(calls) == 1, "the second request must come from the cache"
    assert any(isinstance(k, tuple) and k[:2] == ("openapi", "core") for k in catalog.derived)
    # one cached copy, whatever the host name
    other = api.get(CORE, headers={"Host": "crm.example.com"})
    assert other.json()["servers"][0]["url"] == "http://crm.example.com/rest/"
    assert len(calls) == 1
    # conditional requests
    etag = second.headers["etag"]
    assert api.get(CORE, headers={"If-None-Match": etag}).status_code == 304
    assert other.headers["etag"] != etag
    assert second.headers["vary"] == "Authorization"


def test_a_new_field_appears_in_a_new_document(app_client: TestClient, database_url: str) -> None:
    ws = make_workspace(database_url, "OpenAPI custom field")
    api = Api(app_client, ws.token)
    before = api.get(CORE).json()
    assert "rating" not in before["components"]["schemas"]["CompanyForResponse"]["properties"]
    objects = api.get("/rest/metadata/objects")
    assert objects.status_code == 200, objects.text
    company = next(o for o in objects.json()["data"]["objects"] if o["nameSingular"] == "company")
    r = api.post(
        "/rest/metadata/fields",
        json={
            "objectMetadataId": company["id"],
            "type": "SELECT",
            "name": "tier",
            "label": "Tier",
            "options": [
                {"value": "GOLD", "label": "Gold", "color": "yellow", "position": 0},
                {"value": "SILVER", "label": "Silver", "color": "gray", "position": 1},
            ],
        },
    )
    assert r.status_code == 201, r.text
    after = api.get(CORE).json()
    tier = after["components"]["schemas"]["CompanyForResponse"]["properties"]["tier"]
    assert tier["enum"] == ["GOLD", "SILVER", None]
    assert after["components"]["schemas"]["Company"]["properties"]["tier"]["enum"] == ["GOLD", "SILVER", None]
    record = created(api.post("/rest/companies", json={"name": "Gold Inc", "tier": "GOLD"}), "createCompany")
    assert_valid(after, ref("CompanyForResponse"), record)


# ---- metadata document ------------------------------------------------------------------


def test_metadata_document(api: Api) -> None:
    doc = api.get(METADATA).json()
    validate(doc)
    assert doc["servers"][0]["url"] == "http://testserver/rest/metadata"
    ops = {(path, method): op["operationId"] for path, item in doc["paths"].items() for method, op in item.items()}
    for one, many in (("Object", "objects"), ("Field", "fields")):
        assert ops[(f"/{many}", "get")] == f"findMany{capitalize(many)}"
        assert ops[(f"/{many}", "post")] == f"createOne{one}"
        assert ops[(f"/{many}/{{id}}", "get")] == f"findOne{one}"
        assert ops[(f"/{many}/{{id}}", "patch")] == f"updateOne{one}"
        assert ops[(f"/{many}/{{id}}", "delete")] == f"deleteOne{one}"
    listed = response_schema(doc, "/objects", "get", "200")
    assert listed["properties"]["data"]["required"] == ["objects"]
    limit = doc["components"]["parameters"]["limit"]["schema"]
    assert (limit["default"], limit["maximum"]) == (1000, 1000)
    # what the metadata routes send
    r = api.get("/rest/metadata/objects", params={"limit": "5"})
    assert r.status_code == 200, r.text
    assert_valid(doc, listed, r.json())
    first = r.json()["data"]["objects"][0]
    one = api.get(f"/rest/metadata/objects/{first['id']}")
    assert_valid(doc, response_schema(doc, "/objects/{id}", "get", "200"), one.json())
    fields = api.get("/rest/metadata/fields", params={"limit": "50"})
    assert_valid(doc, response_schema(doc, "/fields", "get", "200"), fields.json())
    missing = api.get(f"/rest/metadata/fields/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert_valid(doc, doc["components"]["responses"]["404"]["content"]["application/json"]["schema"], missing.json())


def test_metadata_document_relations_and_root(api: Api) -> None:
    """/rest/metadata (the document's server URL) and /rest/metadata/relations are documented,
    and what they send matches; list operations document ``last_cursor`` as deprecated."""
    doc = api.get(METADATA).json()
    ops = {(path, method): op["operationId"] for path, item in doc["paths"].items() for method, op in item.items()}
    assert ops[("/", "get")] == "getMetadataRoutes"
    assert ops[("/relations", "get")] == "findManyRelations" and ops[("/relations/{id}", "get")] == "findOneRelation"
    assert doc["components"]["parameters"]["lastCursor"]["name"] == "last_cursor"
    assert doc["components"]["parameters"]["lastCursor"]["deprecated"] is True
    root = doc["servers"][0]["url"].removeprefix("http://testserver")
    assert_valid(doc, response_schema(doc, "/", "get", "200"), api.get(root + "/").json())
    listed = api.get("/rest/metadata/relations", params={"limit": "5"})
    assert_valid(doc, response_schema(doc, "/relations", "get", "200"), listed.json())
    first = listed.json()["data"]["relations"][0]["id"]
    one = api.get(f"/rest/metadata/relations/{first}")
    assert_valid(doc, response_schema(doc, "/relations/{id}", "get", "200"), one.json())
    missing = api.get(f"/rest/metadata/relations/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert_valid(doc, doc["components"]["responses"]["404"]["content"]["application/json"]["schema"], missing.json())


def test_metadata_document_webhooks(api: Api) -> None:
    """The webhook routes are documented, and what they send matches the document."""
    doc = api.get(METADATA).json()
    ops = {(path, method): op["operationId"] for path, item in doc["paths"].items() for method, op in item.items()}
    assert ops[("/webhooks", "get")] == "findManyWebhooks" and ops[("/webhooks", "post")] == "createWebhook"
    assert ops[("/webhooks/{id}", "delete")] == "deleteWebhook"
    created = api.post("/rest/metadata/webhooks", json={"targetUrl": "https://hooks.example.com/doc"})
    assert created.status_code == 201, created.text
    assert_valid(doc, response_schema(doc, "/webhooks", "post", "201"), created.json())
    wid = created.json()["id"]
    assert_valid(doc, response_schema(doc, "/webhooks", "get", "200"), api.get("/rest/metadata/webhooks").json())
    patched = api.patch(f"/rest/metadata/webhooks/{wid}", json={"description": "documented"})
    assert_valid(doc, response_schema(doc, "/webhooks/{id}", "patch", "200"), patched.json())
    deleted = api.delete(f"/rest/metadata/webhooks/{wid}")
    assert_valid(doc, response_schema(doc, "/webhooks/{id}", "delete", "200"), deleted.json())
    missing = api.get(f"/rest/metadata/webhooks/{wid}")
    assert missing.status_code == 404
    assert_valid(doc, doc["components"]["responses"]["404"]["content"]["application/json"]["schema"], missing.json())


# ---- the reference page -----------------------------------------------------------------


def test_docs_page_and_assets(app_client: TestClient) -> None:
    page = app_client.get("/rest/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="swagger-ui"' in page.text
    assert "open-api/core" in page.text and "persistAuthorization" in page.text
    assets = re.findall(r'(?:href|src)="(docs/assets/[^"]+)"', page.text)
    kinds = set()
    for asset in assets:
        r = app_client.get("/rest/" + asset)  # relative to /rest/docs
        assert r.status_code == 200, asset
        kind = r.headers["content-type"].split(";")[0]
        kinds.add(kind)
        if kind in ("text/css", "text/javascript", "application/javascript"):
            assert len(r.content) > 10_000, asset
    assert "text/css" in kinds and kinds & {"text/javascript", "application/javascript"}
    assert app_client.get("/rest/docs/assets/nope.js").status_code == 404
    slash = app_client.get("/rest/docs/", follow_redirects=False)
    assert slash.status_code in (307, 308) and slash.headers["location"].endswith("/rest/docs")


def test_reference_shows_the_standard_objects_before_a_key(app_client: TestClient, core: dict[str, Any]) -> None:
    """Without a key the page loads /rest/docs/standard/core: a workspace of the standard
    objects, built without one; with a key, the workspace's own document (as before)."""
    page = app_client.get("/rest/docs").text
    assert "docs/standard/$2$3" in page  # the page's rewrite of open-api/(core|metadata)
    standard = app_client.get("/rest/docs/standard/core")
    assert standard.status_code == 200 and standard.headers["content-type"].startswith("application/json")
    doc = standard.json()
    validate(doc)
    assert doc["info"]["title"] == "Vingt"
    assert doc["servers"] == [{"url": "http://testserver/rest/", "description": "This server"}]
    # the same paths and schemas as a fresh workspace's document
    assert doc["paths"].keys() == core["paths"].keys()
    assert doc["components"]["schemas"].keys() == core["components"]["schemas"].keys()
    assert {"/people", "/companies/{id}", "/opportunities"} <= doc["paths"].keys()
    etag = standard.headers["etag"]
    assert app_client.get("/rest/docs/standard/core", headers={"If-None-Match": etag}).status_code == 304
    metadata = app_client.get("/rest/docs/standard/metadata").json()
    validate(metadata)
    assert {"/objects", "/fields"} <= metadata["paths"].keys()


def core_limit_description(core: dict[str, Any]) -> str:
    return str(core["components"]["parameters"]["limit"]["description"])


@pytest.mark.parametrize(
    "path", ["/rest/open-api/core", "/rest/open-api/metadata", "/rest/docs", "/rest/docs/standard/core"]
)
@pytest.mark.parametrize("method", ["PUT", "POST", "PATCH", "DELETE"])
def test_documents_and_reference_answer_other_methods_with_405(api: Api, path: str, method: str) -> None:
    r = api.request(method, path, json={})
    body = assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["allow"] == "GET" and body["error"]["details"]["allowed"] == ["GET"]


def test_duplicates_and_merge_documented_only_with_duplicate_criteria(api: Api, core: dict[str, Any]) -> None:
    """Objects without duplicate criteria answer /duplicates and /merge 400 NO_DUPLICATE_CRITERIA
    whatever is sent: those paths are not in the document; the routes still answer."""
    assert core["paths"]["/people/duplicates"]["post"]["operationId"] == "findPersonDuplicates"
    assert core["paths"]["/companies/merge"]["patch"]["operationId"] == "mergeManyCompanies"
    assert "/notes/duplicates" not in core["paths"] and "/notes/merge" not in core["paths"]
    assert_error(api.post("/rest/notes/duplicates", json={"ids": [str(uuid.uuid4())]}), 400, "NO_DUPLICATE_CRITERIA")
    assert_error(
        api.patch("/rest/notes/merge", json={"ids": [str(uuid.uuid4()), str(uuid.uuid4())]}), 400,
        "NO_DUPLICATE_CRITERIA",
    )


def test_documented_404s(api: Api, core: dict[str, Any]) -> None:
    """/duplicates with ids that name no record, and a field naming an unknown object, are 404:
    both documented."""
    r = api.post("/rest/people/duplicates", json={"ids": [str(uuid.uuid4())]})
    assert r.status_code == 404, r.text
    assert "404" in core["paths"]["/people/duplicates"]["post"]["responses"]
    metadata = api.get(METADATA).json()
    r = api.post("/rest/metadata/fields", json={"objectMetadataId": str(uuid.uuid4()), "name": "x", "label": "X",
                                                "type": "TEXT"})
    assert r.status_code == 404, r.text
    assert "404" in metadata["paths"]["/fields"]["post"]["responses"]
