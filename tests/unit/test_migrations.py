"""The migrations build exactly the system tables the code defines (``vingt.db.system``), on
SQLite and PostgreSQL, from DDL written out in each revision (hardening §18): a fresh database
upgraded to head has no difference from the live definitions, as Alembic's autogenerate sees
them (tables, columns, types, nullability, indexes, unique and foreign keys).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from conftest import pg_database
from vingt.db import system
from vingt.db.migrate import upgrade
from vingt.db.url import parse_database_url

MIGRATIONS = Path(__file__).resolve().parents[2] / "src" / "vingt" / "migrations" / "versions"


def differences(url: str) -> list[Any]:
    parsed = parse_database_url(url)
    upgrade(parsed)
    if parsed.kind == "sqlite":
        engine = sa.create_engine(parsed.sqlalchemy_url)
        with engine.connect() as conn:
            found = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), system.metadata)
        engine.dispose()
        return found

    async def run() -> list[Any]:
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(parsed.sqlalchemy_url)
        async with engine.connect() as conn:
            found = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), system.metadata)
            )
        await engine.dispose()
        return found

    return asyncio.run(run())


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_head_matches_the_live_table_definitions(kind: str, tmp_path: Path) -> None:
    if kind == "sqlite":
        assert differences(f"sqlite:///{tmp_path / 'fresh.db'}") == []
        return
    with pg_database("migrations") as url:
        assert differences(url) == []


def test_revisions_do_not_import_the_live_definitions() -> None:
    for revision in sorted(MIGRATIONS.glob("*.py")):
        text = revision.read_text()
        assert "vingt.db import system" not in text and "vingt.db.system" not in text.replace(
            "``vingt.db.system``", ""
        ), revision.name


def test_readyz_names_system_tables_behind_the_migrations(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from vingt.app import create_app
    from vingt.readiness import head_revision
    from vingt.settings import Settings

    url = f"sqlite:///{tmp_path / 'ready.db'}"
    upgrade(parse_database_url(url))
    with TestClient(create_app(Settings(database_url=url))) as client:
        r = client.get("/readyz")
        assert r.status_code == 200, r.text
        engine = sa.create_engine(parse_database_url(url).sqlalchemy_url)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
        engine.dispose()
        r = client.get("/readyz")
        assert r.status_code == 503, r.text
        assert r.json()["checks"] == {
            "database": "ok",
            "migrations": f"at 0001, expected {head_revision()}: restart vingt serve, which upgrades them",
        }
