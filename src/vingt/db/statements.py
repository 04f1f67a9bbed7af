"""Running SQLAlchemy Core statements on a ``Database`` or ``Connection``.

Used for the system tables, where statements are few and small. The record engine
compiles and caches its own statements by plan shape (``engine.compile``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vingt.db.database import Connection, Database, Row
from vingt.sql.dialect import Dialect


def compile_with_params(dialect: Dialect, stmt: Any) -> tuple[str, list[Any]]:
    compiled = stmt.compile(dialect=dialect.sa_dialect, compile_kwargs={"render_postcompile": True})
    names = getattr(compiled, "positiontup", None) or []
    params = compiled.params if names else {}
    return str(compiled), [params[name] for name in names]


async def fetch(target: Database | Connection, dialect: Dialect, stmt: Any) -> list[Row]:
    sql, params = compile_with_params(dialect, stmt)
    return await target.fetch(sql, params)


async def execute(conn: Connection, dialect: Dialect, stmt: Any) -> int:
    sql, params = compile_with_params(dialect, stmt)
    return await conn.execute(sql, params)


_once: dict[tuple[str, str], str] = {}


def compiled_once(dialect: Dialect, key: str, build: Any, names: Sequence[str]) -> str:
    """The SQL of a statement whose shape never changes, built with ``bindparam``s named
    ``names`` (checked to be taken in that order), compiled once per dialect."""
    sql = _once.get((dialect.name, key))
    if sql is None:
        compiled = build().compile(dialect=dialect.sa_dialect)
        assert tuple(getattr(compiled, "positiontup", None) or ()) == tuple(names), compiled.positiontup
        sql = _once[(dialect.name, key)] = str(compiled)
    return sql


async def execute_rows(conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """``sql`` once per row of values, in one round trip (nothing for no rows)."""
    if len(rows) == 1:
        await conn.execute(sql, rows[0])
    elif rows:
        await conn.executemany(sql, list(rows))
