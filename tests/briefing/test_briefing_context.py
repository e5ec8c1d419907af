"""The caller's words read in context: negation, uncertainty, hypotheticals, look-alike words, suicide."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from deescalate.briefing.brief import Briefing, brief
from deescalate.briefing.call import CallIn, PersonIn
from deescalate.briefing.context import load_lexicon, read
from deescalate.briefing.rules import load_rules, terms
from deescalate.errors import Code, ConfigError
from deescalate.store.models import Base, Call, CallPerson, Flag, Person, Premise

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GROUPS = ("weapon", "violence", "injury", "suicide", "mental_health", "substance")
_ORDER = ("affirmed", "uncertain", "hypothetical", "negated")


@pytest.fixture
def session(empty_session: Session) -> Session:
    return empty_session


def _call(text: str, type_text: str = "Welfare check", **more: object) -> CallIn:
    return CallIn.model_validate(
        {
            "number": "26-200",
            "received_at": NOW - timedelta(minutes=3),
            "type_text": type_text,
            "narrative": text,
            "caller_phone": "555-0142",
            **more,
        }
    )


def read_groups(text: str) -> dict[str, str]:
    """For each fact group said in text, its most present reading (affirmed > uncertain > ... > negated)."""
    rules = load_rules()
    reading = read([text], look_alikes=rules.look_alikes)
    out = {}
    for group in GROUPS:
        found = {m.status for m in reading.find(terms((f"@{group}",), rules.vocab))}
        if found:
            out[group] = next(s for s in _ORDER if s in found)
    return out


WEAPON = "triage.weapon_or_violence"
SUICIDE = "triage.suicide_risk"
MH = "triage.mental_health_no_weapon"
MEDICAL = "triage.medical"
CIVIL = "triage.civil_dispute"
DEFAULT = "triage.default"

# (call text as a caller or call-taker writes it, call type, triage rule, facts read)
CASES = [
    # negation
    ("no weapons, nobody hurt", "Disturbance", DEFAULT, {"weapon": "negated", "injury": "negated"}),
    (
        "RP ADV NO WEAPONS SEEN. nobody hurt, just loud",
        "Disturbance",
        DEFAULT,
        {"weapon": "negated", "injury": "negated"},
    ),
    ("DOESNT HAVE A GUN BUT HAS A KNIFE", "Disturbance", WEAPON, {"weapon": "affirmed"}),
    ("no gun seen, has a machete", "Disturbance", WEAPON, {"weapon": "affirmed"}),
    ("he is not putting the knife down", "Disturbance", WEAPON, {"weapon": "affirmed"}),
    (
        "she's not hurting anybody, I think she's off her meds",
        "Welfare check",
        MH,
        {"violence": "negated", "mental_health": "uncertain"},
    ),
    (
        "Mother says son is schizophrenic and hasnt taken his meds in weeks, no weapons",
        "Welfare check",
        MH,
        {"mental_health": "affirmed", "weapon": "negated"},
    ),
    (
        "Landlord changed locks, tenants stuff inside, no threats, no weapons",
        "Landlord-tenant dispute",
        CIVIL,
        {"weapon": "negated", "violence": "negated"},
    ),
    (
        "landlord-tenant, tenant threatening to hit landlord w/ a hammer",
        "Landlord-tenant dispute",
        WEAPON,
        {"violence": "affirmed", "weapon": "affirmed"},
    ),
    (
        "kid is high, not violent, parents on scene",
        "Juvenile problem",
        DEFAULT,
        {"substance": "affirmed", "violence": "negated"},
    ),
    # uncertainty, hearsay
    ("I think she might have a knife, I'm not sure", "Disturbance", WEAPON, {"weapon": "uncertain"}),
    ("heard what sounded like shots, maybe fireworks", "Shots heard", WEAPON, {"weapon": "uncertain"}),
    ("apparently he has a gun, caller heard it from a neighbor", "Disturbance", WEAPON, {"weapon": "uncertain"}),
    ("3rd party RP, states subj has a knife", "Disturbance", WEAPON, {"weapon": "uncertain"}),
    ("per RP subj has a knife in his waistband", "Disturbance", WEAPON, {"weapon": "affirmed"}),
    ("subj holding something shiny, knife??", "Suspicious person", WEAPON, {"weapon": "uncertain"}),
    ("DAUGHTER POSS OD, UNRESPONSIVE", "Medical", MEDICAL, {"substance": "uncertain"}),
    # hypothetical
    ("if he gets a gun idk what he'll do", "Disturbance", DEFAULT, {"weapon": "hypothetical"}),
    ("he said if I call the cops he'll get his gun", "Domestic", WEAPON, {"weapon": "affirmed"}),
    (
        "caller asking what to do in case her son ever talks about suicide",
        "Information",
        DEFAULT,
        {"suicide": "hypothetical"},
    ),
    # look-alike words
    ("caller says male in the bathroom wont come out, been in there an hour", "Welfare check", DEFAULT, {}),
    ("strong odor of gas from the unit, battery smoke alarm chirping", "Hazard", DEFAULT, {}),
    ("neighbor took a shot of tequila and is singing in the hallway", "Noise complaint", DEFAULT, {}),
    ("husband building a shed with a nail gun, neighbor yelling about noise", "Noise complaint", DEFAULT, {}),
    (
        "son using a glue gun, burned his hand, bleeding a little",
        "Medical",
        MEDICAL,
        {"injury": "affirmed"},
    ),
    ("there's a bat flying around in the house and grandma is scared", "Animal", DEFAULT, {}),
    ("she has a bat, swinging it at the car", "Disturbance", WEAPON, {"weapon": "affirmed"}),
    ("white pickup hit a parked car and drove off, no one hurt", "Traffic", DEFAULT, {"injury": "negated"}),
    ("Pt having a panic attack, hyperventilating", "Medical", MEDICAL, {}),
    ("dad cutting the grass at 6am again, very loud", "Noise complaint", DEFAULT, {}),
    ("kid at the high school crying in the parking lot", "Welfare check", DEFAULT, {}),
    # suicide and self-harm
    (
        "my brother wants to die, keeps saying hes going to end it all",
        "Welfare check",
        SUICIDE,
        {"suicide": "affirmed"},
    ),
    (
        "pt states he wants to kill himself, took a bunch of pills",
        "Welfare check",
        SUICIDE,
        {"suicide": "affirmed", "substance": "affirmed"},
    ),
    ("DAUGHTER 16 CUTTING AGAIN, LOCKED IN ROOM", "Welfare check", SUICIDE, {"suicide": "affirmed"}),
    (
        "says life's not worth living, has been drinking all day",
        "Welfare check",
        SUICIDE,
        {"suicide": "affirmed", "substance": "affirmed"},
    ),
    (
        "RP's brother threatening to kill himself, no weapons in the house",
        "Welfare check",
        SUICIDE,
        {"suicide": "affirmed", "weapon": "negated"},
    ),
    ("worried she might hurt herself", "Welfare check", SUICIDE, {"suicide": "uncertain"}),
    ("if she doesn't get help she's going to hurt herself", "Welfare check", SUICIDE, {"suicide": "affirmed"}),
    ("he said he'd kill himself if she left", "Domestic", SUICIDE, {"suicide": "affirmed"}),
    ("she's going to jump off the bridge, on the railing now", "Person in crisis", SUICIDE, {"suicide": "affirmed"}),
    (
        "she's not suicidal, just upset about the breakup, no weapons",
        "Welfare check",
        DEFAULT,
        {"suicide": "negated", "weapon": "negated"},
    ),
    (
        "Mom says he denies wanting to hurt himself but he is hearing voices",
        "Welfare check",
        MH,
        {"suicide": "negated", "mental_health": "affirmed"},
    ),
    # suicide next to a weapon or a threat to others stays with the police
    (
        "he doesn't want to live anymore, might have a rifle at home",
        "Welfare check",
        WEAPON,
        {"suicide": "affirmed", "weapon": "uncertain"},
    ),
    (
        "caller's ex texted a goodbye note, unk location, unk if armed",
        "Welfare check",
        WEAPON,
        {"suicide": "affirmed", "weapon": "uncertain"},
    ),
    (
        "boyfriend threatening to kill her, has a knife",
        "Domestic",
        WEAPON,
        {"weapon": "affirmed", "violence": "affirmed"},
    ),
    ("BF THREATENED TO KILL ME LAST WEEK, NOT HERE NOW", "Domestic", WEAPON, {"violence": "affirmed"}),
]


@pytest.mark.parametrize(("text", "type_text", "rule", "facts"), CASES, ids=[c[0][:40] for c in CASES])
def test_briefing_context_triage_and_facts_read_in_context(
    session: Session, text: str, type_text: str, rule: str, facts: dict[str, str]
) -> None:
    assert read_groups(text) == facts
    assert brief(_call(text, type_text), session=session, now=NOW).triage.rule == rule


def _missing(b: Briefing) -> dict[str, tuple[str, ...]]:
    return {m.what: m.who_can_supply for m in b.missing}


@pytest.mark.parametrize(
    ("text", "group", "confirm"),
    [
        ("I think she might have a knife, I'm not sure", "weapon", True),
        ("She has a knife.", "weapon", False),
        ("She has no knife.", "weapon", False),
        ("apparently he's been hearing voices again", "mental_health", True),
        ("he's been hearing voices again", "mental_health", False),
        ("worried he might hurt himself", "suicide", True),
        ("he cut his hand, might be hurt bad", "injury", True),
        ("if he gets a gun I'm leaving", "weapon", True),
    ],
    ids=["possible-knife", "knife", "no-knife", "hearsay-voices", "voices", "possible-self-harm", "injury", "if-gun"],
)
def test_briefing_context_unconfirmed_facts_are_missing_with_who_can_confirm(
    session: Session, text: str, group: str, confirm: bool
) -> None:
    b = brief(_call(text), session=session, now=NOW)
    label = load_lexicon().labels[group]
    items = {what: who for what, who in _missing(b).items() if what.startswith(f"confirm {label}:")}
    assert bool(items) is confirm
    for what, who in items.items():
        assert text.rstrip(".") in what  # the caller's words are the evidence
        assert "caller callback (555-0142)" in who and len(who) >= 2


@pytest.fixture
def known_session() -> Iterator[Session]:
    """A premise and a person on record, so that every question but weapons can be answered."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        premise = Premise(address="12 ELM ST #2")
        s.add(premise)
        s.flush()
        prior = Call(
            number="25-9", received_at=NOW - timedelta(days=30), type_text="Disturbance", premise_id=premise.id
        )
        s.add(prior)
        s.flush()
        ray = Person(first_name="Ray", last_name="Okafor")
        s.add(ray)
        s.flush()
        s.add(CallPerson(call_id=prior.id, person_id=ray.id, role="subject"))
        s.add_all(
            [
                Flag(
                    category="dog",
                    text="pit bull in the back yard",
                    premise_id=premise.id,
                    entered_by="Ofc. Ruiz",
                    entered_at=NOW - timedelta(days=800),
                    expires_at=NOW - timedelta(days=70),
                ),
            ]
        )
        s.commit()
        yield s


def _known_call(text: str) -> CallIn:
    return _call(
        text,
        "Disturbance",
        address="12 Elm St #2",
        caller_name="Ana Ruiz",
        caller_on_scene=True,
        persons=[PersonIn(first_name="Ray", last_name="Okafor", role="subject"), PersonIn(role="witness")],
    )


@pytest.mark.parametrize(
    ("text", "nothing_missing"),
    [
        ("He's drunk and yelling. He has a knife.", True),
        ("He's drunk and yelling. I think he might have a knife, I'm not sure.", False),
        ("He's drunk and yelling. Might have a knife?", False),
        ("He's yelling. He might be drunk, I don't know. He has a knife.", False),
    ],
    ids=["all-known", "possible-knife", "knife-question", "possible-drunk"],
)
def test_briefing_context_never_says_nothing_missing_while_a_fact_is_uncertain(
    known_session: Session, text: str, nothing_missing: bool
) -> None:
    b = brief(_known_call(text), session=known_session, now=NOW)
    extra = next(a for a in b.answers if a.question.startswith("What additional information"))
    said_nothing = any(f.text == "nothing obvious is missing" for f in extra.facts)
    assert said_nothing is nothing_missing
    assert (not b.missing) is nothing_missing


def test_briefing_context_expired_premise_flag_is_history_not_an_answer(known_session: Session) -> None:
    b = brief(_known_call("He's drunk and yelling. He has a knife."), session=known_session, now=NOW)
    place = next(a for a in b.answers if a.question.startswith("What is the physical environment"))
    assert all("pit bull" not in f.text for f in place.facts)
    assert [(v.text, v.status) for v in b.premise_flags] == [("pit bull in the back yard", "expired")]


@pytest.mark.parametrize(
    ("text", "resources", "absent"),
    [
        (
            "my brother wants to die",
            {"resource.crisis_lifeline_988", "resource.mobile_crisis", "resource.cit_officer"},
            {"resource.supervisor"},
        ),
        (
            "says he'll shoot himself, has a gun in the truck",
            {"resource.crisis_lifeline_988", "resource.supervisor", "resource.second_unit"},
            set(),
        ),
        ("she said she's not suicidal", set(), {"resource.crisis_lifeline_988", "resource.mobile_crisis"}),
        ("in case he ever talks about killing himself", set(), {"resource.crisis_lifeline_988"}),
    ],
    ids=["suicide", "suicide-with-gun", "negated", "hypothetical"],
)
def test_briefing_context_suicide_brings_its_own_resources(
    session: Session, text: str, resources: set[str], absent: set[str]
) -> None:
    got = {r.rule for r in brief(_call(text), session=session, now=NOW).resources}
    assert resources <= got and not (absent & got)


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        (
            "No gun. I think he has a knife.",
            {("No gun.", "negated", "No"), ("I think he has a knife.", "uncertain", "I think")},
        ),
        # the nearest cue decides: "I'm not sure" is one word from the knife, "I think" four
        (
            "I think he has a knife, I'm not sure.",
            {("I think he has a knife, I'm not sure.", "uncertain", "I'm not sure")},
        ),
        ("If he gets a gun, call me.", {("If he gets a gun, call me.", "hypothetical", "If")}),
    ],
    ids=["negated-and-hedged", "nearest-cue", "hypothetical"],
)
def test_briefing_context_facts_carry_their_reading(
    session: Session, text: str, facts: set[tuple[str, str, str]]
) -> None:
    b = brief(_call(text), session=session, now=NOW)
    weapons = next(a for a in b.answers if a.question.startswith("Are there weapons"))
    assert {(f.text, f.status, f.cue) for f in weapons.facts} == facts
    assert weapons.status == "partly known"


@pytest.mark.parametrize(
    ("texts", "term", "expected"),
    [
        (["bathroom", "battery"], "bat", []),
        (["Ran into the bathroom"], "bat", []),
        (["He has a BAT."], "bat", ["affirmed"]),
        (["no", "gun"], "gun", ["affirmed"]),  # a cue in the narrative does not reach into a note
        (["caller says no.", "Gun in the car"], "gun", ["affirmed"]),
        (["he has a gun - no injuries"], "gun", ["affirmed"]),
        (["he has no gun - injuries"], "gun", ["negated"]),
        (["he dont have a gun"], "gun", ["negated"]),  # the typo reads as "don't"
        (["he don’t have a gun"], "gun", ["negated"]),  # a curly apostrophe too
    ],
    ids=["two-texts", "bathroom", "caps", "across-texts", "across-notes", "dash", "dash-neg", "typo", "curly"],
)
def test_briefing_context_words_match_as_words_within_one_text(
    texts: list[str], term: str, expected: list[str]
) -> None:
    assert [m.status for m in read(texts).find([term])] == expected


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("cues: [", "line"),
        ("cues: []\n", "cues"),
        ("cues:\n  - {phrase: 'no', kind: maybe}\n", "cues.0.kind"),
        ("cues:\n  - {phrase: '...', kind: negated}\n", "cues.0.phrase"),
        ("cues:\n  - {phrase: 'no', kind: negated}\n  - {phrase: 'NO', kind: possible}\n", "listed twice"),
        ("cues:\n  - {phrase: 'no', kind: negated, max_scope: 0}\n", "cues.0.max_scope"),
    ],
    ids=["not-yaml", "no-cues", "bad-kind", "no-words", "duplicate", "zero-scope"],
)
def test_briefing_context_bad_cue_file_is_one_line(tmp_path: Path, content: str, where: str) -> None:
    path = tmp_path / "agency-cues.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as err:
        load_lexicon(path)
    line = err.value.one_line()
    assert err.value.code is Code.E096 and "agency-cues.yaml" in line and where in line and "\n" not in line


def test_briefing_context_look_alike_must_hold_its_word(tmp_path: Path) -> None:
    from importlib import resources

    text = resources.files("deescalate.briefing").joinpath("rules.yaml").read_text()
    path = tmp_path / "rules.yaml"
    path.write_text(text.replace('gun: ["glue gun",', 'gun: ["glue stick",'))
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    assert err.value.code is Code.E040 and "look_alikes" in err.value.one_line() and "glue stick" in str(err.value)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("I think he has a knife.", 'uncertain: "I think"'),
        ("No knife.", 'negated: "No"'),
        ("He has a knife.", None),
    ],
    ids=["uncertain", "negated", "affirmed"],
)
def test_briefing_context_text_and_html_show_the_reading(session: Session, text: str, shown: str | None) -> None:
    from deescalate.briefing.render import to_html, to_text

    b = brief(_call(text), session=session, now=NOW)
    rendered, html = to_text(b, width=200), to_html(b)
    if shown is None:
        assert "[uncertain" not in rendered and "[negated" not in rendered and "<b>[" not in html
    else:
        assert f"[{shown}]" in rendered
        assert f"<b>[{shown.replace(chr(34), '&quot;')}]</b>" in html


def test_briefing_context_agency_cue_file_changes_the_reading(session: Session, tmp_path: Path) -> None:
    from importlib import resources

    text = resources.files("deescalate.briefing").joinpath("context.yaml").read_text()
    path = tmp_path / "cues.yaml"
    path.write_text(text.replace('  - {phrase: "no", kind: negated}\n', ""))  # this agency's "no" denies nothing
    call = _call("no weapons, nobody hurt", "Disturbance")
    assert brief(call, session=session, now=NOW).triage.rule == DEFAULT
    assert brief(call, session=session, now=NOW, cues=load_lexicon(path)).triage.rule == WEAPON


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("I couldn't tell if it was a knife", "uncertain"),
        ("not sure if he has a knife", "uncertain"),
        ("if he has a knife, call back", "hypothetical"),
        ("I dont know if he has a knife", "uncertain"),
    ],
    ids=["couldnt-tell-if", "not-sure-if", "if", "dont-know-if"],
)
def test_briefing_context_if_after_a_hedge_is_uncertain_not_hypothetical(text: str, status: str) -> None:
    assert read_groups(text) == {"weapon": status}
