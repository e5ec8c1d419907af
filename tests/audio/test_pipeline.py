"""Media to encounter on synthesized dialogue: transcription, speakers, findings; and bad media files."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from deescalate.analysis.analyzer import Analyzer
from deescalate.audio.decode import load_audio
from deescalate.audio.live import LiveSession
from deescalate.audio.pipeline import media_to_encounter
from deescalate.audio.synth import espeak_available, synthesize, write_wav
from deescalate.audio.transcribe import Transcriber, model_path
from deescalate.encounter.model import Encounter, Participant, Role, Utterance
from deescalate.errors import Code, InputError
from deescalate.settings import Settings
from tests.cli.test_cli_convert import assert_one_line_error, run

needs_espeak = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (make test installs it)")

SCRIPT = [
    ("O1", "Good evening sir, I'm Officer Reyes with the city police."),
    ("C1", "What do you want? I didn't do anything."),
    ("O1", "Put your hands on the steering wheel for me."),
    ("C1", "I can't lift my right arm, I had surgery last week."),
    ("O1", "Okay, are you hurt right now? Do you need medical?"),
    ("C1", "No, it's just sore. Thank you."),
    ("O1", "Do that again and I will put you on the ground."),
    ("C1", "Please, I'm not doing anything."),
]


def script_encounter() -> Encounter:
    return Encounter(
        id="synth",
        participants=[
            Participant(id="O1", role=Role.officer, name="Officer Reyes"),
            Participant(id="C1", role=Role.subject, name="Mr. Hale"),
        ],
        utterances=[
            Utterance(id=f"u{i}", speaker=s, start=i * 4.0, end=i * 4.0 + 3.5, text=t)
            for i, (s, t) in enumerate(SCRIPT, 1)
        ],
    )


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def wer(reference: list[str], hypothesis: list[str]) -> float:
    d = np.arange(len(hypothesis) + 1)
    for i, r in enumerate(reference, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hypothesis, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return float(d[-1]) / max(1, len(reference))


@pytest.fixture(scope="module")
def synth_wav(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Encounter, list]:  # type: ignore[type-arg]
    if not espeak_available():
        pytest.skip("espeak-ng is not installed (make test installs it)")
    enc = script_encounter()
    audio, lines = synthesize(enc, pack=True)
    path = tmp_path_factory.mktemp("audio") / "stop.wav"
    write_wav(path, audio)
    return path, enc, lines


@pytest.fixture(scope="module")
def transcribed(synth_wav: tuple[Path, Encounter, list]) -> Encounter:  # type: ignore[type-arg]
    return media_to_encounter(synth_wav[0], settings=Settings()).encounter


@needs_espeak
def test_pipeline_word_error_rate_on_synthesized_dialogue(synth_wav, transcribed) -> None:  # type: ignore[no-untyped-def]
    _, enc, _ = synth_wav
    reference = [w for u in enc.utterances for w in words(u.text)]
    hypothesis = [w for u in transcribed.utterances for w in words(u.text)]
    assert wer(reference, hypothesis) <= 0.35  # tiny.en on espeak-ng voices; measured about 0.1-0.2


@needs_espeak
def test_pipeline_finds_two_speakers_and_the_wearer_is_the_officer(transcribed: Encounter) -> None:
    media = (transcribed.model_extra or {})["media"]
    assert media["speakers_found"] == 2
    wearer = media["wearer"]
    assert transcribed.role_of(wearer) is Role.officer
    officer_lines = " ".join(u.text.lower() for u in transcribed.utterances if u.speaker == wearer)
    assert "steering wheel" in officer_lines and "surgery" not in officer_lines


@needs_espeak
def test_pipeline_findings_come_back_from_audio(synth_wav, transcribed) -> None:  # type: ignore[no-untyped-def]
    _, enc, lines = synth_wav
    analyzer = Analyzer()
    truth = {(f.label, f.utterance_id) for f in analyzer.findings(enc)}
    span = {line.utterance_id: (line.start, line.end) for line in lines}

    def original_id(start: float, end: float) -> str | None:
        best = max(span.items(), key=lambda kv: min(end, kv[1][1]) - max(start, kv[1][0]))
        return best[0] if min(end, best[1][1]) > max(start, best[1][0]) else None

    found = set()
    for f in analyzer.findings(transcribed):
        u = next(x for x in transcribed.utterances if x.id == f.utterance_id)
        found.add((f.label, original_id(u.start, u.stop)))
    recall = len(truth & found) / len(truth)
    assert recall >= 0.6, sorted(truth - found)
    for label in ("threat_of_force", "inability_cue", "capacity_check"):
        assert any(lb == label for lb, _ in found & truth), label


@needs_espeak
def test_pipeline_utterances_carry_delivery_measures(transcribed: Encounter) -> None:
    for u in transcribed.utterances:
        d = (u.model_extra or {})["delivery"]
        assert d["level_db"] < 0 and isinstance(d["raised"], bool)


@needs_espeak
def test_live_alerts_on_threat_and_unchecked_cue(synth_wav) -> None:  # type: ignore[no-untyped-def]
    path, _, _ = synth_wav
    audio = load_audio(path, Settings())
    session = LiveSession(Transcriber(), Analyzer(), on_alert=lambda a: None)
    for i in range(0, audio.size, 1600):
        session.feed(audio[i : i + 1600])
    session.close()
    labels = {a.label for a in session.alerts}
    assert {"threat_of_force", "inability_cue"} <= labels
    assert len(session.utterances) >= len(SCRIPT) - 2


def test_transcribe_model_setting_never_downloads(tmp_path: Path) -> None:
    assert (model_path("tiny.en") / "model.bin").is_file()
    with pytest.raises(InputError) as err:
        model_path("large-v3")
    assert err.value.code is Code.E075 and "nothing is downloaded" in err.value.one_line()
    with pytest.raises(InputError):
        model_path(str(tmp_path))  # a folder without model.bin


def tone(seconds: float, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * 16000)) / 16000
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda p: p.write_bytes(b""), Code.E002),
        (lambda p: p.write_bytes(np.random.default_rng(1).bytes(5000)), Code.E070),
        (lambda p: p.write_text("this is a transcript, not audio"), Code.E070),
        (lambda p: write_wav(p, np.zeros(16000, dtype=np.float32)), Code.E074),
        (lambda p: write_wav(p, tone(3.0)), Code.E072),
    ],
    ids=["empty", "random-bytes", "text-renamed", "silent", "too-long"],
)
def test_decode_bad_media_gives_a_coded_error(tmp_path: Path, make, code: Code) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "clip.wav"
    make(path)
    with pytest.raises(InputError) as err:
        load_audio(path, Settings(max_media_seconds=2))
    assert err.value.code is code
    assert "clip.wav" in err.value.one_line() and "\n" not in err.value.one_line()


def test_decode_truncated_recording_keeps_what_decoded(tmp_path: Path) -> None:
    whole = tmp_path / "whole.wav"
    write_wav(whole, tone(2.0))
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[: 16000 * 2])  # about half the samples
    audio = load_audio(cut, Settings())
    assert 0.8 < audio.size / 16000 < 1.2


def test_decode_reads_compressed_and_video_containers(tmp_path: Path) -> None:
    import av

    path = tmp_path / "clip.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        samples = (tone(1.0) * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    audio = load_audio(path, Settings())
    assert 0.9 < audio.size / 16000 < 1.2


def test_cli_analyze_media_bad_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bodycam.mp4"
    bad.write_bytes(b"\x00\x01garbage" * 100)
    assert_one_line_error(run("analyze", bad), "bodycam.mp4")


@needs_espeak
def test_cli_analyze_media_end_to_end(synth_wav, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "r.json"
    result = run("analyze", synth_wav[0], "-f", "json", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "speakers found" in result.stderr
    assert out.read_text().count('"label"') >= 5


def test_synth_knows_when_espeak_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert espeak_available() is False


def test_live_reads_raw_pcm_from_a_pipe() -> None:
    import io

    from deescalate.audio.live import pipe_blocks

    pcm = (tone(0.55) * 32767).astype("<i2").tobytes()
    blocks = list(pipe_blocks(io.BytesIO(pcm)))
    assert sum(b.size for b in blocks) == int(0.55 * 16000)
    assert all(b.dtype == np.float32 and np.abs(b).max() <= 1.0 for b in blocks)


@needs_espeak
def test_cli_live_prints_alerts_as_they_are_heard(synth_wav) -> None:  # type: ignore[no-untyped-def]
    result = run("live", synth_wav[0], "--fast")
    assert result.returncode == 0, result.stderr
    assert "CANNOT COMPLY?" in result.stdout and "THREAT OF FORCE" in result.stdout
    assert "alerts" in result.stderr


def test_cli_live_without_a_microphone_says_so() -> None:
    assert_one_line_error(run("live", "mic"), "microphone")


# -------------------------------------------------------------- decoding: accurate by default, fast on request


@pytest.mark.parametrize(
    ("decoding", "beam", "conditioned"),
    [("accurate", 5, True), ("fast", 1, False)],
)
def test_transcribe_decoding_options(decoding: str, beam: int, conditioned: bool) -> None:
    from deescalate.audio.transcribe import decoding_options

    options = decoding_options(decoding)
    assert options["beam_size"] == beam
    assert options["condition_on_previous_text"] is conditioned
    assert options["word_timestamps"] is True


def test_transcribe_default_decoding_is_accurate() -> None:
    from deescalate.audio.transcribe import DEFAULT_DECODING
    from deescalate.settings import Settings

    assert DEFAULT_DECODING == "accurate" == Settings().whisper_decoding
    assert Settings.from_env({"DEESCALATE_WHISPER_DECODING": "fast"}).whisper_decoding == "fast"


@pytest.mark.parametrize("decoding", ["greedy", "", "ACCURATE "])
def test_transcribe_unknown_decoding_is_one_line_e060(decoding: str) -> None:
    from deescalate.audio.transcribe import decoding_options
    from deescalate.errors import Code, InputError

    with pytest.raises(InputError) as info:
        decoding_options(decoding)
    assert info.value.code is Code.E060
    assert "accurate, fast" in info.value.one_line()
