"""API-key authentication (AUTH_WEBHOOKS.md §2.3–2.6, §3.2–3.4; REST.md §10).

Missing credentials → 403 FORBIDDEN; a token that is not a valid signature of ours, or has
expired → 401 UNAUTHENTICATED; a key that does not exist (any more) or was revoked → 403.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import jwt
import pytest
from starlette.testclient import TestClient

from conftest import Api, Workspace, assert_error
from vingt.auth.tokens import derive_key, mint_api_key_token
from vingt.db.database import Database, open_database
from vingt.db.url import parse_database_url
from vingt.workspaces import app_secret, create_api_key, revoke_api_key

T = TypeVar("T")

# AUTH_WEBHOOKS.md §3.2, worked example
VECTOR_SECRET = "example-app-secret-change-me"
VECTOR_WORKSPACE = "7f3c2a10-5b4e-4d8a-9c61-2e8f0b7d4a35"
VECTOR_KEY = "c4d8a2f0-6a1e-4b7e-9d2a-5f3b1e0c7a91"
VECTOR_API_KEY_HMAC = "3dc686470d1b7cbdf2d3be62c830f5c4fcc3fba1d37af25957003c3a6079eb82"
VECTOR_ACCESS_HMAC = "408899744ddbcea100ff47e2cefc4f698811a3a329331705c870362023b83a6d"
VECTOR_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiI3ZjNjMmExMC01YjRlLTRkOGEtOWM2MS0yZThmMGI3ZDRhMzUiLCJ0eXBlIjoiQVBJX0tFWSIsIndvcmtzcGFjZUlkIjoiN2YzYzJh"
    "MTAtNWI0ZS00ZDhhLTljNjEtMmU4ZjBiN2Q0YTM1IiwiaWF0IjoxNzM1Njg5NjAwLCJleHAiOjE3NjcyMjU2MDAsImp0aSI6ImM0ZDhhMmYwLTZh"
    "MWUtNGI3ZS05ZDJhLTVmM2IxZTBjN2E5MSJ9."
    "d_lj2rw8fh4YBngqTB38jnh026wTsD7nlHpdZvkQomo"
)

PING = "/rest/people?limit=1"


def with_db(database_url: str, action: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``action`` on a fresh connection, as another process (the CLI) would."""

    async def run() -> T:
        db = open_database(parse_database_url(database_url))
        await db.start()
        try:
            return await action(db)
        finally:
            await db.close()

    return asyncio.run(run())


@pytest.fixture(scope="module")
def secret(database_url: str) -> str:
    return with_db(database_url, app_secret)


@pytest.fixture(scope="module")
def key_id(workspace: Workspace) -> str:
    return str(jwt.decode(workspace.token, options={"verify_signature": False})["jti"])


def call(client: TestClient, authorization: str | None, path: str = PING, method: str = "GET", **kw: Any) -> Any:
    headers = {} if authorization is None else {"Authorization": authorization}
    return client.request(method, path, headers=headers, **kw)


def bearer(token: str) -> str:
    return f"Bearer {token}"


def payload(workspace_id: str, key: str, *, iat: int | None = None, exp: int | None = None, **extra: Any) -> dict[str, Any]:
    now = int(time.time()) if iat is None else iat
    return {
        "sub": workspace_id,
        "type": "API_KEY",
        "workspaceId": workspace_id,
        "iat": now,
        "exp": now + 3600 if exp is None else exp,
        "jti": key,
        **extra,
    }


def sign(claims: dict[str, Any], key: str, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


# ---- the key derivation and the minted token -----------------------------------------------


def test_worked_example_token() -> None:
    token = mint_api_key_token(VECTOR_SECRET, VECTOR_WORKSPACE, VECTOR_KEY, expires_at=1767225600, now=1735689600)
    assert token == VECTOR_TOKEN


def test_worked_example_keys() -> None:
    assert derive_key(VECTOR_SECRET, VECTOR_WORKSPACE, "API_KEY") == VECTOR_API_KEY_HMAC
    assert derive_key(VECTOR_SECRET, VECTOR_WORKSPACE, "ACCESS") == VECTOR_ACCESS_HMAC


def test_worked_example_token_verifies_with_the_hex_string_as_key() -> None:
    claims = jwt.decode(VECTOR_TOKEN, VECTOR_API_KEY_HMAC, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {
        "sub": VECTOR_WORKSPACE,
        "type": "API_KEY",
        "workspaceId": VECTOR_WORKSPACE,
        "iat": 1735689600,
        "exp": 1767225600,
        "jti": VECTOR_KEY,
    }
    assert jwt.get_unverified_header(VECTOR_TOKEN) == {"alg": "HS256", "typ": "JWT"}


def test_workspace_key_is_signed_with_the_api_key_derived_key(workspace: Workspace, secret: str) -> None:
    claims = jwt.decode(workspace.token, derive_key(secret, workspace.id, "API_KEY"), algorithms=["HS256"])
    assert claims["type"] == "API_KEY"
    assert claims["sub"] == claims["workspaceId"] == workspace.id
    assert list(claims) == ["sub", "type", "workspaceId", "iat", "exp", "jti"]


# ---- missing or malformed credentials ------------------------------------------------------


def test_valid_key_is_accepted(app_client: TestClient, workspace: Workspace) -> None:
    r = call(app_client, bearer(workspace.token))
    assert r.status_code == 200, r.text


def test_scheme_is_case_insensitive(app_client: TestClient, workspace: Workspace) -> None:
    r = call(app_client, f"bearer {workspace.token}")
    assert r.status_code == 200, r.text


def test_no_authorization_header(app_client: TestClient) -> None:
    body = assert_error(call(app_client, None), 403, "FORBIDDEN")
    assert body["error"]["message"] == "Missing authentication token"


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Bearer    ", "Basic xxx", "Basic dXNlcjpwYXNz", "Token abc"])
def test_no_bearer_token(app_client: TestClient, header: str) -> None:
    body = assert_error(call(app_client, header), 403, "FORBIDDEN")
    assert body["error"]["message"] == "Missing authentication token"


def test_basic_scheme_with_a_valid_token_is_refused(app_client: TestClient, workspace: Workspace) -> None:
    assert_error(call(app_client, f"Basic {workspace.token}"), 403, "FORBIDDEN")


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "not.a.jwt.at.all", "eyJhbGciOiJIUzI1NiJ9", "%%%.%%%.%%%"])
def test_garbage_token(app_client: TestClient, token: str) -> None:
    body = assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")
    assert body["error"]["message"] == "Token invalid."


def test_auth_comes_before_everything_else(app_client: TestClient) -> None:
    """Without credentials nothing about the request is looked at (no object names leak)."""
    assert_error(call(app_client, None, "/rest/unicorns"), 403, "FORBIDDEN")
    assert_error(call(app_client, None, "/rest/people?limt=5"), 403, "FORBIDDEN")
    assert_error(call(app_client, None, "/rest/people", "POST", content=b"{bad json"), 403, "FORBIDDEN")
    assert_error(call(app_client, bearer("garbage"), "/rest/person"), 401, "UNAUTHENTICATED")


def test_failed_auth_writes_nothing(app_client: TestClient, workspace: Workspace) -> None:
    api = Api(app_client, workspace.token)
    before = api.get("/rest/people", params={"limit": "0"}).json()["totalCount"]
    assert_error(call(app_client, None, "/rest/people", "POST", json={"city": "X"}), 403, "FORBIDDEN")
    assert_error(call(app_client, bearer("garbage"), "/rest/people", "POST", json={"city": "X"}), 401, "UNAUTHENTICATED")
    assert api.get("/rest/people", params={"limit": "0"}).json()["totalCount"] == before


# ---- signatures ----------------------------------------------------------------------------


def test_wrong_secret(app_client: TestClient, workspace: Workspace, key_id: str) -> None:
    token = mint_api_key_token("not-the-secret", workspace.id, key_id, expires_at=None)
    body = assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")
    assert body["error"]["message"] == "Token invalid."


def test_raw_digest_bytes_are_not_the_key(app_client: TestClient, workspace: Workspace, key_id: str, secret: str) -> None:
    """The HMAC key is the 64-character hex string, not the 32 bytes it encodes."""
    raw = bytes.fromhex(derive_key(secret, workspace.id, "API_KEY"))
    token = jwt.encode(payload(workspace.id, key_id), raw, algorithm="HS256")
    assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")


def test_tampered_payload(app_client: TestClient, workspace: Workspace) -> None:
    header, body, signature = workspace.token.split(".")
    claims = jwt.decode(workspace.token, options={"verify_signature": False})
    claims["exp"] += 1
    forged = jwt.encode(claims, "x" * 64, algorithm="HS256").split(".")[1]
    token = ".".join((header, forged, signature))
    assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")


def test_unsigned_token(app_client: TestClient, workspace: Workspace, key_id: str) -> None:
    token = jwt.encode(payload(workspace.id, key_id), None, algorithm="none")
    assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")


def test_other_algorithm(app_client: TestClient, workspace: Workspace, key_id: str, secret: str) -> None:
    token = sign(payload(workspace.id, key_id), derive_key(secret, workspace.id, "API_KEY"), "HS512")
    assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")


def test_access_derived_key_is_accepted(app_client: TestClient, workspace: Workspace, key_id: str, secret: str) -> None:
    """Keys minted before Twenty split the two were signed with the ACCESS-derived key."""
    token = sign(payload(workspace.id, key_id), derive_key(secret, workspace.id, "ACCESS"))
    r = call(app_client, bearer(token))
    assert r.status_code == 200, r.text


def test_other_type_derived_key_is_refused(app_client: TestClient, workspace: Workspace, key_id: str, secret: str) -> None:
    token = sign(payload(workspace.id, key_id), derive_key(secret, workspace.id, "REFRESH"))
    assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")


def test_non_api_key_type_is_refused(app_client: TestClient, workspace: Workspace, key_id: str, secret: str) -> None:
    """A REFRESH token is no API credential (INVALID_JWT_TOKEN_TYPE → 403)."""
    token = sign(payload(workspace.id, key_id, type="REFRESH"), derive_key(secret, workspace.id, "REFRESH"))
    assert_error(call(app_client, bearer(token)), 403, "FORBIDDEN")


def test_token_without_workspace_is_refused(app_client: TestClient, key_id: str, secret: str) -> None:
    claims = {"sub": key_id, "jti": key_id, "iat": int(time.time()), "exp": int(time.time()) + 60}
    token = sign(claims, derive_key(secret, key_id, "API_KEY"))
    # No workspaceId / userId: no key can verify the signature, so the token is invalid (401),
    # not of a wrong type (docs/rest.md, Authentication).
    body = assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")
    assert body["error"]["message"] == "Token invalid."


def _unsigned(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, None, algorithm="none")


@pytest.mark.parametrize("with_workspace", [True, False])
@pytest.mark.parametrize("token_type", ["API_KEY", "REFRESH", None])
def test_unsigned_token_is_unauthenticated(
    app_client: TestClient, workspace: Workspace, key_id: str, with_workspace: bool, token_type: str | None
) -> None:
    """``alg: none`` never gets past the signature check, whatever its claims: 401, not 403."""
    claims = payload(workspace.id, key_id)
    if not with_workspace:
        del claims["workspaceId"]
    if token_type is None:
        del claims["type"]
    else:
        claims["type"] = token_type
    body = assert_error(call(app_client, bearer(_unsigned(claims))), 401, "UNAUTHENTICATED")
    assert body["error"]["message"] == "Token invalid."


def test_other_type_with_a_wrong_signature_is_unauthenticated(
    app_client: TestClient, workspace: Workspace, key_id: str
) -> None:
    token = sign(payload(workspace.id, key_id, type="REFRESH"), "not-the-derived-key")
    assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")


# ---- expiry --------------------------------------------------------------------------------


def test_expired_token(app_client: TestClient, workspace: Workspace, key_id: str, secret: str) -> None:
    past = time.time() - 3600
    token = mint_api_key_token(secret, workspace.id, key_id, expires_at=past, now=past - 100)
    body = assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")
    assert body["error"]["message"] == "Token has expired."
    assert body["messages"] == ["Token has expired."]


def test_expired_token_with_pyjwt(app_client: TestClient, workspace: Workspace, key_id: str, secret: str) -> None:
    now = int(time.time())
    token = sign(payload(workspace.id, key_id, iat=now - 7200, exp=now - 60), derive_key(secret, workspace.id, "API_KEY"))
    body = assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")
    assert body["error"]["message"] == "Token has expired."


def test_expired_access_derived_token(app_client: TestClient, workspace: Workspace, key_id: str, secret: str) -> None:
    """Expiry is reported as such on the fallback path too."""
    now = int(time.time())
    token = sign(payload(workspace.id, key_id, iat=now - 7200, exp=now - 60), derive_key(secret, workspace.id, "ACCESS"))
    body = assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")
    assert body["error"]["message"] == "Token has expired."


def test_expired_token_with_wrong_signature_is_invalid_not_expired(
    app_client: TestClient, workspace: Workspace, key_id: str
) -> None:
    now = int(time.time())
    token = sign(payload(workspace.id, key_id, iat=now - 7200, exp=now - 60), "f" * 64)
    body = assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")
    assert body["error"]["message"] == "Token invalid."


def test_token_expiring_while_cached(app_client: TestClient, workspace: Workspace, key_id: str, secret: str) -> None:
    """A token accepted once is refused once its ``exp`` has passed (no stale cache)."""
    now = time.time()
    token = mint_api_key_token(secret, workspace.id, key_id, expires_at=int(now) + 2, now=now)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    r = call(app_client, bearer(token))
    assert r.status_code == 200, r.text
    time.sleep(max(0.0, exp - time.time()) + 0.2)
    body = assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")
    assert body["error"]["message"] == "Token has expired."


def test_key_created_with_a_future_expiry_works(app_client: TestClient, workspace: Workspace, database_url: str) -> None:
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).replace(microsecond=0)
    key = with_db(database_url, lambda db: create_api_key(db, workspace.id, "Thirty days", expires_at=expires.isoformat()))
    claims = jwt.decode(key.token, options={"verify_signature": False})
    assert claims["jti"] == key.id
    assert abs(claims["exp"] - expires.timestamp()) <= 1
    api = Api(app_client, key.token)
    r = api.post("/rest/people", json={"name": {"firstName": "Via", "lastName": "Thirty"}})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["createPerson"]["createdBy"]["name"] == "Thirty days"


def test_key_created_with_a_z_suffixed_expiry_works(app_client: TestClient, workspace: Workspace, database_url: str) -> None:
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    key = with_db(database_url, lambda db: create_api_key(db, workspace.id, "One hour", expires_at=expires))
    r = call(app_client, bearer(key.token))
    assert r.status_code == 200, r.text


# ---- keys that do not exist or were revoked ------------------------------------------------


def test_token_naming_no_key(app_client: TestClient, workspace: Workspace, secret: str) -> None:
    token = mint_api_key_token(secret, workspace.id, str(uuid.uuid4()), expires_at=None)
    body = assert_error(call(app_client, bearer(token)), 403, "FORBIDDEN")
    assert body["error"]["message"] == "This API Key is revoked"


def test_token_naming_no_workspace(app_client: TestClient, key_id: str, secret: str) -> None:
    """Correctly signed for a workspace that does not exist → 401 (WORKSPACE_NOT_FOUND)."""
    ghost = str(uuid.uuid4())
    token = mint_api_key_token(secret, ghost, key_id, expires_at=None)
    assert_error(call(app_client, bearer(token)), 401, "UNAUTHENTICATED")


def test_revoked_key_is_refused_on_the_next_request(app_client: TestClient, workspace: Workspace, database_url: str) -> None:
    key = with_db(database_url, lambda db: create_api_key(db, workspace.id, "Soon revoked"))
    # used once, so the running app has the key cached
    r = call(app_client, bearer(key.token))
    assert r.status_code == 200, r.text
    r = call(app_client, bearer(key.token))
    assert r.status_code == 200, r.text
    assert with_db(database_url, lambda db: revoke_api_key(db, key.id)) is True
    body = assert_error(call(app_client, bearer(key.token)), 403, "FORBIDDEN")
    assert body["error"]["message"] == "This API Key is revoked"
    # for good, and on writes too
    assert_error(call(app_client, bearer(key.token), "/rest/people", "POST", json={"city": "X"}), 403, "FORBIDDEN")
    # other keys of the workspace are unaffected
    r = call(app_client, bearer(workspace.token))
    assert r.status_code == 200, r.text


def test_revoking_twice_reports_nothing_to_do(workspace: Workspace, database_url: str) -> None:
    key = with_db(database_url, lambda db: create_api_key(db, workspace.id, "Twice"))
    assert with_db(database_url, lambda db: revoke_api_key(db, key.id)) is True
    assert with_db(database_url, lambda db: revoke_api_key(db, key.id)) is False


def test_fresh_token_for_a_revoked_key_is_refused(
    app_client: TestClient, workspace: Workspace, database_url: str, secret: str
) -> None:
    """Re-minting does not revive a key: the row is checked, not the token."""
    key = with_db(database_url, lambda db: create_api_key(db, workspace.id, "Re-minted"))
    assert with_db(database_url, lambda db: revoke_api_key(db, key.id)) is True
    token = mint_api_key_token(secret, workspace.id, key.id, expires_at=None)
    assert_error(call(app_client, bearer(token)), 403, "FORBIDDEN")
    access = sign(payload(workspace.id, key.id), derive_key(secret, workspace.id, "ACCESS"))
    assert_error(call(app_client, bearer(access)), 403, "FORBIDDEN")


def test_revocation_reaches_a_running_server_every_time(
    app_client: TestClient, workspace: Workspace, database_url: str
) -> None:
    """Another process revokes a key: the running server refuses it within a second, every
    time (PostgreSQL delivers the change as a NOTIFY, SQLite through data_version)."""
    misses = []
    for i in range(30):
        key = with_db(database_url, lambda db, i=i: create_api_key(db, workspace.id, f"Race {i}"))
        assert call(app_client, bearer(key.token)).status_code == 200
        assert with_db(database_url, lambda db, key=key: revoke_api_key(db, key.id)) is True
        deadline = time.monotonic() + 1.0
        status = call(app_client, bearer(key.token)).status_code
        while status != 403 and time.monotonic() < deadline:
            time.sleep(0.01)
            status = call(app_client, bearer(key.token)).status_code
        if status != 403:
            misses.append((i, status))
    assert misses == [], f"revoked keys accepted on the next request: {misses}"
