"""Webhook management: ``/rest/webhooks`` and ``/rest/metadata/webhooks`` (AUTH_WEBHOOKS.md §6.7),
target validation and outbound safety (DECISIONS.md §5), operation patterns and matching.
SQLite and PostgreSQL; the matching rule and address checks in process.
"""

from __future__ import annotations

import asyncio
import ipaddress
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error
from vingt.errors import ApiError
from vingt.webhooks import operations, targets

TARGET = "https://hooks.example.com/twenty"
ROW_KEYS = ["id", "workspaceId", "targetUrl", "operations", "description", "secret", "createdAt", "updatedAt",
            "deletedAt"]


@pytest.fixture(params=["/rest/webhooks", "/rest/metadata/webhooks"])
def base(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def create(api: Api, base: str, **body: Any) -> dict[str, Any]:
    r = api.post(base, json={"targetUrl": TARGET, **body})
    assert r.status_code == 201, r.text
    row: dict[str, Any] = r.json()
    return row


def test_create_read_update_delete(api: Api, base: str) -> None:
    row = create(api, base, operations=["person.created", "*.deleted"], description="CRM sync")
    assert list(row) == ROW_KEYS
    assert row["targetUrl"] == TARGET and row["operations"] == ["person.created", "*.deleted"]
    assert row["description"] == "CRM sync" and row["deletedAt"] is None
    assert len(row["secret"]) == 64 and int(row["secret"], 16) >= 0
    assert api.get(f"{base}/{row['id']}").json() == row
    assert row in api.get(base).json()
    r = api.patch(f"{base}/{row['id']}", json={"operations": ["*.*"], "secret": "s3cret"})
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["operations"] == ["*.*"] and updated["secret"] == "s3cret"
    assert updated["targetUrl"] == TARGET and updated["updatedAt"] >= row["updatedAt"]
    r = api.delete(f"{base}/{row['id']}")
    assert r.status_code == 200 and r.json() is True
    assert_error(api.get(f"{base}/{row['id']}"), 404, "WEBHOOK_NOT_FOUND")
    assert row["id"] not in {w["id"] for w in api.get(base).json()}
    assert_error(api.delete(f"{base}/{row['id']}"), 404, "WEBHOOK_NOT_FOUND")
    assert_error(api.patch(f"{base}/{row['id']}", json={"description": "x"}), 404, "WEBHOOK_NOT_FOUND")


def test_defaults_and_a_given_id(api: Api) -> None:
    wanted = str(uuid.uuid4())
    row = create(api, "/rest/webhooks", id=wanted)
    assert row["id"] == wanted and row["operations"] == ["*.*"] and row["description"] is None
    other = create(api, "/rest/webhooks")
    assert other["secret"] != row["secret"]
    assert_error(api.post("/rest/webhooks", json={"targetUrl": TARGET, "id": wanted}), 400, "INVALID_WEBHOOK_INPUT")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("HTTPS://Hooks.Example.COM", "https://hooks.example.com/"),
        ("http://hooks.example.com:80/a?b=1", "http://hooks.example.com/a?b=1"),
        ("https://hooks.example.com:8443/x", "https://hooks.example.com:8443/x"),
        ("  https://hooks.example.com/x  ", "https://hooks.example.com/x"),
    ],
)
def test_target_urls_are_normalised(api: Api, given: str, stored: str) -> None:
    assert create(api, "/rest/webhooks", targetUrl=given)["targetUrl"] == stored


@pytest.mark.parametrize(
    "url", ["", "hooks.example.com", "ftp://hooks.example.com/", "https://", "javascript:alert(1)", 42, None,
            "https://exa mple.com/", "http://[::1/"],
)
def test_invalid_target_urls(api: Api, url: Any) -> None:
    code = "INVALID_WEBHOOK_INPUT" if url is None else "INVALID_TARGET_URL"
    assert_error(api.post("/rest/webhooks", json={"targetUrl": url}), 400, code)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/", "http://192.168.0.10/",
        "http://172.16.5.4/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/", "http://2130706433/", "http://0x7f.1/", "http://0.0.0.0/",
    ],
)
def test_internal_targets_are_refused(api: Api, url: str) -> None:
    body = assert_error(api.post("/rest/webhooks", json={"targetUrl": url}), 400, "INVALID_TARGET_URL")
    assert body["error"]["message"] == targets.PRIVATE_MESSAGE
    assert body["error"]["details"]["setting"] == "VINGT_WEBHOOK_ALLOW_PRIVATE_TARGETS"


def test_internal_targets_allowed_by_the_setting() -> None:
    asyncio.run(targets.check_outbound("http://127.0.0.1:9/", allow_private=True))
    with pytest.raises(ApiError):
        asyncio.run(targets.check_outbound("http://127.0.0.1:9/", allow_private=False))
    assert targets.literal_address("0x7f.1") == ipaddress.IPv4Address("127.0.0.1")
    assert targets.literal_address("hooks.example.com") is None


@pytest.mark.parametrize(
    "ops", [[], "person.created", ["person"], ["person.exploded"], ["Person.created"], ["*"], [1], ["a.b.c"],
            [f"o{i}.created" for i in range(101)]],
)
def test_invalid_operations(api: Api, ops: Any) -> None:
    assert_error(api.post("/rest/webhooks", json={"targetUrl": TARGET, "operations": ops}), 400, "INVALID_WEBHOOK_INPUT")


def test_unknown_fields_and_bad_bodies(api: Api) -> None:
    body = assert_error(api.post("/rest/webhooks", json={"targetUrl": TARGET, "url": "x"}), 400, "INVALID_WEBHOOK_INPUT")
    assert body["error"]["details"]["field"] == "url"
    assert_error(api.post("/rest/webhooks", json=[TARGET]), 400, "INVALID_BODY")
    row = create(api, "/rest/webhooks")
    assert_error(api.patch(f"/rest/webhooks/{row['id']}", json={"secret": ""}), 400, "INVALID_WEBHOOK_INPUT")
    assert_error(api.patch(f"/rest/webhooks/{row['id']}", json={"id": str(uuid.uuid4())}), 400, "INVALID_WEBHOOK_INPUT")
    assert_error(api.get("/rest/webhooks/not-a-uuid"), 400, "INVALID_UUID")
    assert_error(api.get("/rest/webhooks", params={"limit": "1"}), 400, "UNKNOWN_PARAMETER")
    r = api.request("POST", f"/rest/webhooks/{row['id']}", json={})
    assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert api.get(f"/rest/webhooks/{row['id']}").json() == row  # nothing changed


def test_webhooks_are_per_workspace(api: Api, app_client: Any, database_url: str) -> None:
    from conftest import make_workspace

    row = create(api, "/rest/webhooks")
    other = Api(app_client, make_workspace(database_url, "Other").token)
    assert_error(other.get(f"/rest/webhooks/{row['id']}"), 404, "WEBHOOK_NOT_FOUND")
    assert other.get("/rest/webhooks").json() == []
    assert_error(other.delete(f"/rest/webhooks/{row['id']}"), 404, "WEBHOOK_NOT_FOUND")


@pytest.mark.parametrize(
    ("ops", "event", "fires"),
    [
        (["person.created"], "person.created", True),
        (["person.created"], "person.updated", False),
        (["person.*"], "person.destroyed", True),
        (["*.deleted"], "company.deleted", True),
        (["*.deleted"], "company.restored", False),
        (["*.*"], "opportunity.updated", True),
        (["company.*"], "person.created", False),
        (["metadata.*.created"], "metadata.object.created", True),
        (["metadata.field.*"], "metadata.object.created", False),
        (["*.*"], "metadata.field.deleted", True),
        (["*.created"], "metadata.field.created", False),
    ],
)
def test_matching(ops: list[str], event: str, fires: bool) -> None:
    assert operations.matches(operations.check(ops), event) is fires
