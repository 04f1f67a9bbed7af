"""The ``webhook`` table: rows in, rows out; validation lives in ``vingt.webhooks``."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from vingt.db import deliveries, system
from vingt.db.database import Database
from vingt.db.statements import execute, fetch
from vingt.sql.dialect import Dialect

T = system.webhook
COLUMNS = ("id", "workspaceId", "targetUrl", "operations", "description", "secret", "createdAt", "updatedAt",
           "deletedAt")


def _row(r: Any) -> dict[str, Any]:
    row = dict(zip(COLUMNS, r, strict=True))
    row["operations"] = orjson.loads(row["operations"])
    return row


class WebhookStore:
    def __init__(self, db: Database, dialect: Dialect, workspace_id: str):
        self.db = db
        self.dialect = dialect
        self.workspace_id = workspace_id

    def _live(self) -> Any:
        return (T.c.workspaceId == self.workspace_id) & T.c.deletedAt.is_(None)

    async def list(self) -> list[dict[str, Any]]:
        """The workspace's webhooks that are not deleted, oldest first."""
        stmt = sa.select(*[T.c[c] for c in COLUMNS]).where(self._live()).order_by(T.c.createdAt, T.c.id)
        return [_row(r) for r in await fetch(self.db, self.dialect, stmt)]

    async def get(self, webhook_id: str) -> dict[str, Any] | None:
        stmt = sa.select(*[T.c[c] for c in COLUMNS]).where(self._live(), T.c.id == webhook_id)
        rows = await fetch(self.db, self.dialect, stmt)
        return _row(rows[0]) if rows else None

    async def insert(self, row: dict[str, Any]) -> None:
        values = {**row, "operations": orjson.dumps(row["operations"]).decode()}
        async with self.db.transaction() as conn:
            await execute(conn, self.dialect, sa.insert(T).values(values))

    async def update(self, webhook_id: str, changes: dict[str, Any]) -> bool:
        values = dict(changes)
        if "operations" in values:
            values["operations"] = orjson.dumps(values["operations"]).decode()
        async with self.db.transaction() as conn:
            stmt = sa.update(T).where(self._live(), T.c.id == webhook_id).values(values)
            return bool(await execute(conn, self.dialect, stmt))

    async def delete(self, webhook_id: str, now: str) -> bool:
        """Soft-delete: the webhook stops firing (its pending deliveries with it)."""
        async with self.db.transaction() as conn:
            stmt = sa.update(T).where(self._live(), T.c.id == webhook_id).values(deletedAt=now, updatedAt=now)
            deleted = bool(await execute(conn, self.dialect, stmt))
            await deliveries.fail_pending(conn, self.dialect, now, webhook_id=webhook_id)
            return deleted
