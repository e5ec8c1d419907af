"""Reading a trainee's line for topic, intent and language, by class of phrasing, typos included."""

from __future__ import annotations

import pytest

from deescalate.training.reading import read_line

ASKED = [
    ("What's your name?", "name"),
    ("who am i talking to", "name"),
    ("Can I get your name, sir?", "name"),
    ("What do people call you?", "name"),
    ("Whats ur nmae", "name"),
    ("¿Cómo se llama?", "name"),
    ("What happened here?", "situation"),
    ("what hapened", "situation"),
    ("Can you walk me through it?", "situation"),
    ("¿Qué pasó, señora?", "situation"),
    ("What do you need?", "need"),
    ("How can I help?", "need"),
    ("Have you been taking your medicaton?", "medication"),
    ("Do you have your inhaler on you?", "medication"),
    ("Is there someone I can call for you?", "family"),
    ("Where's your brother?", "family"),
    ("Are you hurt anywhere?", "injury"),
    ("Are you okay?", "injury"),
    ("Is that a knife in your hand?", "weapon"),
    ("What do you want to happen now?", "next_step"),
]
NOT_ASKED = [
    "My name is Officer Grant.",  # telling, not asking
    "I need you to stay there.",  # a command
    "Nice evening.",
    "Okay, I understand.",
    "I was talking to your neighbour.",  # "talking to" without "who am i"
]


@pytest.mark.parametrize(("line", "topic"), ASKED)
def test_reading_topic_of_a_question(line: str, topic: str) -> None:
    assert read_line(line).asked == topic


@pytest.mark.parametrize("line", NOT_ASKED)
def test_reading_near_misses_ask_nothing(line: str) -> None:
    assert read_line(line).asked is None


def test_reading_typos_are_corrected_only_where_the_words_as_typed_match_nothing() -> None:
    assert read_line("Have you been taking your medicaton?").sentences[0].words[3] == "taking"


@pytest.mark.parametrize(
    ("line", "intent"),
    [
        ("Sir, can you hear me?", "question"),
        ("Can you hear me", "question"),  # no question mark, typed fast
        ("Would it help if I wrote it down?", "question"),  # an offer asked: it notices, it calls nothing
        ("Let me write it down for you.", "offer"),
        ("I'll get you some juice.", "offer"),
        ("Be quiet!", "statement"),
        ("Tell me what happened", "question"),
    ],
)
def test_reading_intent(line: str, intent: str) -> None:
    assert read_line(line).sentences[-1].intent == intent


@pytest.mark.parametrize(
    ("line", "language"),
    [("Hola señora, ¿está bien?", "es"), ("Por favor, tranquila", "es"), ("Come on, let's go", "en"), ("Que?", "en")],
)
def test_reading_language(line: str, language: str) -> None:
    assert language in read_line(line).languages


@pytest.mark.parametrize(
    ("line", "language"),
    [("¿Habla inglés?", "es"), ("¿Okay?", "en"), ("¡Hola!", "es"), ("Do you speak English?", "en")],
)
def test_reading_one_spanish_word_after_an_opening_mark_is_spanish(line: str, language: str) -> None:
    assert read_line(line).languages == {language}


@pytest.mark.parametrize(
    ("line", "offer"),
    [
        ("I can call a clinician if you want.", True),
        ("Do you want me to call your brother?", True),
        ("Would you like some water?", True),
        ("Maybe we could get your mom over here.", True),
        ("I'm going to call an interpreter so we can talk.", False),  # "we can" here is a purpose
        ("I can see a bracelet on your wrist.", False),  # perceiving is no offer
        ("I'm calling the crisis team now.", False),
        ("Let me get your inhaler.", False),
    ],
)
def test_reading_offers_made_if_wanted(line: str, offer: bool) -> None:
    assert any(s.hypothetical for s in read_line(line).sentences) is offer


@pytest.mark.parametrize(
    ("line", "asks"),
    [
        ("Can you turn the music off?", True),
        ("Dispatch, could you send the language line?", True),
        ("Can we sit him up?", True),
        ("Do you have your inhaler?", False),  # asks about it
        ("Is the music too loud?", False),
    ],
)
def test_reading_requests_ask_someone_to_do_something(line: str, asks: bool) -> None:
    assert read_line(line).sentences[-1].request is asks


@pytest.mark.parametrize(
    ("line", "small_talk"),
    [
        ("Nice weather today, huh?", True),
        ("How about them Cowboys?", True),
        ("Did you see the game last night?", True),
        ("Nice weather. What happened here?", False),  # then a question about the scene
        ("Is it too loud in here?", False),  # about the scene's noise, not the weather
        ("How about I call your mom?", False),  # an offer about family
    ],
)
def test_reading_small_talk(line: str, small_talk: bool) -> None:
    assert read_line(line).small_talk is small_talk


@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("I'm calling the crisis team.", True),
        ("I called the crisis team.", True),
        ("I'm putting your music on.", False),  # "music" is no call cue
        ("I'll be calling nobody.", False),
    ],
)
def test_reading_cue_words_match_their_forms(line: str, offered: bool) -> None:
    assert read_line(line).offers("crisis team + call") is offered
