"""Who is calling, and the metadata snapshot of their workspace.

Verified tokens, API-key rows and catalogs are cached in memory; the caches are dropped
when another process announces a change (``db.changes``), so a revoked key or a metadata
change is seen on the next request without a round trip on every request. A request that
still meets another table shape than its catalog's (the change's announcement is not in
yet) gets ``StaleSchema`` from the database layer; ``stale`` then drops that workspace's
catalog so that the retried request loads the current one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from vingt.auth.access import FULL, Access
from vingt.auth.tokens import verify_token
from vingt.db.changes import ChangeFeed
from vingt.db.database import Database
from vingt.db.system_queries import load_api_key
from vingt.errors import ApiError
from vingt.metadata.model import Catalog
from vingt.metadata.store import load_catalog
from vingt.sql.dialect import Dialect

MAX_CACHED_TOKENS = 10_000


@dataclass(frozen=True)
class Principal:
    workspace_id: str
    key_id: str
    key_name: str
    catalog: Catalog
    access: Access = FULL


@dataclass(frozen=True)
class _KeyRow:
    name: str
    revoked: bool
    schema: str
    version: int


class Registry:
    def __init__(
        self,
        db: Database,
        dialect: Dialect,
        secret: str,
        changes: ChangeFeed,
        statement_cache_size: int = 512,
        selection_cache_size: int = 512,
    ):
        self.db = db
        self.dialect = dialect
        self.secret = secret
        self.changes = changes
        self.statement_cache_size = statement_cache_size
        self.selection_cache_size = selection_cache_size
        self._tokens: dict[str, tuple[str, str, float, Access]] = {}
        self._keys: dict[tuple[str, str], _KeyRow] = {}
        self._catalogs: dict[str, Catalog] = {}

    def forget(self) -> None:
        """Drop what may be stale (keys, versions); verified signatures stay valid."""
        self._keys.clear()

    async def stale(self, workspace_id: str) -> None:
        """A statement met tables of another shape than this workspace's catalog: reload the
        catalog (and the metadata version) on the next request, with fresh connections."""
        self._keys.clear()
        if self._catalogs.pop(workspace_id, None) is not None:
            await self._schema_changed()

    async def stale_for(self, authorization: str | None) -> None:
        """``stale`` for the workspace of this bearer token (if it was verified)."""
        cached = self._tokens.get(_bearer(authorization))
        if cached is not None:
            await self.stale(cached[0])
        else:
            self._keys.clear()

    async def authenticate(self, authorization: str | None) -> Principal:
        if self.changes.changed():
            self.forget()
        token = _bearer(authorization)
        cached = self._tokens.get(token)
        if cached is None or cached[2] <= time.time():
            claims = verify_token(self.secret, token)
            if len(self._tokens) >= MAX_CACHED_TOKENS:
                self._tokens.clear()
            cached = (claims.workspace_id, claims.key_id, claims.expires_at, claims.access)
            self._tokens[token] = cached
            if claims.expires_at <= time.time():
                raise ApiError("UNAUTHENTICATED", "Token has expired.")
        workspace_id, key_id, _, access = cached
        key = self._keys.get((workspace_id, key_id))
        if key is None:
            key = await self._load_key(workspace_id, key_id)
            self._keys[(workspace_id, key_id)] = key
        if key.revoked:
            raise ApiError("FORBIDDEN", "This API Key is revoked", {"reason": "API_KEY_REVOKED"})
        catalog = self._catalogs.get(workspace_id)
        if catalog is None or catalog.version != key.version:
            if catalog is not None:
                await self._schema_changed()
            catalog = await load_catalog(self.db, self.dialect, workspace_id, key.schema, key.version)
            catalog.statement_cache_size = self.statement_cache_size
            catalog.selection_cache_size = self.selection_cache_size
            self._catalogs[workspace_id] = catalog
        return Principal(workspace_id, key_id, key.name, catalog, access)

    async def _schema_changed(self) -> None:
        """Tables changed shape: statements prepared against the old shape must go."""
        pool = getattr(self.db, "pool", None)
        if pool is not None:
            await pool.expire_connections()

    async def _load_key(self, workspace_id: str, key_id: str) -> _KeyRow:
        found = await load_api_key(self.db, self.dialect, workspace_id, key_id)
        if found is None:
            raise ApiError("UNAUTHENTICATED", "Workspace not found", {"reason": "WORKSPACE_NOT_FOUND"})
        if found.key_name is None:
            return _KeyRow("", True, found.schema, found.version)
        return _KeyRow(found.key_name, found.revoked, found.schema, found.version)


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise ApiError("FORBIDDEN", "Missing authentication token", {"reason": "MISSING_TOKEN"})
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError("FORBIDDEN", "Missing authentication token", {"reason": "MISSING_TOKEN"})
    return token
