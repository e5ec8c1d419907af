"""`deescalate user add` and `deescalate serve`'s refusal of unsafe settings, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from deescalate.store.db import open_store
from deescalate.store.models import User
from deescalate.web.security import password_matches
from tests.cli.test_cli_convert import SCRIPT, assert_one_line_error, run


def _run_with_stdin(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEESCALATE_")}
    return subprocess.run(
        [str(SCRIPT), *args], input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False
    )


def _stored(url: str, name: str) -> User | None:
    factory = open_store(url)
    try:
        with factory() as session:
            return session.scalar(select(User).where(User.username == name))
    finally:
        factory.kw["bind"].dispose()


def test_web_cli_user_add_generates_a_password_printed_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/users.db"
    result = run("user", "add", "sam", "--role", "supervisor", "--unit", "North", "--db", url)
    assert result.returncode == 0, result.stderr
    password = result.stdout.strip().removeprefix("password: ")
    assert len(password) >= 20 and password not in result.stderr
    user = _stored(url, "sam")
    assert user is not None and (user.role, user.unit) == ("supervisor", "North")
    assert password not in user.password_hash and password_matches(user.password_hash, password)


def test_web_cli_user_add_password_from_stdin_is_not_printed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/users.db"
    result = _run_with_stdin(
        "user", "add", "olly", "--role", "officer", "--password-stdin", "--db", url, stdin="a long enough passphrase\n"
    )
    assert result.returncode == 0, result.stderr
    assert "passphrase" not in result.stdout + result.stderr
    user = _stored(url, "olly")
    assert user is not None and password_matches(user.password_hash, "a long enough passphrase")


@pytest.mark.parametrize(
    ("args", "stdin", "problem"),
    [
        (("--role", "officer", "--password-stdin"), "short\n", "at least 12"),
        (("--role", "officer", "--password-stdin"), "\n", "no password"),
    ],
)
def test_web_cli_user_add_refuses_weak_input(tmp_path: Path, args: tuple[str, ...], stdin: str, problem: str) -> None:
    result = _run_with_stdin("user", "add", "olly", *args, "--db", f"sqlite:///{tmp_path}/u.db", stdin=stdin)
    assert result.returncode == 2 and problem in result.stderr and "Traceback" not in result.stderr


def test_web_cli_user_add_twice_is_one_line_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/users.db"
    assert run("user", "add", "sam", "--role", "trainer", "--db", url).returncode == 0
    assert_one_line_error(run("user", "add", "sam", "--role", "auditor", "--db", url), "E113")


@pytest.mark.parametrize("role", ["superuser", "Admin", ""])
def test_web_cli_user_add_unknown_role_is_refused(tmp_path: Path, role: str) -> None:
    result = run("user", "add", "sam", "--role", role, "--db", f"sqlite:///{tmp_path}/u.db")
    assert result.returncode == 2 and _stored(f"sqlite:///{tmp_path}/u.db", "sam") is None


def test_web_cli_serve_refuses_without_a_secret_key(tmp_path: Path) -> None:
    result = run("serve", "--port", "1", "--db", f"sqlite:///{tmp_path}/u.db")
    assert_one_line_error(result, "DEESCALATE_SECRET_KEY")
    assert "E115" in result.stderr
