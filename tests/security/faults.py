"""Real processes for the fault tests: `deescalate serve` on 127.0.0.1 at a free port, and any other command, run
with DEESCALATE_CRASH_AT so that they SIGKILL themselves at a named crash point (deescalate.faults); and what a
store holds afterwards, read straight from its tables."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from deescalate.faults import ENV as CRASH_ENV
from tests.web.conftest import PASSWORD, SECRET

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60  # a cold start imports FastAPI, SQLAlchemy and migrates: seconds on a busy machine
DEATH_TIMEOUT_S = 30


def _env(db_url: str, crash_at: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEESCALATE_")}
    env.update(PYTHONPATH=str(ROOT / "src"), DEESCALATE_DATABASE_URL=db_url, DEESCALATE_SECRET_KEY=SECRET)
    if crash_at:
        env[CRASH_ENV] = crash_at
    return env


def deescalate(
    *args: str | Path, db_url: str, crash_at: str | None = None, stdin: str | None = None, timeout_s: float = 120
) -> subprocess.CompletedProcess[str]:
    """One CLI command in its own process; a crash point ends it with returncode -9."""
    return subprocess.run(
        [sys.executable, "-m", "deescalate", *map(str, args)],
        env=_env(db_url, crash_at),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """`deescalate serve` as a subprocess; started again on the same store (and port) after each kill."""

    def __init__(self, db_url: str, log: Path) -> None:
        self.db_url, self.log = db_url, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, crash_at: str | None = None, *, wait: bool = True) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "deescalate", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=_env(self.db_url, crash_at),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if wait:
            self.wait_until_up()

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:  # bounded: a server that never answers fails here
            assert self.process is not None and self.process.poll() is None, self.log.read_text()[-2000:]
            try:
                if httpx.get(f"{self.url}/login", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server did not start in {START_TIMEOUT_S} s: {self.log.read_text()[-2000:]}")

    def wait_killed(self) -> int:
        """The server's end by its own crash point: SIGKILL, nothing else."""
        assert self.process is not None
        code = self.process.wait(timeout=DEATH_TIMEOUT_S)
        assert code == -signal.SIGKILL, (code, self.log.read_text()[-2000:])
        return code

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=DEATH_TIMEOUT_S)

    def token(self, username: str = "ada") -> str:
        response = httpx.post(f"{self.url}/api/v1/auth/token", data={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def request(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response | None:
        """The answer, or None when the server died on the way (the connection dropped)."""
        try:
            return httpx.request(
                method, f"{self.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=60, **kwargs
            )
        except httpx.TransportError:
            return None


def rows(db_url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()
