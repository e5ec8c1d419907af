"""Per-utterance context the detectors share: prepared text, role, and to whom each clause is said."""

from __future__ import annotations

import re
from dataclasses import dataclass

from deescalate.analysis.text import PreparedText, prepare
from deescalate.encounter.model import CIVILIAN_ROLES, Encounter, Role, Utterance

_TITLES = frozenset(
    [
        "officer",
        "ofc",
        "deputy",
        "sergeant",
        "sgt",
        "trooper",
        "detective",
        "det",
        "corporal",
        "cpl",
        "lieutenant",
        "lt",
        "captain",
        "capt",
        "agent",
        "constable",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "the",
        "of",
        "and",
        "with",
        "a",
        "an",
        "jr",
        "sr",
        "police",
    ]
)
_NUMBER = (
    r"(?:\d[\w-]*|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|adam|boy|charlie|david|edward|frank|george|henry|king|lincoln|mary|nora|ocean|paul|sam|tom)"
)
# A radio call opens with the unit's call sign: "Twenty-two, ...", "4 adam copy", "Unit 3, ..."
CALL_SIGN = re.compile(
    rf"^\s*(?:unit\s+)?{_NUMBER}(?:[\s-]+{_NUMBER})*\s*(?:,|\bcopy\b|\bto dispatch\b|\bi'm\b|\bwe're\b|\bwe'll\b|"
    rf"\bclear\b|\bcan you\b|\brun\b|\bstart\b|\bsend\b|\bgive me\b|\bany\b|\b(?:and|&) {_NUMBER}\b|$)"
)
_RADIO_NOTE = re.compile(r"\[(?:radio|on phone|phone|low|to partner|into radio)")
_CIVILIAN_NOTE = re.compile(r"\[(?:pa|writing|reading|through|to (?:subject|driver))")
_CIVILIAN_VOCATIVE = re.compile(r"^(?:hey,? )?(?:sir|ma'am|maam|driver|buddy|bud|folks|kiddo|miss|hi|hello|señor)\b")
_DISPATCH_VOCATIVE = re.compile(r"^(?:dispatch|radio|sarge)\b")


_NOT_CIVILIAN = frozenset({Role.officer, Role.other, Role.dispatcher})


@dataclass(frozen=True, slots=True)
class UtteranceContext:
    index: int
    utterance: Utterance
    role: Role
    prepared: PreparedText
    to_civilian: tuple[bool, ...]  # one flag per clause


def _name_tokens(name: str | None) -> set[str]:
    if not name:
        return set()
    tokens = re.findall(r"[a-z']+", name.lower())
    return {t for t in tokens if t not in _TITLES and len(t) > 2}


def civilian_name_tokens(encounter: Encounter) -> frozenset[str]:
    """Words of the civilians' names (subject, bystanders): how officers address them."""
    names: set[str] = set()
    for p in encounter.participants:
        if p.role in CIVILIAN_ROLES:
            names |= _name_tokens(p.name)
    return frozenset(names)


def addressees(prepared: PreparedText, *, partner_names: set[str], civilian_names: frozenset[str]) -> tuple[bool, ...]:
    """For an officer's utterance: is each clause said to a civilian?"""
    notes = " ".join(prepared.annotations)
    to_civilian = not _RADIO_NOTE.search(notes) or bool(_CIVILIAN_NOTE.search(notes))
    if prepared.clauses and CALL_SIGN.match(prepared.clauses[0].text):
        to_civilian = False
    flags = []
    for clause in prepared.clauses:
        words = clause.text.split()
        first = words[0].strip(",.?!")
        last = words[-1].strip(",.?!")
        if _CIVILIAN_VOCATIVE.match(clause.text) or first in civilian_names:
            to_civilian = True
        elif first in partner_names or last in partner_names or _DISPATCH_VOCATIVE.match(clause.text):
            to_civilian = False
        flags.append(to_civilian)
    return tuple(flags)


def build_contexts(encounter: Encounter) -> list[UtteranceContext]:
    # Everyone who is neither a civilian nor the speaker is a "partner" for addressing:
    # officers, and clinicians, interpreters and medics (role other).
    officer_names = {p.id: _name_tokens(p.name) for p in encounter.participants if p.role in _NOT_CIVILIAN}
    civilian_names = civilian_name_tokens(encounter)
    all_partner_names: set[str] = set().union(*officer_names.values()) if officer_names else set()
    partners_of: dict[str, set[str]] = {}
    contexts = []
    for i, u in enumerate(encounter.utterances):
        role = encounter.role_of(u.speaker)
        prepared = prepare(u.text)
        if role is Role.officer:
            partners = partners_of.get(u.speaker)
            if partners is None:
                others = {n for pid, names in officer_names.items() if pid != u.speaker for n in names}
                partners = partners_of[u.speaker] = (
                    others if len(officer_names) < 50 else all_partner_names
                ) - civilian_names
            flags = addressees(prepared, partner_names=partners, civilian_names=civilian_names)
        else:
            flags = tuple(False for _ in prepared.clauses)
        contexts.append(UtteranceContext(i, u, role, prepared, flags))
    return contexts
