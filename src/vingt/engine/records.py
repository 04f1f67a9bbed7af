"""Record operations: the one engine behind REST (and GraphQL).

Each operation takes IR from a front end, plans it against the workspace catalog, runs
compiled SQL, and returns records as JSON text rendered by the database. The stages live
in their own modules: ``reads``, ``writes`` and ``preconditions`` (``If-Match``).
"""

from __future__ import annotations

from dataclasses import dataclass

from vingt.auth.access import FULL, Access
from vingt.db.database import Database
from vingt.engine.preconditions import Tagged, etag, matches, stamp_text
from vingt.engine.query import decode_cursor
from vingt.engine.reads import Page
from vingt.engine.writes import MAX_BATCH, Writes, match_keys
from vingt.metadata.model import Catalog
from vingt.sql.dialect import Dialect

__all__ = [
    "MAX_BATCH", "Actor", "Engine", "Page", "Tagged", "decode_cursor", "etag", "match_keys", "matches", "stamp_text",
]


@dataclass(frozen=True)
class Actor:
    source: str = "API"
    name: str = ""
    workspace_member_id: str | None = None
    api_key_id: str | None = None  # the API key the request authenticated with
    access: Access = FULL  # what that key may do


class Engine(Writes):
    """Record operations for one workspace snapshot."""

    def __init__(self, db: Database, dialect: Dialect, catalog: Catalog, actor: Actor, max_affected: int = 100):
        self.db = db
        self.max_affected = max_affected
        self.dialect = dialect
        self.catalog = catalog
        self.actor = actor
        self.access = actor.access
