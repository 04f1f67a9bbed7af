"""Webhook operations: ``<object>.<action>`` patterns and Twenty's matching rule (AUTH_WEBHOOKS.md §6.2).

An operation is ``person.created``, ``person.*``, ``*.deleted`` or ``*.*`` (an object's singular
name or ``*``, then an action or ``*``); metadata events are ``metadata.<name>.<created|updated|
deleted>`` with ``*`` on either part. An event named ``N.A`` fires a webhook whose operations hold
``N.A``, ``*.A``, ``N.*`` or ``*.*`` — plain membership, no other globbing.
"""

from __future__ import annotations

import re

from vingt.errors import ApiError

ACTIONS = ("created", "updated", "deleted", "destroyed", "restored")
METADATA_ACTIONS = ("created", "updated", "deleted")
MAX_OPERATIONS = 100
DEFAULT = ["*.*"]

_RECORD = re.compile(r"(\*|[a-z][a-zA-Z0-9]*)\.(\*|" + "|".join(ACTIONS) + r")")
_METADATA = re.compile(r"metadata\.(\*|[a-z][a-zA-Z0-9]*)\.(\*|" + "|".join(METADATA_ACTIONS) + r")")


def check(raw: object) -> list[str]:
    """The operations as stored (duplicates dropped, order kept); 400 when malformed."""
    if not isinstance(raw, list) or not raw or len(raw) > MAX_OPERATIONS:
        raise ApiError(
            "INVALID_WEBHOOK_INPUT",
            f"'operations' must be a list of 1 to {MAX_OPERATIONS} operations such as person.created or *.*",
            {"field": "operations", "limit": MAX_OPERATIONS},
        )
    out: list[str] = []
    for op in raw:
        if not isinstance(op, str) or not (_RECORD.fullmatch(op) or _METADATA.fullmatch(op)):
            raise ApiError(
                "INVALID_WEBHOOK_INPUT",
                f"Invalid operation {op!r}: expected <object>.<action> with an action among "
                f"{', '.join(ACTIONS)} (or * for any object or action)",
                {"field": "operations", "value": op, "actions": list(ACTIONS)},
            )
        if op not in out:
            out.append(op)
    return out


def matches(operations: list[str], event_name: str) -> bool:
    """Whether a webhook with ``operations`` fires for the event ``event_name``."""
    head, _, action = event_name.rpartition(".")
    if head.startswith("metadata."):
        name = head[len("metadata."):]
        wanted = {event_name, f"metadata.*.{action}", f"metadata.{name}.*", "metadata.*.*", "*.*"}
    else:
        wanted = {event_name, f"*.{action}", f"{head}.*", "*.*"}
    return any(op in wanted for op in operations)
