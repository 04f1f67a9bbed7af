"""The delivery log of a webhook: its deliveries newest first, each with its attempts, and
redelivery (a new attempt now, whatever the delivery's status).

A delivery is ``pending`` until an attempt succeeds (``succeeded``), or until its retries run out
or its webhook is deleted (``failed``). A redelivery that succeeds makes it ``succeeded``; one that
fails leaves a finished delivery as it was and a pending one on its retry schedule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vingt.db import deliveries
from vingt.db.database import Database
from vingt.errors import ApiError
from vingt.rest.params import parse_limit
from vingt.sql.dialect import Dialect
from vingt.webhooks.dispatcher import Dispatcher
from vingt.webhooks.service import webhook_id

STATUSES = ("pending", "succeeded", "failed")
PARAMETERS = ("limit", "starting_after", "status")


def _delivery_id(raw: str) -> str:
    try:
        return webhook_id(raw)
    except ApiError:
        raise ApiError("INVALID_UUID", f"'{raw}' is not a valid UUID", {"field": "deliveryId", "value": raw}) from None


def _not_found(delivery_id: str) -> ApiError:
    return ApiError("DELIVERY_NOT_FOUND", "Delivery not found", {"id": delivery_id})


def _shape(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "webhookId": row["webhookId"], "eventId": row["eventId"], "eventName": row["eventName"],
        "status": row["status"], "attemptCount": row["attemptCount"], "nextAttemptAt": row["nextAttemptAt"],
        "createdAt": row["createdAt"], "updatedAt": row["updatedAt"], "attempts": row["attempts"],
    }


class DeliveryLog:
    def __init__(self, db: Database, dialect: Dialect, dispatcher: Dispatcher):
        self.db = db
        self.dialect = dialect
        self.dispatcher = dispatcher

    async def page(self, wid: str, params: Mapping[str, str], default: int, maximum: int) -> dict[str, Any]:
        for name in params:
            if name not in PARAMETERS:
                raise ApiError("UNKNOWN_PARAMETER", f"Unknown query parameter '{name}'",
                               {"parameter": name, "accepted": list(PARAMETERS)})
        limit = parse_limit(params.get("limit", ""), default, maximum)
        status = params.get("status")
        if status is not None and status not in STATUSES:
            raise ApiError("INVALID_PARAMETER", f"'status' must be one of {', '.join(STATUSES)}, not '{status}'",
                           {"parameter": "status", "value": status[:64], "accepted": list(STATUSES)})
        after = None
        if params.get("starting_after"):
            cursor = params["starting_after"]
            try:
                cursor = webhook_id(cursor)
            except ApiError:
                raise ApiError("INVALID_CURSOR", f"Invalid cursor: {cursor[:64]}", {"cursor": cursor[:64]}) from None
            created = await deliveries.delivery_position(self.db, self.dialect, wid, cursor)
            if created is None:
                raise ApiError("INVALID_CURSOR", f"Invalid cursor: {cursor}", {"cursor": cursor})
            after = (created, cursor)
        rows = await deliveries.list_deliveries(self.db, self.dialect, wid, status, limit, after)
        page = [_shape(r) for r in rows[:limit]]
        return {
            "data": {"deliveries": page},
            "pageInfo": {
                "hasNextPage": len(rows) > limit,
                "startCursor": page[0]["id"] if page else None,
                "endCursor": page[-1]["id"] if page else None,
            },
        }

    async def redeliver(self, wid: str, raw_id: str) -> dict[str, Any]:
        did = _delivery_id(raw_id)
        due = await deliveries.load_due(self.db, self.dialect, wid, did)
        if due is None:
            raise _not_found(did)
        if due.event is None:
            raise ApiError("DELIVERY_EXPIRED", "The delivery's event is no longer kept; it cannot be sent again",
                           {"id": did})
        await self.dispatcher.redeliver(due)
        row = await deliveries.get_delivery(self.db, self.dialect, wid, did)
        assert row is not None
        return _shape(row)
