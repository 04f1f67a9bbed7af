"""Database URLs: ``sqlite:///relative.db``, ``sqlite:////absolute.db``,
``postgresql://user[:password]@host[:port]/dbname``."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class DatabaseUrl:
    kind: str  # "sqlite" | "postgresql"
    raw: str
    path: str = ""  # sqlite file path (or ":memory:")

    @property
    def sqlalchemy_url(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        return "postgresql+asyncpg://" + self.raw.split("://", 1)[1]

    @property
    def dbname(self) -> str:
        return unquote(urlsplit(self.raw).path.lstrip("/"))


def parse_database_url(url: str) -> DatabaseUrl:
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path:
            raise ValueError("sqlite URL needs a file path: sqlite:///vingt.db")
        return DatabaseUrl("sqlite", url, path)
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        if not parts.hostname or not parts.path.strip("/"):
            raise ValueError("postgresql URL must be postgresql://user[:password]@host[:port]/dbname")
        return DatabaseUrl("postgresql", "postgresql://" + url.split("://", 1)[1])
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///file.db or postgresql://user@host/db")
