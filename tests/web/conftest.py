"""Web fixtures: an app on a fresh store (SQLite file, and PostgreSQL when one answers), users of each role."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from deescalate.settings import Settings
from deescalate.store.db import open_store
from deescalate.store.models import UserRole
from deescalate.web import security
from deescalate.web.app import create_app
from deescalate.web.services import create_user
from tests.store.conftest import db_url, pg_schema, postgres_url  # noqa: F401  (fixtures shared with store tests)

EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "deescalate" / "examples" / "example-parking-lot-stop.json"
SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery staple"
USERS = {
    "ada": UserRole.admin,
    "sam": UserRole.supervisor,
    "tia": UserRole.trainer,
    "olly": UserRole.officer,
    "oscar": UserRole.officer,
    "aud": UserRole.auditor,
}


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its production cost takes ~0.2 s a hash, and every test makes six users; the production
    cost is checked once (test_web_security_password_hashes_are_argon2id_at_production_cost)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(security, "_hasher", cheap)
    # what an unknown name is checked against: a hash carries its own cost, so it needs a cheap one too
    monkeypatch.setattr(security, "_DUMMY_HASH", cheap.hash("not anyone's password"))


def sqlite_unless_asked(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A module's ``db_url`` when its tests are about HTTP more than the database: SQLite, and PostgreSQL only where
    a test asks for it (``@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)``)."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def settings(db_url: str) -> Settings:  # noqa: F811
    return replace(Settings(), database_url=db_url, secret_key=SECRET)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    factory = open_store(settings.database_url)
    with factory() as session:
        for name, role in USERS.items():
            create_user(session, username=name, role=role, password=PASSWORD, unit="North")
    factory.kw["bind"].dispose()
    application = create_app(settings)
    yield application
    application.state.sessions.kw["bind"].dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def token_for(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.fixture
def auth(client: TestClient) -> Callable[[str], dict[str, str]]:
    """Authorization headers for a user of the fixture's table."""
    return lambda username: {"Authorization": f"Bearer {token_for(client, username)}"}


def upload(
    client: TestClient, headers: dict[str, str], *, name: str = EXAMPLE.name, data: bytes | None = None, **form: str
) -> dict[str, object]:
    content = EXAMPLE.read_bytes() if data is None else data
    response = client.post("/api/v1/encounters", headers=headers, files={"file": (name, content)}, data=form)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def example_with(**changes: Any) -> bytes:
    """The example encounter with some top-level fields changed: other bytes, so another upload (not the same one)."""
    data = json.loads(EXAMPLE.read_text())
    data.update(changes)
    return json.dumps(data).encode()


@dataclass(frozen=True)
class Shared:
    """One application for a whole test module (SQLite), with every fixture user's Authorization headers: for
    tables of cases that each check what one request does, where a fresh store per case costs more than it shows."""

    app: FastAPI
    client: TestClient
    headers: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        url = f"sqlite:///{tmp_path_factory.mktemp('shared')}/store.db"
        factory = open_store(url)
        with factory() as session:
            for name, role in USERS.items():
                create_user(session, username=name, role=role, password=PASSWORD, unit="North")
        factory.kw["bind"].dispose()
        application = create_app(replace(Settings(), database_url=url, secret_key=SECRET))
        with TestClient(application) as client:
            headers = {name: {"Authorization": f"Bearer {token_for(client, name)}"} for name in USERS}
            yield Shared(application, client, headers)
        application.state.sessions.kw["bind"].dispose()
