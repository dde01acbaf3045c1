"""Signed tokens: JWTs (HS256) with a secret kept in the vault, and why one is refused.

Checking a signature costs more than the rest of a small API request, so verified
claims are remembered a few seconds (never past the token's own expiry); revocation
of personal tokens is checked by AuthService against their rows, not here.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import jwt

from app.services.errors import ServiceError

SECRET_KEY = "api.jwt_secret"  # the vault setting holding the signing secret
ALGORITHM = "HS256"
CACHE_SECONDS = 5.0
MAX_CACHED = 10_000

FailReason = Literal["credentials", "locked", "invalid", "expired"]


class AuthFailed(ServiceError):
    """Login or token refused. `reason` picks the API's error code."""

    def __init__(self, reason: FailReason, message: str, details: Any = None) -> None:
        super().__init__(message, details)
        self.reason = reason


class TokenSigner:
    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._verified: dict[str, tuple[float, dict[str, Any]]] = {}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str, kind: str | None) -> dict[str, Any]:
        """The claims of a valid token (of `kind`, when given), else AuthFailed."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM],
                options={"require": ["sub", "typ", "iat"]})
        except jwt.ExpiredSignatureError:
            raise AuthFailed("expired", "the token has expired") from None
        except jwt.PyJWTError:
            raise AuthFailed("invalid", "the token is not valid") from None
        if kind is not None and claims.get("typ") != kind:
            raise AuthFailed("invalid", f"not a {kind} token")
        return claims

    def claims(self, token: str) -> dict[str, Any]:
        """`decode(token, None)`, remembered up to CACHE_SECONDS."""
        now = time.monotonic()
        hit = self._verified.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
        claims = self.decode(token, None)
        remaining = float(claims.get("exp", time.time() + CACHE_SECONDS)) - time.time()
        if len(self._verified) > MAX_CACHED:
            self._verified.clear()
        self._verified[token] = (now + min(CACHE_SECONDS, remaining), claims)
        return claims
