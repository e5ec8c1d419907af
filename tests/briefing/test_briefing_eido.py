"""Briefings from NENA EIDO files: the officer-safety banner, callbacks, notes word for word, people, address."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from deescalate.briefing.brief import Briefing, brief
from deescalate.briefing.call import CautionIn
from deescalate.briefing.cautions import caution_banner, load_cautions
from deescalate.briefing.render import to_html, to_json, to_text
from deescalate.errors import Code, ConfigError
from deescalate.store.importers import read_call_file

DATA = Path(__file__).parent.parent / "data" / "eido"
NOW = datetime(2024, 5, 15, 2, 0, tzinfo=UTC)


@pytest.fixture
def session(empty_session: Session) -> Session:
    return empty_session


def _brief(name: str, session: Session) -> Briefing:
    return brief(read_call_file(DATA / name), session=session, now=NOW)


# what each fixture must brief: address, people, first callback, one note word for word, banner categories
EXPECTED = {
    "nena_sample_layout.json": (
        "120 N Governors Avenue",
        ["Alma Brandt"],
        "3025550187",
        "CLR STATES HER SON IS OFF HIS MEDS, LOCKED IN THE GARAGE.  SAYS HE HAS A KNIFE",
        ["weapon"],
    ),
    "current_layout.json": (
        "418 Garland Avenue Apt 3C",
        ["Dana Whitfield", "Marcus Reyes"],
        "+1-504-555-0142",
        "units advised, CIT requested  ",
        ["weapon", "violence_toward_officers", "dog", "medical_mental_health"],
    ),
    "draft_2020.json": (
        "2215 Sarah Street",
        ["Ruth Kaminski", "Walter Price"],
        "+14125550163",
        "Neighbour has not seen Mr. Price in 3 days; mail piling up. He is hard of hearing.",
        [],
    ),
}


@pytest.mark.parametrize(("name", "expected"), EXPECTED.items(), ids=EXPECTED.keys())
def test_briefing_eido_fixture_briefs(
    session: Session, name: str, expected: tuple[str, list[str], str, str, list[str]]
) -> None:
    address, people, callback, note, categories = expected
    b = _brief(name, session)
    assert address in b.call_line
    assert [h.name for h in b.people] == people
    assert [c.category for c in b.cautions] == categories
    data = json.loads(to_json(b))
    assert data["call"]["callbacks"][0] == callback and data["call"]["caller_phone"] == callback
    assert note in [n["text"] for n in data["call"]["notes"]]  # verbatim, blanks and capitals kept
    assert [c["category"] for c in data["cautions"]] == categories
    text = to_text(b, width=200)
    assert f"callback: {callback}" in text
    assert " ".join(note.split()) in " ".join(text.split())
    html = to_html(b)
    assert ("OFFICER SAFETY" in html) is bool(categories)
    assert ("OFFICER SAFETY" in text) is bool(categories)


def test_briefing_eido_banner_comes_first_in_every_format(session: Session) -> None:
    b = _brief("current_layout.json", session)
    text = to_text(b, width=200)
    assert text.index("OFFICER SAFETY") < text.index("24-031877:") < text.index("Triage")
    lines = [line for line in text.splitlines() if "WEAPON:" in line or "DOG / ANIMAL:" in line]
    assert "Possible handgun; caller unsure" in lines[0] and "Large dog in the yard" in lines[1]
    html = to_html(b)
    assert html.index("OFFICER SAFETY") < html.index("<h1>")
    assert html.index("Possible handgun") < html.index("struck officers") < html.index("Large dog")


def _c(kind: str, text: str, severity: str | None = None) -> CautionIn:
    return CautionIn(kind=kind, text=text, severity=severity)


RANKING = {
    "weapon beats everything": (
        [_c("Animal", "dog"), _c("Weapons", "rifle in truck", "low"), _c("Hazmat", "propane tanks")],
        ["weapon", "hazardous_materials", "dog"],
    ),
    "violence toward officers beats dogs": (
        [_c("Animal", "two pit bulls"), _c("OfficerSafety", "fought officers 2021")],
        ["violence_toward_officers", "dog"],
    ),
    "unarmed is no weapon (near miss)": ([_c("Other", "subject is unarmed, dog on porch")], ["dog"]),
    "mental health and medical": (
        [_c("Other", "old note"), _c("MedicalCondition", "diabetic")],
        ["medical_mental_health", "other"],
    ),
    "nothing matches": ([_c("Note", "gate code 4471")], ["other"]),
}


@pytest.mark.parametrize(("cautions", "order"), RANKING.values(), ids=RANKING.keys())
def test_briefing_eido_banner_ranking(cautions: list[CautionIn], order: list[str]) -> None:
    banner = caution_banner(cautions)
    assert [line.category for line in banner] == order
    assert [line.rank for line in banner] == list(range(1, len(order) + 1))


def test_briefing_eido_banner_severity_orders_within_a_class() -> None:
    cautions = [_c("Weapons", "knife", "low"), _c("Weapons", "shotgun", "highest"), _c("Weapons", "bat")]
    assert [line.text for line in caution_banner(cautions)] == ["shotgun", "bat", "knife"]  # none given: normal


_TAIL = "\nother: {name: o, label: O}\nseverities: [high]"
BAD_VOCABULARIES = {
    "class named twice": "classes: [{name: a, label: A}, {name: a, label: B}]" + _TAIL,
    "blank word": "classes: [{name: a, label: A, words: [' ']}]" + _TAIL,
    "unknown field": "classes: [{name: a, label: A, colour: red}]" + _TAIL,
    "no classes": "classes: []" + _TAIL,
}


@pytest.mark.parametrize("text", BAD_VOCABULARIES.values(), ids=BAD_VOCABULARIES.keys())
def test_briefing_eido_caution_vocabulary_validated(tmp_path: Path, text: str) -> None:
    path = tmp_path / "cautions.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_cautions(path)
    assert caught.value.code is Code.E040 and str(path) in str(caught.value)


def test_briefing_eido_bundled_vocabulary_loads() -> None:
    vocab = load_cautions()
    assert [c.name for c in vocab.classes][:2] == ["weapon", "violence_toward_officers"]


@pytest.mark.parametrize(
    ("cautions", "weapons_known"),
    [
        ([CautionIn(kind="Weapons / Firearm", text="Subject keeps a handgun in the truck")], True),
        ([CautionIn(kind="Animal", text="Large dog in the yard")], False),  # near miss: a caution, not a weapon
        ([], False),
    ],
)
def test_briefing_eido_cautions_answer_the_weapons_question(
    session: Session, cautions: list[CautionIn], weapons_known: bool
) -> None:
    call = read_call_file(DATA / "draft_2020.json").model_copy(update={"cautions": cautions})
    b = brief(call, session=session, now=NOW)
    weapons = next(a for a in b.answers if "weapons" in a.question.lower())
    assert (weapons.status == "known") is weapons_known
    assert (b.triage.rule == "triage.weapon_or_violence") is weapons_known
