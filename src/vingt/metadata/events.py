"""Metadata events: what a metadata change did, as outbox rows in the change's transaction.

Named as Twenty's newer builds name them, ``metadata.<metadataName>.<created|updated|deleted>``
with ``objectMetadata`` and ``fieldMetadata`` as the names: creating a custom object is one
``metadata.objectMetadata.created``, plus ``metadata.fieldMetadata.created`` for the relation
fields it adds to existing objects (``timelineActivity.targetX``, …); the fields that come with a
new object, or go with a deleted one, have no events of their own. ``before`` / ``after`` are the
object or field as the metadata API renders it (objects without their fields); ``updatedFields``
the keys whose value changed (``updatedAt`` aside). Webhooks receive them in Twenty's metadata
body (``webhooks.payload``); the change feed, which is about records, does not list them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from vingt.metadata.model import Catalog
from vingt.metadata.payloads import field_payload, object_payload
from vingt.sql.dialect import iso_ms

OBJECT = "objectMetadata"
FIELD = "fieldMetadata"
PREFIX = "metadata."
SKIPPED = frozenset({"updatedAt"})


def is_metadata(object_name: str) -> bool:
    """Whether an outbox row's ``objectName`` is a metadata event's (``metadata.<name>``)."""
    return object_name.startswith(PREFIX)


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [k for k, v in after.items() if k not in SKIPPED and before.get(k) != v]


def event_rows(
    old: Catalog, new: Catalog, object_ids: set[str], api_key_id: str | None, key_name: str | None, now: dt.datetime
) -> list[Sequence[Any]]:
    """The outbox rows (``system_queries.EVENT_COLUMNS`` order) of the change from ``old`` to
    ``new`` of the objects ``object_ids``."""
    stamp = iso_ms(now)
    actor = orjson.dumps({"source": "API", "apiKeyId": api_key_id, "name": key_name}).decode()
    rows: list[Sequence[Any]] = []

    def add(name: str, action: str, record_id: str, object_id: str, before: Any, after: Any) -> None:
        fields = changed(before, after) if before is not None and after is not None else None
        if fields == []:
            return  # nothing but updatedAt moved: no event, as for records
        rows.append((
            str(uuid.uuid4()), new.workspace_id, object_id, PREFIX + name, record_id, action,
            orjson.dumps(before).decode() if before is not None else None,
            orjson.dumps(after).decode() if after is not None else None,
            orjson.dumps(fields).decode() if fields is not None else None,
            api_key_id, actor, stamp,
        ))

    for oid in sorted(object_ids):
        was, now_obj = old.by_id.get(oid), new.by_id.get(oid)
        before = object_payload(old, was, with_fields=False) if was is not None else None
        after = object_payload(new, now_obj, with_fields=False) if now_obj is not None else None
        if before is None and after is not None:
            add(OBJECT, "created", oid, oid, None, after)
            continue
        if after is None and before is not None:
            add(OBJECT, "deleted", oid, oid, before, None)
            continue
        if was is None or now_obj is None:
            continue
        add(OBJECT, "updated", oid, oid, before, after)
        old_fields = {f.id: f for f in was.fields}
        new_fields = {f.id: f for f in now_obj.fields}
        for fid in [f.id for f in was.fields if f.id not in new_fields]:
            add(FIELD, "deleted", fid, oid, field_payload(old, old_fields[fid]), None)
        for f in now_obj.fields:
            if f.id not in old_fields:
                add(FIELD, "created", f.id, oid, None, field_payload(new, f))
            else:
                add(FIELD, "updated", f.id, oid, field_payload(old, old_fields[f.id]), field_payload(new, f))
    return rows
