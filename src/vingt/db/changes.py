"""Noticing changes made by other processes (a revoked key, a metadata change).

PostgreSQL: ``LISTEN vingt_changes`` on a dedicated connection; writers ``NOTIFY`` in their
transaction. SQLite: ``PRAGMA data_version`` moves whenever another connection commits.
Either way a request asks ``changed()``, which costs no round trip.
"""

from __future__ import annotations

from typing import Any

from vingt.db.database import Connection, Database, SqliteDatabase

CHANNEL = "vingt_changes"


class ChangeFeed:
    def __init__(self, db: Database):
        self.db = db
        self._dirty = False
        self._listener: Any = None
        self._version: int | None = None

    async def start(self) -> None:
        if isinstance(self.db, SqliteDatabase):
            self._version = self.db.data_version()
            return
        import asyncpg

        self._listener = await asyncpg.connect(self.db.url.raw)  # type: ignore[attr-defined]
        await self._listener.add_listener(CHANNEL, self._on_notify)
        self._listener.add_termination_listener(lambda _conn: self._mark())

    def _on_notify(self, *_args: Any) -> None:
        self._dirty = True

    def _mark(self) -> None:
        self._dirty = True

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None

    def changed(self) -> bool:
        """True once after something changed elsewhere since the last call."""
        if isinstance(self.db, SqliteDatabase) and self.db.conn is not None:
            version = self.db.data_version()
            if version != self._version:
                self._version = version
                return True
            return False
        if self._dirty:
            self._dirty = False
            return True
        return False


async def announce(conn: Connection, kind: str, what: str) -> None:
    """Tell other processes, when the transaction commits, that something changed."""
    if type(conn).__name__ == "PgConnection":
        await conn.execute(f"SELECT pg_notify('{CHANNEL}', $1)", [f"{kind}:{what}"])
