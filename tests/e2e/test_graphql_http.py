"""The core GraphQL API over HTTP against ``vingt serve``, on both databases: every root field of a
standard object (``company``) and of a custom object made at run time through ``/metadata``
(``shipment``: NUMBER, SELECT, DATE, BOOLEAN, CURRENCY, a unique TEXT and a MANY_TO_ONE relation
to ``company``), each mutation's events as the change feed (``GET /rest/events``) shows them,
pages both ways under several orderings, nested connections with their own arguments,
aggregates and groups against values computed here, a representative part of the filter table
(tests/graphql_api/test_graphql_filter_table.py has all of it, in process) and a table of bad
documents with their ``extensions.code``.

One server per database for the whole run (``graphql_server``, shared with
test_graphql_client.py); every test works on records named with a marker of its own.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from live_server import Server

pytestmark = pytest.mark.e2e

FEED_WAIT_S = 10.0  # how long the feed may take to show a write's events (the dispatcher's fan-out)
NULL, NOT_NULL = "NULL", "NOT_NULL"


def marker() -> str:
    return "m" + uuid.uuid4().hex[:10]


class Live:
    """The server's first workspace: /graphql and the change feed, read from where it was last."""

    def __init__(self, server: Server):
        assert server.key, server.log_path.read_text()
        self.http: httpx.Client = server.client(server.key)
        self.base = server.base
        self.cursor: str | None = None
        self.seen: list[dict[str, Any]] = []

    def post(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """The whole answer; GraphQL answers 200 whatever happened."""
        r = self.http.post("/graphql", json={"query": query, "variables": variables}, **kw)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.post(query, variables)
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    def events(self, ids: set[str], count: int) -> list[dict[str, Any]]:
        """The feed's events about ``ids``, in feed order, once ``count`` of them are there."""
        deadline = time.monotonic() + FEED_WAIT_S
        while True:
            self._read()
            found = [e for e in self.seen if e["recordId"] in ids]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def _read(self) -> None:
        while True:
            params = {"limit": "100", **({"after": self.cursor} if self.cursor else {})}
            r = self.http.get("/rest/events", params=params)
            assert r.status_code == 200, r.text
            body = r.json()
            self.seen += body["data"]["events"]
            self.cursor = body["pageInfo"]["endCursor"]
            if not body["pageInfo"]["hasNextPage"]:
                return


def steps(events: list[dict[str, Any]], expected: list[set[tuple[str, str]]]) -> None:
    """``events`` are, in order, the steps' (eventName, recordId) pairs; within a step (one
    mutation) in any order."""
    got = [(e["eventName"], e["recordId"]) for e in events]
    assert len(got) == sum(len(s) for s in expected), got
    at = 0
    for n, step in enumerate(expected):
        assert set(got[at : at + len(step)]) == step, (n, got[at : at + len(step)], step)
        at += len(step)


@pytest.fixture(scope="module")
def live(graphql_server: Server) -> Live:
    return Live(graphql_server)


SHIPMENT_STATUS = [{"value": v, "label": v.title(), "color": "gray", "position": i}
                   for i, v in enumerate(("DRAFT", "SENT", "DELIVERED"))]


@pytest.fixture(scope="module")
def shipments(live: Live) -> None:
    """The custom object ``shipment`` and its fields, made through the metadata GraphQL API."""
    query = "{ objects(paging: {first: 1000}) { edges { node { id nameSingular } } } }"
    objects = live.http.post("/metadata", json={"query": query})
    assert objects.status_code == 200, objects.text
    company = next(e["node"]["id"] for e in objects.json()["data"]["objects"]["edges"]
                   if e["node"]["nameSingular"] == "company")

    def metadata(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        r = live.http.post("/metadata", json={"query": query, "variables": variables})
        assert r.status_code == 200 and "errors" not in r.json(), r.text
        return r.json()["data"]  # type: ignore[no-any-return]

    made = metadata("mutation($o: CreateObjectInput!) { createOneObject(input: {object: $o}) { id nameSingular namePlural } }",
                    {"o": {"nameSingular": "shipment", "namePlural": "shipments", "labelSingular": "Shipment",
                           "labelPlural": "Shipments"}})["createOneObject"]
    assert (made["nameSingular"], made["namePlural"]) == ("shipment", "shipments")
    for field in (
        {"type": "NUMBER", "name": "weight", "label": "Weight"},
        {"type": "SELECT", "name": "status", "label": "Status", "options": SHIPMENT_STATUS},
        {"type": "DATE", "name": "shippedOn", "label": "Shipped on"},
        {"type": "BOOLEAN", "name": "fragile", "label": "Fragile"},
        {"type": "CURRENCY", "name": "cost", "label": "Cost"},
        {"type": "TEXT", "name": "trackingCode", "label": "Tracking code", "isUnique": True},
        {"type": "RELATION", "name": "company", "label": "Company", "relationCreationPayload": {
            "type": "MANY_TO_ONE", "targetObjectMetadataId": company, "targetFieldLabel": "Shipments"}},
    ):
        out = metadata("mutation($f: CreateFieldInput!) { createOneField(input: {field: $f}) { name type isCustom } }",
                       {"f": {"objectMetadataId": made["id"], **field}})["createOneField"]
        assert out == {"name": field["name"], "type": field["type"], "isCustom": True}


# ---- every root field of one object, and its events --------------------------------------------


@dataclass(frozen=True)
class Subject:
    """An object as the generic scenario drives it: a NUMBER field and a unique field's input."""

    singular: str
    plural: str
    number: str
    unique: Callable[[str], dict[str, Any]]

    @property
    def S(self) -> str:  # noqa: N802
        return self.singular[0].upper() + self.singular[1:]

    @property
    def P(self) -> str:  # noqa: N802
        return self.plural[0].upper() + self.plural[1:]


SUBJECTS = {
    "company": Subject("company", "companies", "employees",
                       lambda v: {"domainName": {"primaryLinkUrl": f"https://{v}.example.com"}}),
    "shipment": Subject("shipment", "shipments", "weight", lambda v: {"trackingCode": v.upper()}),
}


@pytest.mark.parametrize("name", list(SUBJECTS))
def test_every_root_field_of_an_object_and_its_events(live: Live, shipments: None, name: str) -> None:
    s, m = SUBJECTS[name], marker()
    sel = f"id name {s.number} deletedAt"

    def mutation(root: str, signature: str, args: str, variables: dict[str, Any]) -> Any:
        return live.gql(f"mutation({signature}) {{ {root}({args}) {{ {sel} }} }}", variables)[root]

    a = mutation(f"create{s.S}", f"$d: {s.S}CreateInput!", "data: $d",
                 {"d": {"name": f"{m}-a", s.number: 10, **s.unique(m + "a")}})
    assert (a["name"], a[s.number], a["deletedAt"]) == (f"{m}-a", 10, None)
    b, c = mutation(f"create{s.P}", f"$d: [{s.S}CreateInput!]!", "data: $d",
                    {"d": [{"name": f"{m}-b", s.number: 20, **s.unique(m + "b")}, {"name": f"{m}-c", s.number: 30}]})
    # upsert: the first matches a by its unique value and is updated, the second is created
    upserted, d = mutation(f"create{s.P}", f"$d: [{s.S}CreateInput!]!", "data: $d, upsert: true",
                           {"d": [{"name": f"{m}-a2", **s.unique(m + "a")}, {"name": f"{m}-d", **s.unique(m + "d")}]})
    assert upserted["id"] == a["id"] and upserted["name"] == f"{m}-a2" and upserted[s.number] == 10
    by_id = mutation(f"create{s.S}", f"$d: {s.S}CreateInput!", "data: $d, upsert: true",
                     {"d": {"id": b["id"], s.number: 21}})
    assert (by_id["id"], by_id["name"], by_id[s.number]) == (b["id"], f"{m}-b", 21)

    found = live.gql(f"query($id: UUID) {{ {s.singular}(filter: {{id: {{eq: $id}}}}) {{ {sel} }} }}", {"id": a["id"]})
    assert found[s.singular] == {"id": a["id"], "name": f"{m}-a2", s.number: 10, "deletedAt": None}
    listed = live.gql(f"""query($m: String) {{
      {s.plural}(filter: {{name: {{startsWith: $m}}}}, orderBy: [{{name: AscNullsFirst}}]) {{
        totalCount edges {{ node {{ name {s.number} }} }} }} }}""", {"m": m})[s.plural]
    assert listed["totalCount"] == 4
    assert [(e["node"]["name"], e["node"][s.number]) for e in listed["edges"]] == [
        (f"{m}-a2", 10), (f"{m}-b", 21), (f"{m}-c", 30), (f"{m}-d", None)]

    updated = mutation(f"update{s.S}", f"$id: UUID!, $u: {s.S}UpdateInput!", "id: $id, data: $u",
                       {"id": c["id"], "u": {s.number: 31}})
    assert (updated["id"], updated[s.number]) == (c["id"], 31)
    many = mutation(f"update{s.P}", f"$f: {s.S}FilterInput!, $u: {s.S}UpdateInput!", "filter: $f, data: $u",
                    {"f": {"name": {"startsWith": m}, s.number: {"gte": 21}}, "u": {s.number: 40}})
    assert sorted(r["id"] for r in many) == sorted([b["id"], c["id"]]) and {r[s.number] for r in many} == {40}

    deleted = mutation(f"delete{s.S}", "$id: UUID!", "id: $id", {"id": a["id"]})
    assert deleted["id"] == a["id"] and deleted["deletedAt"] is not None
    gone = live.post(f"query($id: UUID) {{ {s.singular}(filter: {{id: {{eq: $id}}}}) {{ id }} }}", {"id": a["id"]})
    assert gone["data"] == {s.singular: None} and gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    trash = live.gql(f"query($id: UUID) {{ {s.singular}(filter: {{id: {{eq: $id}}, deletedAt: {{is: NOT_NULL}}}}) {{ id }} }}",
                     {"id": a["id"]})
    assert trash == {s.singular: {"id": a["id"]}}
    deleted_many = mutation(f"delete{s.P}", f"$f: {s.S}FilterInput!", "filter: $f",
                            {"f": {"name": {"startsWith": m}, s.number: {"eq": 40}}})
    assert sorted(r["id"] for r in deleted_many) == sorted([b["id"], c["id"]])
    assert all(r["deletedAt"] is not None for r in deleted_many)
    left = live.gql(f"query($m: String) {{ {s.plural}(filter: {{name: {{startsWith: $m}}}}) {{ totalCount }} }}", {"m": m})
    assert left == {s.plural: {"totalCount": 1}}

    restored = mutation(f"restore{s.S}", "$id: UUID!", "id: $id", {"id": a["id"]})
    assert (restored["id"], restored["deletedAt"]) == (a["id"], None)
    restored_many = mutation(f"restore{s.P}", f"$f: {s.S}FilterInput!", "filter: $f",
                             {"f": {"name": {"startsWith": m}, "id": {"eq": b["id"]}}})
    assert [(r["id"], r["deletedAt"]) for r in restored_many] == [(b["id"], None)]

    destroyed = mutation(f"destroy{s.S}", "$id: UUID!", "id: $id", {"id": d["id"]})
    assert (destroyed["id"], destroyed["name"]) == (d["id"], f"{m}-d")
    # a soft-deleted record (c) is destroyed too, the others with it
    everything = {"name": {"startsWith": m}, "or": [{"deletedAt": {"is": NULL}}, {"deletedAt": {"is": NOT_NULL}}]}
    destroyed_many = mutation(f"destroy{s.P}", f"$f: {s.S}FilterInput!", "filter: $f", {"f": everything})
    assert sorted(r["id"] for r in destroyed_many) == sorted([a["id"], b["id"], c["id"]])
    after = live.gql(f"query($f: {s.S}FilterInput) {{ {s.plural}(filter: $f) {{ totalCount }} }}", {"f": everything})
    assert after == {s.plural: {"totalCount": 0}}

    ids = {a["id"], b["id"], c["id"], d["id"]}
    events = live.events(ids, 17)
    on = s.singular
    steps(events, [
        {(f"{on}.created", a["id"])},
        {(f"{on}.created", b["id"]), (f"{on}.created", c["id"])},
        {(f"{on}.updated", a["id"]), (f"{on}.created", d["id"])},
        {(f"{on}.updated", b["id"])},
        {(f"{on}.updated", c["id"])},
        {(f"{on}.updated", b["id"]), (f"{on}.updated", c["id"])},
        {(f"{on}.deleted", a["id"])},
        {(f"{on}.deleted", b["id"]), (f"{on}.deleted", c["id"])},
        {(f"{on}.restored", a["id"])},
        {(f"{on}.restored", b["id"])},
        {(f"{on}.destroyed", d["id"])},
        {(f"{on}.destroyed", a["id"]), (f"{on}.destroyed", b["id"]), (f"{on}.destroyed", c["id"])},
    ])
    assert all(e["objectMetadata"]["nameSingular"] == on for e in events)
    created = events[0]
    upsert_of_a = next(e for e in events if e["eventName"] == f"{on}.updated" and e["recordId"] == a["id"])
    assert created["before"] is None and created["after"]["name"] == f"{m}-a" and created["updatedFields"] is None
    assert upsert_of_a["before"]["name"] == f"{m}-a" and upsert_of_a["after"]["name"] == f"{m}-a2"
    assert upsert_of_a["updatedFields"] == ["name"]
    assert [e["updatedFields"] for e in events if e["eventName"] == f"{on}.updated" and e["recordId"] == c["id"]] == [
        [s.number], [s.number]]
    last = events[-1]
    assert last["after"] is None and last["before"]["id"] == last["recordId"]


# ---- duplicates and merge (objects with duplicate criteria) --------------------------------------


def test_duplicates_then_a_dry_run_and_a_merge_of_companies(live: Live) -> None:
    m = marker()
    name = m + "-acme"
    keep, dup1, dup2, solo = live.gql("""mutation($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id } }""", {"d": [
        {"name": name, "domainName": {"primaryLinkUrl": f"https://{m}.example.com"}, "employees": 10},
        {"name": name, "address": {"addressCity": "Lyon"}, "linkedinLink": {"primaryLinkUrl": f"https://in.example.com/{m}1"}},
        {"name": name, "employees": 99, "linkedinLink": {"primaryLinkUrl": f"https://in.example.com/{m}2"}},
        {"name": m + "-solo"},
    ]})["createCompanies"]
    keep, dup1, dup2, solo = keep["id"], dup1["id"], dup2["id"], solo["id"]
    person = live.gql("mutation($c: ID) { createPerson(data: {companyId: $c}) { id } }", {"c": dup1})["createPerson"]["id"]

    by_data = live.gql("""query($d: [CompanyCreateInput]) { companyDuplicates(data: $d) {
      totalCount pageInfo { hasNextPage hasPreviousPage } edges { node { id } } } }""",
                       {"d": [{"name": name}, {"name": m + "-nobody"}]})["companyDuplicates"]
    assert [sorted(e["node"]["id"] for e in c["edges"]) for c in by_data] == [sorted([keep, dup1, dup2]), []]
    assert [c["totalCount"] for c in by_data] == [3, 0]
    assert all(c["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False} for c in by_data)
    by_ids = live.gql("query($ids: [UUID]) { companyDuplicates(ids: $ids) { edges { node { id } } } }",
                      {"ids": [keep, solo]})["companyDuplicates"]
    assert sorted(sorted(e["node"]["id"] for e in c["edges"]) for c in by_ids) == [[], sorted([dup1, dup2])]

    merge = """mutation($ids: [UUID!]!, $i: Int!, $dry: Boolean) {
      mergeCompanies(ids: $ids, conflictPriorityIndex: $i, dryRun: $dry) {
      id name employees deletedAt address { addressCity } domainName { primaryLinkUrl }
      linkedinLink { primaryLinkUrl secondaryLinks } } }"""
    preview = live.gql(merge, {"ids": [dup1, keep, dup2], "i": 1, "dry": True})["mergeCompanies"]
    assert preview["id"] not in (keep, dup1, dup2) and preview["deletedAt"] is not None
    listed = live.gql("query($n: String) { companies(filter: {name: {eq: $n}}) { totalCount } }", {"n": name})
    assert listed == {"companies": {"totalCount": 3}}  # the dry run wrote nothing

    merged = live.gql(merge, {"ids": [dup1, keep, dup2], "i": 1, "dry": False})["mergeCompanies"]
    # the priority record's values win; a value only the others have is the first one's in ids order;
    # the other links become secondary links
    values = {"name": name, "employees": 10, "address": {"addressCity": "Lyon"},
              "domainName": {"primaryLinkUrl": f"https://{m}.example.com"}}
    assert {k: preview[k] for k in values} == values  # the preview showed what the merge made
    assert merged["id"] == keep and merged["deletedAt"] is None and {k: merged[k] for k in values} == values
    for record in (preview, merged):
        links = record["linkedinLink"]
        assert links["primaryLinkUrl"] == f"https://in.example.com/{m}1"
        assert [link["url"] for link in links["secondaryLinks"]] == [f"https://in.example.com/{m}2"]
    after = live.gql("""query($n: String, $p: UUID) { companies(filter: {name: {eq: $n}}) { edges { node { id } } }
      person(filter: {id: {eq: $p}}) { companyId } }""", {"n": name, "p": person})
    assert after == {"companies": {"edges": [{"node": {"id": keep}}]}, "person": {"companyId": keep}}

    # one transaction: the person re-pointed to the record kept, the others destroyed, the kept one updated
    events = live.events({keep, dup1, dup2, person}, 8)
    steps(events, [{("company.created", keep), ("company.created", dup1), ("company.created", dup2)},
                   {("person.created", person)},
                   {("person.updated", person), ("company.destroyed", dup1), ("company.destroyed", dup2),
                    ("company.updated", keep)}])
    changed = {e["eventName"]: e["updatedFields"] for e in events if e["eventName"].endswith(".updated")}
    assert changed == {"person.updated": ["companyId"], "company.updated": ["address", "linkedinLink"]}


# ---- pages both ways under several orderings ------------------------------------------------------


@dataclass(frozen=True)
class By:
    """One ``orderBy`` item over the records as read back: the value at ``path`` (dotted for a
    sub-field), in ``direction``, compared by ``rank`` (the value itself unless given)."""

    path: str
    direction: str
    rank: Callable[[Any], Any] = lambda v: v

    def key(self, record: dict[str, Any]) -> tuple[int, Any]:
        value: Any = record
        for part in self.path.split("."):
            value = None if value is None else value.get(part)
        if value is None:  # nulls before or after every value
            return (0 if self.direction.endswith("NullsFirst") else 2, 0)
        rank = self.rank(value)
        return (1, -rank if self.direction.startswith("Desc") else rank)


def _ordered(records: list[dict[str, Any]], keys: list[By]) -> list[str]:
    """The ids of ``records`` ordered by ``keys``, then by id (the server's last sort key)."""
    return [r["id"] for r in sorted(records, key=lambda r: (*(k.key(r) for k in keys), r["id"]))]


def _days(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


def _number_in_name(name: str) -> int:
    return int(name.rsplit("-", 1)[1])


STATUS_RANK = {o["value"]: o["position"] for o in SHIPMENT_STATUS}  # SELECT fields sort by option position


def _pages(live: Live, root: str, filter_type: str, flt: dict[str, Any], order: str) -> tuple[list[str], list[str], list[str]]:
    """The whole list, then the same read forward three at a time and backward three at a time."""
    query = f"""query($f: {filter_type}, $after: String, $before: String, $first: Int, $last: Int) {{
      {root}(filter: $f, orderBy: {order}, first: $first, after: $after, last: $last, before: $before) {{
        edges {{ cursor node {{ id }} }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"""
    whole = [e["node"]["id"] for e in live.gql(query, {"f": flt, "first": 50})[root]["edges"]]
    forward: list[str] = []
    after = None
    while True:
        page = live.gql(query, {"f": flt, "first": 3, "after": after})[root]
        assert page["pageInfo"]["hasPreviousPage"] is False
        assert all(e["cursor"] == e["node"]["id"] for e in page["edges"])
        forward += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backward: list[str] = []
    before = None
    while True:
        page = live.gql(query, {"f": flt, "last": 3, "before": before})[root]
        assert page["pageInfo"]["hasNextPage"] is False
        backward = [e["node"]["id"] for e in page["edges"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    return whole, forward, backward


def test_pages_forward_and_backward_repeat_and_skip_nothing(live: Live, shipments: None) -> None:
    m = marker()
    rows = [  # weight, status, shippedOn, amountMicros, fragile: repeats and nulls in every column
        (3, "SENT", "2024-05-01", 500, True), (1, "DRAFT", None, 200, False), (3, None, "2024-05-01", None, None),
        (None, "DELIVERED", "2024-01-09", 200, True), (2, "SENT", "2023-12-31", 900, False),
        (1, "SENT", None, None, True), (None, "DRAFT", "2024-05-01", 500, None),
    ]
    data = [{"name": f"{m}-{i}", "weight": w, "status": st, "shippedOn": day, "fragile": fr,
             **({"cost": {"amountMicros": amount, "currencyCode": "EUR"}} if amount is not None else {})}
            for i, (w, st, day, amount, fr) in enumerate(rows)]
    made = live.gql("mutation($d: [ShipmentCreateInput!]!) { createShipments(data: $d) { id name weight status "
                    "shippedOn fragile cost { amountMicros } } }", {"d": data})["createShipments"]
    orders: list[tuple[str, list[By]]] = [
        ("[{weight: AscNullsFirst}]", [By("weight", "AscNullsFirst")]),
        ("[{status: DescNullsLast}, {weight: AscNullsLast}]",
         [By("status", "DescNullsLast", STATUS_RANK.__getitem__), By("weight", "AscNullsLast")]),
        ("[{shippedOn: DescNullsFirst}]", [By("shippedOn", "DescNullsFirst", _days)]),
        ("[{cost: {amountMicros: AscNullsLast}}]", [By("cost.amountMicros", "AscNullsLast")]),
        ("[{fragile: DescNullsFirst}, {name: DescNullsLast}]",
         [By("fragile", "DescNullsFirst", int), By("name", "DescNullsLast", _number_in_name)]),
    ]
    for order, keys in orders:
        whole, forward, backward = _pages(live, "shipments", "ShipmentFilterInput", {"name": {"startsWith": m}}, order)
        assert whole == _ordered(made, keys), order
        assert forward == whole and backward == whole, order

    cities = [(5, "Lyon"), (None, "Paris"), (5, None), (12, "Lyon"), (1, "Caen")]
    companies = live.gql("mutation($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id employees "
                         "address { addressCity } } }", {"d": [
                             {"name": f"{m}-{i}", "employees": e, "address": {"addressCity": city}}
                             for i, (e, city) in enumerate(cities)]})["createCompanies"]
    for order, keys in [
        ("[{employees: DescNullsLast}]", [By("employees", "DescNullsLast")]),
        ("[{address: {addressCity: AscNullsFirst}}, {employees: AscNullsFirst}]",
         [By("address.addressCity", "AscNullsFirst"), By("employees", "AscNullsFirst")]),
    ]:
        whole, forward, backward = _pages(live, "companies", "CompanyFilterInput", {"name": {"startsWith": m}}, order)
        assert whole == _ordered(companies, keys), order
        assert forward == whole and backward == whole, order


# ---- nested connections -----------------------------------------------------------------------------


def test_nested_connections_take_their_own_arguments(live: Live, shipments: None) -> None:
    m = marker()
    company = live.gql("mutation($m: String) { createCompany(data: {name: $m}) { id } }", {"m": m})["createCompany"]["id"]
    live.gql("mutation($d: [PersonCreateInput!]!) { createPeople(data: $d) { id } }", {"d": [
        {"name": {"firstName": f"{m}{i}"}, "companyId": company, "jobTitle": "CTO" if i % 2 else None} for i in range(5)]})
    live.gql("mutation($d: [ShipmentCreateInput!]!) { createShipments(data: $d) { id } }", {"d": [
        {"name": f"{m}-{i}", "companyId": company, "weight": w, "fragile": f}
        for i, (w, f) in enumerate([(1, True), (5, True), (3, False), (4, True)])]})
    node = live.gql("""query($id: UUID) { companies(filter: {id: {eq: $id}}) { edges { node { name
      people(filter: {jobTitle: {eq: "CTO"}}, orderBy: [{name: {firstName: DescNullsLast}}], first: 1) {
        totalCount pageInfo { hasNextPage } edges { node { name { firstName } company { name } } } }
      shipments(filter: {fragile: {eq: true}}, orderBy: [{weight: DescNullsLast}], first: 2, offset: 1) {
        totalCount pageInfo { hasNextPage } edges { node { name weight } } }
    } } } }""", {"id": company})["companies"]["edges"][0]["node"]
    assert node["people"] == {"totalCount": 2, "pageInfo": {"hasNextPage": True},
                              "edges": [{"node": {"name": {"firstName": f"{m}3"}, "company": {"name": m}}}]}
    assert node["shipments"] == {"totalCount": 3, "pageInfo": {"hasNextPage": False}, "edges": [
        {"node": {"name": f"{m}-3", "weight": 4}}, {"node": {"name": f"{m}-0", "weight": 1}}]}
    # a nested connection pages both ways, its aggregates over the parent's records, not the page
    page = """query($id: UUID, $first: Int, $last: Int, $after: String, $before: String) {
      companies(filter: {id: {eq: $id}}) { edges { node {
        shipments(orderBy: [{weight: AscNullsFirst}], first: $first, last: $last, after: $after, before: $before) {
          totalCount sumWeight maxWeight pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { node { weight } } } } } } }"""

    def shipments_page(**args: Any) -> dict[str, Any]:
        data = live.gql(page, {"id": company, **args})
        return data["companies"]["edges"][0]["node"]["shipments"]  # type: ignore[no-any-return]

    first = shipments_page(first=2)
    assert [e["node"]["weight"] for e in first["edges"]] == [1, 3]
    assert (first["totalCount"], first["sumWeight"], first["maxWeight"]) == (4, 13, 5)
    assert (first["pageInfo"]["hasNextPage"], first["pageInfo"]["hasPreviousPage"]) == (True, False)
    second = shipments_page(first=2, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["weight"] for e in second["edges"]] == [4, 5] and second["pageInfo"]["hasNextPage"] is False
    last = shipments_page(last=2)
    assert [e["node"]["weight"] for e in last["edges"]] == [4, 5] and last["pageInfo"]["hasPreviousPage"] is True
    before = shipments_page(last=2, before=last["pageInfo"]["startCursor"])
    assert [e["node"]["weight"] for e in before["edges"]] == [1, 3] and before["pageInfo"]["hasPreviousPage"] is False

    # three relations deep, each with its arguments: shipment → company → people → company; and the other way
    deep = live.gql("""query($m: String, $p: String) {
      shipments(filter: {name: {eq: $m}}) { edges { node { company {
        people(orderBy: [{name: {firstName: AscNullsFirst}}], first: 2, offset: 1) { totalCount edges { node {
          name { firstName } company { name } } } } } } } }
      people(filter: {name: {firstName: {eq: $p}}}) { edges { node { company {
        shipments(filter: {weight: {gte: 4}}) { totalCount edges { node { weight } } } } } } } }""",
                    {"m": f"{m}-2", "p": f"{m}1"})
    people = deep["shipments"]["edges"][0]["node"]["company"]["people"]
    assert people == {"totalCount": 5, "edges": [{"node": {"name": {"firstName": f"{m}{i}"}, "company": {"name": m}}}
                                                 for i in (1, 2)]}
    heavy = deep["people"]["edges"][0]["node"]["company"]["shipments"]
    assert heavy["totalCount"] == 2 and sorted(e["node"]["weight"] for e in heavy["edges"]) == [4, 5]


# ---- aggregates and groups -------------------------------------------------------------------------


SHIPPED = [  # weight, fragile, shippedOn, amountMicros, currency, status, company (0, 1 or None)
    (1.5, True, "2024-01-10", 1_000_000, "EUR", "DRAFT", 0),
    (2.5, False, "2024-01-20", 2_000_000, "EUR", "SENT", 0),
    (None, True, "2024-02-05", None, None, "SENT", 1),
    (4, None, None, 3_500_000, "USD", None, None),
    (4, True, "2024-03-01", 500_000, "USD", "DELIVERED", 1),
    (None, False, "2024-02-05", None, None, "SENT", 0),
]


def test_aggregates_and_groups_match_values_computed_here(live: Live, shipments: None) -> None:
    m = marker()
    companies = [c["id"] for c in live.gql("mutation($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id } }", {"d": [
        {"name": f"{m}-north", "employees": 10, "address": {"addressCity": "Lille"}},
        {"name": f"{m}-south", "employees": 30, "address": {"addressCity": "Nice"}},
        {"name": f"{m}-east", "address": {"addressCity": "Nice"}, "idealCustomerProfile": True},
    ]})["createCompanies"]]
    live.gql("mutation($d: [ShipmentCreateInput!]!) { createShipments(data: $d) { id } }", {"d": [
        {"name": f"{m}-{i}", "weight": w, "fragile": f, "shippedOn": day, "status": st,
         "companyId": None if c is None else companies[c],
         **({"cost": {"amountMicros": a, "currencyCode": cur}} if a is not None else {})}
        for i, (w, f, day, a, cur, st, c) in enumerate(SHIPPED)]})
    weights = [r[0] for r in SHIPPED if r[0] is not None]
    amounts = [r[3] for r in SHIPPED if r[3] is not None]
    days = [r[2] for r in SHIPPED if r[2] is not None]
    n = len(SHIPPED)
    got = live.gql("""query($m: String) { shipments(filter: {name: {startsWith: $m}}, first: 1) {
      totalCount sumWeight avgWeight minWeight maxWeight countEmptyWeight countNotEmptyWeight percentageEmptyWeight
      percentageNotEmptyWeight countUniqueValuesWeight countUniqueValuesStatus countEmptyStatus countTrueFragile
      countFalseFragile minShippedOn maxShippedOn sumCostAmountMicros avgCostAmountMicros minCostAmountMicros
      maxCostAmountMicros edges { node { id } } } }""", {"m": m})["shipments"]
    assert len(got["edges"]) == 1  # aggregates are over every record the filter matches, not the page
    assert got == {
        "totalCount": n, "sumWeight": sum(weights), "avgWeight": pytest.approx(sum(weights) / len(weights)),
        "minWeight": min(weights), "maxWeight": max(weights), "countEmptyWeight": n - len(weights),
        "countNotEmptyWeight": len(weights), "percentageEmptyWeight": pytest.approx((n - len(weights)) / n),
        "percentageNotEmptyWeight": pytest.approx(len(weights) / n), "countUniqueValuesWeight": len(set(weights)),
        "countUniqueValuesStatus": len({r[5] for r in SHIPPED if r[5]}), "countEmptyStatus": sum(r[5] is None for r in SHIPPED),
        "countTrueFragile": sum(r[1] is True for r in SHIPPED), "countFalseFragile": sum(r[1] is False for r in SHIPPED),
        "minShippedOn": min(days), "maxShippedOn": max(days), "sumCostAmountMicros": sum(amounts),
        "avgCostAmountMicros": pytest.approx(sum(amounts) / len(amounts)), "minCostAmountMicros": min(amounts),
        "maxCostAmountMicros": max(amounts), "edges": got["edges"],
    }

    groups = live.gql("""query($m: String) { shipmentsGroupBy(groupBy: [{status: true}], filter: {name: {startsWith: $m}},
      orderBy: [{aggregate: {totalCount: DescNullsLast}}], orderByForRecords: [{weight: DescNullsLast}], offsetForRecords: 0) {
      groupByDimensionValues totalCount sumWeight countTrueFragile edges { node { weight } } } }""",
                      {"m": m})["shipmentsGroupBy"]
    by_status: dict[Any, list[tuple[Any, ...]]] = {}
    for r in SHIPPED:
        by_status.setdefault(r[5], []).append(r)
    assert groups[0]["groupByDimensionValues"] == ["SENT"]  # the largest group first
    assert {g["groupByDimensionValues"][0]: (g["totalCount"], g["sumWeight"], g["countTrueFragile"],
                                            [e["node"]["weight"] for e in g["edges"]]) for g in groups} == {
        status: (len(rs), sum(r[0] for r in rs if r[0] is not None) if any(r[0] is not None for r in rs) else None,
                 sum(r[1] is True for r in rs),
                 sorted((r[0] for r in rs), key=lambda w: (w is None, -(w or 0))))
        for status, rs in by_status.items()
    }

    two = live.gql("""query($m: String) { shipmentsGroupBy(groupBy: [{companyId: true}, {cost: {currencyCode: true}}],
      filter: {name: {startsWith: $m}}) { groupByDimensionValues totalCount maxWeight } }""", {"m": m})["shipmentsGroupBy"]
    expected_two = Counter((None if r[6] is None else companies[r[6]], r[4]) for r in SHIPPED)
    assert {tuple(g["groupByDimensionValues"]): g["totalCount"] for g in two} == dict(expected_two)

    months = live.gql("""query($m: String) { shipmentsGroupBy(groupBy: [{shippedOn: {granularity: MONTH}}],
      filter: {name: {startsWith: $m}, shippedOn: {is: NOT_NULL}},
      orderBy: [{shippedOn: {orderBy: AscNullsLast, granularity: MONTH}}]) {
      groupByDimensionValues totalCount } }""", {"m": m})["shipmentsGroupBy"]
    by_month = Counter(day[:7] + "-01" for day in days)  # a bucket is named by its first day
    assert [(g["groupByDimensionValues"][0], g["totalCount"]) for g in months] == sorted(by_month.items())

    cities = live.gql("""query($m: String) { companiesGroupBy(groupBy: [{address: {addressCity: true}}],
      filter: {name: {startsWith: $m}}, orderBy: [{address: {addressCity: AscNullsLast}}], limit: 5) {
      groupByDimensionValues totalCount sumEmployees countTrueIdealCustomerProfile } }""",
                      {"m": m})["companiesGroupBy"]
    assert cities == [
        {"groupByDimensionValues": ["Lille"], "totalCount": 1, "sumEmployees": 10, "countTrueIdealCustomerProfile": 0},
        {"groupByDimensionValues": ["Nice"], "totalCount": 2, "sumEmployees": 30, "countTrueIdealCustomerProfile": 1},
    ]


# ---- a representative part of the filter table -----------------------------------------------------


def test_filters_of_each_kind_over_http(live: Live, shipments: None) -> None:
    """One case per kind of filter (all of them: tests/graphql_api/test_graphql_filter_table.py)."""
    m = marker()
    acme, other = (c["id"] for c in live.gql("mutation($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id } }", {
        "d": [{"name": f"{m}-acme", "domainName": {"primaryLinkUrl": f"https://{m}.example.com"},
               "address": {"addressCity": "Paris"}},
              {"name": f"{m}-other", "address": {"addressCity": "Oslo"}}]})["createCompanies"])
    made = [r["id"] for r in live.gql("mutation($d: [ShipmentCreateInput!]!) { createShipments(data: $d) { id } }", {"d": [
        {"name": f"{m}-a", "weight": 1, "status": "DRAFT", "shippedOn": "2024-01-01", "fragile": True, "trackingCode": f"{m}A",
         "cost": {"amountMicros": 1_000_000, "currencyCode": "EUR"}, "companyId": acme},
        {"name": f"{m}-b", "weight": 2.5, "status": "SENT", "shippedOn": "2024-06-30", "fragile": False,
         "cost": {"amountMicros": 5_000_000, "currencyCode": "USD"}, "companyId": other},
        {"name": f"{m}-c", "status": "DELIVERED", "fragile": True, "companyId": acme},
        {"name": f"{m}-d"},
    ]})["createShipments"]]
    shipment_cases: dict[str, list[int]] = {
        'name: {ilike: "%-B"}': [1],
        "weight: {gte: 1, lt: 2.5}": [0],
        "weight: {is: NULL}": [2, 3],
        "status: {in: [DRAFT, DELIVERED]}": [0, 2],
        "status: {gt: DRAFT}": [1, 2],  # by option position
        'shippedOn: {lt: "2024-06-30"}': [0],
        "fragile: {eq: false}": [1],
        'cost: {amountMicros: {gt: 1000000}, currencyCode: {eq: "USD"}}': [1],
        f'trackingCode: {{eq: "{m}A"}}': [0],
        "companyId: {is: NULL}": [3],
        'company: {address: {addressCity: {eq: "Paris"}}}': [0, 2],
        'or: [{status: {eq: SENT}}, {not: {fragile: {eq: true}}}]': [1],
    }
    document = "{ " + " ".join(
        f'c{n}: shipments(filter: {{and: [{{name: {{startsWith: "{m}"}}}}, {{{flt}}}]}}) '
        "{ totalCount edges { node { id } } }"
        for n, flt in enumerate(shipment_cases)) + f""" to_many: companies(filter: {{name: {{startsWith: "{m}"}},
          shipments: {{fragile: {{eq: true}}}}}}) {{ edges {{ node {{ id }} }} }}
        links: companies(filter: {{domainName: {{primaryLinkUrl: {{ilike: "%{m}%"}}}}}}) {{ edges {{ node {{ id }} }} }} }}"""
    data = live.gql(document)
    got = {flt: sorted(e["node"]["id"] for e in data[f"c{n}"]["edges"]) for n, flt in enumerate(shipment_cases)}
    assert got == {flt: sorted(made[i] for i in expected) for flt, expected in shipment_cases.items()}
    assert all(data[f"c{n}"]["totalCount"] == len(expected) for n, expected in enumerate(shipment_cases.values()))
    assert [e["node"]["id"] for e in data["to_many"]["edges"]] == [acme]
    assert [e["node"]["id"] for e in data["links"]["edges"]] == [acme]


# ---- bad documents ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def targets(live: Live) -> dict[str, str]:
    """Two companies with a domain each, for the documents that collide with them."""
    m = marker()
    made = live.gql("mutation($d: [CompanyCreateInput!]!) { createCompanies(data: $d) { id } }", {"d": [
        {"name": f"{m}-one", "domainName": {"primaryLinkUrl": f"https://{m}-one.example.com"}},
        {"name": f"{m}-two", "domainName": {"primaryLinkUrl": f"https://{m}-two.example.com"}}]})["createCompanies"]
    return {"<ONE>": made[0]["id"], "<TWO>": made[1]["id"], "<URL_TWO>": f"https://{m}-two.example.com",
            "<NOBODY>": str(uuid.uuid4())}


def _deep() -> str:
    return ("{ companies { edges { node { people { edges { node { company { people { edges { node { "
            "company { name } } } } } } } } } } } }")


BAD: list[tuple[str, str, dict[str, Any] | None, str, str | None]] = [
    # (what, document, variables, extensions.code, extensions.subCode)
    ("syntax", "{ companies { ", None, "GRAPHQL_PARSE_FAILED", None),
    ("unknown field", "{ companies { edges { node { nope } } } }", None, "GRAPHQL_VALIDATION_FAILED", None),
    ("unknown argument", "{ companies(where: {}) { totalCount } }", None, "GRAPHQL_VALIDATION_FAILED", None),
    ("unknown operator", '{ companies(filter: {name: {sounds: "x"}}) { totalCount } }', None,
     "GRAPHQL_VALIDATION_FAILED", None),
    ("bad UUID literal", '{ company(filter: {id: {eq: "nope"}}) { id } }', None, "GRAPHQL_VALIDATION_FAILED", None),
    ("bad Date literal", '{ shipments(filter: {shippedOn: {eq: "31/12/2024"}}) { totalCount } }', None,
     "GRAPHQL_VALIDATION_FAILED", None),
    ("unknown option", "{ shipments(filter: {status: {eq: LOST}}) { totalCount } }", None, "GRAPHQL_VALIDATION_FAILED", None),
    ("bad Position literal", 'mutation { createCompany(data: {position: "middle"}) { id } }', None,
     "GRAPHQL_VALIDATION_FAILED", None),
    ("one-to-many in an input", "mutation { createCompany(data: {people: []}) { id } }", None,
     "GRAPHQL_VALIDATION_FAILED", None),
    ("no duplicates on a custom object", "{ shipmentDuplicates(ids: []) { totalCount } }", None,
     "GRAPHQL_VALIDATION_FAILED", None),
    ("no merge of a custom object", "mutation { mergeShipments(ids: [], conflictPriorityIndex: 0) { id } }", None,
     "GRAPHQL_VALIDATION_FAILED", None),
    ("wrong variable type", "query($n: Int) { companies(first: $n) { totalCount } }", {"n": "many"}, "BAD_USER_INPUT", None),
    ("unknown option in a variable", "mutation($d: ShipmentCreateInput!) { createShipment(data: $d) { id } }",
     {"d": {"status": "LOST"}}, "BAD_USER_INPUT", None),
    ("unknown operation name", "query A { companies { totalCount } } query B { companies { totalCount } }", None,
     "BAD_USER_INPUT", None),
    ("first and last", "{ companies(first: 1, last: 1) { totalCount } }", None, "BAD_USER_INPUT", "INVALID_PARAMETER"),
    ("before and after", '{ companies(before: "<ONE>", after: "<TWO>") { totalCount } }', None, "BAD_USER_INPUT",
     "INVALID_PARAMETER"),
    ("negative first", "{ companies(first: -1) { totalCount } }", None, "BAD_USER_INPUT", "INVALID_PARAMETER"),
    ("undecodable cursor", '{ companies(after: "bm90IGEgY3Vyc29y") { totalCount } }', None, "BAD_USER_INPUT", "INVALID_CURSOR"),
    ("cursor of no record", '{ companies(after: "<NOBODY>") { totalCount } }', None, "BAD_USER_INPUT", "INVALID_CURSOR"),
    ("field filter without operator", "{ companies(filter: {name: {}}) { totalCount } }", None, "BAD_USER_INPUT",
     "INVALID_FILTER"),
    ("empty in list", "{ companies(filter: {name: {in: []}}) { totalCount } }", None, "BAD_USER_INPUT", "INVALID_FILTER"),
    ("regex that does not compile", '{ companies(filter: {name: {regex: "("}}) { totalCount } }', None, "BAD_USER_INPUT",
     None),
    ("find one without filter", "{ company(filter: {}) { id } }", None, "BAD_USER_INPUT", "MISSING_FILTER"),
    ("find one matching nothing", '{ company(filter: {id: {eq: "<NOBODY>"}}) { id } }', None, "NOT_FOUND",
     "RECORD_NOT_FOUND"),
    ("update of no record", 'mutation { updateCompany(id: "<NOBODY>", data: {name: "x"}) { id } }', None, "NOT_FOUND", None),
    ("delete of no record", 'mutation { deleteCompany(id: "<NOBODY>") { id } }', None, "NOT_FOUND", None),
    ("destroy of no record", 'mutation { destroyShipment(id: "<NOBODY>") { id } }', None, "NOT_FOUND", None),
    ("restore of no record", 'mutation { restoreShipment(id: "<NOBODY>") { id } }', None, "NOT_FOUND", None),
    ("bulk update without filter", 'mutation { updateCompanies(filter: {}, data: {name: "x"}) { id } }', None,
     "BAD_USER_INPUT", "MISSING_FILTER"),
    ("bulk destroy without filter", "mutation { destroyShipments(filter: {}) { id } }", None, "BAD_USER_INPUT",
     "MISSING_FILTER"),
    ("too many records", "mutation($d: [ShipmentCreateInput!]!) { createShipments(data: $d) { id } }",
     {"d": [{"name": "<NOBODY>"}] * 201}, "BAD_USER_INPUT", "BATCH_TOO_LARGE"),
    ("unique value taken", 'mutation { createCompany(data: {domainName: {primaryLinkUrl: "<URL_TWO>"}}) { id } }', None,
     "BAD_USER_INPUT", "UNIQUE_VIOLATION"),
    ("id taken", 'mutation { createCompany(data: {id: "<ONE>"}) { id } }', None, "BAD_USER_INPUT", None),
    ("upsert matching two records", 'mutation { createCompany(upsert: true, data: {id: "<ONE>", '
     'domainName: {primaryLinkUrl: "<URL_TWO>"}}) { id } }', None, "BAD_USER_INPUT", None),
    ("connect to no record", 'mutation { createShipment(data: {company: {connect: {where: {id: "<NOBODY>"}}}}) { id } }',
     None, "BAD_USER_INPUT", "RELATION_TARGET_NOT_FOUND"),
    ("merge of one record", 'mutation { mergeCompanies(ids: ["<ONE>"], conflictPriorityIndex: 0) { id } }', None,
     "BAD_USER_INPUT", None),
    ("merge of ten records", "mutation { mergeCompanies(ids: [" + ", ".join(f'"{uuid.UUID(int=i)}"' for i in range(1, 11))
     + "], conflictPriorityIndex: 0) { id } }", None, "BAD_USER_INPUT", None),
    ("merge priority out of range", 'mutation { mergeCompanies(ids: ["<ONE>", "<TWO>"], conflictPriorityIndex: 2) { id } }',
     None, "BAD_USER_INPUT", None),
    ("merge of a missing record", 'mutation { mergeCompanies(ids: ["<ONE>", "<NOBODY>"], conflictPriorityIndex: 0) { id } }',
     None, "NOT_FOUND", None),
    ("duplicates without ids or data", "{ companyDuplicates { totalCount } }", None, "BAD_USER_INPUT", None),
    ("duplicates with ids and data", '{ companyDuplicates(ids: ["<ONE>"], data: [{name: "x"}]) { totalCount } }', None,
     "BAD_USER_INPUT", None),
    ("duplicates of empty data", "{ companyDuplicates(data: []) { totalCount } }", None, "BAD_USER_INPUT", None),
    ("group by an unknown time zone",
     '{ companiesGroupBy(groupBy: [{createdAt: {granularity: MONTH, timeZone: "Mars/Olympus"}}]) { totalCount } }', None,
     "BAD_USER_INPUT", None),
    ("records of a group from an offset", "{ companiesGroupBy(groupBy: [{name: true}], offsetForRecords: 5) "
     "{ edges { node { id } } } }", None, "BAD_USER_INPUT", "INVALID_PARAMETER"),
    ("group by a view", '{ companiesGroupBy(groupBy: [{name: true}], viewId: "<NOBODY>") { totalCount } }', None,
     "BAD_USER_INPUT", None),
    ("21 root fields", "{ " + " ".join(f"a{i}: companies {{ totalCount }}" for i in range(21)) + " }", None,
     "BAD_USER_INPUT", None),
    ("relations four deep", _deep(), None, "BAD_USER_INPUT", "QUERY_TOO_COMPLEX"),
    ("first and last on a nested connection", "{ companies { edges { node { people(first: 1, last: 1) { totalCount } } } } }",
     None, "BAD_USER_INPUT", "INVALID_PARAMETER"),
    ("one relation twice with other arguments",
     "{ companies { edges { node { a: people(first: 1) { totalCount } b: people(first: 2) { totalCount } } } } }", None,
     "BAD_USER_INPUT", "QUERY_TOO_COMPLEX"),
]


def _problems(body: dict[str, Any], code: str, sub_code: str | None) -> list[str]:
    """How an answer differs from one error with ``code`` (and ``subCode``), its root field null."""
    errors = body.get("errors") or []
    if [e["extensions"]["code"] for e in errors] != [code]:
        return [f"codes {[e['extensions'] for e in errors]}"]
    error, out = errors[0], []
    if sub_code is not None and error["extensions"].get("subCode") != sub_code:
        out.append(f"subCode {error['extensions'].get('subCode')}")
    if not error.get("message") or "Traceback" in error["message"] or not error["extensions"].get("userFriendlyMessage"):
        out.append(f"message {error.get('message')!r}")
    if "path" in error and body.get("data") != {error["path"][0]: None}:  # a failed root field is null
        out.append(f"data {body.get('data')}")
    return out


def test_bad_documents_answer_200_with_their_code(live: Live, shipments: None, targets: dict[str, str]) -> None:
    """Every row of BAD, each reported with what was wrong."""
    wrong = {}
    for what, document, variables, code, sub_code in BAD:
        for token, value in targets.items():
            document = document.replace(token, value)
        problems = _problems(live.post(document, variables), code, sub_code)
        if problems:
            wrong[what] = problems
    assert wrong == {}


def test_requests_refused_before_any_document_runs(graphql_server: Server, live: Live) -> None:
    query = {"query": "{ companies { totalCount } }"}
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"}):
        r = httpx.post(graphql_server.base + "/graphql", json=query, headers=headers)
        assert r.status_code == 200 and [e["extensions"]["code"] for e in r.json()["errors"]] == ["UNAUTHENTICATED"], r.text
    r = live.http.post("/graphql", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST", r.text
    r = live.http.get("/graphql", params={"query": 'mutation { deleteCompanies(filter: {name: {eq: "x"}}) { id } }'})
    assert r.status_code == 405 and r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST", r.text
