"""Generated index and foreign-key names stay distinct within PostgreSQL's 63-byte identifiers
(hardening §12): two long names sharing their first 63 bytes used to collide (500
DuplicateTableError). SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid

from conftest import Api, assert_error
from vingt.sql.tables import bounded_name


def letters(n: int) -> str:
    return "".join(chr(ord("a") + int(c, 16)) for c in (uuid.uuid4().hex * 4)[:n])


def test_bounded_names_keep_distinct_names_distinct() -> None:
    a, b = "IDX_" + "x" * 70 + "Primary", "IDX_" + "x" * 70 + "Secondary"
    assert len(bounded_name(a).encode()) == len(bounded_name(b).encode()) == 63
    assert bounded_name(a) != bounded_name(b)
    assert bounded_name("IDX_short") == "IDX_short"
    wide = "IDX_" + "é" * 40
    assert len(bounded_name(wide).encode()) <= 63


def test_long_object_with_two_unique_fields_of_one_prefix(api: Api) -> None:
    singular = "o" + letters(39)
    r = api.post("/rest/metadata/objects", json={
        "nameSingular": singular, "namePlural": singular + "s", "labelSingular": "Long", "labelPlural": "Longs",
    })
    assert r.status_code == 201, r.text
    object_id = r.json()["data"]["createOneObject"]["id"]
    for name in ("referenceNumberPrimary", "referenceNumberSecondary"):
        r = api.post("/rest/metadata/fields", json={
            "objectMetadataId": object_id, "name": name, "label": name, "type": "TEXT", "isUnique": True,
        })
        assert r.status_code == 201, r.text
    plural = singular + "s"
    first = api.post(f"/rest/{plural}", json={"referenceNumberPrimary": "a", "referenceNumberSecondary": "b"})
    assert first.status_code == 201, first.text
    # each field is unique on its own
    assert_error(api.post(f"/rest/{plural}", json={"referenceNumberPrimary": "a"}), 409, "UNIQUE_VIOLATION")
    assert_error(api.post(f"/rest/{plural}", json={"referenceNumberSecondary": "b"}), 409, "UNIQUE_VIOLATION")
    ok = api.post(f"/rest/{plural}", json={"referenceNumberPrimary": "b", "referenceNumberSecondary": "a"})
    assert ok.status_code == 201, ok.text


def test_route_words_are_reserved(api: Api) -> None:
    """A custom object named like another /rest route would be shadowed by it (``/rest/docs``
    is the reference page): such names are refused (hardening §14)."""
    for singular, plural in (("doc", "docs"), ("webhook", "webhookz"), ("hook", "webhooks"), ("apiKey", "apiKeyz")):
        r = api.post("/rest/metadata/objects", json={
            "nameSingular": singular, "namePlural": plural, "labelSingular": "X", "labelPlural": "Xs",
        })
        body = assert_error(r, r.status_code, "METADATA_NAME_CONFLICT")
        assert body["error"]["details"]["reason"] == "RESERVED"
    assert api.get("/rest/docs").status_code == 200


def test_records_of_wide_objects_keep_field_order(api: Api) -> None:
    """An object with more fields than one JSON function call takes (PostgreSQL: 50 pairs)
    renders its keys in field order on both databases (hardening §18)."""
    singular = "w" + letters(12)
    r = api.post("/rest/metadata/objects", json={
        "nameSingular": singular, "namePlural": singular + "s", "labelSingular": "Wide", "labelPlural": "Wides",
    })
    assert r.status_code == 201, r.text
    object_id = r.json()["data"]["createOneObject"]["id"]
    # created in reverse alphabetical order, of varied lengths: any sorting would show
    # (with the object's own fields, more than 50 keys)
    names = [f"z{'q' * (i % 3)}f{44 - i:02d}" for i in range(45)]
    for name in names:
        r = api.post("/rest/metadata/fields", json={
            "objectMetadataId": object_id, "name": name, "label": name, "type": "TEXT",
        })
        assert r.status_code == 201, r.text
    r = api.post(f"/rest/{singular}s", json={n: n.upper() for n in names})
    assert r.status_code == 201, r.text
    record = r.json()["data"]["create" + singular[0].upper() + singular[1:]]
    assert [k for k in record if k in names] == names
    assert all(record[n] == n.upper() for n in names)
    r = api.get(f"/rest/{singular}s/{record['id']}")
    assert [k for k in r.json()["data"][singular] if k in names] == names
