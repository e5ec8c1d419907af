"""Reviewed findings go back to the analyzer as annotated encounters that `model train --extra` reads;
and the demo store is one a person can sign in to."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from deescalate.analysis.learned.train import collect, load_corpus
from deescalate.errors import Code, DeescalateError
from deescalate.settings import Settings
from deescalate.web.app import create_app
from deescalate.web.demo import DEMO_ADMIN, load_demo_store
from deescalate.web.export import export_to_folder
from tests.web.conftest import example_with, upload
from tests.web.test_web_dashboard import review_where

Auth = Callable[[str], dict[str, str]]


def by_utterance(decisions: dict[str, str], encounter: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for f in encounter["findings"]:
        if decisions.get(f["label"]) == "confirm":
            found.setdefault(f["utterance_id"], set()).add(f["label"])
    return found


DECISIONS = {"command": "confirm", "insult": "dispute", "respect_marker": "confirm"}


def reviewed_fully(client: TestClient, headers: dict[str, str], **form: str) -> dict[str, Any]:
    encounter = upload(client, headers, **form)
    review_where(client, headers, encounter, lambda f: DECISIONS.get(f["label"], "confirm"))
    return encounter


def test_export_round_trip_reads_as_training_corpus(
    app: FastAPI, client: TestClient, auth: Auth, tmp_path: Path
) -> None:
    admin = auth("ada")
    encounter = reviewed_fully(client, admin, officer="olly")
    half = upload(client, admin, data=example_with(id="half-reviewed"))  # one finding reviewed, the rest pending
    review_where(client, admin, half, lambda f: "confirm" if f["id"] == half["findings"][0]["id"] else None)  # type: ignore[index]
    with app.state.sessions() as session:
        summary = export_to_folder(session, out_dir=tmp_path / "reviewed")
    assert summary["exported"] == 1 and summary["skipped_pending"] == 1
    files = load_corpus([tmp_path / "reviewed"])  # what `deescalate model train --extra DIR` calls
    assert len(files) == 1
    gold = {s.utterance_id: s.gold for s in collect(files)}
    confirmed = by_utterance(
        {f["label"]: "confirm" for f in encounter["findings"] if f["label"] != "insult"}, encounter
    )
    insulting = {f["utterance_id"] for f in encounter["findings"] if f["label"] == "insult"}
    assert insulting and all("insult" not in gold[u] for u in insulting)  # disputed: left out
    for u, labels in gold.items():  # the model's labels (conflicting_command is the rules' alone)
        assert labels == confirmed.get(u, set()) - {"conflicting_command"}
    exported = files[0].encounter.model_extra or {}
    assert files[0].writer == "reviewed" and exported["review"]["original_id"] == encounter["encounter_id"]
    assert {"utterance_id": next(iter(insulting)), "label": "insult"} in exported["review"]["disputed"]


def test_export_refuses_folder_with_files_and_empty_store(app: FastAPI, tmp_path: Path) -> None:
    with app.state.sessions() as session, pytest.raises(DeescalateError) as nothing:
        export_to_folder(session, out_dir=tmp_path / "out")
    assert nothing.value.code is Code.E121
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "old.json").write_text("{}")
    with app.state.sessions() as session, pytest.raises(DeescalateError) as used:
        export_to_folder(session, out_dir=tmp_path / "used")
    assert used.value.code is Code.E122


@pytest.mark.parametrize(("user", "status"), [("ada", 200), ("tia", 200), ("sam", 403), ("aud", 403), ("olly", 403)])
def test_export_api_zip_for_admin_and_trainer(
    client: TestClient, auth: Auth, tmp_path: Path, user: str, status: int
) -> None:
    reviewed_fully(client, auth("ada"), officer="olly")
    response = client.get("/api/v1/export/reviewed", headers=auth(user))
    assert response.status_code == status
    if status != 200:
        assert response.json()["error"]["code"] == "E111"
        return
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(tmp_path)
    assert len(load_corpus([tmp_path])) == 1  # summary.txt beside the files is not read as an encounter


def test_export_api_with_nothing_reviewed(client: TestClient, auth: Auth) -> None:
    upload(client, auth("ada"))
    response = client.get("/api/v1/export/reviewed", headers=auth("tia"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "E121"


def test_demo_store_loads_examples_and_admin_can_sign_in(tmp_path: Path, settings: Settings) -> None:
    url = f"sqlite:///{tmp_path / 'demo-review.db'}"
    demo = load_demo_store(url)
    assert demo.username == DEMO_ADMIN and len(demo.password) >= 20 and demo.encounters == 2
    application = create_app(replace(settings, database_url=url))
    with TestClient(application) as client:
        token = client.post("/api/v1/auth/token", data={"username": DEMO_ADMIN, "password": demo.password})
        assert token.status_code == 200
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        listed = client.get("/api/v1/encounters", headers=headers).json()
        assert listed["count"] == 2 and {e["officer"] for e in listed["items"]} == {"officer-north", "officer-south"}
        wrong = client.post("/api/v1/auth/token", data={"username": DEMO_ADMIN, "password": demo.password[:-1]})
        assert wrong.status_code == 401
        page = client.get("/dashboard", headers=headers)
        assert page.status_code == 200 and "2 still await" in page.text
    application.state.sessions.kw["bind"].dispose()


def test_export_reviewed_cli(app: FastAPI, client: TestClient, auth: Auth, settings: Settings, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from deescalate.cli.main import app as cli

    reviewed_fully(client, auth("ada"))
    result = CliRunner().invoke(cli, ["export-reviewed", str(tmp_path / "x"), "--db", settings.database_url])
    assert result.exit_code == 0, result.output
    assert "wrote 1 annotated encounters" in result.output
    assert len(load_corpus([tmp_path / "x"])) == 1
