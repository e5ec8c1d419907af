"""The review page's timeline picture: speakers as lanes, utterances as bars linked to the transcript, findings as
marks in their label's colour linked to the finding, events as lines (force marked)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from deescalate.analysis.labels import label_info
from deescalate.web.timeline import timeline_view
from tests.web.conftest import EXAMPLE, upload

Auth = Callable[[str], dict[str, str]]


def _svg(html: str) -> str:
    found = re.search(r'<svg class="timeline-svg".*?</svg>', html, re.S)
    assert found, "no timeline on the page"
    return found.group(0)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the picture is drawn from what the API tests already check on both databases."""
    return f"sqlite:///{tmp_path / 'timeline.db'}"


def test_timeline_draws_lanes_bars_and_finding_marks_linked_to_the_transcript(client: TestClient, auth: Auth) -> None:
    headers = auth("sam")
    body = upload(client, headers)
    detail = client.get(f"/api/v1/encounters/{body['id']}", headers=headers).json()
    page = client.get(f"/encounters/{body['id']}", headers=headers).text
    svg = _svg(page)
    encounter = detail["encounter"]
    assert svg.count('class="lane lane-') == len(encounter["participants"])
    assert svg.count('class="bar-link"') == len(encounter["utterances"])
    assert svg.count('class="mark-link"') == len(detail["findings"]) > 0
    for index in range(1, len(encounter["utterances"]) + 1):  # every bar goes to its utterance, which is on the page
        assert f'href="#text-{index}"' in svg and f'id="text-{index}"' in page
    for f in detail["findings"]:
        assert f'href="#finding-{f["id"]}"' in svg and f'id="finding-{f["id"]}"' in page
        assert f'fill="{label_info(f["label"]).colour}"' in svg
    assert "<script" not in svg


@pytest.mark.parametrize(
    ("event", "force"),
    [({"t": 20.0, "type": "force", "by": "O1", "detail": "takedown"}, True), ({"t": 20.0, "type": "arrival"}, False)],
)
def test_timeline_marks_force_events_and_not_other_events(
    client: TestClient, auth: Auth, event: dict[str, object], force: bool
) -> None:
    data = json.loads(EXAMPLE.read_text())
    data["events"] = [event]
    headers = auth("sam")
    body = upload(client, headers, name="force.json", data=json.dumps(data).encode())
    svg = _svg(client.get(f"/encounters/{body['id']}", headers=headers).text)
    assert svg.count('<g class="event') == 1
    assert ('class="event force"' in svg) is force


def test_timeline_escapes_what_people_said(client: TestClient, auth: Auth) -> None:
    data = json.loads(EXAMPLE.read_text())
    data["utterances"][0]["text"] = "<script>alert(1)</script> & more"
    headers = auth("sam")
    body = upload(client, headers, name="evil.json", data=json.dumps(data).encode())
    svg = _svg(client.get(f"/encounters/{body['id']}", headers=headers).text)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


@pytest.mark.parametrize(
    ("utterances", "drawn"),
    [([], False), ([{"id": "u1", "speaker": "X", "start": 0.0, "text": "hello"}], True)],
)
def test_timeline_is_left_out_when_there_is_nothing_to_draw(utterances: list[dict[str, object]], drawn: bool) -> None:
    view = timeline_view({"encounter": {"participants": [], "utterances": utterances}, "findings": []})
    assert (view is not None) is drawn
    if view:  # a speaker who is not a participant still gets a lane; an utterance without an end still shows
        assert len(view["lanes"]) == 1 and view["bars"][0]["w"] >= 2
