"""The ``filter`` query parameter (REST.md §5, §8; DECISIONS.md §3) on every backend.

One module-scoped dataset (the module's own workspace) is seeded with batch creates; every
test asserts the exact set of ids a filter selects. Filters travel through ``params=`` (httpx
percent-encodes them), except in the test that sends a pre-encoded query string.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from typing import Any

import pytest

from conftest import Api, assert_error

PEOPLE: dict[str, dict[str, Any]] = {
    "ada": {
        "name": {"firstName": "Ada", "lastName": "Lovelace"},
        "emails": {"primaryEmail": "ada@example.com"},
        "jobTitle": "Engineer",
        "city": "London",
        "company": "acme",
    },
    "alan": {
        "name": {"firstName": "Alan", "lastName": "Turing"},
        "emails": {"primaryEmail": "alan@example.org"},
        "jobTitle": "",
        "city": "Paris (FR)",
        "company": "acme",
    },
    "grace": {  # jobTitle never set
        "name": {"firstName": "Grace", "lastName": "Smith, Jr."},
        "emails": {"primaryEmail": "grace@navy.mil"},
        "city": "paris",
        "company": "globex",
    },
    "conan": {
        "name": {"firstName": "Conan", "lastName": "O'Brien"},
        "emails": {"primaryEmail": "conan@example.com"},
        "jobTitle": "Host",
        "city": "Paris: Left Bank",
        "company": None,
    },
    "quote": {
        "name": {"firstName": "Quote", "lastName": 'Say "hi" \\ bye'},
        "emails": {"primaryEmail": "quote@example.com"},
        "jobTitle": "engineer",
        "city": None,
        "company": None,
    },
    "edsger": {
        "name": {"firstName": "Edsger", "lastName": "Dijkstra"},
        "emails": {"primaryEmail": "edsger+test@tudelft.nl"},
        "jobTitle": "Senior Engineer",
        "city": "Zürich",
        "company": "initech",
        "createdBy": {"source": "IMPORT"},
    },
    "ghost": {  # soft-deleted by the fixture
        "name": {"firstName": "Ghost", "lastName": "Deleted"},
        "emails": {"primaryEmail": "ghost@example.com"},
        "jobTitle": "Engineer",
        "city": "London",
        "company": "acme",
    },
}
LIVE_PEOPLE = {"ada", "alan", "grace", "conan", "quote", "edsger"}

COMPANIES: dict[str, dict[str, Any]] = {
    "acme": {
        "name": "Acme",
        "domainName": {"primaryLinkUrl": "https://acme.com"},
        "address": {"addressCity": "Paris (FR)"},
        "employees": 10,
        "idealCustomerProfile": True,
    },
    "globex": {
        "name": "Globex",
        "domainName": {"primaryLinkUrl": "https://globex.io"},
        "address": {"addressCity": "Berlin"},
        "employees": 50,
        "idealCustomerProfile": False,
    },
    "initech": {  # employees and idealCustomerProfile take their defaults (NULL, false)
        "name": "Initech",
        "domainName": {"primaryLinkUrl": "https://initech.com"},
    },
    "umbrella": {
        "name": "Umbrella",
        "domainName": {"primaryLinkUrl": "https://umbrella.org"},
        "address": {"addressCity": "paris"},
        "employees": 100,
        "idealCustomerProfile": True,
    },
}

OPPORTUNITIES: dict[str, dict[str, Any]] = {
    "o1": {
        "name": "Deal One",
        "amount": {"amountMicros": 1_000_000, "currencyCode": "USD"},
        "closeDate": "2024-03-01T12:00:00.000Z",
        "stage": "NEW",
        "company": "acme",
    },
    "o2": {
        "name": "Deal Two",
        "amount": {"amountMicros": 5_000_000, "currencyCode": "EUR"},
        "closeDate": "2024-03-01T12:00:00.001Z",
        "stage": "MEETING",
        "company": "globex",
    },
    "o3": {
        "name": "Deal Three",
        "closeDate": "2024-06-30T00:00:00.000Z",
        "stage": "CUSTOMER",
        "company": None,
    },
    "o4": {  # stage defaults to NEW
        "name": "Deal Four",
        "amount": {"amountMicros": 250_000_000, "currencyCode": "USD"},
        "closeDate": None,
        "company": "acme",
    },
}

WORKFLOWS: dict[str, dict[str, Any]] = {
    "w_draft": {"name": "Draft flow", "statuses": ["DRAFT"]},
    "w_live": {"name": "Live flow", "statuses": ["ACTIVE", "DEACTIVATED"]},
    "w_unset": {"name": "Unset flow"},
    "w_both": {"name": "Both flow", "statuses": ["DRAFT", "ACTIVE"]},
    "w_empty": {"name": "Empty flow", "statuses": []},
}


def _batch(api: Api, plural: str, rows: dict[str, dict[str, Any]], ids: dict[str, str]) -> dict[str, dict]:
    payload = []
    for spec in rows.values():
        body = {k: v for k, v in spec.items() if k != "company"}
        if "company" in spec:
            body["companyId"] = None if spec["company"] is None else ids[spec["company"]]
        payload.append(body)
    r = api.post(f"/rest/batch/{plural}", json=payload)
    assert r.status_code == 201, r.text
    created = next(iter(r.json()["data"].values()))
    assert len(created) == len(rows)
    out = {}
    for key, record in zip(rows, created, strict=True):
        ids[key] = record["id"]
        out[key] = record
    return out


def _iso_plus_ms(value: str, ms: int) -> str:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00")) + dt.timedelta(milliseconds=ms)
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


@pytest.fixture(scope="module")
def seed(api: Api) -> dict[str, str]:
    """name → id for every seeded record, plus ``ts_batch`` / ``ts_late`` (task createdAt values)."""
    ids: dict[str, str] = {}
    _batch(api, "companies", COMPANIES, ids)
    _batch(api, "people", PEOPLE, ids)
    _batch(api, "opportunities", OPPORTUNITIES, ids)
    _batch(api, "workflows", WORKFLOWS, ids)
    r = api.delete(f"/rest/people/{ids['ghost']}", params={"soft_delete": "true"})
    assert r.status_code == 200, r.text
    # createdAt: two tasks in one batch share a timestamp; a third is created later
    tasks = _batch(api, "tasks", {"t1": {"title": "first"}, "t2": {"title": "second"}}, ids)
    time.sleep(0.02)
    r = api.post("/rest/tasks", json={"title": "late"})
    assert r.status_code == 201, r.text
    late = r.json()["data"]["createTask"]
    ids["t3"] = late["id"]
    ids["ts_batch"] = tasks["t1"]["createdAt"]
    ids["ts_late"] = late["createdAt"]
    assert tasks["t2"]["createdAt"] == ids["ts_batch"]
    assert ids["ts_late"] > ids["ts_batch"]
    return ids


def _find(api: Api, plural: str, flt: str, **extra: Any) -> dict:
    r = api.get(f"/rest/{plural}", params={"filter": flt, "limit": 100, **extra})
    assert r.status_code == 200, f"{flt}: {r.text}"
    return r.json()


def _ids(api: Api, plural: str, flt: str, seed: dict[str, str]) -> set[str]:
    """The seed names of the records a filter selects (totalCount checked too)."""
    body = _find(api, plural, flt)
    records = body["data"][plural]
    assert body["totalCount"] == len(records), flt
    by_id = {v: k for k, v in seed.items()}
    found = [by_id.get(rec["id"], rec["id"]) for rec in records]
    assert len(found) == len(set(found)), f"duplicate records for {flt}"
    return set(found)


def _check(api: Api, seed: dict[str, str], plural: str, flt: str, expected: set[str]) -> None:
    assert _ids(api, plural, flt.format(**seed), seed) == expected, flt


# ---- comparators ------------------------------------------------------------------------------

COMPARATOR_CASES = [
    # eq / neq (neq: NULL never matches, plain SQL semantics)
    ("people", "city[eq]:London", {"ada"}),
    ("people", "city[neq]:London", {"alan", "grace", "conan", "edsger"}),
    ("people", "jobTitle[eq]:Engineer", {"ada"}),
    ("people", "jobTitle[neq]:Engineer", {"conan", "quote", "edsger"}),
    # in
    ("people", "city[in]:[London,paris]", {"ada", "grace"}),
    ("people", "city[in]:[Nowhere]", set()),
    ("people", 'jobTitle[in]:["Host","Senior Engineer"]', {"conan", "edsger"}),
    # is
    ("people", "city[is]:NULL", {"quote"}),
    ("people", "city[is]:NOT_NULL", {"ada", "alan", "grace", "conan", "edsger"}),
    ("people", "jobTitle[is]:NULL", {"alan", "grace"}),
    ("people", "jobTitle[is]:NOT_NULL", {"ada", "conan", "quote", "edsger"}),
    # numbers
    ("companies", "employees[gt]:10", {"globex", "umbrella"}),
    ("companies", "employees[gte]:10", {"acme", "globex", "umbrella"}),
    ("companies", "employees[lt]:50", {"acme"}),
    ("companies", "employees[lte]:50", {"acme", "globex"}),
    ("companies", "employees[eq]:100", {"umbrella"}),
    ("companies", "employees[neq]:100", {"acme", "globex"}),
    ("companies", "employees[in]:[10,100]", {"acme", "umbrella"}),
    ("companies", "employees[is]:NULL", {"initech"}),
    # DATE_TIME, millisecond precision: eq is [v, v+1ms)
    ("opportunities", "closeDate[eq]:2024-03-01T12:00:00.000Z", {"o1"}),
    ("opportunities", "closeDate[eq]:2024-03-01T12:00:00Z", {"o1"}),
    ("opportunities", "closeDate[eq]:2024-03-01T12:00:00.001Z", {"o2"}),
    ("opportunities", "closeDate[eq]:2024-03-01T13:00:00.000+01:00", {"o1"}),
    ("opportunities", "closeDate[neq]:2024-03-01T12:00:00.000Z", {"o2", "o3"}),
    ("opportunities", "closeDate[gt]:2024-03-01T12:00:00.000Z", {"o2", "o3"}),
    ("opportunities", "closeDate[gte]:2024-03-01T12:00:00.001Z", {"o2", "o3"}),
    ("opportunities", "closeDate[lt]:2024-03-01T12:00:00.001Z", {"o1"}),
    ("opportunities", "closeDate[lte]:2024-03-01T12:00:00.000Z", {"o1"}),
    ("opportunities", "closeDate[lte]:2024-03-01T12:00:00.001Z", {"o1", "o2"}),
    ("opportunities", 'closeDate[gte]:"2024-06-01"', {"o3"}),
    ("opportunities", "closeDate[lt]:2024-03-02", {"o1", "o2"}),
    ("opportunities", "closeDate[in]:[2024-03-01T12:00:00.001Z,2024-06-30T00:00:00Z]", {"o2", "o3"}),
    ("opportunities", "closeDate[is]:NULL", {"o4"}),
    # createdAt: t1 and t2 share ts_batch, t3 is at least 20 ms later
    ("tasks", "createdAt[eq]:{ts_batch}", {"t1", "t2"}),
    ("tasks", "createdAt[gt]:{ts_batch}", {"t3"}),
    ("tasks", "createdAt[gte]:{ts_batch}", {"t1", "t2", "t3"}),
    ("tasks", "createdAt[lt]:{ts_late}", {"t1", "t2"}),
    ("tasks", "createdAt[lte]:{ts_batch}", {"t1", "t2"}),
    ("tasks", "createdAt[lte]:{ts_late}", {"t1", "t2", "t3"}),
    ("tasks", 'createdAt[gte]:"2000-01-01"', {"t1", "t2", "t3"}),
    ("tasks", "createdAt[lt]:2000-01-01T00:00:00Z", set()),
    # text patterns: startsWith / endsWith / like are case-sensitive, ilike is not
    ("people", "jobTitle[startsWith]:Eng", {"ada"}),
    ("people", "jobTitle[startsWith]:eng", {"quote"}),
    ("people", "name.firstName[startsWith]:Al_n", set()),  # _ is literal, not a wildcard
    ("people", "name.firstName[startsWith]:A%", set()),  # % is literal, not a wildcard
    ("people", "jobTitle[endsWith]:Engineer", {"ada", "edsger"}),
    ("people", "emails.primaryEmail[endsWith]:@example.com", {"ada", "conan", "quote"}),
    ("people", 'jobTitle[like]:"Eng%"', {"ada"}),
    ("people", 'jobTitle[like]:"%ngineer"', {"ada", "quote", "edsger"}),
    ("people", 'jobTitle[like]:"%Engineer%"', {"ada", "edsger"}),
    ("people", 'jobTitle[like]:"engineer"', {"quote"}),
    ("people", 'jobTitle[like]:"H_st"', {"conan"}),
    ("people", 'jobTitle[ilike]:"eng%"', {"ada", "quote"}),
    ("people", 'jobTitle[ilike]:"%ENGINEER%"', {"ada", "quote", "edsger"}),
    ("people", 'name.lastName[ilike]:"%o%"', {"ada", "conan"}),
    # containsAny on a MULTI_SELECT; an empty list is null-equivalent
    ("workflows", "statuses[containsAny]:[ACTIVE]", {"w_live", "w_both"}),
    ("workflows", "statuses[containsAny]:[DRAFT,DEACTIVATED]", {"w_draft", "w_live", "w_both"}),
    ("workflows", 'statuses[containsAny]:["DEACTIVATED"]', {"w_live"}),
    ("workflows", "statuses[is]:NULL", {"w_unset", "w_empty"}),
    ("workflows", "statuses[is]:NOT_NULL", {"w_draft", "w_live", "w_both"}),
]


@pytest.mark.parametrize(
    ("plural", "flt", "expected"), COMPARATOR_CASES, ids=[c[1] for c in COMPARATOR_CASES]
)
def test_comparators(api: Api, seed: dict[str, str], plural: str, flt: str, expected: set[str]) -> None:
    _check(api, seed, plural, flt, expected)


def test_ilike_folds_non_ascii_case(api: Api, seed: dict[str, str]) -> None:
    """ilike is case-insensitive for every letter, not only ASCII."""
    _check(api, seed, "people", 'city[ilike]:"ZÜRICH"', {"edsger"})
    _check(api, seed, "people", 'city[ilike]:"%üri%"', {"edsger"})


# ---- field kinds ------------------------------------------------------------------------------

FIELD_CASES = [
    # composite sub-fields
    ("people", "name.firstName[eq]:Ada", {"ada"}),
    ("people", "name.lastName[neq]:Lovelace", {"alan", "grace", "conan", "quote", "edsger"}),
    ("people", "emails.primaryEmail[eq]:ada@example.com", {"ada"}),
    ("people", "emails.primaryEmail[eq]:edsger+test@tudelft.nl", {"edsger"}),
    ("opportunities", "amount.amountMicros[gt]:1000000", {"o2", "o4"}),
    ("opportunities", "amount.amountMicros[gte]:1000000", {"o1", "o2", "o4"}),
    ("opportunities", "amount.amountMicros[lte]:5000000", {"o1", "o2"}),
    ("opportunities", "amount.amountMicros[is]:NULL", {"o3"}),
    ("opportunities", "amount.currencyCode[eq]:USD", {"o1", "o4"}),
    ("companies", 'address.addressCity[eq]:"Paris (FR)"', {"acme"}),
    ("companies", 'address.addressCity[ilike]:"paris%"', {"acme", "umbrella"}),
    ("companies", "address.addressCity[is]:NULL", {"initech"}),
    ("people", "createdBy.source[eq]:IMPORT", {"edsger"}),
    ("people", "createdBy.source[eq]:API", {"ada", "alan", "grace", "conan", "quote"}),
    ("companies", "domainName.primaryLinkUrl[eq]:https://acme.com", {"acme"}),
    ("companies", 'domainName.primaryLinkUrl[eq]:"https://globex.io"', {"globex"}),
    ("companies", 'domainName.primaryLinkUrl[like]:"%.com"', {"acme", "initech"}),
    # relation join columns
    ("people", "companyId[eq]:{acme}", {"ada", "alan"}),
    ("people", "companyId[in]:[{acme},{globex}]", {"ada", "alan", "grace"}),
    ("people", 'companyId[in]:["{globex}","{initech}"]', {"grace", "edsger"}),
    ("people", "companyId[is]:NULL", {"conan", "quote"}),
    ("people", "companyId[is]:NOT_NULL", {"ada", "alan", "grace", "edsger"}),
    ("people", "companyId[neq]:{acme}", {"grace", "edsger"}),
    ("opportunities", "companyId[eq]:{acme}", {"o1", "o4"}),
    # SELECT
    ("opportunities", "stage[eq]:NEW", {"o1", "o4"}),
    ("opportunities", "stage[neq]:NEW", {"o2", "o3"}),
    ("opportunities", "stage[in]:[MEETING,CUSTOMER]", {"o2", "o3"}),
    ("opportunities", 'stage[eq]:"CUSTOMER"', {"o3"}),
    # BOOLEAN
    ("companies", "idealCustomerProfile[eq]:true", {"acme", "umbrella"}),
    ("companies", "idealCustomerProfile[eq]:false", {"globex", "initech"}),
    ("companies", "idealCustomerProfile[neq]:true", {"globex", "initech"}),
    # UUID
    ("people", "id[eq]:{ada}", {"ada"}),
    ("people", "id[in]:[{ada},{grace}]", {"ada", "grace"}),
    ("people", "id[in]:[{ada},{ghost}]", {"ada"}),  # soft-deleted stays out
    ("people", "id[neq]:{ada}", {"alan", "grace", "conan", "quote", "edsger"}),
    ("people", "id[eq]:{ada_upper}", {"ada"}),  # UUIDs compare case-insensitively
]


@pytest.mark.parametrize(("plural", "flt", "expected"), FIELD_CASES, ids=[c[1] for c in FIELD_CASES])
def test_field_kinds(api: Api, seed: dict[str, str], plural: str, flt: str, expected: set[str]) -> None:
    _check(api, {**seed, "ada_upper": seed["ada"].upper()}, plural, flt, expected)


# ---- conjunctions -----------------------------------------------------------------------------

LOGIC_CASES = [
    ("city[eq]:London,jobTitle[eq]:Engineer", {"ada"}),  # implicit top-level and
    ("city[is]:NOT_NULL,companyId[is]:NOT_NULL,jobTitle[is]:NOT_NULL", {"ada", "edsger"}),
    ("and(city[eq]:London,jobTitle[eq]:Host)", set()),
    ("or(city[eq]:London,jobTitle[eq]:Host)", {"ada", "conan"}),
    ("not(companyId[is]:NULL)", {"ada", "alan", "grace", "edsger"}),
    ("not(not(companyId[is]:NULL))", {"conan", "quote"}),
    (
        "or(and(city[eq]:London,not(jobTitle[eq]:Host)),and(companyId[is]:NULL,or(jobTitle[eq]:Host,name.firstName[eq]:Quote)))",
        {"ada", "conan", "quote"},
    ),
    (
        'not(or(city[is]:NULL,and(city[ilike]:"paris%",companyId[is]:NOT_NULL)))',
        {"ada", "conan", "edsger"},
    ),
    (
        "and(or(companyId[eq]:{acme},companyId[eq]:{globex}),not(and(city[eq]:paris,name.firstName[eq]:Grace)))",
        {"ada", "alan"},
    ),
    (
        "jobTitle[is]:NOT_NULL,or(and(jobTitle[ilike]:%engineer%,not(companyId[is]:NULL)),city[startsWith]:Paris)",
        {"ada", "conan", "edsger"},
    ),
    ("or(id[eq]:{ada},id[eq]:{alan},id[eq]:{grace})", {"ada", "alan", "grace"}),
]


@pytest.mark.parametrize(("flt", "expected"), LOGIC_CASES, ids=[c[0] for c in LOGIC_CASES])
def test_conjunctions(api: Api, seed: dict[str, str], flt: str, expected: set[str]) -> None:
    _check(api, seed, "people", flt, expected)


# ---- quoting (DECISIONS.md §3) ------------------------------------------------------------------

QUOTING_CASES = [
    ('name.lastName[eq]:"Smith, Jr."', {"grace"}),
    ('name.lastName[in]:["O\'Brien","Smith, Jr."]', {"grace", "conan"}),
    ('city[eq]:"Paris (FR)"', {"alan"}),
    ('city[eq]:"Paris: Left Bank"', {"conan"}),
    ("city[eq]:Paris: Left Bank", {"conan"}),  # a raw value runs to the end, colons included
    ("name.lastName[eq]:O'Brien", {"conan"}),
    ("name.lastName[eq]:'O'Brien'", {"conan"}),  # Twenty: outer quotes stripped
    ('name.lastName[eq]:"O\'Brien",companyId[is]:NULL', {"conan"}),
    ('name.lastName[eq]:"Say \\"hi\\" \\\\ bye"', {"quote"}),
    ('or(city[eq]:"Paris (FR)",name.lastName[eq]:"Smith, Jr.")', {"alan", "grace"}),
    ('and(name.lastName[in]:["O\'Brien","Smith, Jr."],city[eq]:"Paris: Left Bank")', {"conan"}),
    ('not(or(city[eq]:"Paris (FR)",city[eq]:"Paris: Left Bank",city[is]:NULL))', {"ada", "grace", "edsger"}),
    ('city[in]:["Paris (FR)","Paris: Left Bank","London"]', {"ada", "alan", "conan"}),
]


@pytest.mark.parametrize(("flt", "expected"), QUOTING_CASES, ids=[c[0] for c in QUOTING_CASES])
def test_quoting(api: Api, seed: dict[str, str], flt: str, expected: set[str]) -> None:
    assert _ids(api, "people", flt, seed) == expected, flt


# ---- null-equivalence of empty text -------------------------------------------------------------


def test_empty_text_is_null_equivalent(api: Api, seed: dict[str, str]) -> None:
    # alan's jobTitle was set to "", grace's never set
    _check(api, seed, "people", 'jobTitle[eq]:""', {"alan", "grace"})
    _check(api, seed, "people", "jobTitle[is]:NULL", {"alan", "grace"})
    _check(api, seed, "people", 'jobTitle[neq]:""', {"ada", "conan", "quote", "edsger"})
    _check(api, seed, "people", "or(jobTitle[eq]:'',city[eq]:London)", {"ada", "alan", "grace"})


# ---- soft-deleted records (REST.md §8) ------------------------------------------------------------


def test_soft_deleted_excluded_by_default(api: Api, seed: dict[str, str]) -> None:
    r = api.get("/rest/people", params={"limit": 100})
    assert r.status_code == 200, r.text
    body = r.json()
    assert {p["id"] for p in body["data"]["people"]} == {seed[k] for k in LIVE_PEOPLE}
    assert body["totalCount"] == len(LIVE_PEOPLE)
    _check(api, seed, "people", "city[eq]:London", {"ada"})
    _check(api, seed, "people", "id[eq]:{ghost}", set())
    _check(api, seed, "people", "companyId[eq]:{acme}", {"ada", "alan"})


DELETED_CASES = [
    ("deletedAt[is]:NOT_NULL", {"ghost"}),
    ("deletedAt[is]:NULL", LIVE_PEOPLE),
    ("or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)", LIVE_PEOPLE | {"ghost"}),
    ("city[eq]:London,deletedAt[is]:NOT_NULL", {"ghost"}),
    ("and(city[eq]:London,or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL))", {"ada", "ghost"}),
    ("or(id[eq]:{ada},and(jobTitle[eq]:Engineer,not(deletedAt[is]:NULL)))", {"ada", "ghost"}),
    ("deletedAt[gte]:2000-01-01", {"ghost"}),
    ("deletedAt[lt]:2000-01-01", set()),
]


@pytest.mark.parametrize(("flt", "expected"), DELETED_CASES, ids=[c[0] for c in DELETED_CASES])
def test_filter_mentioning_deleted_at(api: Api, seed: dict[str, str], flt: str, expected: set[str]) -> None:
    _check(api, seed, "people", flt, expected)  # _ids also checks totalCount == number returned


def test_total_count_follows_deleted_rule_across_pages(api: Api, seed: dict[str, str]) -> None:
    flt = "or(deletedAt[is]:NULL,deletedAt[is]:NOT_NULL)"
    body = _find(api, "people", flt, limit=2)
    assert len(body["data"]["people"]) == 2
    assert body["totalCount"] == len(LIVE_PEOPLE) + 1
    assert body["pageInfo"]["hasNextPage"] is True
    body = _find(api, "people", "city[eq]:London", limit=1)
    assert body["totalCount"] == 1
    assert body["pageInfo"]["hasNextPage"] is False


# ---- bad filters ------------------------------------------------------------------------------------

BAD_VALUE_CASES = [
    ("companies", "employees[gt]:abc", "employees"),
    ("companies", "employees[eq]:1.5.2", "employees"),
    ("people", "id[eq]:not-a-uuid", "id"),
    ("people", "id[in]:[not-a-uuid]", "id"),
    ("people", "companyId[eq]:acme", "companyId"),
    ("people", "createdAt[gte]:yesterday", "createdAt"),
    ("opportunities", "closeDate[eq]:2024-13-45", "closeDate"),
    ("companies", "idealCustomerProfile[eq]:maybe", "idealCustomerProfile"),
    ("opportunities", "stage[eq]:WON", "stage"),
    ("opportunities", "stage[in]:[NEW,WON]", "stage"),
    ("workflows", "statuses[containsAny]:[NOPE]", "statuses"),
    ("opportunities", "amount.amountMicros[gt]:lots", "amount.amountMicros"),
]


@pytest.mark.parametrize(("plural", "flt", "field"), BAD_VALUE_CASES, ids=[c[1] for c in BAD_VALUE_CASES])
def test_bad_value(api: Api, seed: dict[str, str], plural: str, flt: str, field: str) -> None:
    body = assert_error(api.get(f"/rest/{plural}", params={"filter": flt}), 400, "INVALID_FILTER")
    assert body["error"]["details"]["field"] == field


BAD_FIELD_CASES = [
    ("people", "unknownField[eq]:x", "unknownField"),
    ("people", "company[eq]:x", "company"),  # the relation name instead of companyId
    ("people", "name[eq]:x", "name"),  # composite without a sub-field
    ("people", "name.middleName[eq]:x", "name"),
    ("people", "city.sub[eq]:x", "city"),
    ("people", "searchVector[eq]:x", "searchVector"),
    ("people", "or(city[eq]:x,nope[is]:NULL)", "nope"),
    ("companies", "people[is]:NULL", "people"),  # one-to-many relation
]


@pytest.mark.parametrize(("plural", "flt", "field"), BAD_FIELD_CASES, ids=[c[1] for c in BAD_FIELD_CASES])
def test_bad_field(api: Api, seed: dict[str, str], plural: str, flt: str, field: str) -> None:
    body = assert_error(api.get(f"/rest/{plural}", params={"filter": flt}), 400, "INVALID_FILTER")
    assert body["error"]["details"]["field"] == field


BAD_USE_CASES = [
    ("people", "city[foo]:x"),  # unknown comparator
    ("people", "city[EQ]:x"),  # comparators are case-sensitive
    ("people", "city[containsAny]:[x]"),  # containsAny on a text field
    ("workflows", "statuses[eq]:DRAFT"),  # a list field takes containsAny / is
    ("companies", "employees[like]:1%"),  # like on a number
    ("companies", "idealCustomerProfile[startsWith]:t"),
    ("people", "city[is]:maybe"),
    ("people", "city[in]:London"),  # in needs a list
    ("people", "city[in]:[]"),
]


@pytest.mark.parametrize(("plural", "flt"), BAD_USE_CASES, ids=[c[1] for c in BAD_USE_CASES])
def test_bad_comparator_use(api: Api, seed: dict[str, str], plural: str, flt: str) -> None:
    assert_error(api.get(f"/rest/{plural}", params={"filter": flt}), 400, "INVALID_FILTER")


MALFORMED_CASES = [
    "city[eq:London",
    "cityeq]:London",
    "city[eq]London",
    "[eq]:London",
    "and(city[eq]:London",
    "city[eq]:London)",
    "and(city[eq]:London))",
    "or()",
    "and(city[eq]:a,,city[eq]:b)",
    "city[eq]:a,",
    "xor(city[eq]:a,city[eq]:b)",
    "AND(city[eq]:a,city[eq]:b)",
    "not(city[eq]:a,city[eq]:b)",
    'city[eq]:"unterminated',
    'city[eq]:"closed"trailing',
    'city[in]:["a","b"',
]


@pytest.mark.parametrize("flt", MALFORMED_CASES)
def test_malformed_filter_reports_position(api: Api, seed: dict[str, str], flt: str) -> None:
    body = assert_error(api.get("/rest/people", params={"filter": flt}), 400, "INVALID_FILTER")
    position = body["error"]["details"]["position"]
    assert isinstance(position, int) and 0 <= position <= len(flt), body


def test_unknown_comparator_details(api: Api, seed: dict[str, str]) -> None:
    body = assert_error(api.get("/rest/people", params={"filter": "city[foo]:x"}), 400, "INVALID_FILTER")
    details = body["error"]["details"]
    assert isinstance(details["position"], int) and 4 <= details["position"] <= 9, details
    assert "foo" in body["error"]["message"]


def test_bad_filter_on_every_filtering_route_writes_nothing(api: Api, seed: dict[str, str]) -> None:
    flt = "employees[gt]:abc"
    assert_error(
        api.patch("/rest/companies", params={"filter": flt}, json={"employees": 1}), 400, "INVALID_FILTER"
    )
    assert_error(api.delete("/rest/companies", params={"filter": flt}), 400, "INVALID_FILTER")
    _check(api, seed, "companies", "employees[eq]:1", set())
    assert _ids(api, "companies", "employees[is]:NOT_NULL", seed) == {"acme", "globex", "umbrella"}


# ---- URL encoding ---------------------------------------------------------------------------------


def _raw_ids(api: Api, url: str) -> set[str]:
    r = api.get(url)
    assert r.status_code == 200, r.text
    return {p["id"] for p in r.json()["data"]["people"]}


def test_pre_encoded_query_string(api: Api, seed: dict[str, str]) -> None:
    # city[eq]:"Paris (FR)"
    assert _raw_ids(api, "/rest/people?filter=city%5Beq%5D%3A%22Paris%20%28FR%29%22") == {seed["alan"]}
    # or(name.lastName[eq]:"O'Brien",name.lastName[eq]:"Smith, Jr."), with limit
    url = (
        "/rest/people?limit=50&filter=or%28name.lastName%5Beq%5D%3A%22O%27Brien%22%2C"
        "name.lastName%5Beq%5D%3A%22Smith%2C%20Jr.%22%29"
    )
    assert _raw_ids(api, url) == {seed["conan"], seed["grace"]}
    # a literal '+' must be sent as %2B; an unencoded '+' is a space
    url = "/rest/people?filter=emails.primaryEmail%5Beq%5D%3Aedsger%2Btest%40tudelft.nl"
    assert _raw_ids(api, url) == {seed["edsger"]}
    assert _raw_ids(api, "/rest/people?filter=city%5Beq%5D%3AParis+%28FR%29") == {seed["alan"]}


def test_pre_encoded_list_value(api: Api, seed: dict[str, str]) -> None:
    # name.lastName[in]:["O'Brien","Smith, Jr."]
    url = "/rest/people?limit=50&filter=name.lastName%5Bin%5D%3A%5B%22O%27Brien%22%2C%22Smith%2C%20Jr.%22%5D"
    assert _raw_ids(api, url) == {seed["conan"], seed["grace"]}


def test_params_encoding_roundtrip(api: Api, seed: dict[str, str]) -> None:
    flt = 'and(name.lastName[in]:["O\'Brien","Smith, Jr."],or(city[eq]:"Paris: Left Bank",city[eq]:paris))'
    r = api.get("/rest/people", params={"filter": flt})
    assert r.status_code == 200, r.text
    assert "%5B" in str(r.request.url).upper()
    assert {p["id"] for p in r.json()["data"]["people"]} == {seed["conan"], seed["grace"]}


def test_filter_with_base64_looking_value(api: Api, seed: dict[str, str]) -> None:
    """A value with '=' and '/' (as in base64) passes through untouched."""
    value = base64.b64encode(b"\xff\xfe?>").decode()
    assert "/" in value or "+" in value or "=" in value
    r = api.post("/rest/people", json={"name": {"firstName": "B64", "lastName": "City"}, "city": value})
    assert r.status_code == 201, r.text
    person = r.json()["data"]["createPerson"]
    try:
        r = api.get("/rest/people", params={"filter": f'city[eq]:"{value}"'})
        assert r.status_code == 200, r.text
        found = r.json()["data"]["people"]
        assert [(p["id"], p["city"]) for p in found] == [(person["id"], value)]
    finally:
        assert api.delete(f"/rest/people/{person['id']}").status_code == 200
