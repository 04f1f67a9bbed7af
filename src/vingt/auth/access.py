"""What an API key may do: its scope (``read`` or ``write``) and the objects it may reach.

Both are claims of the key's token (``scope``, ``objects``), signed with it, and stored beside
the key for ``vingt apikey list``; a token without them (minted before scopes existed, or by
Twenty) may write every object. The record engine checks them on every operation, whichever
front end built it; the metadata and webhook services check them on every change.

- A ``read`` key reads (lists, single records, groupBy, duplicates, the change feed) and
  writes nothing: records, metadata and webhooks are refused with 403 ``FORBIDDEN``.
- A key limited to some objects reaches only their records. Relations to other objects are
  left out of what ``depth`` embeds; a selection that names one explicitly is refused. It
  cannot change metadata or webhooks, nor read webhooks or their delivery logs (they carry
  other objects' events), and the change feed shows it only its objects' events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vingt.errors import ApiError

SCOPES = ("read", "write")


@dataclass(frozen=True, slots=True)
class Access:
    scope: str = "write"
    objects: frozenset[str] | None = None  # singular object names; None: every object

    @staticmethod
    def from_claims(claims: dict[str, Any]) -> Access:
        """The access a verified token's claims grant; ``ValueError`` for a malformed claim
        (the token is then refused)."""
        scope = claims.get("scope", "write")
        objects = claims.get("objects")
        if scope not in SCOPES:
            raise ValueError("scope")
        if objects is not None and (not isinstance(objects, list) or not all(isinstance(o, str) for o in objects)):
            raise ValueError("objects")
        return Access(scope, frozenset(objects) if objects is not None else None)

    def claims(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scope": self.scope}
        if self.objects is not None:
            out["objects"] = sorted(self.objects)
        return out

    @property
    def whole(self) -> bool:
        """Every object: no record is out of reach."""
        return self.objects is None

    def reaches(self, object_name: str) -> bool:
        return self.objects is None or object_name in self.objects

    def visible(self, names: Iterable[str]) -> list[str]:
        return [n for n in names if self.reaches(n)]

    def require_object(self, object_name: str, *, write: bool) -> None:
        """Refuse a read (or, with ``write``, a write) of ``object_name``'s records."""
        if not self.reaches(object_name):
            raise ApiError(
                "FORBIDDEN",
                f"This API key cannot access object '{object_name}': its objects are "
                + ", ".join(sorted(self.objects or ())),
                {"reason": "OBJECT_NOT_IN_SCOPE", "object": object_name, "objects": sorted(self.objects or ())},
            )
        if write and self.scope != "write":
            raise ApiError(
                "FORBIDDEN",
                f"This API key's scope is '{self.scope}': it cannot write records",
                {"reason": "READ_ONLY_SCOPE", "scope": self.scope},
            )

    def require_workspace(self, what: str, *, write: bool) -> None:
        """Refuse ``what`` (metadata or webhook changes, webhook reads) to a key limited to
        some objects, and any change to a ``read`` key."""
        if write and self.scope != "write":
            raise ApiError(
                "FORBIDDEN",
                f"This API key's scope is '{self.scope}': it cannot change {what}",
                {"reason": "READ_ONLY_SCOPE", "scope": self.scope},
            )
        if self.objects is not None:
            raise ApiError(
                "FORBIDDEN",
                f"This API key is limited to some objects ({', '.join(sorted(self.objects))}): "
                f"it cannot {'change' if write else 'read'} {what}",
                {"reason": "OBJECT_NOT_IN_SCOPE", "objects": sorted(self.objects)},
            )


FULL = Access()
