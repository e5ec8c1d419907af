"""Features of the learned layer: what one utterance, its speaker and its turn in the conversation look like.

Plain strings with weights, the same at training and at analysis time:

- ``w:`` words and ``b:`` word pairs of the prepared text (lower case, fillers out,
  masked profanity restored by ``text.prepare``);
- ``c:`` character 3- to 5-grams inside each word, which survive misspellings and
  speech-to-text errors ("tace" still shares "tac" with "tase");
- ``r:`` the speaker's role and ``a:`` whom the clauses are said to;
- ``h:`` every rule that fired on the utterance and ``hl:`` its label, so the model
  learns when to trust a rule;
- ``p...:`` the previous turn (its role, its words, the rules that fired on it) and
  ``x:`` the conversation so far (an inability or distress stated earlier, a
  command still in force from the same or another officer).

Word and character groups are scaled to unit length so a long utterance does not
outweigh a short one; rule and context features count 1.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from deescalate.analysis.context import UtteranceContext
from deescalate.encounter.model import CIVILIAN_ROLES, Role

TOKEN = re.compile(r"[a-z0-9']+|[?!]")
CHAR_N = (3, 4, 5)
PREVIOUS_WORDS = 12  # words of the previous turn that count
COMMAND_IN_FORCE_S = 10.0
MARKS = frozenset("?!")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int  # offsets in the prepared text
    end: int


def tokens(text: str) -> list[Token]:
    return [Token(m.group(0), m.start(), m.end()) for m in TOKEN.finditer(text)]


def word_features(words: list[str]) -> list[str]:
    feats = [f"w:{w}" for w in words]
    padded = ["^", *words, "$"]
    feats += [f"b:{a} {b}" for a, b in zip(padded, padded[1:], strict=False)]
    return feats


@lru_cache(maxsize=200_000)
def char_features(word: str) -> tuple[str, ...]:
    padded = f"<{word}>"
    return tuple(f"c:{padded[i : i + n]}" for n in CHAR_N for i in range(len(padded) - n + 1))


@dataclass
class TurnMemory:
    """What the learned layer remembers of the conversation while reading it in order (rule stage only,
    so that training and analysis see the same thing)."""

    previous: dict[str, float] = field(default_factory=dict)  # features of the previous turn
    inability_at: float | None = None  # last time a civilian stated an inability (rule stage)
    distress_seen: bool = False
    last_command: tuple[str, float] | None = None  # (officer, t) of the latest rule-found command


def _unit(features: list[str], out: dict[str, float]) -> None:
    if not features:
        return
    weight = 1.0 / math.sqrt(len(features))
    for f in features:
        out[f] = out.get(f, 0.0) + weight


def char_weight(words: list[str]) -> float:
    """The value each character gram of ``words`` has (the group is scaled to unit length)."""
    n = sum(len(char_features(w)) for w in words if w not in MARKS)
    return 1.0 / math.sqrt(n) if n else 0.0


def utterance_features(
    ctx: UtteranceContext, rule_hits: list[tuple[str, str]], memory: TurnMemory, *, distress: bool, chars: bool = True
) -> dict[str, float]:
    """``rule_hits``: (detector name, label) of each rule finding on this utterance, before the model.
    ``chars=False`` leaves out the character grams: the learned layer adds them from the words itself,
    from a cache by word, rather than through a hundred strings an utterance."""
    words = TOKEN.findall(ctx.prepared.text)
    feats: dict[str, float] = {}
    _unit(word_features(words), feats)
    if chars:
        _unit([c for w in words if w not in MARKS for c in char_features(w)], feats)
    role = ctx.role.value
    feats[f"r:{role}"] = 1.0
    if ctx.role is Role.officer:
        flags = ctx.to_civilian
        feats["a:civilian" if all(flags) else "a:partner" if not any(flags) else "a:mixed"] = 1.0
    n = sum(1 for w in words if w not in MARKS)
    feats[f"n:{'1-3' if n <= 3 else '4-8' if n <= 8 else '9-16' if n <= 16 else '17+'}"] = 1.0
    for detector, label in rule_hits:
        feats[f"h:{detector}"] = 1.0
        feats[f"hl:{label}"] = 1.0
    for f, v in memory.previous.items():
        feats[f] = v
    t = ctx.utterance.start
    if memory.inability_at is not None and t - memory.inability_at <= 30.0:
        feats["x:inability_30s"] = 1.0
    if memory.distress_seen:
        feats["x:distress_before"] = 1.0
    if memory.last_command is not None and t - memory.last_command[1] <= COMMAND_IN_FORCE_S:
        same = memory.last_command[0] == ctx.utterance.speaker
        feats["x:command_in_force_same" if same else "x:command_in_force_other"] = 1.0
    # the next turn sees this one
    remember(ctx, words, rule_hits, memory, distress=distress)
    return feats


def remember(
    ctx: UtteranceContext, words: list[str], rule_hits: list[tuple[str, str]], memory: TurnMemory, *, distress: bool
) -> None:
    role = ctx.role.value
    previous: dict[str, float] = {f"pr:{role}": 1.0}
    _unit([f"pw:{w}" for w in words[:PREVIOUS_WORDS]], previous)
    for _, label in rule_hits:
        previous[f"ph:{label}"] = 1.0
    memory.previous = previous
    labels = {label for _, label in rule_hits}
    if ctx.role in CIVILIAN_ROLES:
        if "inability_cue" in labels:
            memory.inability_at = ctx.utterance.start
        if "inability_cue" in labels or distress:
            memory.distress_seen = True
    if "command" in labels:
        memory.last_command = (ctx.utterance.speaker, ctx.utterance.start)
