"""``vingt import``: rows of a CSV (or JSON lines) file → records, through the engine.

Rows are read in batches (``MAX_BATCH``). The relations a row names by a unique field of their
target are looked up (one read per column and batch); the rows are then written in one
``Engine.create`` (their events and timeline entries in the same transaction). A row the
engine's coercion refuses is named by its index in the batch: it is set aside and the batch
written again. A batch the database refuses (a unique value taken, a relation to a record that
does not exist) is split in halves until each refused row stands alone, so that every other
row is kept. Every refused row
is reported — its line, the field and the reason — in ``<file>.rejected.csv`` beside the input.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from vingt.csvio.columns import CellError, Column, HeaderError, lookup_sub, parse_cell, resolve_headers
from vingt.engine.ir import Condition
from vingt.engine.query import Page, Query, Select
from vingt.engine.records import MAX_BATCH, Engine, match_keys
from vingt.engine.values import coerce_record
from vingt.errors import ApiError
from vingt.metadata.model import ObjectMeta
from vingt.metadata.types import FieldType, sub_column

csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class Rejected:
    line: int
    field: str
    code: str
    reason: str


@dataclass
class Row:
    line: int
    payload: dict[str, Any]
    # column index → (the column, the unique value of the target to find)
    lookups: dict[int, tuple[Column, Any]] = field(default_factory=dict)


@dataclass
class ImportReport:
    rows: int = 0
    accepted: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    report_path: Path | None = None
    seconds: float = 0.0

    def summary(self, obj: ObjectMeta, dry_run: bool) -> dict[str, Any]:
        return {
            "object": obj.name_singular,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": len(self.rejected),
            "dryRun": dry_run,
            "report": str(self.report_path) if self.report_path else None,
            "seconds": round(self.seconds, 3),
            "rowsPerSecond": round(self.rows / self.seconds) if self.seconds > 0 else None,
        }


class _Rollback(Exception):
    """Raised at the end of a dry run's batch to roll its writes back."""


def report_path(path: Path) -> Path:
    return path.with_name(path.stem + ".rejected.csv")


def file_format(path: Path, given: str | None) -> str:
    if given:
        return given
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv"


async def import_file(
    engine: Engine,
    obj: ObjectMeta,
    path: Path,
    *,
    match: str | None = None,
    dry_run: bool = False,
    fmt: str | None = None,
    batch_size: int = MAX_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import ``path`` into ``obj``; ``match``: upsert, finding existing records by this field.
    ``HeaderError`` / ``ApiError`` (an unknown ``match``) before anything is written.
    ``progress(bytes_read, rows)`` after each batch."""
    if match is not None:
        match_keys(obj, match)
    started = time.perf_counter()
    report = ImportReport()
    with path.open("rb") as raw:
        rows = _jsonl_rows(raw) if file_format(path, fmt) == "jsonl" else _csv_rows(engine, obj, raw)
        batch: list[Row] = []
        for item in rows:
            report.rows += 1
            if isinstance(item, Rejected):
                report.rejected.append(item)
            else:
                batch.append(item)
            if len(batch) >= batch_size:
                await _batch(engine, obj, batch, match, dry_run, report)
                batch = []
                if progress is not None:
                    progress(raw.tell(), report.rows)
        if batch:
            await _batch(engine, obj, batch, match, dry_run, report)
    if progress is not None:
        progress(path.stat().st_size, report.rows)
    report.rejected.sort(key=lambda r: r.line)
    report.report_path = _write_report(report_path(path), report.rejected)
    report.seconds = time.perf_counter() - started
    return report


def _write_report(target: Path, rejected: list[Rejected]) -> Path | None:
    """The rejected rows as CSV (``line,field,code,reason``); an earlier run's report is
    removed when every row was accepted."""
    if not rejected:
        target.unlink(missing_ok=True)
        return None
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(("line", "field", "code", "reason"))
        for r in rejected:
            writer.writerow((r.line, r.field, r.code, r.reason))
    return target


# ---- reading rows ------------------------------------------------------------------------------


def _csv_rows(engine: Engine, obj: ObjectMeta, raw: Any) -> Iterator[Row | Rejected]:
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        headers = next(reader)
    except StopIteration:
        return
    columns = resolve_headers(engine.catalog, obj, headers)
    width = len(columns)
    nullable = {c.field.name: c.field.is_nullable for c in columns if c.field is not None}
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if len(cells) != width:
            yield Rejected(start, "", "INVALID_ROW", f"{len(cells)} cells for {width} columns")
            continue
        try:
            yield _row(start, columns, cells, nullable)
        except CellError as exc:
            yield Rejected(start, exc.field, "VALIDATION_ERROR", exc.reason)


def _row(line: int, columns: list[Column], cells: list[str], nullable: dict[str, bool]) -> Row:
    payload: dict[str, Any] = {}
    row = Row(line, payload)
    for i, (column, text) in enumerate(zip(columns, cells, strict=True)):
        kind = column.kind
        if kind == "ignored":
            continue
        value = parse_cell(column, text)
        f = column.field
        assert f is not None
        if kind == "lookup":
            if value is not None:
                row.lookups[i] = (column, value)
            else:
                payload[f.join_column] = None
        elif kind == "join":
            payload[f.join_column] = value
        elif column.sub is not None:
            payload.setdefault(f.name, {})[column.sub] = value
        elif value is not None or nullable.get(f.name, True):
            payload[f.name] = value
    return row


def _jsonl_rows(raw: Any) -> Iterator[Row | Rejected]:
    for n, text in enumerate(raw, 1):
        if not text.strip():
            continue
        try:
            payload = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            yield Rejected(n, "", "INVALID_BODY", f"not JSON: {exc}")
            continue
        if not isinstance(payload, dict):
            yield Rejected(n, "", "INVALID_BODY", "a line must be a JSON object")
            continue
        yield Row(n, payload)


# ---- writing batches ---------------------------------------------------------------------------


async def _batch(
    engine: Engine, obj: ObjectMeta, rows: list[Row], match: str | None, dry_run: bool, report: ImportReport
) -> None:
    await _resolve_lookups(engine, obj, rows, report)
    await _write(engine, obj, [r for r in rows if not r.lookups], match, dry_run, report)


async def _write(
    engine: Engine, obj: ObjectMeta, rows: list[Row], match: str | None, dry_run: bool, report: ImportReport
) -> None:
    """Write ``rows`` in one transaction. A row the engine's coercion refuses (the error
    names its index) is reported and the others tried again; a batch the database refuses is
    split until each refused row is alone (and reported)."""
    while rows:
        try:
            await _create(engine, obj, rows, match, dry_run)
        except ApiError as exc:
            if len(rows) == 1:
                report.rejected.append(_rejection(rows[0], exc))
                return
            index = exc.details.get("index")
            if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(rows):
                report.rejected.append(_rejection(rows[index], exc))
                rows = rows[:index] + rows[index + 1:]
                continue
            half = len(rows) // 2
            await _write(engine, obj, rows[:half], match, dry_run, report)
            await _write(engine, obj, rows[half:], match, dry_run, report)
            return
        report.accepted += len(rows)
        return


async def _create(engine: Engine, obj: ObjectMeta, rows: list[Row], match: str | None, dry_run: bool) -> None:
    payloads = [r.payload for r in rows]
    if not dry_run:
        await engine.create(obj, payloads, upsert=match is not None, depth=0, fields=("id",), match=match)
        return
    try:
        async with engine.db.unit():
            await engine.create(obj, payloads, upsert=match is not None, depth=0, fields=("id",), match=match)
            raise _Rollback
    except _Rollback:
        pass


def _rejection(row: Row, exc: ApiError) -> Rejected:
    details = exc.details or {}
    where = details.get("field") or details.get("parameter") or ""
    return Rejected(row.line, str(where), exc.code, exc.message)


async def _resolve_lookups(engine: Engine, obj: ObjectMeta, rows: list[Row], report: ImportReport) -> None:
    """Put the id of each relation named by a unique field into its join column; a row whose
    value names no record is reported (its lookups are left in place, so it is not written)."""
    wanted: dict[int, set[Any]] = {}
    columns: dict[int, Column] = {}
    for row in rows:
        for i, (column, value) in row.lookups.items():
            wanted.setdefault(i, set()).add(value)
            columns[i] = column
    if not wanted:
        return
    found: dict[int, dict[Any, str]] = {}
    keys: dict[tuple[int, Any], list[Any]] = {}
    for i, values in wanted.items():
        for v in values:
            keys[(i, v)] = _candidates(columns[i], v)
        found[i] = await _find(engine, columns[i], {k for (j, _v), ks in keys.items() if j == i for k in ks})
    for row in rows:
        for i, (column, value) in list(row.lookups.items()):
            assert column.field is not None and column.target is not None
            target_id = next((found[i][k] for k in keys[(i, value)] if k in found[i]), None)
            if target_id is None:
                report.rejected.append(Rejected(
                    row.line, column.path, "RELATION_TARGET_NOT_FOUND",
                    f"no {column.target.name_singular} with {column.target_path} '{value}'",
                ))
                break
            row.payload[column.field.join_column] = target_id
        else:
            row.lookups.clear()


def _candidates(column: Column, value: Any) -> list[Any]:
    """A unique value as the target may store it (lower-cased email, normalised URL…); a
    domain without a scheme (``acme.com``) is also looked for as ``https://`` and ``http://``."""
    target = column.target
    assert target is not None and column.target_path is not None
    name, sub = lookup_sub(target, column.target_path)
    f = target.field(name)
    assert f is not None
    texts = [value]
    if f.type == FieldType.LINKS and isinstance(value, str) and "://" not in value:
        texts += [f"https://{value}", f"http://{value}"]
    out: list[Any] = []
    for text in texts:
        payload = {name: {sub: text}} if sub is not None else {name: text}
        try:
            inp = coerce_record(target, payload, creating=True)
        except ApiError:
            continue
        key = inp.columns.get(sub_column(name, sub) if sub is not None else name)
        if key is not None:
            out.append(key)
    return out


async def _find(engine: Engine, column: Column, values: set[Any]) -> dict[Any, str]:
    """Unique value → id of the live target record holding it (one read)."""
    target = column.target
    assert target is not None and column.target_path is not None
    if not values:
        return {}
    name, sub = lookup_sub(target, column.target_path)
    path = (name, sub) if sub is not None else (name,)
    texts = tuple(str(v) for v in values)
    q = Query(
        target.name_singular, Condition(path, "in", texts), page=Page(first=len(texts)), select=Select(("id", name))
    )
    page = await engine.run(q)
    out: dict[Any, str] = {}
    by_text = {str(v): v for v in values}
    for record in page.records:
        data = orjson.loads(record)
        held = data.get(name)
        if sub is not None and isinstance(held, dict):
            held = held.get(sub)
        if held is not None and str(held) in by_text:
            out[by_text[str(held)]] = data["id"]
    return out


__all__ = ["HeaderError", "ImportReport", "Rejected", "file_format", "import_file", "report_path"]
