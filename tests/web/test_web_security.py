"""Password hashes are Argon2id at a cost that meets OWASP's minimum, and verify only the right password."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters

from deescalate.web import security

PRODUCTION = PasswordHasher()  # what security.py uses outside the tests' cheap_password_hashing fixture


def test_web_security_password_hashes_are_argon2id_at_production_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "_hasher", PRODUCTION)
    stored = security.hash_password("correct horse battery staple")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    # OWASP password storage: Argon2id with at least 19 MiB and 2 iterations
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2


@pytest.mark.parametrize(
    ("given", "matches"),
    [
        ("correct horse battery staple", True),
        ("correct horse battery stapl", False),  # near miss: one letter short
        ("Correct horse battery staple", False),  # case matters
        ("", False),
    ],
)
def test_web_security_password_matches_only_the_right_one(given: str, matches: bool) -> None:
    stored = security.hash_password("correct horse battery staple")
    assert security.password_matches(stored, given) is matches
    assert security.password_matches(None, given) is False  # an unknown user never matches
