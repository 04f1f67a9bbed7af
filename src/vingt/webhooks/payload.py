"""What a delivery sends: Twenty's body and headers to the letter (AUTH_WEBHOOKS.md §6.4–6.5).

The body is serialised once, as JavaScript's ``JSON.stringify`` would write it (compact, keys in
insertion order, UTF-8 without ``\\u`` escapes, an integral number without ``.0``), and those
exact bytes are signed and sent: ``X-Twenty-Webhook-Signature`` is the hex HMAC-SHA256 of
``<timestamp>:<body>`` keyed by the webhook's secret, ``X-Twenty-Webhook-Timestamp`` the send
time in milliseconds, ``X-Twenty-Webhook-Nonce`` 16 fresh random bytes in hex. A webhook with an
empty secret gets no signature headers, as in Twenty. ``X-Vingt-Event-Id`` carries the event's
stable id, the same on every attempt, for receivers that deduplicate.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import orjson

USER_AGENT = "Vingt-Webhooks"
JS_SAFE_INTEGRAL = 1e21  # JSON.stringify writes integral numbers below this without exponent or ".0"


@dataclass(frozen=True)
class EventData:
    """The parts of an outbox row a body is made of."""

    id: str
    workspace_id: str
    object_metadata_id: str
    object_name: str
    action: str
    before: str | None
    after: str | None
    updated_fields: str | None
    record_id: str | None = None
    api_key_id: str | None = None

    @property
    def name(self) -> str:
        return f"{self.object_name}.{self.action}"


def _js_numbers(value: Any) -> Any:
    """``value`` with integral floats as ints, so that orjson writes ``3`` where JS writes ``3``."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < JS_SAFE_INTEGRAL else value
    if isinstance(value, dict):
        return {k: _js_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_js_numbers(v) for v in value]
    return value


def metadata_body(event: EventData, webhook_id: str, target_url: str, event_date: str) -> bytes:
    """The body of a metadata event (``metadata.objectMetadata.created`` …), as Twenty's newer
    builds send it: ``event`` = ``{metadataName, recordId, type, properties}``, the properties
    ``{after}`` for a creation, ``{before}`` for a deletion, ``{updatedFields, diff, before, after}``
    for an update."""
    before = orjson.loads(event.before) if event.before is not None else None
    after = orjson.loads(event.after) if event.after is not None else None
    if before is None:
        properties: dict[str, Any] = {"after": after}
    elif after is None:
        properties = {"before": before}
    else:
        fields = orjson.loads(event.updated_fields) if event.updated_fields is not None else []
        properties = {
            "updatedFields": fields,
            "diff": {k: {"before": before.get(k), "after": after.get(k)} for k in fields},
            "before": before, "after": after,
        }
    payload: dict[str, Any] = {
        "targetUrl": target_url, "eventName": event.name, "workspaceId": event.workspace_id,
        "webhookId": webhook_id, "eventDate": event_date,
    }
    if event.api_key_id is not None:
        payload["apiKeyId"] = event.api_key_id
    payload["event"] = {
        "metadataName": event.object_name.removeprefix("metadata."), "recordId": event.record_id,
        "type": event.action, "properties": _js_numbers(properties),
    }
    return orjson.dumps(payload)


def body(event: EventData, webhook_id: str, target_url: str, event_date: str) -> bytes:
    """The request body, keys in Twenty's order; ``record`` is the record after the change (before
    it for a destroy), ``updatedFields`` only where the event has them."""
    if event.object_name.startswith("metadata."):
        return metadata_body(event, webhook_id, target_url, event_date)
    raw = event.after if event.after is not None else event.before
    record = orjson.loads(raw) if raw is not None else {}
    payload: dict[str, Any] = {
        "targetUrl": target_url,
        "eventName": event.name,
        "objectMetadata": {"id": event.object_metadata_id, "nameSingular": event.object_name},
        "workspaceId": event.workspace_id,
        "webhookId": webhook_id,
        "eventDate": event_date,
        "record": _js_numbers(record),
    }
    if event.updated_fields is not None:
        payload["updatedFields"] = orjson.loads(event.updated_fields)
    return orjson.dumps(payload)


def signature(secret: str, timestamp: str, content: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b":" + content, hashlib.sha256).hexdigest()


def headers(secret: str, event_id: str, content: bytes, now: float | None = None) -> dict[str, str]:
    """The headers of one attempt (a fresh timestamp and nonce each time)."""
    out = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Vingt-Event-Id": event_id}
    if secret:
        timestamp = str(int((time.time() if now is None else now) * 1000))
        out["X-Twenty-Webhook-Timestamp"] = timestamp
        out["X-Twenty-Webhook-Signature"] = signature(secret, timestamp, content)
        out["X-Twenty-Webhook-Nonce"] = secrets.token_hex(16)
    return out
