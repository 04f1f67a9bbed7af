"""Bad input on the record routes: one table of requests, each with its status and code.

Every error has the DECISIONS.md §1 body (``assert_error``), names what was wrong in
``details``, and leaves the workspace exactly as it was: the records of every object a case
could touch (soft-deleted ones included) are listed before and after the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from conftest import Api, assert_error

MAX_BODY = 10 * 1024 * 1024  # VINGT_MAX_BODY_BYTES default
ALL_ROWS = "or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)"
WATCHED = ("people", "companies", "opportunities", "workflows", "favorites", "notes", "noteTargets")
MISSING = "0c2ad8d4-1f1e-4a55-9d0b-6a4f7f3d2e11"  # an id no record has


@dataclass
class Case:
    method: str
    path: str
    status: int
    code: str
    json: Any = None
    content: bytes | None = None
    params: dict[str, Any] | list[tuple[str, str]] | None = None
    details: dict[str, Any] = field(default_factory=dict)  # expected details (subset)
    message: str | None = None  # a substring of the message
    check: Callable[[dict[str, Any]], None] | None = None


def case(id_: str, method: str, path: str, status: int, code: str, **kw: Any) -> Any:
    return pytest.param(Case(method, path, status, code, **kw), id=id_)


def _valid_person(**extra: Any) -> dict[str, Any]:
    return {"name": {"firstName": "Never", "lastName": "Written"}, **extra}


def _accepts_limit(body: dict[str, Any]) -> None:
    details = body["error"]["details"]
    assert details["parameter"] == "limt"
    assert isinstance(details["accepted"], list)
    assert "limit" in details["accepted"] and "filter" in details["accepted"]


def _suggests_people(body: dict[str, Any]) -> None:
    assert "'people'" in body["error"]["message"], body


V = "VALIDATION_ERROR"

CASES = [
    # ---- the body itself
    case("malformed-json", "POST", "/rest/people", 400, "INVALID_JSON", content=b'{"name": {"firstName": "A"'),
    case("malformed-json-patch", "PATCH", "/rest/people/{person}", 400, "INVALID_JSON", content=b"{jobTitle: 1}"),
    case("malformed-json-batch", "POST", "/rest/batch/people", 400, "INVALID_JSON", content=b"[{}, ]"),
    case("invalid-utf8", "POST", "/rest/people", 400, "INVALID_JSON", content=b'{"jobTitle": "\xff\xfe"}'),
    case("trailing-garbage", "POST", "/rest/people", 400, "INVALID_JSON", content=b'{"jobTitle": "x"} {}'),
    case("empty-body-post", "POST", "/rest/people", 400, "INVALID_BODY", content=b""),
    case("blank-body-post", "POST", "/rest/people", 400, "INVALID_BODY", content=b"  \n "),
    case("empty-body-patch", "PATCH", "/rest/people/{person}", 400, "INVALID_BODY", content=b""),
    case("empty-body-batch", "POST", "/rest/batch/people", 400, "INVALID_BODY", content=b""),
    case("array-body-create-one", "POST", "/rest/people", 400, "INVALID_BODY", json=[_valid_person()]),
    case("string-body-create-one", "POST", "/rest/people", 400, "INVALID_BODY", json="Ada"),
    case("null-body-create-one", "POST", "/rest/people", 400, "INVALID_BODY", json=None, content=b"null"),
    case("object-body-batch", "POST", "/rest/batch/people", 400, "INVALID_BODY", json=_valid_person()),
    case("empty-array-batch", "POST", "/rest/batch/people", 400, "INVALID_BODY", json=[]),
    case("non-object-in-batch", "POST", "/rest/batch/people", 400, "INVALID_BODY", json=[_valid_person(), 7]),
    case("array-body-update", "PATCH", "/rest/people/{person}", 400, "INVALID_BODY", json=[{"city": "X"}]),
    case("body-on-restore", "PATCH", "/rest/restore/people/{person}", 400, "INVALID_BODY", json={"city": "X"}),
    # ---- wrong value per field type (create)
    case("text-given-number", "POST", "/rest/people", 400, V, json=_valid_person(jobTitle=42), details={"field": "jobTitle"}),
    case("text-given-list", "POST", "/rest/companies", 400, V, json={"name": ["Acme"]}, details={"field": "name"}),
    case("number-given-string", "POST", "/rest/companies", 400, V, json={"employees": "ten"}, details={"field": "employees"}),
    case("number-given-bool", "POST", "/rest/companies", 400, V, json={"employees": True}, details={"field": "employees"}),
    case(
        "boolean-given-yes", "POST", "/rest/companies", 400, V,
        json={"idealCustomerProfile": "yes"}, details={"field": "idealCustomerProfile"},
    ),
    case(
        "boolean-given-1", "POST", "/rest/companies", 400, V,
        json={"idealCustomerProfile": 1}, details={"field": "idealCustomerProfile"},
    ),
    case(
        "datetime-given-tomorrow", "POST", "/rest/opportunities", 400, V,
        json={"name": "X", "closeDate": "tomorrow"}, details={"field": "closeDate"},
    ),
    case(
        "datetime-given-number", "POST", "/rest/opportunities", 400, V,
        json={"name": "X", "closeDate": 1735689600}, details={"field": "closeDate"},
    ),
    case(
        "select-not-an-option", "POST", "/rest/opportunities", 400, V,
        json={"name": "X", "stage": "FOO"}, details={"field": "stage"}, message="FOO",
    ),
    case(
        "select-lowercase-option", "POST", "/rest/opportunities", 400, V,
        json={"name": "X", "stage": "new"}, details={"field": "stage"},
    ),
    case(
        "multi-select-not-an-option", "POST", "/rest/workflows", 400, V,
        json={"name": "W", "statuses": ["DRAFT", "FOO"]}, details={"field": "statuses"},
    ),
    case(
        "multi-select-given-string", "POST", "/rest/workflows", 400, V,
        json={"name": "W", "statuses": "DRAFT"}, details={"field": "statuses"},
    ),
    case("uuid-field-given-number", "POST", "/rest/favorites", 400, V, json={"viewId": 42}, details={"field": "viewId"}),
    case("join-column-given-number", "POST", "/rest/people", 400, V, json=_valid_person(companyId=42), details={"field": "companyId"}),
    case(
        "join-column-not-a-uuid", "POST", "/rest/people", 400, "INVALID_UUID",
        json=_valid_person(companyId="not-a-uuid"), details={"field": "companyId"},
    ),
    case("id-not-a-uuid", "POST", "/rest/people", 400, "INVALID_UUID", json=_valid_person(id="42"), details={"field": "id"}),
    case("relation-given-number", "POST", "/rest/people", 400, V, json=_valid_person(company=5), details={"field": "company"}),
    case("composite-given-string", "POST", "/rest/people", 400, V, json={"name": "Ada Lovelace"}, details={"field": "name"}),
    case("composite-given-list", "POST", "/rest/people", 400, V, json={"emails": ["a@example.com"]}, details={"field": "emails"}),
    case(
        "unknown-sub-field", "POST", "/rest/people", 400, V,
        json={"name": {"firstName": "A", "middleName": "B"}}, details={"field": "name.middleName"},
    ),
    case(
        "sub-field-wrong-type", "POST", "/rest/people", 400, V,
        json={"name": {"firstName": 5}}, details={"field": "name.firstName"},
    ),
    case(
        "currency-amount-given-string", "POST", "/rest/opportunities", 400, V,
        json={"name": "X", "amount": {"amountMicros": "lots", "currencyCode": "USD"}},
        details={"field": "amount.amountMicros"},
    ),
    case(
        "emails-additional-given-string", "POST", "/rest/people", 400, V,
        json={"emails": {"primaryEmail": "a@example.com", "additionalEmails": "b@example.com"}},
        details={"field": "emails.additionalEmails"},
    ),
    case(
        "actor-source-not-an-option", "POST", "/rest/people", 400, V,
        json=_valid_person(createdBy={"source": "ROBOT"}), details={"field": "createdBy.source"},
    ),
    case("text-with-nul", "POST", "/rest/people", 400, V, json=_valid_person(jobTitle="a\u0000b"), details={"field": "jobTitle"}),
    case(
        "sub-field-with-nul", "POST", "/rest/people", 400, V,
        json={"name": {"firstName": "a\u0000b"}}, details={"field": "name.firstName"},
    ),
    case("update-text-with-nul", "PATCH", "/rest/people/{person}", 400, V, json={"city": "\u0000"}, details={"field": "city"}),
    case("unknown-body-field", "POST", "/rest/people", 400, "UNKNOWN_FIELD", json=_valid_person(nickname="Ada"), details={"field": "nickname"}),
    case("read-only-updated-at", "POST", "/rest/people", 400, "READ_ONLY_FIELD", json=_valid_person(updatedAt="2024-01-01T00:00:00Z")),
    case("one-to-many-not-writable", "POST", "/rest/companies", 400, "READ_ONLY_FIELD", json={"name": "X", "people": []}),
    # ---- wrong values on update (the seeded records must stay as they are)
    case("update-text-given-number", "PATCH", "/rest/people/{person}", 400, V, json={"jobTitle": 42}, details={"field": "jobTitle"}),
    case("update-unknown-field", "PATCH", "/rest/people/{person}", 400, "UNKNOWN_FIELD", json={"city": "X", "nickname": "Y"}),
    case("update-select-not-an-option", "PATCH", "/rest/opportunities/{opportunity}", 400, V, json={"stage": "FOO"}, details={"field": "stage"}),
    case("update-not-nullable-to-null", "PATCH", "/rest/opportunities/{opportunity}", 400, V, json={"stage": None}, details={"field": "stage"}),
    case("update-id", "PATCH", "/rest/people/{person}", 400, "READ_ONLY_FIELD", json={"id": MISSING}),
    case("put-text-given-number", "PUT", "/rest/people/{person}", 400, V, json={"city": 7}, details={"field": "city"}),
    case("update-many-bad-value", "PATCH", "/rest/people", 400, V, json={"city": 7}, details={"field": "city"}),
    # ---- batch: atomic
    case(
        "batch-second-record-invalid", "POST", "/rest/batch/people", 400, V,
        json=[_valid_person(), _valid_person(jobTitle=5)], details={"field": "jobTitle", "index": 1},
    ),
    case("batch-too-large", "POST", "/rest/batch/people", 400, "BATCH_TOO_LARGE", json=[{} for _ in range(201)], message="200"),
    case("batch-existing-id", "POST", "/rest/batch/people", 400, "RECORD_ALREADY_EXISTS", json=[_valid_person(), _valid_person(id="{person}")]),
    case("create-existing-id", "POST", "/rest/people", 400, "RECORD_ALREADY_EXISTS", json=_valid_person(id="{person}")),
    case(
        "unique-email-taken", "POST", "/rest/people", 409, "UNIQUE_VIOLATION",
        json=_valid_person(emails={"primaryEmail": "seed@example.com"}), details={"field": "emails.primaryEmail"},
    ),
    case("relation-target-missing", "POST", "/rest/people", 400, "RELATION_TARGET_NOT_FOUND", json=_valid_person(companyId=MISSING)),
    # ---- objects and paths
    case("unknown-object", "GET", "/rest/unicorns", 400, "OBJECT_NOT_FOUND", message="unicorns"),
    case("unknown-object-post", "POST", "/rest/unicorns", 400, "OBJECT_NOT_FOUND", json={"name": "x"}),
    case("singular-object-name", "GET", "/rest/person", 400, "OBJECT_NOT_FOUND", check=_suggests_people),
    case("singular-object-name-post", "POST", "/rest/person", 400, "OBJECT_NOT_FOUND", json=_valid_person(), check=_suggests_people),
    case("bad-uuid-in-path", "GET", "/rest/people/not-a-uuid", 400, "INVALID_UUID", message="not-a-uuid"),
    case("bad-uuid-in-path-patch", "PATCH", "/rest/people/not-a-uuid", 400, "INVALID_UUID", json={"city": "X"}),
    case("bad-uuid-in-path-delete", "DELETE", "/rest/people/not-a-uuid", 400, "INVALID_UUID"),
    case("bad-uuid-in-restore-path", "PATCH", "/rest/restore/people/not-a-uuid", 400, "INVALID_UUID"),
    case("too-many-segments", "GET", "/rest/people/a/b", 400, "INVALID_PATH"),
    case("too-many-segments-delete", "DELETE", "/rest/people/{person}/x", 400, "INVALID_PATH"),
    case("too-many-segments-restore", "PATCH", "/rest/restore/people/{person}/x", 400, "INVALID_PATH"),
    case("batch-with-id", "POST", "/rest/batch/people/{person}", 400, "INVALID_PATH", json=[_valid_person()]),
    case("batch-alone", "POST", "/rest/batch", 400, "INVALID_PATH", json=[_valid_person()]),
    case("rest-root", "GET", "/rest/", 400, "INVALID_PATH"),
    # ---- query parameters
    case("unknown-parameter", "GET", "/rest/people", 400, "UNKNOWN_PARAMETER", params={"limt": "5"}, check=_accepts_limit),
    case(
        "unknown-parameter-on-create", "POST", "/rest/people", 400, "UNKNOWN_PARAMETER",
        params={"limit": "5"}, json=_valid_person(), details={"parameter": "limit"},
    ),
    case(
        "unknown-parameter-on-delete", "DELETE", "/rest/people/{person}", 400, "UNKNOWN_PARAMETER",
        params={"softdelete": "true"}, details={"parameter": "softdelete"},
    ),
    case(
        "repeated-parameter", "GET", "/rest/people", 400, "INVALID_PARAMETER",
        params=[("limit", "5"), ("limit", "6")], details={"parameter": "limit"},
    ),
    case(
        "repeated-parameter-two-spellings", "GET", "/rest/people", 400, "INVALID_PARAMETER",
        params=[("order_by", "city"), ("orderBy", "city")],
    ),
    case("depth-3", "GET", "/rest/people", 400, "INVALID_DEPTH", params={"depth": "3"}, details={"parameter": "depth"}),
    case("depth-x", "GET", "/rest/people/{person}", 400, "INVALID_DEPTH", params={"depth": "x"}),
    case("depth-negative", "GET", "/rest/people", 400, "INVALID_DEPTH", params={"depth": "-1"}),
    case("depth-3-on-create", "POST", "/rest/people", 400, "INVALID_DEPTH", params={"depth": "3"}, json=_valid_person()),
    case("depth-x-on-update", "PATCH", "/rest/people/{person}", 400, "INVALID_DEPTH", params={"depth": "x"}, json={"city": "X"}),
    case(
        "soft-delete-yes", "DELETE", "/rest/people/{person}", 400, "INVALID_PARAMETER",
        params={"soft_delete": "yes"}, details={"parameter": "soft_delete"},
    ),
    case(
        "soft-delete-yes-many", "DELETE", "/rest/people", 400, "INVALID_PARAMETER",
        params={"soft_delete": "yes", "filter": "id[is]:NOT_NULL"},
    ),
    case("upsert-yes", "POST", "/rest/people", 400, "INVALID_PARAMETER", params={"upsert": "yes"}, json=_valid_person()),
    case("limit-not-a-number", "GET", "/rest/people", 400, "INVALID_LIMIT", params={"limit": "ten"}),
    case("both-cursors", "GET", "/rest/people", 400, "INVALID_PARAMETER", params={"starting_after": "{person}", "ending_before": "{person}"}),
    case("cursor-garbage", "GET", "/rest/people", 400, "INVALID_CURSOR", params={"starting_after": "%%%"}),
    case("cursor-missing-record", "GET", "/rest/people", 400, "INVALID_CURSOR", params={"starting_after": MISSING}),
    case("cursor-before-missing-record", "GET", "/rest/people", 400, "INVALID_CURSOR", params={"ending_before": MISSING}),
    case("fields-unknown", "GET", "/rest/people", 400, "INVALID_FIELDS", params={"fields": "id,nickname"}),
    case("filter-with-nul", "GET", "/rest/people", 400, "INVALID_FILTER", params={"filter": "city[eq]:a\u0000b"}),
    case(
        "filter-with-nul-on-update-many", "PATCH", "/rest/people", 400, "INVALID_FILTER",
        params={"filter": "city[eq]:a\u0000b"}, json={"city": "X"},
    ),
    case("filter-bad-comparator", "GET", "/rest/people", 400, "INVALID_FILTER", params={"filter": "city[foo]:x"}),
    case("filter-on-update-many", "PATCH", "/rest/people", 400, "INVALID_FILTER", params={"filter": "city[eq"}, json={"city": "X"}),
    case("filter-on-delete-many", "DELETE", "/rest/people", 400, "INVALID_FILTER", params={"filter": "nickname[eq]:x"}),
    case("delete-many-without-filter", "DELETE", "/rest/people", 400, "MISSING_FILTER"),
    case("soft-delete-many-without-filter", "DELETE", "/rest/people", 400, "MISSING_FILTER", params={"soft_delete": "true"}),
    # ---- records that do not exist
    case("find-one-missing", "GET", f"/rest/people/{MISSING}", 404, "RECORD_NOT_FOUND"),
    case("update-missing", "PATCH", f"/rest/people/{MISSING}", 404, "RECORD_NOT_FOUND", json={"city": "X"}),
    case("delete-missing", "DELETE", f"/rest/people/{MISSING}", 404, "RECORD_NOT_FOUND"),
    # ---- size, methods, routes
    case(
        "body-too-large", "POST", "/rest/people", 413, "PAYLOAD_TOO_LARGE",
        content=b'{"jobTitle":"' + b"x" * (11 * 1024 * 1024) + b'"}', details={"limit": MAX_BODY},
    ),
    case(
        "body-too-large-patch", "PATCH", "/rest/people/{person}", 413, "PAYLOAD_TOO_LARGE",
        content=b'{"city":"' + b"x" * (11 * 1024 * 1024) + b'"}', details={"limit": MAX_BODY},
    ),
    case(
        "body-too-large-batch", "POST", "/rest/batch/people", 413, "PAYLOAD_TOO_LARGE",
        content=b'[{"city":"' + b"x" * (11 * 1024 * 1024) + b'"}]', details={"limit": MAX_BODY},
    ),
    case("delete-batch", "DELETE", "/rest/batch/people", 405, "METHOD_NOT_ALLOWED"),
    case("get-batch", "GET", "/rest/batch/people", 405, "METHOD_NOT_ALLOWED"),
    case("patch-batch", "PATCH", "/rest/batch/people", 405, "METHOD_NOT_ALLOWED", json=[{"city": "X"}]),
    case("post-on-record", "POST", "/rest/people/{person}", 405, "METHOD_NOT_ALLOWED", json={"city": "X"}),
    case("get-restore", "GET", "/rest/restore/people/{person}", 405, "METHOD_NOT_ALLOWED"),
    case("delete-restore", "DELETE", "/rest/restore/people/{person}", 405, "METHOD_NOT_ALLOWED"),
    case("post-healthz", "POST", "/healthz", 405, "METHOD_NOT_ALLOWED"),
    case("unknown-route", "GET", "/nothing", 404, "ROUTE_NOT_FOUND"),
    case("unknown-route-post", "POST", "/nothing", 404, "ROUTE_NOT_FOUND", json={}),
]


# ---- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds(api: Api) -> dict[str, str]:
    """One record of each kind the cases point at."""
    company = api.post("/rest/companies", json={"name": "Seed Co", "employees": 5})
    assert company.status_code == 201, company.text
    company_id = company.json()["data"]["createCompany"]["id"]
    person = api.post(
        "/rest/people",
        json={
            "name": {"firstName": "Seed", "lastName": "Person"},
            "emails": {"primaryEmail": "seed@example.com"},
            "city": "Paris",
            "companyId": company_id,
        },
    )
    assert person.status_code == 201, person.text
    person_id = person.json()["data"]["createPerson"]["id"]
    opportunity = api.post(
        "/rest/opportunities", json={"name": "Seed deal", "stage": "MEETING", "companyId": company_id}
    )
    assert opportunity.status_code == 201, opportunity.text
    return {
        "person": person_id,
        "company": company_id,
        "opportunity": opportunity.json()["data"]["createOpportunity"]["id"],
    }


def snapshot(api: Api) -> dict[str, Any]:
    """Every record (soft-deleted included) of every object a case could write to."""
    out = {}
    for plural in WATCHED:
        r = api.get(f"/rest/{plural}", params={"limit": "100", "filter": ALL_ROWS})
        assert r.status_code == 200, r.text
        body = r.json()
        out[plural] = (body["totalCount"], body["data"][plural])
    return out


def _fill(value: Any, seeds: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**seeds) if "{" in value else value
    if isinstance(value, list):
        return [_fill(v, seeds) for v in value]
    if isinstance(value, tuple):
        return tuple(_fill(v, seeds) for v in value)
    if isinstance(value, dict):
        return {k: _fill(v, seeds) for k, v in value.items()}
    return value


def send(api: Api, c: Case, seeds: dict[str, str]) -> httpx.Response:
    kw: dict[str, Any] = {}
    if c.content is not None:
        kw["content"] = c.content
        kw["headers"] = {"Content-Type": "application/json"}
    elif c.json is not None:
        kw["json"] = _fill(c.json, seeds)
    if c.params is not None:
        kw["params"] = _fill(c.params, seeds)
    return api.request(c.method, _fill(c.path, seeds), **kw)


@pytest.mark.parametrize("c", CASES)
def test_bad_input(api: Api, seeds: dict[str, str], c: Case) -> None:
    before = snapshot(api)
    response = send(api, c, seeds)
    body = assert_error(response, c.status, c.code)
    assert response.headers["content-type"].startswith("application/json")
    details = body["error"]["details"]
    for key, expected in c.details.items():
        assert details.get(key) == expected, body
    if c.message is not None:
        assert c.message in body["error"]["message"], body
    if c.check is not None:
        c.check(body)
    assert "Traceback" not in response.text
    after = snapshot(api)
    assert after == before, f"{c.method} {c.path} changed the workspace"


def test_the_table_covers_every_case_of_the_brief() -> None:
    codes = {p.values[0].code for p in CASES}
    for code in (
        "INVALID_JSON", "INVALID_BODY", "VALIDATION_ERROR", "UNKNOWN_FIELD", "OBJECT_NOT_FOUND", "UNKNOWN_PARAMETER",
        "INVALID_PARAMETER", "INVALID_UUID", "INVALID_PATH", "INVALID_DEPTH", "PAYLOAD_TOO_LARGE",
        "METHOD_NOT_ALLOWED", "ROUTE_NOT_FOUND",
    ):
        assert code in codes


def test_streamed_body_over_the_limit_without_content_length(api: Api) -> None:
    """The limit holds when the client does not announce the size (chunked upload)."""

    def chunks() -> Iterator[bytes]:
        yield b'{"jobTitle":"'
        for _ in range(11):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    before = snapshot(api)
    r = api.post("/rest/people", content=chunks(), headers={"Content-Type": "application/json"})
    body = assert_error(r, 413, "PAYLOAD_TOO_LARGE")
    assert body["error"]["details"]["limit"] == MAX_BODY
    assert snapshot(api) == before


def test_a_body_just_under_the_limit_is_read(api: Api) -> None:
    """Below the bound the body is parsed: here it then fails validation, not the size check."""
    text = "x" * (MAX_BODY - 100)
    r = api.post("/rest/people", json={"nickname": text})
    assert_error(r, 400, "UNKNOWN_FIELD")


def test_lying_content_length_is_not_trusted(api: Api) -> None:
    """A small Content-Length on a big body does not let the body through."""

    def chunks() -> Iterator[bytes]:
        for _ in range(11):
            yield b" " * (1024 * 1024)
        yield b"{}"

    r = api.post("/rest/people", content=chunks(), headers={"Content-Type": "application/json", "Content-Length": "2"})
    assert_error(r, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/rest/batch/people", {"POST"}),
        ("GET", "/rest/batch/people", {"POST"}),
        ("POST", "/rest/people/{person}", {"GET", "PATCH", "PUT", "DELETE"}),
        ("GET", "/rest/restore/people/{person}", {"PATCH"}),
        ("POST", "/healthz", {"GET"}),
    ],
)
def test_method_not_allowed_says_what_is(api: Api, seeds: dict[str, str], method: str, path: str, allowed: set[str]) -> None:
    """RFC 9110 §15.5.6: a 405 response MUST carry an ``Allow`` header listing the methods
    the resource supports."""
    r = api.request(method, path.format(**seeds))
    assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert "allow" in r.headers, dict(r.headers)
    listed = {m.strip().upper() for m in r.headers["allow"].split(",") if m.strip()}
    assert allowed <= listed, listed
    assert method not in listed


# ---- no stack traces, ever ----------------------------------------------------------------

ODD_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/rest/people", {"content": b"\x00\x01\x02"}),
    ("POST", "/rest/people", {"content": b"[" * 5000 + b"]" * 5000}),
    ("POST", "/rest/people", {"content": b'{"name": ' * 2000 + b"1" + b"}" * 2000}),
    ("POST", "/rest/people", {"content": b"NaN"}),
    ("POST", "/rest/people", {"content": b'{"jobTitle": "a", "jobTitle": 5}'}),
    ("POST", "/rest/people", {"json": 1}),
    ("POST", "/rest/people", {"json": True}),
    ("POST", "/rest/people", {"json": {"position": "middle"}}),
    ("POST", "/rest/people", {"json": {"position": "1e999"}}),
    ("POST", "/rest/people", {"content": b'{"position": 1e999}'}),
    ("POST", "/rest/people", {"json": {"jobTitle": "nul \u0000 byte"}}),
    ("POST", "/rest/people", {"json": {"name": {"firstName": "nul \u0000 byte"}}}),
    ("POST", "/rest/companies", {"json": {"employees": 10**40}}),
    ("POST", "/rest/companies", {"json": {"employees": -(2**63) - 1}}),
    ("POST", "/rest/companies", {"json": {"address": {"addressLat": "north"}}}),
    ("POST", "/rest/companies", {"json": {"domainName": {"secondaryLinks": [1, 2]}}}),
    ("POST", "/rest/people", {"json": {"phones": {"additionalPhones": ["+33 1"]}}}),
    ("POST", "/rest/people", {"json": {"avatarFile": [{"fileId": "nope"}]}}),
    ("POST", "/rest/people", {"json": {"avatarFile": "x"}}),
    ("POST", "/rest/people", {"json": {"createdBy": "API"}}),
    ("POST", "/rest/people", {"json": {"createdBy": {"source": "API", "context": 5}}}),
    ("POST", "/rest/people", {"json": {"company": {"connect": {"where": {"name": "x"}}}}}),
    ("POST", "/rest/people", {"json": {"company": {"connect": "x"}}}),
    ("POST", "/rest/people", {"json": {"searchVector": "x"}}),
    ("POST", "/rest/people", {"json": {"": 1}}),
    ("POST", "/rest/people", {"json": {"name": {"firstName": "x" * 1_000_001}}}),
    ("POST", "/rest/notes", {"json": {"bodyV2": "plain"}}),
    ("POST", "/rest/notes", {"json": {"bodyV2": {"markdown": 5}}}),
    ("POST", "/rest/noteTargets", {"json": {"targetPerson": 5}}),
    ("POST", "/rest/noteTargets", {"json": {"personId": "nope"}}),
    ("POST", "/rest/opportunities", {"json": {"closeDate": "2024-13-45T99:00:00Z"}}),
    ("POST", "/rest/opportunities", {"content": b'{"amount": {"amountMicros": Infinity}}'}),
    ("POST", "/rest/batch/people", {"json": [[]]}),
    ("POST", "/rest/batch/people", {"json": [None]}),
    ("GET", "/rest/people", {"params": {"filter": "(" * 500 + ")" * 500}}),
    ("GET", "/rest/people", {"params": {"filter": "x" * 20_000}}),
    ("GET", "/rest/people", {"params": {"filter": "createdAt[gte]:\"not a date\""}}),
    ("GET", "/rest/people", {"params": {"filter": "name[eq]:x"}}),
    ("GET", "/rest/people", {"params": {"filter": "company[eq]:x"}}),
    ("GET", "/rest/people", {"params": {"filter": "id[in]:[]"}}),
    ("GET", "/rest/people", {"params": {"filter": "id[eq]:\u0000"}}),
    ("GET", "/rest/people", {"params": {"filter": "city[eq]:a\u0000b"}}),
    ("GET", "/rest/people", {"params": {"filter": "city[ilike]:\"%\u0000%\""}}),
    ("GET", "/rest/people", {"params": {"order_by": "name"}}),
    ("GET", "/rest/people", {"params": {"order_by": "city[Sideways]"}}),
    ("GET", "/rest/people", {"params": {"limit": "99999999999999999999999"}}),
    ("GET", "/rest/people", {"params": {"limit": "-1"}}),
    ("GET", "/rest/people", {"params": {"starting_after": "eyJpZCI6MX0"}}),
    ("GET", "/rest/people", {"params": {"fields": ","}}),
    ("GET", "/rest/people/%00", {}),
    ("GET", "/rest/%C3%A9t%C3%A9", {}),
    ("GET", "/rest/people/" + "1" * 5000, {}),
    ("GET", "/rest/restore/people", {}),
    ("PATCH", "/rest/restore/people", {}),
    ("DELETE", "/rest/people", {"params": {"filter": "id[eq]:not-a-uuid"}}),
]


@pytest.mark.parametrize(("method", "path", "kw"), ODD_REQUESTS, ids=[f"odd-{i}" for i in range(len(ODD_REQUESTS))])
def test_no_response_contains_a_traceback(api: Api, method: str, path: str, kw: dict[str, Any]) -> None:
    kw = dict(kw)
    if "content" in kw:
        kw["headers"] = {"Content-Type": "application/json"}
    r = api.request(method, path, **kw)
    assert "Traceback" not in r.text
    assert 'File "' not in r.text
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        body = r.json()
        assert set(body) == {"error", "statusCode", "messages"}, body
        assert body["statusCode"] == r.status_code


def test_no_table_response_contains_a_traceback(api: Api, seeds: dict[str, str]) -> None:
    """The same property over the whole table, once more, without the auth header too."""
    bare = Api(api.client, "")
    bare.headers = {}
    for param in CASES:
        c = param.values[0]
        for client in (api, bare):
            r = send(client, c, seeds)
            assert "Traceback" not in r.text, (c, r.text)
            assert r.status_code < 500, (c, r.text)
