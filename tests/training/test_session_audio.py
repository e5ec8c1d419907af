"""Spoken trainee turns: recordings (synthesized with espeak-ng) transcribed into the session, answered by the
person, and measured in the debrief (pace, loudness, raised voice); silence and bad audio as a user meets them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from deescalate.analysis.analyzer import analyze
from deescalate.audio.synth import VOICES, espeak_available, speak, write_wav
from deescalate.errors import InputError
from deescalate.training.session import TrainingSession, read_script, script_recordings
from deescalate.training.spoken import SpokenTurn, SpokenWord, audio_files, summarize
from tests.cli.test_cli_convert import assert_one_line_error, run
from tests.training.tiny import tiny, write_tiny

needs_espeak = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (make test installs it)")
SR = 16_000
# three short turns; the third said louder (the same voice, 9.5 dB up: a raised voice)
TURNS = [
    ("1-hello.wav", "Hello, I am Officer Diaz. I am here to help.", 1.0),
    ("2-name.wav", "What is your name?", 1.0),
    ("3-loud.wav", "What happened tonight?", 3.0),
]


def recording(text: str, gain: float = 1.0, seed: int = 0) -> np.ndarray:
    """One spoken turn with a quarter second of room noise either side."""
    pad = np.zeros(SR // 4, dtype=np.float32)
    audio = np.concatenate([pad, speak(text, VOICES[0]), pad]) * gain
    return audio + np.random.default_rng(seed).normal(0, 0.002, audio.size).astype(np.float32)


@pytest.fixture(scope="module")
def turns_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not espeak_available():
        pytest.skip("espeak-ng is not installed (make test installs it)")
    folder = tmp_path_factory.mktemp("turns")
    for i, (name, text, gain) in enumerate(TURNS):
        write_wav(folder / name, recording(text, gain, seed=i))
    return folder


def silence_file(path: Path) -> Path:
    """Room noise only: a readable recording with no speech in it."""
    write_wav(path, np.random.default_rng(7).normal(0, 0.002, SR * 2).astype(np.float32))
    return path


@needs_espeak
def test_audio_turns_reach_the_person_and_the_debrief_shows_pace_and_loudness(turns_dir: Path, tmp_path: Path) -> None:
    scenario = write_tiny(tmp_path, settle_turns=3)
    out_dir = tmp_path / "out"

    result = run("train", scenario, "--audio", turns_dir, "--out", out_dir)

    assert result.returncode == 0, result.stderr
    # the name question, transcribed, gets the fact sheet's name answer
    assert "You [2-name.wav, transcribed in" in result.stdout
    assert "Sam Lee: Sam. Sam Lee." in result.stdout
    assert "Your delivery (measured from your recordings)" in result.stdout
    data = json.loads((out_dir / "tiny-seed1-debrief.json").read_text("utf-8"))
    said = [t["text"].lower() for t in data["turns"]]
    assert "name" in said[1] and "happen" in said[2], said
    assert [t["audio"]["file"] for t in data["turns"]] == [name for name, _, _ in TURNS]
    spoken = data["spoken"]
    assert [d["turn"] for d in spoken["turns"]] == [1, 2, 3]
    for d in spoken["turns"]:
        assert 80 < d["words_per_minute"] < 260, d
        assert -40 < d["level_db"] < 0, d
    loud = spoken["turns"][2]
    assert loud["raised"] and loud["flags"] == ["raised voice"] and loud["relative_db"] >= 6, loud
    assert not any(d["raised"] for d in spoken["turns"][:2])
    assert spoken["raised_turns"] == 1 and 80 < spoken["words_per_minute"] < 260
    # the transcript the analyzer read carries the measured delivery, as a body-camera transcript does
    trainee = [u for u in data["encounter"]["utterances"] if u["speaker"] == "TRAINEE"]
    assert all(u["delivery"]["level_db"] is not None and u["end"] > u["start"] for u in trainee)
    assert all(u["words"] for u in trainee)


@needs_espeak
def test_audio_silent_turn_is_played_as_silence_with_a_message_not_a_crash(turns_dir: Path, tmp_path: Path) -> None:
    """Near miss: a recording of room noise only is a turn of silence, named in a message for that turn."""
    folder = tmp_path / "turns"
    folder.mkdir()
    (folder / "1-hello.wav").write_bytes((turns_dir / "1-hello.wav").read_bytes())
    silence_file(folder / "2-nothing.wav")
    (folder / "3-name.wav").write_bytes((turns_dir / "2-name.wav").read_bytes())

    result = run("train", write_tiny(tmp_path, settle_turns=3), "--audio", folder, "--out", tmp_path / "out")

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "turn 2: " in result.stderr and "2-nothing.wav: no speech found in the recording" in result.stderr
    assert "[E103]" in result.stderr
    assert "Sam Lee: Sam. Sam Lee." in result.stdout  # the turn after it still plays
    data = json.loads((tmp_path / "out" / "tiny-seed1-debrief.json").read_text("utf-8"))
    assert data["turns"][1]["moves"] == ["silence"]
    assert data["spoken"]["turns"][1]["level_db"] is None and "no speech" in data["spoken"]["turns"][1]["note"]


@needs_espeak
def test_audio_lines_in_a_script_mix_with_typed_turns_and_the_partner(turns_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "name.wav").write_bytes((turns_dir / "2-name.wav").read_bytes())
    script = tmp_path / "moves.txt"
    script.write_text("Hello, I'm Officer Diaz. I'm here to help.\nB: @audio name.wav\n/step back\n")

    result = run("train", write_tiny(tmp_path, settle_turns=3), "--script", script, "--out", tmp_path / "out")

    assert result.returncode == 0, result.stderr
    assert "Partner [name.wav, transcribed in" in result.stdout
    assert "Sam Lee: Sam. Sam Lee." in result.stdout


@needs_espeak
def test_audio_file_that_is_not_audio_is_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "take1.wav"
    bad.write_bytes(b"RIFF" + b"not really a wave file" * 20)
    result = run("train", write_tiny(tmp_path), "--audio", bad)
    assert_one_line_error(result, "take1.wav")
    assert "[E070]" in result.stderr


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda d: (d / "empty").mkdir() or d / "empty", "E102"),
        (lambda d: (d / "notes.txt").write_text("hello") and d / "notes.txt", "E102"),
        (lambda d: d / "missing.wav", "E001"),
    ],
    ids=["folder-without-audio", "not-an-audio-file", "missing-file"],
)
def test_audio_turns_that_are_not_recordings_are_refused(make, code: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    with pytest.raises(InputError, match=code):
        audio_files([path])
    result = run("train", write_tiny(tmp_path), "--audio", path)
    assert_one_line_error(result, path.name)
    assert f"[{code}]" in result.stderr


def test_audio_and_script_together_and_a_bare_audio_line_are_refused(tmp_path: Path) -> None:
    script = tmp_path / "moves.txt"
    script.write_text("Hello.\n@audio\n")
    result = run("train", write_tiny(tmp_path), "--script", script)
    assert_one_line_error(result, "moves.txt")
    assert "line 2" in result.stderr and "[E102]" in result.stderr
    script.write_text("Hello.\n")
    both = run("train", write_tiny(tmp_path), "--script", script, "--audio", tmp_path)
    assert both.returncode == 2 and "[E102]" in both.stderr and "Traceback" not in both.stderr


def test_audio_script_line_needs_its_recording(tmp_path: Path) -> None:
    script = tmp_path / "moves.txt"
    script.write_text("@audio gone.wav\n")
    with pytest.raises(InputError, match=r"gone\.wav: file not found \[E001\]"):
        script_recordings(read_script(script), tmp_path, lambda p: fake(p.name, "hi", 150, -20))


# -- without espeak-ng: measured turns made by hand --------------------------------------------------------------


def fake(name: str, text: str, wpm: float | None, level: float) -> SpokenTurn:
    n = len(text.split())
    span = n / wpm * 60 if wpm else 0.4
    words = tuple(SpokenWord(0.2 + span * i / n, 0.2 + span * (i + 1) / n, w, 0.9) for i, w in enumerate(text.split()))
    return SpokenTurn(name, text, words, level, wpm, span + 0.4, 0.1)


NO_ENDING = [
    {"kind": "force_used", "when": "agitation >= 10 and turn >= 9", "text": "He swings."},
    {"kind": "resolved_calmly", "when": "agitation <= 0 and turn >= 9", "text": "He catches his bus."},
]


def test_audio_delivery_is_judged_against_the_trainees_own_median() -> None:
    turns = [
        (1, fake("a.wav", "Hello I am Officer Diaz", 150, -24.0)),
        (2, fake("b.wav", "What is your name sir", 230, -23.0)),
        (3, fake("c.wav", "Put it down now", 160, -16.5)),  # 6.5 dB above the median: raised
        (4, fake("d.wav", "", None, -100.0)),
    ]
    s = summarize(turns)
    assert s.median_db == -23.0
    assert [d.flags for d in s.turns] == [(), ("too fast",), ("raised voice",), ()]
    assert s.turns[3].level_db is None and "no speech" in s.turns[3].note
    assert s.raised_turns == 1
    assert "voice raised in 1 of 3 turns" in s.line()
    # a near miss: 5.9 dB above is not raised
    assert (
        not summarize([(1, fake("a", "one two three", 150, -20.0)), (2, fake("b", "four five", 150, -14.1))])
        .turns[1]
        .raised
    )


def test_audio_turns_give_the_analyzer_measured_delivery() -> None:
    session = TrainingSession(tiny(settle_turns=6, endings=NO_ENDING), 1)
    session.turn("", spoken=fake("a.wav", "Hello, I am Officer Diaz.", 150, -24.0))
    session.turn("", spoken=fake("b.wav", "Step back from the bench!", 150, -16.0))
    session.turn("", spoken=fake("c.wav", "I am here to talk with you.", 150, -23.5))
    r = session.turn("", spoken=fake("d.wav", "Step back from the bench now!", 150, -15.0))
    session.turn("", spoken=fake("e.wav", "Take your time, there is no rush.", 150, -24.5))
    assert r.words == "Step back from the bench now!" and "command" in "".join(r.moves)
    utterances = [u for u in session.encounter.utterances if u.speaker == "TRAINEE"]
    assert [(u.model_extra or {})["delivery"]["raised"] for u in utterances] == [False, True, False, True, False]
    assert all(u.end is not None and u.end > u.start for u in utterances)
    delivery = next(v for v in analyze(session.encounter).verdicts if v.item == "delivery")
    assert any("raises the voice well above their own level in 2 of 5" in r for r in delivery.reasons), delivery


def test_audio_turn_is_words_not_an_action() -> None:
    """A transcript that begins with a slash is still speech, never an action."""
    session = TrainingSession(tiny(), 1)
    r = session.turn("", spoken=fake("a.wav", "/call backup please", 150, -20.0))
    assert "call_backup" not in r.moves
