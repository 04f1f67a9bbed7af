"""Webhook management shared by REST (``rest/webhooks.py``) and the metadata GraphQL API:
validation of what a body says, outbound safety of the target, and the ``webhook`` table."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from vingt.auth.access import FULL, Access
from vingt.db.database import Database
from vingt.db.webhooks import WebhookStore
from vingt.errors import ApiError
from vingt.sql.dialect import Dialect, iso_ms
from vingt.webhooks import operations, targets

CREATE_KEYS = ("id", "targetUrl", "operations", "description", "secret")
UPDATE_KEYS = ("targetUrl", "operations", "description", "secret")
MAX_TEXT = 1000


def not_found(webhook_id: str) -> ApiError:
    return ApiError("WEBHOOK_NOT_FOUND", "Webhook not found", {"id": webhook_id})


def webhook_id(raw: Any) -> str:
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        raise ApiError("INVALID_UUID", f"'{raw}' is not a valid UUID", {"field": "id", "value": raw}) from None


def _text(body: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value) or len(value) > MAX_TEXT:
        raise ApiError(
            "INVALID_WEBHOOK_INPUT", f"'{key}' must be a string of at most {MAX_TEXT} characters"
            + (", not empty" if required else ""), {"field": key, "maxLength": MAX_TEXT},
        )
    return value


class WebhookService:
    def __init__(
        self, db: Database, dialect: Dialect, workspace_id: str, allow_private_targets: bool, access: Access = FULL
    ):
        self.store = WebhookStore(db, dialect, workspace_id)
        self.workspace_id = workspace_id
        self.allow_private = allow_private_targets
        self.access = access

    def authorize(self, *, write: bool) -> None:
        """Webhooks (and their delivery logs) carry every object's events: reading them takes
        a key that reaches every object, changing them (or redelivering) a ``write`` one too."""
        self.access.require_workspace("webhooks", write=write)

    async def _values(self, body: Any, accepted: tuple[str, ...], creating: bool) -> dict[str, Any]:
        """The columns a body writes, validated; the target checked for outbound safety."""
        if not isinstance(body, dict):
            raise ApiError("INVALID_BODY", "Body must be a JSON object", {})
        unknown = sorted(set(body) - set(accepted))
        if unknown:
            raise ApiError(
                "INVALID_WEBHOOK_INPUT", f"Unknown webhook field '{unknown[0]}'",
                {"field": unknown[0], "accepted": list(accepted)},
            )
        values: dict[str, Any] = {}
        if creating or "targetUrl" in body:
            if body.get("targetUrl") is None:
                raise ApiError("INVALID_WEBHOOK_INPUT", "Target URL is required", {"field": "targetUrl"})
            values["targetUrl"] = targets.normalise(body["targetUrl"])
            await targets.check_outbound(values["targetUrl"], self.allow_private)
        if "operations" in body or creating:
            given = body.get("operations")
            values["operations"] = operations.check(operations.DEFAULT if given is None else given)
        if "description" in body or creating:
            values["description"] = _text(body, "description")
        if body.get("secret") is not None:
            values["secret"] = _text(body, "secret", required=True)
        elif creating:
            values["secret"] = secrets.token_hex(32)
        if creating:
            values["id"] = webhook_id(body["id"]) if body.get("id") is not None else str(uuid.uuid4())
        return values

    async def list(self) -> list[dict[str, Any]]:
        self.authorize(write=False)
        return await self.store.list()

    async def get(self, wid: str) -> dict[str, Any]:
        self.authorize(write=False)
        row = await self.store.get(webhook_id(wid))
        if row is None:
            raise not_found(wid)
        return row

    async def create(self, body: Any) -> dict[str, Any]:
        self.authorize(write=True)
        values = await self._values(body, CREATE_KEYS, creating=True)
        if await self.store.get(values["id"]) is not None:
            raise ApiError("INVALID_WEBHOOK_INPUT", "A webhook with this id already exists", {"id": values["id"]})
        now = _now()
        await self.store.insert({**values, "workspaceId": self.workspace_id, "createdAt": now, "updatedAt": now,
                                 "deletedAt": None})
        return await self.get(values["id"])

    async def update(self, wid: str, body: Any) -> dict[str, Any]:
        self.authorize(write=True)
        wid = webhook_id(wid)
        values = await self._values(body, UPDATE_KEYS, creating=False)
        if not await self.store.update(wid, {**values, "updatedAt": _now()}):
            raise not_found(wid)
        return await self.get(wid)

    async def delete(self, wid: str) -> dict[str, Any]:
        """Soft-delete; the row as it was."""
        self.authorize(write=True)
        row = await self.get(wid)
        now = _now()
        if not await self.store.delete(row["id"], now):
            raise not_found(wid)
        return {**row, "deletedAt": now, "updatedAt": now}


def _now() -> str:
    return iso_ms(dt.datetime.now(dt.UTC))
