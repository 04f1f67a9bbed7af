"""Custom fields of every type: created through the metadata API, then written, read, filtered
and ordered through the record API.

DATA_MODEL.md §1 (field types, JSON values), §5.3 (custom fields: every type but TS_VECTOR and
POSITION), §6 (default value encoding); REST.md §4.1 (values on the wire), §5 (filters), §6
(ordering). Every test runs on SQLite and PostgreSQL.

One custom object (``gadget``) gets one field per type, with a default where the type has one.
A record created *before* the fields were added must show the defaults too.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SELECT_OPTIONS = [
    {"value": "A_ONE", "label": "One", "color": "green", "position": 0},
    {"value": "B_TWO", "label": "Two", "color": "blue", "position": 1},
    {"value": "C_THREE", "label": "Three", "color": "red", "position": 2},
]
MULTI_OPTIONS = [
    {"value": "X", "label": "Ex", "color": "sky", "position": 0},
    {"value": "Y", "label": "Why", "color": "pink", "position": 1},
    {"value": "Z", "label": "Zed", "color": "gray", "position": 2},
]

# field name → (type, extra create input)
FIELDS: dict[str, tuple[str, dict[str, Any]]] = {
    "uuidF": ("UUID", {}),
    "uuidGen": ("UUID", {"defaultValue": "uuid"}),
    "textF": ("TEXT", {"defaultValue": "'hello'"}),
    "phonesF": ("PHONES", {"defaultValue": {"primaryPhoneCountryCode": "'FR'", "primaryPhoneCallingCode": "'+33'"}}),
    "emailsF": ("EMAILS", {}),
    "dateTimeF": ("DATE_TIME", {"defaultValue": "'2024-01-02T03:04:05.000Z'"}),
    "dateTimeNow": ("DATE_TIME", {"defaultValue": "now"}),
    "dateF": ("DATE", {"defaultValue": "now"}),
    "boolF": ("BOOLEAN", {"defaultValue": True}),
    "numberF": ("NUMBER", {"defaultValue": 1.5}),
    "intF": ("NUMBER", {"defaultValue": 7, "settings": {"dataType": "int"}}),
    "bigF": ("NUMBER", {"settings": {"dataType": "bigint"}}),
    "numericF": ("NUMERIC", {"defaultValue": "'12.5'"}),
    "linksF": ("LINKS", {"defaultValue": {"primaryLinkUrl": "'https://twenty.com'", "primaryLinkLabel": "'Twenty'"}}),
    "currencyF": ("CURRENCY", {"defaultValue": {"amountMicros": "1000000", "currencyCode": "'USD'"}}),
    "fullNameF": ("FULL_NAME", {"defaultValue": {"firstName": "'John'", "lastName": "'Doe'"}}),
    "ratingF": ("RATING", {"defaultValue": "'RATING_3'"}),
    "selectF": ("SELECT", {"options": SELECT_OPTIONS, "defaultValue": "'A_ONE'"}),
    "multiF": ("MULTI_SELECT", {"options": MULTI_OPTIONS, "defaultValue": ["'X'", "'Z'"]}),
    "addressF": ("ADDRESS", {"defaultValue": {"addressCity": "'Paris'", "addressCountry": "'France'"}}),
    "jsonF": ("RAW_JSON", {"defaultValue": {"kind": "default", "n": 1}}),
    "richF": ("RICH_TEXT", {"defaultValue": "'plain rich'"}),
    "richV2F": ("RICH_TEXT_V2", {"defaultValue": {"blocknote": None, "markdown": "'# Hi'"}}),
    "actorF": ("ACTOR", {}),
    "arrayF": ("ARRAY", {"defaultValue": ["a", "b"]}),
    "filesF": ("FILES", {}),
}
NULL_PHONES = {
    "primaryPhoneNumber": None, "primaryPhoneCountryCode": None, "primaryPhoneCallingCode": None,
    "additionalPhones": None,
}
NULL_ADDRESS = {
    "addressStreet1": None, "addressStreet2": None, "addressCity": None, "addressPostcode": None,
    "addressState": None, "addressCountry": None, "addressLat": None, "addressLng": None,
}
# what a record gets from the defaults above (uuidGen, dateTimeNow and dateF are checked apart)
DEFAULTS: dict[str, Any] = {
    "uuidF": None,
    "textF": "hello",
    "phonesF": {**NULL_PHONES, "primaryPhoneCountryCode": "FR", "primaryPhoneCallingCode": "+33"},
    "emailsF": {"primaryEmail": None, "additionalEmails": None},
    "dateTimeF": "2024-01-02T03:04:05.000Z",
    "boolF": True,
    "numberF": 1.5,
    "intF": 7,
    "bigF": None,
    "numericF": 12.5,
    "linksF": {"primaryLinkUrl": "https://twenty.com", "primaryLinkLabel": "Twenty", "secondaryLinks": None},
    "currencyF": {"amountMicros": 1000000, "currencyCode": "USD"},
    "fullNameF": {"firstName": "John", "lastName": "Doe"},
    "ratingF": "RATING_3",
    "selectF": "A_ONE",
    "multiF": ["X", "Z"],
    "addressF": {**NULL_ADDRESS, "addressCity": "Paris", "addressCountry": "France"},
    "jsonF": {"kind": "default", "n": 1},
    "richF": "plain rich",
    "richV2F": {"blocknote": None, "markdown": "# Hi"},
    "arrayF": ["a", "b"],
    "filesF": None,
}
FILE_ID = "0f4c8a7e-1b2d-4e5f-8a9b-0c1d2e3f4a5b"


def letters(n: int = 8) -> str:
    return "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:n])


def values(tag: str) -> dict[str, Any]:
    """A full record payload: (input, expected output) for every field, variant ``tag``
    ("a", "b" or "c"), ordered a < b < c on every sortable field."""
    i = "abc".index(tag)
    return {
        "uuidF": (["00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b",
                   "00000000-0000-4000-8000-00000000000c"][i],) * 2,
        "textF": ((["alpha", "bravo", "charlie"][i],) * 2),
        "phonesF": (
            {"primaryPhoneNumber": ["612345671", "612345672", "612345673"][i], "primaryPhoneCountryCode": "FR",
             "primaryPhoneCallingCode": "+33",
             "additionalPhones": [{"number": "712345678", "countryCode": "FR", "callingCode": "+33"}]},
            {"primaryPhoneNumber": ["612345671", "612345672", "612345673"][i], "primaryPhoneCountryCode": "FR",
             "primaryPhoneCallingCode": "+33",
             "additionalPhones": [{"number": "712345678", "countryCode": "FR", "callingCode": "+33"}]},
        ),
        "emailsF": (
            {"primaryEmail": ["Ada", "Bob", "Cy"][i] + "@Example.COM", "additionalEmails": ["Other@Example.com"]},
            {"primaryEmail": ["ada", "bob", "cy"][i] + "@example.com", "additionalEmails": ["other@example.com"]},
        ),
        "dateTimeF": (
            ["2025-01-01T10:00:00+01:00", "2025-03-01T09:00:00.000Z", "2025-06-01T09:00:00.123Z"][i],
            ["2025-01-01T09:00:00.000Z", "2025-03-01T09:00:00.000Z", "2025-06-01T09:00:00.123Z"][i],
        ),
        "dateF": ((["2024-01-10", "2024-02-29", "2024-12-31"][i],) * 2),
        "boolF": (([False, True, True][i],) * 2),
        "numberF": (([3.25, 20.5, 1e6][i],) * 2),
        "intF": (([42, 100, 2_000_000_000][i],) * 2),
        "bigF": (([-5, 2**40, 2**53 - 1][i],) * 2),
        "numericF": ((["99.5", 12345.678, 10**12][i]), [99.5, 12345.678, 10**12][i]),
        "linksF": (
            {"primaryLinkUrl": ["HTTPS://Alpha.Example.COM/path/", "https://bravo.example.com",
                                "https://charlie.example.com"][i],
             "primaryLinkLabel": "Site", "secondaryLinks": [{"url": "https://B.com/", "label": "B"}]},
            {"primaryLinkUrl": ["https://alpha.example.com/path", "https://bravo.example.com",
                                "https://charlie.example.com"][i],
             "primaryLinkLabel": "Site", "secondaryLinks": [{"url": "https://b.com", "label": "B"}]},
        ),
        "currencyF": (
            {"amountMicros": [1_500_000_000, 2_500_000_000, 3_500_000_000][i], "currencyCode": ["EUR", "GBP", "USD"][i]},
            {"amountMicros": [1_500_000_000, 2_500_000_000, 3_500_000_000][i], "currencyCode": ["EUR", "GBP", "USD"][i]},
        ),
        "fullNameF": (
            {"firstName": ["ada", "bea", "cyd"][i], "lastName": ["lovelace", "mueller", "nash"][i]},
            {"firstName": ["ada", "bea", "cyd"][i], "lastName": ["lovelace", "mueller", "nash"][i]},
        ),
        "ratingF": ((["RATING_1", "RATING_4", "RATING_5"][i],) * 2),
        "selectF": ((["A_ONE", "B_TWO", "C_THREE"][i],) * 2),
        "multiF": ((["Y", "X"], ["X"], ["Z", "Y"])[i],) * 2,
        "addressF": (
            {"addressStreet1": "1 rue de Rivoli", "addressStreet2": "Bat A", "addressCity": ["amiens", "brest", "caen"][i],
             "addressPostcode": "75001", "addressState": "IDF", "addressCountry": "France",
             "addressLat": [10.5, 48.8566, 60.25][i], "addressLng": 2.3522},
            {"addressStreet1": "1 rue de Rivoli", "addressStreet2": "Bat A", "addressCity": ["amiens", "brest", "caen"][i],
             "addressPostcode": "75001", "addressState": "IDF", "addressCountry": "France",
             "addressLat": [10.5, 48.8566, 60.25][i], "addressLng": 2.3522},
        ),
        "jsonF": (({"nested": {"list": [1, 2.5, {"b": None}], "ok": True}, "s": tag},) * 2),
        "richF": ((["a *rich* text", "b *rich* text", "c *rich* text"][i],) * 2),
        "richV2F": (
            {"blocknote": '[{"type":"paragraph","content":"' + tag + '"}]', "markdown": "# Title " + tag},
            {"blocknote": '[{"type":"paragraph","content":"' + tag + '"}]', "markdown": "# Title " + tag},
        ),
        "actorF": (
            {"source": ["IMPORT", "MANUAL", "WEBHOOK"][i], "context": {"provider": "test"}},
            None,  # checked apart: the server fills name / workspaceMemberId
        ),
        "arrayF": ((["x", "c"], ["y"], ["z", "w"])[i],) * 2,
        "filesF": (
            [{"fileId": FILE_ID, "label": "report.PDF"}],
            None,  # checked apart: extension / url are computed
        ),
    }


@pytest.fixture(scope="module")
def gadget(api: Api) -> dict[str, Any]:
    """The object, its fields, and a record that existed before the fields did."""
    singular = "gadget" + letters()
    r = api.post("/rest/metadata/objects", json={
        "nameSingular": singular, "namePlural": singular + "s", "labelSingular": "Gadget", "labelPlural": "Gadgets",
    })
    assert r.status_code == 201, r.text
    obj = r.json()["data"]["createOneObject"]
    r = api.post(f"/rest/{obj['namePlural']}", json={"name": "before the fields"})
    assert r.status_code == 201, r.text
    old = r.json()["data"]["create" + singular[0].upper() + singular[1:]]
    started = dt.datetime.now(dt.UTC)
    fields = {}
    for name, (type_, extra) in FIELDS.items():
        r = api.post("/rest/metadata/fields", json={
            "objectMetadataId": obj["id"], "type": type_, "name": name, "label": name.title(), **extra,
        })
        assert r.status_code == 201, (name, r.text)
        fields[name] = r.json()["data"]["createOneField"]
    finished = dt.datetime.now(dt.UTC)
    return {"obj": obj, "old": old, "fields": fields, "started": started, "finished": finished}


def plural(gadget: dict[str, Any]) -> str:
    return gadget["obj"]["namePlural"]  # type: ignore[no-any-return]


def key(gadget: dict[str, Any], verb: str = "create") -> str:
    s = gadget["obj"]["nameSingular"]
    return verb + s[0].upper() + s[1:]


def create(api: Api, gadget: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    r = api.post(f"/rest/{plural(gadget)}", json=body)
    assert r.status_code == 201, r.text
    return r.json()["data"][key(gadget)]  # type: ignore[no-any-return]


def read(api: Api, gadget: dict[str, Any], record_id: str) -> dict[str, Any]:
    r = api.get(f"/rest/{plural(gadget)}/{record_id}")
    assert r.status_code == 200, r.text
    return r.json()["data"][gadget["obj"]["nameSingular"]]  # type: ignore[no-any-return]


def parse_ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def make_record(api: Api, gadget: dict[str, Any], tag: str, marker: str) -> dict[str, Any]:
    body = {name: pair[0] for name, pair in values(tag).items()}
    return create(api, gadget, {"name": marker, **body})


# ---- metadata --------------------------------------------------------------------------------


def test_every_creatable_type_is_accepted(api: Api, gadget: dict[str, Any]) -> None:
    fields = gadget["fields"]
    for name, (type_, extra) in FIELDS.items():
        f = fields[name]
        assert f["type"] == type_ and f["name"] == name and f["isCustom"] is True, f
        assert f["defaultValue"] == extra.get("defaultValue"), (name, f["defaultValue"])
        assert f["isNullable"] is True
    assert fields["intF"]["settings"] == {"dataType": "int"}
    assert fields["bigF"]["settings"] == {"dataType": "bigint"}
    assert [o["value"] for o in fields["selectF"]["options"]] == ["A_ONE", "B_TWO", "C_THREE"]
    assert [o["value"] for o in fields["multiF"]["options"]] == ["X", "Y", "Z"]
    # RATING options are generated
    assert [o["value"] for o in fields["ratingF"]["options"]] == [f"RATING_{i}" for i in range(1, 6)]
    # the object lists them all
    r = api.get(f"/rest/metadata/objects/{gadget['obj']['id']}")
    listed = {f["name"]: f["type"] for f in r.json()["data"]["object"]["fields"]}
    assert {n: listed.get(n) for n in FIELDS} == {n: t for n, (t, _) in FIELDS.items()}


@pytest.mark.parametrize("type_", ["TS_VECTOR", "POSITION"])
def test_server_managed_types_are_rejected(api: Api, gadget: dict[str, Any], type_: str) -> None:
    before = api.get(f"/rest/metadata/objects/{gadget['obj']['id']}").json()
    r = api.post("/rest/metadata/fields", json={
        "objectMetadataId": gadget["obj"]["id"], "type": type_, "name": "managed" + letters(), "label": "Managed",
    })
    assert_error(r, 400, "INVALID_METADATA_INPUT")
    assert api.get(f"/rest/metadata/objects/{gadget['obj']['id']}").json() == before


# ---- defaults --------------------------------------------------------------------------------


def _check_defaults(record: dict[str, Any], low: dt.datetime, high: dt.datetime) -> None:
    got = {name: record.get(name, "<absent>") for name in DEFAULTS}
    assert got == DEFAULTS
    assert uuid.UUID(record["uuidGen"])
    assert TIMESTAMP.match(record["dateTimeNow"]), record["dateTimeNow"]
    stamp = parse_ts(record["dateTimeNow"])
    assert low - dt.timedelta(seconds=1) <= stamp <= high + dt.timedelta(seconds=1)
    assert record["dateF"] in {low.date().isoformat(), high.date().isoformat()}


def test_defaults_apply_to_new_records(api: Api, gadget: dict[str, Any]) -> None:
    low = dt.datetime.now(dt.UTC)
    one = create(api, gadget, {"name": "defaults"})
    two = create(api, gadget, {"name": "defaults too"})
    high = dt.datetime.now(dt.UTC)
    _check_defaults(one, low, high)
    _check_defaults(read(api, gadget, one["id"]), low, high)
    assert one["uuidGen"] != two["uuidGen"], "'uuid' generates a new value per record"


def test_defaults_apply_to_records_that_existed_before(api: Api, gadget: dict[str, Any]) -> None:
    old = read(api, gadget, gadget["old"]["id"])
    assert old["name"] == "before the fields"
    _check_defaults(old, gadget["started"], gadget["finished"])


def test_explicit_null_overrides_a_default(api: Api, gadget: dict[str, Any]) -> None:
    rec = create(api, gadget, {"name": "nulls", "textF": None, "numberF": None, "selectF": None, "boolF": None,
                               "arrayF": None, "multiF": None, "currencyF": None})
    assert rec["textF"] in (None, "") and rec["numberF"] is None and rec["selectF"] is None
    assert rec["boolF"] is None and rec["arrayF"] in (None, []) and rec["multiF"] in (None, [])
    assert rec["currencyF"] == {"amountMicros": None, "currencyCode": None}


def test_date_default_quoted_date(api: Api, gadget: dict[str, Any]) -> None:
    """DATA_MODEL.md §6: a DATE default is "now" or a date (quoted, like every literal)."""
    old = create(api, gadget, {"name": "before the date field"})
    name = "dateQ" + letters()
    r = api.post("/rest/metadata/fields", json={
        "objectMetadataId": gadget["obj"]["id"], "type": "DATE", "name": name, "label": "Date Q",
        "defaultValue": "'2024-05-06'",
    })
    assert r.status_code == 201, r.text
    assert read(api, gadget, old["id"])[name] == "2024-05-06"
    assert create(api, gadget, {"name": "after"})[name] == "2024-05-06"


@pytest.mark.parametrize(
    ("type_", "default"),
    [
        ("DATE", "'not a date'"),
        ("DATE", "'2024-13-45'"),
        ("DATE_TIME", "'not a timestamp'"),
        ("NUMERIC", "'twelve'"),
        ("UUID", "'not-a-uuid'"),
    ],
)
def test_default_literal_must_parse(api: Api, gadget: dict[str, Any], type_: str, default: str) -> None:
    """A quoted default that is not a value of the type is refused up front (400), never
    stored to fail later or to come back as a non-value."""
    before = api.get(f"/rest/metadata/objects/{gadget['obj']['id']}").json()
    r = api.post("/rest/metadata/fields", json={
        "objectMetadataId": gadget["obj"]["id"], "type": type_, "name": "bad" + letters(), "label": "Bad",
        "defaultValue": default,
    })
    assert_error(r, 400, "INVALID_METADATA_INPUT")
    assert api.get(f"/rest/metadata/objects/{gadget['obj']['id']}").json() == before


# ---- values ----------------------------------------------------------------------------------


def _check_values(record: dict[str, Any], tag: str) -> None:
    expected = {name: pair[1] for name, pair in values(tag).items() if pair[1] is not None}
    assert {name: record.get(name, "<absent>") for name in expected} == expected
    for name in ("intF", "bigF"):
        assert type(record[name]) is int, (name, record[name])
    assert isinstance(record["numberF"], int | float) and not isinstance(record["numberF"], bool)
    actor = record["actorF"]
    assert set(actor) == {"source", "workspaceMemberId", "name", "context"}, actor
    assert actor["source"] == values(tag)["actorF"][0]["source"]
    assert actor["context"] == {"provider": "test"}
    files = record["filesF"]
    assert isinstance(files, list) and len(files) == 1
    assert files[0]["fileId"] == FILE_ID and files[0]["label"] == "report.PDF"
    assert files[0]["extension"].lower() in ("pdf", ".pdf")
    assert files[0]["url"] is None or isinstance(files[0]["url"], str)


@pytest.mark.parametrize("tag", ["a", "b"])
def test_write_and_read_back_every_type(api: Api, gadget: dict[str, Any], tag: str) -> None:
    rec = make_record(api, gadget, tag, "rw" + letters())
    _check_values(rec, tag)
    _check_values(read(api, gadget, rec["id"]), tag)
    r = api.get(f"/rest/{plural(gadget)}", params={"filter": f"id[eq]:{rec['id']}"})
    _check_values(r.json()["data"][plural(gadget)][0], tag)
    assert "searchVector" not in rec


def test_update_every_type(api: Api, gadget: dict[str, Any]) -> None:
    rec = make_record(api, gadget, "a", "upd" + letters())
    body = {name: pair[0] for name, pair in values("c").items()}
    r = api.patch(f"/rest/{plural(gadget)}/{rec['id']}", json=body)
    assert r.status_code == 200, r.text
    _check_values(r.json()["data"][key(gadget, "update")], "c")
    _check_values(read(api, gadget, rec["id"]), "c")
    # a partial composite update leaves the other sub-fields alone
    r = api.patch(f"/rest/{plural(gadget)}/{rec['id']}", json={"fullNameF": {"firstName": "zoe"}})
    assert r.status_code == 200, r.text
    assert read(api, gadget, rec["id"])["fullNameF"] == {"firstName": "zoe", "lastName": "nash"}
    # null clears every type
    cleared = {name: None for name in FIELDS}
    r = api.patch(f"/rest/{plural(gadget)}/{rec['id']}", json=cleared)
    assert r.status_code == 200, r.text
    got = read(api, gadget, rec["id"])
    assert got["textF"] in (None, "") and got["uuidF"] is None and got["numberF"] is None
    assert got["selectF"] is None and got["multiF"] in (None, []) and got["arrayF"] in (None, [])
    assert got["jsonF"] is None and got["filesF"] in (None, [])
    assert got["currencyF"] == {"amountMicros": None, "currencyCode": None}
    assert got["addressF"] == NULL_ADDRESS
    assert got["emailsF"] == {"primaryEmail": None, "additionalEmails": None}


# ---- filters ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trio(api: Api, gadget: dict[str, Any]) -> dict[str, Any]:
    """Records a < b < c on every sortable field, plus an empty one, under one marker."""
    marker = "trio" + letters()
    recs = {tag: make_record(api, gadget, tag, marker) for tag in "abc"}
    recs["n"] = create(api, gadget, {
        "name": marker, **{n: None for n in FIELDS if FIELDS[n][0] not in ("ACTOR",)},
    })
    return {"marker": marker, "ids": {tag: rec["id"] for tag, rec in recs.items()}}


FILTERS = [
    ("uuidF[eq]:00000000-0000-4000-8000-00000000000a", "a"),
    ("uuidF[in]:[00000000-0000-4000-8000-00000000000a,00000000-0000-4000-8000-00000000000c]", "ac"),
    ("uuidF[is]:NULL", "n"),
    ('textF[eq]:"alpha"', "a"),
    ('textF[neq]:"alpha"', "bc"),
    ('textF[ilike]:"%RAV%"', "b"),
    ('textF[like]:"%ar%"', "c"),
    ("textF[in]:[alpha,charlie]", "ac"),
    ("textF[startsWith]:br", "b"),
    ("textF[is]:NULL", "n"),
    ("textF[is]:NOT_NULL", "abc"),
    ("phonesF.primaryPhoneNumber[eq]:612345672", "b"),
    ("phonesF.primaryPhoneCountryCode[eq]:FR", "abc"),
    ("emailsF.primaryEmail[eq]:ada@example.com", "a"),
    ('emailsF.primaryEmail[ilike]:"%BOB%"', "b"),
    ("dateTimeF[gt]:2025-02-01T00:00:00.000Z", "bc"),
    ("dateTimeF[eq]:2025-03-01T09:00:00.000Z", "b"),
    ("dateTimeF[lte]:2025-01-01T09:00:00.000Z", "a"),
    ("dateF[eq]:2024-02-29", "b"),
    ("dateF[gte]:2024-02-01", "bc"),
    ("dateF[lt]:2024-02-01", "a"),
    ("boolF[eq]:false", "a"),
    ("boolF[eq]:true", "bc"),
    ("boolF[is]:NULL", "n"),
    ("numberF[gt]:10", "bc"),
    ("numberF[eq]:3.25", "a"),
    ("numberF[lte]:20.5", "ab"),
    ("intF[eq]:100", "b"),
    ("intF[gte]:100", "bc"),
    ("intF[in]:[42,2000000000]", "ac"),
    (f"bigF[eq]:{2**40}", "b"),
    ("bigF[lt]:0", "a"),
    ("numericF[lt]:100", "a"),
    ("numericF[eq]:12345.678", "b"),
    ("numericF[gt]:1000000", "c"),
    ('linksF.primaryLinkUrl[ilike]:"%alpha%"', "a"),
    ("linksF.primaryLinkUrl[eq]:https://bravo.example.com", "b"),
    ("currencyF.amountMicros[gt]:2000000000", "bc"),
    ("currencyF.currencyCode[eq]:EUR", "a"),
    ("currencyF.currencyCode[in]:[GBP,USD]", "bc"),
    ("fullNameF.firstName[eq]:ada", "a"),
    ('fullNameF.lastName[like]:"%sh"', "c"),
    ("ratingF[eq]:RATING_4", "b"),
    ("ratingF[in]:[RATING_1,RATING_5]", "ac"),
    ("ratingF[is]:NULL", "n"),
    ("selectF[eq]:B_TWO", "b"),
    ("selectF[neq]:B_TWO", "ac"),
    ("selectF[in]:[A_ONE,C_THREE]", "ac"),
    ("multiF[containsAny]:[Y]", "ac"),
    ("multiF[containsAny]:[X,Z]", "abc"),
    ("multiF[is]:NULL", "n"),
    ("addressF.addressCity[eq]:brest", "b"),
    ("addressF.addressLat[gt]:40", "bc"),
    ("addressF.addressCountry[eq]:France", "abc"),
    ('richF[ilike]:"%c *rich%"', "c"),
    ('richV2F.markdown[ilike]:"%title b%"', "b"),
    ("arrayF[containsAny]:[c]", "a"),
    ("arrayF[containsAny]:[y,w]", "bc"),
    ("actorF.source[eq]:IMPORT", "a"),
    ("actorF.source[in]:[MANUAL,WEBHOOK]", "bc"),
]


@pytest.mark.parametrize(("condition", "expected"), FILTERS, ids=[c for c, _ in FILTERS])
def test_filter_each_type(api: Api, gadget: dict[str, Any], trio: dict[str, Any], condition: str,
                          expected: str) -> None:
    r = api.get(f"/rest/{plural(gadget)}", params={"filter": f"and(name[eq]:{trio['marker']},{condition})"})
    assert r.status_code == 200, r.text
    got = {rec["id"] for rec in r.json()["data"][plural(gadget)]}
    assert got == {trio["ids"][tag] for tag in expected}


SORTABLE = [
    "uuidF", "textF", "phonesF.primaryPhoneNumber", "emailsF.primaryEmail", "dateTimeF", "dateF", "numberF",
    "intF", "bigF", "numericF", "linksF.primaryLinkUrl", "currencyF.amountMicros", "currencyF.currencyCode",
    "fullNameF.firstName", "fullNameF.lastName", "ratingF", "selectF", "addressF.addressCity",
    "addressF.addressLat", "richF", "richV2F.markdown",
]


@pytest.mark.parametrize("path", SORTABLE)
def test_order_by_sortable_types(api: Api, gadget: dict[str, Any], trio: dict[str, Any], path: str) -> None:
    ids = trio["ids"]
    params = {"filter": f"name[eq]:{trio['marker']}"}
    r = api.get(f"/rest/{plural(gadget)}", params={**params, "order_by": f"{path}[AscNullsLast]"})
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["data"][plural(gadget)]] == [ids["a"], ids["b"], ids["c"], ids["n"]]
    r = api.get(f"/rest/{plural(gadget)}", params={**params, "order_by": f"{path}[DescNullsFirst]"})
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["data"][plural(gadget)]] == [ids["n"], ids["c"], ids["b"], ids["a"]]


def test_order_by_boolean(api: Api, gadget: dict[str, Any], trio: dict[str, Any]) -> None:
    ids = trio["ids"]
    r = api.get(f"/rest/{plural(gadget)}", params={
        "filter": f"name[eq]:{trio['marker']}", "order_by": "boolF[AscNullsLast],textF[DescNullsLast]",
    })
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["data"][plural(gadget)]] == [ids["a"], ids["c"], ids["b"], ids["n"]]


@pytest.mark.parametrize("path", ["phonesF", "currencyF", "fullNameF", "addressF"])
def test_order_by_a_whole_composite_is_rejected(api: Api, gadget: dict[str, Any], path: str) -> None:
    assert_error(api.get(f"/rest/{plural(gadget)}", params={"order_by": path}), 400, "INVALID_ORDER_BY")


# ---- bad values ------------------------------------------------------------------------------


BAD_VALUES: list[tuple[str, Any, str]] = [
    ("uuidF", "not-a-uuid", "INVALID_UUID"),
    ("uuidF", 5, "VALIDATION_ERROR"),
    ("textF", 5, "VALIDATION_ERROR"),
    ("textF", {"a": 1}, "VALIDATION_ERROR"),
    ("textF", ["a"], "VALIDATION_ERROR"),
    ("phonesF", "0612345678", "VALIDATION_ERROR"),
    ("phonesF", {"number": "0612345678"}, "VALIDATION_ERROR"),
    ("phonesF", {"primaryPhoneNumber": 612345678}, "VALIDATION_ERROR"),
    ("phonesF", {"additionalPhones": "0612"}, "VALIDATION_ERROR"),
    ("emailsF", "ada@example.com", "VALIDATION_ERROR"),
    ("emailsF", {"additionalEmails": "x@y.z"}, "VALIDATION_ERROR"),
    ("emailsF", {"additionalEmails": [1]}, "VALIDATION_ERROR"),
    ("dateTimeF", "yesterday", "VALIDATION_ERROR"),
    ("dateTimeF", 1700000000, "VALIDATION_ERROR"),
    ("dateF", "2024-13-01", "VALIDATION_ERROR"),
    ("dateF", "01/02/2024", "VALIDATION_ERROR"),
    ("dateF", 20240101, "VALIDATION_ERROR"),
    ("boolF", "true", "VALIDATION_ERROR"),
    ("boolF", 1, "VALIDATION_ERROR"),
    ("numberF", "3.5", "VALIDATION_ERROR"),
    ("numberF", True, "VALIDATION_ERROR"),
    ("numberF", [1], "VALIDATION_ERROR"),
    ("intF", 1.5, "VALIDATION_ERROR"),
    ("intF", 2**31, "VALIDATION_ERROR"),
    ("intF", "7", "VALIDATION_ERROR"),
    ("bigF", 2**63, "VALIDATION_ERROR"),
    ("numericF", "twelve", "VALIDATION_ERROR"),
    ("numericF", True, "VALIDATION_ERROR"),
    ("numericF", {"v": 1}, "VALIDATION_ERROR"),
    ("linksF", "https://x.com", "VALIDATION_ERROR"),
    ("linksF", {"secondaryLinks": "https://x.com"}, "VALIDATION_ERROR"),
    ("linksF", {"url": "https://x.com"}, "VALIDATION_ERROR"),
    ("currencyF", 5, "VALIDATION_ERROR"),
    ("currencyF", {"amountMicros": "lots"}, "VALIDATION_ERROR"),
    ("currencyF", {"amount": 5}, "VALIDATION_ERROR"),
    ("currencyF", {"currencyCode": 978}, "VALIDATION_ERROR"),
    ("fullNameF", "Ada Lovelace", "VALIDATION_ERROR"),
    ("fullNameF", {"middleName": "x"}, "VALIDATION_ERROR"),
    ("ratingF", "RATING_6", "VALIDATION_ERROR"),
    ("ratingF", 5, "VALIDATION_ERROR"),
    ("selectF", "D_FOUR", "VALIDATION_ERROR"),
    ("selectF", "a_one", "VALIDATION_ERROR"),
    ("selectF", ["A_ONE"], "VALIDATION_ERROR"),
    ("multiF", "X", "VALIDATION_ERROR"),
    ("multiF", ["X", "W"], "VALIDATION_ERROR"),
    ("multiF", [1], "VALIDATION_ERROR"),
    ("addressF", "Paris", "VALIDATION_ERROR"),
    ("addressF", {"addressLat": "north"}, "VALIDATION_ERROR"),
    ("addressF", {"addressTown": "Paris"}, "VALIDATION_ERROR"),
    ("richF", 5, "VALIDATION_ERROR"),
    ("richV2F", "# text", "VALIDATION_ERROR"),
    ("richV2F", {"html": "<p>x</p>"}, "VALIDATION_ERROR"),
    ("richV2F", {"markdown": 5}, "VALIDATION_ERROR"),
    ("arrayF", "a", "VALIDATION_ERROR"),
    ("arrayF", [1, 2], "VALIDATION_ERROR"),
    ("actorF", {"source": "ROBOT"}, "VALIDATION_ERROR"),
    ("actorF", "API", "VALIDATION_ERROR"),
    ("filesF", "report.pdf", "VALIDATION_ERROR"),
    ("filesF", [{"label": "no id"}], "VALIDATION_ERROR"),
    ("filesF", [{"fileId": "not-a-uuid", "label": "x"}], "INVALID_UUID"),
    ("searchVector", "words", "READ_ONLY_FIELD"),
]


@pytest.mark.parametrize(("field", "value", "code"), BAD_VALUES,
                         ids=[f"{f}-{v!r}"[:40] for f, v, _ in BAD_VALUES])
def test_bad_values_are_rejected(api: Api, gadget: dict[str, Any], field: str, value: Any, code: str) -> None:
    marker = "bad" + letters()
    body = assert_error(api.post(f"/rest/{plural(gadget)}", json={"name": marker, field: value}), 400, code)
    assert body["error"]["details"].get("field", "").split(".")[0] in (field, "")
    r = api.get(f"/rest/{plural(gadget)}", params={"filter": f"name[eq]:{marker}"})
    assert r.json()["data"][plural(gadget)] == []
    # the same on update
    rec_id = gadget["old"]["id"]
    assert_error(api.patch(f"/rest/{plural(gadget)}/{rec_id}", json={field: value}), 400, code)


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ("uuidF[eq]:nope", "INVALID_FILTER"),
        ("intF[gt]:many", "INVALID_FILTER"),
        ("dateF[eq]:someday", "INVALID_FILTER"),
        ("boolF[eq]:maybe", "INVALID_FILTER"),
        ("currencyF[eq]:5", "INVALID_FILTER"),
        ("fullNameF.middleName[eq]:x", "INVALID_FILTER"),
        ("filesF[eq]:x", "INVALID_FILTER"),
    ],
)
def test_bad_filters_per_type(api: Api, gadget: dict[str, Any], condition: str, code: str) -> None:
    assert_error(api.get(f"/rest/{plural(gadget)}", params={"filter": condition}), 400, code)
