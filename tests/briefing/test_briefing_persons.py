"""Possible matches and the people of a premise in the briefing: an officer-safety flag is never hidden."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from deescalate.briefing.brief import brief
from deescalate.briefing.call import CallIn, PersonIn
from deescalate.briefing.render import to_html, to_json, to_text
from deescalate.store.models import Call, CallPerson, Flag, Person, Premise

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DOB = date(1990, 4, 12)


@pytest.fixture
def session(empty_session: Session) -> Iterator[Session]:
    s = empty_session
    premise = Premise(address="418 GARLAND AVE #3C")
    s.add(premise)
    s.flush()
    dana = Person(first_name="Dana", last_name="Whitfield", date_of_birth=DOB)
    rosa = Person(first_name="Rosa", last_name="Diaz")
    lou = Person(first_name="Lou", last_name="Marsh", date_of_birth=date(1961, 2, 3))
    s.add_all([dana, rosa, lou])
    s.flush()
    for i, (who, role) in enumerate([(rosa, "caller"), (lou, "subject"), (rosa, "caller"), (lou, "subject")]):
        c = Call(number=f"25-{i}", received_at=NOW - timedelta(days=40 + i), type_text="Disturbance",
                 premise_id=premise.id)  # fmt: skip
        s.add(c)
        s.flush()
        s.add(CallPerson(call_id=c.id, person_id=who.id, role=role))
    s.add_all(
        [
            Flag(category="weapon", text="displayed a gun at officers", person_id=dana.id,
                 entered_by="Ofc. Lee", entered_at=NOW - timedelta(days=60), expires_at=NOW + timedelta(days=300)),
            Flag(category="violence_toward_officers", text="fought officers at arrest", person_id=lou.id,
                 entered_by="Ofc. Ruiz", entered_at=NOW - timedelta(days=41)),
        ]
    )  # fmt: skip
    s.commit()
    yield s


def _call(*persons: PersonIn, narrative: str = "Loud argument upstairs.") -> CallIn:
    return CallIn(
        number="26-500",
        received_at=NOW - timedelta(minutes=3),
        type_text="Disturbance",
        address="418 Garland Avenue Apt 3C",
        narrative=narrative,
        persons=list(persons),
    )


def test_briefing_persons_swapped_dob_shows_gun_flag_as_possible_match(session: Session) -> None:
    subject = PersonIn(first_name="Dana", last_name="Whitfield", date_of_birth=date(1990, 12, 4), role="subject")
    b = brief(_call(subject), session=session, now=NOW)
    (dana,) = b.people
    assert not dana.known and dana.match == "none"
    (possible,) = dana.possible_matches
    assert possible.match == "possible" and possible.date_of_birth == "1990-04-12"
    assert any("day/month swapped" in r for r in possible.reasons)
    assert [(f.category, f.status) for f in possible.flags] == [("weapon", "active")]
    # never hidden: the weapons question and the triage see it, marked as a possible match
    weapons = next(a for a in b.answers if "weapon" in a.question.lower())
    assert any("displayed a gun" in f.text and "possible match" in f.text for f in weapons.facts)
    assert b.triage.outcome == "police"
    text = to_text(b, width=160)
    assert "POSSIBLE MATCH for Dana Whitfield" in text and "displayed a gun" in text and "day/month swapped" in text
    assert "displayed a gun" in to_html(b) and "possible" in to_html(b)
    assert json.loads(to_json(b))["people"][0]["possible_matches"][0]["flags"][0]["category"] == "weapon"


def test_briefing_persons_exact_match_is_confirmed_not_possible(session: Session) -> None:
    subject = PersonIn(first_name="Dana", last_name="Whitfield", date_of_birth=DOB, role="subject")
    (dana,) = brief(_call(subject), session=session, now=NOW).people
    assert dana.known and dana.match == "confirmed" and dana.possible_matches == ()
    assert [f.text for f in dana.flags] == ["displayed a gun at officers"]


def test_briefing_persons_different_person_same_surname_shows_nothing(session: Session) -> None:
    subject = PersonIn(first_name="Marcus", last_name="Whitfield", date_of_birth=date(1975, 6, 1), role="subject")
    b = brief(_call(subject), session=session, now=NOW)
    assert b.people[0].possible_matches == () and not b.people[0].known
    assert "displayed a gun" not in to_text(b, width=160)


def test_briefing_persons_premise_residents_listed_with_flags(session: Session) -> None:
    b = brief(_call(), session=session, now=NOW)
    listed = [(p.name, p.calls, p.roles) for p in b.premise_people]
    assert listed == [("Rosa Diaz", 2, {"caller": 2}), ("Lou Marsh", 2, {"subject": 2})]
    lou = b.premise_people[1]
    assert [f.category for f in lou.flags] == ["violence_toward_officers"]
    text = to_text(b, width=160)
    assert "People tied to this premise" in text and "Lou Marsh" in text and "fought officers" in text
    assert "Lou Marsh" in to_html(b)


def test_briefing_persons_named_person_not_repeated_among_premise_people(session: Session) -> None:
    b = brief(_call(PersonIn(first_name="Lou", last_name="Marsh", role="subject")), session=session, now=NOW)
    assert b.people[0].known and [p.name for p in b.premise_people] == ["Rosa Diaz"]
