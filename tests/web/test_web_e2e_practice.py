"""The briefing and practice pages in a real headless Chromium: paste a call and read its briefing, review a point;
play three turns of a scenario from the keyboard and read the debrief. Screenshots go where the review pages' do
($DEESCALATE_ARTIFACTS, default tests/web/artifacts/)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.web.test_web_e2e import (  # noqa: F401  (the server, the browser and a tab, as the review page tests use)
    Page,
    _focused,
    _htmx_idle,
    _screenshot,
    _sign_in,
    base_url,
    browser,
    expect,
    page,
)

EIDO = Path(__file__).resolve().parents[1] / "data" / "eido" / "current_layout.json"


def test_web_e2e_practice_paste_a_call_and_read_its_briefing(page: Page) -> None:  # noqa: F811  (the imported fixture)
    _sign_in(page, "sam")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Briefings").click()
    expect(page.get_by_role("heading", name="Briefings", level=1)).to_be_visible()
    page.get_by_label("Call (paste it here)").fill(EIDO.read_text("utf-8"))
    page.get_by_role("button", name="Brief this call").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("24-031877")
    safety = page.locator("section.safety")
    expect(safety.get_by_role("heading", name="Officer safety")).to_be_visible()
    expect(safety.locator("li")).to_have_count(4)  # the EIDO's four cautions, the most dangerous first
    expect(page.locator("section.triage")).to_contain_text("Rule")
    expect(page.locator("table.answers tbody tr").first).to_be_visible()

    triage = page.locator('li.point[data-kind="triage"]')
    triage.get_by_label("Comment on this point").fill("a co-responder was the right call")
    triage.get_by_role("button", name="Confirm").click()
    expect(triage.locator(".badge")).to_have_text("Confirmed")
    expect(page.locator("#points-progress")).to_contain_text("1 confirmed · 0 disputed")
    expect(page.locator("#flash")).to_contain_text("confirmed")
    _screenshot(page, "briefing-page")

    page.reload()  # stored, not only swapped into the page
    expect(page.locator('li.point[data-kind="triage"] .comment')).to_have_text("a co-responder was the right call")
    page.get_by_role("link", name="Briefings").click()
    row = page.get_by_role("row").filter(has_text="24-031877")
    expect(row).to_contain_text("1 confirmed")
    _screenshot(page, "briefing-list")


def test_web_e2e_practice_play_three_turns_and_read_the_debrief(page: Page) -> None:  # noqa: F811  (the imported fixture)
    _sign_in(page, "olly")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Practice").click()
    page.get_by_label("Scenario", exact=True).select_option(label="The driver who does not answer")
    page.get_by_label("Seed").fill("3")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("The driver who does not answer")
    expect(page.locator("table.dispatch")).to_contain_text("TRN-0101")

    # turn 1 from the keyboard alone: the box has the focus on arrival, Enter says it
    box = page.get_by_label("What you say")
    expect(box).to_be_focused()
    page.keyboard.type("Sir, can you hear me?")
    page.keyboard.press("Enter")
    expect(page.locator("#turn-1")).to_contain_text("Sir, can you hear me?")
    expect(page.locator("#turn-1 .reply")).not_to_be_empty()
    _htmx_idle(page)
    expect(box).to_be_focused()  # emptied and ready for the next turn
    expect(box).to_have_value("")
    assert _focused(page)["outline"] != "none"  # and the focus shows

    # turn 2: words written as a note; turn 3: a call for the interpreter
    page.keyboard.type("Are you hurt?")
    page.get_by_role("button", name="Write it as a note").click()
    expect(page.locator("#turn-2")).to_contain_text("[writing] Are you hurt?")
    _htmx_idle(page)
    page.get_by_label("Call for").select_option("interpreter")
    page.get_by_role("button", name="Call", exact=True).click()
    expect(page.locator("#turn-3")).to_contain_text("/call interpreter")
    expect(page.locator('#scene [data-field="turn"]')).to_have_text("3")
    _screenshot(page, "practice-turns")

    page.get_by_role("button", name="End and see the debrief").click()
    expect(page.get_by_role("heading", name="Debrief")).to_be_visible()
    expect(page.locator("#turn-form")).to_have_count(0)
    for item in ("C1", "C2", "C3", "C4", "C5", "C6", "C7"):
        expect(page.locator(f"#check-{item} td.machine")).to_have_attribute("data-status", re.compile(r"\w"))
    expect(page.locator("svg.plot g.turn")).to_have_count(3)  # one point per turn played
    _screenshot(page, "practice-debrief")

    page.get_by_role("link", name="Practice").click()
    expect(page.get_by_role("row").filter(has_text="The driver who does not answer")).to_contain_text(
        "Stopped before any ending"
    )
    _screenshot(page, "practice-list")
