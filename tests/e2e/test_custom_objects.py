"""End to end: a custom object's whole life over real HTTP against ``vingt serve`` subprocesses.

The metadata API (``/rest/metadata/objects``, ``/rest/metadata/fields``, legacy envelopes)
creates an ``invoice`` object with a CURRENCY, a SELECT, a DATE, a unique TEXT field and a
MANY_TO_ONE relation to ``company``; the record API (``/rest/invoices``) follows each change
without a restart, across two server processes on one database, across ``--workers 2``, and
across a restart.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_serve import Server

pytestmark = pytest.mark.e2e

# how long another process may take to notice a metadata change (the change notification)
PROPAGATION_S = 2.0

STATUS_OPTIONS = [
    {"value": "DRAFT", "label": "Draft", "color": "gray", "position": 0},
    {"value": "SENT", "label": "Sent", "color": "blue", "position": 1},
    {"value": "PAID", "label": "Paid", "color": "green", "position": 2},
]

# reference → (status, dueDate, amountMicros, currencyCode, company key or None)
INVOICES: dict[str, tuple[str, str, int, str, str | None]] = {
    "INV-001": ("DRAFT", "2024-01-15", 100_000_000, "EUR", "acme"),
    "INV-002": ("SENT", "2024-02-10", 250_000_000, "USD", "acme"),
    "INV-003": ("PAID", "2024-03-05", 75_500_000, "EUR", "globex"),
    "INV-004": ("PAID", "2024-04-20", 1_200_000_000, "USD", "acme"),
    "INV-005": ("DRAFT", "2024-05-01", 50_000_000, "USD", "globex"),
    "INV-006": ("SENT", "2024-06-30", 999_990_000, "EUR", None),
    "INV-007": ("PAID", "2024-07-04", 300_000_000, "EUR", "globex"),
}
# inserted out of date order, so that sorting by date is not insertion order
INSERT_ORDER = ["INV-005", "INV-002", "INV-007", "INV-001", "INV-004", "INV-006", "INV-003"]
BY_DATE = sorted(INVOICES, key=lambda ref: INVOICES[ref][1])


# ---- helpers ---------------------------------------------------------------------------------


def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, f"{r.request.method} {r.request.url} -> {r.status_code} {r.text}"
    return r.json()


def fails(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, f"{r.request.method} {r.request.url} -> {r.status_code} {r.text}"
    body: dict[str, Any] = r.json()
    assert body["statusCode"] == status, body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body


def eventually(probe: Callable[[], httpx.Response], accept: Callable[[httpx.Response], bool],
               what: str, timeout: float = PROPAGATION_S) -> httpx.Response:
    """Repeat ``probe`` until ``accept`` holds, for at most ``timeout`` seconds; fail otherwise."""
    start = time.monotonic()
    while True:
        r = probe()
        if accept(r):
            return r
        if time.monotonic() - start > timeout:
            raise AssertionError(
                f"{what}: not seen within {timeout}s; last answer to {r.request.method} {r.request.url}: "
                f"{r.status_code} {r.text[:500]}"
            )
        time.sleep(0.05)


def object_id(c: httpx.Client, name: str) -> str:
    objects = ok(c.get("/rest/metadata/objects"))["data"]["objects"]
    return next(o["id"] for o in objects if o["nameSingular"] == name)  # type: ignore[no-any-return]


def create_invoice_model(c: httpx.Client) -> dict[str, str]:
    """The ``invoice`` object and its fields, through the metadata API; returns their ids."""
    company_id = object_id(c, "company")
    created = ok(c.post("/rest/metadata/objects", json={
        "nameSingular": "invoice", "namePlural": "invoices", "labelSingular": "Invoice", "labelPlural": "Invoices",
    }), 201)["data"]["createOneObject"]
    assert created["nameSingular"] == "invoice"
    assert created["namePlural"] == "invoices"
    assert created["isCustom"] is True
    assert created["isActive"] is True
    ids = {"object": created["id"], "companyObject": company_id}
    specs: list[dict[str, Any]] = [
        {"type": "CURRENCY", "name": "amount", "label": "Amount"},
        {"type": "SELECT", "name": "status", "label": "Status", "options": STATUS_OPTIONS},
        {"type": "DATE", "name": "dueDate", "label": "Due date"},
        {"type": "TEXT", "name": "reference", "label": "Reference", "isUnique": True},
        {
            "type": "RELATION", "name": "company", "label": "Company",
            "relationCreationPayload": {
                "type": "MANY_TO_ONE", "targetObjectMetadataId": company_id, "targetFieldLabel": "Invoices",
            },
        },
    ]
    for spec in specs:
        field = ok(c.post("/rest/metadata/fields", json={"objectMetadataId": created["id"], **spec}), 201)
        field = field["data"]["createOneField"]
        assert field["objectMetadataId"] == created["id"]
        assert field["type"] == spec["type"]
        assert field["name"] == spec["name"]
        assert field["isCustom"] is True
        ids[spec["name"]] = field["id"]
        if spec["type"] == "SELECT":
            assert [o["value"] for o in field["options"]] == ["DRAFT", "SENT", "PAID"]
        if spec["type"] == "TEXT":
            assert field["isUnique"] is True
        if spec["type"] == "RELATION":
            assert field["relation"]["type"] == "MANY_TO_ONE"
            assert field["relation"]["targetObjectMetadata"]["id"] == company_id
            assert field["relation"]["targetFieldMetadata"]["name"] == "invoices"
            ids["companyInvoices"] = field["relation"]["targetFieldMetadata"]["id"]
    return ids


def invoice_body(ref: str, companies: dict[str, str], ref_field: str = "reference") -> dict[str, Any]:
    status, due, micros, currency, company = INVOICES[ref]
    return {
        "name": f"Invoice {ref}",
        "amount": {"amountMicros": micros, "currencyCode": currency},
        "status": status,
        "dueDate": due,
        ref_field: ref,
        "companyId": companies[company] if company else None,
    }


def refs(records: Iterable[dict[str, Any]], ref_field: str = "reference") -> list[str]:
    return [r[ref_field] for r in records]


def find(c: httpx.Client, query: str, ref_field: str = "reference") -> tuple[list[str], int]:
    """``GET /rest/invoices?<query>`` (sent encoded: values may hold ``%``)."""
    params = dict(part.split("=", 1) for part in query.split("&"))
    body = ok(c.get("/rest/invoices", params=params))
    return refs(body["data"]["invoices"], ref_field), body["totalCount"]


def _cpu_ticks_of_workers(server: Server) -> dict[int, int] | None:
    """user+system CPU ticks of each ``--workers`` child process (Linux ``/proc``), or None."""
    proc = Path("/proc")
    if not (proc / str(server.proc.pid) / "stat").exists():
        return None
    parents: dict[int, int] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    family, todo = set(), [server.proc.pid]
    while todo:
        pid = todo.pop()
        family.add(pid)
        todo += [child for child, parent in parents.items() if parent == pid]
    ticks = {}
    for pid in family:
        try:
            if b"spawn_main" not in (proc / str(pid) / "cmdline").read_bytes():
                continue
            stat = (proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(stat[11]) + int(stat[12])
    return ticks


def delete_object(c: httpx.Client, oid: str) -> None:
    fails(c.delete(f"/rest/metadata/objects/{oid}"), 403, "METADATA_MUTATION_NOT_ALLOWED")
    updated = ok(c.patch(f"/rest/metadata/objects/{oid}", json={"isActive": False}))["data"]["updateOneObject"]
    assert updated["isActive"] is False
    deleted = ok(c.delete(f"/rest/metadata/objects/{oid}"))["data"]["deleteOneObject"]
    assert deleted["id"] == oid
    assert deleted["nameSingular"] == "invoice"


# ---- 1. one server, every step ---------------------------------------------------------------


def test_custom_object_lifecycle_over_http(fresh_url: str, tmp_path: Path) -> None:
    server = Server(fresh_url, tmp_path)
    try:
        assert server.key, "".join(server.output)
        with server.client(server.key) as c:
            _lifecycle(c)
    finally:
        server.stop()


def _lifecycle(c: httpx.Client) -> None:
    fails(c.get("/rest/invoices"), 400, "OBJECT_NOT_FOUND")

    # -- the data model
    ids = create_invoice_model(c)
    fields = {f["name"]: f for f in ok(c.get(f"/rest/metadata/objects/{ids['object']}"))["data"]["object"]["fields"]}
    assert {"id", "name", "amount", "status", "dueDate", "reference", "company"} <= set(fields)
    company_fields = ok(c.get(f"/rest/metadata/objects/{ids['companyObject']}"))["data"]["object"]["fields"]
    assert "invoices" in {f["name"] for f in company_fields}
    empty = ok(c.get("/rest/invoices"))
    assert empty["data"] == {"invoices": []}
    assert empty["totalCount"] == 0

    # -- records
    companies = {
        key: ok(c.post("/rest/companies", json={"name": name}), 201)["data"]["createCompany"]["id"]
        for key, name in (("acme", "Acme"), ("globex", "Globex"))
    }
    inv: dict[str, str] = {}
    for ref in INSERT_ORDER:
        record = ok(c.post("/rest/invoices", json=invoice_body(ref, companies)), 201)["data"]["createInvoice"]
        status, due, micros, currency, company = INVOICES[ref]
        assert record["reference"] == ref
        assert record["name"] == f"Invoice {ref}"
        assert record["amount"] == {"amountMicros": micros, "currencyCode": currency}
        assert record["status"] == status
        assert record["dueDate"] == due
        assert record["companyId"] == (companies[company] if company else None)
        inv[ref] = record["id"]
    one = ok(c.get(f"/rest/invoices/{inv['INV-004']}"))["data"]["invoice"]
    assert one["reference"] == "INV-004"
    assert one["amount"] == {"amountMicros": 1_200_000_000, "currencyCode": "USD"}
    assert "company" not in one  # depth 0: the join column only
    assert one["companyId"] == companies["acme"]

    # the unique TEXT field rejects a duplicate, on create and on update
    dup = fails(c.post("/rest/invoices", json={"name": "dup", "reference": "INV-003"}), 409, "UNIQUE_VIOLATION")
    assert dup["error"]["details"]["field"] == "reference"
    fails(c.patch(f"/rest/invoices/{inv['INV-001']}", json={"reference": "INV-002"}), 409, "UNIQUE_VIOLATION")
    assert ok(c.get(f"/rest/invoices/{inv['INV-001']}"))["data"]["invoice"]["reference"] == "INV-001"
    assert ok(c.get("/rest/invoices"))["totalCount"] == 7

    # -- filters: SELECT, DATE, CURRENCY, relation, combined
    def where(flt: str) -> list[str]:
        found, total = find(c, "filter=" + flt + "&order_by=dueDate")
        assert total == len(found), (flt, total, found)
        return found

    assert where("status[eq]:PAID") == ["INV-003", "INV-004", "INV-007"]
    assert where("status[in]:[DRAFT,SENT]") == ["INV-001", "INV-002", "INV-005", "INV-006"]
    assert where("status[neq]:PAID") == ["INV-001", "INV-002", "INV-005", "INV-006"]
    assert where("dueDate[eq]:2024-04-20") == ["INV-004"]
    assert where("dueDate[gte]:2024-03-01,dueDate[lt]:2024-06-01") == ["INV-003", "INV-004", "INV-005"]
    assert where("dueDate[gt]:2024-06-30") == ["INV-007"]
    assert where("dueDate[lte]:2024-02-10") == ["INV-001", "INV-002"]
    assert where("amount.amountMicros[gt]:200000000") == ["INV-002", "INV-004", "INV-006", "INV-007"]
    assert where("amount.amountMicros[lte]:75500000") == ["INV-003", "INV-005"]
    assert where("amount.currencyCode[eq]:EUR") == ["INV-001", "INV-003", "INV-006", "INV-007"]
    assert where("and(status[eq]:PAID,amount.currencyCode[eq]:USD)") == ["INV-004"]
    assert where("or(status[eq]:DRAFT,dueDate[gt]:2024-06-01)") == ["INV-001", "INV-005", "INV-006", "INV-007"]
    assert where(f"companyId[eq]:{companies['acme']}") == ["INV-001", "INV-002", "INV-004"]
    assert where("companyId[is]:NULL") == ["INV-006"]
    assert where("reference[like]:INV-00%,status[eq]:SENT") == ["INV-002", "INV-006"]
    assert where("status[eq]:SENT,dueDate[lt]:2024-01-01") == []
    fails(c.get("/rest/invoices?filter=nope[eq]:1"), 400)

    # -- sort by DATE both ways, by the CURRENCY amount
    assert find(c, "order_by=dueDate[AscNullsFirst]")[0] == BY_DATE
    assert find(c, "order_by=dueDate[DescNullsLast]")[0] == BY_DATE[::-1]
    by_amount = sorted(INVOICES, key=lambda ref: -INVOICES[ref][2])
    assert find(c, "order_by=amount.amountMicros[DescNullsLast]")[0] == by_amount

    # -- keyset pagination: 3 pages, no repeat, no skip, in order; also over ties (the SELECT)
    paged = [
        ("dueDate[AscNullsFirst]", BY_DATE),
        ("dueDate[DescNullsLast]", BY_DATE[::-1]),
        ("status[AscNullsFirst]", find(c, "order_by=status[AscNullsFirst]")[0]),
        ("amount.currencyCode[DescNullsLast]", find(c, "order_by=amount.currencyCode[DescNullsLast]")[0]),
    ]
    for order, expected in paged:
        assert sorted(expected) == sorted(INVOICES), order
        seen: list[str] = []
        cursor = None
        sizes = []
        for _ in range(5):
            params: dict[str, Any] = {"order_by": order, "limit": 3}
            if cursor:
                params["starting_after"] = cursor
            body = ok(c.get("/rest/invoices", params=params))
            page = body["data"]["invoices"]
            assert body["totalCount"] == 7
            assert body["pageInfo"]["hasPreviousPage"] is False
            assert body["pageInfo"]["startCursor"] is not None
            sizes.append(len(page))
            seen += refs(page)
            cursor = body["pageInfo"]["endCursor"]
            if not body["pageInfo"]["hasNextPage"]:
                break
        assert sizes == [3, 3, 1], (order, sizes)
        assert seen == expected, order
        # and backwards from the last page's record
        back = ok(c.get("/rest/invoices", params={"order_by": order, "limit": 3, "ending_before": inv[expected[6]]}))
        assert refs(back["data"]["invoices"]) == expected[3:6], order
        assert back["pageInfo"]["hasPreviousPage"] is True
    # sorting by a SELECT keeps each value's records together
    statuses = [INVOICES[r][0] for r in paged[2][1]]
    assert len([value for value, _ in itertools.groupby(statuses)]) == 3, statuses

    # -- depth 1, both sides of the relation
    deep = ok(c.get(f"/rest/invoices/{inv['INV-001']}?depth=1"))["data"]["invoice"]
    assert deep["company"]["id"] == companies["acme"]
    assert deep["company"]["name"] == "Acme"
    assert "invoices" not in deep["company"]  # related records carry no relations of their own
    listed = ok(c.get("/rest/invoices?depth=1&order_by=dueDate"))["data"]["invoices"]
    assert refs(listed) == BY_DATE
    for record in listed:
        company = INVOICES[record["reference"]][4]
        if company is None:
            assert record["company"] is None
        else:
            assert record["company"]["id"] == companies[company]
    assert "invoices" not in ok(c.get(f"/rest/companies/{companies['acme']}"))["data"]["company"]
    for key, expected_refs in (("acme", ["INV-001", "INV-002", "INV-004"]), ("globex", ["INV-003", "INV-005", "INV-007"])):
        company = ok(c.get(f"/rest/companies/{companies[key]}?depth=1"))["data"]["company"]
        assert sorted(refs(company["invoices"])) == expected_refs, key
        assert {r["id"] for r in company["invoices"]} == {inv[r] for r in expected_refs}
        assert all(r["companyId"] == companies[key] for r in company["invoices"])
    # moving an invoice moves it between the lists
    ok(c.patch(f"/rest/invoices/{inv['INV-006']}", json={"companyId": companies["acme"]}))
    acme = ok(c.get(f"/rest/companies/{companies['acme']}?depth=1"))["data"]["company"]
    assert sorted(refs(acme["invoices"])) == ["INV-001", "INV-002", "INV-004", "INV-006"]

    # -- a junction record pointing at an invoice, and one at a company
    note = ok(c.post("/rest/notes", json={"title": "Follow up"}), 201)["data"]["createNote"]["id"]
    to_company = ok(c.post("/rest/noteTargets", json={"noteId": note, "targetCompanyId": companies["acme"]}), 201)
    to_company_id = to_company["data"]["createNoteTarget"]["id"]
    to_invoice = ok(c.post("/rest/noteTargets", json={"noteId": note, "targetInvoiceId": inv["INV-001"]}), 201)
    assert to_invoice["data"]["createNoteTarget"]["targetInvoiceId"] == inv["INV-001"]
    deep = ok(c.get(f"/rest/invoices/{inv['INV-001']}?depth=1"))["data"]["invoice"]
    assert [t["noteId"] for t in deep["noteTargets"]] == [note]

    # -- rename a field: values kept under the new name, the old name rejected
    renamed = ok(c.patch(f"/rest/metadata/fields/{ids['reference']}",
                         json={"name": "invoiceNumber", "label": "Invoice number"}))["data"]["updateOneField"]
    assert renamed["id"] == ids["reference"]
    assert renamed["name"] == "invoiceNumber"
    assert renamed["label"] == "Invoice number"
    assert renamed["isUnique"] is True
    records = ok(c.get("/rest/invoices?order_by=dueDate"))["data"]["invoices"]
    assert refs(records, "invoiceNumber") == BY_DATE
    assert all("reference" not in r for r in records)
    assert find(c, "filter=invoiceNumber[eq]:INV-004", "invoiceNumber") == (["INV-004"], 1)
    assert find(c, "order_by=invoiceNumber[DescNullsLast]", "invoiceNumber")[0] == sorted(INVOICES, reverse=True)
    fails(c.get("/rest/invoices?filter=reference[eq]:INV-004"), 400)
    fails(c.get("/rest/invoices?order_by=reference"), 400)
    fails(c.post("/rest/invoices", json={"name": "old name", "reference": "INV-100"}), 400)
    fails(c.patch(f"/rest/invoices/{inv['INV-001']}", json={"reference": "INV-100"}), 400)
    # still unique under its new name
    fails(c.post("/rest/invoices", json={"name": "dup", "invoiceNumber": "INV-004"}), 409, "UNIQUE_VIOLATION")
    inv["INV-008"] = ok(c.post("/rest/invoices", json={
        "name": "Invoice INV-008", "invoiceNumber": "INV-008", "status": "SENT", "dueDate": "2024-08-01",
        "companyId": companies["globex"],
    }), 201)["data"]["createInvoice"]["id"]
    globex = ok(c.get(f"/rest/companies/{companies['globex']}?depth=1"))["data"]["company"]
    assert sorted(refs(globex["invoices"], "invoiceNumber")) == ["INV-003", "INV-005", "INV-007", "INV-008"]

    # -- delete a field: gone from records, filters and writes
    deleted = ok(c.delete(f"/rest/metadata/fields/{ids['status']}"))["data"]["deleteOneField"]
    assert deleted["id"] == ids["status"]
    assert deleted["name"] == "status"
    fails(c.get(f"/rest/metadata/fields/{ids['status']}"), 404, "FIELD_METADATA_NOT_FOUND")
    fields = ok(c.get(f"/rest/metadata/objects/{ids['object']}"))["data"]["object"]["fields"]
    assert "status" not in {f["name"] for f in fields}
    body = ok(c.get("/rest/invoices?order_by=dueDate"))
    assert body["totalCount"] == 8
    assert all("status" not in r for r in body["data"]["invoices"])
    assert refs(body["data"]["invoices"], "invoiceNumber") == [*BY_DATE, "INV-008"]
    assert "status" not in ok(c.get(f"/rest/invoices/{inv['INV-003']}"))["data"]["invoice"]
    fails(c.get("/rest/invoices?filter=status[eq]:PAID"), 400)
    fails(c.post("/rest/invoices", json={"name": "x", "status": "PAID"}), 400)
    # the remaining fields still work
    assert find(c, "filter=dueDate[gte]:2024-07-01&order_by=dueDate", "invoiceNumber") == (["INV-007", "INV-008"], 2)

    # -- delete the object (it must be deactivated first)
    delete_object(c, ids["object"])
    fails(c.get("/rest/invoices"), 400, "OBJECT_NOT_FOUND")
    fails(c.get(f"/rest/invoices/{inv['INV-001']}"), 400, "OBJECT_NOT_FOUND")
    fails(c.post("/rest/invoices", json={"name": "late"}), 400, "OBJECT_NOT_FOUND")
    fails(c.get(f"/rest/metadata/objects/{ids['object']}"), 404, "OBJECT_METADATA_NOT_FOUND")
    objects = ok(c.get("/rest/metadata/objects"))["data"]["objects"]
    assert "invoice" not in {o["nameSingular"] for o in objects}
    company_fields = ok(c.get(f"/rest/metadata/objects/{ids['companyObject']}"))["data"]["object"]["fields"]
    assert "invoices" not in {f["name"] for f in company_fields}
    acme = ok(c.get(f"/rest/companies/{companies['acme']}?depth=1"))["data"]["company"]
    assert "invoices" not in acme
    assert [t["id"] for t in acme["noteTargets"]] == [to_company_id]
    # the junction objects still work, without their link to invoices
    targets = ok(c.get("/rest/noteTargets"))["data"]["noteTargets"]
    assert to_company_id in {t["id"] for t in targets}
    assert all("targetInvoiceId" not in t for t in targets)
    deep_targets = ok(c.get("/rest/noteTargets?depth=1"))["data"]["noteTargets"]
    assert all("targetInvoice" not in t for t in deep_targets)
    ok(c.post("/rest/noteTargets", json={"noteId": note, "targetCompanyId": companies["globex"]}), 201)
    fails(c.post("/rest/noteTargets", json={"noteId": note, "targetInvoiceId": inv["INV-001"]}), 400)
    assert ok(c.get(f"/rest/notes/{note}?depth=1"))["data"]["note"]["noteTargets"]
    for plural in ("taskTargets", "attachments", "timelineActivities", "favorites"):
        ok(c.get(f"/rest/{plural}"))

    # -- the name is free again: a new, empty invoice object
    again = create_invoice_model(c)
    assert again["object"] != ids["object"]
    assert ok(c.get("/rest/invoices"))["totalCount"] == 0
    ok(c.post("/rest/invoices", json=invoice_body("INV-001", companies)), 201)
    assert find(c, "filter=reference[eq]:INV-001") == (["INV-001"], 1)
    fails(c.post("/rest/invoices", json={"name": "dup", "reference": "INV-001"}), 409, "UNIQUE_VIOLATION")
    # a unique field allows any number of records without a value
    for name in ("no reference 1", "no reference 2"):
        ok(c.post("/rest/invoices", json={"name": name}), 201)
    assert ok(c.get("/rest/invoices"))["totalCount"] == 3


# ---- 2. two server processes on one database -------------------------------------------------


def test_two_servers_see_each_others_changes(fresh_url: str, tmp_path: Path) -> None:
    a = Server(fresh_url, tmp_path)
    b: Server | None = None
    try:
        assert a.key
        b = Server(fresh_url, tmp_path)
        assert b.key is None
        with a.client(a.key) as ca, b.client(a.key) as cb:
            # both have loaded the catalog (and cached it) before the change
            fails(ca.get("/rest/invoices"), 400, "OBJECT_NOT_FOUND")
            fails(cb.get("/rest/invoices"), 400, "OBJECT_NOT_FOUND")
            companies = {
                key: ok(ca.post("/rest/companies", json={"name": name}), 201)["data"]["createCompany"]["id"]
                for key, name in (("acme", "Acme"), ("globex", "Globex"))
            }

            # A creates the object and its fields; B sees them
            ids = create_invoice_model(ca)
            eventually(lambda: cb.get("/rest/invoices"), lambda r: r.status_code == 200, "object created through A")
            made = ok(cb.post("/rest/invoices", json=invoice_body("INV-001", companies)), 201)
            made = made["data"]["createInvoice"]
            assert made["status"] == "DRAFT"
            assert made["dueDate"] == "2024-01-15"
            assert made["amount"] == {"amountMicros": 100_000_000, "currencyCode": "EUR"}
            assert made["reference"] == "INV-001"
            ok(ca.post("/rest/invoices", json=invoice_body("INV-002", companies)), 201)
            assert find(cb, "filter=status[eq]:SENT") == (["INV-002"], 1)
            fails(cb.post("/rest/invoices", json={"name": "dup", "reference": "INV-002"}), 409, "UNIQUE_VIOLATION")
            acme = ok(cb.get(f"/rest/companies/{companies['acme']}?depth=1"))["data"]["company"]
            assert sorted(refs(acme["invoices"])) == ["INV-001", "INV-002"]

            # B renames a field; A sees the new name and rejects the old one
            ok(cb.patch(f"/rest/metadata/fields/{ids['reference']}", json={"name": "invoiceNumber"}))
            seen = eventually(lambda: ca.get("/rest/invoices?filter=invoiceNumber[eq]:INV-001"),
                              lambda r: r.status_code == 200, "field renamed through B")
            assert refs(seen.json()["data"]["invoices"], "invoiceNumber") == ["INV-001"]
            fails(ca.get("/rest/invoices?filter=reference[eq]:INV-001"), 400)
            ok(ca.post("/rest/invoices", json={"name": "three", "invoiceNumber": "INV-003"}), 201)
            assert find(cb, "order_by=invoiceNumber", "invoiceNumber")[0] == ["INV-001", "INV-002", "INV-003"]

            # A deletes a field; B rejects it
            ok(ca.delete(f"/rest/metadata/fields/{ids['status']}"))
            eventually(lambda: cb.get("/rest/invoices?filter=status[eq]:SENT"), lambda r: r.status_code == 400,
                       "field deleted through A")
            fails(cb.post("/rest/invoices", json={"name": "x", "status": "PAID"}), 400)
            assert all("status" not in r for r in ok(cb.get("/rest/invoices"))["data"]["invoices"])
            # and the relation field: both of its sides go
            ok(ca.delete(f"/rest/metadata/fields/{ids['company']}"))
            eventually(lambda: cb.get(f"/rest/invoices?filter=companyId[eq]:{companies['acme']}"),
                       lambda r: r.status_code == 400, "relation field deleted through A")
            assert "invoices" not in ok(cb.get(f"/rest/companies/{companies['acme']}?depth=1"))["data"]["company"]
            assert all("companyId" not in r for r in ok(cb.get("/rest/invoices"))["data"]["invoices"])

            # B deletes the object; A answers 400
            delete_object(cb, ids["object"])
            eventually(lambda: ca.get("/rest/invoices"), lambda r: r.status_code == 400, "object deleted through B")
            fails(ca.get("/rest/invoices"), 400, "OBJECT_NOT_FOUND")
            ok(ca.get("/rest/noteTargets"))
            ok(cb.get("/rest/noteTargets"))
            assert "invoices" not in ok(ca.get(f"/rest/companies/{companies['acme']}?depth=1"))["data"]["company"]
    finally:
        a.stop()
        if b is not None:
            b.stop()


@pytest.mark.parametrize("fresh_url", ["postgresql"], indirect=True)
def test_workers_all_see_a_change_on_the_next_request(fresh_url: str, tmp_path: Path) -> None:
    server = Server(fresh_url, tmp_path, workers=2)
    try:
        assert server.key
        ticks_before = _cpu_ticks_of_workers(server)
        if ticks_before is not None:
            assert len(ticks_before) == 2, ticks_before
        # a new connection per request, so the OS hands requests to both workers
        with httpx.Client(base_url=server.base, timeout=10, headers={
            "Authorization": f"Bearer {server.key}", "Connection": "close",
        }) as c:
            company = ok(c.post("/rest/companies", json={"name": "Acme"}), 201)["data"]["createCompany"]["id"]
            companies = {"acme": company, "globex": company}
            for _ in range(20):  # every worker caches the catalog without invoices
                fails(c.get("/rest/invoices"), 400, "OBJECT_NOT_FOUND")

            ids = create_invoice_model(c)
            made = []
            for i in range(20):
                ref = INSERT_ORDER[i % 7]
                if i % 2:
                    ok(c.get("/rest/invoices"))
                else:
                    body = {**invoice_body(ref, companies), "reference": f"R-{i:02d}"}
                    made.append(ok(c.post("/rest/invoices", json=body), 201)["data"]["createInvoice"]["id"])
            assert ok(c.get("/rest/invoices"))["totalCount"] == 10

            ok(c.patch(f"/rest/metadata/fields/{ids['reference']}", json={"name": "invoiceNumber"}))
            for i in range(20):
                if i % 2:
                    assert find(c, "filter=invoiceNumber[eq]:R-00", "invoiceNumber") == (["R-00"], 1)
                else:
                    fails(c.get("/rest/invoices?filter=reference[eq]:R-00"), 400)

            ok(c.delete(f"/rest/metadata/fields/{ids['dueDate']}"))
            for i in range(20):
                if i % 2:
                    assert "dueDate" not in ok(c.get(f"/rest/invoices/{made[0]}"))["data"]["invoice"]
                else:
                    fails(c.get("/rest/invoices?filter=dueDate[is]:NULL"), 400)

            delete_object(c, ids["object"])
            for _ in range(20):
                fails(c.get("/rest/invoices"), 400, "OBJECT_NOT_FOUND")
        ticks_after = _cpu_ticks_of_workers(server)
        if ticks_before is not None and ticks_after is not None:
            # both workers served some of those requests (else this test proves nothing)
            assert all(ticks_after.get(pid, -1) > ticks_before[pid] for pid in ticks_before), (ticks_before, ticks_after)
    finally:
        server.stop()


# ---- 3. restart ------------------------------------------------------------------------------


def test_custom_object_survives_restart(fresh_url: str, tmp_path: Path) -> None:
    first = Server(fresh_url, tmp_path)
    try:
        assert first.key
        key = first.key
        with first.client(key) as c:
            ids = create_invoice_model(c)
            companies = {
                k: ok(c.post("/rest/companies", json={"name": name}), 201)["data"]["createCompany"]["id"]
                for k, name in (("acme", "Acme"), ("globex", "Globex"))
            }
            for ref in INSERT_ORDER:
                ok(c.post("/rest/invoices", json=invoice_body(ref, companies)), 201)
            model_before = ok(c.get(f"/rest/metadata/objects/{ids['object']}"))["data"]["object"]
            records_before = ok(c.get("/rest/invoices?order_by=dueDate"))
            acme_before = ok(c.get(f"/rest/companies/{companies['acme']}?depth=1"))["data"]["company"]
    finally:
        first.stop()

    second = Server(fresh_url, tmp_path)
    try:
        assert second.key is None
        with second.client(key) as c:
            model_after = ok(c.get(f"/rest/metadata/objects/{ids['object']}"))["data"]["object"]
            assert model_after == model_before
            assert {f["name"] for f in model_after["fields"]} >= {"amount", "status", "dueDate", "reference", "company"}
            assert ok(c.get("/rest/invoices?order_by=dueDate")) == records_before
            assert refs(records_before["data"]["invoices"]) == BY_DATE
            acme_after = ok(c.get(f"/rest/companies/{companies['acme']}?depth=1"))["data"]["company"]
            assert acme_after == acme_before
            assert sorted(refs(acme_after["invoices"])) == ["INV-001", "INV-002", "INV-004"]
            assert find(c, "filter=status[eq]:PAID&order_by=dueDate") == (["INV-003", "INV-004", "INV-007"], 3)
            fails(c.post("/rest/invoices", json={"name": "dup", "reference": "INV-001"}), 409, "UNIQUE_VIOLATION")
            ok(c.post("/rest/invoices", json={"name": "new", "reference": "INV-009", "status": "DRAFT"}), 201)
            assert ok(c.get("/rest/invoices"))["totalCount"] == 8
    finally:
        second.stop()
