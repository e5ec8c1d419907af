"""Delivery from audio: pace from word times, speech level in dBFS on generated tones and noise, raised voice."""

from __future__ import annotations

import numpy as np
import pytest

from deescalate.audio.delivery import (
    FLOOR_DB,
    RAISED_DB,
    Delivery,
    RaisedMoment,
    active_level_db,
    raised_voice_moments,
    speaker_median_db,
    speech_median_db,
    utterance_delivery,
    words_per_minute,
)
from deescalate.audio.transcribe import Word

SR = 16_000


def word_run(start: float, end: float, n: int) -> list[Word]:
    """n words evenly over [start, end]."""
    edges = np.linspace(start, end, n + 1)
    return [Word(float(a), float(b), "w", 1.0) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def sine(amplitude: float, seconds: float, hz: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SR), dtype=np.float32)


def calm(level_db: float, *, relative_db: float = 0.0) -> Delivery:
    return Delivery(None, level_db, relative_db, relative_db >= RAISED_DB)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (word_run(0.0, 1.5, 3), 120.0),
        (word_run(2.0, 5.0, 10), 200.0),
        (word_run(0.0, 0.5, 2), 240.0),  # exactly the shortest span measured
        (word_run(0.0, 0.49, 2), None),  # near miss: under 0.5 s
        (word_run(0.0, 2.0, 1), None),  # one word: no pace
        ([], None),
        ([Word(1.0, 1.4, "b", 1.0), Word(0.0, 0.4, "a", 1.0), Word(0.5, 0.9, "c", 1.0)], 128.6),  # out of order
    ],
    ids=["three-words", "ten-words", "half-second", "near-miss-short", "one-word", "no-words", "unordered"],
)
def test_delivery_words_per_minute_from_word_times(words: list[Word], expected: float | None) -> None:
    assert words_per_minute(words) == expected


@pytest.mark.parametrize(
    ("signal", "expected_db"),
    [
        (sine(0.1, 1.0), -23.0),
        (sine(1.0, 1.0), -3.0),
        (sine(0.01, 1.0, hz=1000.0), -43.0),
        (np.random.default_rng(0).normal(0, 0.05, SR).astype(np.float32), -26.0),
        # pauses are not speech: a tone with gaps between its "words" keeps the tone's level
        (np.concatenate([sine(0.1, 0.3), silence(0.4), sine(0.1, 0.3), silence(0.4), sine(0.1, 0.3)]), -23.0),
    ],
    ids=["sine-0.1", "sine-full-scale", "sine-0.01", "noise-rms-0.05", "sine-with-pauses"],
)
def test_delivery_level_db_of_known_amplitudes(signal: np.ndarray, expected_db: float) -> None:
    assert active_level_db(signal) == pytest.approx(expected_db, abs=0.3)


def test_delivery_level_db_of_silence_is_the_floor() -> None:
    assert active_level_db(silence(1.0)) == FLOOR_DB
    assert active_level_db(np.zeros(0, dtype=np.float32)) == FLOOR_DB


@pytest.mark.parametrize(
    ("reference_db", "relative_db", "raised"),
    [(-29.0, 6.0, True), (-28.9, 5.9, False), (-23.0, 0.0, False), (-17.0, -6.0, False), (-40.0, 17.0, True)],
    ids=["exactly-6-dB", "near-miss-5.9-dB", "equal", "quieter", "shouting"],
)
def test_delivery_relative_db_and_raised(reference_db: float, relative_db: float, raised: bool) -> None:
    audio = np.concatenate([silence(1.0), sine(0.1, 1.5), silence(1.0)])
    d = utterance_delivery(audio, 1.0, 2.5, word_run(1.0, 2.5, 4), reference_db=reference_db)
    assert d.level_db == pytest.approx(-23.0, abs=0.05)
    assert d.relative_db == pytest.approx(relative_db, abs=0.05)
    assert d.raised is raised
    assert d.words_per_minute == 160.0


def test_delivery_utterance_outside_the_recording_is_silent() -> None:
    d = utterance_delivery(sine(0.1, 1.0), 5.0, 6.0, [], reference_db=-23.0)
    assert d == Delivery(None, FLOOR_DB, round(FLOOR_DB + 23.0, 1), False)


def test_delivery_speech_median_is_the_typical_level() -> None:
    # three calm chunks at -23 dBFS and one loud at -11: the median is the calm level
    audio = np.concatenate(
        [sine(0.1, 1.0), silence(1.0), sine(0.1, 1.0), silence(1.0), sine(0.4, 1.0), silence(1.0), sine(0.1, 1.0)]
    )
    words = [w for k in range(4) for w in word_run(2.0 * k, 2.0 * k + 1.0, 3)]
    assert speech_median_db(audio, words) == pytest.approx(-23.0, abs=0.1)
    assert speech_median_db(audio, []) == FLOOR_DB


def test_delivery_speaker_median_per_label() -> None:
    audio = np.concatenate([sine(0.3, 1.0), silence(1.0), sine(0.05, 1.0), silence(1.0), sine(0.3, 1.0)])
    words = word_run(0.0, 1.0, 2) + word_run(2.0, 3.0, 2) + word_run(4.0, 5.0, 2)
    labels = ["SPEAKER_00"] * 2 + ["SPEAKER_01"] * 2 + ["SPEAKER_00"] * 2
    medians = speaker_median_db(audio, words, labels)
    assert medians == pytest.approx({"SPEAKER_00": -13.5, "SPEAKER_01": -29.0}, abs=0.1)
    with pytest.raises(ValueError, match="one label per word"):
        speaker_median_db(audio, words, labels[:-1])


@pytest.mark.parametrize(
    ("loud_s", "above_db", "flagged"),
    [(1.5, 10.0, True), (1.0, 10.0, True), (0.5, 10.0, False), (1.5, 0.0, False), (1.5, 5.9, False), (1.5, 6.0, True)],
    ids=["loud-1.5s", "loud-exactly-1s", "loud-0.5s-near-miss", "equal-loudness", "5.9-dB-near-miss", "6-dB"],
)
def test_delivery_raised_voice_needs_sustained_loudness(loud_s: float, above_db: float, flagged: bool) -> None:
    median = -25.0
    deliveries = [
        ("SPEAKER_00", 0.0, 2.0, calm(median)),
        ("SPEAKER_01", 2.5, 4.0, calm(-30.0)),
        ("SPEAKER_00", 4.5, 4.5 + loud_s, calm(median + above_db)),
        ("SPEAKER_00", 7.0, 9.0, calm(median)),
    ]
    moments = raised_voice_moments(deliveries, {"SPEAKER_00": median, "SPEAKER_01": -30.0})
    if flagged:
        assert moments == [RaisedMoment("SPEAKER_00", 4.5, 4.5 + loud_s, above_db, 1)]
    else:
        assert moments == []


def test_delivery_raised_voice_merges_consecutive_utterances() -> None:
    """Two short shouts with the other person between them are one moment; a calm reply splits them."""
    median = -25.0
    shout = calm(median + 12.0)
    together = [
        ("SPEAKER_00", 1.0, 1.6, shout),
        ("SPEAKER_01", 1.8, 2.5, calm(-31.0)),
        ("SPEAKER_00", 2.7, 3.4, shout),
    ]
    assert raised_voice_moments(together, {"SPEAKER_00": median, "SPEAKER_01": -31.0}) == [
        RaisedMoment("SPEAKER_00", 1.0, 3.4, 12.0, 2)
    ]
    apart = [*together[:1], ("SPEAKER_00", 1.8, 2.5, calm(median)), together[2]]
    assert raised_voice_moments(apart, {"SPEAKER_00": median}) == []


def test_delivery_raised_voice_against_own_median_when_none_given() -> None:
    """A quiet far speaker who gets loud is raised against their own level, not the wearer's."""
    far = [("SPEAKER_01", float(t), float(t) + 1.5, calm(-35.0)) for t in (0, 2, 4)]
    far.append(("SPEAKER_01", 6.0, 8.0, calm(-27.0)))
    assert raised_voice_moments(far, {"SPEAKER_00": -20.0}) == [RaisedMoment("SPEAKER_01", 6.0, 8.0, 8.0, 1)]


def test_delivery_end_to_end_on_audio() -> None:
    """Calm speech with one 1.5 s loud stretch: levels from the audio, the loud stretch flagged, nothing else."""
    parts, spans, t = [], [], 0.0
    for amplitude, seconds in [(0.05, 2.0), (0.05, 2.0), (0.2, 1.5), (0.05, 2.0), (0.2, 0.5), (0.05, 2.0)]:
        parts += [sine(amplitude, seconds), silence(0.5)]
        spans.append((t, t + seconds))
        t += seconds + 0.5
    audio = np.concatenate(parts)
    words = [word_run(a, b, 4) for a, b in spans]
    flat = [w for ws in words for w in ws]
    medians = speaker_median_db(audio, flat, ["SPEAKER_00"] * len(flat))
    assert medians["SPEAKER_00"] == pytest.approx(-29.0, abs=0.1)
    deliveries = [
        ("SPEAKER_00", a, b, utterance_delivery(audio, a, b, ws, reference_db=medians["SPEAKER_00"]))
        for (a, b), ws in zip(spans, words, strict=True)
    ]
    assert [d.raised for *_, d in deliveries] == [False, False, True, False, True, False]
    moments = raised_voice_moments(deliveries, medians)
    assert [(m.start, m.end, m.above_db) for m in moments] == [(5.0, 6.5, pytest.approx(12.0, abs=0.1))]
