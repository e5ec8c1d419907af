"""Markup in what people said, their names and titles is shown as text, never run: the review pages, the HTML
report of `deescalate analyze` and the briefing, each opened in a real Chromium (the tests/web e2e pattern).

Each check looks at the page itself, not only at whether a script ran: the review pages forbid inline script by
their Content-Security-Policy, so escaping that broke there would show as elements in the DOM and as CSP
complaints on the console, not as ``window.__xss``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from deescalate.briefing.brief import brief
from deescalate.briefing.call import CallIn, CautionIn, NoteIn, PersonIn
from deescalate.briefing.render import to_html
from deescalate.store.db import make_engine, upgrade
from tests.cli.test_cli_convert import run
from tests.web.conftest import PASSWORD
from tests.web.test_web_e2e import _sign_in, base_url, browser, expect, page  # noqa: F401  (fixtures)

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
PAYLOADS = (SCRIPT, IMG)

ENCOUNTER = {
    "format": "encounter/v1",
    "id": "xss-check",
    "title": f"Stop {SCRIPT}",
    "call_type": IMG,
    "participants": [
        {"id": "O1", "role": "officer", "name": f"Officer {IMG}"},
        {"id": "S1", "role": "subject", "name": f"Mr. {SCRIPT}"},
    ],
    "utterances": [
        {"id": "u1", "speaker": "O1", "start": 0, "end": 3, "text": f"Hands up now! {SCRIPT} Shut up, you idiot."},
        {"id": "u2", "speaker": "S1", "start": 4, "end": 6, "text": f"I can't hear you, I'm deaf {IMG}"},
        {"id": "u3", "speaker": "O1", "start": 7, "end": 9, "text": f"Do that again and I'll tase you {IMG}"},
    ],
}


def _nothing_ran(tab: object, console: list[str]) -> None:
    assert tab.evaluate("() => window.__xss") is None  # type: ignore[attr-defined]
    injected = tab.evaluate(  # type: ignore[attr-defined]
        """() => ({scripts: [...document.scripts].filter(s => s.textContent.includes('__xss')).length,
                   images: document.querySelectorAll('img[src="x"], [onerror]').length})"""
    )
    assert injected == {"scripts": 0, "images": 0}
    assert not [m for m in console if "Content Security Policy" in m or "__xss" in m], console


def _shows_literally(tab: object, *texts: str) -> None:
    body = tab.locator("body")  # type: ignore[attr-defined]
    for text in texts:
        expect(body).to_contain_text(text)


def test_security_xss_review_pages_show_markup_as_text(page: object, base_url: str, tmp_path: Path) -> None:  # noqa: F811
    token = httpx.post(f"{base_url}/api/v1/auth/token", data={"username": "sam", "password": PASSWORD}).json()
    upload = httpx.post(
        f"{base_url}/api/v1/encounters",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        files={"file": (f"{IMG}.json", json.dumps(ENCOUNTER).encode())},
        timeout=60,
    )
    assert upload.status_code == 201, upload.text
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))  # type: ignore[attr-defined]
    _sign_in(page)  # type: ignore[arg-type]
    _shows_literally(page, f"Stop {SCRIPT}")  # the list
    _nothing_ran(page, console)
    page.goto(f"/encounters/{upload.json()['id']}")  # type: ignore[attr-defined]
    _shows_literally(page, f"Stop {SCRIPT}", SCRIPT, IMG, f"Officer {IMG}")
    _nothing_ran(page, console)


def test_security_xss_analyze_html_report_shows_markup_as_text(page: object, tmp_path: Path) -> None:  # noqa: F811
    source = tmp_path / "xss.json"
    source.write_text(json.dumps(ENCOUNTER))
    report = tmp_path / "xss.html"
    done = run("analyze", source, "-f", "html", "-o", report)
    assert done.returncode == 0, done.stderr
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))  # type: ignore[attr-defined]
    page.goto(report.as_uri())  # type: ignore[attr-defined]
    _shows_literally(page, f"Stop {SCRIPT}", SCRIPT, IMG)
    _nothing_ran(page, console)


def test_security_xss_briefing_html_shows_markup_as_text(page: object, tmp_path: Path) -> None:  # noqa: F811
    call = CallIn(
        number="24-XSS",
        received_at=datetime(2024, 5, 1, 14, 3, tzinfo=UTC),
        type_text=f"Welfare check {SCRIPT}",
        address=f"418 Linden St {IMG}",
        narrative=f"He has a knife {SCRIPT} and a dog {IMG}",
        caller_name=f"Rosa {IMG}",
        persons=[PersonIn(first_name=SCRIPT, last_name="Alvarez", role="subject", description=IMG)],
        notes=[NoteIn(text=f"caller adds {SCRIPT}", author=IMG)],
        cautions=[CautionIn(kind=f"Weapons {IMG}", text=f"knife {SCRIPT}", source=SCRIPT)],
    )
    engine = make_engine(f"sqlite:///{tmp_path}/store.db")
    upgrade(engine)
    with Session(engine) as session:
        html = to_html(brief(call, session=session))
    engine.dispose()
    briefing = tmp_path / "briefing.html"
    briefing.write_text(html)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))  # type: ignore[attr-defined]
    page.goto(briefing.as_uri())  # type: ignore[attr-defined]
    _shows_literally(page, f"He has a knife {SCRIPT}", f"knife {SCRIPT}")
    _nothing_ran(page, console)
