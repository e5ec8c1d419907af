"""Load on the review application: 50 users on loopback, bounded (a script, not a test; not part of `make test`).

    PYTHONPATH=src .venv/bin/python benchmarks/load_review.py [--users 50] [--seconds 60]

Starts `deescalate serve` on 127.0.0.1 (a fresh SQLite store in a temporary folder, one supervisor, the
parking-lot example uploaded once), then runs locust headless in this process: the simulated users share
one signed-in page session (for the review page) and one bearer token (for the API) and alternate the
review page GET /encounters/{id} and GET /api/v1/encounters/{id} with a 0.5-1.5 s think time. Prints p50/p95 per route.
Nothing but 127.0.0.1 is contacted; the run stops after --seconds (at most 60).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gevent
import httpx
from locust import HttpUser, between, events, task
from locust.env import Environment

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "src" / "deescalate" / "examples" / "example-parking-lot-stop.json"
USER, PASSWORD = "loadsam", "load-test-password-0123"
MAX_SECONDS = 60
ROUTES = ("review page GET /encounters/{id}", "encounter API GET /api/v1/encounters/{id}")
ENCOUNTER_ID = 0
TOKEN = ""
COOKIES: dict[str, str] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DEESCALATE_DATABASE_URL": f"sqlite:///{folder / 'load.db'}",
        "DEESCALATE_SECRET_KEY": "load-test-secret-key-0123456789-abcdefghij",
    }
    cli = [sys.executable, "-m", "deescalate"]
    add = subprocess.run(
        [*cli, "user", "add", USER, "--role", "supervisor", "--password-stdin"],
        input=PASSWORD.encode(),
        env=env,
        capture_output=True,
        check=False,
    )
    if add.returncode != 0:
        raise SystemExit(add.stderr.decode())
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(
        [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{base}/login", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        server.terminate()
        raise SystemExit(f"the server did not start; see {folder / 'server.log'}")
    return server


def _seed(base: str) -> tuple[int, str, dict[str, str]]:
    """Uploads the example; returns its id, one bearer token and one page session's cookies.

    Every simulated reviewer reuses them: 50 sign-ins at once would measure Argon2 and the sign-in
    throttle (which, rightly, slows a burst of sign-ins from one address), not the review page."""
    token = httpx.post(f"{base}/api/v1/auth/token", data={"username": USER, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    with EXAMPLE.open("rb") as f:
        response = httpx.post(f"{base}/api/v1/encounters", headers=headers, files={"file": (EXAMPLE.name, f)})
    response.raise_for_status()
    with httpx.Client(base_url=base) as browser:
        page = browser.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        form = {"username": USER, "password": PASSWORD, "csrf_token": csrf.group(1) if csrf else ""}
        browser.post("/login", data=form)
        cookies = dict(browser.cookies.items())
    return int(response.json()["id"]), token["access_token"], cookies


class Reviewer(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.bearer = {"Authorization": f"Bearer {TOKEN}"}
        self.client.cookies.update(COOKIES)

    @task
    def review_page(self) -> None:
        self.client.get(f"/encounters/{ENCOUNTER_ID}", name=ROUTES[0])

    @task
    def encounter_api(self) -> None:
        self.client.get(f"/api/v1/encounters/{ENCOUNTER_ID}", headers=self.bearer, name=ROUTES[1])


def main() -> None:
    global ENCOUNTER_ID, TOKEN, COOKIES
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=MAX_SECONDS)
    args = parser.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)
    with tempfile.TemporaryDirectory(prefix="deescalate-load-") as tmp:
        port = _free_port()
        server = _start_server(Path(tmp), port)
        try:
            base = f"http://127.0.0.1:{port}"
            ENCOUNTER_ID, TOKEN, COOKIES = _seed(base)
            env = Environment(user_classes=[Reviewer], events=events, host=base)
            runner = env.create_local_runner()
            runner.start(args.users, spawn_rate=args.users)
            gevent.spawn_later(seconds, runner.quit)
            runner.greenlet.join()
            print(f"{args.users} users, {seconds} s, loopback, SQLite, one uvicorn process")
            print(f"{'route':<48} {'requests':>8} {'fails':>6} {'p50 ms':>7} {'p95 ms':>7}")
            for name, method in ((r, "GET") for r in ROUTES):
                entry = env.stats.get(name, method)
                p50 = entry.get_response_time_percentile(0.5) or 0
                p95 = entry.get_response_time_percentile(0.95) or 0
                print(f"{name:<48} {entry.num_requests:>8} {entry.num_failures:>6} {p50:>7.0f} {p95:>7.0f}")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
