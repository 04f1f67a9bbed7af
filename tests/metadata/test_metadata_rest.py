"""The metadata REST API: ``/rest/metadata/objects`` and ``/rest/metadata/fields``.

REST.md §13 (routes, legacy envelopes, pagination by id descending, error codes), DATA_MODEL.md
§1, §5 (naming rules, what a custom object gets, custom fields, relations), §6 (default value
encoding), DECISIONS.md (error body). Every test runs on SQLite and PostgreSQL.

The module shares one workspace (the ``api`` fixture) and metadata changes are workspace-wide:
every test uses unique, letters-only names. Metadata changes cost more as the workspace grows,
so field and relation tests add their fields to two shared custom objects (``host``,
``other``); only tests that change an object itself (rename, deactivate, delete) make their own.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from conftest import Api, assert_error

STANDARD_OBJECTS = {
    "activity", "activityTarget", "attachment", "blocklist", "calendarChannel",
    "calendarChannelEventAssociation", "calendarEvent", "calendarEventParticipant", "company",
    "connectedAccount", "dashboard", "favorite", "favoriteFolder", "message", "messageChannel",
    "messageChannelMessageAssociation", "messageFolder", "messageParticipant", "messageThread", "note",
    "noteTarget", "opportunity", "person", "task", "taskTarget", "timelineActivity", "workflow",
    "workflowAutomatedTrigger", "workflowRun", "workflowVersion", "workspaceMember",
}
OBJECT_KEYS = {
    "id", "nameSingular", "namePlural", "labelSingular", "labelPlural", "description", "icon", "color",
    "shortcut", "isCustom", "isActive", "isSystem", "isRemote", "isSearchable", "isUIReadOnly",
    "isLabelSyncedWithName", "labelIdentifierFieldMetadataId", "imageIdentifierFieldMetadataId",
    "duplicateCriteria", "standardOverrides", "workspaceId", "createdAt", "updatedAt", "fields",
}
FIELD_KEYS = {
    "id", "objectMetadataId", "type", "name", "label", "description", "icon", "isCustom", "isActive",
    "isSystem", "isNullable", "isUnique", "defaultValue", "options", "settings", "isLabelSyncedWithName",
    "createdAt", "updatedAt", "relation",
}
RELATION_KEYS = {
    "type", "targetObjectMetadata", "targetFieldMetadata", "sourceObjectMetadata", "sourceFieldMetadata",
}
CUSTOM_OBJECT_FIELDS = {
    "id": "UUID", "name": "TEXT", "createdAt": "DATE_TIME", "updatedAt": "DATE_TIME", "deletedAt": "DATE_TIME",
    "createdBy": "ACTOR", "updatedBy": "ACTOR", "position": "POSITION", "searchVector": "TS_VECTOR",
    "noteTargets": "RELATION", "taskTargets": "RELATION", "activityTargets": "RELATION",
    "attachments": "RELATION", "timelineActivities": "RELATION", "favorites": "RELATION",
}
# relation on the custom object → (junction object, name pattern of the inverse on it)
SYSTEM_LINKS = {
    "noteTargets": ("noteTarget", "target{Cap}"),
    "taskTargets": ("taskTarget", "target{Cap}"),
    "activityTargets": ("activityTarget", "target{Cap}"),
    "attachments": ("attachment", "target{Cap}"),
    "timelineActivities": ("timelineActivity", "target{Cap}"),
    "favorites": ("favorite", "{name}"),
}
SELECT_OPTIONS = [
    {"value": "DRAFT", "label": "Draft", "color": "gray", "position": 0},
    {"value": "SENT", "label": "Sent", "color": "blue", "position": 1},
    {"value": "PAID", "label": "Paid", "color": "green", "position": 2},
]


# ---- helpers ----------------------------------------------------------------------------------


def letters(n: int = 8) -> str:
    """Random lower-case letters (names must match ^[a-z][a-zA-Z0-9]*$)."""
    return "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:n])


def cap(name: str) -> str:
    return name[:1].upper() + name[1:]


def unique_names(prefix: str) -> tuple[str, str]:
    singular = prefix + letters()
    return singular, singular + "s"


def snapshot(api: Api) -> Any:
    """Everything the metadata API shows: compared before/after a rejected change."""
    r = api.get("/rest/metadata/objects")
    assert r.status_code == 200, r.text
    return r.json()


def all_objects(api: Api) -> dict[str, dict[str, Any]]:
    return {o["nameSingular"]: o for o in snapshot(api)["data"]["objects"]}


def get_object(api: Api, object_id: str) -> dict[str, Any]:
    r = api.get(f"/rest/metadata/objects/{object_id}")
    assert r.status_code == 200, r.text
    return r.json()["data"]["object"]  # type: ignore[no-any-return]


def get_field(api: Api, field_id: str) -> dict[str, Any]:
    r = api.get(f"/rest/metadata/fields/{field_id}")
    assert r.status_code == 200, r.text
    return r.json()["data"]["field"]  # type: ignore[no-any-return]


def field_named(obj: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((f for f in obj["fields"] if f["name"] == name), None)


def create_object(api: Api, prefix: str = "thing", **extra: Any) -> dict[str, Any]:
    singular, plural = unique_names(prefix)
    body = {
        "nameSingular": singular, "namePlural": plural,
        "labelSingular": cap(singular), "labelPlural": cap(plural), **extra,
    }
    r = api.post("/rest/metadata/objects", json=body)
    assert r.status_code == 201, r.text
    assert list(r.json()) == ["data"] and list(r.json()["data"]) == ["createOneObject"], r.json()
    return r.json()["data"]["createOneObject"]  # type: ignore[no-any-return]


def create_field(api: Api, object_id: str, **body: Any) -> dict[str, Any]:
    r = api.post("/rest/metadata/fields", json={"objectMetadataId": object_id, **body})
    assert r.status_code == 201, r.text
    assert list(r.json()) == ["data"] and list(r.json()["data"]) == ["createOneField"], r.json()
    return r.json()["data"]["createOneField"]  # type: ignore[no-any-return]


def update_field(api: Api, field_id: str, **body: Any) -> dict[str, Any]:
    r = api.patch(f"/rest/metadata/fields/{field_id}", json=body)
    assert r.status_code == 200, r.text
    assert list(r.json()["data"]) == ["updateOneField"], r.json()
    return r.json()["data"]["updateOneField"]  # type: ignore[no-any-return]


def update_object(api: Api, object_id: str, **body: Any) -> dict[str, Any]:
    r = api.patch(f"/rest/metadata/objects/{object_id}", json=body)
    assert r.status_code == 200, r.text
    assert list(r.json()["data"]) == ["updateOneObject"], r.json()
    return r.json()["data"]["updateOneObject"]  # type: ignore[no-any-return]


def create_record(api: Api, obj: dict[str, Any], **body: Any) -> dict[str, Any]:
    r = api.post(f"/rest/{obj['namePlural']}", json=body)
    assert r.status_code == 201, r.text
    return r.json()["data"]["create" + cap(obj["nameSingular"])]  # type: ignore[no-any-return]


def get_record(api: Api, obj: dict[str, Any], record_id: str, **params: str) -> dict[str, Any]:
    r = api.get(f"/rest/{obj['namePlural']}/{record_id}", params=params)
    assert r.status_code == 200, r.text
    return r.json()["data"][obj["nameSingular"]]  # type: ignore[no-any-return]


def list_records(api: Api, obj: dict[str, Any], **params: str) -> list[dict[str, Any]]:
    r = api.get(f"/rest/{obj['namePlural']}", params=params)
    assert r.status_code == 200, r.text
    return r.json()["data"][obj["namePlural"]]  # type: ignore[no-any-return]


def destroy(api: Api, plural: str, record_id: str) -> None:
    r = api.delete(f"/rest/{plural}/{record_id}")
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def std(api: Api) -> dict[str, dict[str, Any]]:
    """The standard objects, by singular name (ids never change)."""
    return all_objects(api)


@pytest.fixture(scope="module")
def host(api: Api) -> dict[str, Any]:
    """A custom object the field and relation tests add their (uniquely named) fields to.

    Metadata changes cost more as the workspace grows: tests share this object rather than
    each making its own, unless they change the object itself."""
    return create_object(api, "host")


@pytest.fixture(scope="module")
def other(api: Api) -> dict[str, Any]:
    """A second shared custom object (relation target)."""
    return create_object(api, "other")


@pytest.fixture(scope="module")
def plain_field(api: Api, host: dict[str, Any]) -> dict[str, Any]:
    """A TEXT field of ``host`` that rejected updates must leave untouched."""
    return create_field(api, host["id"], type="TEXT", name="plain" + cap(letters()), label="Plain")


# ---- listing, paging, reading -----------------------------------------------------------------


def test_list_objects_envelope_and_payloads(api: Api, host: dict[str, Any]) -> None:
    custom = host
    r = api.get("/rest/metadata/objects")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"data", "pageInfo", "totalCount"}
    assert list(body["data"]) == ["objects"]
    objects = body["data"]["objects"]
    names = {o["nameSingular"] for o in objects}
    assert names >= STANDARD_OBJECTS
    assert custom["nameSingular"] in names
    assert body["totalCount"] == len(objects) == len(names)
    assert len(STANDARD_OBJECTS) == 31
    assert [o for o in objects if not o["isCustom"]] and all(
        o["isCustom"] == (o["nameSingular"] not in STANDARD_OBJECTS) for o in objects
    )
    ids = [o["id"] for o in objects]
    assert ids == sorted(ids, reverse=True), "ordered by id descending"
    assert body["pageInfo"] == {
        "hasNextPage": False, "hasPreviousPage": False, "startCursor": ids[0], "endCursor": ids[-1],
    }
    for o in objects:
        assert set(o) >= OBJECT_KEYS, (o["nameSingular"], OBJECT_KEYS - set(o))
        assert uuid.UUID(o["id"]) and uuid.UUID(o["workspaceId"])
        assert isinstance(o["fields"], list) and o["fields"]
        assert all(f["objectMetadataId"] == o["id"] for f in o["fields"])
        for f in o["fields"]:
            assert set(f) >= FIELD_KEYS, (o["nameSingular"], f["name"], FIELD_KEYS - set(f))
        by_id = {f["id"]: f for f in o["fields"]}
        assert o["labelIdentifierFieldMetadataId"] in by_id
    person = next(o for o in objects if o["nameSingular"] == "person")
    assert person["namePlural"] == "people" and person["isCustom"] is False and person["isActive"] is True
    label_field = next(f for f in person["fields"] if f["id"] == person["labelIdentifierFieldMetadataId"])
    assert label_field["name"] == "name" and label_field["type"] == "FULL_NAME"
    company_field = field_named(person, "company")
    assert company_field is not None and company_field["type"] == "RELATION"
    assert set(company_field["relation"]) >= RELATION_KEYS
    assert company_field["relation"]["type"] == "MANY_TO_ONE"
    assert company_field["relation"]["targetObjectMetadata"]["nameSingular"] == "company"
    assert company_field["relation"]["targetFieldMetadata"]["name"] == "people"
    assert company_field["settings"]["joinColumnName"] == "companyId"


def test_list_fields_envelope(api: Api) -> None:
    objects = snapshot(api)["data"]["objects"]
    every = {f["id"] for o in objects for f in o["fields"]}
    r = api.get("/rest/metadata/fields")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"data", "pageInfo", "totalCount"} and list(body["data"]) == ["fields"]
    assert body["totalCount"] == len(every)
    fields = body["data"]["fields"]
    ids = [f["id"] for f in fields]
    assert ids == sorted(ids, reverse=True)
    assert len(fields) == min(len(every), 1000)
    assert set(ids) <= every
    for f in fields:
        assert set(f) >= FIELD_KEYS
    assert body["pageInfo"]["hasNextPage"] is (len(every) > 1000)
    assert body["pageInfo"]["hasPreviousPage"] is False
    assert body["pageInfo"]["startCursor"] == ids[0] and body["pageInfo"]["endCursor"] == ids[-1]


def test_objects_pagination(api: Api) -> None:
    every = [o["id"] for o in snapshot(api)["data"]["objects"]]
    r = api.get("/rest/metadata/objects", params={"limit": "5"})
    assert r.status_code == 200, r.text
    page1 = r.json()
    assert [o["id"] for o in page1["data"]["objects"]] == every[:5]
    assert page1["totalCount"] == len(every)
    assert page1["pageInfo"] == {
        "hasNextPage": True, "hasPreviousPage": False, "startCursor": every[0], "endCursor": every[4],
    }
    r = api.get("/rest/metadata/objects", params={"limit": "5", "starting_after": every[4]})
    assert r.status_code == 200, r.text
    page2 = r.json()
    upper = api.get("/rest/metadata/objects", params={"limit": "5", "starting_after": every[4].upper()})
    assert upper.status_code == 200, upper.text
    assert upper.json() == page2  # cursors compare as the ids they name
    assert [o["id"] for o in page2["data"]["objects"]] == every[5:10]
    assert page2["pageInfo"]["hasPreviousPage"] is True and page2["pageInfo"]["hasNextPage"] is True
    assert page2["pageInfo"]["startCursor"] == every[5] and page2["pageInfo"]["endCursor"] == every[9]
    # back to page 1
    r = api.get("/rest/metadata/objects", params={"limit": "5", "ending_before": every[5]})
    assert r.status_code == 200, r.text
    back = r.json()
    assert [o["id"] for o in back["data"]["objects"]] == every[:5]
    assert back["pageInfo"]["hasPreviousPage"] is False
    # the camelCase spellings are accepted too
    r = api.get("/rest/metadata/objects", params={"limit": "5", "startingAfter": every[4]})
    assert [o["id"] for o in r.json()["data"]["objects"]] == every[5:10]
    r = api.get("/rest/metadata/objects", params={"limit": "3", "endingBefore": every[5]})
    assert [o["id"] for o in r.json()["data"]["objects"]] == every[2:5]
    # walking the whole list page by page gives every object once, in order
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "7"} | ({"starting_after": cursor} if cursor else {})
        body = api.get("/rest/metadata/objects", params=params).json()
        seen += [o["id"] for o in body["data"]["objects"]]
        if not body["pageInfo"]["hasNextPage"]:
            break
        cursor = body["pageInfo"]["endCursor"]
    assert seen == every
    # the last page
    r = api.get("/rest/metadata/objects", params={"starting_after": every[-2]})
    assert [o["id"] for o in r.json()["data"]["objects"]] == every[-1:]
    assert r.json()["pageInfo"]["hasNextPage"] is False
    # limit above the maximum is clamped to 1000
    r = api.get("/rest/metadata/objects", params={"limit": "5000"})
    assert r.status_code == 200 and [o["id"] for o in r.json()["data"]["objects"]] == every


def test_fields_pagination(api: Api) -> None:
    every = sorted((f["id"] for o in snapshot(api)["data"]["objects"] for f in o["fields"]), reverse=True)
    r = api.get("/rest/metadata/fields", params={"limit": "10"})
    body = r.json()
    assert [f["id"] for f in body["data"]["fields"]] == every[:10]
    assert body["pageInfo"]["hasNextPage"] is True and body["totalCount"] == len(every)
    r = api.get("/rest/metadata/fields", params={"limit": "10", "starting_after": every[9]})
    assert [f["id"] for f in r.json()["data"]["fields"]] == every[10:20]
    r = api.get("/rest/metadata/fields", params={"limit": "10", "ending_before": every[10]})
    assert [f["id"] for f in r.json()["data"]["fields"]] == every[:10]


@pytest.mark.parametrize("kind", ["objects", "fields"])
@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"starting_after": str(uuid.uuid4()), "ending_before": str(uuid.uuid4())}, "INVALID_PARAMETER"),
        ({"startingAfter": str(uuid.uuid4()), "endingBefore": str(uuid.uuid4())}, "INVALID_PARAMETER"),
        ({"starting_after": "not-a-cursor"}, "INVALID_CURSOR"),
        ({"ending_before": "12345"}, "INVALID_CURSOR"),
        ({"limit": "abc"}, "INVALID_LIMIT"),
        ({"limit": "-1"}, "INVALID_LIMIT"),
        ({"offset": "3"}, "UNKNOWN_PARAMETER"),
    ],
)
def test_list_bad_parameters(api: Api, kind: str, params: dict[str, str], code: str) -> None:
    assert_error(api.get(f"/rest/metadata/{kind}", params=params), 400, code)


def test_older_last_cursor_pages_like_starting_after(api: Api) -> None:
    """Clients of older Twenty releases page metadata lists with ``last_cursor``; given with
    ``starting_after`` (or twice) it is a 400 naming both."""
    every = sorted((o["id"] for o in snapshot(api)["data"]["objects"]), reverse=True)
    older = api.get("/rest/metadata/objects", params={"limit": "5", "last_cursor": every[4]})
    assert older.status_code == 200, older.text
    assert older.json() == api.get("/rest/metadata/objects", params={"limit": "5", "starting_after": every[4]}).json()
    assert [o["id"] for o in older.json()["data"]["objects"]] == every[5:10]
    body = assert_error(
        api.get("/rest/metadata/fields", params={"last_cursor": every[1], "starting_after": every[2]}),
        400, "INVALID_PARAMETER",
    )
    assert body["error"]["details"]["parameters"] == ["last_cursor", "starting_after"]
    assert "'last_cursor' and 'starting_after'" in body["error"]["message"]
    body = assert_error(
        api.get("/rest/metadata/objects?limit=2&limit=3"), 400, "INVALID_PARAMETER"
    )
    assert body["error"]["details"]["parameter"] == "limit"


def test_metadata_root_lists_the_routes(api: Api) -> None:
    """GET /rest/metadata, the metadata OpenAPI document's server URL, says what is under it."""
    doc = api.get("/rest/open-api/metadata").json()
    root = doc["servers"][0]["url"].removeprefix("http://testserver")
    assert root == "/rest/metadata"
    for path in (root, root + "/"):
        r = api.get(path)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/json"
        body = r.json()
        assert [x["name"] for x in body["routes"]] == ["objects", "fields", "relations", "webhooks"]
        assert body["openApi"] == "/rest/open-api/metadata" and body["graphql"] == "/metadata"
        for route in body["routes"]:
            assert api.get(route["path"]).status_code == 200, route
    r = api.post(root, json={})
    assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["allow"] == "GET"
    assert_error(api.get(root, params={"x": "1"}), 400, "UNKNOWN_PARAMETER")
    assert_error(api.client.get(root), 403, "FORBIDDEN")


def test_relations_as_older_releases_listed_them(api: Api, std: dict[str, dict[str, Any]]) -> None:
    """/rest/metadata/relations: one relation per ONE_TO_MANY field and its MANY_TO_ONE inverse,
    in the shape of Twenty's relation metadata before 1.0; read only."""
    company, person = std["company"], std["person"]
    people = next(f for f in company["fields"] if f["name"] == "people")
    employer = next(f for f in person["fields"] if f["name"] == "company")
    r = api.get("/rest/metadata/relations")
    assert r.status_code == 200, r.text
    body = r.json()
    relations = body["data"]["relations"]
    assert body["totalCount"] == len(relations) > 20
    ids = [x["id"] for x in relations]
    assert ids == sorted(ids, reverse=True)
    one_to_many = {f["id"] for o in snapshot(api)["data"]["objects"] for f in o["fields"]
                   if (f["relation"] or {}).get("type") == "ONE_TO_MANY"}
    assert set(ids) == one_to_many
    expected = {
        "id": people["id"], "relationType": "ONE_TO_MANY",
        "fromObjectMetadataId": company["id"], "toObjectMetadataId": person["id"],
        "fromFieldMetadataId": people["id"], "toFieldMetadataId": employer["id"],
        "onDeleteAction": employer["settings"]["onDelete"],
        "createdAt": people["createdAt"], "updatedAt": people["updatedAt"],
    }
    assert next(x for x in relations if x["id"] == people["id"]) == expected
    one = api.get(f"/rest/metadata/relations/{people['id'].upper()}")
    assert one.status_code == 200, one.text
    assert one.json() == {"data": {"relation": expected}}
    page = api.get("/rest/metadata/relations", params={"limit": "3", "last_cursor": ids[2]}).json()
    assert [x["id"] for x in page["data"]["relations"]] == ids[3:6]
    assert_error(api.get(f"/rest/metadata/relations/{employer['id']}"), 404, "RELATION_METADATA_NOT_FOUND")
    assert_error(api.get("/rest/metadata/relations/nope"), 400, "INVALID_UUID")
    r = api.post("/rest/metadata/relations", json={"relationType": "ONE_TO_MANY"})
    assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["allow"] == "GET"
    assert_error(api.delete(f"/rest/metadata/relations/{people['id']}"), 405, "METHOD_NOT_ALLOWED")


def test_get_one_object_and_field(api: Api, std: dict[str, dict[str, Any]]) -> None:
    listed = std["company"]
    r = api.get(f"/rest/metadata/objects/{listed['id']}")
    assert r.status_code == 200, r.text
    assert list(r.json()) == ["data"] and list(r.json()["data"]) == ["object"]
    company = r.json()["data"]["object"]
    assert set(company) >= OBJECT_KEYS
    assert company["nameSingular"] == "company" and company["namePlural"] == "companies"
    assert {f["id"] for f in company["fields"]} == {f["id"] for f in listed["fields"]}
    name = field_named(company, "name")
    assert name is not None and company["labelIdentifierFieldMetadataId"] == name["id"]
    r = api.get(f"/rest/metadata/fields/{name['id']}")
    assert r.status_code == 200, r.text
    assert list(r.json()["data"]) == ["field"]
    assert r.json()["data"]["field"] == name
    people = get_field(api, field_named(company, "people")["id"])  # type: ignore[index]
    assert people["type"] == "RELATION" and people["relation"]["type"] == "ONE_TO_MANY"
    assert people["relation"]["targetObjectMetadata"]["nameSingular"] == "person"
    assert people["relation"]["sourceObjectMetadata"]["id"] == company["id"]
    assert people["relation"]["sourceFieldMetadata"]["id"] == people["id"]


@pytest.mark.parametrize("kind", ["objects", "fields"])
def test_unknown_and_malformed_ids(api: Api, kind: str) -> None:
    code = "OBJECT_METADATA_NOT_FOUND" if kind == "objects" else "FIELD_METADATA_NOT_FOUND"
    unknown = str(uuid.uuid4())
    assert_error(api.get(f"/rest/metadata/{kind}/{unknown}"), 404, code)
    assert_error(api.patch(f"/rest/metadata/{kind}/{unknown}", json={"label": "X"} if kind == "fields"
                           else {"labelSingular": "X"}), 404, code)
    assert_error(api.delete(f"/rest/metadata/{kind}/{unknown}"), 404, code)
    assert_error(api.get(f"/rest/metadata/{kind}/not-a-uuid"), 400, "INVALID_UUID")
    assert_error(api.patch(f"/rest/metadata/{kind}/not-a-uuid", json={}), 400, "INVALID_UUID")
    assert_error(api.delete(f"/rest/metadata/{kind}/1234"), 400, "INVALID_UUID")


@pytest.mark.parametrize("kind", ["objects", "fields"])
def test_wrong_methods_and_routes(api: Api, std: dict[str, dict[str, Any]], kind: str) -> None:
    before = snapshot(api)
    some_id = std["person"]["id"] if kind == "objects" else std["person"]["fields"][0]["id"]
    assert_error(api.delete(f"/rest/metadata/{kind}"), 405, "METHOD_NOT_ALLOWED")
    assert_error(api.patch(f"/rest/metadata/{kind}", json={}), 405, "METHOD_NOT_ALLOWED")
    assert_error(api.post(f"/rest/metadata/{kind}/{some_id}", json={}), 405, "METHOD_NOT_ALLOWED")
    assert_error(api.get("/rest/metadata/nothings"), 404, "ROUTE_NOT_FOUND")
    assert_error(api.get(f"/rest/metadata/{kind}/{some_id}/more"), 404, "ROUTE_NOT_FOUND")
    assert snapshot(api) == before


def test_metadata_needs_a_token(app_client: Any) -> None:
    r = app_client.get("/rest/metadata/objects")
    assert_error(r, 403, "FORBIDDEN")  # no token (AUTH_WEBHOOKS.md: missing token → 403)
    r = app_client.post(
        "/rest/metadata/objects",
        json={"nameSingular": "nope", "namePlural": "nopes", "labelSingular": "N", "labelPlural": "Ns"},
        headers={"Authorization": "Bearer nope"},
    )
    assert_error(r, 401, "UNAUTHENTICATED")


# ---- custom objects ---------------------------------------------------------------------------


def test_create_custom_object(api: Api) -> None:
    singular, plural = unique_names("invoice")
    before = {o["nameSingular"] for o in snapshot(api)["data"]["objects"]}
    r = api.post("/rest/metadata/objects", json={
        "nameSingular": singular, "namePlural": plural, "labelSingular": "Invoice", "labelPlural": "Invoices",
        "description": "Bills we send", "icon": "IconFileInvoice",
    })
    assert r.status_code == 201, r.text
    assert list(r.json()) == ["data"] and list(r.json()["data"]) == ["createOneObject"]
    obj = r.json()["data"]["createOneObject"]
    assert set(obj) >= OBJECT_KEYS
    assert uuid.UUID(obj["id"])
    assert (obj["nameSingular"], obj["namePlural"]) == (singular, plural)
    assert (obj["labelSingular"], obj["labelPlural"]) == ("Invoice", "Invoices")
    assert obj["description"] == "Bills we send" and obj["icon"] == "IconFileInvoice"
    assert obj["isCustom"] is True and obj["isActive"] is True and obj["isSystem"] is False
    assert obj["isRemote"] is False
    assert obj["imageIdentifierFieldMetadataId"] is None
    fields = {f["name"]: f for f in obj["fields"]}
    assert {n: fields[n]["type"] for n in CUSTOM_OBJECT_FIELDS if n in fields} == CUSTOM_OBJECT_FIELDS
    assert obj["labelIdentifierFieldMetadataId"] == fields["name"]["id"]
    assert fields["name"]["isNullable"] is True and fields["name"]["isSystem"] is False
    assert fields["id"]["isSystem"] is True and fields["id"]["isNullable"] is False
    assert fields["position"]["isSystem"] is True
    assert fields["searchVector"]["isSystem"] is True
    assert all(f["objectMetadataId"] == obj["id"] for f in obj["fields"])
    # it is listed and readable, the same
    assert get_object(api, obj["id"]) == obj
    objects = all_objects(api)
    assert set(objects) == before | {singular}
    # the relations to the junction objects, both sides
    for link, (junction, pattern) in SYSTEM_LINKS.items():
        mine = fields[link]
        assert mine["settings"]["relationType"] == "ONE_TO_MANY", link
        assert mine["relation"]["type"] == "ONE_TO_MANY"
        assert mine["relation"]["targetObjectMetadata"]["nameSingular"] == junction
        inverse_name = pattern.format(Cap=cap(singular), name=singular)
        assert mine["relation"]["targetFieldMetadata"]["name"] == inverse_name
        inverse = field_named(objects[junction], inverse_name)
        assert inverse is not None, (junction, inverse_name)
        assert inverse["type"] in ("RELATION", "MORPH_RELATION")
        assert inverse["settings"]["relationType"] == "MANY_TO_ONE"
        assert inverse["settings"]["joinColumnName"] == inverse_name + "Id"
        assert inverse["relation"]["targetObjectMetadata"]["id"] == obj["id"]
        assert inverse["relation"]["targetFieldMetadata"]["name"] == link
    note_target = field_named(objects["noteTarget"], "target" + cap(singular))
    assert note_target is not None and note_target["type"] == "MORPH_RELATION"


def test_create_object_names_from_labels(api: Api) -> None:
    """isLabelSyncedWithName without names: the names are derived from the labels."""
    suffix = letters()
    r = api.post("/rest/metadata/objects", json={
        "labelSingular": f"Purchase Order {suffix}", "labelPlural": f"Purchase Orders {suffix}",
        "isLabelSyncedWithName": True,
    })
    assert r.status_code == 201, r.text
    obj = r.json()["data"]["createOneObject"]
    assert obj["nameSingular"] == "purchaseOrder" + cap(suffix)
    assert obj["namePlural"] == "purchaseOrders" + cap(suffix)
    assert obj["isLabelSyncedWithName"] is True
    assert list_records(api, obj) == []
    f = create_field(api, obj["id"], type="TEXT", label="Serial Number", isLabelSyncedWithName=True)
    assert f["name"] == "serialNumber" and f["isLabelSyncedWithName"] is True


def test_object_color_shortcut_searchable(api: Api, other: dict[str, Any]) -> None:
    """Inputs the server accepts are stored and returned; `color` ([newer] Twenty) is not
    stored by this server, so it is refused rather than silently dropped."""
    updated = update_object(api, other["id"], shortcut="O", isSearchable=False)
    assert updated["shortcut"] == "O" and updated["isSearchable"] is False
    assert update_object(api, other["id"], isSearchable=True)["isSearchable"] is True
    r = api.patch(f"/rest/metadata/objects/{other['id']}", json={"color": "blue"})
    assert_error(r, 400, "INVALID_METADATA_INPUT")
    assert get_object(api, other["id"])["color"] is None


def test_custom_object_records_work_right_away(api: Api) -> None:
    obj = create_object(api, "rocket")
    plural, singular = obj["namePlural"], obj["nameSingular"]
    assert list_records(api, obj) == []
    r = api.post(f"/rest/batch/{plural}", json=[{"name": "Bravo"}, {"name": "Alpha"}, {"name": "Charlie"}])
    assert r.status_code == 201, r.text
    made = r.json()["data"]["create" + cap(plural)]
    assert [m["name"] for m in made] == ["Bravo", "Alpha", "Charlie"]
    one = create_record(api, obj, name="Delta")
    assert {"id", "name", "createdAt", "updatedAt", "deletedAt", "createdBy", "updatedBy", "position"} <= set(one)
    assert "searchVector" not in one
    assert one["createdBy"]["source"] == "API"
    r = api.get(f"/rest/{plural}")
    assert r.json()["totalCount"] == 4
    assert [x["name"] for x in list_records(api, obj, filter='name[eq]:"Alpha"')] == ["Alpha"]
    assert [x["name"] for x in list_records(api, obj, order_by="name[DescNullsLast]")] == [
        "Delta", "Charlie", "Bravo", "Alpha",
    ]
    r = api.get(f"/rest/{plural}", params={"order_by": "name", "limit": "2"})
    page = r.json()
    assert [x["name"] for x in page["data"][plural]] == ["Alpha", "Bravo"]
    assert page["pageInfo"]["hasNextPage"] is True
    r = api.get(f"/rest/{plural}", params={
        "order_by": "name", "limit": "2", "starting_after": page["pageInfo"]["endCursor"],
    })
    assert [x["name"] for x in r.json()["data"][plural]] == ["Charlie", "Delta"]
    updated = api.patch(f"/rest/{plural}/{one['id']}", json={"name": "Echo"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["data"]["update" + cap(singular)]["name"] == "Echo"
    # a note attached through the morph junction
    note = api.post("/rest/notes", json={"title": "About " + singular}).json()["data"]["createNote"]
    r = api.post("/rest/noteTargets", json={"noteId": note["id"], f"target{cap(singular)}Id": one["id"]})
    assert r.status_code == 201, r.text
    target = r.json()["data"]["createNoteTarget"]
    assert target[f"target{cap(singular)}Id"] == one["id"]
    r = api.get("/rest/noteTargets", params={"filter": f"target{cap(singular)}Id[eq]:{one['id']}"})
    assert [t["id"] for t in r.json()["data"]["noteTargets"]] == [target["id"]]
    deep = get_record(api, obj, one["id"], depth="1")
    assert [t["id"] for t in deep["noteTargets"]] == [target["id"]]
    assert deep["taskTargets"] == [] and deep["attachments"] == [] and deep["favorites"] == []
    note_deep = api.get(f"/rest/notes/{note['id']}", params={"depth": "1"}).json()["data"]["note"]
    assert [t["id"] for t in note_deep["noteTargets"]] == [target["id"]]
    # unknown keys are rejected on the new object too
    assert_error(api.post(f"/rest/{plural}", json={"nope": 1}), 400, "UNKNOWN_FIELD")
    # destroying the record cascades to its note targets
    destroy(api, plural, one["id"])
    assert api.get(f"/rest/noteTargets/{target['id']}").status_code == 404


def test_update_object_labels_description_icon(api: Api, host: dict[str, Any]) -> None:
    obj = update_object(api, host["id"], description="first", icon="IconBox")
    updated = update_object(
        api, obj["id"], labelSingular="Parcel", labelPlural="Parcels", description="second", icon="IconPackage",
    )
    assert (updated["labelSingular"], updated["labelPlural"]) == ("Parcel", "Parcels")
    assert updated["description"] == "second" and updated["icon"] == "IconPackage"
    assert (updated["nameSingular"], updated["namePlural"]) == (obj["nameSingular"], obj["namePlural"])
    assert updated["updatedAt"] >= obj["updatedAt"]
    assert get_object(api, obj["id"]) == updated
    # PUT is an alias of PATCH
    r = api.put(f"/rest/metadata/objects/{obj['id']}", json={"description": None})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["updateOneObject"]["description"] is None
    # a custom object's records still answer
    assert list_records(api, obj) == []


def test_rename_custom_object(api: Api, std: dict[str, dict[str, Any]], host: dict[str, Any]) -> None:
    obj = create_object(api, "crate")
    old_s, old_p = obj["nameSingular"], obj["namePlural"]
    suffix = letters()
    # a unique field, a relation to company and a relation from another custom object
    create_field(api, obj["id"], type="TEXT", name="code", label="Code", isUnique=True)
    crates = "crates" + cap(suffix)
    create_field(api, obj["id"], type="RELATION", name="maker", label="Maker", relationCreationPayload={
        "type": "MANY_TO_ONE", "targetObjectMetadataId": std["company"]["id"], "targetFieldLabel": f"Crates {suffix}"})
    link_name = "crate" + cap(suffix)
    create_field(api, host["id"], type="RELATION", name=link_name, label="Crate", relationCreationPayload={
        "type": "MANY_TO_ONE", "targetObjectMetadataId": obj["id"], "targetFieldLabel": "Hosts"})
    maker = api.post("/rest/companies", json={"name": "Maker " + suffix}).json()["data"]["createCompany"]
    records = [create_record(api, obj, name=n, code=n.upper(), makerId=maker["id"]) for n in ("one", "two")]
    holder = create_record(api, host, name="holder", **{link_name + "Id": records[0]["id"]})
    note = api.post("/rest/notes", json={"title": "crate note"}).json()["data"]["createNote"]
    r = api.post("/rest/noteTargets", json={"noteId": note["id"], f"target{cap(old_s)}Id": records[0]["id"]})
    assert r.status_code == 201, r.text
    target_id = r.json()["data"]["createNoteTarget"]["id"]
    new_s, new_p = unique_names("box")
    renamed = update_object(api, obj["id"], nameSingular=new_s, namePlural=new_p)
    assert (renamed["nameSingular"], renamed["namePlural"]) == (new_s, new_p)
    assert renamed["id"] == obj["id"]
    assert_error(api.get(f"/rest/{old_p}"), 400, "OBJECT_NOT_FOUND")
    assert_error(api.post(f"/rest/{old_p}", json={"name": "x"}), 400, "OBJECT_NOT_FOUND")
    new_obj = {"nameSingular": new_s, "namePlural": new_p}
    got = list_records(api, new_obj, order_by="name")
    assert [(x["id"], x["name"], x["code"]) for x in got] == [
        (records[0]["id"], "one", "ONE"), (records[1]["id"], "two", "TWO")]
    # the junction links follow the object
    objects = all_objects(api)
    assert field_named(objects["noteTarget"], "target" + cap(old_s)) is None
    link = field_named(objects["noteTarget"], "target" + cap(new_s))
    assert link is not None and link["relation"]["targetObjectMetadata"]["nameSingular"] == new_s
    assert field_named(objects["favorite"], new_s) is not None
    assert field_named(objects["favorite"], old_s) is None
    note_target = api.get(f"/rest/noteTargets/{target_id}").json()["data"]["noteTarget"]
    assert note_target[f"target{cap(new_s)}Id"] == records[0]["id"]
    assert f"target{cap(old_s)}Id" not in note_target
    deep = get_record(api, new_obj, records[0]["id"], depth="1")
    assert [t["id"] for t in deep["noteTargets"]] == [target_id]
    # relations follow too, both ways
    assert deep["maker"]["id"] == maker["id"] and [x["id"] for x in deep["hosts"]] == [holder["id"]]
    company_side = field_named(objects["company"], crates)
    assert company_side is not None and company_side["relation"]["targetObjectMetadata"]["nameSingular"] == new_s
    host_side = field_named(objects[host["nameSingular"]], link_name)
    assert host_side is not None and host_side["relation"]["targetObjectMetadata"]["namePlural"] == new_p
    maker_deep = api.get(f"/rest/companies/{maker['id']}", params={"depth": "1"}).json()["data"]["company"]
    assert sorted(x["id"] for x in maker_deep[crates]) == sorted(r["id"] for r in records)
    assert get_record(api, host, holder["id"], depth="1")[link_name]["id"] == records[0]["id"]
    assert [x["id"] for x in list_records(api, new_obj, filter=f"makerId[eq]:{maker['id']}", order_by="code")] == [
        records[0]["id"], records[1]["id"]]
    # the unique index moved with the table
    body = assert_error(api.post(f"/rest/{new_p}", json={"code": "ONE"}), 409, "UNIQUE_VIOLATION")
    assert "code" in str(body)
    # foreign keys still act: destroying a crate empties the pointer, destroying the maker the crates'
    destroy(api, new_p, records[0]["id"])
    assert get_record(api, host, holder["id"])[link_name + "Id"] is None
    destroy(api, "companies", maker["id"])
    assert get_record(api, new_obj, records[1]["id"])["makerId"] is None
    # new records and new links work under the new names
    fresh = create_record(api, new_obj, name="three", code="ONE")
    r = api.post("/rest/noteTargets", json={"noteId": note["id"], f"target{cap(new_s)}Id": fresh["id"]})
    assert r.status_code == 201, r.text
    assert_error(
        api.post("/rest/noteTargets", json={"noteId": note["id"], f"target{cap(old_s)}Id": fresh["id"]}),
        400, "UNKNOWN_FIELD",
    )
    # the old names are free again
    again = api.post("/rest/metadata/objects", json={
        "nameSingular": old_s, "namePlural": old_p, "labelSingular": "Again", "labelPlural": "Agains",
    })
    assert again.status_code == 201, again.text
    assert list_records(api, obj) == []


def test_rename_custom_object_only_plural(api: Api) -> None:
    obj = create_object(api, "only")
    rec = create_record(api, obj, name="kept")
    new_plural = obj["nameSingular"] + "Items"
    renamed = update_object(api, obj["id"], namePlural=new_plural)
    assert renamed["namePlural"] == new_plural and renamed["nameSingular"] == obj["nameSingular"]
    assert_error(api.get(f"/rest/{obj['namePlural']}"), 400, "OBJECT_NOT_FOUND")
    assert [x["id"] for x in list_records(api, renamed)] == [rec["id"]]


def test_deactivate_and_reactivate_object(api: Api, std: dict[str, dict[str, Any]]) -> None:
    obj = create_object(api, "sleepy")
    suffix = letters()
    inverse = "sleepies" + cap(suffix)
    create_field(api, obj["id"], type="RELATION", name="company", label="Company", relationCreationPayload={
        "type": "MANY_TO_ONE", "targetObjectMetadataId": std["company"]["id"], "targetFieldLabel": f"Sleepies {suffix}"})
    company = api.post("/rest/companies", json={"name": "Sleepy " + suffix}).json()["data"]["createCompany"]
    rec = create_record(api, obj, name="zzz", companyId=company["id"])
    off = update_object(api, obj["id"], isActive=False)
    assert off["isActive"] is False
    assert get_object(api, obj["id"])["isActive"] is False
    assert obj["nameSingular"] in all_objects(api)
    plural = obj["namePlural"]
    assert_error(api.get(f"/rest/{plural}"), 400, "OBJECT_NOT_FOUND")
    assert_error(api.get(f"/rest/{plural}/{rec['id']}"), 400, "OBJECT_NOT_FOUND")
    assert_error(api.post(f"/rest/{plural}", json={"name": "x"}), 400, "OBJECT_NOT_FOUND")
    # objects related to it keep working, without the relation to the inactive object
    r = api.get(f"/rest/companies/{company['id']}", params={"depth": "1"})
    assert r.status_code == 200, r.text
    assert inverse not in r.json()["data"]["company"]
    on = update_object(api, obj["id"], isActive=True)
    assert on["isActive"] is True
    assert [x["id"] for x in list_records(api, obj)] == [rec["id"]]
    assert get_record(api, obj, rec["id"])["name"] == "zzz"
    deep = api.get(f"/rest/companies/{company['id']}", params={"depth": "1"}).json()["data"]["company"]
    assert [x["id"] for x in deep[inverse]] == [rec["id"]]
    destroy(api, "companies", company["id"])
    assert get_record(api, obj, rec["id"])["companyId"] is None


def test_delete_custom_object(api: Api, std: dict[str, dict[str, Any]], host: dict[str, Any]) -> None:
    obj = create_object(api, "doomed")
    gone = create_record(api, obj, name="gone")
    # a relation from another custom object to this one
    link = "doomed" + cap(letters())
    rel = create_field(api, host["id"], type="RELATION", name=link, label="Doomed", relationCreationPayload={
        "type": "MANY_TO_ONE", "targetObjectMetadataId": obj["id"], "targetFieldLabel": "Pointers"})
    pointer = create_record(api, host, name="pointer", **{link + "Id": gone["id"]})
    # and one from it to company
    suffix = letters()
    create_field(api, obj["id"], type="RELATION", name="buyer", label="Buyer", relationCreationPayload={
        "type": "MANY_TO_ONE", "targetObjectMetadataId": std["company"]["id"], "targetFieldLabel": f"Doomed {suffix}"})
    buyer = api.post("/rest/companies", json={"name": "Buyer " + suffix}).json()["data"]["createCompany"]
    api.patch(f"/rest/{obj['namePlural']}/{gone['id']}", json={"buyerId": buyer["id"]})
    obj = get_object(api, obj["id"])
    before = snapshot(api)
    assert_error(api.delete(f"/rest/metadata/objects/{obj['id']}"), 403, "METADATA_MUTATION_NOT_ALLOWED")
    assert snapshot(api) == before
    update_object(api, obj["id"], isActive=False)
    r = api.delete(f"/rest/metadata/objects/{obj['id']}")
    assert r.status_code == 200, r.text
    assert list(r.json()["data"]) == ["deleteOneObject"]
    deleted = r.json()["data"]["deleteOneObject"]
    assert deleted["id"] == obj["id"] and deleted["nameSingular"] == obj["nameSingular"]
    assert_error(api.get(f"/rest/metadata/objects/{obj['id']}"), 404, "OBJECT_METADATA_NOT_FOUND")
    assert_error(api.delete(f"/rest/metadata/objects/{obj['id']}"), 404, "OBJECT_METADATA_NOT_FOUND")
    objects = all_objects(api)
    assert obj["nameSingular"] not in objects
    assert field_named(objects["noteTarget"], "target" + cap(obj["nameSingular"])) is None
    assert field_named(objects["favorite"], obj["nameSingular"]) is None
    every_field = {f["id"] for o in objects.values() for f in o["fields"]}
    assert not every_field & {f["id"] for f in obj["fields"]}
    assert_error(api.get(f"/rest/{obj['namePlural']}"), 400, "OBJECT_NOT_FOUND")
    # the relation pointing at it is gone from the other object, join column included
    assert field_named(get_object(api, host["id"]), link) is None
    assert_error(api.get(f"/rest/metadata/fields/{rel['id']}"), 404, "FIELD_METADATA_NOT_FOUND")
    got = get_record(api, host, pointer["id"])
    assert got["name"] == "pointer" and link + "Id" not in got
    assert field_named(objects["company"], "doomed" + cap(suffix)) is None
    deep = api.get(f"/rest/companies/{buyer['id']}", params={"depth": "1"})
    assert deep.status_code == 200 and "doomed" + cap(suffix) not in deep.json()["data"]["company"]
    destroy(api, "companies", buyer["id"])
    # junction records still work without the link
    assert api.get("/rest/noteTargets").status_code == 200
    # the name can be used again, for an empty table
    r = api.post("/rest/metadata/objects", json={
        "nameSingular": obj["nameSingular"], "namePlural": obj["namePlural"],
        "labelSingular": "Reborn", "labelPlural": "Reborns",
    })
    assert r.status_code == 201, r.text
    assert list_records(api, obj) == []


def test_standard_objects_cannot_be_deleted_or_renamed(api: Api, std: dict[str, dict[str, Any]]) -> None:
    person = std["person"]
    before = snapshot(api)
    assert_error(api.delete(f"/rest/metadata/objects/{person['id']}"), 403, "METADATA_MUTATION_NOT_ALLOWED")
    assert_error(api.patch(f"/rest/metadata/objects/{person['id']}", json={"nameSingular": "human"}),
                 403, "METADATA_MUTATION_NOT_ALLOWED")
    assert_error(api.patch(f"/rest/metadata/objects/{person['id']}",
                           json={"nameSingular": "human", "namePlural": "humans"}),
                 403, "METADATA_MUTATION_NOT_ALLOWED")
    assert_error(api.patch(f"/rest/metadata/objects/{std['company']['id']}", json={"namePlural": "firms"}),
                 403, "METADATA_MUTATION_NOT_ALLOWED")
    assert_error(api.delete(f"/rest/metadata/objects/{std['noteTarget']['id']}"), 403,
                 "METADATA_MUTATION_NOT_ALLOWED")
    assert_error(api.patch(f"/rest/metadata/objects/{std['noteTarget']['id']}", json={"isActive": False}), 403,
                 "METADATA_MUTATION_NOT_ALLOWED")
    assert snapshot(api) == before
    # same names are not a rename
    same = update_object(api, person["id"], nameSingular="person", namePlural="people")
    assert same["nameSingular"] == "person"
    # labels of a standard object may change
    relabelled = update_object(api, std["opportunity"]["id"], labelSingular="Deal", labelPlural="Deals")
    assert (relabelled["labelSingular"], relabelled["labelPlural"]) == ("Deal", "Deals")
    assert api.get("/rest/opportunities").status_code == 200
    update_object(api, std["opportunity"]["id"], labelSingular=std["opportunity"]["labelSingular"],
                  labelPlural=std["opportunity"]["labelPlural"])


def _object_body(**changes: Any) -> dict[str, Any]:
    singular, plural = unique_names("valid")
    body: dict[str, Any] = {
        "nameSingular": singular, "namePlural": plural, "labelSingular": "Valid", "labelPlural": "Valids",
    }
    for key, value in changes.items():
        if value is ...:
            body.pop(key)
        else:
            body[key] = value
    return body


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"labelSingular": ...}, 400, "INVALID_METADATA_INPUT"),
        ({"labelPlural": ...}, 400, "INVALID_METADATA_INPUT"),
        ({"labelSingular": ..., "labelPlural": ...}, 400, "INVALID_METADATA_INPUT"),
        ({"labelSingular": ""}, 400, "INVALID_METADATA_INPUT"),
        ({"labelPlural": "   "}, 400, "INVALID_METADATA_INPUT"),
        ({"labelSingular": 7}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": ...}, 400, "INVALID_METADATA_INPUT"),
        ({"namePlural": ...}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": ""}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": "Invoice", "namePlural": "invoicesUpper"}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": "in voice", "namePlural": "inVoices"}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": "1abc", "namePlural": "abcs"}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": "invoice_item", "namePlural": "invoiceItems"}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": "invoiceItem", "namePlural": "invoice-items"}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": "caf\u00e9", "namePlural": "cafes"}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": "a" * 64, "namePlural": "bs"}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": "bs", "namePlural": "a" * 64}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": 12, "namePlural": "twelves"}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": "event", "namePlural": "eventItems"}, 409, "METADATA_NAME_CONFLICT"),
        ({"nameSingular": "user", "namePlural": "userItems"}, 409, "METADATA_NAME_CONFLICT"),
        ({"nameSingular": "workspace", "namePlural": "workspaceItems"}, 409, "METADATA_NAME_CONFLICT"),
        ({"nameSingular": "object", "namePlural": "objectItems"}, 409, "METADATA_NAME_CONFLICT"),
        ({"nameSingular": "eventItem", "namePlural": "events"}, 409, "METADATA_NAME_CONFLICT"),
        ({"nameSingular": "sameName", "namePlural": "sameName"}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": "person", "namePlural": "personItems"}, 409, "METADATA_NAME_CONFLICT"),
        ({"nameSingular": "human", "namePlural": "people"}, 409, "METADATA_NAME_CONFLICT"),
        ({"nameSingular": "companies", "namePlural": "companyItems"}, 409, "METADATA_NAME_CONFLICT"),
        ({"nameSingular": "firm", "namePlural": "company"}, 409, "METADATA_NAME_CONFLICT"),
        ({"nope": 1}, 400, "INVALID_METADATA_INPUT"),
        ({"isActive": False}, 400, "INVALID_METADATA_INPUT"),
        ({"fields": []}, 400, "INVALID_METADATA_INPUT"),
        ({"isLabelSyncedWithName": "yes"}, 400, "INVALID_METADATA_INPUT"),
        ({"description": 5}, 400, "INVALID_METADATA_INPUT"),
        ({"isRemote": True}, 400, "INVALID_METADATA_INPUT"),
    ],
)
def test_create_object_validation(api: Api, changes: dict[str, Any], status: int, code: str) -> None:
    before = snapshot(api)
    assert_error(api.post("/rest/metadata/objects", json=_object_body(**changes)), status, code)
    assert snapshot(api) == before


def test_object_whose_junction_link_would_clash(api: Api) -> None:
    """A new object ``view`` would get ``favorite.view`` with join column ``viewId`` — already a
    field of favorite. The server must refuse cleanly (409) or pick a free name, never fail
    half-way with a 500."""
    before = snapshot(api)
    r = api.post("/rest/metadata/objects", json={
        "nameSingular": "view", "namePlural": "views", "labelSingular": "View", "labelPlural": "Views",
    })
    assert r.status_code in (201, 409), r.text
    if r.status_code == 409:
        assert_error(r, 409, "METADATA_NAME_CONFLICT")
        assert snapshot(api) == before
    else:
        assert api.get("/rest/views").status_code == 200
    view_id = str(uuid.uuid4())
    r = api.post("/rest/favorites", json={"viewId": view_id})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createFavorite"]["viewId"] == view_id


def test_create_object_name_taken_by_custom_object(api: Api, host: dict[str, Any]) -> None:
    obj = host
    before = snapshot(api)
    for singular, plural in (
        (obj["nameSingular"], "otherTakens"),
        ("otherTaken", obj["namePlural"]),
        (obj["namePlural"], "otherTakens"),
        ("otherTaken", obj["nameSingular"]),
    ):
        r = api.post("/rest/metadata/objects", json={
            "nameSingular": singular, "namePlural": plural, "labelSingular": "T", "labelPlural": "Ts",
        })
        assert_error(r, 409, "METADATA_NAME_CONFLICT")
    assert snapshot(api) == before


def assert_error_among(response: Any, status: int, codes: tuple[str, ...]) -> dict[str, Any]:
    assert response.status_code == status, response.text
    code = response.json()["error"]["code"]
    assert code in codes, response.text
    return assert_error(response, status, code)


@pytest.mark.parametrize("kind", ["objects", "fields"])
@pytest.mark.parametrize("content", [b"[]", b'"invoice"', b"42", b"null", b"{not json", b""])
def test_create_with_non_object_bodies(api: Api, kind: str, content: bytes) -> None:
    before = snapshot(api)
    r = api.post(f"/rest/metadata/{kind}", content=content, headers={"Content-Type": "application/json"})
    assert_error_among(r, 400, ("INVALID_JSON", "INVALID_BODY", "INVALID_METADATA_INPUT"))
    assert snapshot(api) == before


def test_update_with_non_object_bodies(api: Api, host: dict[str, Any]) -> None:
    name_field = field_named(host, "name")
    assert name_field is not None
    before = snapshot(api)
    for url in (f"/rest/metadata/objects/{host['id']}", f"/rest/metadata/fields/{name_field['id']}"):
        for content in (b"[]", b"7", b"{oops"):
            r = api.patch(url, content=content, headers={"Content-Type": "application/json"})
            assert_error_among(r, 400, ("INVALID_JSON", "INVALID_BODY", "INVALID_METADATA_INPUT"))
    assert snapshot(api) == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"nope": True}, 400, "INVALID_METADATA_INPUT"),
        ({"labelSingular": ""}, 400, "INVALID_METADATA_INPUT"),
        ({"labelPlural": None}, 400, "INVALID_METADATA_INPUT"),
        ({"isActive": "no"}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": "Bad"}, 400, "INVALID_METADATA_INPUT"),
        ({"namePlural": "bad_name"}, 400, "INVALID_METADATA_INPUT"),
        ({"nameSingular": "user"}, 409, "METADATA_NAME_CONFLICT"),
        ({"nameSingular": "person"}, 409, "METADATA_NAME_CONFLICT"),
        ({"namePlural": "companies"}, 409, "METADATA_NAME_CONFLICT"),
        ({"labelIdentifierFieldMetadataId": "not-a-uuid"}, 400, "INVALID_UUID"),
        ({"labelIdentifierFieldMetadataId": str(uuid.uuid4())}, 400, "INVALID_METADATA_INPUT"),
        ({"labelIdentifierFieldMetadataId": None}, 400, "INVALID_METADATA_INPUT"),
    ],
)
def test_update_object_validation(api: Api, host: dict[str, Any], body: dict[str, Any], status: int,
                                  code: str) -> None:
    before = snapshot(api)
    assert_error(api.patch(f"/rest/metadata/objects/{host['id']}", json=body), status, code)
    assert snapshot(api) == before


def test_update_object_rename_to_its_own_singular_is_rejected(api: Api, host: dict[str, Any]) -> None:
    before = snapshot(api)
    r = api.patch(f"/rest/metadata/objects/{host['id']}", json={"namePlural": host["nameSingular"]})
    assert_error(r, 400, "INVALID_METADATA_INPUT")
    assert snapshot(api) == before


def test_label_identifier(api: Api, other: dict[str, Any]) -> None:
    obj = other
    name_field = field_named(obj, "name")
    assert name_field is not None and obj["labelIdentifierFieldMetadataId"] == name_field["id"]
    before = snapshot(api)
    # the label identifier can be neither deleted nor deactivated
    assert_error(api.delete(f"/rest/metadata/fields/{name_field['id']}"), 403, "METADATA_MUTATION_NOT_ALLOWED")
    assert_error(api.patch(f"/rest/metadata/fields/{name_field['id']}", json={"isActive": False}), 403,
                 "METADATA_MUTATION_NOT_ALLOWED")
    assert snapshot(api) == before
    # it can be relabelled
    assert update_field(api, name_field["id"], label="Title")["label"] == "Title"
    # it can move to another TEXT field
    code = create_field(api, obj["id"], type="TEXT", name="code" + cap(letters()), label="Code")
    moved = update_object(api, obj["id"], labelIdentifierFieldMetadataId=code["id"])
    assert moved["labelIdentifierFieldMetadataId"] == code["id"]
    assert get_object(api, obj["id"])["labelIdentifierFieldMetadataId"] == code["id"]
    # not to a field that cannot identify a record
    flag = create_field(api, obj["id"], type="BOOLEAN", name="flag" + cap(letters()), label="Flag")
    before = snapshot(api)
    assert_error(api.patch(f"/rest/metadata/objects/{obj['id']}", json={"labelIdentifierFieldMetadataId": flag["id"]}),
                 400, "INVALID_METADATA_INPUT")
    assert snapshot(api) == before
    back = update_object(api, obj["id"], labelIdentifierFieldMetadataId=name_field["id"])
    assert back["labelIdentifierFieldMetadataId"] == name_field["id"]


# ---- fields: create ---------------------------------------------------------------------------


def test_create_text_field(api: Api, host: dict[str, Any]) -> None:
    rec = create_record(api, host, name="before")
    name = "memo" + cap(letters())
    f = create_field(api, host["id"], type="TEXT", name=name, label="Memo", description="a note", icon="IconNote")
    assert set(f) >= FIELD_KEYS
    assert f["objectMetadataId"] == host["id"] and f["type"] == "TEXT" and f["name"] == name
    assert f["label"] == "Memo" and f["description"] == "a note" and f["icon"] == "IconNote"
    assert f["isCustom"] is True and f["isActive"] is True and f["isSystem"] is False
    assert f["isNullable"] is True and f["isUnique"] is False
    assert f["defaultValue"] is None and f["relation"] is None
    assert get_field(api, f["id"]) == f
    assert field_named(get_object(api, host["id"]), name) == f
    assert get_record(api, host, rec["id"])[name] in (None, "")
    made = create_record(api, host, **{name: "hello"})
    assert made[name] == "hello"
    assert [x["id"] for x in list_records(api, host, filter=f'{name}[eq]:"hello"')] == [made["id"]]


def test_field_name_rules_success(api: Api, host: dict[str, Any], other: dict[str, Any]) -> None:
    """What the rules allow: 63 characters, words that merely contain a reserved one, and
    a name already used on another object."""
    longest = "long" + letters() + "x" * 51
    assert len(longest) == 63
    assert create_field(api, host["id"], type="TEXT", name=longest, label="Long")["name"] == longest
    suffix = cap(letters())
    for name in ("eventDate" + suffix, "objectCount" + suffix, "typeCode" + suffix, "userName" + suffix):
        assert create_field(api, host["id"], type="TEXT", name=name, label=name)["name"] == name
    shared = "shared" + suffix
    create_field(api, host["id"], type="TEXT", name=shared, label="Shared")
    assert create_field(api, other["id"], type="NUMBER", name=shared, label="Shared")["name"] == shared
    rec = create_record(api, host, **{longest: "ok", shared: "text"})
    assert rec[longest] == "ok" and rec[shared] == "text"
    assert create_record(api, other, **{shared: 5})[shared] == 5


def test_create_field_with_isCustom_false_still_custom(api: Api, host: dict[str, Any]) -> None:  # noqa: N802
    f = create_field(api, host["id"], type="TEXT", name="cust" + cap(letters()), label="C", isCustom=False)
    assert f["isCustom"] is True


def test_create_select_and_multi_select_fields(api: Api, host: dict[str, Any]) -> None:
    old = create_record(api, host, name="old")
    status = "status" + cap(letters())
    f = create_field(api, host["id"], type="SELECT", name=status, label="Status", options=SELECT_OPTIONS,
                     defaultValue="'DRAFT'")
    assert f["defaultValue"] == "'DRAFT'"
    assert [(o["value"], o["label"], o["color"], o["position"]) for o in f["options"]] == [
        (o["value"], o["label"], o["color"], o["position"]) for o in SELECT_OPTIONS
    ]
    assert all(uuid.UUID(o["id"]) for o in f["options"])
    tags = "tags" + cap(letters())
    m = create_field(api, host["id"], type="MULTI_SELECT", name=tags, label="Tags",
                     options=[{"value": "RED", "label": "Red", "color": "red"},
                              {"value": "BLUE", "label": "Blue", "color": "blue"}],
                     defaultValue=["'RED'"])
    assert m["defaultValue"] == ["'RED'"]
    assert [o["value"] for o in m["options"]] == ["RED", "BLUE"]
    # the default applies to new records and to those that existed before
    fresh = create_record(api, host, name="fresh")
    assert fresh[status] == "DRAFT" and fresh[tags] == ["RED"]
    again = get_record(api, host, old["id"])
    assert again[status] == "DRAFT" and again[tags] == ["RED"]
    assert_error(api.post(f"/rest/{host['namePlural']}", json={status: "NOPE"}), 400, "VALIDATION_ERROR")
    assert_error(api.post(f"/rest/{host['namePlural']}", json={tags: ["GREEN"]}), 400, "VALIDATION_ERROR")


def test_create_not_nullable_field_with_default_fills_existing_records(api: Api, host: dict[str, Any]) -> None:
    old = create_record(api, host, name="old")
    name = "must" + cap(letters())
    f = create_field(api, host["id"], type="TEXT", name=name, label="Must", isNullable=False,
                     defaultValue="'fallback'")
    assert f["isNullable"] is False and f["defaultValue"] == "'fallback'"
    assert get_record(api, host, old["id"])[name] == "fallback"
    assert create_record(api, host)[name] == "fallback"
    count = "count" + cap(letters())
    n = create_field(api, host["id"], type="NUMBER", name=count, label="Count", isNullable=False, defaultValue=3)
    assert n["defaultValue"] == 3
    assert get_record(api, host, old["id"])[count] == 3


def _field_body(kind: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "TEXT", "name": kind + cap(letters()), "label": "A field"}
    for key, value in changes.items():
        if value is ...:
            body.pop(key)
        else:
            body[key] = value
    return body


FIELD_REJECTIONS: list[tuple[str, dict[str, Any], int, str]] = [
    # names
    ("host", {"name": "name"}, 409, "METADATA_NAME_CONFLICT"),
    ("host", {"name": "createdAt"}, 409, "METADATA_NAME_CONFLICT"),
    ("host", {"name": "noteTargets"}, 409, "METADATA_NAME_CONFLICT"),
    ("host", {"name": "createdBySource"}, 409, "METADATA_NAME_CONFLICT"),
    ("person", {"name": "companyId"}, 409, "METADATA_NAME_CONFLICT"),
    ("person", {"name": "company"}, 409, "METADATA_NAME_CONFLICT"),
    ("person", {"name": "nameFirstName"}, 409, "METADATA_NAME_CONFLICT"),
    ("person", {"name": "emailsPrimaryEmail"}, 409, "METADATA_NAME_CONFLICT"),
    ("person", {"name": "emails", "type": "EMAILS"}, 409, "METADATA_NAME_CONFLICT"),
    ("company", {"name": "domainNamePrimaryLinkUrl"}, 409, "METADATA_NAME_CONFLICT"),
    ("host", {"name": "type"}, 409, "METADATA_NAME_CONFLICT"),
    ("host", {"name": "event"}, 409, "METADATA_NAME_CONFLICT"),
    ("host", {"name": "fields"}, 409, "METADATA_NAME_CONFLICT"),
    ("host", {"name": "Status"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"name": "my status"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"name": "1status"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"name": "my_status"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"name": "s" * 64}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"name": ""}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"name": ...}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"name": 3}, 400, "INVALID_METADATA_INPUT"),
    # label, type, keys
    ("host", {"label": ...}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"label": ""}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": ...}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "STRING"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "text"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "TS_VECTOR"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "POSITION"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "EMAIL"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"nope": 1}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"isNullable": "no"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"objectMetadataId": "not-a-uuid"}, 400, "INVALID_UUID"),
    ("host", {"objectMetadataId": str(uuid.uuid4())}, 404, "OBJECT_METADATA_NOT_FOUND"),
    ("host", {"settings": "wide"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "NUMBER", "settings": {"dataType": "double"}}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "RAW_JSON", "isUnique": True}, 400, "INVALID_METADATA_INPUT"),
    # options
    ("host", {"type": "SELECT"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "MULTI_SELECT"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": []}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": "DRAFT"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": [{"value": "draft", "label": "Draft"}]}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": [{"value": "Draft", "label": "Draft"}]}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": [{"value": "MY DRAFT", "label": "Draft"}]}, 400,
     "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": [{"value": "1ST", "label": "First"}]}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": [{"label": "Draft"}]}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": [{"value": "DRAFT"}]}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": [{"value": "DRAFT", "label": "A"}, {"value": "DRAFT", "label": "B"}]},
     400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "MULTI_SELECT", "options": [{"value": "A", "label": "A"}, {"value": "A", "label": "A2"}]},
     400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": [{"value": "DRAFT", "label": "Draft", "color": "black"}]}, 400,
     "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": [{"value": "DRAFT", "label": "Draft", "color": "Red"}]}, 400,
     "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": [{"value": "DRAFT", "label": "Draft", "position": "first"}]}, 400,
     "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": [{"value": "DRAFT", "label": "Draft", "extra": 1}]}, 400,
     "INVALID_METADATA_INPUT"),
    ("host", {"options": [{"value": "DRAFT", "label": "Draft"}]}, 400, "INVALID_METADATA_INPUT"),
    # default values
    ("host", {"type": "SELECT", "options": SELECT_OPTIONS, "defaultValue": "DRAFT"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": SELECT_OPTIONS, "defaultValue": "'VOID'"}, 400,
     "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": SELECT_OPTIONS, "defaultValue": ["'DRAFT'"]}, 400,
     "INVALID_METADATA_INPUT"),
    ("host", {"type": "MULTI_SELECT", "options": SELECT_OPTIONS, "defaultValue": "'DRAFT'"}, 400,
     "INVALID_METADATA_INPUT"),
    ("host", {"type": "MULTI_SELECT", "options": SELECT_OPTIONS, "defaultValue": ["DRAFT"]}, 400,
     "INVALID_METADATA_INPUT"),
    ("host", {"type": "MULTI_SELECT", "options": SELECT_OPTIONS, "defaultValue": ["'VOID'"]}, 400,
     "INVALID_METADATA_INPUT"),
    ("host", {"defaultValue": "hello"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"defaultValue": 5}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "NUMBER", "defaultValue": "many"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "NUMBER", "defaultValue": True}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "BOOLEAN", "defaultValue": "true"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "DATE_TIME", "defaultValue": "yesterday"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "UUID", "defaultValue": 7}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "ARRAY", "defaultValue": "a"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "CURRENCY", "defaultValue": {"currency": "'USD'"}}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "CURRENCY", "defaultValue": "'USD'"}, 400, "INVALID_METADATA_INPUT"),
    # nullability
    ("host", {"isNullable": False}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "NUMBER", "isNullable": False}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "SELECT", "options": SELECT_OPTIONS, "isNullable": False}, 400, "INVALID_METADATA_INPUT"),
    # relations
    ("host", {"type": "RELATION"}, 400, "INVALID_METADATA_INPUT"),
    ("host", {"type": "RELATION", "relationCreationPayload": {"type": "ONE_TO_ONE"}}, 400,
     "INVALID_METADATA_INPUT"),
    ("host", {"type": "RELATION", "relationCreationPayload": {
        "type": "MANY_TO_ONE", "targetObjectMetadataId": str(uuid.uuid4()), "targetFieldLabel": "Hosts"}},
     404, "OBJECT_METADATA_NOT_FOUND"),
]


@pytest.mark.parametrize(
    ("on", "changes", "status", "code"), FIELD_REJECTIONS,
    ids=[f"{i}-{on}-{'-'.join(map(str, c))}"[:60] for i, (on, c, _, _) in enumerate(FIELD_REJECTIONS)],
)
def test_create_field_validation(
    api: Api, std: dict[str, dict[str, Any]], host: dict[str, Any], on: str, changes: dict[str, Any], status: int,
    code: str,
) -> None:
    target = host if on == "host" else std[on]
    body = {"objectMetadataId": target["id"], **_field_body("bad", **changes)}
    if body.get("objectMetadataId") is ...:
        body.pop("objectMetadataId")
    before = snapshot(api)
    assert_error(api.post("/rest/metadata/fields", json=body), status, code)
    assert snapshot(api) == before


def test_create_field_missing_object_id(api: Api) -> None:
    before = snapshot(api)
    r = api.post("/rest/metadata/fields", json={"type": "TEXT", "name": "orphan", "label": "Orphan"})
    assert_error_among(r, 400, ("INVALID_METADATA_INPUT", "INVALID_UUID"))
    assert snapshot(api) == before


def test_create_relation_validation(api: Api, std: dict[str, dict[str, Any]], host: dict[str, Any]) -> None:
    before = snapshot(api)
    # the inverse name is taken on the target
    r = api.post("/rest/metadata/fields", json={
        "objectMetadataId": host["id"], "type": "RELATION", "name": "comp" + cap(letters()), "label": "Company",
        "relationCreationPayload": {"type": "MANY_TO_ONE", "targetObjectMetadataId": std["company"]["id"],
                                    "targetFieldLabel": "People"},
    })
    assert_error(r, 409, "METADATA_NAME_CONFLICT")
    # a bad onDelete
    r = api.post("/rest/metadata/fields", json={
        "objectMetadataId": host["id"], "type": "RELATION", "name": "comp" + cap(letters()), "label": "Company",
        "settings": {"onDelete": "EXPLODE"},
        "relationCreationPayload": {"type": "MANY_TO_ONE", "targetObjectMetadataId": std["company"]["id"],
                                    "targetFieldLabel": "Hosts " + letters()},
    })
    assert_error(r, 400, "INVALID_METADATA_INPUT")
    # no target label
    r = api.post("/rest/metadata/fields", json={
        "objectMetadataId": host["id"], "type": "RELATION", "name": "comp" + cap(letters()), "label": "Company",
        "relationCreationPayload": {"type": "MANY_TO_ONE", "targetObjectMetadataId": std["company"]["id"]},
    })
    assert_error(r, 400, "INVALID_METADATA_INPUT")
    # a bad target id
    r = api.post("/rest/metadata/fields", json={
        "objectMetadataId": host["id"], "type": "RELATION", "name": "comp" + cap(letters()), "label": "Company",
        "relationCreationPayload": {"type": "MANY_TO_ONE", "targetObjectMetadataId": "company",
                                    "targetFieldLabel": "Hosts"},
    })
    assert_error(r, 400, "INVALID_UUID")
    # its join column would clash with an existing field
    taken = "link" + cap(letters())
    create_field(api, host["id"], type="TEXT", name=taken + "Id", label="Taken")
    before = snapshot(api)
    r = api.post("/rest/metadata/fields", json={
        "objectMetadataId": host["id"], "type": "RELATION", "name": taken, "label": "Link",
        "relationCreationPayload": {"type": "MANY_TO_ONE", "targetObjectMetadataId": std["company"]["id"],
                                    "targetFieldLabel": "Hosts " + letters()},
    })
    assert_error(r, 409, "METADATA_NAME_CONFLICT")
    assert snapshot(api) == before


def test_composite_sub_column_clash(api: Api, host: dict[str, Any]) -> None:
    base = "price" + cap(letters())
    create_field(api, host["id"], type="TEXT", name=base + "AmountMicros", label="Raw")
    before = snapshot(api)
    r = api.post("/rest/metadata/fields", json={
        "objectMetadataId": host["id"], "type": "CURRENCY", "name": base, "label": "Price",
    })
    assert_error(r, 409, "METADATA_NAME_CONFLICT")
    assert snapshot(api) == before


# ---- fields: update ---------------------------------------------------------------------------


def test_update_field_label_description_icon(api: Api, host: dict[str, Any]) -> None:
    f = create_field(api, host["id"], type="TEXT", name="lbl" + cap(letters()), label="Before")
    updated = update_field(api, f["id"], label="After", description="described", icon="IconPencil")
    assert (updated["label"], updated["description"], updated["icon"]) == ("After", "described", "IconPencil")
    assert updated["name"] == f["name"] and updated["updatedAt"] >= f["updatedAt"]
    assert get_field(api, f["id"]) == updated
    r = api.put(f"/rest/metadata/fields/{f['id']}", json={"label": "Again"})
    assert r.status_code == 200 and r.json()["data"]["updateOneField"]["label"] == "Again"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"type": "NUMBER"}, 400, "INVALID_METADATA_INPUT"),
        ({"type": "TEXT"}, 400, "INVALID_METADATA_INPUT"),
        ({"objectMetadataId": str(uuid.uuid4())}, 400, "INVALID_METADATA_INPUT"),
        ({"label": ""}, 400, "INVALID_METADATA_INPUT"),
        ({"nope": 1}, 400, "INVALID_METADATA_INPUT"),
        ({"name": "Bad Name"}, 400, "INVALID_METADATA_INPUT"),
        ({"name": "name"}, 409, "METADATA_NAME_CONFLICT"),
        ({"name": "createdBySource"}, 409, "METADATA_NAME_CONFLICT"),
        ({"name": "type"}, 409, "METADATA_NAME_CONFLICT"),
        ({"defaultValue": "unquoted"}, 400, "INVALID_METADATA_INPUT"),
        ({"options": [{"value": "A", "label": "A"}]}, 400, "INVALID_METADATA_INPUT"),
        ({"isUnique": "yes"}, 400, "INVALID_METADATA_INPUT"),
        ({"settings": 3}, 400, "INVALID_METADATA_INPUT"),
    ],
)
def test_update_field_validation(api: Api, plain_field: dict[str, Any], body: dict[str, Any], status: int,
                                 code: str) -> None:
    f = plain_field
    before = snapshot(api)
    assert_error(api.patch(f"/rest/metadata/fields/{f['id']}", json=body), status, code)
    assert snapshot(api) == before


def test_rename_field_keeps_values(api: Api, host: dict[str, Any]) -> None:
    old, new = "old" + cap(letters()), "new" + cap(letters())
    f = create_field(api, host["id"], type="TEXT", name=old, label="Renamed")
    a = create_record(api, host, name="a", **{old: "alpha"})
    b = create_record(api, host, name="b", **{old: "beta"})
    renamed = update_field(api, f["id"], name=new)
    assert renamed["name"] == new and renamed["id"] == f["id"]
    got = get_record(api, host, a["id"])
    assert got[new] == "alpha" and old not in got
    assert [x["id"] for x in list_records(api, host, filter=f'{new}[eq]:"beta"')] == [b["id"]]
    ordered = [x["id"] for x in list_records(api, host, filter=f"{new}[is]:NOT_NULL", order_by=f"{new}[DescNullsLast]")]
    assert ordered[:2] == [b["id"], a["id"]]
    assert_error(api.get(f"/rest/{host['namePlural']}", params={"filter": f'{old}[eq]:"beta"'}), 400,
                 "INVALID_FILTER")
    assert_error(api.get(f"/rest/{host['namePlural']}", params={"order_by": old}), 400, "INVALID_ORDER_BY")
    assert_error(api.post(f"/rest/{host['namePlural']}", json={old: "x"}), 400, "UNKNOWN_FIELD")
    assert create_record(api, host, **{new: "gamma"})[new] == "gamma"
    # the old name is free again
    again = create_field(api, host["id"], type="NUMBER", name=old, label="Old again")
    assert get_record(api, host, a["id"])[again["name"]] is None


def test_rename_composite_field_keeps_values(api: Api, host: dict[str, Any]) -> None:
    old, new = "budget" + cap(letters()), "spend" + cap(letters())
    f = create_field(api, host["id"], type="CURRENCY", name=old, label="Budget")
    rec = create_record(api, host, **{old: {"amountMicros": 5_000_000, "currencyCode": "EUR"}})
    update_field(api, f["id"], name=new)
    got = get_record(api, host, rec["id"])
    assert got[new] == {"amountMicros": 5_000_000, "currencyCode": "EUR"} and old not in got
    hits = list_records(api, host, filter=f"{new}.amountMicros[gte]:5000000")
    assert rec["id"] in {x["id"] for x in hits}
    assert_error(api.get(f"/rest/{host['namePlural']}", params={"filter": f"{old}.amountMicros[gte]:1"}), 400,
                 "INVALID_FILTER")


def test_rename_unique_field_keeps_uniqueness(api: Api, host: dict[str, Any]) -> None:
    old, new = "ukey" + cap(letters()), "ukey" + cap(letters())
    f = create_field(api, host["id"], type="TEXT", name=old, label="Key", isUnique=True)
    create_record(api, host, **{old: "k1"})
    update_field(api, f["id"], name=new)
    body = assert_error(api.post(f"/rest/{host['namePlural']}", json={new: "k1"}), 409, "UNIQUE_VIOLATION")
    assert new in str(body)


def test_select_options_edit(api: Api, host: dict[str, Any]) -> None:
    name = "state" + cap(letters())
    f = create_field(api, host["id"], type="SELECT", name=name, label="State", options=SELECT_OPTIONS,
                     defaultValue="'DRAFT'")
    draft = create_record(api, host, **{name: "DRAFT"})
    sent = create_record(api, host, **{name: "SENT"})
    options = [dict(o) for o in f["options"]]
    # add an option
    added = update_field(api, f["id"], options=[*options, {"value": "VOID", "label": "Void", "color": "red",
                                                          "position": 3}])
    assert [o["value"] for o in added["options"]] == ["DRAFT", "SENT", "PAID", "VOID"]
    assert [o["id"] for o in added["options"][:3]] == [o["id"] for o in options]
    void = create_record(api, host, **{name: "VOID"})
    assert void[name] == "VOID"
    # relabel one: values are kept
    relabelled = [dict(o) for o in added["options"]]
    relabelled[0]["label"] = "Brouillon"
    changed = update_field(api, f["id"], options=relabelled)
    assert changed["options"][0]["label"] == "Brouillon" and changed["options"][0]["value"] == "DRAFT"
    assert get_record(api, host, draft["id"])[name] == "DRAFT"
    # removing an option in use → 409, nothing changed
    before = snapshot(api)
    without_sent = [o for o in relabelled if o["value"] != "SENT"]
    body = assert_error(api.patch(f"/rest/metadata/fields/{f['id']}", json={"options": without_sent}), 409,
                        "OPTION_IN_USE")
    assert "SENT" in str(body["error"])
    assert snapshot(api) == before
    assert get_record(api, host, sent["id"])[name] == "SENT"
    # removing an unused one → fine, and the value can no longer be written
    without_paid = [o for o in relabelled if o["value"] != "PAID"]
    trimmed = update_field(api, f["id"], options=without_paid)
    assert [o["value"] for o in trimmed["options"]] == ["DRAFT", "SENT", "VOID"]
    assert_error(api.post(f"/rest/{host['namePlural']}", json={name: "PAID"}), 400, "VALIDATION_ERROR")
    # removing the option that is the default → 400 (the default would point at nothing)
    before = snapshot(api)
    no_draft = [o for o in without_paid if o["value"] != "DRAFT"]
    api.delete(f"/rest/{host['namePlural']}/{draft['id']}")
    r = api.patch(f"/rest/metadata/fields/{f['id']}", json={"options": no_draft})
    assert_error(r, 400, "INVALID_METADATA_INPUT")
    assert snapshot(api) == before
    # soft-deleted records using an option still hold it
    api.delete(f"/rest/{host['namePlural']}/{void['id']}", params={"soft_delete": "true"})
    without_void = [o for o in without_paid if o["value"] != "VOID"]
    assert_error(api.patch(f"/rest/metadata/fields/{f['id']}", json={"options": without_void}), 409,
                 "OPTION_IN_USE")


def test_multi_select_option_in_use(api: Api, host: dict[str, Any]) -> None:
    name = "labels" + cap(letters())
    f = create_field(api, host["id"], type="MULTI_SELECT", name=name, label="Labels", options=[
        {"value": "RED", "label": "Red", "color": "red"},
        {"value": "GREEN", "label": "Green", "color": "green"},
        {"value": "BLUE", "label": "Blue", "color": "blue"},
    ])
    rec = create_record(api, host, **{name: ["GREEN", "BLUE"]})
    before = snapshot(api)
    keep = [o for o in f["options"] if o["value"] != "GREEN"]
    assert_error(api.patch(f"/rest/metadata/fields/{f['id']}", json={"options": keep}), 409, "OPTION_IN_USE")
    assert snapshot(api) == before
    keep = [o for o in f["options"] if o["value"] != "RED"]
    assert [o["value"] for o in update_field(api, f["id"], options=keep)["options"]] == ["GREEN", "BLUE"]
    assert get_record(api, host, rec["id"])[name] == ["GREEN", "BLUE"]


def test_deactivate_and_reactivate_field(api: Api, host: dict[str, Any]) -> None:
    name = "temp" + cap(letters())
    f = create_field(api, host["id"], type="TEXT", name=name, label="Temp")
    rec = create_record(api, host, **{name: "kept"})
    off = update_field(api, f["id"], isActive=False)
    assert off["isActive"] is False
    assert field_named(get_object(api, host["id"]), name)["isActive"] is False  # type: ignore[index]
    got = get_record(api, host, rec["id"])
    assert name not in got
    assert all(name not in x for x in list_records(api, host))
    plural = host["namePlural"]
    assert_error(api.get(f"/rest/{plural}", params={"filter": f'{name}[eq]:"kept"'}), 400, "INVALID_FILTER")
    assert_error(api.get(f"/rest/{plural}", params={"order_by": name}), 400, "INVALID_ORDER_BY")
    assert_error(api.post(f"/rest/{plural}", json={name: "x"}), 400, "UNKNOWN_FIELD")
    assert_error(api.patch(f"/rest/{plural}/{rec['id']}", json={name: "x"}), 400, "UNKNOWN_FIELD")
    on = update_field(api, f["id"], isActive=True)
    assert on["isActive"] is True
    assert get_record(api, host, rec["id"])[name] == "kept"
    assert [x["id"] for x in list_records(api, host, filter=f'{name}[eq]:"kept"')] == [rec["id"]]


def test_unique_on_and_off(api: Api, host: dict[str, Any]) -> None:
    name = "sku" + cap(letters())
    plural = host["namePlural"]
    f = create_field(api, host["id"], type="TEXT", name=name, label="SKU")
    a = create_record(api, host, **{name: "A-1"})
    create_record(api, host, **{name: "A-1"})
    before = snapshot(api)
    r = api.patch(f"/rest/metadata/fields/{f['id']}", json={"isUnique": True})
    assert_error(r, 409, "UNIQUE_VIOLATION")
    assert snapshot(api) == before
    assert get_field(api, f["id"])["isUnique"] is False
    assert create_record(api, host, **{name: "A-1"})[name] == "A-1"  # still not unique
    # make the data unique, then the field
    for rec in list_records(api, host, filter=f'{name}[eq]:"A-1"'):
        if rec["id"] != a["id"]:
            destroy(api, plural, rec["id"])
    on = update_field(api, f["id"], isUnique=True)
    assert on["isUnique"] is True
    body = assert_error(api.post(f"/rest/{plural}", json={name: "A-1"}), 409, "UNIQUE_VIOLATION")
    assert name in str(body)
    assert_error(api.patch(f"/rest/{plural}/{create_record(api, host, **{name: 'B-1'})['id']}",
                           json={name: "A-1"}), 409, "UNIQUE_VIOLATION")
    # soft-deleted rows don't hold their value
    r = api.delete(f"/rest/{plural}/{a['id']}", params={"soft_delete": "true"})
    assert r.status_code == 200, r.text
    c = create_record(api, host, **{name: "A-1"})
    assert c[name] == "A-1"
    # restoring the soft-deleted one now collides
    r = api.patch(f"/rest/restore/{plural}/{a['id']}")
    assert r.status_code == 409, r.text
    # NULLs never collide
    create_record(api, host, name="n1")
    create_record(api, host, name="n2")
    off = update_field(api, f["id"], isUnique=False)
    assert off["isUnique"] is False
    assert create_record(api, host, **{name: "A-1"})[name] == "A-1"
    # a new unique field whose default would give every existing record the same value
    before = snapshot(api)
    r = api.post("/rest/metadata/fields", json={
        "objectMetadataId": host["id"], "type": "TEXT", "name": "same" + cap(letters()), "label": "Same",
        "isUnique": True, "defaultValue": "'same'",
    })
    assert_error(r, 409, "UNIQUE_VIOLATION")
    assert snapshot(api) == before


def test_unique_emails_field(api: Api, host: dict[str, Any]) -> None:
    name = "mail" + cap(letters())
    create_field(api, host["id"], type="EMAILS", name=name, label="Mail", isUnique=True)
    create_record(api, host, **{name: {"primaryEmail": "ada@example.com"}})
    body = assert_error(api.post(f"/rest/{host['namePlural']}", json={name: {"primaryEmail": "ADA@example.com"}}),
                        409, "UNIQUE_VIOLATION")
    assert name in str(body)
    # the additional emails are not part of the key
    rec = create_record(api, host, **{name: {"primaryEmail": "bob@example.com", "additionalEmails": ["x@y.z"]}})
    assert rec[name]["primaryEmail"] == "bob@example.com"


def test_not_nullable_toggle(api: Api) -> None:
    name = "req" + cap(letters())
    obj = create_object(api, "strict")  # its own table: other tests' records would hold NULLs
    plural = obj["namePlural"]
    f = create_field(api, obj["id"], type="TEXT", name=name, label="Req")
    empty = create_record(api, obj, name="empty")
    before = snapshot(api)
    body = assert_error(api.patch(f"/rest/metadata/fields/{f['id']}", json={"isNullable": False}), 400,
                        "VALIDATION_ERROR")
    assert name in body["error"]["message"]
    assert snapshot(api) == before
    r = api.patch(f"/rest/{plural}/{empty['id']}", json={name: "now set"})
    assert r.status_code == 200, r.text
    strict = update_field(api, f["id"], isNullable=False)
    assert strict["isNullable"] is False
    assert_error(api.post(f"/rest/{plural}", json={"name": "no value"}), 400, "VALIDATION_ERROR")
    assert_error(api.post(f"/rest/{plural}", json={name: None}), 400, "VALIDATION_ERROR")
    assert_error(api.patch(f"/rest/{plural}/{empty['id']}", json={name: None}), 400, "VALIDATION_ERROR")
    assert create_record(api, obj, **{name: "given"})[name] == "given"
    # and back
    assert update_field(api, f["id"], isNullable=True)["isNullable"] is True
    assert create_record(api, obj, name="fine")[name] in (None, "")


def test_update_default_value(api: Api, host: dict[str, Any]) -> None:
    name = "dflt" + cap(letters())
    f = create_field(api, host["id"], type="TEXT", name=name, label="Default", defaultValue="'one'")
    old = create_record(api, host)
    assert old[name] == "one"
    changed = update_field(api, f["id"], defaultValue="'two'")
    assert changed["defaultValue"] == "'two'"
    assert create_record(api, host)[name] == "two"
    assert get_record(api, host, old["id"])[name] == "one"


def test_standard_fields_rules(api: Api, std: dict[str, dict[str, Any]]) -> None:
    job = field_named(std["person"], "jobTitle")
    assert job is not None and job["isCustom"] is False
    before = snapshot(api)
    assert_error(api.patch(f"/rest/metadata/fields/{job['id']}", json={"name": "position2"}), 403,
                 "METADATA_MUTATION_NOT_ALLOWED")
    assert_error(api.delete(f"/rest/metadata/fields/{job['id']}"), 403, "METADATA_MUTATION_NOT_ALLOWED")
    assert_error(api.patch(f"/rest/metadata/fields/{job['id']}", json={"type": "NUMBER"}), 400,
                 "INVALID_METADATA_INPUT")
    person_name = field_named(std["person"], "name")
    assert_error(api.delete(f"/rest/metadata/fields/{person_name['id']}"), 403,  # type: ignore[index]
                 "METADATA_MUTATION_NOT_ALLOWED")
    person_id = field_named(std["person"], "id")
    assert_error(api.patch(f"/rest/metadata/fields/{person_id['id']}", json={"isActive": False}), 403,  # type: ignore[index]
                 "METADATA_MUTATION_NOT_ALLOWED")
    company_rel = field_named(std["person"], "company")
    assert_error(api.delete(f"/rest/metadata/fields/{company_rel['id']}"), 403,  # type: ignore[index]
                 "METADATA_MUTATION_NOT_ALLOWED")
    assert snapshot(api) == before
    relabelled = update_field(api, job["id"], label="Role", description="What they do")
    assert relabelled["label"] == "Role" and relabelled["name"] == "jobTitle"
    r = api.get("/rest/people", params={"filter": 'jobTitle[eq]:"x"'})
    assert r.status_code == 200, r.text
    update_field(api, job["id"], label=job["label"], description=job["description"])


def test_delete_custom_field(api: Api, host: dict[str, Any]) -> None:
    name = "gone" + cap(letters())
    f = create_field(api, host["id"], type="NUMBER", name=name, label="Gone")
    rec = create_record(api, host, **{name: 42})
    r = api.delete(f"/rest/metadata/fields/{f['id']}")
    assert r.status_code == 200, r.text
    assert list(r.json()["data"]) == ["deleteOneField"]
    assert r.json()["data"]["deleteOneField"]["id"] == f["id"]
    assert r.json()["data"]["deleteOneField"]["name"] == name
    assert_error(api.get(f"/rest/metadata/fields/{f['id']}"), 404, "FIELD_METADATA_NOT_FOUND")
    assert_error(api.delete(f"/rest/metadata/fields/{f['id']}"), 404, "FIELD_METADATA_NOT_FOUND")
    assert field_named(get_object(api, host["id"]), name) is None
    assert name not in get_record(api, host, rec["id"])
    assert_error(api.get(f"/rest/{host['namePlural']}", params={"filter": f"{name}[eq]:42"}), 400, "INVALID_FILTER")
    assert_error(api.post(f"/rest/{host['namePlural']}", json={name: 1}), 400, "UNKNOWN_FIELD")
    # the column is gone: a new field of the same name starts empty
    create_field(api, host["id"], type="TEXT", name=name, label="Back")
    assert get_record(api, host, rec["id"])[name] is None


def test_delete_inactive_custom_field(api: Api, host: dict[str, Any]) -> None:
    f = create_field(api, host["id"], type="TEXT", name="idle" + cap(letters()), label="Idle")
    update_field(api, f["id"], isActive=False)
    r = api.delete(f"/rest/metadata/fields/{f['id']}")
    assert r.status_code == 200, r.text
    assert field_named(get_object(api, host["id"]), f["name"]) is None


SERVER_FIELDS = ("id", "createdAt", "updatedAt", "deletedAt", "createdBy", "updatedBy", "position", "searchVector")


def test_server_fields_of_a_custom_object_cannot_be_deleted(api: Api) -> None:
    """id, timestamps, actors, position and searchVector of a custom object are the
    server's: deleting one would break every read and write of the object."""
    obj = create_object(api, "sysf")
    rec = create_record(api, obj, name="still here")
    before = snapshot(api)
    answers = {}
    for name in SERVER_FIELDS:
        f = field_named(obj, name)
        assert f is not None
        r = api.delete(f"/rest/metadata/fields/{f['id']}")
        answers[name] = (r.status_code, r.json().get("error", {}).get("code"))
    assert answers == {name: (403, "METADATA_MUTATION_NOT_ALLOWED") for name in SERVER_FIELDS}
    assert snapshot(api) == before
    assert get_record(api, obj, rec["id"])["name"] == "still here"
    assert create_record(api, obj, name="more")["name"] == "more"


# ---- relations --------------------------------------------------------------------------------


def _relation(api: Api, source: dict[str, Any], target: dict[str, Any], name: str, target_label: str,
              kind: str = "MANY_TO_ONE", **extra: Any) -> dict[str, Any]:
    return create_field(api, source["id"], type="RELATION", name=name, label=cap(name), relationCreationPayload={
        "type": kind, "targetObjectMetadataId": target["id"], "targetFieldLabel": target_label,
        "targetFieldIcon": "IconLink",
    }, **extra)


def _company(api: Api, name: str) -> dict[str, Any]:
    r = api.post("/rest/companies", json={"name": name})
    assert r.status_code == 201, r.text
    return r.json()["data"]["createCompany"]  # type: ignore[no-any-return]


def _company_deep(api: Api, company_id: str) -> dict[str, Any]:
    r = api.get(f"/rest/companies/{company_id}", params={"depth": "1"})
    assert r.status_code == 200, r.text
    return r.json()["data"]["company"]  # type: ignore[no-any-return]


def test_many_to_one_to_company(api: Api, std: dict[str, dict[str, Any]], host: dict[str, Any]) -> None:
    obj = host
    suffix = letters()
    inverse_name = "shipments" + cap(suffix)
    f = _relation(api, obj, std["company"], "company", f"Shipments {suffix}")
    assert f["type"] == "RELATION" and f["name"] == "company" and f["isCustom"] is True
    assert f["objectMetadataId"] == obj["id"]
    assert f["settings"]["relationType"] == "MANY_TO_ONE"
    assert f["settings"]["onDelete"] == "SET_NULL"
    assert f["settings"]["joinColumnName"] == "companyId"
    assert f["relation"]["type"] == "MANY_TO_ONE"
    assert f["relation"]["sourceObjectMetadata"]["id"] == obj["id"]
    assert f["relation"]["targetObjectMetadata"] == {
        "id": std["company"]["id"], "nameSingular": "company", "namePlural": "companies",
    }
    assert f["relation"]["targetFieldMetadata"]["name"] == inverse_name
    # the company side
    company = get_object(api, std["company"]["id"])
    inverse = field_named(company, inverse_name)
    assert inverse is not None and inverse["type"] == "RELATION" and inverse["isCustom"] is True
    assert inverse["label"] == f"Shipments {suffix}" and inverse["icon"] == "IconLink"
    assert inverse["settings"]["relationType"] == "ONE_TO_MANY"
    assert inverse["relation"]["type"] == "ONE_TO_MANY"
    assert inverse["relation"]["targetObjectMetadata"]["id"] == obj["id"]
    assert inverse["relation"]["targetFieldMetadata"] == {"id": f["id"], "name": "company"}
    assert f["relation"]["targetFieldMetadata"]["id"] == inverse["id"]
    # records
    acme, other = _company(api, "Acme " + suffix), _company(api, "Other " + suffix)
    s1 = create_record(api, obj, name="s1", companyId=acme["id"])
    s2 = create_record(api, obj, name="s2", company={"connect": {"where": {"id": acme["id"]}}})
    s3 = create_record(api, obj, name="s3", companyId=other["id"])
    assert s1["companyId"] == acme["id"] and s2["companyId"] == acme["id"]
    deep = _company_deep(api, acme["id"])
    assert sorted(x["id"] for x in deep[inverse_name]) == sorted([s1["id"], s2["id"]])
    flat = api.get(f"/rest/companies/{acme['id']}").json()["data"]["company"]
    assert inverse_name not in flat
    hits = list_records(api, obj, filter=f"companyId[eq]:{acme['id']}")
    assert sorted(x["id"] for x in hits) == sorted([s1["id"], s2["id"]])
    nulls = {x["id"] for x in list_records(api, obj, filter="companyId[is]:NULL", limit="200")}
    assert not nulls & {s1["id"], s2["id"], s3["id"]}
    both = list_records(api, obj, filter=f"companyId[in]:[{acme['id']},{other['id']}]", order_by="name[DescNullsLast]")
    assert [x["id"] for x in both] == [s3["id"], s2["id"], s1["id"]]
    one = get_record(api, obj, s3["id"], depth="1")
    assert one["company"]["id"] == other["id"] and one["company"]["name"] == "Other " + suffix
    assert one["companyId"] == other["id"]
    assert get_record(api, obj, s3["id"])["companyId"] == other["id"]
    assert "company" not in get_record(api, obj, s3["id"])
    assert_error(api.post(f"/rest/{obj['namePlural']}", json={"companyId": str(uuid.uuid4())}), 400,
                 "RELATION_TARGET_NOT_FOUND")
    assert_error(api.post(f"/rest/{obj['namePlural']}", json={"companyId": "nope"}), 400, "INVALID_UUID")
    # onDelete SET_NULL: destroying the company empties the join column
    destroy(api, "companies", acme["id"])
    assert get_record(api, obj, s1["id"])["companyId"] is None
    assert get_record(api, obj, s2["id"])["companyId"] is None
    assert get_record(api, obj, s3["id"])["companyId"] == other["id"]


def test_many_to_one_cascade(api: Api, std: dict[str, dict[str, Any]], host: dict[str, Any]) -> None:
    obj = host
    suffix = letters()
    name = "owner" + cap(suffix)
    f = _relation(api, obj, std["company"], name, f"Branches {suffix}", settings={"onDelete": "CASCADE"})
    assert f["settings"]["onDelete"] == "CASCADE" and f["settings"]["joinColumnName"] == name + "Id"
    acme, kept = _company(api, "Cascade " + suffix), _company(api, "Kept " + suffix)
    doomed = [create_record(api, obj, name=f"b{i}", **{name + "Id": acme["id"]}) for i in range(2)]
    survivor = create_record(api, obj, name="k", **{name + "Id": kept["id"]})
    destroy(api, "companies", acme["id"])
    for rec in doomed:
        assert_error(api.get(f"/rest/{obj['namePlural']}/{rec['id']}"), 404, "RECORD_NOT_FOUND")
    assert get_record(api, obj, survivor["id"])[name + "Id"] == kept["id"]
    # onDelete cannot change afterwards
    before = snapshot(api)
    r = api.patch(f"/rest/metadata/fields/{f['id']}", json={"settings": {"onDelete": "SET_NULL"}})
    assert_error(r, 403, "METADATA_MUTATION_NOT_ALLOWED")
    assert snapshot(api) == before


def test_many_to_one_restrict(api: Api, std: dict[str, dict[str, Any]], host: dict[str, Any]) -> None:
    """Destroying a record a RESTRICT relation still points at is 409 RESTRICTED_BY_RELATION,
    naming the relation, and destroys nothing (by id and by filter)."""
    obj = host
    suffix = letters()
    name = "keeper" + cap(suffix)
    f = _relation(api, obj, std["company"], name, f"Kept {suffix}", settings={"onDelete": "RESTRICT"})
    assert f["settings"]["onDelete"] == "RESTRICT"
    held = _company(api, "Held " + suffix)
    rec = create_record(api, obj, name="r", **{name + "Id": held["id"]})
    for r in (
        api.delete(f"/rest/companies/{held['id']}"),
        api.delete("/rest/companies", params={"filter": f"id[eq]:{held['id']}"}),
    ):
        body = assert_error(r, 409, "RESTRICTED_BY_RELATION")
        assert {"object": obj["nameSingular"], "field": name} in body["error"]["details"]["relations"]
        assert body["error"]["details"]["object"] == "company"
    assert api.get(f"/rest/companies/{held['id']}").status_code == 200
    # soft delete is allowed; once the pointing record is gone, so is destroying
    assert api.delete(f"/rest/{obj['namePlural']}/{rec['id']}").status_code == 200
    destroy(api, "companies", held["id"])


def test_one_to_many_from_company_side_and_delete_both_sides(
    api: Api, std: dict[str, dict[str, Any]], host: dict[str, Any],
) -> None:
    obj = host
    suffix = letters()
    list_name = "visits" + cap(suffix)
    many_name = "visited" + cap(suffix)
    f = _relation(api, std["company"], obj, list_name, f"Visited {suffix}", kind="ONE_TO_MANY")
    assert f["name"] == list_name and f["objectMetadataId"] == std["company"]["id"]
    assert f["settings"]["relationType"] == "ONE_TO_MANY"
    assert f["relation"]["type"] == "ONE_TO_MANY"
    assert f["relation"]["targetObjectMetadata"]["id"] == obj["id"]
    assert f["relation"]["targetFieldMetadata"]["name"] == many_name
    other = field_named(get_object(api, obj["id"]), many_name)
    assert other is not None and other["settings"]["relationType"] == "MANY_TO_ONE"
    assert other["settings"]["joinColumnName"] == many_name + "Id"
    assert other["settings"]["onDelete"] == "SET_NULL"
    assert other["relation"]["targetFieldMetadata"] == {"id": f["id"], "name": list_name}
    company = _company(api, "Visited " + suffix)
    v = create_record(api, obj, name="v", **{many_name + "Id": company["id"]})
    assert v[many_name + "Id"] == company["id"]
    assert [x["id"] for x in _company_deep(api, company["id"])[list_name]] == [v["id"]]
    assert get_record(api, obj, v["id"], depth="1")[many_name]["id"] == company["id"]
    # the one-to-many side can be renamed (no column), the other side follows
    renamed_list = "tours" + cap(suffix)
    assert update_field(api, f["id"], name=renamed_list)["name"] == renamed_list
    assert get_field(api, other["id"])["relation"]["targetFieldMetadata"]["name"] == renamed_list
    assert [x["id"] for x in _company_deep(api, company["id"])[renamed_list]] == [v["id"]]
    assert list_name not in _company_deep(api, company["id"])
    list_name = renamed_list
    f = get_field(api, f["id"])
    # the one-to-many side is read-only
    r = api.patch(f"/rest/companies/{company['id']}", json={list_name: [v["id"]]})
    assert r.status_code == 400, r.text
    # deleting one side deletes both, and the join column
    r = api.delete(f"/rest/metadata/fields/{f['id']}")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["deleteOneField"]["id"] == f["id"]
    assert_error(api.get(f"/rest/metadata/fields/{f['id']}"), 404, "FIELD_METADATA_NOT_FOUND")
    assert_error(api.get(f"/rest/metadata/fields/{other['id']}"), 404, "FIELD_METADATA_NOT_FOUND")
    assert field_named(get_object(api, obj["id"]), many_name) is None
    assert field_named(get_object(api, std["company"]["id"]), list_name) is None
    got = get_record(api, obj, v["id"])
    assert many_name + "Id" not in got and many_name not in got
    assert_error(api.get(f"/rest/{obj['namePlural']}", params={"filter": f"{many_name}Id[eq]:{company['id']}"}),
                 400, "INVALID_FILTER")
    assert_error(api.post(f"/rest/{obj['namePlural']}", json={many_name + "Id": company["id"]}), 400,
                 "UNKNOWN_FIELD")
    assert list_name not in _company_deep(api, company["id"])
    # nothing points at the company any more
    destroy(api, "companies", company["id"])
    assert get_record(api, obj, v["id"])["name"] == "v"
    # both names are free again
    again = _relation(api, std["company"], obj, list_name, f"Visited {suffix}", kind="ONE_TO_MANY")
    assert again["relation"]["targetFieldMetadata"]["name"] == many_name
    assert get_record(api, obj, v["id"])[many_name + "Id"] is None


def test_delete_many_to_one_side(api: Api, std: dict[str, dict[str, Any]], host: dict[str, Any]) -> None:
    obj = host
    suffix = letters()
    name = "sender" + cap(suffix)
    f = _relation(api, obj, std["company"], name, f"Parcels {suffix}")
    inverse_id = f["relation"]["targetFieldMetadata"]["id"]
    company = _company(api, "Sender " + suffix)
    rec = create_record(api, obj, name="p", **{name + "Id": company["id"]})
    note = api.post("/rest/notes", json={"title": "parcel"}).json()["data"]["createNote"]
    link = api.post("/rest/noteTargets", json={"noteId": note["id"],
                                               f"target{cap(obj['nameSingular'])}Id": rec["id"]})
    assert link.status_code == 201, link.text
    link_id = link.json()["data"]["createNoteTarget"]["id"]
    r = api.delete(f"/rest/metadata/fields/{f['id']}")
    assert r.status_code == 200, r.text
    assert_error(api.get(f"/rest/metadata/fields/{inverse_id}"), 404, "FIELD_METADATA_NOT_FOUND")
    assert field_named(get_object(api, std["company"]["id"]), "parcels" + cap(suffix)) is None
    got = get_record(api, obj, rec["id"])
    assert name + "Id" not in got and got["name"] == "p"
    # records pointing at this object survive the column drop (SQLite rebuilds the table)
    r = api.get(f"/rest/noteTargets/{link_id}")
    assert r.status_code == 200, r.text
    assert [t["id"] for t in get_record(api, obj, rec["id"], depth="1")["noteTargets"]] == [link_id]
    destroy(api, "companies", company["id"])
    assert get_record(api, obj, rec["id"])["name"] == "p"


def test_relation_between_custom_objects(api: Api, host: dict[str, Any], other: dict[str, Any]) -> None:
    suffix = letters()
    name, books = "writer" + cap(suffix), "books" + cap(suffix)
    f = _relation(api, host, other, name, f"Books {suffix}")
    assert f["relation"]["targetFieldMetadata"]["name"] == books
    assert f["relation"]["targetObjectMetadata"]["id"] == other["id"]
    a = create_record(api, other, name="Ursula")
    b1 = create_record(api, host, name="Earthsea", **{name + "Id": a["id"]})
    b2 = create_record(api, host, name="Dispossessed", **{name + "Id": a["id"]})
    deep = get_record(api, other, a["id"], depth="1")
    assert sorted(x["id"] for x in deep[books]) == sorted([b1["id"], b2["id"]])
    assert get_record(api, host, b1["id"], depth="1")[name]["name"] == "Ursula"
    assert [x["id"] for x in list_records(api, host, filter=f"{name}Id[eq]:{a['id']}", order_by="name")] == [
        b2["id"], b1["id"],
    ]
    # destroying the target nulls the join column
    destroy(api, other["namePlural"], a["id"])
    assert get_record(api, host, b1["id"])[name + "Id"] is None


def test_relation_to_itself(api: Api, host: dict[str, Any]) -> None:
    suffix = letters()
    parent, children = "parent" + cap(suffix), "children" + cap(suffix)
    f = _relation(api, host, host, parent, f"Children {suffix}")
    assert f["relation"]["targetObjectMetadata"]["id"] == host["id"]
    assert f["relation"]["targetFieldMetadata"]["name"] == children
    root = create_record(api, host, name="root")
    leaf = create_record(api, host, name="leaf", **{parent + "Id": root["id"]})
    assert [x["id"] for x in get_record(api, host, root["id"], depth="1")[children]] == [leaf["id"]]
    assert get_record(api, host, leaf["id"], depth="1")[parent]["id"] == root["id"]
    destroy(api, host["namePlural"], root["id"])
    assert get_record(api, host, leaf["id"])[parent + "Id"] is None


def test_relation_from_a_standard_object(api: Api, std: dict[str, dict[str, Any]], other: dict[str, Any]) -> None:
    obj = other
    suffix = letters()
    field_name, members = "club" + cap(suffix), "members" + cap(suffix)
    f = _relation(api, std["person"], obj, field_name, f"Members {suffix}")
    assert f["objectMetadataId"] == std["person"]["id"] and f["settings"]["joinColumnName"] == field_name + "Id"
    assert field_named(get_object(api, obj["id"]), members) is not None
    club = create_record(api, obj, name="Chess")
    r = api.post("/rest/people", json={"name": {"firstName": "Ada", "lastName": suffix}, field_name + "Id": club["id"]})
    assert r.status_code == 201, r.text
    person = r.json()["data"]["createPerson"]
    assert person[field_name + "Id"] == club["id"]
    deep = get_record(api, obj, club["id"], depth="1")
    assert [x["id"] for x in deep[members]] == [person["id"]]
    r = api.get("/rest/people", params={"filter": f"{field_name}Id[eq]:{club['id']}"})
    assert [x["id"] for x in r.json()["data"]["people"]] == [person["id"]]
    person_deep = api.get(f"/rest/people/{person['id']}", params={"depth": "1"}).json()["data"]["person"]
    assert person_deep[field_name]["name"] == "Chess"
    # destroying the club empties the join column (SET_NULL)
    destroy(api, obj["namePlural"], club["id"])
    again = api.get(f"/rest/people/{person['id']}").json()["data"]["person"]
    assert again[field_name + "Id"] is None
    # dropping the person's join column keeps people and what points at them
    company = _company(api, "Employer " + suffix)
    r = api.patch(f"/rest/people/{person['id']}", json={"companyId": company["id"]})
    assert r.status_code == 200, r.text
    note = api.post("/rest/notes", json={"title": "about Ada"}).json()["data"]["createNote"]
    link = api.post("/rest/noteTargets", json={"noteId": note["id"], "targetPersonId": person["id"]})
    assert link.status_code == 201, link.text
    r = api.delete(f"/rest/metadata/fields/{f['id']}")
    assert r.status_code == 200, r.text
    assert field_named(get_object(api, obj["id"]), members) is None
    after = api.get(f"/rest/people/{person['id']}", params={"depth": "1"})
    assert after.status_code == 200, after.text
    after_person = after.json()["data"]["person"]
    assert field_name + "Id" not in after_person and after_person["companyId"] == company["id"]
    assert [t["id"] for t in after_person["noteTargets"]] == [link.json()["data"]["createNoteTarget"]["id"]]
    # the foreign keys pointing at people still act
    destroy(api, "people", person["id"])
    assert api.get(f"/rest/noteTargets/{link.json()['data']['createNoteTarget']['id']}").status_code == 404
    destroy(api, "companies", company["id"])


def test_rename_relation_field(api: Api, std: dict[str, dict[str, Any]], host: dict[str, Any]) -> None:
    obj = host
    suffix = letters()
    old, new, leases = "tenant" + cap(suffix), "lessee" + cap(suffix), "leases" + cap(suffix)
    f = _relation(api, obj, std["company"], old, f"Leases {suffix}")
    company = _company(api, "Tenant " + suffix)
    rec = create_record(api, obj, name="l", **{old + "Id": company["id"]})
    renamed = update_field(api, f["id"], name=new)
    assert renamed["name"] == new and renamed["settings"]["joinColumnName"] == new + "Id"
    got = get_record(api, obj, rec["id"])
    assert got[new + "Id"] == company["id"] and old + "Id" not in got
    assert [x["id"] for x in list_records(api, obj, filter=f"{new}Id[eq]:{company['id']}")] == [rec["id"]]
    assert_error(api.get(f"/rest/{obj['namePlural']}", params={"filter": f"{old}Id[eq]:{company['id']}"}),
                 400, "INVALID_FILTER")
    inverse = get_field(api, f["relation"]["targetFieldMetadata"]["id"])
    assert inverse["relation"]["targetFieldMetadata"] == {"id": f["id"], "name": new}
    assert [x["id"] for x in _company_deep(api, company["id"])[leases]] == [rec["id"]]
    assert get_record(api, obj, rec["id"], depth="1")[new]["id"] == company["id"]
    # the foreign key still acts
    destroy(api, "companies", company["id"])
    assert get_record(api, obj, rec["id"])[new + "Id"] is None


def test_deactivate_relation_field(api: Api, std: dict[str, dict[str, Any]], host: dict[str, Any]) -> None:
    obj = host
    suffix = letters()
    name, inverse_name = "client" + cap(suffix), "tickets" + cap(suffix)
    f = _relation(api, obj, std["company"], name, f"Tickets {suffix}")
    company = _company(api, "Client " + suffix)
    rec = create_record(api, obj, name="t", **{name + "Id": company["id"]})
    update_field(api, f["id"], isActive=False)
    assert get_field(api, f["relation"]["targetFieldMetadata"]["id"])["isActive"] is False
    got = get_record(api, obj, rec["id"], depth="1")
    assert name + "Id" not in got and name not in got
    assert inverse_name not in _company_deep(api, company["id"])
    assert_error(api.post(f"/rest/{obj['namePlural']}", json={name + "Id": company["id"]}), 400, "UNKNOWN_FIELD")
    assert_error(api.get(f"/rest/{obj['namePlural']}", params={"filter": f"{name}Id[eq]:{company['id']}"}),
                 400, "INVALID_FILTER")
    update_field(api, f["id"], isActive=True)
    assert get_field(api, f["relation"]["targetFieldMetadata"]["id"])["isActive"] is True
    assert get_record(api, obj, rec["id"])[name + "Id"] == company["id"]
    assert [x["id"] for x in _company_deep(api, company["id"])[inverse_name]] == [rec["id"]]
