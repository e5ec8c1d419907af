"""Detectors: each finds one kind of evidence and explains every finding it makes."""

from deescalate.analysis.detectors.commands import CommandDetector
from deescalate.analysis.detectors.patterns import PatternDetector, make_finding

__all__ = ["CommandDetector", "PatternDetector", "make_finding"]
