"""The phrasing classes independent text exposed (issue 10), on the analyzer as shipped (rules and the
learned layer together). Each class has positives and near misses, in clean and speech-to-text form;
the sentences are written here, not taken from any corpus."""

from __future__ import annotations

import pytest

from tests.analysis.helpers import asr, labels_of_last

Before = tuple[tuple[str, str], ...]
# (label, speaker, text, turns before, expected)
CASES: list[tuple[str, str, str, Before, bool]] = [
    # masked profanity as court filings and news print it
    ("insult", "O1", "Get your f***ing hands up, now!", (), True),
    ("insult", "O1", "Shut the [expletive] up and sit down.", (), True),
    ("insult", "O1", "You stupid b***h, get back.", (), True),
    ("insult", "O1", "Oh s**t, my radio just died.", (), False),
    # threats beyond a verb list: conditional, idiomatic, hedged, present tense
    ("threat_of_force", "O1", "Keep fighting me and you're going face-first into that curb.", (), True),
    ("threat_of_force", "O1", "Let go of her before I break your arm.", (), True),
    ("threat_of_force", "O1", "You come one step closer, you might not walk away from it.", (), True),
    ("threat_of_force", "O1", "Open the door or we're coming through that window to get you.", (), True),
    ("threat_of_force", "O1", "Reach for that bag again and you're getting tased.", (), True),
    ("threat_of_force", "O1", "Let go or I'll break your arm.", (), True),
    ("threat_of_force", "O1", "We will snap your wrist, let go of it.", (), True),
    ("threat_of_force", "O1", "I'll break your fall, just lean back on me.", (), False),
    # force words that are not threats: negated, reassuring, past, about equipment
    ("threat_of_force", "O1", "I'm not going to shoot you, I just want to talk.", (), False),
    ("threat_of_force", "O1", "Nobody's getting tased tonight, you have my word.", (), False),
    ("threat_of_force", "O1", "He said my partner sprayed him last week, is that right?", (), False),
    ("threat_of_force", "O1", "The taser stays in the car, I don't need it.", (), False),
    # cannot-comply cues said indirectly, by the person or a bystander
    ("inability_cue", "B1", "He ain't moving, he's not breathing right!", (), True),
    ("inability_cue", "C1", "Everything's spinning, I don't know where I am.", (), True),
    ("inability_cue", "C1", "I can't read that, I never learned to read.", (), True),
    ("inability_cue", "B1", "She doesn't talk, she's nonverbal, she won't answer you.", (), True),
    ("inability_cue", "C1", "I'm scared of you.", (), False),
    ("inability_cue", "C1", "I can't see why you stopped me in the first place.", (), False),
    ("inability_cue", "C1", "I can't do this anymore, man.", (), False),
    # contractions that speech-to-text prints without the apostrophe
    ("inability_cue", "C1", "i cant feel my legs", (), True),
    ("inability_cue", "B1", "he dont hear you hes deaf", (), True),
    ("inability_cue", "C1", "i cant believe this is happening", (), False),
    # capacity checks phrased as offers
    ("capacity_check", "O1", "Let me type it out on my phone for you.", (), True),
    ("capacity_check", "O1", "You okay to stand up on your own?", (), True),
    ("capacity_check", "O1", "Want a hand getting up off the curb?", (), True),
    ("capacity_check", "O1", "Can you stop yelling at my partner?", (), False),
    # a question tacked onto a threat checks nothing
    ("capacity_check", "O1", "I will shoot you if you move, do you understand me?", (), False),
    # dismissals that depend on what was said before
    (
        "dismissal",
        "O1",
        "There's nothing wrong with your shoulder, put it behind you.",
        (("C1", "My shoulder's dislocated, I can't lift it."),),
        True,
    ),
    ("dismissal", "O1", "You're fine to go, drive safe.", (("C1", "Okay, thanks officer."),), False),
    # radio backup requests
    ("backup_request", "O1", "Can we get another squad over here to help?", (), True),
    ("backup_request", "O1", "I'll stage at the corner till thirty-two gets here.", (), True),
    ("backup_request", "O1", "No need for another car, we're good here.", (), False),
    # taunts are not active listening
    ("insult", "O1", "So you're the big tough guy now, huh?", (), True),
    ("active_listening", "O1", "So you're the big tough guy now, huh?", (), False),
    # a condition turned into a mocking question or a name is an insult; asking about it is not
    ("insult", "O1", "What are you, nuts? Get back in the car.", (), True),
    ("insult", "O1", "Are you insane or something?", (), True),
    ("insult", "O1", "Somebody move the crazy lady off the porch.", (), True),
    ("insult", "O1", "Are you drunk right now, have you had anything tonight?", (), False),
    ("insult", "O1", "Getting ripped off like that would make anybody crazy.", (), False),
    # names for the person beyond the slur list; the same words as verbs or about an accident are not
    ("insult", "O1", "Come here, you little freak.", (), True),
    ("insult", "O1", "Quit being such a coward and step out of the car.", (), True),
    ("insult", "O1", "Don't freak out, you're okay, I've got you.", (), False),
    ("insult", "O1", "That was a freak accident, nobody's blaming you.", (), False),
    ("insult", "O1", "Yelling in a language you're learning, that would freak me out too.", (), False),
    ("insult", "O1", "You're acting crazy right now.", (), True),
    ("insult", "O1", "Nobody thinks you're acting crazy, okay?", (), False),
    # a request to tell the story is listening, not a check of what the person can do
    ("capacity_check", "O1", "Can you walk me through what happened?", (), False),
    ("capacity_check", "O1", "Can you walk over to the curb for me?", (), True),
    ("capacity_check", "O1", "Can you read this note I wrote?", (), True),
    # a radio check or a request to look into something checks nothing about the person
    ("capacity_check", "O1", "Unit four, can you hear me? My radio keeps cutting out.", (), False),
    ("capacity_check", "O1", "Can you see if dispatch has an interpreter on video?", (), False),
    ("capacity_check", "O1", "Sir, can you hear me? Squeeze my hand if you can.", (), True),
    ("capacity_check", "O1", "Can you see my hand? How many fingers?", (), True),
    # hurrying and breaking up are directives; a break as a noun is not
    ("command", "O1", "Hurry up, get in the car.", (), True),
    ("command", "O1", "Break it up, break it up, both of you.", (), True),
    ("command", "O1", "Break time's over at two, that's when the lot clears.", (), False),
    # offers of help asked as questions state a wish to help
    ("empathy", "O1", "Hey, what can I do to help you out right now?", (), True),
    ("empathy", "O1", "Is there anything we can do for you tonight?", (), True),
    ("empathy", "O1", "Can I see your hands for me?", (), False),
]


def _ids() -> list[str]:
    return [f"{label}-{'yes' if ok else 'no'}-{i}" for i, (label, _, _, _, ok) in enumerate(CASES)]


@pytest.mark.parametrize(("label", "speaker", "text", "before", "expected"), CASES, ids=_ids())
@pytest.mark.parametrize("form", ["clean", "asr"])
def test_phrasing_class_is_read_by_meaning(
    label: str, speaker: str, text: str, before: Before, expected: bool, form: str
) -> None:
    turns = [*before, (speaker, text)]
    if form == "asr" and any(mark in text for mark in "*[]"):
        pytest.skip("speech-to-text never prints masked profanity or bracketed notes")
    if form == "asr":
        turns = [(s, asr(t)) for s, t in turns]
    found = labels_of_last(*turns)
    assert (label in found) is expected, f"{label} {'missed' if expected else 'wrongly found'} in {turns[-1][1]!r}"


@pytest.mark.parametrize(
    ("first", "second", "conflict"),
    [
        # hand positions against reaching, getting out or crawling: labels.md's own pair
        (("O1", "Show me your hands!"), ("O2", "Get your license out!"), True),
        (("O1", "Hands on the wheel, both of them."), ("O2", "Reach over and hand me your registration."), True),
        (("O1", "Keep your hands up where I can see them!"), ("O2", "Crawl toward me!"), True),
        # near misses: a sequence, things done together, or one officer's next step
        (("O1", "Get out of the car."), ("O1", "Now turn around and face the car."), False),
        (("O1", "Get on the ground!"), ("O2", "Give me your hands!"), False),
        (("O1", "Stay right there for me."), ("O1", "Okay, now walk slowly toward me."), False),
        # ... but hands stay where they were put, even across "now"
        (("O1", "Keep your hands up high."), ("O1", "Now push yourself up off the ground."), True),
        # clearing a room against holding everybody in it; unlocking a door against hands on the wheel
        (("O1", "Everybody out of the house, now!"), ("O2", "Nobody leaves! Stay inside!"), True),
        (("O1", "Unlock the door for me."), ("O2", "Keep your hands on the wheel!"), True),
        # near misses: out of the way is not out of the building; a story is not an order
        (("O1", "Everybody out of the way, let the medics in."), ("O2", "Nobody move."), False),
        (("O1", "So you got out of the house at eight?"), ("O2", "Don't move."), False),
    ],
    ids=[
        "hands-license",
        "wheel-registration",
        "hands-crawl",
        "sequence",
        "together",
        "own-next-step",
        "hands-held",
        "out-of-house-stay-inside",
        "unlock-wheel",
        "out-of-the-way",
        "story",
    ],
)
def test_phrasing_class_hand_positions_conflict_with_reaching(
    first: tuple[str, str], second: tuple[str, str], conflict: bool
) -> None:
    found = labels_of_last((first[0], first[1], 10.0), (second[0], second[1], 13.0))
    assert ("conflicting_command" in found) is conflict
