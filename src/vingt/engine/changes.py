"""What a write changed: one ``Change`` per record touched, with the record's JSON before
and after (``None`` where the record did not exist), for events to be built from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal["created", "updated", "deleted", "destroyed", "restored"]


@dataclass(frozen=True)
class Change:
    action: Action
    record_id: str
    before: str | None
    after: str | None


def changes(action: Action, ids: list[str], before: dict[str, str], after: dict[str, str]) -> list[Change]:
    """The changes of the records ``ids``, in that order, from snapshots by id."""
    return [Change(action, rid, before.get(rid), after.get(rid)) for rid in ids]
