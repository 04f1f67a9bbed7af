"""Preconditions of single-record writes: ETags, ``If-Match``, checked inside the write's
transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from vingt.db.database import Connection
from vingt.engine import compile as sqlc
from vingt.errors import ApiError
from vingt.metadata.model import Catalog, ObjectMeta
from vingt.sql.dialect import Dialect, iso_ms


@dataclass(frozen=True)
class Tagged:
    """One record as JSON text, and its ETag (``"<hash>"``, quotes included)."""

    record: str
    etag: str


def etag(record_id: str, updated_at: str) -> str:
    """A strong ETag for one version of a record: its id and ``updatedAt`` (which strictly
    increases on every write of the record, see ``compile._next_stamp``)."""
    digest = hashlib.blake2b(f"{record_id}/{updated_at}".encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def stamp_text(value: Any) -> str:
    """A stored ``updatedAt`` (a datetime on PostgreSQL, ISO text on SQLite) as rendered in
    records."""
    return iso_ms(value) if isinstance(value, dt.datetime) else str(value)


def matches(tag: str, if_match: tuple[str, ...]) -> bool:
    """``If-Match`` (strong comparison): ``*`` matches any existing record."""
    return "*" in if_match or tag in if_match


class Preconditions:
    """``If-Match`` checks, for the write operations."""

    dialect: Dialect
    catalog: Catalog

    async def _expect(
        self, conn: Connection, obj: ObjectMeta, record_id: str, if_match: tuple[str, ...] | None, *, live_only: bool
    ) -> Any:
        """Check ``If-Match`` against the record's current ETag, inside the write's
        transaction; return the ``updatedAt`` the write must then find (``None``: no
        condition — no header, or ``*``, which the write's own existence check covers)."""
        if if_match is None or "*" in if_match:
            return None
        current = await self._current(conn, obj, record_id, live_only)
        if current is None:
            raise _not_found(obj, record_id)
        tag = etag(record_id, stamp_text(current))
        if not matches(tag, if_match):
            raise _precondition_failed(obj, record_id, tag)
        return current

    async def _current(self, conn: Connection, obj: ObjectMeta, record_id: str, live_only: bool) -> Any:
        """The record's stored ``updatedAt``, or ``None`` when it does not exist (or is
        soft-deleted and ``live_only``)."""
        compiled = sqlc.compile_stamp(self.catalog, self.dialect, obj.name_singular)
        rows = await conn.fetch(compiled.sql, compiled.params([record_id]))
        if not rows or (live_only and rows[0][1]):
            return None
        return rows[0][0]

    async def _lost_race(self, conn: Connection, obj: ObjectMeta, record_id: str, live_only: bool) -> ApiError:
        """A write pinned to an ``updatedAt`` changed nothing: the record moved (412) or went (404)
        between the check and the write."""
        current = await self._current(conn, obj, record_id, live_only)
        if current is None:
            return _not_found(obj, record_id)
        return _precondition_failed(obj, record_id, etag(record_id, stamp_text(current)))


def _not_found(obj: ObjectMeta, record_id: str) -> ApiError:
    return ApiError("RECORD_NOT_FOUND", "Record not found", {"id": record_id, "object": obj.name_singular})


def _precondition_failed(obj: ObjectMeta, record_id: str, current: str) -> ApiError:
    return ApiError(
        "PRECONDITION_FAILED",
        "The record has changed since the ETag given in If-Match",
        {"id": record_id, "object": obj.name_singular, "header": "If-Match", "etag": current},
    )


def _tagged(record_id: str, record: str, strip: bool) -> Tagged:
    """The record's ETag, from the ``updatedAt`` the record carries (removed again when
    ``strip``: it was only read for the ETag)."""
    data = orjson.loads(record)
    tag = etag(record_id, str(data.get("updatedAt")))
    if strip:
        del data["updatedAt"]
        record = orjson.dumps(data).decode()
    return Tagged(record, tag)
