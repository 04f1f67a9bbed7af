"""Every filter operator of /graphql per field type (GRAPHQL.md §7, §0, DECISIONS.md §4), as a
table: one custom object (``specimen``) with a field of each type, four records written once for
the module, and per row a filter and the exact set of records it must match. In process, both
databases. The records' values are chosen so that each operator separates them; a last test checks
against the schema that the table uses every operator of every field's filter type.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import ListValueNode, ObjectValueNode, parse_value

from conftest import Api
from graphql_client import gql


def options(*values: str) -> list[dict[str, Any]]:
    return [{"value": v, "label": v.title(), "position": i, "color": "gray"} for i, v in enumerate(values)]


FIELDS: list[dict[str, Any]] = [
    {"type": "TEXT", "name": "note", "label": "Note"},
    {"type": "NUMBER", "name": "weight", "label": "Weight"},
    {"type": "NUMBER", "name": "pieces", "label": "Pieces", "settings": {"dataType": "int"}},
    {"type": "NUMERIC", "name": "ratio", "label": "Ratio"},
    {"type": "BOOLEAN", "name": "fragile", "label": "Fragile"},
    {"type": "DATE", "name": "day", "label": "Day"},
    {"type": "DATE_TIME", "name": "seenAt", "label": "Seen at"},
    {"type": "SELECT", "name": "size", "label": "Size", "options": options("SMALL", "MEDIUM", "LARGE")},
    {"type": "MULTI_SELECT", "name": "colors", "label": "Colors", "options": options("RED", "GREEN", "BLUE")},
    {"type": "RATING", "name": "stars", "label": "Stars"},
    {"type": "UUID", "name": "ref", "label": "Ref"},
    {"type": "CURRENCY", "name": "price", "label": "Price"},
    {"type": "FULL_NAME", "name": "owner", "label": "Owner"},
    {"type": "LINKS", "name": "site", "label": "Site"},
    {"type": "EMAILS", "name": "mail", "label": "Mail"},
    {"type": "PHONES", "name": "phone", "label": "Phone"},
    {"type": "ADDRESS", "name": "place", "label": "Place"},
    {"type": "RAW_JSON", "name": "blob", "label": "Blob"},
    {"type": "ARRAY", "name": "labels", "label": "Labels"},
    {"type": "RICH_TEXT_V2", "name": "body", "label": "Body"},
]


def rest(api: Api, method: str, path: str, body: Any = None) -> Any:
    r = api.request(method, path, json=body)
    assert r.status_code in (200, 201), r.text
    return r.json()["data"]


U = ["0a000000-0000-4000-8000-000000000001", "0a000000-0000-4000-8000-000000000002",
     "0a000000-0000-4000-8000-000000000003"]

RECORDS: list[dict[str, Any]] = [
    {
        "name": "alpha", "note": "apple pie", "weight": 1.5, "pieces": 10, "ratio": 0.25, "fragile": True,
        "day": "2024-01-15", "seenAt": "2024-01-15T10:00:00.123Z", "size": "SMALL", "colors": ["RED", "GREEN"],
        "stars": "RATING_1", "ref": U[0], "price": {"amountMicros": 1500000, "currencyCode": "EUR"},
        "owner": {"firstName": "ann", "lastName": "lee"},
        "site": {"primaryLinkUrl": "https://alpha.example.com", "primaryLinkLabel": "Alpha",
                 "secondaryLinks": [{"url": "https://docs.alpha.example.com", "label": "docs"}]},
        "mail": {"primaryEmail": "ann@alpha.example.com", "additionalEmails": ["ann.lee@mail.example.com"]},
        "phone": {"primaryPhoneNumber": "612345678", "primaryPhoneCountryCode": "FR", "primaryPhoneCallingCode": "+33",
                  "additionalPhones": [{"number": "700000001", "countryCode": "GB", "callingCode": "+44"}]},
        "place": {"addressStreet1": "1 rue de Rivoli", "addressCity": "Paris", "addressPostcode": "75001",
                  "addressCountry": "France", "addressLat": 48.8566, "addressLng": 2.3522},
        "blob": {"kind": "a", "n": [1, 2], "deep": {"x": True}}, "labels": ["Alpha", "beta"],
        "body": {"markdown": "hello **world**"}, "position": 1,
    },
    {
        "name": "bravo", "note": "banana split", "weight": -2, "pieces": 20, "ratio": 1.5, "fragile": False,
        "day": "2024-02-29", "seenAt": "2024-03-01T00:00:00.000Z", "size": "MEDIUM", "colors": ["GREEN"],
        "stars": "RATING_3", "ref": U[1], "price": {"amountMicros": 2500000, "currencyCode": "USD"},
        "owner": {"firstName": "bob", "lastName": "lee"}, "site": {"primaryLinkUrl": "https://bravo.example.com"},
        "mail": {"primaryEmail": "bob@bravo.example.com"},
        "phone": {"primaryPhoneNumber": "700000000", "primaryPhoneCountryCode": "GB", "primaryPhoneCallingCode": "+44"},
        "place": {"addressCity": "London", "addressCountry": "United Kingdom", "addressLat": 51.5074,
                  "addressLng": -0.1278},
        "blob": {"kind": "b", "n": [3]}, "labels": ["gamma"], "body": {"markdown": "goodbye"}, "position": 2,
        "createdBy": {"source": "IMPORT"},
    },
    {
        "name": "charlie", "note": "cherry tart", "weight": 0, "pieces": 30, "ratio": 1.5, "fragile": True,
        "day": "2025-12-31", "seenAt": "2025-12-31T23:59:59.999Z", "size": "LARGE", "colors": [],
        "stars": "RATING_5", "ref": U[2], "price": {"amountMicros": 0, "currencyCode": "EUR"},
        "owner": {"firstName": "cy"}, "place": {"addressCity": "Paris"}, "blob": ["kind", 1], "labels": [],
        "position": 3,
    },
    {"name": "delta", "note": "", "position": 4},
]


@pytest.fixture(scope="module")
def specimens(api: Api) -> dict[str, Any]:
    """The object, its four records (ids in RECORDS' order) and the companies of the first two."""
    made = rest(api, "POST", "/rest/metadata/objects", {
        "nameSingular": "specimen", "namePlural": "specimens", "labelSingular": "Specimen", "labelPlural": "Specimens"})
    object_id = made["createOneObject"]["id"]
    company_object = next(o["id"] for o in rest(api, "GET", "/rest/metadata/objects")["objects"]
                          if o["nameSingular"] == "company")
    for body in [*FIELDS, {"type": "RELATION", "name": "company", "label": "Company", "relationCreationPayload": {
            "type": "MANY_TO_ONE", "targetObjectMetadataId": company_object, "targetFieldLabel": "Specimens"}}]:
        rest(api, "POST", "/rest/metadata/fields", {"objectMetadataId": object_id, **body})
    companies = [c["id"] for c in rest(api, "POST", "/rest/batch/companies", [
        {"name": "Acme specimens"}, {"name": "Globex specimens"}])["createCompanies"]]
    # ids of our choosing, in RECORDS' order, so that id comparisons have known answers
    bodies = [{"id": f"0b000000-0000-4000-8000-00000000000{i}", **r} for i, r in enumerate(RECORDS)]
    bodies[0]["companyId"], bodies[1]["companyId"] = companies
    ids = [r["id"] for r in rest(api, "POST", "/rest/batch/specimens", bodies)["createSpecimens"]]
    return {"ids": ids, "companies": companies}


# field type → (filter, indices of RECORDS it matches); <R0>…, <C0>… stand for the records' and
# companies' ids
CASES: dict[str, list[tuple[str, list[int]]]] = {
    "text": [  # TEXT: StringFilter, and the empty string meaning NULL
        ('note: {eq: "banana split"}', [1]),
        ('note: {neq: "banana split"}', [0, 2]),
        ('note: {gt: "banana split"}', [2]),
        ('note: {gte: "banana split"}', [1, 2]),
        ('note: {lt: "banana split"}', [0]),
        ('note: {lte: "banana split"}', [0, 1]),
        ('note: {in: ["apple pie", "cherry tart"]}', [0, 2]),
        ('note: {startsWith: "ba"}', [1]),
        ('note: {startsWith: "b_n"}', []),  # not a pattern
        ('note: {endsWith: "tart"}', [2]),
        ('note: {endsWith: "%"}', []),
        ('note: {like: "%an%"}', [1]),
        ('note: {like: "%AN%"}', []),  # like is case-sensitive
        ('note: {ilike: "%AN%"}', [1]),
        ('note: {ilike: "%p%"}', [0, 1]),
        ('note: {regex: "^[ab]"}', [0, 1]),
        ('note: {iregex: "PIE$"}', [0]),
        ("note: {is: NULL}", [3]),
        ("note: {is: NOT_NULL}", [0, 1, 2]),
        ('note: {eq: ""}', [3]),
        ('note: {neq: ""}', [0, 1, 2]),
    ],
    "number": [  # NUMBER (float): FloatFilter
        ("weight: {eq: 1.5}", [0]),
        ("weight: {eq: -2}", [1]),
        ("weight: {neq: 0}", [0, 1]),
        ("weight: {gt: 0}", [0]),
        ("weight: {gte: 0}", [0, 2]),
        ("weight: {lt: 0}", [1]),
        ("weight: {lte: 1.5}", [0, 1, 2]),
        ("weight: {in: [-2, 0]}", [1, 2]),
        ("weight: {is: NULL}", [3]),
        ("weight: {is: NOT_NULL}", [0, 1, 2]),
        ("weight: {gte: -2, lt: 1}", [1, 2]),  # several operators of one field are ANDed
    ],
    "number_int": [  # NUMBER (int): IntFilter
        ("pieces: {eq: 20}", [1]),
        ("pieces: {neq: 10}", [1, 2]),
        ("pieces: {gt: 10}", [1, 2]),
        ("pieces: {lte: 20}", [0, 1]),
        ("pieces: {in: [10, 30]}", [0, 2]),
        ("pieces: {gte: 20}", [1, 2]),
        ("pieces: {lt: 20}", [0]),
        ("pieces: {is: NULL}", [3]),
    ],
    "numeric": [  # NUMERIC: BigFloatFilter (a number or its text)
        ("ratio: {eq: 1.5}", [1, 2]),
        ('ratio: {eq: "1.50"}', [1, 2]),
        ("ratio: {neq: 1.5}", [0]),
        ("ratio: {gt: 0.25}", [1, 2]),
        ("ratio: {gte: 0.25}", [0, 1, 2]),
        ("ratio: {lt: 1.5}", [0]),
        ("ratio: {lte: 0.25}", [0]),
        ("ratio: {in: [0.25]}", [0]),
        ("ratio: {is: NULL}", [3]),
        ("ratio: {is: NOT_NULL}", [0, 1, 2]),
    ],
    "boolean": [  # BOOLEAN: BooleanFilter
        ("fragile: {eq: true}", [0, 2]),
        ("fragile: {eq: false}", [1]),
        ("fragile: {is: NULL}", [3]),
        ("fragile: {is: NOT_NULL}", [0, 1, 2]),
    ],
    "date": [  # DATE: DateFilter
        ('day: {eq: "2024-02-29"}', [1]),
        ('day: {neq: "2024-02-29"}', [0, 2]),
        ('day: {gt: "2024-01-15"}', [1, 2]),
        ('day: {gte: "2024-02-29"}', [1, 2]),
        ('day: {lt: "2024-02-29"}', [0]),
        ('day: {lte: "2024-02-29"}', [0, 1]),
        ('day: {in: ["2024-01-15", "2025-12-31"]}', [0, 2]),
        ("day: {is: NULL}", [3]),
        ("day: {is: NOT_NULL}", [0, 1, 2]),
    ],
    "date_time": [  # DATE_TIME: DateTimeFilter, to the millisecond
        ('seenAt: {eq: "2024-01-15T10:00:00.123Z"}', [0]),
        ('seenAt: {eq: "2024-01-15T11:00:00.123+01:00"}', [0]),
        ('seenAt: {eq: "2024-01-15T10:00:00.122Z"}', []),
        ('seenAt: {neq: "2024-03-01T00:00:00.000Z"}', [0, 2]),
        ('seenAt: {gt: "2024-03-01T00:00:00.000Z"}', [2]),
        ('seenAt: {gt: "2025-12-31T23:59:59.998Z"}', [2]),
        ('seenAt: {gte: "2024-03-01T00:00:00.000Z"}', [1, 2]),
        ('seenAt: {lt: "2024-03-01T00:00:00.000Z"}', [0]),
        ('seenAt: {lte: "2024-03-01T00:00:00.000Z"}', [0, 1]),
        ('seenAt: {lte: "2024-01-15T10:00:00.123Z"}', [0]),
        ('seenAt: {in: ["2024-03-01T00:00:00.000Z", "2025-12-31T23:59:59.999Z"]}', [1, 2]),
        ("seenAt: {is: NULL}", [3]),
    ],
    "select": [  # SELECT: the enum's filter, ranges by option position (SMALL < MEDIUM < LARGE)
        ("size: {eq: MEDIUM}", [1]),
        ("size: {neq: MEDIUM}", [0, 2]),
        ("size: {in: [SMALL, LARGE]}", [0, 2]),
        ("size: {is: NULL}", [3]),
        ("size: {is: NOT_NULL}", [0, 1, 2]),
        ("size: {gt: SMALL}", [1, 2]),
        ("size: {gte: MEDIUM}", [1, 2]),
        ("size: {lt: LARGE}", [0, 1]),
        ("size: {lte: SMALL}", [0]),
    ],
    "multi_select": [  # MULTI_SELECT
        ("colors: {containsAny: [RED, BLUE]}", [0]),
        ("colors: {containsAny: [GREEN]}", [0, 1]),
        ("colors: {containsExactly: [GREEN, RED]}", [0]),
        ("colors: {containsExactly: [GREEN]}", [1]),
        ("colors: {isEmptyArray: true}", [2, 3]),
        ("colors: {isEmptyArray: false}", [0, 1]),
        ("colors: {is: NULL}", [2, 3]),
        ("colors: {is: NOT_NULL}", [0, 1]),
    ],
    "rating": [  # RATING: ranges by option position
        ("stars: {eq: RATING_3}", [1]),
        ("stars: {neq: RATING_3}", [0, 2]),
        ("stars: {in: [RATING_1, RATING_5]}", [0, 2]),
        ("stars: {gt: RATING_1}", [1, 2]),
        ("stars: {gte: RATING_3}", [1, 2]),
        ("stars: {lt: RATING_3}", [0]),
        ("stars: {lte: RATING_4}", [0, 1]),
        ("stars: {is: NULL}", [3]),
    ],
    "uuid": [  # UUID: UUIDFilter (any spelling of the UUID)
        ('ref: {eq: "0A000000-0000-4000-8000-000000000002"}', [1]),
        ('ref: {neq: "0a000000-0000-4000-8000-000000000002"}', [0, 2]),
        ('ref: {in: ["0a000000-0000-4000-8000-000000000001", "0a000000-0000-4000-8000-000000000003"]}', [0, 2]),
        ('ref: {gt: "0a000000-0000-4000-8000-000000000001"}', [1, 2]),
        ('ref: {lte: "0a000000-0000-4000-8000-000000000002"}', [0, 1]),
        ('ref: {gte: "0a000000-0000-4000-8000-000000000002"}', [1, 2]),
        ('ref: {lt: "0a000000-0000-4000-8000-000000000002"}', [0]),
        ("ref: {is: NULL}", [3]),
    ],
    "currency": [  # CURRENCY: CurrencyFilterInput, sub-fields ANDed
        ("price: {amountMicros: {eq: 0}}", [2]),
        ("price: {amountMicros: {gt: 1000000}}", [0, 1]),
        ("price: {amountMicros: {lte: 1500000}}", [0, 2]),
        ("price: {amountMicros: {in: [0, 2500000]}}", [1, 2]),
        ("price: {amountMicros: {is: NULL}}", [3]),
        ('price: {currencyCode: {eq: "EUR"}}', [0, 2]),
        ('price: {currencyCode: {neq: "EUR"}}', [1]),
        ('price: {currencyCode: {in: ["USD", "GBP"]}}', [1]),
        ('price: {amountMicros: {gt: 0}, currencyCode: {eq: "EUR"}}', [0]),
    ],
    "full_name": [  # FULL_NAME
        ('owner: {firstName: {eq: "bob"}}', [1]),
        ('owner: {lastName: {eq: "lee"}}', [0, 1]),
        ('owner: {firstName: {in: ["ann", "cy"]}}', [0, 2]),
        ("owner: {lastName: {is: NULL}}", [2, 3]),
        ('owner: {firstName: {ilike: "%N%"}}', [0]),
        ('owner: {firstName: {neq: "ann"}, lastName: {eq: "lee"}}', [1]),
    ],
    "links": [  # LINKS (secondaryLinks is JSON)
        ('site: {primaryLinkUrl: {eq: "https://alpha.example.com"}}', [0]),
        ('site: {primaryLinkUrl: {ilike: "%BRAVO%"}}', [1]),
        ("site: {primaryLinkUrl: {is: NULL}}", [2, 3]),
        ('site: {primaryLinkLabel: {eq: "Alpha"}}', [0]),
        ("site: {primaryLinkLabel: {is: NULL}}", [1, 2, 3]),
        ('site: {secondaryLinks: {like: "%docs%"}}', [0]),
        ('site: {secondaryLinks: {containsJsonb: [{label: "docs"}]}}', [0]),
        ("site: {secondaryLinks: {is: NULL}}", [1, 2, 3]),
    ],
    "emails": [  # EMAILS (additionalEmails is JSON)
        ('mail: {primaryEmail: {eq: "ann@alpha.example.com"}}', [0]),
        ('mail: {primaryEmail: {endsWith: "@bravo.example.com"}}', [1]),
        ("mail: {primaryEmail: {is: NOT_NULL}}", [0, 1]),
        ('mail: {additionalEmails: {like: "%ann.lee%"}}', [0]),
        ('mail: {additionalEmails: {containsJsonb: ["ann.lee@mail.example.com"]}}', [0]),
        ("mail: {additionalEmails: {is: NULL}}", [1, 2, 3]),
    ],
    "phones": [  # PHONES (additionalPhones is JSON)
        ('phone: {primaryPhoneNumber: {eq: "612345678"}}', [0]),
        ('phone: {primaryPhoneCountryCode: {eq: "GB"}}', [1]),
        ('phone: {primaryPhoneCallingCode: {in: ["+33", "+44"]}}', [0, 1]),
        ("phone: {primaryPhoneNumber: {is: NULL}}", [2, 3]),
        ('phone: {additionalPhones: {like: "%700000001%"}}', [0]),
        ('phone: {additionalPhones: {containsJsonb: [{countryCode: "GB"}]}}', [0]),
    ],
    "address": [  # ADDRESS (latitude and longitude are BigFloat)
        ('place: {addressCity: {eq: "Paris"}}', [0, 2]),
        ('place: {addressCity: {neq: "Paris"}}', [1]),
        ('place: {addressCity: {in: ["London"]}}', [1]),
        ('place: {addressCountry: {ilike: "united%"}}', [1]),
        ('place: {addressStreet1: {startsWith: "1 "}}', [0]),
        ("place: {addressPostcode: {is: NULL}}", [1, 2, 3]),
        ("place: {addressStreet2: {is: NOT_NULL}}", []),
        ("place: {addressState: {is: NULL}}", [0, 1, 2, 3]),
        ("place: {addressLat: {gt: 50}}", [1]),
        ("place: {addressLng: {lt: 0}}", [1]),
        ("place: {addressLat: {is: NULL}}", [2, 3]),
    ],
    "raw_json": [  # RAW_JSON: RawJsonFilter
        ("blob: {is: NULL}", [3]),
        ("blob: {is: NOT_NULL}", [0, 1, 2]),
        ('blob: {like: "%kind%"}', [0, 1, 2]),
        ('blob: {containsJsonb: {kind: "a"}}', [0]),
        ("blob: {containsJsonb: {n: [2], deep: {x: true}}}", [0]),
        ("blob: {containsJsonb: {deep: {x: 1}}}", []),
        ('blob: {containsJsonb: "kind"}', [2]),  # a top-level array contains a primitive, as in jsonb
        ("blob: {containsJsonb: {}}", [0, 1]),
    ],
    "array": [  # ARRAY: ArrayFilter
        ('labels: {containsAny: ["gamma", "zeta"]}', [1]),
        ('labels: {containsIlike: "%ALP%"}', [0]),
        ('labels: {containsIlike: ["%amm%", "%eta"]}', [0, 1]),
        ('labels: {contains: ["beta", "Alpha"]}', [0]),
        ('labels: {contains: ["beta", "gamma"]}', []),
        ('labels: {not_contains: ["gamma"]}', [0, 2, 3]),
        ("labels: {isEmptyArray: true}", [2, 3]),
        ("labels: {isEmptyArray: false}", [0, 1]),
        ("labels: {is: NULL}", [2, 3]),
        ("labels: {is: NOT_NULL}", [0, 1]),
    ],
    "rich_text": [  # RICH_TEXT_V2
        ('body: {markdown: {ilike: "%WORLD%"}}', [0]),
        ("body: {markdown: {is: NULL}}", [2, 3]),
        ("body: {blocknote: {is: NULL}}", [0, 1, 2, 3]),
    ],
    "position": [  # POSITION: FloatFilter
        ("position: {eq: 2}", [1]),
        ("position: {neq: 1}", [1, 2, 3]),
        ("position: {gt: 2}", [2, 3]),
        ("position: {gte: 2}", [1, 2, 3]),
        ("position: {lt: 2}", [0]),
        ("position: {lte: 2}", [0, 1]),
        ("position: {in: [1, 4]}", [0, 3]),
        ("position: {is: NOT_NULL}", [0, 1, 2, 3]),
    ],
    "actor": [  # ACTOR (source is a SelectFilter)
        ('createdBy: {source: {eq: "API"}}', [0, 2, 3]),
        ('createdBy: {source: {neq: "API"}}', [1]),
        ('createdBy: {source: {in: ["IMPORT", "MANUAL"]}}', [1]),
        ('createdBy: {name: {eq: "Default key"}}', [0, 1, 2, 3]),
        ("createdBy: {source: {is: NOT_NULL}}", [0, 1, 2, 3]),
        ("createdBy: {workspaceMemberId: {is: NULL}}", [0, 1, 2, 3]),
        ("createdBy: {context: {is: NULL}}", []),
    ],
    "system_and_relation": [  # id, dates of every record, the relation's join column and the related record
        ("id: {in: [\"<R0>\", \"<R2>\"]}", [0, 2]),
        ('id: {neq: "<R0>"}', [1, 2, 3]),
        ('id: {eq: "<R3>"}', [3]),
    ('id: {gt: "<R1>"}', [2, 3]),
    ('id: {gte: "<R1>"}', [1, 2, 3]),
    ('id: {lt: "<R1>"}', [0]),
    ('id: {lte: "<R1>"}', [0, 1]),
    ("id: {is: NOT_NULL}", [0, 1, 2, 3]),
        ('createdAt: {lte: "2999-01-01T00:00:00.000Z"}', [0, 1, 2, 3]),
        ('createdAt: {gt: "2999-01-01T00:00:00.000Z"}', []),
        ("deletedAt: {is: NULL}", [0, 1, 2, 3]),
        ('companyId: {eq: "<C0>"}', [0]),
        ('companyId: {in: ["<C0>", "<C1>"]}', [0, 1]),
        ("companyId: {is: NULL}", [2, 3]),
        ('company: {name: {eq: "Globex specimens"}}', [1]),
        ('company: {name: {endsWith: " specimens"}}', [0, 1]),
    ],
    "boolean_operators": [  # and / or / not
        ("or: [{size: {eq: SMALL}}, {fragile: {eq: false}}]", [0, 1]),
        ("and: [{weight: {gte: 0}}, {pieces: {lte: 10}}]", [0]),
        ("and: [{or: [{size: {eq: LARGE}}, {stars: {eq: RATING_1}}]}, {fragile: {eq: true}}]", [0, 2]),
        ("not: {fragile: {eq: true}}", [1]),  # NOT of an unknown (NULL) comparison matches nothing, as SQL's NOT
        ("not: {or: [{size: {eq: SMALL}}, {companyId: {is: NULL}}]}", [1]),
    ],
}


MAX_ROOT_FIELDS = 20  # per document (DECISIONS.md §4)


def _filled(specimens: dict[str, Any], flt: str) -> str:
    for i, record_id in enumerate(specimens["ids"]):
        flt = flt.replace(f"<R{i}>", record_id)
    for i, company_id in enumerate(specimens["companies"]):
        flt = flt.replace(f"<C{i}>", company_id)
    return flt


@pytest.mark.parametrize("field_type", list(CASES))
def test_operators_of_each_field_type_match_exactly_their_records(
    api: Api, specimens: dict[str, Any], field_type: str
) -> None:
    """Each case is a root field of its own (an alias), up to 20 per document; every mismatch is
    reported."""
    cases = CASES[field_type]
    wrong = []
    for start in range(0, len(cases), MAX_ROOT_FIELDS):
        chunk = cases[start : start + MAX_ROOT_FIELDS]
        document = "{ " + " ".join(
            f"c{n}: specimens(filter: {{{_filled(specimens, flt)}}}) {{ totalCount edges {{ node {{ id }} }} }}"
            for n, (flt, _expected) in enumerate(chunk)
        ) + " }"
        data = gql(api, document)
        for n, (flt, expected) in enumerate(chunk):
            want = sorted(specimens["ids"][i] for i in expected)
            got = data[f"c{n}"]
            found = sorted(e["node"]["id"] for e in got["edges"])
            if found != want or got["totalCount"] != len(want):
                wrong.append((flt, [specimens["ids"].index(i) for i in found], expected, got["totalCount"]))
    assert wrong == [], "(filter, matched, expected, totalCount): " + repr(wrong)


def _used(node: ObjectValueNode, out: set[tuple[str, str]]) -> None:
    """(field, operator or sub-field) pairs a filter literal uses, through and / or / not."""
    for f in node.fields:
        key = f.name.value
        if key in ("and", "or"):
            assert isinstance(f.value, ListValueNode)
            for item in f.value.values:
                assert isinstance(item, ObjectValueNode)
                _used(item, out)
        elif key == "not":
            assert isinstance(f.value, ObjectValueNode)
            _used(f.value, out)
        else:
            assert isinstance(f.value, ObjectValueNode)
            out.update((key, op.name.value) for op in f.value.fields)


def test_the_table_uses_every_operator_of_every_field_type(api: Api, specimens: dict[str, Any]) -> None:
    """Scalar fields: each operator of their filter type; composite fields: each sub-field (whose
    filter types are the scalar ones); the relation and and / or / not: at least once."""
    used: set[tuple[str, str]] = set()
    for cases in CASES.values():
        for flt, _expected in cases:
            _used(parse_value("{" + flt + "}"), used)  # type: ignore[arg-type]
    data = gql(api, '{ __type(name: "SpecimenFilterInput") { inputFields { name type { name inputFields { name } } } } }')
    inputs = {f["name"]: f["type"] for f in data["__type"]["inputFields"]}
    checked = [f["name"] for f in FIELDS] + ["position", "createdBy", "id"]
    missing = {
        name: sorted({sub["name"] for sub in inputs[name]["inputFields"]} - {op for f, op in used if f == name})
        for name in checked
    }
    assert {k: v for k, v in missing.items() if v} == {}
    for name in ("company", "companyId", "createdAt", "deletedAt"):
        assert any(f == name for f, _op in used), name
    assert inputs["company"]["name"] == "CompanyFilterInput"
    assert {"and", "or", "not"} <= set(inputs)


def test_a_to_many_filter_matches_companies_with_some_such_specimen(api: Api, specimens: dict[str, Any]) -> None:
    acme, globex = specimens["companies"]
    cases = {
        "fragile: {eq: false}": [globex],
        "colors: {containsAny: [GREEN]}": sorted([acme, globex]),
        "size: {eq: LARGE}": [],  # the large one has no company
        'price: {currencyCode: {eq: "EUR"}}': [acme],
    }
    document = "{ " + " ".join(
        f'c{n}: companies(filter: {{name: {{endsWith: " specimens"}}, specimens: {{{flt}}}}}) {{ edges {{ node {{ id }} }} }}'
        for n, flt in enumerate(cases)
    ) + " }"
    data = gql(api, document)
    assert {flt: sorted(e["node"]["id"] for e in data[f"c{n}"]["edges"]) for n, flt in enumerate(cases)} == cases
