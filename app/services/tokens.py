"""Signed tokens: JWTs (HS256) with a secret kept in the vault, and why one is refused.

Checking a signature costs more than the rest of a small API request, so verified
claims are remembered a few seconds (never past the token's own expiry); revocation
of personal tokens is checked by AuthService against their rows, not here.

A refused token carries its `refusal` (malformed, bad_signature, expired, ...) for the
security events, and its `subject` only when the signature was good (an expired token
is still ours; a forged one names nobody we can believe).
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
# Why a token (not a password) was refused, as the security events name it.
Refusal = Literal["malformed", "bad_signature", "expired", "invalid_claims", "wrong_type",
                  "revoked", "session_ended", "unknown_user"]


class AuthFailed(ServiceError):
    """Login or token refused. `reason` picks the API's error code; `refusal` says why a
    token was, and `subject` whose it was when its signature could be trusted."""

    def __init__(self, reason: FailReason, message: str, details: Any = None, *,
                 refusal: Refusal | None = None, subject: str | None = None) -> None:
        super().__init__(message, details)
        self.reason = reason
        self.refusal = refusal
        self.subject = subject


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
            raise AuthFailed("expired", "the token has expired", refusal="expired",
                             subject=self._subject(token)) from None
        except jwt.InvalidSignatureError:
            raise AuthFailed("invalid", "the token is not valid",
                             refusal="bad_signature") from None
        except jwt.DecodeError:
            raise AuthFailed("invalid", "the token is not valid", refusal="malformed") from None
        except jwt.PyJWTError:
            raise AuthFailed("invalid", "the token is not valid",
                             refusal="invalid_claims") from None
        if kind is not None and claims.get("typ") != kind:
            raise AuthFailed("invalid", f"not a {kind} token", refusal="wrong_type",
                             subject=str(claims["sub"]))
        return claims

    def _subject(self, token: str) -> str | None:
        """The subject of a correctly signed token that has expired."""
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM],
                                options={"verify_exp": False})
        except jwt.PyJWTError:
            return None
        subject = claims.get("sub")
        return str(subject) if subject is not None else None

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
