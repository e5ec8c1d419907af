"""Analysis: detectors, measures and checklist verdicts over an Encounter."""
