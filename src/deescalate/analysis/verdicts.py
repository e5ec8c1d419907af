"""Checklist verdicts (C1..C7 and delivery) and the key moments of an encounter.

A verdict weighs the findings that show a practice against those that show a
concern, plus measures where the checklist names them:

- demonstrated: evidence of the practice and no concern;
- concerns: concerns and no evidence of the practice;
- mixed: both;
- not observed: neither (the transcript shows nothing either way).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from deescalate.analysis.findings import Finding
from deescalate.analysis.labels import label_info, labels_for_item
from deescalate.analysis.result import KeyMoment, Measures, Status, Verdict
from deescalate.checklist import DELIVERY, ITEM_IDS, load_checklist
from deescalate.encounter.model import Encounter, Role, Utterance

# Delivery thresholds from transcripts alone (audio measures come later).
FAST_SPEECH_WPM = 190.0  # conversational English runs about 140-170 wpm
LONG_UTTERANCE_WORDS = 22.0  # "short and simple phrases"
RAISED_VOICE_SHARE = 0.25  # share of an officer's utterances ending in "!"
COMMAND_BARRAGE = 4  # commands in a row with no reply from the person

GOOD = {item: labels_for_item(item, "good") for item in ITEM_IDS}
BAD = {item: labels_for_item(item, "concern") for item in ITEM_IDS}


def _name(label: str) -> str:
    return label_info(label).summary


def clock(t: float) -> str:
    m, s = divmod(int(round(t)), 60)
    return f"{m}:{s:02d}"


def _count(label: str, found: list[Finding]) -> str:
    n = len(found)
    ids = ", ".join(f"{f.utterance_id} at {clock(f.start)}" for f in found[:3])
    more = f" and {n - 3} more" if n > 3 else ""
    return f"{n} × {_name(label)} ({ids}{more})"


def _status(good: int, bad: int) -> Status:
    if good and not bad:
        return Status.demonstrated
    if bad and not good:
        return Status.concerns
    if good and bad:
        return Status.mixed
    return Status.not_observed


SUMMARIES = {
    Status.demonstrated: "Practice shown: {good}.",
    Status.concerns: "Needs attention: {bad}.",
    Status.mixed: "Shown in part ({good}), with concerns: {bad}.",
    Status.not_observed: "Nothing in the transcript shows this practice either way.",
}


def judge(encounter: Encounter, findings: list[Finding], measures: Measures) -> tuple[Verdict, ...]:
    checklist = load_checklist()
    by_label: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_label[f.label].append(f)
    verdicts = []
    for item in ITEM_IDS:
        good_reasons = [_count(lb, by_label[lb]) for lb in GOOD.get(item, ()) if by_label[lb]]
        bad_reasons = [_count(lb, by_label[lb]) for lb in BAD.get(item, ()) if by_label[lb]]
        evidence = [f.utterance_id for lb in GOOD.get(item, ()) + BAD.get(item, ()) for f in by_label[lb]]
        bad_short = [r.split(" (")[0] for r in bad_reasons]
        measured = _measure_concerns(item, measures, by_label)
        bad_reasons += [long for _, long in measured]
        bad_short += list(dict.fromkeys(short for short, _ in measured))
        status = _status(len(good_reasons), len(bad_reasons))
        summary = SUMMARIES[status].format(good=_short(GOOD.get(item, ()), by_label), bad="; ".join(bad_short))
        verdicts.append(
            Verdict(
                item=item,
                title=checklist.title(item),
                status=status,
                summary=summary,
                reasons=tuple(good_reasons + bad_reasons),
                evidence=tuple(dict.fromkeys(evidence)),
            )
        )
    verdicts.append(_delivery(encounter, measures, checklist.title(DELIVERY)))
    return tuple(verdicts)


def _short(labels: Iterable[str], by_label: dict[str, list[Finding]]) -> str:
    return ", ".join(f"{_name(lb)} ({len(by_label[lb])})" for lb in labels if by_label[lb])


def _measure_concerns(item: str, measures: Measures, by_label: dict[str, list[Finding]]) -> list[tuple[str, str]]:
    """Concerns that come from measures: (short phrase for the summary, full reason)."""
    out = []
    if item == "C3" and measures.longest_unanswered_command_run >= COMMAND_BARRAGE:
        run = measures.longest_unanswered_command_run
        out.append(
            (
                f"{run} commands in a row with no reply",
                f"{run} commands in a row with no reply from the person (a barrage makes compliance harder)",
            )
        )
    if item == "C5":
        cues = measures.unchecked_inability_cues
        short = f"{len(cues)} sign(s) that the person may not be able to comply, not checked within 30 s"
        for cue in cues:
            waited = (
                "no officer checked" if cue.checked_after is None else f"first check {cue.checked_after:.0f} s later"
            )
            out.append((short, f'{cue.speaker} at {clock(cue.t)}: "{_q(cue.quote)}" — {waited} ({cue.utterance_id})'))
    if item == "C6":
        force = measures.seconds_to_first_force
        if force is not None and force < 60 and not any(by_label[lb] for lb in GOOD["C6"]):
            reason = f"force {force:.0f} s after the first officer words, with no time or distance taken"
            out.append((reason, reason))
    return out


def _delivery(encounter: Encounter, measures: Measures, title: str) -> Verdict:
    good: list[str] = []
    bad: list[str] = []
    evidence: list[str] = []
    spoken: dict[str, list[Utterance]] = defaultdict(list)
    for u in encounter.utterances:
        spoken[u.speaker].append(u)
    from_audio = any(isinstance((u.model_extra or {}).get("delivery"), dict) for u in encounter.utterances)
    for om in measures.officers:
        mine = spoken[om.participant_id]
        if from_audio:  # measured loudness: raised relative to the officer's own median
            shouted = [u for u in mine if ((u.model_extra or {}).get("delivery") or {}).get("raised")]
        else:  # transcript only: exclamation marks are the transcriber's sign of a raised voice
            shouted = [u for u in mine if u.text.rstrip().endswith("!")]
        share = len(shouted) / len(mine) if mine else 0.0
        if om.words_per_minute is not None and om.words_per_minute > FAST_SPEECH_WPM:
            bad.append(f"{om.name} speaks fast ({om.words_per_minute:.0f} words/min)")
        if om.words_per_utterance > LONG_UTTERANCE_WORDS:
            bad.append(f"{om.name} uses long turns ({om.words_per_utterance:.0f} words per utterance)")
        if share >= RAISED_VOICE_SHARE and len(shouted) >= 2:
            how = "raises the voice well above their own level" if from_audio else "shouts or exclaims"
            bad.append(f"{om.name} {how} in {len(shouted)} of {len(mine)} utterances")
            evidence += [u.id for u in shouted]
        fast = om.words_per_minute is not None and om.words_per_minute > FAST_SPEECH_WPM
        if (
            om.words_per_utterance <= LONG_UTTERANCE_WORDS
            and share < RAISED_VOICE_SHARE
            and len(mine) >= 3
            and not fast
        ):
            pace = f", {om.words_per_minute:.0f} words/min" if om.words_per_minute else ""
            good.append(f"{om.name}: short, even turns ({om.words_per_utterance:.0f} words per utterance{pace})")
    status = _status(len(good), len(bad))
    summary = {
        Status.demonstrated: "Officers kept a calm, even delivery in short phrases"
        + (
            " (pace and loudness measured from the audio)."
            if from_audio
            else " (from the transcript; tone and loudness need audio)."
        ),
        Status.concerns: "Delivery needs attention: " + "; ".join(bad) + ".",
        Status.mixed: "Delivery was uneven: " + "; ".join(bad) + ".",
        Status.not_observed: "Too little officer speech to judge delivery.",
    }[status]
    return Verdict(DELIVERY, title, status, summary, tuple(good + bad), tuple(dict.fromkeys(evidence)))


_QUOTE_LIMIT = 70


def _q(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 1] + "…"


def key_moments(
    encounter: Encounter, findings: list[Finding], measures: Measures, limit: int = 8
) -> tuple[KeyMoment, ...]:
    """The few moments a supervisor should look at first."""
    texts = {u.id: u for u in encounter.utterances}

    def who(pid: str) -> str:
        return encounter.participant(pid).label if pid in {p.id for p in encounter.participants} else pid

    moments: list[KeyMoment] = []
    for cue in measures.unchecked_inability_cues:
        role = encounter.role_of(texts[cue.utterance_id].speaker)
        what = "subject" if role is Role.subject else cue.speaker
        after = "no officer checks" if cue.checked_after is None else f"no officer checks for {cue.checked_after:.0f} s"
        moments.append(
            KeyMoment(cue.t, cue.utterance_id, f'{clock(cue.t)} — {what} says "{_q(cue.quote)}"; {after}', 5)
        )
    for f in findings:
        w = label_info(f.label).weight
        if not w:
            continue
        said = _q(texts[f.utterance_id].text)
        if f.label == "conflicting_command" and f.conflicts_with:
            earlier = texts[f.conflicts_with]
            text = (
                f'{clock(f.start)} — {who(f.speaker)}: "{said}" conflicts with {who(earlier.speaker)}\'s '
                f'"{_q(earlier.text)}" {f.start - earlier.start:.0f} s earlier'
            )
        else:
            text = f'{clock(f.start)} — {who(f.speaker)}: "{said}" ({_name(f.label)})'
        moments.append(KeyMoment(f.start, f.utterance_id, text, w))
    for e in encounter.events:
        if e.type == "force":
            by = f" by {who(e.by)}" if e.by else ""
            nearest = min(encounter.utterances, key=lambda u: abs(u.start - e.t))
            moments.append(KeyMoment(e.t, nearest.id, f"{clock(e.t)} — force used{by}: {e.detail or 'unspecified'}", 4))
    top = sorted(moments, key=lambda m: (-m.severity, m.t))[:limit]
    return tuple(sorted(top, key=lambda m: m.t))
