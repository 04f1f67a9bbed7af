"""The ``idempotencyKey`` table: claims on (workspace, key) and the responses they stored.

The protocol (who may write, when to replay or wait) lives in ``vingt.rest.idempotency``;
this module only reads and writes rows, each change in its own short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from vingt.db import system
from vingt.db.database import Database
from vingt.db.statements import execute, fetch
from vingt.sql.dialect import Dialect

T = system.idempotency_key


@dataclass(frozen=True)
class Claim:
    workspace_id: str
    key: str
    claim_id: str


@dataclass(frozen=True)
class Stored:
    request_hash: str
    claim_id: str
    status: int | None
    body: str | None
    headers: str | None
    created_at: str
    completed_at: str | None


class IdempotencyStore:
    def __init__(self, db: Database, dialect: Dialect):
        self.db = db
        self.dialect = dialect

    def _this(self, workspace_id: str, key: str) -> Any:
        return (T.c.workspaceId == workspace_id) & (T.c.key == key)

    async def claim(self, claim: Claim, request_hash: str, now: str) -> bool:
        """Insert the claim unless the key is held: True when this request won it."""
        insert = postgresql.insert if self.dialect.name == "postgresql" else sqlite.insert
        stmt = (
            insert(T)
            .values(workspaceId=claim.workspace_id, key=claim.key, requestHash=request_hash,
                    claimId=claim.claim_id, createdAt=now)
            .on_conflict_do_nothing(index_elements=["workspaceId", "key"])
        )
        async with self.db.transaction() as conn:
            return bool(await execute(conn, self.dialect, stmt))

    async def read(self, workspace_id: str, key: str) -> Stored | None:
        rows = await fetch(
            self.db, self.dialect,
            sa.select(T.c.requestHash, T.c.claimId, T.c.status, T.c.body, T.c.headers, T.c.createdAt, T.c.completedAt)
            .where(self._this(workspace_id, key)),
        )
        if not rows:
            return None
        r = rows[0]
        return Stored(str(r[0]), str(r[1]), None if r[2] is None else int(r[2]), r[3], r[4], str(r[5]),
                      None if r[6] is None else str(r[6]))

    async def forget(self, workspace_id: str, key: str, owner: str) -> None:
        async with self.db.transaction() as conn:
            await execute(conn, self.dialect, sa.delete(T).where(self._this(workspace_id, key), T.c.claimId == owner))

    async def take_over(self, claim: Claim, owner: str, now: str) -> bool:
        """Move an unfinished claim of ``owner`` to ``claim``: True when it moved."""
        async with self.db.transaction() as conn:
            return bool(await execute(
                conn, self.dialect,
                sa.update(T)
                .where(self._this(claim.workspace_id, claim.key), T.c.claimId == owner, T.c.completedAt.is_(None))
                .values(claimId=claim.claim_id, createdAt=now),
            ))

    async def complete(self, claim: Claim, status: int, body: str, headers: str, now: str) -> None:
        async with self.db.transaction() as conn:
            await execute(
                conn, self.dialect,
                sa.update(T)
                .where(self._this(claim.workspace_id, claim.key), T.c.claimId == claim.claim_id)
                .values(status=status, body=body, headers=headers, completedAt=now),
            )

    async def release(self, claim: Claim) -> None:
        async with self.db.transaction() as conn:
            await execute(
                conn, self.dialect,
                sa.delete(T).where(
                    self._this(claim.workspace_id, claim.key), T.c.claimId == claim.claim_id, T.c.completedAt.is_(None)
                ),
            )

    async def delete_older_than(self, before: str) -> None:
        async with self.db.transaction() as conn:
            await execute(conn, self.dialect, sa.delete(T).where(T.c.createdAt < before))
