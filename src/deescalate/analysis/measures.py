"""Encounter measures: pace, command share, time to command and to force, unchecked cues."""

from __future__ import annotations

from collections import defaultdict

from deescalate.analysis.findings import Finding
from deescalate.analysis.result import CommandInForce, Measures, OfficerMeasures, UncheckedCue
from deescalate.analysis.text import words
from deescalate.encounter.model import Encounter, Role, Utterance

CAPACITY_CHECK_WINDOW_S = 30.0
COMMAND_IN_FORCE_S = 10.0  # the label spec's conflict window
# Below this much timed speech a words-per-minute figure is noise.
MIN_TALK_SECONDS_FOR_PACE = 15.0


def compute_measures(encounter: Encounter, findings: list[Finding]) -> Measures:
    officers = [p for p in encounter.participants if p.role is Role.officer]
    by_label: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_label[f.label].append(f)
    commands = by_label["command"]
    command_words: dict[str, int] = defaultdict(int)
    command_count: dict[str, int] = defaultdict(int)
    for f in commands:
        command_words[f.speaker] += len(words(f.quote))
        command_count[f.speaker] += 1

    spoken: dict[str, list[Utterance]] = defaultdict(list)
    for u in encounter.utterances:
        spoken[u.speaker].append(u)
    per_officer = []
    for p in officers:
        mine = spoken[p.id]
        if not mine:
            continue
        total_words = sum(len(words(u.text)) for u in mine)
        timed = [u for u in mine if u.end is not None and u.end > u.start]
        talk_minutes = sum(u.stop - u.start for u in timed) / 60
        timed_words = sum(len(words(u.text)) for u in timed)
        per_officer.append(
            OfficerMeasures(
                participant_id=p.id,
                name=p.label,
                utterances=len(mine),
                words=total_words,
                words_per_minute=(
                    round(timed_words / talk_minutes, 1) if talk_minutes * 60 >= MIN_TALK_SECONDS_FOR_PACE else None
                ),
                words_per_utterance=round(total_words / len(mine), 1),
                commands=command_count[p.id],
                command_word_share=round(command_words[p.id] / total_words, 3) if total_words else 0.0,
            )
        )

    speaker_of = {u.id: u.speaker for u in encounter.utterances}
    officer_ids = {p.id for p in officers}
    first_words = next((u.start for u in encounter.utterances if u.speaker in officer_ids), None)
    first_command = min((f.start for f in commands), default=None)
    first_force = min((e.t for e in encounter.events if e.type == "force"), default=None)

    return Measures(
        officers=tuple(per_officer),
        first_officer_words_at=first_words,
        seconds_to_first_command=_since(first_words, first_command),
        seconds_to_first_force=_since(first_words, first_force),
        officers_giving_commands=len({f.speaker for f in commands}),
        longest_unanswered_command_run=_longest_unanswered_run(encounter, {f.utterance_id for f in commands}),
        unchecked_inability_cues=tuple(_unchecked_cues(encounter, by_label)),
        commands_in_force=tuple(_in_force(commands)),
        max_officers_commanding_10s=_max_in_window(
            [(f.start, f.speaker) for f in commands], COMMAND_IN_FORCE_S, distinct=True
        ),
        peak_commands_per_minute=_max_in_window([(f.start, f.utterance_id) for f in commands], 60.0, distinct=False),
        cross_officer_conflicts=sum(
            1
            for f in by_label["conflicting_command"]
            if f.conflicts_with and speaker_of.get(f.conflicts_with) not in (None, f.speaker)
        ),
    )


def _in_force(commands: list[Finding]) -> list[CommandInForce]:
    out = []
    ordered = sorted(commands, key=lambda f: f.start)
    for i, f in enumerate(ordered):
        until = f.start + COMMAND_IN_FORCE_S
        later = next((g.start for g in ordered[i + 1 :] if g.speaker == f.speaker), None)
        if later is not None:
            until = min(until, later)
        out.append(CommandInForce(f.utterance_id, f.speaker, f.start, round(until, 3)))
    return out


def _max_in_window(points: list[tuple[float, str]], width: float, *, distinct: bool) -> int:
    """Most points (or distinct keys) inside any window of ``width`` seconds."""
    points = sorted(points)
    best = 0
    lo = 0
    for hi in range(len(points)):
        while points[hi][0] - points[lo][0] > width:
            lo += 1
        window = points[lo : hi + 1]
        best = max(best, len({k for _, k in window}) if distinct else len(window))
    return best


def _since(origin: float | None, t: float | None) -> float | None:
    if origin is None or t is None:
        return None
    return round(max(0.0, t - origin), 1)


def _longest_unanswered_run(encounter: Encounter, command_ids: set[str]) -> int:
    """Most commands in a row with no word from a subject in between."""
    longest = run = 0
    for u in encounter.utterances:
        if u.id in command_ids:
            run += 1
            longest = max(longest, run)
        elif encounter.role_of(u.speaker) is Role.subject:
            run = 0
    return longest


def _unchecked_cues(encounter: Encounter, by_label: dict[str, list[Finding]]) -> list[UncheckedCue]:
    """Cues no officer checked within the window. A cue the transcript ends on, with no officer speaking
    after it, is not judged: the recording stopped, not the officer."""
    checks = sorted(f.start for f in by_label["capacity_check"])
    officer_starts = [u.start for u in encounter.utterances if encounter.role_of(u.speaker) is Role.officer]
    texts = {u.id: u.text for u in encounter.utterances}
    out = []
    for cue in by_label["inability_cue"]:
        later = [t for t in checks if t >= cue.start]
        first_check = later[0] - cue.start if later else None
        if first_check is None and not any(t > cue.start for t in officer_starts):
            continue
        if first_check is None or first_check > CAPACITY_CHECK_WINDOW_S:
            speaker = encounter.participant(cue.speaker).label if cue.speaker else cue.speaker
            out.append(
                UncheckedCue(
                    utterance_id=cue.utterance_id,
                    t=cue.start,
                    speaker=speaker,
                    quote=texts[cue.utterance_id],
                    checked_after=None if first_check is None else round(first_check, 1),
                )
            )
    return out
