"""Fuzzy person matching: names, dates of birth, stated age and premise ties, each score with its reasons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from deescalate.errors import Code, ConfigError
from deescalate.store import matching
from deescalate.store.matching import (
    edit_distance,
    load_matching,
    match_person,
    premise_parties,
    score_dob,
    soundex,
    stated_age,
    street_of,
)
from deescalate.store.models import Call, CallPerson, Person, Premise

AT = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
DOB = date(1990, 4, 12)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as s:
        yield s


def _people(s: Session, *rows: tuple[str | None, str | None, date | None]) -> list[Person]:
    people = [Person(first_name=f, last_name=last, date_of_birth=d) for f, last, d in rows]
    s.add_all(people)
    s.flush()
    return people


# (call: first, last, dob; record: first, last, dob; expected band or None; a reason that must be given)
CASES = [
    (("Dana", "Whitfield", DOB), ("Dana", "Whitfield", DOB), "confirmed", "same surname and first name"),
    (("DANA", "WHITFIELD", DOB), ("Dana", "Whitfield", DOB), "confirmed", "same date of birth"),
    (("Bob", "Marsh", DOB), ("Robert", "Marsh", DOB), "confirmed", "forms of one first name"),
    (("Dana", "Whitfield", DOB), ("Dana", "Whitfield", date(1990, 12, 4)), "possible", "day/month swapped"),
    (("Dana", "Whitfield", DOB), ("Dana", "Whitfield", None), "confirmed", "no date of birth on record"),
    (("Dana", "Whitfield", None), ("Dana", "Whitfield", DOB), "confirmed", "no date of birth in the call"),
    (("Dana", "Whitfeld", DOB), ("Dana", "Whitfield", DOB), "confirmed", "surname spelt nearly the same"),
    (("Dana", "Whitfield", DOB), ("Dana", "Whitfield", date(1991, 4, 12)), "possible", "year off by one"),
    (("Dana", "Whitfield", DOB), ("Dana", "Whitfield", date(1990, 4, 13)), "possible", "one digit off"),
    (("Whitfield", "Dana", DOB), ("Dana", "Whitfield", DOB), "confirmed", "first and last names swapped"),
    (("Diane", "Whitfield", date(1990, 12, 4)), ("Dana", "Whitfield", DOB), "possible", "and first initial"),
    # near misses: another person with the same surname is no match at all
    (("Marcus", "Whitfield", date(1971, 8, 30)), ("Dana", "Whitfield", DOB), None, ""),
    (("Dana", "Whitfield", date(1971, 8, 30)), ("Dana", "Whitfield", DOB), None, ""),
    (("Dana", "Whitehead", DOB), ("Dana", "Whitfield", DOB), None, ""),
    (("Dana", "Whitfield", DOB), ("Marcus", "Whitfield", DOB), None, ""),  # twin brother
]


@pytest.mark.parametrize(("given", "record", "band", "reason"), CASES)
def test_store_matching_bands_and_reasons(
    session: Session,
    given: tuple[str, str, date | None],
    record: tuple[str, str, date | None],
    band: str | None,
    reason: str,
) -> None:
    (person,) = _people(session, record)
    found = match_person(session, first_name=given[0], last_name=given[1], date_of_birth=given[2], at=AT)
    got = found.confirmed if band == "confirmed" else (found.possible[0] if found.possible else None)
    if band is None:
        assert found.confirmed is None and found.possible == ()
        return
    assert got is not None and got.person.id == person.id and got.band == band
    assert any(reason in r for r in got.reasons), got.reasons
    if band == "possible":
        assert found.confirmed is None


def test_store_matching_twins_exact_one_confirmed_near_miss_possible(session: Session) -> None:
    dana, dara = _people(session, ("Dana", "Whitfield", DOB), ("Dara", "Whitfield", DOB))
    found = match_person(session, first_name="Dana", last_name="Whitfield", date_of_birth=DOB, at=AT)
    assert found.confirmed is not None and found.confirmed.person.id == dana.id
    assert [c.person.id for c in found.possible] == [dara.id]


def test_store_matching_two_records_alike_neither_is_confirmed(session: Session) -> None:
    _people(session, ("Dana", "Whitfield", None), ("Dana", "Whitfield", date(1985, 1, 2)))
    found = match_person(session, first_name="Dana", last_name="Whitfield", date_of_birth=None, at=AT)
    assert found.confirmed is None
    assert len(found.possible) == 2


def test_store_matching_premise_tie_settles_between_namesakes(session: Session) -> None:
    here, there = _people(session, ("Dana", "Whitfield", None), ("Dana", "Whitfield", None))
    premise = Premise(address="418 GARLAND AVE #3C")
    session.add(premise)
    session.flush()
    prior = Call(number="P-1", received_at=AT - timedelta(days=30), premise_id=premise.id)
    session.add(prior)
    session.flush()
    session.add(CallPerson(call_id=prior.id, person_id=here.id, role="subject"))
    session.flush()
    found = match_person(session, first_name="Dana", last_name="Whitfield", date_of_birth=None, premise=premise, at=AT)
    assert found.confirmed is not None and found.confirmed.person.id == here.id
    assert "prior calls at this premise" in found.confirmed.reasons
    assert [c.person.id for c in found.possible] == [there.id]
    # a call before the prior one does not see the tie
    earlier = match_person(
        session, first_name="Dana", last_name="Whitfield", date_of_birth=None, premise=premise,
        at=AT - timedelta(days=60),
    )  # fmt: skip
    assert earlier.confirmed is None


@pytest.mark.parametrize(
    ("stated", "band"),
    [(35, "confirmed"), (36, "confirmed"), (58, "possible")],
    ids=["age-agrees", "age-near", "age-far"],
)
def test_store_matching_stated_age_against_record(session: Session, stated: int, band: str) -> None:
    _people(session, ("Dana", "Whitfield", DOB))  # 35 on AT
    found = match_person(session, first_name="Dana", last_name="Whitfield", date_of_birth=None, age=stated, at=AT)
    got = found.confirmed or found.possible[0]
    assert got.band == band
    assert any(r.startswith(f"stated age {stated}, record 35") for r in got.reasons)


def test_store_matching_no_surname_no_candidates(session: Session) -> None:
    _people(session, ("Dana", "Whitfield", DOB))
    found = match_person(session, first_name="Dana", last_name=None, date_of_birth=DOB, at=AT)
    assert found.confirmed is None and found.possible == ()


@pytest.mark.parametrize(
    ("given", "record", "reason"),
    [
        (DOB, DOB, "same date of birth"),
        (DOB, date(1990, 12, 4), "date of birth day/month swapped"),
        (date(1990, 4, 4), date(1990, 4, 4), "same date of birth"),
        (date(1990, 4, 13), date(1990, 4, 30), "different date of birth (1990-04-13 / 1990-04-30)"),
        (date(1990, 4, 12), date(1990, 4, 21), "date of birth with two digits transposed"),
        (date(1990, 4, 12), date(1989, 4, 12), "date of birth year off by one"),
        (date(1990, 4, 12), date(1990, 4, 22), "date of birth one digit off"),
        (None, DOB, "no date of birth in the call"),
        (DOB, None, "no date of birth on record"),
    ],
)
def test_store_matching_dob_levels(given: date | None, record: date | None, reason: str) -> None:
    assert score_dob(given, record, config=load_matching()).reasons == (reason,)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("whitfield", "whitfield", 0), ("whitfeld", "whitfield", 1), ("whtifield", "whitfield", 1), ("smith", "smyth", 1),
     ("dana", "marcus", 5)],
)  # fmt: skip
def test_store_matching_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance


@pytest.mark.parametrize(
    ("name", "code"),
    [("Robert", "R163"), ("Rupert", "R163"), ("Ashcraft", "A261"), ("Tymczak", "T522"), ("Lee", "L000")],
)
def test_store_matching_soundex_reference_codes(name: str, code: str) -> None:
    # reference codes from the US National Archives' Soundex description
    assert soundex(name) == code


@pytest.mark.parametrize(
    ("text", "age"),
    [("W/F about 45 years old, red coat", 45), ("age 30", 30), ("19yo male", 19), ("a 27-year-old", 27),
     ("6 feet tall", None), ("drives a 2004 truck", None), (None, None)],
)  # fmt: skip
def test_store_matching_stated_age(text: str | None, age: int | None) -> None:
    assert stated_age(text) == age


@pytest.mark.parametrize(
    ("address", "street"),
    [("418 Garland Avenue Apt 3C", "GARLAND AVE"), ("12 N Main St", "N MAIN ST"), ("Garland Ave", "GARLAND AVE")],
)
def test_store_matching_street_of(address: str, street: str) -> None:
    assert street_of(address) == street


def test_store_matching_premise_parties_most_frequent_first(session: Session) -> None:
    rosa, dana, once = _people(session, ("Rosa", "Diaz", None), ("Dana", "Whitfield", DOB), ("Al", "Once", None))
    premise = Premise(address="418 GARLAND AVE #3C")
    session.add(premise)
    session.flush()
    for i, (who, role) in enumerate([(rosa, "caller"), (rosa, "caller"), (dana, "subject"), (rosa, "witness"),
                                     (dana, "subject"), (once, "other")]):  # fmt: skip
        c = Call(number=f"P-{i}", received_at=AT - timedelta(days=10 + i), premise_id=premise.id)
        session.add(c)
        session.flush()
        session.add(CallPerson(call_id=c.id, person_id=who.id, role=role))
    future = Call(number="P-later", received_at=AT + timedelta(days=1), premise_id=premise.id)
    session.add(future)
    session.flush()
    session.add(CallPerson(call_id=future.id, person_id=once.id, role="caller"))
    session.flush()
    parties = premise_parties(session, premise=premise, before=AT)
    assert [(p.person.id, p.calls) for p in parties] == [(rosa.id, 3), (dana.id, 2), (once.id, 1)]
    assert parties[0].roles == {"caller": 2, "witness": 1}


def test_store_matching_bad_weights_file_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "matching.yaml"
    text = (Path(matching.__file__).parent / "matching.yaml").read_text()
    path.write_text(text.replace("possible: 45", "possible: 90"))
    with pytest.raises(ConfigError) as info:
        load_matching(path)
    assert info.value.code is Code.E098
    assert str(path) in str(info.value) and "bands" in str(info.value)
