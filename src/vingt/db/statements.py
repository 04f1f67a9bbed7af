"""Running SQLAlchemy Core statements on a ``Database`` or ``Connection``.

Used for the system tables, where statements are few and small. The record engine
compiles and caches its own statements by plan shape (``engine.compile``).
"""

from __future__ import annotations

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
