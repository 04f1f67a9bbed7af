"""The webhook body and signature, byte for byte (AUTH_WEBHOOKS.md §6.4–6.6)."""

from __future__ import annotations

import orjson

from vingt.webhooks import payload

# the example delivery of AUTH_WEBHOOKS.md §6.6
SECRET = "a3f1c9e07b5d4c2a8e6f10b9d7c3e5a1f2b4c6d8e0a1b3c5d7e9f1a2b3c4d5e6"
TIMESTAMP = "1748945730456"
BODY = (
    '{"targetUrl":"https://hooks.example.com/twenty","eventName":"person.updated","objectMetadata":'
    '{"id":"1f0b7c5e-2d3a-4b8c-9e6f-0a1b2c3d4e5f","nameSingular":"person"},"workspaceId":'
    '"7f3c2a10-5b4e-4d8a-9c61-2e8f0b7d4a35","webhookId":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",'
    '"eventDate":"2025-06-03T10:15:30.123Z","record":{"id":"0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",'
    '"name":{"firstName":"Zoë","lastName":"Martin"},"emails":{"primaryEmail":"zoe@example.com",'
    '"additionalEmails":null},"jobTitle":"CTO","city":"Paris","position":3,"companyId":null,'
    '"createdBy":{"source":"API","workspaceMemberId":null,"name":"Zapier key","context":{}},'
    '"createdAt":"2025-06-03T10:00:00.000Z","updatedAt":"2025-06-03T10:15:30.100Z","deletedAt":null},'
    '"updatedFields":["jobTitle"]}'
)
SIGNATURE = "86d0c6a273a251a6249d31c1b66085c3b129668076d4267bd856c6b6554b4cda"


def example_event() -> payload.EventData:
    record = orjson.loads(BODY)["record"]
    record["position"] = 3.0  # as a float column gives it back
    return payload.EventData(
        id="e", workspace_id="7f3c2a10-5b4e-4d8a-9c61-2e8f0b7d4a35",
        object_metadata_id="1f0b7c5e-2d3a-4b8c-9e6f-0a1b2c3d4e5f", object_name="person", action="updated",
        before=orjson.dumps(record).decode(), after=orjson.dumps(record).decode(), updated_fields='["jobTitle"]',
    )


def test_the_body_is_what_json_stringify_writes() -> None:
    content = payload.body(example_event(), "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                           "https://hooks.example.com/twenty", "2025-06-03T10:15:30.123Z")
    assert content == BODY.encode()  # UTF-8 "ë", 3 not 3.0, Twenty's key order


def test_the_signature_of_the_example() -> None:
    assert payload.signature(SECRET, TIMESTAMP, BODY.encode()) == SIGNATURE
    headers = payload.headers(SECRET, "event-1", BODY.encode(), now=int(TIMESTAMP) / 1000)
    assert headers["X-Twenty-Webhook-Timestamp"] == TIMESTAMP
    assert headers["X-Twenty-Webhook-Signature"] == SIGNATURE
    assert headers["X-Vingt-Event-Id"] == "event-1"
    assert len(headers["X-Twenty-Webhook-Nonce"]) == 32


def test_an_empty_secret_sends_no_signature() -> None:
    headers = payload.headers("", "event-1", b"{}")
    assert not any(h.startswith("X-Twenty-Webhook-") for h in headers)


def test_a_destroy_sends_the_last_state_and_a_creation_has_no_updated_fields() -> None:
    destroyed = payload.EventData("e", "w", "o", "person", "destroyed", '{"id":"r","city":"Lyon"}', None, None)
    body = orjson.loads(payload.body(destroyed, "h", "https://x.example/", "2025-01-01T00:00:00.000Z"))
    assert body["record"] == {"id": "r", "city": "Lyon"} and "updatedFields" not in body


def test_integral_floats_are_written_as_javascript_writes_them_wherever_they_are() -> None:
    record = {
        "id": "r", "position": 3.0, "negative": -0.0, "big": 1e16, "huge": 1e21, "half": 0.5, "tiny": 1.5e-7,
        "nested": {"amounts": [1.0, 2.5, {"micros": 4000000.0}]}, "text": "version 3.0, build 1e5",
    }
    event = payload.EventData("e", "w", "o", "person", "created", None, orjson.dumps(record).decode(), None)
    body = payload.body(event, "h", "https://x.example/", "2025-01-01T00:00:00.000Z")
    written = body.split(b'"record":', 1)[1]
    assert written.startswith(
        b'{"id":"r","position":3,"negative":0,"big":10000000000000000,"huge":1e+21,"half":0.5,"tiny":1.5e-7,'
        b'"nested":{"amounts":[1,2.5,{"micros":4000000}]},"text":"version 3.0, build 1e5"}'
    )
    plain = {"id": "r", "position": -5, "createdAt": "2025-06-03T10:00:00.000Z", "label": "3.0"}
    plain_event = payload.EventData("e", "w", "o", "person", "created", None, orjson.dumps(plain).decode(), None)
    assert orjson.loads(payload.body(plain_event, "h", "https://x.example/", "d"))["record"] == plain


def test_one_preparation_makes_the_body_of_every_webhook() -> None:
    prepared = payload.prepare(example_event())
    first = prepared.body("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "https://hooks.example.com/twenty",
                          "2025-06-03T10:15:30.123Z")
    assert first == BODY.encode()
    other = orjson.loads(prepared.body("w2", "https://other.example/", "2025-06-03T10:15:30.123Z"))
    assert other["webhookId"] == "w2" and other["targetUrl"] == "https://other.example/"
    assert other["record"] == orjson.loads(BODY)["record"]
