"""Commands, and commands that conflict with one still in force.

A command is found where a clause, after its opening words of address,
starts with an imperative verb or a request frame ("I need you to", "can
you"). In unpunctuated (ASR) text a directive can start mid-clause, so an
imperative verb there counts when no subject or auxiliary precedes it.

Each command is reduced to what it asks the body to do (demands: freeze,
approach, hands on the wheel, reach for documents ...). A later command
conflicts with an earlier one, by any officer, given within the window
(start to start), when their demands are listed as a conflicting pair. An
identical repeat never conflicts.
"""

from __future__ import annotations

import re

from deescalate.analysis.context import UtteranceContext
from deescalate.analysis.detectors.base import Conversation, Detector, IssuedCommand
from deescalate.analysis.detectors.patterns import make_finding
from deescalate.analysis.findings import Finding
from deescalate.analysis.rules import CommandLexicon
from deescalate.encounter.model import Role

CONFLICT_WINDOW_S = 10.0

# Words that, just before a verb, show it is not an imperative ("I'll put", "to get").
_NOT_IMPERATIVE_BEFORE = frozenset(
    [
        "i",
        "you",
        "we",
        "he",
        "she",
        "they",
        "it",
        "to",
        "will",
        "'ll",
        "can",
        "could",
        "would",
        "should",
        "must",
        "might",
        "may",
        "did",
        "does",
        "do",
        "don't",
        "didn't",
        "i'll",
        "you'll",
        "we'll",
        "he'll",
        "she'll",
        "they'll",
        "i'm",
        "you're",
        "we're",
        "i'd",
        "you'd",
        "gonna",
        "wanna",
        "gotta",
        "not",
        "never",
        "that",
        "who",
        "which",
        "what",
        "when",
        "if",
        "a",
        "the",
        "my",
        "your",
        "his",
        "her",
        "their",
        "our",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "let's",
        "both",
        # determiners: the word after them is a noun ("one more step toward me")
        "more",
        "another",
        "next",
        "every",
        "each",
        "this",
        "these",
        "those",
        "some",
        "any",
    ]
)
_WORD = re.compile(r"[a-z']+")
# After a mid-clause imperative verb, one of these shows a directive ("get over here").
_COMPLEMENTS = frozenset(
    [
        "your",
        "the",
        "out",
        "over",
        "down",
        "up",
        "back",
        "around",
        "on",
        "off",
        "here",
        "away",
        "in",
        "inside",
        "it",
        "me",
        "outta",
        "that",
        "talk",
        "to",
        "with",
        "closer",
        "behind",
        "backwards",
        "backward",
        "toward",
        "towards",
        "forward",
    ]
)


class CommandDetector(Detector):
    """Commands, each recorded with its demands in the conversation for the conflict detector."""

    name = "command.directive"
    labels = ("command",)

    def __init__(self, lexicon: CommandLexicon) -> None:
        self.lexicon = lexicon
        self.preamble = tuple(sorted(lexicon.preamble, key=len, reverse=True))
        self.preamble_rx = re.compile("(?:" + "|".join(re.escape(w) for w in self.preamble) + ")(?![a-z0-9])")
        self.verbs = frozenset(v for v in lexicon.imperative_verbs if " " not in v and v != "don't")
        verbs = "|".join(re.escape(v) for v in sorted(lexicon.imperative_verbs, key=len, reverse=True))
        self.verb_start = re.compile(rf"^(?:{verbs})\b")
        self.frames = re.compile("|".join(f"(?:{f})" for f in lexicon.request_frames))
        self.not_commands = re.compile("|".join(f"(?:{n})" for n in lexicon.not_commands))
        self.demands = {name: re.compile("|".join(f"(?:{p})" for p in pats)) for name, pats in lexicon.demands.items()}
        self.conflict_pairs = {frozenset(pair) for pair in lexicon.conflicts}
        self.one_off = frozenset(lexicon.one_off)
        self.compliance = re.compile(lexicon.compliance)

    # -- finding commands -------------------------------------------------
    def _strip_preamble(self, text: str, names: frozenset[str]) -> int:
        """Offset where the directive begins, after address and discourse words."""
        pos = 0
        while pos < len(text):
            m = self.preamble_rx.match(text, pos)
            if m is not None:
                pos = m.end()
            else:
                first = _WORD.match(text, pos)
                if first and first.group(0) in names:
                    pos = first.end()
                else:
                    break
            while pos < len(text) and not text[pos].isalnum():
                pos += 1
        return pos

    def command_start(self, clause: str, names: frozenset[str], punctuated: bool) -> int | None:
        head = self._strip_preamble(clause, names)
        rest = clause[head:]
        if not rest:
            return None
        if self.not_commands.search(rest):
            return None
        if self.verb_start.match(rest) or self.frames.match(rest):
            return head
        if not punctuated:
            return self._mid_clause_imperative(clause)
        return None

    def _mid_clause_imperative(self, clause: str) -> int | None:
        tokens = list(_WORD.finditer(clause))
        for i in range(1, len(tokens)):
            word = tokens[i].group(0)
            if word not in self.verbs:
                continue
            if tokens[i - 1].group(0) in _NOT_IMPERATIVE_BEFORE:
                continue
            nxt = tokens[i + 1].group(0) if i + 1 < len(tokens) else ""
            if nxt in _COMPLEMENTS or (nxt.endswith("ing") and word in {"stop", "quit", "keep"}):
                rest = clause[tokens[i].start() :]
                if not self.not_commands.search(rest):
                    return tokens[i].start()
        return None

    def detect(self, ctx: UtteranceContext, convo: Conversation) -> list[Finding]:
        found = self.match(ctx, convo.civilian_names)
        if found is None:
            return []
        finding, directive = found
        u = ctx.utterance
        convo.issued.append(IssuedCommand(u.id, u.speaker, u.start, directive, frozenset(finding.evidence["demands"])))
        return [finding]

    def match(self, ctx: UtteranceContext, names: frozenset[str]) -> tuple[Finding, str] | None:
        """The utterance's command finding, with the directive text from its first command on."""
        if ctx.role is not Role.officer:
            return None
        found: tuple[int, int] | None = None
        directive_parts: list[str] = []
        for clause, to_civilian in zip(ctx.prepared.clauses, ctx.to_civilian, strict=True):
            if not to_civilian:
                continue
            start = self.command_start(clause.text, names, ctx.prepared.punctuated)
            if start is None:
                continue
            if found is None:
                found = (clause.start + start, clause.end)
            directive_parts.append(clause.text[start:])
        if found is None:
            return None
        finding = make_finding(
            ctx,
            label="command",
            start=found[0],
            end=found[1],
            rule=self.rule_id,
            confidence=0.8,
            evidence={"kind": "directive", "demands": sorted(self.demands_of(" ".join(directive_parts)))},
        )
        return finding, " ".join(directive_parts)

    # -- demands --------------------------------------------------------
    def demands_of(self, directive: str) -> frozenset[str]:
        return frozenset(name for name, rx in self.demands.items() if rx.search(directive))


class ConflictDetector(Detector):
    """A command that cannot be obeyed together with one still in force (labels.md), by demands."""

    name = "conflicting_command.demands"
    labels = ("conflicting_command",)

    def __init__(self, lexicon: CommandLexicon) -> None:
        self.conflict_pairs = {frozenset(pair) for pair in lexicon.conflicts}
        self.one_off = frozenset(lexicon.one_off)
        self.correction = re.compile(lexicon.correction)
        self.sequence = re.compile(lexicon.sequence)
        self.standing = frozenset(lexicon.standing)
        self.held = frozenset(lexicon.held)
        self.vocative = re.compile(lexicon.vocative)

    def addressee(self, text: str) -> str | None:
        """Whom a command opens by naming ("ma'am", "driver", "white shirt"), if anyone."""
        m = self.vocative.match(text)
        return m.group(1) if m else None

    def finish(self, convo: Conversation) -> list[Finding]:
        return self.find_conflicts(convo.issued, convo.by_id)

    def conflicting(self, a: frozenset[str], b: frozenset[str]) -> tuple[str, str] | None:
        # in sorted order: a set's order changes with each process's string hashing, and the clash named in the
        # evidence must not depend on which process analysed the encounter
        for x in sorted(a):
            for y in sorted(b):
                if frozenset((x, y)) in self.conflict_pairs:
                    return x, y
        return None

    def find_conflicts(self, issued: list[IssuedCommand], contexts: dict[str, UtteranceContext]) -> list[Finding]:
        findings = []
        for i, cmd in enumerate(issued):
            for prior in reversed(issued[:i]):
                if cmd.t - prior.t > CONFLICT_WINDOW_S:
                    break
                if prior.utterance_id == cmd.utterance_id:
                    continue
                if prior.demands == cmd.demands or _same_words(prior.text, cmd.text):
                    if prior.speaker == cmd.speaker:
                        break  # a repeat renews the officer's own command; it never conflicts
                    continue
                said_to, said_to_before = self.addressee(cmd.text), self.addressee(prior.text)
                if said_to and said_to_before and said_to != said_to_before:
                    continue  # two commands to two different people
                in_force = prior.demands - self.one_off if prior.complied else prior.demands
                said = contexts[cmd.utterance_id].prepared.text
                if prior.speaker == cmd.speaker and not self.correction.search(said):
                    # the same officer's next command is the next step, unless it breaks a posture the
                    # officer still holds the person in ("hands on the wheel" -> "get your license out")
                    in_force &= self.standing
                    if self.sequence.match(said):  # "now ...": the next step; hands stay where they were put
                        in_force &= self.held
                clash = self.conflicting(cmd.demands, in_force)
                if clash is None:
                    continue
                ctx = contexts[cmd.utterance_id]
                findings.append(
                    make_finding(
                        ctx,
                        label="conflicting_command",
                        start=0,
                        end=len(ctx.prepared.text),
                        rule=self.rule_id,
                        confidence=0.75,
                        evidence={
                            "kind": "conflict",
                            "asks": clash[0],
                            "against": clash[1],
                            "earlier": prior.utterance_id,
                            "earlier_t": prior.t,
                            "same_officer": prior.speaker == cmd.speaker,
                        },
                        conflicts_with=prior.utterance_id,
                    )
                )
                break
        return findings


def mark_compliance(detector: CommandDetector, issued: list[IssuedCommand], reply: str) -> list[IssuedCommand]:
    """The person's reply after the latest command: if it complies, that command's one-off part is done."""
    if issued and detector.compliance.search(reply):
        last = issued[-1]
        issued[-1] = IssuedCommand(last.utterance_id, last.speaker, last.t, last.text, last.demands, True)
    return issued


def _same_words(a: str, b: str) -> bool:
    return _WORD.findall(a) == _WORD.findall(b)
