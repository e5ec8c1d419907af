"""The review pages in a real headless Chromium: sign in, upload, review with the mouse and with the keyboard only,
print, sign out. Screenshots go to $DEESCALATE_ARTIFACTS (default tests/web/artifacts/) as test artefacts.

Debian's chromium package (/usr/bin/chromium) driven by Playwright's Python package; no browser is downloaded.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from deescalate.settings import Settings
from deescalate.store.db import open_store
from deescalate.store.models import UserRole
from deescalate.web.app import create_app
from deescalate.web.services import create_user
from tests.web.conftest import EXAMPLE, PASSWORD, SECRET

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium package (make system-deps does, as root)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is missing: pip install -e '.[dev]'")
expect = sync_api.expect
Page = sync_api.Page

ARTIFACTS = Path(os.environ.get("DEESCALATE_ARTIFACTS") or Path(__file__).parent / "artifacts")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real application under uvicorn on 127.0.0.1, on a port the OS picked, over a fresh SQLite store."""
    import uvicorn

    store = tmp_path_factory.mktemp("e2e") / "review.db"
    settings = replace(Settings(), database_url=f"sqlite:///{store}", secret_key=SECRET)
    factory = open_store(settings.database_url)
    with factory() as session:
        create_user(session, username="sam", role=UserRole.supervisor, password=PASSWORD, unit="North")
        create_user(session, username="olly", role=UserRole.officer, password=PASSWORD, unit="North")
    factory.kw["bind"].dispose()
    app = create_app(settings)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))  # bound before the server starts: no race for the port
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(200):  # bounded: a server that never starts fails here, not by hanging the suite
        if server.started or not thread.is_alive():
            break
        started.wait(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()
    app.state.sessions.kw["bind"].dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, base_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def _screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def _sign_in(page: Page, username: str = "sam") -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Encounters", level=1)).to_be_visible()


def _upload_example(page: Page) -> None:
    page.get_by_label("Transcript file").set_input_files(EXAMPLE)
    page.get_by_label("Officer wearing the camera").fill("olly")
    page.get_by_role("button", name="Upload and analyse").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Parking-lot stop")


def _focused(page: Page) -> dict[str, str]:
    """What has the keyboard focus, and whether its focus ring shows."""
    result: dict[str, str] = page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
                   return {id: e.id, tag: e.tagName, text: (e.innerText || "").trim().slice(0, 40),
                           value: e.value || "", outline: s.outlineStyle, width: s.outlineWidth}; }"""
    )
    return result


def test_web_e2e_sign_in_upload_and_open_the_review_page(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password").fill(PASSWORD + "x")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("user name or password is wrong")
    _screenshot(page, "login-wrong-password")

    _sign_in(page)
    _upload_example(page)
    findings = page.locator("li.finding")
    expect(findings.first).to_be_visible()
    # each finding's quoted words are highlighted in place, in its label's colour from the registry
    first = findings.first
    finding_id = first.get_attribute("data-finding")
    mark = page.locator(f'mark[data-finding="{finding_id}"]')
    expect(mark).to_be_visible()
    assert (mark.get_attribute("style") or "") == (first.get_attribute("style") or "x")
    expect(first.locator(".explanation")).not_to_be_empty()
    expect(first.locator(".rule code")).to_contain_text(".v")
    for item in ("C1", "C2", "C3", "C4", "C5", "C6", "C7"):
        expect(page.locator(f"#check-{item} td.machine")).not_to_be_empty()
    _screenshot(page, "review-page")

    page.get_by_role("link", name="Encounters").click()
    row = page.get_by_role("row").filter(has_text="Parking-lot stop")
    expect(row).to_contain_text("olly")
    expect(row).to_contain_text("awaiting review")
    _screenshot(page, "encounter-list")


def test_web_e2e_dispute_with_a_comment_changes_the_checklist(page: Page) -> None:
    _sign_in(page)
    _upload_example(page)
    finding = page.locator("li.finding").first
    item = finding.locator(".item").inner_text()
    reviewed = page.locator(f"#check-{item} td.reviewed")
    expect(reviewed).to_have_attribute("data-status", "not observed")  # nothing confirmed yet

    finding.get_by_role("button", name="Confirm").click()
    expect(finding.locator(".badge")).to_have_text("Confirmed")
    expect(reviewed).not_to_have_attribute("data-status", "not observed")
    expect(page.locator("#review-progress")).to_contain_text("1 confirmed · 0 disputed")

    finding.get_by_label("Comment on this finding").fill("On the video he is reading the lot's sign aloud, not asking")
    finding.get_by_role("button", name="Dispute").click()
    expect(finding.locator(".badge")).to_have_text("Disputed")
    expect(finding.locator(".review-note")).to_contain_text("Disputed by sam")
    expect(finding.locator(".comment")).to_have_text("On the video he is reading the lot's sign aloud, not asking")
    # a disputed finding counts for nothing: the item falls back, the panel says so
    expect(reviewed).to_have_attribute("data-status", "not observed")
    expect(page.locator("#review-progress")).to_contain_text("0 confirmed · 1 disputed")
    expect(page.locator("#flash")).to_contain_text("disputed")
    _screenshot(page, "review-disputed")

    page.reload()  # stored, not only swapped into the page
    expect(page.locator("li.finding").first.locator(".badge")).to_have_text("Disputed")


def _htmx_idle(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def test_web_e2e_review_with_the_keyboard_only(page: Page) -> None:
    page.goto("/login")  # the user name box has the focus on arrival
    page.keyboard.type("sam")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Encounters", level=1)).to_be_visible()
    _upload_example(page)  # choosing a file is the one step a script cannot type

    page.keyboard.press("Tab")
    focused = _focused(page)
    assert focused["text"] == "Skip to main content" and focused["outline"] != "none", focused

    findings = page.locator("li.finding")
    first_id, second_id = (findings.nth(i).get_attribute("id") for i in (0, 1))
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")  # back to the first
    assert _focused(page)["id"] == first_id
    expect(findings.first).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("c")
    expect(findings.first.locator(".badge")).to_have_text("Confirmed")
    _htmx_idle(page)  # htmx settles the swapped row a moment after it appears; keys pressed before race it
    assert _focused(page)["id"] == first_id  # the swapped row keeps the focus: j goes on from here

    # Tab alone: from the next finding into its comment box, then to its Confirm button, then Enter
    page.keyboard.press("j")
    assert _focused(page)["id"] == second_id
    page.keyboard.press("Tab")
    assert _focused(page)["tag"] == "TEXTAREA"
    page.keyboard.type("checked the video: calm and clear")  # c, d, j typed here are text, not shortcuts
    page.keyboard.press("Tab")
    focused = _focused(page)
    assert (focused["tag"], focused["value"]) == ("BUTTON", "confirm") and focused["outline"] != "none", focused
    _screenshot(page, "review-keyboard-focus", full_page=False)
    page.keyboard.press("Enter")
    second = page.locator(f"#{second_id}")
    expect(second.locator(".badge")).to_have_text("Confirmed")
    expect(second.locator(".comment")).to_have_text("checked the video: calm and clear")
    expect(page.locator("#review-progress")).to_contain_text("2 confirmed")
    # the focus goes back to the swapped row's button once htmx has settled it (bounded wait, then the check)
    _htmx_idle(page)
    page.wait_for_function("() => document.activeElement && document.activeElement.value === 'confirm'", timeout=5000)
    assert _focused(page)["value"] == "confirm"  # still on the button that was pressed


def test_web_e2e_print_report_and_sign_out(page: Page) -> None:
    _sign_in(page)
    _upload_example(page)
    page.locator("li.finding").first.get_by_role("button", name="Confirm").click()
    expect(page.locator("li.finding").first.locator(".review-note")).to_contain_text("Confirmed by sam")

    page.emulate_media(media="print")
    expect(page.locator(".review-form").first).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page.locator("#checklist")).to_be_visible()
    expect(page.locator("mark").first).to_be_visible()
    _screenshot(page, "review-print")
    page.emulate_media(media="screen")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    _screenshot(page, "signed-out")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))  # the session is gone, not just the page
