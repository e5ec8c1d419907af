"""`deescalate user add`, `user revoke-tokens`, `user unlock`, `audit verify`, `purge`, and `serve`'s refusal of
unsafe settings, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from deescalate.cli.main import main
from deescalate.settings import Settings
from deescalate.store import audit
from deescalate.store.audit import AuditEvent
from deescalate.store.db import make_engine, open_store
from deescalate.store.models import ApiToken, StoredEncounter, User, UserRole
from deescalate.web.auth import issue_token
from deescalate.web.deps import PERMISSIONS
from deescalate.web.security import Signer, password_matches
from deescalate.web.services import create_user
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
    factory = open_store(url)
    try:
        with factory() as session:
            row = audit.search(session, action="user.create")[0]  # who added whom, with what role
        assert (row["target"], row["detail"]["role"], row["actor"][:4]) == ("user:sam", "supervisor", "cli:")
    finally:
        factory.kw["bind"].dispose()


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


# --- audit verify, purge, revoke-tokens, unlock ----------------------------------------------------------------


Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The command run in this process (exit code, stdout, stderr): as `deescalate` runs, without its start-up."""

    def invoke(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["deescalate", *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def _store_with_rows(url: str, n: int) -> None:
    factory = open_store(url)
    try:
        for i in range(n):
            audit.append(factory.kw["bind"], AuditEvent(action="encounter.view", actor="aud", target=f"encounter:{i}"))
    finally:
        factory.kw["bind"].dispose()


def test_web_cli_audit_verify_passes_then_names_the_changed_row(tmp_path: Path, cli: Cli) -> None:
    url = f"sqlite:///{tmp_path}/audit.db"
    _store_with_rows(url, 3)
    code, stdout, stderr = cli("audit", "verify", "--db", url)
    assert code == 0 and "intact: 3 rows" in stdout, stderr
    head = stdout.split("head ", 1)[1].strip()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_append_only"))
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 2"))
    engine.dispose()
    broken = run("audit", "verify", "--db", url, "--expect-head", head)
    assert broken.returncode == 3 and "Traceback" not in broken.stderr
    assert broken.stderr.count("\n") == 1 and "row 2" in broken.stderr and "[E139]" in broken.stderr


def test_web_cli_purge_dry_run_then_purge(tmp_path: Path, cli: Cli) -> None:
    url = f"sqlite:///{tmp_path}/purge.db"
    factory = open_store(url)
    with factory() as session:
        old = datetime.now(UTC) - timedelta(days=4 * 365)
        session.add(
            StoredEncounter(uploaded_by="sam", encounter={}, source_name="e", created_at=old, status="analysed")
        )
        session.commit()
    factory.kw["bind"].dispose()
    code, stdout, stderr = cli("purge", "--dry-run", "--db", url)
    assert code == 0 and "encounters: would delete 1" in stdout and "training sessions: would delete 0" in stdout
    code, stdout, stderr = cli("purge", "--db", url)
    assert code == 0 and "encounters: deleted 1" in stdout, stderr
    factory = open_store(url)
    try:
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(StoredEncounter)) == 0
            row = audit.search(session, action="purge")[0]  # the dry run wrote nothing, the purge one row
            assert len(audit.search(session, action="purge")) == 1 and row["detail"]["counts"]["encounters"] == 1
            assert row["actor"].startswith("cli:")
    finally:
        factory.kw["bind"].dispose()


def test_web_cli_user_revoke_tokens_and_unlock(tmp_path: Path, cli: Cli) -> None:
    url = f"sqlite:///{tmp_path}/tokens.db"
    factory = open_store(url)
    with factory() as session:
        user = create_user(session, username="sam", role=UserRole.supervisor, password="a long enough passphrase")
        issue_token(session, user=user, scopes=[], expires_in=None, signer=Signer("k" * 40, purpose="t", max_age_s=60),
                    settings=Settings(), permissions=PERMISSIONS)  # fmt: skip
    factory.kw["bind"].dispose()
    code, stdout, stderr = cli("user", "revoke-tokens", "sam", "--db", url)
    assert code == 0 and "revoked 1 live tokens" in stdout, stderr
    assert cli("user", "unlock", "sam", "--db", url)[0] == 0
    code, stdout, stderr = cli("user", "unlock", "ghost", "--db", url)
    assert code == 2 and stdout == "" and stderr.count("\n") == 1 and "ghost" in stderr and "[E114]" in stderr
    factory = open_store(url)
    try:
        with factory() as session:
            assert session.scalar(select(ApiToken.revoked_at)) is not None
            actions = [r["action"] for r in audit.search(session)]
            assert actions == ["user.unlock", "token.revoke"]
    finally:
        factory.kw["bind"].dispose()
