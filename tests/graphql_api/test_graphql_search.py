"""The global ``search`` query (GRAPHQL.md §13) on ``/graphql`` and ``/metadata``: matching and
ranking across objects, labels and images, pages through ``after``, object lists, the filter, the
trash, API-key scopes, custom objects, bounds, and one statement per search. In process, both
databases; each test searches for a marker only its own records hold."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from conftest import Api, Workspace, with_db
from graphql_client import gql, marker, post
from vingt.db.database import Database, Stats
from vingt.workspaces import create_api_key

SEARCH = """query($q: String!, $n: Int!, $after: String, $in: [String!], $out: [String!], $filter: ObjectRecordFilterInput) {
  search(searchInput: $q, limit: $n, after: $after, includedObjectNameSingulars: $in,
         excludedObjectNameSingulars: $out, filter: $filter) {
    edges { cursor node { recordId objectNameSingular objectLabelSingular label imageUrl tsRankCD tsRank } }
    pageInfo { endCursor hasNextPage } } }"""


def _search(api: Api, q: str, n: int = 20, path: str = "/graphql", **args: Any) -> dict[str, Any]:
    r = api.post(path, json={"query": SEARCH, "variables": {"q": q, "n": n, **args}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body
    return body["data"]["search"]  # type: ignore[no-any-return]


def _create(api: Api, plural: str, body: dict[str, Any]) -> str:
    r = api.post(f"/rest/{plural}", json=body)
    assert r.status_code == 201, r.text
    return next(iter(r.json()["data"].values()))["id"]  # type: ignore[no-any-return]


def _hits(page: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["node"]["objectNameSingular"], e["node"]["recordId"]) for e in page["edges"]]


def test_search_ranks_across_objects_with_labels_and_images(api: Api) -> None:
    m = marker()
    person = _create(api, "people", {"name": {"firstName": m, "lastName": "Jones"},
                                     "emails": {"primaryEmail": f"{m}@example.com"}})
    inside = _create(api, "people", {"name": {"firstName": "Ann", "lastName": "Lee"}, "jobTitle": f"x{m}y"})
    company = _create(api, "companies", {"name": f"{m} Corp", "domainName": {"primaryLinkUrl": f"https://www.{m}.example/about"}})
    deal = _create(api, "opportunities", {"name": f"{m} deal"})
    note = _create(api, "notes", {"title": f"notes on {m}"})
    task = _create(api, "tasks", {"title": f"call {m}"})
    page = _search(api, m.upper())  # case does not matter
    # a whole text first, then texts with a word starting with it (by object priority), then inside one
    assert _hits(page) == [("person", person), ("company", company), ("opportunity", deal), ("note", note),
                           ("task", task), ("person", inside)]
    nodes = [e["node"] for e in page["edges"]]
    assert [(n["tsRankCD"], n["tsRank"]) for n in nodes] == [(1.0, 1.0)] + [(2 / 3, 2 / 3)] * 4 + [(1 / 3, 1 / 3)]
    assert [n["label"] for n in nodes] == [f"{m} Jones", f"{m} Corp", f"{m} deal", f"notes on {m}", f"call {m}",
                                           "Ann Lee"]
    assert [n["objectLabelSingular"] for n in nodes[:3]] == ["Person", "Company", "Opportunity"]
    assert nodes[1]["imageUrl"] == f"https://twenty-icons.com/{m}.example" and nodes[0]["imageUrl"] == ""
    assert page["pageInfo"] == {"endCursor": page["edges"][-1]["cursor"], "hasNextPage": False}
    # two words: a record with both ranks first; one with a single word has no tsRankCD
    both = _search(api, f"{m} jones")
    assert _hits(both)[0] == ("person", person)
    assert (both["edges"][0]["node"]["tsRankCD"], both["edges"][0]["node"]["tsRank"]) == (1.0, 1.0)
    assert (both["edges"][1]["node"]["tsRankCD"], both["edges"][1]["node"]["tsRank"]) == (0.0, 1 / 3)
    assert len(both["edges"]) == 6
    # an e-mail and a domain are searched too; % and _ are plain characters
    assert _hits(_search(api, f"{m}@example"))[0] == ("person", person)
    assert _hits(_search(api, f"{m}.example")) == [("company", company)]
    assert _search(api, f"{m[:4]}%{m[5:]}")["edges"] == [] and _search(api, f"{m[:4]}_{m[5:]}")["edges"] == []
    # /metadata serves the same search
    assert _search(api, m, path="/metadata") == page


def test_search_pages_lists_filters_and_leaves_the_trash_out(api: Api) -> None:
    m = marker()
    notes = [_create(api, "notes", {"title": f"{m} {i}"}) for i in range(5)]
    person = _create(api, "people", {"name": {"firstName": m, "lastName": "P"}})
    seen: list[tuple[str, str]] = []
    after = None
    while True:
        page = _search(api, m, 2, after=after)
        seen += _hits(page)
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == _hits(_search(api, m)) and len(seen) == 6 and seen[0] == ("person", person)
    assert {i for _o, i in _hits(_search(api, m, **{"in": ["note"]}))} == set(notes)
    assert _hits(_search(api, m, **{"out": ["note"]})) == [("person", person)]
    assert _hits(_search(api, m, **{"in": ["nothing"]})) == []
    picked = _search(api, m, filter={"or": [{"id": {"eq": notes[0]}}, {"id": {"eq": notes[1]}}]})
    assert {i for _o, i in _hits(picked)} == {notes[0], notes[1]}
    assert len(_search(api, m, filter={"not": {"id": {"in": notes}}})["edges"]) == 1
    assert _search(api, m, filter={"createdAt": {"gte": "2999-01-01T00:00:00.000Z"}})["edges"] == []
    assert api.delete(f"/rest/notes/{notes[2]}?soft_delete=true").status_code == 200
    assert notes[2] not in {i for _o, i in _hits(_search(api, m))}
    trash = _search(api, m, filter={"deletedAt": {"is": "NOT_NULL"}})
    assert _hits(trash) == [("note", notes[2])]
    empty = _search(api, m, 0)
    assert empty == {"edges": [], "pageInfo": {"endCursor": None, "hasNextPage": True}}


@pytest.mark.parametrize(("variables", "subcode"), [
    ({"n": 101}, "INVALID_LIMIT"),
    ({"n": -1}, "INVALID_LIMIT"),
    ({"after": "not a cursor"}, "INVALID_CURSOR"),
    ({"q": " ".join(f"w{i}" for i in range(11))}, "INVALID_PARAMETER"),
    ({"filter": {"id": {"in": []}}}, "INVALID_FILTER"),
])
@pytest.mark.parametrize("path", ["/graphql", "/metadata"])
def test_bad_searches_are_named_errors(api: Api, path: str, variables: dict[str, Any], subcode: str) -> None:
    r = api.post(path, json={"query": SEARCH, "variables": {"q": "x", "n": 5, **variables}})
    assert r.status_code == 200, r.text
    (error,) = r.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"].get("subCode", error["extensions"].get("vingtCode")) == subcode
    if variables.get("n") == 101:
        assert error["message"] == "Limit cannot exceed 100 items"


def test_search_leaves_out_objects_the_key_cannot_read(
    api: Api, app_client: TestClient, database_url: str, workspace: Workspace
) -> None:
    m = marker()
    person = _create(api, "people", {"name": {"firstName": m, "lastName": "Q"}})
    _create(api, "companies", {"name": m})

    async def key(db: Database) -> str:
        return (await create_api_key(db, workspace.id, "people reader", None, "read", ["people"])).token

    people_only = Api(app_client, with_db(database_url, key))
    assert _hits(_search(people_only, m)) == [("person", person)]
    assert _hits(_search(people_only, m, **{"in": ["company"]})) == []


def test_custom_objects_are_searched_while_searchable(api: Api) -> None:
    m = marker()
    r = api.post("/rest/metadata/objects", json={"nameSingular": f"gadget{m[1:5]}", "namePlural": f"gadgets{m[1:5]}",
                                                 "labelSingular": "Gadget", "labelPlural": "Gadgets"})
    assert r.status_code == 201, r.text
    created = r.json()["data"]["createOneObject"]
    gadget = _create(api, f"gadgets{m[1:5]}", {"name": f"{m} gadget"})
    page = _search(api, m)
    assert _hits(page) == [(f"gadget{m[1:5]}", gadget)] and page["edges"][0]["node"]["label"] == f"{m} gadget"
    r = api.patch(f"/rest/metadata/objects/{created['id']}", json={"isSearchable": False})
    assert r.status_code == 200, r.text
    assert _search(api, m)["edges"] == []


def test_one_statement_per_search_whatever_the_objects_and_the_page(api: Api) -> None:
    m = marker()
    for i in range(3):
        _create(api, "notes", {"title": f"{m} {i}"})
        _create(api, "tasks", {"title": f"{m} {i}"})

    def spent(n: int) -> int:
        before = Stats.statements
        gql(api, "query($q: String!, $n: Int!) { search(searchInput: $q, limit: $n) { edges { cursor } } }",
            {"q": m, "n": n})
        return Stats.statements - before

    spent(1)  # the key and the catalog are cached from here on
    assert spent(1) == spent(6) == 1
    aliased = '{ s: search(searchInput: "MARK", limit: 1) { pageInfo { more: hasNextPage } __typename } }'
    assert post(api, aliased.replace("MARK", m))["data"] == {
        "s": {"pageInfo": {"more": True}, "__typename": "SearchResultConnection"}}
