"""deescalate: put the de-escalation checklist into practice."""

__version__ = "0.1.0"
