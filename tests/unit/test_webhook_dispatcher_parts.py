"""The dispatcher's own ids and timestamps: text as ``str(uuid.uuid4())`` and ``iso_ms`` write it."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from vingt.sql.dialect import iso_ms
from vingt.webhooks.dispatcher import new_ids, stamp


def test_new_ids_are_random_version_4_uuids_as_text() -> None:
    ids = new_ids(200)
    assert len(set(ids)) == 200
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert new_ids(0) == []


def test_stamps_are_iso_ms() -> None:
    for moment in (0.0, 1748945730.4567, 1748945730.999, 1748945731.0, 4102444799.001):
        expected = iso_ms(dt.datetime.fromtimestamp(moment, dt.UTC))
        assert stamp(moment) == expected
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp(1748945730.25))
