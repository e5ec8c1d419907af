"""Detectors: each finds one kind of evidence and records what it saw in every finding."""

from deescalate.analysis.detectors.base import Conversation, Detector, IssuedCommand
from deescalate.analysis.detectors.commands import CommandDetector, ConflictDetector
from deescalate.analysis.detectors.patterns import PatternDetector, make_finding

__all__ = [
    "CommandDetector",
    "ConflictDetector",
    "Conversation",
    "Detector",
    "IssuedCommand",
    "PatternDetector",
    "make_finding",
]
