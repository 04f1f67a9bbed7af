"""API-key JWTs (AUTH_WEBHOOKS.md §2–3): HS256 with a key derived per workspace and type.

    key = lowercase_hex(SHA-256(APP_SECRET + workspaceId + TYPE))

The HMAC key is the 64-character hex string itself. New keys are signed with the
``API_KEY``-derived key; tokens signed with the ``ACCESS``-derived key are accepted too,
as Twenty does for keys minted before it split the two.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

import jwt

from vingt.auth.access import FULL, Access
from vingt.errors import ApiError

HUNDRED_YEARS = 100 * 365 * 24 * 3600


def derive_key(secret: str, scope_id: str, token_type: str) -> str:
    return hashlib.sha256((secret + scope_id + token_type).encode()).hexdigest()


def mint_api_key_token(
    secret: str,
    workspace_id: str,
    key_id: str,
    expires_at: float | None,
    now: float | None = None,
    access: Access = FULL,
) -> str:
    """Twenty's claims, plus the key's ``scope`` (and ``objects``) when it is not a full key."""
    iat = int(now if now is not None else time.time())
    exp = iat + (int(expires_at - iat) if expires_at is not None else HUNDRED_YEARS)
    payload: dict[str, Any] = {
        "sub": workspace_id, "type": "API_KEY", "workspaceId": workspace_id, "iat": iat, "exp": exp, "jti": key_id,
    }
    if access != FULL:
        payload.update(access.claims())
    return jwt.encode(payload, derive_key(secret, workspace_id, "API_KEY"), algorithm="HS256")


@dataclass(frozen=True)
class TokenClaims:
    workspace_id: str
    key_id: str
    expires_at: float
    access: Access = FULL


def _unauthenticated(message: str) -> ApiError:
    return ApiError("UNAUTHENTICATED", message)


def _refuse_other_type(secret: str, token: str, scope: str, token_type: object) -> None:
    """A token of another type is 403 ``INVALID_JWT_TOKEN_TYPE`` once its signature holds, else 401."""
    try:
        jwt.decode(token, derive_key(secret, scope, str(token_type)), algorithms=["HS256"])
    except jwt.PyJWTError as exc:
        raise _unauthenticated("Token invalid.") from exc
    raise ApiError("FORBIDDEN", "Invalid token type", {"reason": "INVALID_JWT_TOKEN_TYPE"})


def verify_token(secret: str, token: str) -> TokenClaims:
    """Check signature and expiry; return the workspace and key the token names."""
    try:
        unverified: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise _unauthenticated("Token invalid.") from exc
    scope = unverified.get("workspaceId") or unverified.get("userId")
    token_type = unverified.get("type")
    if not isinstance(scope, str):
        # No scope claim, so no key to verify the signature with: an unverified token is
        # never more than "invalid" (401), whatever it claims to be.
        raise _unauthenticated("Token invalid.")
    if token_type != "API_KEY":
        _refuse_other_type(secret, token, scope, token_type)
    claims: dict[str, Any] | None = None
    last: jwt.PyJWTError | None = None
    for key_type in ("API_KEY", "ACCESS"):
        try:
            claims = jwt.decode(
                token,
                derive_key(secret, scope, key_type),
                algorithms=["HS256"],
                options={"require": ["exp", "jti", "sub"]},
            )
            break
        except jwt.ExpiredSignatureError as exc:
            raise _unauthenticated("Token has expired.") from exc
        except jwt.PyJWTError as exc:
            last = exc
    if claims is None:
        raise _unauthenticated("Token invalid.") from last
    if not isinstance(claims.get("jti"), str) or claims.get("sub") != scope:
        raise _unauthenticated("Token invalid.")
    try:
        access = Access.from_claims(claims)
    except ValueError as exc:
        raise _unauthenticated("Token invalid.") from exc
    return TokenClaims(workspace_id=scope, key_id=claims["jti"], expires_at=float(claims["exp"]), access=access)
