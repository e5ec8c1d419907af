"""Media in, encounter/v1 out: decode, transcribe, separate speakers, measure delivery, name roles.

Roles: the camera wearer (the closest, loudest voice) is an officer. For the
other voices, what they say decides: radio-style speech is the dispatcher; a
voice whose turns the analyzer, reading them as an officer's, finds full of
officer practice (commands, explanations, questions that gather information,
capacity checks, listening, empathy) is another officer; of the rest, the
voice that says most is the subject and the others bystanders. A roles file
(``--roles``, keys are the speaker labels such as ``SPEAKER_01``) overrides.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deescalate.audio.decode import SAMPLE_RATE, load_audio
from deescalate.audio.delivery import speaker_median_db, speech_median_db, utterance_delivery
from deescalate.audio.speakers import assign_speakers
from deescalate.audio.transcribe import Segment, Transcriber, Word
from deescalate.encounter.model import Encounter, Participant, Role, Utterance
from deescalate.errors import Code, InputError
from deescalate.settings import Settings

# A pause this long, or a change of voice, ends an utterance.
TURN_GAP_S = 1.0
_RADIO = re.compile(r"^\s*(?:all )?units?\b|\bcopy\b|\ben route\b|\bstand by\b|\b10-4\b", re.I)
# Labels that officers' words carry and civilians' rarely do (courtesies are left out: "thank you, sir").
OFFICER_PRACTICE = frozenset(
    {"command", "explanation", "info_gathering", "capacity_check", "active_listening", "empathy", "threat_of_force"}
)
OFFICER_PRACTICE_SHARE = 0.35


@dataclass(frozen=True)
class MediaResult:
    encounter: Encounter
    speakers_found: int
    duration_s: float


def media_to_encounter(
    path: Path,
    *,
    settings: Settings,
    transcriber: Transcriber | None = None,
    roles: dict[str, Role] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> MediaResult:
    """PROGRESS hears the stage in words and the percent done (decoding 0-10, transcribing 10-90, speakers 90)."""
    report = progress or (lambda _stage, _percent: None)
    report("decoding", 0)
    audio = load_audio(path, settings)
    report("loading the speech model", 5)
    transcriber = transcriber or Transcriber.from_settings(settings)
    report("transcribing", 10)
    duration = max(audio.size / SAMPLE_RATE, 1e-6)
    segments = transcriber.transcribe(
        audio, on_segment=lambda end: report("transcribing", 10 + int(80 * min(end / duration, 1.0)))
    )
    words = [w for s in segments for w in s.words]
    if not words:
        raise InputError(Code.E074, "no speech was found in the recording", file=str(path))
    report("separating speakers", 90)
    encounter = build_encounter(audio, segments, encounter_id=path.stem, roles=roles, source=path.name)
    media = (encounter.model_extra or {})["media"]
    return MediaResult(encounter, speakers_found=int(media["speakers_found"]), duration_s=float(media["duration_s"]))


def build_encounter(
    audio: np.ndarray,
    segments: list[Segment],
    *,
    encounter_id: str,
    roles: dict[str, Role] | None = None,
    source: str | None = None,
) -> Encounter:
    words = [w for s in segments for w in s.words]
    speakers = assign_speakers(audio, words)
    turns = _turns(words, list(speakers.labels))
    reference = speech_median_db(audio, words)
    medians = speaker_median_db(audio, words, list(speakers.labels))
    role_of = _roles(turns, speakers.wearer, roles)
    names = _names(role_of, speakers.wearer)
    utterances = []
    for i, (label, turn_words) in enumerate(turns, 1):
        start, end = turn_words[0].start, turn_words[-1].end
        d = utterance_delivery(audio, start, end, turn_words, reference_db=medians.get(label, reference))
        utterances.append(
            Utterance(
                id=f"u{i}",
                speaker=label,
                start=start,
                end=end,
                text=" ".join(w.text for w in turn_words),
                source=source,
                words=[
                    {"start": w.start, "end": w.end, "word": w.text, "probability": w.probability} for w in turn_words
                ],
                delivery={
                    "words_per_minute": d.words_per_minute,
                    "level_db": d.level_db,
                    "relative_db": d.relative_db,
                    "raised": d.raised,
                },
            )
        )
    participants = [Participant(id=label, role=role_of[label], name=names[label]) for label in sorted(role_of)]
    return Encounter(
        id=encounter_id,
        participants=participants,
        utterances=utterances,
        media={
            "file": source,
            "duration_s": round(audio.size / SAMPLE_RATE, 2),
            "speakers_found": speakers.count,
            "wearer": speakers.wearer,
            "speech_median_db": round(reference, 1),
            "speaker_median_db": {k: round(v, 1) for k, v in medians.items()},
        },
    )


def _turns(words: list[Word], labels: list[str]) -> list[tuple[str, list[Word]]]:
    turns: list[tuple[str, list[Word]]] = []
    for word, label in zip(words, labels, strict=True):
        if turns and turns[-1][0] == label and word.start - turns[-1][1][-1].end < TURN_GAP_S:
            turns[-1][1].append(word)
        else:
            turns.append((label, [word]))
    return turns


def _roles(turns: list[tuple[str, list[Word]]], wearer: str, roles: dict[str, Role] | None) -> dict[str, Role]:
    said: dict[str, list[str]] = defaultdict(list)
    for label, turn_words in turns:
        said[label].append(" ".join(w.text for w in turn_words))
    words = Counter({label: sum(len(t.split()) for t in texts) for label, texts in said.items()})
    practice = _officer_practice(turns)
    role_of: dict[str, Role] = {}
    for label, texts in said.items():
        if label == wearer:
            role_of[label] = Role.officer
        elif sum(bool(_RADIO.search(t)) for t in texts) * 2 > len(texts):
            role_of[label] = Role.dispatcher
        elif practice[label] >= OFFICER_PRACTICE_SHARE * len(texts):
            role_of[label] = Role.officer
    civilians = [label for label, _ in words.most_common() if label not in role_of]
    for i, label in enumerate(civilians):
        role_of[label] = Role.subject if i == 0 else Role.bystander
    if roles:
        for label in role_of:
            if label.casefold() in roles:
                role_of[label] = roles[label.casefold()]
    return role_of


def _officer_practice(turns: list[tuple[str, list[Word]]]) -> Counter[str]:
    """Per voice: how many of its turns show officer practice when read as an officer's words."""
    from deescalate.analysis.analyzer import default_analyzer

    labels = sorted({label for label, _ in turns})
    as_officers = Encounter(
        id="roles",
        participants=[Participant(id=label, role=Role.officer, name=label) for label in labels],
        utterances=[
            Utterance(id=f"t{i}", speaker=label, start=ws[0].start, end=ws[-1].end, text=" ".join(w.text for w in ws))
            for i, (label, ws) in enumerate(turns)
        ],
    )
    speaker_of = {u.id: u.speaker for u in as_officers.utterances}
    showing: dict[str, set[str]] = defaultdict(set)
    for f in default_analyzer().findings(as_officers):
        if f.label in OFFICER_PRACTICE:
            showing[speaker_of[f.utterance_id]].add(f.utterance_id)
    return Counter({label: len(ids) for label, ids in showing.items()})


def _names(role_of: dict[str, Role], wearer: str) -> dict[str, str]:
    names = {}
    for label, role in sorted(role_of.items()):
        if label == wearer:
            names[label] = "Officer (camera wearer)"
        else:
            names[label] = f"{role.value.capitalize()} ({label})"
    return names
