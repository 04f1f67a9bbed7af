"""``vingt export``: every record of an object (or those a filter selects), in pages sought
by id (keyset, never ``OFFSET``), as CSV or JSON lines that ``vingt import`` reads back.

Records are read through the engine (``Engine.run``) as the REST API reads them; numbers are
parsed as the database wrote them (``Decimal``), so that a cell holds the same digits.
"""

from __future__ import annotations

import csv
import decimal
import json
from collections.abc import Callable
from typing import Any, TextIO

import orjson

from vingt.csvio.columns import ExportColumn, export_columns, format_cell, plain_json
from vingt.engine.ir import Filter
from vingt.engine.query import Page, Query, Select
from vingt.engine.records import Engine
from vingt.metadata.model import ObjectMeta
from vingt.metadata.types import Storage

PAGE_SIZE = 1000
_decode = json.JSONDecoder(parse_float=decimal.Decimal).decode


async def export_records(
    engine: Engine,
    obj: ObjectMeta,
    out: TextIO,
    *,
    fmt: str = "csv",
    filter_: Filter | None = None,
    page_size: int = PAGE_SIZE,
    progress: Callable[[int, int | None], None] | None = None,
) -> int:
    """Write the records to ``out``; the number written. ``progress(written, total)`` after
    each page (``total`` from the first page)."""
    columns = export_columns(obj)
    names = tuple(sorted({c.key for c in columns}))
    writer = csv.writer(out, lineterminator="\n")
    if fmt == "csv":
        writer.writerow([c.header for c in columns])
    after: str | None = None
    total: int | None = None
    written = 0
    while True:
        page = await engine.run(Query(
            obj.name_singular, filter_, page=Page(first=page_size, after=after), select=Select(names),
            total=after is None,
        ))
        if after is None:
            total = page.total
        for text in page.records:
            record = _decode(text)
            if fmt == "csv":
                writer.writerow([_cell(c, record) for c in columns])
            else:
                out.write(orjson.dumps(_payload(columns, record)).decode())
                out.write("\n")
        written += len(page.records)
        if progress is not None:
            progress(written, total)
        if not page.has_next or not page.ids:
            return written
        after = page.ids[-1]


def _cell(column: ExportColumn, record: dict[str, Any]) -> str:
    value = record.get(column.key)
    if column.sub is not None:
        value = value.get(column.sub) if isinstance(value, dict) else None
    return format_cell(column, value)


def _payload(columns: list[ExportColumn], record: dict[str, Any]) -> dict[str, Any]:
    """The record as an import line: the exported fields, composites as objects of their
    exported sub-fields, numbers as the engine takes them."""
    out: dict[str, Any] = {}
    for c in columns:
        value = record.get(c.key)
        if c.sub is not None:
            value = value.get(c.sub) if isinstance(value, dict) else None
            out.setdefault(c.key, {})[c.sub] = _json_number(c.storage, value)
        else:
            out[c.key] = _json_number(c.storage, value)
    return out


def _json_number(storage: Storage, value: Any) -> Any:
    """A number parsed as ``Decimal``: a float for a float column (the same double), else an
    integer, or a string of its digits when a double would not hold them (``NUMERIC``)."""
    if not isinstance(value, decimal.Decimal):
        return plain_json(value)
    if storage == Storage.FLOAT:
        return float(value)
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if decimal.Decimal(repr(as_float)) == value else str(value)


__all__ = ["PAGE_SIZE", "export_records"]
