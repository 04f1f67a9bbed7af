"""The metadata GraphQL API at ``POST /metadata`` (GRAPHQL.md §16, examples §17.8–17.9).

Errors are HTTP 200 with ``errors[].extensions.code`` (``NOT_FOUND``, ``BAD_USER_INPUT``,
``FORBIDDEN``, ``CONFLICT``) and the server's stable code in ``extensions.vingtCode``; a
document that does not parse or validate is a 400. GraphQL and REST share one service: each
sees the other's changes at once. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from conftest import Api, make_workspace

QUERY_17_8 = """
query {
  objects(paging: { first: 1000 }, filter: { isActive: { is: true } }) {
    edges {
      node {
        id nameSingular namePlural labelSingular labelPlural isCustom isSystem
        labelIdentifierFieldMetadataId
        fields(paging: { first: 1000 }) {
          edges { node {
            id name label type isNullable isCustom isSystem defaultValue options settings
            relation {
              type
              targetObjectMetadata { id nameSingular namePlural }
              targetFieldMetadata { id name }
            }
          } }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def letters(n: int = 8) -> str:
    return "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:n])


def gql(api: Api, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """A successful call: HTTP 200, no errors."""
    r = api.post("/metadata", json={"query": query, **({"variables": variables} if variables else {})})
    assert r.status_code == 200, r.text
    body = r.json()
    assert not body.get("errors"), body
    return body["data"]  # type: ignore[no-any-return]


def gql_error(api: Api, query: str, code: str, vingt_code: str | None = None,
              variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """A call that fails: HTTP 200, ``errors[0].extensions.code`` as given, no data."""
    r = api.post("/metadata", json={"query": query, **({"variables": variables} if variables else {})})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body.get("errors"), body
    error = body["errors"][0]
    assert isinstance(error["message"], str) and error["message"]
    assert error["extensions"]["code"] == code, body
    if vingt_code is not None:
        assert error["extensions"]["vingtCode"] == vingt_code, body
    assert body.get("data") is None, body
    return error  # type: ignore[no-any-return]


def rest_objects(api: Api) -> dict[str, dict[str, Any]]:
    r = api.get("/rest/metadata/objects")
    assert r.status_code == 200, r.text
    return {o["nameSingular"]: o for o in r.json()["data"]["objects"]}


def rest_snapshot(api: Api) -> Any:
    return api.get("/rest/metadata/objects").json()


def create_object(api: Api, prefix: str) -> dict[str, Any]:
    singular = prefix + letters()
    data = gql(api, """
        mutation($input: CreateOneObjectInput!) {
          createOneObject(input: $input) { id nameSingular namePlural labelIdentifierFieldMetadataId isCustom }
        }""", {"input": {"object": {
        "nameSingular": singular, "namePlural": singular + "s",
        "labelSingular": singular.title(), "labelPlural": singular.title() + "s",
    }}})
    return data["createOneObject"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def company_id(api: Api) -> str:
    return rest_objects(api)["company"]["id"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def scratch(api: Api) -> dict[str, Any]:
    """A custom object for tests that add fields or check errors against one."""
    return create_object(api, "scratch")


# ---- queries ---------------------------------------------------------------------------------


def test_objects_with_fields_and_relations(api: Api) -> None:
    data = gql(api, QUERY_17_8)
    connection = data["objects"]
    assert connection["pageInfo"]["hasNextPage"] is False
    nodes = {e["node"]["nameSingular"]: e["node"] for e in connection["edges"]}
    rest = rest_objects(api)
    assert set(nodes) == {name for name, o in rest.items() if o["isActive"]}
    assert len(nodes) >= 31
    company = nodes["company"]
    assert company["namePlural"] == "companies" and company["labelSingular"] == "Company"
    assert company["isCustom"] is False
    assert company["id"] == rest["company"]["id"]
    fields = {e["node"]["name"]: e["node"] for e in company["fields"]["edges"]}
    assert {f["id"] for f in fields.values()} == {f["id"] for f in rest["company"]["fields"]}
    name = fields["name"]
    assert company["labelIdentifierFieldMetadataId"] == name["id"]
    assert name["type"] == "TEXT" and name["relation"] is None and name["isCustom"] is False
    people = fields["people"]
    assert people["type"] == "RELATION"
    assert people["settings"]["relationType"] == "ONE_TO_MANY"
    assert people["relation"]["type"] == "ONE_TO_MANY"
    assert people["relation"]["targetObjectMetadata"] == {
        "id": nodes["person"]["id"], "nameSingular": "person", "namePlural": "people",
    }
    person_fields = {e["node"]["name"]: e["node"] for e in nodes["person"]["fields"]["edges"]}
    assert people["relation"]["targetFieldMetadata"] == {"id": person_fields["company"]["id"], "name": "company"}
    company_rel = person_fields["company"]
    assert company_rel["relation"]["type"] == "MANY_TO_ONE"
    assert company_rel["settings"]["joinColumnName"] == "companyId"
    # JSON scalars come through as JSON
    stage = {e["node"]["name"]: e["node"] for e in nodes["opportunity"]["fields"]["edges"]}["stage"]
    assert stage["type"] == "SELECT" and isinstance(stage["options"], list)
    assert all({"value", "label"} <= set(o) for o in stage["options"])


def test_objects_default_page_and_paging(api: Api) -> None:
    data = gql(api, "{ objects { edges { node { id } cursor } pageInfo { hasNextPage endCursor } } }")
    assert len(data["objects"]["edges"]) == 10, "default paging is first: 10"
    assert data["objects"]["pageInfo"]["hasNextPage"] is True
    every = gql(api, "{ objects(paging: {first: 1000}) { edges { node { id } cursor } totalCount } }")["objects"]
    ids = [e["node"]["id"] for e in every["edges"]]
    assert every["totalCount"] == len(ids) == len(rest_objects(api))
    assert [e["node"]["id"] for e in data["objects"]["edges"]] == ids[:10]
    page1 = gql(api, "{ objects(paging: {first: 4}) { edges { node { id } cursor } "
                     "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }")["objects"]
    assert [e["node"]["id"] for e in page1["edges"]] == ids[:4]
    assert page1["pageInfo"]["hasNextPage"] is True
    assert page1["pageInfo"]["startCursor"] == page1["edges"][0]["cursor"]
    assert page1["pageInfo"]["endCursor"] == page1["edges"][-1]["cursor"]
    page2 = gql(api, """query($after: ConnectionCursor) {
        objects(paging: {first: 4, after: $after}) { edges { node { id } } pageInfo { hasNextPage } } }""",
                {"after": page1["pageInfo"]["endCursor"]})["objects"]
    assert [e["node"]["id"] for e in page2["edges"]] == ids[4:8]
    upper = gql(api, """query($after: ConnectionCursor) {
        objects(paging: {first: 4, after: $after}) { edges { node { id } } pageInfo { hasNextPage } } }""",
                {"after": ids[3].upper()})["objects"]
    assert upper == page2
    # walking to the end
    seen, after = [], None
    while True:
        page = gql(api, """query($after: ConnectionCursor) {
            objects(paging: {first: 9, after: $after}) { edges { node { id } } pageInfo { hasNextPage endCursor } } }""",
                   {"after": after} if after else None)["objects"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ids
    # backwards
    last = gql(api, "{ objects(paging: {last: 3}) { edges { node { id } } pageInfo { hasPreviousPage } } }")
    assert [e["node"]["id"] for e in last["objects"]["edges"]] == ids[-3:]
    assert last["objects"]["pageInfo"]["hasPreviousPage"] is True


def test_objects_filters(api: Api, scratch: dict[str, Any]) -> None:
    custom = gql(api, "{ objects(paging: {first: 1000}, filter: {isCustom: {is: true}}) { edges { node { id isCustom } } } }")
    nodes = [e["node"] for e in custom["objects"]["edges"]]
    assert scratch["id"] in {n["id"] for n in nodes} and all(n["isCustom"] for n in nodes)
    system = gql(api, "{ objects(paging: {first: 1000}, filter: {isSystem: {is: true}}) { edges { node { nameSingular isSystem } } } }")
    names = {e["node"]["nameSingular"] for e in system["objects"]["edges"]}
    assert "noteTarget" in names and "person" not in names
    one = gql(api, "query($id: UUID!) { objects(filter: {id: {eq: $id}}) { edges { node { id } } } }",
              {"id": scratch["id"]})
    assert [e["node"]["id"] for e in one["objects"]["edges"]] == [scratch["id"]]


def test_object_by_id(api: Api) -> None:
    person = rest_objects(api)["person"]
    data = gql(api, """query($id: UUID!) { object(id: $id) {
        id nameSingular namePlural labelSingular isCustom isActive isSystem labelIdentifierFieldMetadataId
        createdAt updatedAt fields(paging: {first: 1000}) { edges { node { id name type } } totalCount }
        fieldsList { id name } } }""", {"id": person["id"]})
    node = data["object"]
    assert node["nameSingular"] == "person" and node["namePlural"] == "people" and node["isActive"] is True
    assert node["labelIdentifierFieldMetadataId"] == person["labelIdentifierFieldMetadataId"]
    rest_fields = {f["id"]: f["name"] for f in person["fields"]}
    assert {e["node"]["id"]: e["node"]["name"] for e in node["fields"]["edges"]} == rest_fields
    assert node["fields"]["totalCount"] == len(rest_fields)
    assert {f["id"]: f["name"] for f in node["fieldsList"]} == rest_fields
    # fields of an object are paged too (default 10)
    few = gql(api, "query($id: UUID!) { object(id: $id) { fields { edges { node { id } } pageInfo { hasNextPage } } } }",
              {"id": person["id"]})
    assert len(few["object"]["fields"]["edges"]) == 10 and few["object"]["fields"]["pageInfo"]["hasNextPage"] is True


def test_fields_query_with_filter(api: Api, scratch: dict[str, Any]) -> None:
    name = "extra" + letters()
    created = gql(api, """mutation($input: CreateOneFieldMetadataInput!) { createOneField(input: $input) { id } }""",
                  {"input": {"field": {"objectMetadataId": scratch["id"], "type": "TEXT", "name": name,
                                       "label": "Extra"}}})["createOneField"]
    data = gql(api, "{ fields(filter: {isCustom: {is: true}}, paging: {first: 1000}) "
                    "{ edges { node { id name isCustom } } totalCount } }")
    nodes = [e["node"] for e in data["fields"]["edges"]]
    assert all(n["isCustom"] for n in nodes)
    assert created["id"] in {n["id"] for n in nodes}
    rest = rest_objects(api)
    custom_ids = {f["id"] for o in rest.values() for f in o["fields"] if f["isCustom"]}
    assert {n["id"] for n in nodes} == custom_ids
    assert data["fields"]["totalCount"] == len(custom_ids)
    standard = gql(api, "{ fields(filter: {isCustom: {is: false}}, paging: {first: 1000}) { totalCount } }")
    every = sum(len(o["fields"]) for o in rest.values())
    assert standard["fields"]["totalCount"] == every - len(custom_ids)
    either = gql(api, """query($a: UUID!, $b: UUID!) { fields(filter: {or: [{id: {eq: $a}}, {id: {eq: $b}}]}) {
        edges { node { id } } } }""", {"a": created["id"], "b": scratch["labelIdentifierFieldMetadataId"]})
    assert {e["node"]["id"] for e in either["fields"]["edges"]} == {created["id"], scratch["labelIdentifierFieldMetadataId"]}
    paged = gql(api, "{ fields(paging: {first: 3}) { edges { node { id } } pageInfo { hasNextPage } } }")
    assert len(paged["fields"]["edges"]) == 3 and paged["fields"]["pageInfo"]["hasNextPage"] is True


def test_field_by_id(api: Api) -> None:
    person = rest_objects(api)["person"]
    company_field = next(f for f in person["fields"] if f["name"] == "company")
    data = gql(api, """query($id: UUID!) { field(id: $id) {
        id name label type isNullable isCustom isActive settings defaultValue objectMetadataId
        object { id nameSingular }
        relation { type sourceObjectMetadata { id nameSingular } targetObjectMetadata { id nameSingular namePlural }
                   sourceFieldMetadata { id name } targetFieldMetadata { id name } } } }""",
               {"id": company_field["id"]})
    f = data["field"]
    assert f["id"] == company_field["id"] and f["name"] == "company" and f["type"] == "RELATION"
    assert f["objectMetadataId"] == person["id"] and f["object"] == {"id": person["id"], "nameSingular": "person"}
    assert f["settings"] == company_field["settings"]
    assert f["relation"]["type"] == "MANY_TO_ONE"
    assert f["relation"]["sourceObjectMetadata"]["nameSingular"] == "person"
    assert f["relation"]["targetObjectMetadata"]["nameSingular"] == "company"
    assert f["relation"]["sourceFieldMetadata"] == {"id": f["id"], "name": "company"}
    assert f["relation"]["targetFieldMetadata"]["name"] == "people"


# ---- the §17.9 flow, with REST watching --------------------------------------------------------


def test_create_object_select_field_relation_update_delete(api: Api, company_id: str) -> None:
    singular = "invoice" + letters()
    data = gql(api, """mutation { createOneObject(input: { object: {
        nameSingular: "SINGULAR", namePlural: "SINGULARs", labelSingular: "Invoice", labelPlural: "Invoices",
        icon: "IconFileInvoice", isLabelSyncedWithName: false
      } }) { id nameSingular namePlural labelIdentifierFieldMetadataId isCustom isActive icon
             fields(paging: {first: 100}) { edges { node { id name } } } } }""".replace("SINGULAR", singular))
    obj = data["createOneObject"]
    assert obj["nameSingular"] == singular and obj["namePlural"] == singular + "s"
    assert obj["isCustom"] is True and obj["isActive"] is True and obj["icon"] == "IconFileInvoice"
    field_names = {e["node"]["name"]: e["node"]["id"] for e in obj["fields"]["edges"]}
    assert obj["labelIdentifierFieldMetadataId"] == field_names["name"]
    assert {"id", "name", "createdAt", "noteTargets", "favorites"} <= set(field_names)
    # REST sees it at once, and so does the record API
    r = api.get(f"/rest/metadata/objects/{obj['id']}")
    assert r.status_code == 200 and r.json()["data"]["object"]["nameSingular"] == singular
    plural = singular + "s"
    r = api.get(f"/rest/{plural}")
    assert r.status_code == 200 and r.json()["data"][plural] == []

    # a SELECT field with options and a default
    data = gql(api, """mutation { createOneField(input: { field: {
        objectMetadataId: "OBJECT_ID", type: SELECT, name: "status", label: "Status",
        options: [
          { value: "DRAFT", label: "Draft", color: "gray",  position: 0 },
          { value: "SENT",  label: "Sent",  color: "blue",  position: 1 },
          { value: "PAID",  label: "Paid",  color: "green", position: 2 }
        ],
        defaultValue: "'DRAFT'"
      } }) { id name type options defaultValue isCustom } }""".replace("OBJECT_ID", obj["id"]))
    status = data["createOneField"]
    assert status["name"] == "status" and status["type"] == "SELECT" and status["isCustom"] is True
    assert status["defaultValue"] == "'DRAFT'"
    assert [(o["value"], o["label"], o["color"], o["position"]) for o in status["options"]] == [
        ("DRAFT", "Draft", "gray", 0), ("SENT", "Sent", "blue", 1), ("PAID", "Paid", "green", 2),
    ]
    r = api.get(f"/rest/metadata/fields/{status['id']}")
    assert r.status_code == 200 and r.json()["data"]["field"]["options"] == status["options"]
    r = api.post(f"/rest/{plural}", json={"name": "INV-1"})
    assert r.status_code == 201, r.text
    invoice = r.json()["data"]["create" + singular[0].upper() + singular[1:]]
    assert invoice["status"] == "DRAFT"

    # a relation to company
    inverse = "invoices" + letters().title()
    data = gql(api, """mutation($id: UUID!) { createOneField(input: { field: {
        objectMetadataId: $id, type: RELATION, name: "company", label: "Company",
        relationCreationPayload: {
          type: "MANY_TO_ONE", targetObjectMetadataId: "COMPANY_ID",
          targetFieldLabel: "INVERSE", targetFieldIcon: "IconFileInvoice"
        }
      } }) { id name type settings relation { type targetFieldMetadata { name } } } }"""
               .replace("COMPANY_ID", company_id).replace("INVERSE", inverse), {"id": obj["id"]})
    relation = data["createOneField"]
    assert relation["type"] == "RELATION" and relation["name"] == "company"
    assert relation["settings"]["relationType"] == "MANY_TO_ONE"
    assert relation["settings"]["joinColumnName"] == "companyId"
    assert relation["settings"]["onDelete"] == "SET_NULL"
    assert relation["relation"] == {"type": "MANY_TO_ONE", "targetFieldMetadata": {"name": inverse}}
    company_fields = {f["name"]: f for f in rest_objects(api)["company"]["fields"]}
    assert company_fields[inverse]["relation"]["targetObjectMetadata"]["id"] == obj["id"]
    company = api.post("/rest/companies", json={"name": "Billed"}).json()["data"]["createCompany"]
    r = api.patch(f"/rest/{plural}/{invoice['id']}", json={"companyId": company["id"]})
    assert r.status_code == 200, r.text
    deep = api.get(f"/rest/companies/{company['id']}", params={"depth": "1"}).json()["data"]["company"]
    assert [x["id"] for x in deep[inverse]] == [invoice["id"]]

    # relabel, then delete the SELECT field
    data = gql(api, 'mutation($id: UUID!) { updateOneField(input: { id: $id, update: { label: "Invoice status" } }) '
                    "{ id label name } }", {"id": status["id"]})
    assert data["updateOneField"] == {"id": status["id"], "label": "Invoice status", "name": "status"}
    assert api.get(f"/rest/metadata/fields/{status['id']}").json()["data"]["field"]["label"] == "Invoice status"
    data = gql(api, "mutation($id: UUID!) { deleteOneField(input: { id: $id }) { id name } }", {"id": status["id"]})
    assert data["deleteOneField"] == {"id": status["id"], "name": "status"}
    assert api.get(f"/rest/metadata/fields/{status['id']}").status_code == 404
    record = api.get(f"/rest/{plural}/{invoice['id']}").json()["data"][singular]
    assert "status" not in record and record["companyId"] == company["id"]

    # deactivate, then delete the object
    data = gql(api, "mutation($id: UUID!) { updateOneObject(input: { id: $id, update: { isActive: false } }) "
                    "{ id isActive } }", {"id": obj["id"]})
    assert data["updateOneObject"] == {"id": obj["id"], "isActive": False}
    assert api.get(f"/rest/{plural}").status_code == 400
    assert api.get(f"/rest/metadata/objects/{obj['id']}").json()["data"]["object"]["isActive"] is False
    data = gql(api, "mutation($id: UUID!) { deleteOneObject(input: { id: $id }) { id nameSingular } }",
               {"id": obj["id"]})
    assert data["deleteOneObject"] == {"id": obj["id"], "nameSingular": singular}
    assert api.get(f"/rest/metadata/objects/{obj['id']}").status_code == 404
    assert inverse not in {f["name"] for f in rest_objects(api)["company"]["fields"]}
    assert api.get(f"/rest/metadata/fields/{relation['id']}").status_code == 404


def test_update_object_labels(api: Api, scratch: dict[str, Any]) -> None:
    data = gql(api, """mutation($id: UUID!) { updateOneObject(input: { id: $id, update: {
        labelSingular: "Scratch pad", description: "for tests", icon: "IconNotebook" } }) {
        id labelSingular description icon nameSingular } }""", {"id": scratch["id"]})
    assert data["updateOneObject"]["labelSingular"] == "Scratch pad"
    assert data["updateOneObject"]["nameSingular"] == scratch["nameSingular"]
    rest = api.get(f"/rest/metadata/objects/{scratch['id']}").json()["data"]["object"]
    assert (rest["labelSingular"], rest["description"], rest["icon"]) == ("Scratch pad", "for tests", "IconNotebook")


def test_rest_changes_are_seen_by_graphql(api: Api, scratch: dict[str, Any]) -> None:
    name = "fromRest" + letters().title()
    r = api.post("/rest/metadata/fields", json={
        "objectMetadataId": scratch["id"], "type": "NUMBER", "name": name, "label": "From REST",
    })
    assert r.status_code == 201, r.text
    field_id = r.json()["data"]["createOneField"]["id"]
    data = gql(api, "query($id: UUID!) { field(id: $id) { id name type label } }", {"id": field_id})
    assert data["field"] == {"id": field_id, "name": name, "type": "NUMBER", "label": "From REST"}
    r = api.patch(f"/rest/metadata/fields/{field_id}", json={"label": "Relabelled"})
    assert r.status_code == 200, r.text
    assert gql(api, "query($id: UUID!) { field(id: $id) { label } }", {"id": field_id})["field"]["label"] == "Relabelled"
    r = api.delete(f"/rest/metadata/fields/{field_id}")
    assert r.status_code == 200, r.text
    gql_error(api, "query($id: UUID!) { field(id: $id) { id } }", "NOT_FOUND", "FIELD_METADATA_NOT_FOUND",
              {"id": field_id})


# ---- errors --------------------------------------------------------------------------------------


def test_not_found_errors(api: Api) -> None:
    unknown = str(uuid.uuid4())
    before = rest_snapshot(api)
    gql_error(api, "query($id: UUID!) { object(id: $id) { id } }", "NOT_FOUND", "OBJECT_METADATA_NOT_FOUND",
              {"id": unknown})
    gql_error(api, "query($id: UUID!) { field(id: $id) { id } }", "NOT_FOUND", "FIELD_METADATA_NOT_FOUND",
              {"id": unknown})
    gql_error(api, 'mutation($id: UUID!) { updateOneObject(input: {id: $id, update: {labelSingular: "X"}}) { id } }',
              "NOT_FOUND", "OBJECT_METADATA_NOT_FOUND", {"id": unknown})
    gql_error(api, 'mutation($id: UUID!) { updateOneField(input: {id: $id, update: {label: "X"}}) { id } }',
              "NOT_FOUND", "FIELD_METADATA_NOT_FOUND", {"id": unknown})
    gql_error(api, "mutation($id: UUID!) { deleteOneObject(input: {id: $id}) { id } }",
              "NOT_FOUND", "OBJECT_METADATA_NOT_FOUND", {"id": unknown})
    gql_error(api, "mutation($id: UUID!) { deleteOneField(input: {id: $id}) { id } }",
              "NOT_FOUND", "FIELD_METADATA_NOT_FOUND", {"id": unknown})
    gql_error(api, """mutation($id: UUID!) { createOneField(input: {field: {
        objectMetadataId: $id, type: TEXT, name: "orphan", label: "Orphan"}}) { id } }""",
              "NOT_FOUND", "OBJECT_METADATA_NOT_FOUND", {"id": unknown})
    assert rest_snapshot(api) == before


@pytest.mark.parametrize(
    ("mutation", "variables"),
    [
        ('createOneObject(input: {object: {nameSingular: "Bad Name", namePlural: "badNames", '
         'labelSingular: "B", labelPlural: "Bs"}}) { id }', None),
        ('createOneObject(input: {object: {nameSingular: "same", namePlural: "same", '
         'labelSingular: "S", labelPlural: "Ss"}}) { id }', None),
        ('createOneObject(input: {object: {nameSingular: "nolabel", namePlural: "nolabels", '
         'labelSingular: "", labelPlural: "Ns"}}) { id }', None),
        ('createOneField(input: {field: {objectMetadataId: "$scratch", type: SELECT, name: "noOptions", '
         'label: "No options"}}) { id }', None),
        ('createOneField(input: {field: {objectMetadataId: "$scratch", type: SELECT, name: "lowerOptions", '
         'label: "L", options: [{value: "draft", label: "Draft"}]}}) { id }', None),
        ('createOneField(input: {field: {objectMetadataId: "$scratch", type: TEXT, name: "unquoted", '
         'label: "U", defaultValue: "hello"}}) { id }', None),
        ('createOneField(input: {field: {objectMetadataId: "$scratch", type: TS_VECTOR, name: "tsv", '
         'label: "T"}}) { id }', None),
        ('createOneField(input: {field: {objectMetadataId: "$scratch", type: TEXT, name: "Capital", '
         'label: "C"}}) { id }', None),
        ('updateOneField(input: {id: "$nameField", update: {label: ""}}) { id }', None),
    ],
)
def test_bad_user_input_errors(api: Api, scratch: dict[str, Any], mutation: str, variables: Any) -> None:
    before = rest_snapshot(api)
    query = "mutation { " + mutation.replace("$scratch", scratch["id"]).replace(
        "$nameField", scratch["labelIdentifierFieldMetadataId"]) + " }"
    error = gql_error(api, query, "BAD_USER_INPUT")
    assert error["extensions"]["vingtCode"] in ("INVALID_METADATA_INPUT", "INVALID_UUID")
    assert rest_snapshot(api) == before


def test_forbidden_errors(api: Api, scratch: dict[str, Any]) -> None:
    objects = rest_objects(api)
    before = rest_snapshot(api)
    person = objects["person"]
    gql_error(api, "mutation($id: UUID!) { deleteOneObject(input: {id: $id}) { id } }", "FORBIDDEN",
              "METADATA_MUTATION_NOT_ALLOWED", {"id": person["id"]})
    gql_error(api, 'mutation($id: UUID!) { updateOneObject(input: {id: $id, update: {nameSingular: "human", '
                   'namePlural: "humans"}}) { id } }', "FORBIDDEN", "METADATA_MUTATION_NOT_ALLOWED",
              {"id": person["id"]})
    # a custom object must be deactivated before it is deleted
    gql_error(api, "mutation($id: UUID!) { deleteOneObject(input: {id: $id}) { id } }", "FORBIDDEN",
              "METADATA_MUTATION_NOT_ALLOWED", {"id": scratch["id"]})
    job_title = next(f for f in person["fields"] if f["name"] == "jobTitle")
    gql_error(api, 'mutation($id: UUID!) { updateOneField(input: {id: $id, update: {name: "role"}}) { id } }',
              "FORBIDDEN", "METADATA_MUTATION_NOT_ALLOWED", {"id": job_title["id"]})
    gql_error(api, "mutation($id: UUID!) { deleteOneField(input: {id: $id}) { id } }", "FORBIDDEN",
              "METADATA_MUTATION_NOT_ALLOWED", {"id": job_title["id"]})
    gql_error(api, "mutation($id: UUID!) { deleteOneField(input: {id: $id}) { id } }", "FORBIDDEN",
              "METADATA_MUTATION_NOT_ALLOWED", {"id": scratch["labelIdentifierFieldMetadataId"]})
    assert rest_snapshot(api) == before


def test_conflict_errors(api: Api, scratch: dict[str, Any]) -> None:
    before = rest_snapshot(api)
    gql_error(api, 'mutation { createOneObject(input: {object: {nameSingular: "person", namePlural: "personas", '
                   'labelSingular: "P", labelPlural: "Ps"}}) { id } }', "CONFLICT", "METADATA_NAME_CONFLICT")
    gql_error(api, 'mutation { createOneObject(input: {object: {nameSingular: "firm", namePlural: "companies", '
                   'labelSingular: "F", labelPlural: "Fs"}}) { id } }', "CONFLICT", "METADATA_NAME_CONFLICT")
    gql_error(api, 'mutation($s: String!, $p: String!) { createOneObject(input: {object: {nameSingular: $s, '
                   'namePlural: $p, labelSingular: "Again", labelPlural: "Agains"}}) { id } }',
              "CONFLICT", "METADATA_NAME_CONFLICT", {"s": scratch["nameSingular"], "p": scratch["nameSingular"] + "Zs"})
    gql_error(api, 'mutation($id: UUID!) { createOneField(input: {field: {objectMetadataId: $id, type: TEXT, '
                   'name: "name", label: "Name again"}}) { id } }', "CONFLICT", "METADATA_NAME_CONFLICT",
              {"id": scratch["id"]})
    gql_error(api, 'mutation($id: UUID!) { createOneField(input: {field: {objectMetadataId: $id, type: TEXT, '
                   'name: "createdBySource", label: "Clash"}}) { id } }', "CONFLICT", "METADATA_NAME_CONFLICT",
              {"id": scratch["id"]})
    assert rest_snapshot(api) == before


def test_option_in_use_is_a_conflict(api: Api, scratch: dict[str, Any]) -> None:
    name = "phase" + letters().title()
    field = gql(api, """mutation($id: UUID!, $name: String!) { createOneField(input: {field: {
        objectMetadataId: $id, type: SELECT, name: $name, label: "Phase",
        options: [{value: "ONE", label: "One"}, {value: "TWO", label: "Two"}]}}) { id options } }""",
                {"id": scratch["id"], "name": name})["createOneField"]
    r = api.post(f"/rest/{scratch['namePlural']}", json={name: "TWO"})
    assert r.status_code == 201, r.text
    keep = [o for o in field["options"] if o["value"] == "ONE"]
    before = rest_snapshot(api)
    gql_error(api, "mutation($id: UUID!, $options: JSON) { updateOneField(input: {id: $id, update: "
                   "{options: $options}}) { id } }", "CONFLICT", "OPTION_IN_USE",
              {"id": field["id"], "options": keep})
    assert rest_snapshot(api) == before


CURRENT_WORKSPACE = "{ currentWorkspace { id displayName logo activationStatus metadataVersion createdAt updatedAt deletedAt } }"


def test_current_workspace_is_the_keys_workspace(app_client: Any, database_url: str) -> None:
    ws = make_workspace(database_url, "Acme Current")
    api = Api(app_client, ws.token)
    current = gql(api, CURRENT_WORKSPACE)["currentWorkspace"]
    assert current["id"] == ws.id and current["displayName"] == "Acme Current"
    assert current["activationStatus"] == "ACTIVE" and current["logo"] is None and current["deletedAt"] is None
    assert current["createdAt"] == current["updatedAt"]
    assert dt.datetime.fromisoformat(current["createdAt"]).tzinfo is not None
    version = current["metadataVersion"]
    create_object(api, "versioned")
    assert gql(api, CURRENT_WORKSPACE)["currentWorkspace"]["metadataVersion"] > version
    # another workspace's key sees its own
    other = make_workspace(database_url, "Other Current")
    assert gql(Api(app_client, other.token), "{ currentWorkspace { id displayName } }")["currentWorkspace"] == {
        "id": other.id, "displayName": "Other Current"}


def test_current_user_is_forbidden_for_an_api_key(api: Api) -> None:
    error = gql_error(api, "{ currentUser { id email currentWorkspace { id } } }", "FORBIDDEN", "FORBIDDEN")
    assert error["path"] == ["currentUser"]
    # currentUser is non-null: its error nulls the whole answer, as in Twenty
    r = api.post("/metadata", json={"query": "{ currentUser { id } currentWorkspace { activationStatus } }"})
    body = r.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


def test_current_workspace_needs_a_key(app_client: Any) -> None:
    r = app_client.post("/metadata", json={"query": CURRENT_WORKSPACE})
    assert r.status_code == 200, r.text
    assert r.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN" and not r.json().get("data")


def test_missing_and_bad_tokens(app_client: Any) -> None:
    r = app_client.post("/metadata", json={"query": "{ objects { edges { node { id } } } }"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert not body.get("data")
    r = app_client.post("/metadata", json={"query": "{ objects { edges { node { id } } } }"},
                        headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 200, r.text
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    r = app_client.post("/metadata", json={"query": 'mutation { createOneObject(input: {object: {nameSingular: "x", '
                                                   'namePlural: "xs", labelSingular: "X", labelPlural: "Xs"}}) { id } }'})
    assert r.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_syntax_and_validation_errors(api: Api) -> None:
    r = api.post("/metadata", json={"query": "{ objects { edges { node { id } } "})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["errors"] and isinstance(body["errors"][0]["message"], str)
    assert not body.get("data")
    r = api.post("/metadata", json={"query": "{ objects { edges { node { nope } } } }"})
    assert r.status_code == 400, r.text
    assert "nope" in r.json()["errors"][0]["message"]
    r = api.post("/metadata", json={"query": "{ object { id } }"})  # missing required argument
    assert r.status_code == 400, r.text
    r = api.post("/metadata", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["errors"]
    r = api.post("/metadata", json={"variables": {}})
    assert r.status_code == 400 and r.json()["errors"]


@pytest.mark.parametrize(
    ("query", "vingt_code"),
    [
        ("{ objects(paging: {first: 5000}) { edges { node { id } } } }", "INVALID_LIMIT"),
        ("{ fields(paging: {first: -1}) { edges { node { id } } } }", "INVALID_LIMIT"),
        ('{ objects(paging: {first: 2, after: "garbage"}) { edges { node { id } } } }', "INVALID_CURSOR"),
        ('{ objects(paging: {first: 2, after: "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"}) { edges { node { id } } } }',
         "INVALID_CURSOR"),
        ('mutation { deleteOneField(input: {id: "not-a-uuid"}) { id } }', "INVALID_UUID"),
        ('mutation { updateOneObject(input: {id: "not-a-uuid", update: {labelSingular: "X"}}) { id } }',
         "INVALID_UUID"),
        ('{ object(id: "not-a-uuid") { id } }', "INVALID_UUID"),
        ('{ field(id: "not-a-uuid") { id } }', "INVALID_UUID"),
    ],
)
def test_bad_arguments_are_bad_user_input(api: Api, query: str, vingt_code: str) -> None:
    """A malformed UUID or paging argument is the caller's input error (as REST answers
    400 INVALID_UUID), not a NOT_FOUND."""
    gql_error(api, query, "BAD_USER_INPUT", vingt_code)


def test_bad_variables_are_errors(api: Api) -> None:
    r = api.post("/metadata", json={"query": "query($id: UUID!) { object(id: $id) { id } }", "variables": {}})
    body = r.json()
    assert body.get("errors"), body
    assert not body.get("data")


# ---- webhooks (AUTH_WEBHOOKS.md §6.7) ------------------------------------------------------------

WEBHOOK_FIELDS = "id workspaceId targetUrl operations description secret createdAt updatedAt deletedAt"


def test_webhooks_through_graphql_both_generations(api: Api) -> None:
    created = gql(api, f"""mutation {{ createWebhook(input: {{targetUrl: "https://hooks.example.com/g",
        operations: ["person.*"], description: "from GraphQL"}}) {{ {WEBHOOK_FIELDS} }} }}""")["createWebhook"]
    assert created["targetUrl"] == "https://hooks.example.com/g" and created["operations"] == ["person.*"]
    assert len(created["secret"]) == 64 and created["deletedAt"] is None
    wid = created["id"]
    # the same row over REST
    r = api.get(f"/rest/metadata/webhooks/{wid}")
    assert r.status_code == 200 and r.json() == created
    assert created in gql(api, f"{{ webhooks {{ {WEBHOOK_FIELDS} }} }}")["webhooks"]
    assert gql(api, f'{{ webhook(id: "{wid}") {{ id }} }}')["webhook"] == {"id": wid}
    assert gql(api, f'{{ webhook(input: {{id: "{wid}"}}) {{ id }} }}')["webhook"] == {"id": wid}
    # later era: {id, update: {...}}; v1.x: the fields beside the id
    later = gql(api, f'mutation {{ updateWebhook(input: {{id: "{wid}", update: {{operations: ["*.*"]}}}}) '
                     "{ operations description } }")["updateWebhook"]
    assert later == {"operations": ["*.*"], "description": "from GraphQL"}
    older = gql(api, f'mutation {{ updateWebhook(input: {{id: "{wid}", description: "v1"}}) {{ description }} }}')
    assert older["updateWebhook"] == {"description": "v1"}
    deleted = gql(api, f'mutation {{ deleteWebhook(id: "{wid}") {{ id deletedAt }} }}')["deleteWebhook"]
    assert deleted["id"] == wid and deleted["deletedAt"] is not None
    gql_error(api, f'{{ webhook(id: "{wid}") {{ id }} }}', "NOT_FOUND", "WEBHOOK_NOT_FOUND")
    gql_error(api, f'mutation {{ deleteWebhook(input: {{id: "{wid}"}}) {{ id }} }}', "NOT_FOUND", "WEBHOOK_NOT_FOUND")


@pytest.mark.parametrize(
    ("mutation", "vingt_code"),
    [
        ('createWebhook(input: {targetUrl: "ftp://x.example.com/"}) { id }', "INVALID_TARGET_URL"),
        ('createWebhook(input: {targetUrl: "http://127.0.0.1:9/"}) { id }', "INVALID_TARGET_URL"),
        ('createWebhook(input: {targetUrl: "https://x.example.com/", operations: ["person.exploded"]}) { id }',
         "INVALID_WEBHOOK_INPUT"),
        ("deleteWebhook { id }", "INVALID_WEBHOOK_INPUT"),
    ],
)
def test_bad_webhook_mutations(api: Api, mutation: str, vingt_code: str) -> None:
    before = api.get("/rest/webhooks").json()
    gql_error(api, "mutation { " + mutation + " }", "BAD_USER_INPUT", vingt_code)
    assert api.get("/rest/webhooks").json() == before
