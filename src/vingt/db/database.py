"""Executing compiled SQL: asyncpg for PostgreSQL, the stdlib ``sqlite3`` module for SQLite.

Both expose the same small surface: ``fetch`` (a read in autocommit) and ``transaction()``
(a connection inside one transaction with ``fetch`` / ``execute`` / ``executemany``).
Driver constraint errors are translated into ``IntegrityViolation`` so the engine can name
the offending field without knowing the driver; errors that say a statement met tables of
another shape than the one it was written for (a metadata change by another process) into
``StaleSchema``, on which the request reloads its catalog and runs again.

SQLite runs inline on the event loop: its queries take tens of microseconds, far less than
a thread hop. A transaction never awaits anything that suspends, so two transactions of one
process cannot interleave on the shared connection; a lock guards the rare case anyway.

A **unit of work** (``Database.unit()``) is one transaction that every ``transaction()``,
``write()`` and ``fetch()`` of the same task joins until the unit ends: a write and what must
commit with it (its events, the idempotency record of the request) are one transaction even
when they are made by different layers. An exception leaving the unit rolls all of it back.
"""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import orjson

from vingt.db.url import DatabaseUrl


class IntegrityViolation(Exception):
    def __init__(self, kind: str, column: str | None, constraint: str | None, message: str):
        super().__init__(message)
        self.kind = kind  # unique | foreign_key | not_null | check
        self.column = column
        self.constraint = constraint


class DataError(Exception):
    """A value the database refused (out of range, bad text for a type)."""


class Contended(Exception):
    """The database rolled the transaction back to break a deadlock (or a serialization
    failure) with a concurrent one: running it again is safe and usually succeeds."""


class StaleSchema(Exception):
    """A statement met a table shape other than its catalog's (an unknown column or table,
    a prepared plan whose result type changed). Its transaction was rolled back."""


Row = Sequence[Any]


class Stats:
    """Statements sent to the database by this process (observed by tests and benchmarks)."""

    statements = 0


_counted: ContextVar[bool] = ContextVar("vingt_counted", default=True)


def _count() -> None:
    if _counted.get():
        Stats.statements += 1


def stop_counting() -> None:
    """Leave the statements of the running task (and the tasks it starts) out of ``Stats``:
    background work that belongs to no request."""
    _counted.set(False)


class Connection:
    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        raise NotImplementedError

    async def executemany(self, sql: str, rows: list[Sequence[Any]]) -> None:
        raise NotImplementedError


# the unit of work of the running task: its database and the connection of its transaction
_unit: ContextVar[tuple[Database, Connection] | None] = ContextVar("vingt_unit_of_work", default=None)


class Database:
    kind: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def joined(self) -> Connection | None:
        """The connection of the unit of work this task runs in, if any (on this database)."""
        unit = _unit.get()
        return unit[1] if unit is not None and unit[0] is self else None

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """A read: in the task's unit of work if there is one, else in autocommit."""
        conn = self.joined()
        if conn is not None:
            return await conn.fetch(sql, params)
        return await self._fetch(sql, params)

    async def write(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """One writing statement in its own transaction (or the task's unit of work); the rows
        it returns (RETURNING)."""
        conn = self.joined()
        if conn is not None:
            return await conn.fetch(sql, params)
        return await self._write(sql, params)

    @asynccontextmanager
    async def transaction(self, ddl: bool = False) -> AsyncIterator[Connection]:
        """One transaction, or the task's unit of work when one is open (which then commits
        or rolls back as a whole). ``ddl``: see the SQLite implementation."""
        conn = self.joined()
        if conn is not None:
            yield conn
            return
        async with self._begin(ddl) as conn:
            yield conn

    @asynccontextmanager
    async def unit(self, ddl: bool = False) -> AsyncIterator[Connection]:
        """Open a unit of work: one transaction that the task's later ``transaction()``,
        ``write()`` and ``fetch()`` calls join until it ends."""
        async with self.transaction(ddl) as conn:
            token = _unit.set((self, conn))
            try:
                yield conn
            finally:
                _unit.reset(token)

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Row]:
        raise NotImplementedError

    async def _write(self, sql: str, params: Sequence[Any]) -> list[Row]:
        raise NotImplementedError

    def _begin(self, ddl: bool) -> Any:
        raise NotImplementedError

    def pool_use(self) -> tuple[int, int, int]:
        """Connections (open, in use, most that may be open), for the metrics."""
        raise NotImplementedError


# ---- SQLite ---------------------------------------------------------------------------------

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (\S+?)\.(\w+)")
_SQLITE_NOT_NULL = re.compile(r"NOT NULL constraint failed: (\S+?)\.(\w+)")


def _sqlite_integrity(exc: sqlite3.IntegrityError) -> IntegrityViolation:
    msg = str(exc)
    if m := _SQLITE_UNIQUE.search(msg):
        column = m.group(2)
        return IntegrityViolation("unique", "id" if column == "id" else column, None, msg)
    if m := _SQLITE_NOT_NULL.search(msg):
        return IntegrityViolation("not_null", m.group(2), None, msg)
    if "FOREIGN KEY" in msg:
        return IntegrityViolation("foreign_key", None, None, msg)
    return IntegrityViolation("check", None, None, msg)


_SQLITE_STALE = ("no such column", "no such table", "has no column named")


# what SQLite reports when one of the functions below raises (only vingt_regexp does, on a
# pattern that does not compile)
_UDF_FAILED = "user-defined function raised exception"


def _sqlite_stale(exc: sqlite3.OperationalError) -> bool:
    msg = str(exc)
    return any(m in msg for m in _SQLITE_STALE)


class SqliteConnection(Connection):
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        _count()
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.IntegrityError as exc:
            raise _sqlite_integrity(exc) from exc
        except sqlite3.OperationalError as exc:
            if _sqlite_stale(exc):
                raise StaleSchema(str(exc)) from exc
            if _UDF_FAILED in str(exc):
                raise DataError("invalid regular expression in a filter") from exc
            raise

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        _count()
        try:
            return self.conn.execute(sql, params).rowcount
        except sqlite3.IntegrityError as exc:
            raise _sqlite_integrity(exc) from exc
        except sqlite3.OperationalError as exc:
            if _sqlite_stale(exc):
                raise StaleSchema(str(exc)) from exc
            if _UDF_FAILED in str(exc):
                raise DataError("invalid regular expression in a filter") from exc
            raise

    async def executemany(self, sql: str, rows: list[Sequence[Any]]) -> None:
        _count()
        try:
            self.conn.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            raise _sqlite_integrity(exc) from exc
        except sqlite3.OperationalError as exc:
            if _sqlite_stale(exc):
                raise StaleSchema(str(exc)) from exc
            if _UDF_FAILED in str(exc):
                raise DataError("invalid regular expression in a filter") from exc
            raise


def connect_sqlite(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA case_sensitive_like = ON")
    # SQLite's lower() folds ASCII only; ilike needs Unicode case folding
    conn.create_function("vingt_casefold", 1, lambda v: v.casefold() if isinstance(v, str) else v, deterministic=True)
    # regex / iregex filters (PostgreSQL's ~ and ~*) and containsJsonb (jsonb's @>)
    conn.create_function("vingt_regexp", 3, _regexp, deterministic=True)
    conn.create_function("vingt_json_contains", 2, _json_contains, deterministic=True)
    return conn


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str, insensitive: bool) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE if insensitive else 0)


def _regexp(pattern: Any, value: Any, insensitive: Any) -> int | None:
    """``value ~ pattern`` (``~*`` when ``insensitive``), with Python's regular expressions."""
    if pattern is None or value is None:
        return None
    return 1 if _pattern(str(pattern), bool(insensitive)).search(str(value)) else 0


def _json_contains(document: Any, pattern: Any) -> int | None:
    """``document @> pattern`` on JSON texts, as PostgreSQL's jsonb containment."""
    if document is None or pattern is None:
        return None
    try:
        doc, want = orjson.loads(document), orjson.loads(pattern)
    except orjson.JSONDecodeError:
        return 0
    if isinstance(doc, list) and not isinstance(want, list | dict):
        want = [want]  # a top-level array contains a primitive
    return 1 if _contains(doc, want) else 0


def _contains(doc: Any, want: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(doc, dict) and all(k in doc and _contains(doc[k], v) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(doc, list) and all(
            any(_contains(d, w) for d in doc) for w in want
        )
    if isinstance(doc, dict | list):
        return False
    # JSON booleans are not numbers (Python's True == 1 is)
    return type(doc) is type(want) and doc == want if isinstance(doc, bool) or isinstance(want, bool) else doc == want


class SqliteDatabase(Database):
    kind = "sqlite"

    def __init__(self, url: DatabaseUrl):
        self.path = url.path
        self.conn: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        self.conn = connect_sqlite(self.path)

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def pool_use(self) -> tuple[int, int, int]:
        """One connection, shared by the process: in use while a write transaction holds it
        (reads run inline on the event loop and never wait for it)."""
        return (0 if self.conn is None else 1), int(self._lock.locked()), 1

    def data_version(self) -> int:
        """Changes whenever another connection commits: a free check for outside changes."""
        assert self.conn is not None
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Row]:
        assert self.conn is not None
        return await SqliteConnection(self.conn).fetch(sql, params)

    async def _write(self, sql: str, params: Sequence[Any]) -> list[Row]:
        assert self.conn is not None
        async with self._lock:
            return await SqliteConnection(self.conn).fetch(sql, params)

    @asynccontextmanager
    async def _begin(self, ddl: bool) -> AsyncIterator[Connection]:
        """One write transaction. ``ddl``: a schema change, run with foreign-key actions off
        (SQLite rebuilds tables by drop-and-rename, which must not cascade) and checked
        before commit."""
        assert self.conn is not None
        async with self._lock:
            if ddl:
                self.conn.execute("PRAGMA foreign_keys = OFF")
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteConnection(self.conn)
                if ddl and self.conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                    raise IntegrityViolation("foreign_key", None, None, "schema change broke a foreign key")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                if ddl:
                    self.conn.execute("PRAGMA foreign_keys = ON")


# ---- PostgreSQL -----------------------------------------------------------------------------


def _pg_integrity(exc: Exception) -> IntegrityViolation:
    import asyncpg

    constraint = getattr(exc, "constraint_name", None)
    column = getattr(exc, "column_name", None)
    if isinstance(exc, asyncpg.UniqueViolationError):
        kind = "unique"
        detail = getattr(exc, "detail", "") or ""
        m = re.search(r'Key \("?([^")]+)"?\)=', detail)
        if m:
            column = m.group(1)
    elif isinstance(exc, asyncpg.ForeignKeyViolationError):
        kind = "foreign_key"
    elif isinstance(exc, asyncpg.NotNullViolationError):
        kind = "not_null"
    else:
        kind = "check"
    return IntegrityViolation(kind, column, constraint, str(exc))


async def _init_pg_connection(conn: Any) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(
            typ, encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads, schema="pg_catalog"
        )


async def _no_reset(conn: Any) -> None:
    """Skip asyncpg's reset round trip on every release: connections carry no session
    state (no LISTEN, advisory locks, cursors or SET) between uses."""


class PgConnection(Connection):
    def __init__(self, conn: Any):
        self.conn = conn

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await _pg_call(self.conn.fetch(sql, *params))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        status = await _pg_call(self.conn.execute(sql, *params))
        try:
            return int(status.rsplit(" ", 1)[-1])
        except ValueError:
            return 0

    async def executemany(self, sql: str, rows: list[Sequence[Any]]) -> None:
        await _pg_call(self.conn.executemany(sql, rows))


async def _pg_call(awaitable: Any) -> Any:
    import asyncpg

    _count()
    try:
        return await awaitable
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise _pg_integrity(exc) from exc
    except (asyncpg.DataError, asyncpg.exceptions.InvalidTextRepresentationError) as exc:
        raise DataError(str(exc)) from exc
    except (
        asyncpg.exceptions.UndefinedColumnError,
        asyncpg.exceptions.UndefinedTableError,
        asyncpg.exceptions.InvalidCachedStatementError,
    ) as exc:
        raise StaleSchema(str(exc)) from exc
    except asyncpg.exceptions.FeatureNotSupportedError as exc:
        if "cached plan" in str(exc):
            raise StaleSchema(str(exc)) from exc
        raise
    except (asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError) as exc:
        raise Contended(str(exc)) from exc


class PostgresDatabase(Database):
    kind = "postgresql"

    def __init__(self, url: DatabaseUrl, min_size: int = 2, max_size: int = 10):
        self.url = url
        self.pool: Any = None
        self.min_size = min_size
        self.max_size = max_size

    async def start(self) -> None:
        import asyncpg

        self.pool = await asyncpg.create_pool(
            self.url.raw,
            min_size=self.min_size,
            max_size=self.max_size,
            init=_init_pg_connection,
            reset=_no_reset,
            server_settings={"TimeZone": "UTC", "application_name": "vingt"},
        )

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None

    def pool_use(self) -> tuple[int, int, int]:
        if self.pool is None:
            return 0, 0, self.max_size
        size = self.pool.get_size()
        return size, size - self.pool.get_idle_size(), self.pool.get_max_size()

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return await _pg_call(self.pool.fetch(sql, *params))

    async def _write(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return await _pg_call(self.pool.fetch(sql, *params))

    @asynccontextmanager
    async def _begin(self, ddl: bool) -> AsyncIterator[Connection]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield PgConnection(conn)


def open_database(url: DatabaseUrl) -> Database:
    if url.kind == "sqlite":
        return SqliteDatabase(url)
    return PostgresDatabase(url)
