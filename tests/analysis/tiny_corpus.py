"""A small annotated corpus written in code for learned-layer tests: three "writers", each
with their own phrasing of a few labels, so that training, cross-validation by writer and
the artifact can be tested in seconds. (The real corpus is ``corpus/train``.)"""

from __future__ import annotations

import json
from pathlib import Path

# (speaker, text, labels); O1 is an officer, S1 the subject
WRITERS: dict[str, list[list[tuple[str, str, list[str]]]]] = {
    "wa": [
        [
            ("O1", "Sir, I'm Officer Park with the county police.", ["respect_marker"]),
            ("S1", "I can't hear you, I'm deaf in this ear.", ["inability_cue"]),
            ("O1", "Can you hear me now if I come around this side?", ["capacity_check"]),
            ("O1", "Put your hands on the wheel.", ["command"]),
            ("S1", "Why did you stop me?", []),
            ("O1", "Your tail light is out, that's why I stopped you.", ["explanation"]),
            ("O1", "Keep reaching and I'll tase you.", ["threat_of_force"]),
            ("O1", "Nice weather tonight.", []),
        ],
        [
            ("O1", "Step out of the car for me.", ["command"]),
            ("S1", "My knee doesn't bend, I had surgery.", ["inability_cue"]),
            ("O1", "Are you hurt anywhere else?", ["capacity_check"]),
            ("O1", "Thank you, sir.", ["respect_marker"]),
            ("O1", "Nobody is going to tase you tonight.", []),
            ("O1", "Go ahead and sit on the curb.", ["command"]),
        ],
    ],
    "wb": [
        [
            ("O1", "hey man im deputy cole sheriffs office", ["respect_marker"]),
            ("S1", "i dont speak english", ["inability_cue"]),
            ("O1", "do you understand me", ["capacity_check"]),
            ("O1", "show me your hands", ["command"]),
            ("O1", "you move again you getting tased", ["threat_of_force"]),
            ("S1", "what is this about", []),
            ("O1", "we got a call about a fight thats why we're here", ["explanation"]),
            ("O1", "the game was on last night", []),
        ],
        [
            ("O1", "get on the ground", ["command"]),
            ("S1", "i cant move my arm", ["inability_cue"]),
            ("O1", "you need a medic", ["capacity_check"]),
            ("O1", "thanks for waiting", ["respect_marker"]),
            ("O1", "nobody gonna tase you", []),
        ],
    ],
    "wc": [
        [
            ("O1", "Evening. Trooper Diaz, state patrol.", ["respect_marker"]),
            ("S1", "I'm diabetic, my sugar's crashing.", ["inability_cue"]),
            ("O1", "Is it your sugar? Can you hear me okay?", ["capacity_check"]),
            ("O1", "Turn the engine off.", ["command"]),
            ("O1", "Do that again and you're getting tased.", ["threat_of_force"]),
            ("O1", "I stopped you because you were weaving.", ["explanation"]),
            ("S1", "Okay.", []),
        ],
    ],
}


def write_tiny_corpus(root: Path) -> Path:
    """Write the corpus under ``root`` (one folder per writer) and return ``root``."""
    for writer, encounters in WRITERS.items():
        folder = root / writer
        folder.mkdir(parents=True, exist_ok=True)
        for n, turns in enumerate(encounters, start=1):
            utterances = []
            for i, (speaker, text, labels) in enumerate(turns, start=1):
                u: dict[str, object] = {"id": f"u{i}", "speaker": speaker, "start": 4.0 * i, "end": 4.0 * i + 3}
                u["text"] = text
                u["labels"] = labels
                utterances.append(u)
            doc = {
                "format": "encounter/v1",
                "id": f"{writer}-{n:02d}",
                "writer": writer,
                "style": f"style-{writer}",
                "participants": [
                    {"id": "O1", "role": "officer", "name": "Officer Park"},
                    {"id": "S1", "role": "subject", "name": "Mr. Hale"},
                ],
                "utterances": utterances,
            }
            (folder / f"{writer}-{n:02d}.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return root
