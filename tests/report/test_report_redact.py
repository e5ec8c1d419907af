"""Redaction: civilians' names, phone numbers, addresses, plates and dates of birth go; officers' names, radio
codes, clock times and case numbers stay; findings' spans still point at their (redacted) quotes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deescalate.analysis.analyzer import analyze
from deescalate.encounter.model import Encounter, Participant, Role, Utterance
from deescalate.encounter.readers import read_encounter
from deescalate.report.redact import Redactor, name_parts, redact_encounter

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "deescalate" / "examples"


def _encounter(*lines: tuple[str, str], people: tuple[tuple[str, Role, str | None], ...] = ()) -> Encounter:
    participants = people or (("O1", Role.officer, "Officer Paul Okonjo"), ("S1", Role.subject, "Mr. Arthur Bell"))
    return Encounter(
        id="t",
        participants=[Participant(id=i, role=r, name=n) for i, r, n in participants],
        utterances=[Utterance(id=f"u{n}", speaker=s, start=float(n), text=t) for n, (s, t) in enumerate(lines, 1)],
    )


REDACTOR = Redactor.for_encounter(_encounter(("O1", "hello")))

# (text, the words that must go, the placeholder that takes their place)
POSITIVES = [
    ("call me back on 504-555-0134 tonight", "504-555-0134", "[phone]"),
    ("my cell is (504) 555-0134", "555-0134", "[phone]"),
    ("it's +1 504 555 0134", "504 555 0134", "[phone]"),
    ("my phone number is 5045550134", "5045550134", "[phone]"),
    ("my number is five five five oh one three four", "five five five oh one three four", "[phone]"),
    ("555-0134, that's my sister", "555-0134", "[phone]"),
    ("she lives at 12 Quarry Road with her son", "12 Quarry Road", "[address]"),
    ("2531 N. Washington Ave, apt 4B is the place", "Washington Ave, apt 4B", "[address]"),
    ("I live at twenty two oak lane", "twenty two oak lane", "[address]"),
    ("plate 7ABC123 out of Ohio", "7ABC123", "[plate]"),
    ("tag comes back ABC-1234", "ABC-1234", "[plate]"),
    ("the plate is 8xyz991", "8xyz991", "[plate]"),
    ("DOB 04/12/1987", "04/12/1987", "[date of birth]"),
    ("date of birth is march twelfth nineteen eighty seven", "march twelfth nineteen eighty seven", "[date of birth]"),
    ("I was born on May 3rd, 1990", "May 3rd, 1990", "[date of birth]"),
    ("his birthday is 1990-05-03", "1990-05-03", "[date of birth]"),
    ("ma'am, my name is Maria Lopez", "Maria Lopez", "[name]"),
]

# (text: left exactly as it is)
NEAR_MISSES = [
    "10-4, copy that",
    "on scene at 14:30",
    "it's 2:45 pm now",
    "case number 2024-00123",
    "case 12-05-1987 is closed",  # looks like a date of birth; is a case number
    "case number 504-555-0134",  # looks like a phone number; is a case number
    "badge 4471, unit 51",
    "back up 10 feet for me",
    "he ran two blocks down the street",
    "unit 51 copy, traffic stop",
    "license registration now",
    "blue ford ranger in the lot",
    "my name is Officer Diaz",
    "call me at the station",
    "born and raised in Dayton",
    "code 3 to 12th and Main",
    "the stop was on 03/02/2026 at 19:40",  # a date with no word about a birth
    "Paul, can you grab the blanket from my car?",  # the officer's first name
]


@pytest.mark.parametrize(("text", "secret", "placeholder"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_redact_finds_personal_data(text: str, secret: str, placeholder: str) -> None:
    redacted = REDACTOR.text(text).text
    assert secret not in redacted and placeholder in redacted, redacted


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_redact_leaves_near_misses(text: str) -> None:
    assert REDACTOR.text(text).text == text


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("Mr. Bell, can you hear me?", ["Mr."], ["Bell"]),
        ("Arthur, stay with me", [], ["Arthur"]),
        ("arthur bell's car", ["'s car"], ["arthur", "bell"]),  # speech-to-text lower case, a possessive
        ("Paul, grab the blanket", ["Paul"], []),  # the officer's name
        ("Belle is here", ["Belle"], []),  # another word that begins with a name
        ("call Officer Okonjo", ["Officer Okonjo"], []),
        ("last name bell, b e l l", ["last name"], ["bell", "b e l l"]),  # spelled out on the radio
        ("A-R-T-H-U-R", [], ["A-R-T-H-U-R"]),
        ("plate a b c", ["a b c"], []),  # letters that spell no civilian's name
    ],
)
def test_redact_names_of_civilians_not_officers(text: str, kept: list[str], gone: list[str]) -> None:
    redacted = REDACTOR.text(text).text
    assert all(k in redacted for k in kept) and not any(g in redacted for g in gone), redacted


def test_redact_shared_name_part_stays_alone_but_goes_in_the_whole_name() -> None:
    people = (("O1", Role.officer, "Officer Paul Okonjo"), ("B1", Role.bystander, "Paul Smith"))
    redactor = Redactor.for_encounter(_encounter(("O1", "hi"), people=people))
    assert redactor.text("Paul, over here").text == "Paul, over here"
    assert redactor.text("Paul Smith called it in, Smith lives next door").text == (
        "[bystander 1] called it in, [bystander 1] lives next door"
    )


@pytest.mark.parametrize(
    ("name", "text", "redacted"),
    [
        ("Will Young", "I will be right back", False),  # an everyday word: only with its capital letter
        ("Will Young", "Will, talk to me", True),
        ("Driver", "step out on the driver's side", False),  # what the file called him, not a name
        ("Joan (neighbor)", "the neighbor called", False),  # the note in brackets is not the name
        ("Joan (neighbor)", "thanks Joan", True),
    ],
)
def test_redact_name_parts_that_are_words(name: str, text: str, redacted: bool) -> None:
    people = (("O1", Role.officer, "Officer Dana Kowalski"), ("S1", Role.subject, name))
    redactor = Redactor.for_encounter(_encounter(("O1", "hi"), people=people))
    assert (redactor.text(text).text != text) is redacted


@pytest.mark.parametrize(
    ("name", "parts"),
    [("Mr. Arthur Bell", ["Arthur", "Bell"]), ("Joan (neighbor)", ["Joan"]), ("Dr. J. Reyes", ["J", "Reyes"])],
)
def test_redact_name_parts(name: str, parts: list[str]) -> None:
    assert name_parts(name) == parts


def test_redact_encounter_pseudonymises_civilian_speakers_and_keeps_officers() -> None:
    people = (("O1", Role.officer, "Officer Paul Okonjo"), ("luis-ferrer", Role.subject, "Luis Ferrer"))
    encounter = _encounter(("O1", "Mr. Ferrer, show me your hands"), ("luis-ferrer", "ok ok"), people=people)
    redacted = redact_encounter(encounter)
    assert [(p.id, p.name) for p in redacted.participants] == [
        ("O1", "Officer Paul Okonjo"),
        ("subject-1", "[subject 1]"),
    ]
    assert [u.speaker for u in redacted.utterances] == ["O1", "subject-1"]
    assert "Ferrer" not in redacted.model_dump_json()


@pytest.mark.parametrize("example", ["example-porch-welfare-check.json", "example-parking-lot-stop.json"])
def test_redact_findings_spans_point_at_their_redacted_quotes(example: str) -> None:
    encounter = read_encounter(EXAMPLES / example)
    redactor = Redactor.for_encounter(encounter)
    redacted, texts = redactor.encounter(encounter)
    by_id = {u.id: u.text for u in redacted.utterances}
    findings = [redactor.finding(f.to_dict(), texts[f.utterance_id]) for f in analyze(encounter).findings]
    assert findings
    for finding in findings:
        start, end = finding["span"]
        assert by_id[finding["utterance_ids"][0]][start:end] == finding["quote"]
    dumped = redacted.model_dump_json() + json.dumps(findings)
    civilians = [p.name for p in encounter.participants if p.role in (Role.subject, Role.bystander) and p.name]
    for name in civilians:
        for part in name_parts(name):
            if len(part) > 1:
                assert part not in dumped, part
    officers = [p.name for p in encounter.participants if p.role is Role.officer and p.name]
    assert all(name in dumped for name in officers)


@pytest.mark.parametrize(
    ("text", "span", "moved"),
    [
        ("Mr. Bell, stop", (0, 8), "Mr. [subject 1]"),  # a span ending inside a name covers its replacement
        ("Mr. Bell, stop", (10, 14), "stop"),  # after a replacement: shifted by its length
        ("stop, Mr. Bell", (0, 4), "stop"),  # before: unchanged
        ("Bell, call 504-555-0134 now", (6, 27), "call [phone] now"),
    ],
)
def test_redact_offsets_move_across_replacements(text: str, span: tuple[int, int], moved: str) -> None:
    result = REDACTOR.text(text)
    assert result.text[result.offset(span[0]) : result.offset(span[1], end=True)] == moved
