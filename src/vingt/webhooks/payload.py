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

import hmac
import os
import re
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


_PLAIN = frozenset((str, int, bool, type(None)))  # what JSON.stringify and orjson write alike


def _js_numbers(value: Any) -> Any:
    """``value`` with integral floats as ints, so that orjson writes ``3`` where JS writes ``3``."""
    kind = type(value)
    if kind is float:
        return int(value) if value.is_integer() and abs(value) < JS_SAFE_INTEGRAL else value
    if kind is dict:
        return {k: v if type(v) in _PLAIN else _js_numbers(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _PLAIN else _js_numbers(v) for v in value]
    return value


# where orjson may have written an integral float (``3.0``, ``-0.0``, ``1e16``) — or a string holds
# something like it: then the value is walked (``_js_numbers``) and written again
_INTEGRAL_FLOAT = re.compile(rb"\.0[,}\]]|\d[eE]")


def _json(value: Any) -> orjson.Fragment:
    """``value`` serialised as JSON.stringify would, to be placed as it is in every body."""
    text = orjson.dumps(value)
    if _INTEGRAL_FLOAT.search(text):
        text = orjson.dumps(_js_numbers(value))
    return orjson.Fragment(text)


@dataclass(frozen=True)
class Prepared:
    """An event's part of its bodies, serialised once for every webhook it goes to: the bodies
    differ only in ``targetUrl``, ``webhookId`` and ``eventDate``."""

    event: EventData
    content: orjson.Fragment  # ``record``, or a metadata event's ``event``
    updated_fields: orjson.Fragment | None = None

    def body(self, webhook_id: str, target_url: str, event_date: str) -> bytes:
        """The request body, keys in Twenty's order."""
        event = self.event
        if event.object_name.startswith("metadata."):
            payload: dict[str, Any] = {
                "targetUrl": target_url, "eventName": event.name, "workspaceId": event.workspace_id,
                "webhookId": webhook_id, "eventDate": event_date,
            }
            if event.api_key_id is not None:
                payload["apiKeyId"] = event.api_key_id
            payload["event"] = self.content
            return orjson.dumps(payload)
        payload = {
            "targetUrl": target_url,
            "eventName": event.name,
            "objectMetadata": {"id": event.object_metadata_id, "nameSingular": event.object_name},
            "workspaceId": event.workspace_id,
            "webhookId": webhook_id,
            "eventDate": event_date,
            "record": self.content,
        }
        if self.updated_fields is not None:
            payload["updatedFields"] = self.updated_fields
        return orjson.dumps(payload)


def _metadata_event(event: EventData) -> dict[str, Any]:
    """A metadata event's ``event`` (``metadata.objectMetadata.created`` …), as Twenty's newer
    builds send it: ``{metadataName, recordId, type, properties}``, the properties ``{after}`` for
    a creation, ``{before}`` for a deletion, ``{updatedFields, diff, before, after}`` for an update."""
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
    return {
        "metadataName": event.object_name.removeprefix("metadata."), "recordId": event.record_id,
        "type": event.action, "properties": properties,
    }


def prepare(event: EventData) -> Prepared:
    """``record`` is the record after the change (before it for a destroy); ``updatedFields``
    only where the event has them."""
    if event.object_name.startswith("metadata."):
        return Prepared(event, _json(_metadata_event(event)))
    raw = event.after if event.after is not None else event.before
    record = orjson.loads(raw) if raw is not None else {}
    fields = orjson.Fragment(orjson.dumps(orjson.loads(event.updated_fields))) if event.updated_fields is not None \
        else None
    return Prepared(event, _json(record), fields)


def body(event: EventData, webhook_id: str, target_url: str, event_date: str) -> bytes:
    """The request body of one delivery (``prepare`` once and ``Prepared.body`` for several)."""
    return prepare(event).body(webhook_id, target_url, event_date)


def signature(secret: str, timestamp: str, content: bytes) -> str:
    return hmac.digest(secret.encode(), timestamp.encode() + b":" + content, "sha256").hex()


def headers(secret: str, event_id: str, content: bytes, now: float | None = None) -> dict[str, str]:
    """The headers of one attempt (a fresh timestamp and nonce each time)."""
    out = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Vingt-Event-Id": event_id}
    if secret:
        timestamp = str(int((time.time() if now is None else now) * 1000))
        out["X-Twenty-Webhook-Timestamp"] = timestamp
        out["X-Twenty-Webhook-Signature"] = signature(secret, timestamp, content)
        out["X-Twenty-Webhook-Nonce"] = os.urandom(16).hex()  # what secrets.token_hex(16) reads
    return out
