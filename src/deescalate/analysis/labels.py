"""The 17 labels of the label spec (v1) and the checklist item each belongs to."""

from __future__ import annotations

LABEL_ITEMS: dict[str, str] = {
    "info_gathering": "C1",
    "civil_matter": "C2",
    "resource_request": "C2",
    "command": "C3",
    "conflicting_command": "C3",
    "threat_of_force": "C3",
    "explanation": "C3",
    "insult": "C4",
    "respect_marker": "C4",
    "inability_cue": "C5",
    "capacity_check": "C5",
    "dismissal": "C5",
    "slow_down": "C6",
    "distance": "C6",
    "backup_request": "C6",
    "empathy": "C7",
    "active_listening": "C7",
}
LABELS = tuple(LABEL_ITEMS)

# Labels that show a practice being followed, and labels that show a concern.
GOOD_LABELS = frozenset(
    {
        "info_gathering",
        "civil_matter",
        "resource_request",
        "explanation",
        "respect_marker",
        "capacity_check",
        "slow_down",
        "distance",
        "backup_request",
        "empathy",
        "active_listening",
    }
)
CONCERN_LABELS = frozenset({"conflicting_command", "threat_of_force", "insult", "dismissal"})
