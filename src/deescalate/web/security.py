"""Passwords (Argon2id) and signed, expiring credentials (API bearer tokens and page session cookies)."""

from __future__ import annotations

import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from deescalate.errors import Code, ConfigError
from deescalate.settings import PREFIX, Settings

# Shorter keys are guessable offline from one captured token.
MIN_SECRET_KEY_CHARS = 32

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A strong password (about 120 bits) that reads and types without ambiguity."""
    return secrets.token_urlsafe(20)


def checked_secret_key(settings: Settings) -> str:
    key = settings.secret_key
    if len(key) < MIN_SECRET_KEY_CHARS:
        raise ConfigError(
            Code.E115,
            f"{PREFIX}SECRET_KEY must be set to at least {MIN_SECRET_KEY_CHARS} random characters "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))'), or pass --dev",
        )
    return key


class Signer:
    """Signs a small payload for one purpose (salt), and reads it back only if unchanged and not expired."""

    def __init__(self, secret_key: str, *, purpose: str, max_age_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=f"deescalate.{purpose}")
        self.max_age_s = max_age_s

    def sign(self, payload: dict[str, Any]) -> str:
        return self._serializer.dumps(payload)

    def read(self, token: str) -> dict[str, Any] | None:
        try:
            payload = self._serializer.loads(token, max_age=self.max_age_s)
        except BadSignature:  # also covers SignatureExpired
            return None
        return payload if isinstance(payload, dict) else None
