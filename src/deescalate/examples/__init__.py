"""Example encounters bundled for ``deescalate demo``; written for this project, not real people."""

from importlib import resources
from pathlib import Path


def example_paths() -> list[Path]:
    folder = resources.files(__package__)
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith((".json", ".vtt", ".srt", ".txt")))


def camera_paths() -> list[Path]:
    """Body-camera transcripts of one incident (the parking-lot stop, one file per officer)."""
    folder = resources.files(__package__).joinpath("cameras")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".json"))


def audio_paths() -> list[Path]:
    """A body-camera recording: the parking-lot stop spoken by espeak-ng voices (synthetic, no real people)."""
    folder = resources.files(__package__).joinpath("audio")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith((".ogg", ".wav", ".mp3")))
