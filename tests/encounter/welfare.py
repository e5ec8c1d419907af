"""What the welfare.* example transcripts in tests/data say, written out once.

The same welfare check (a neighbour calls about an older man not seen for two
days; he has fallen at home) in every input format. The plain-text file has no
end times; the others all have the same ones.
"""

from __future__ import annotations

from pathlib import Path

from deescalate.encounter import Encounter, Role

DATA = Path(__file__).resolve().parent.parent / "data"

FILES = {
    "json": DATA / "welfare.json",
    "vtt": DATA / "welfare.vtt",
    "srt": DATA / "welfare.srt",
    "whisper": DATA / "welfare.whisper.json",
    "text": DATA / "welfare.txt",
}
ROLES_FILE = DATA / "welfare.roles.yaml"

DISPATCH, DIAZ, KIM, ALVAREZ, ROSA = "Dispatch", "Officer Diaz", "Officer Kim", "Mr. Alvarez", "Rosa (neighbor, caller)"

ROLES = {
    DISPATCH: Role.dispatcher,
    DIAZ: Role.officer,
    KIM: Role.officer,
    ALVAREZ: Role.subject,
    ROSA: Role.bystander,
}

# (speaker, start, end, text)
UTTERANCES: list[tuple[str, float, float, str]] = [
    (
        DISPATCH,
        0.0,
        8.5,
        "Unit 12, welfare check at 418 Linden Street, apartment 3. Neighbor reports an older man has not been "
        "seen in two days, lights on, not answering the door.",
    ),
    (DIAZ, 9.0, 11.2, "Unit 12 copy, en route with Unit 14."),
    (
        ROSA,
        62.0,
        69.4,
        "Over here, officers. It's Mr. Alvarez in number three, he always takes his walk in the morning and "
        "I haven't seen him since Sunday.",
    ),
    (KIM, 70.0, 73.6, "Thank you, ma'am. Does he live alone? Any family we can call?"),
    (ROSA, 73.0, 78.8, "Just him. His daughter lives in Tucson, I have her number."),
    (
        DIAZ,
        82.0,
        88.5,
        "Mr. Alvarez? Police department, I'm Officer Diaz. We're here to check on you. Can you come to the door?",
    ),
    (ALVAREZ, 95.0, 97.3, "who is it i didnt call anybody"),
    (
        DIAZ,
        99.0,
        105.2,
        "Sir, it's Officer Diaz and Officer Kim. Your neighbor Rosa was worried about you. Are you hurt?",
    ),
    (ALVAREZ, 106.0, 110.4, "i fell in the kitchen i cant get up my hip [inaudible]"),
    (
        KIM,
        112.0,
        120.1,
        "Okay, sir, stay still, we're going to help you. Dispatch, can you start EMS for a fall, elderly male, "
        "possible hip injury?",
    ),
    (DISPATCH, 121.0, 124.5, "Copy, EMS en route, ETA eight minutes."),
    (DIAZ, 125.0, 130.2, "Mr. Alvarez, the door is locked. Is it okay if Rosa lets us in with her spare key?"),
    (ALVAREZ, 131.0, 133.0, "yes yes tell her to come in"),
]

SPEAKERS_IN_ORDER = [DISPATCH, DIAZ, ROSA, KIM, ALVAREZ]


def rows(encounter: Encounter) -> list[tuple[str, float, float | None, str]]:
    """Each utterance as (speaker name, start, end, text): what every format must agree on."""
    return [(encounter.participant(u.speaker).label, u.start, u.end, u.text) for u in encounter.utterances]


def roles_by_name(encounter: Encounter) -> dict[str, Role]:
    return {p.label: p.role for p in encounter.participants}
