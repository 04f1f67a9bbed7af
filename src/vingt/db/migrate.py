"""Create or upgrade the system tables with Alembic."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from vingt.db.url import DatabaseUrl

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _upgrade(connection: Any) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


def upgrade(url: DatabaseUrl) -> None:
    """Bring the system tables to the newest revision (idempotent)."""
    if url.kind == "sqlite":
        import sqlalchemy as sa

        engine = sa.create_engine(url.sqlalchemy_url)
        with engine.begin() as conn:
            _upgrade(conn)
        engine.dispose()
        return

    async def run() -> None:
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(url.sqlalchemy_url)
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade)
        await engine.dispose()

    asyncio.run(run())
