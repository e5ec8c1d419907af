"""Which files are media (cheap to import: no numpy, no FFmpeg)."""

from __future__ import annotations

from pathlib import Path

MEDIA_SUFFIXES = frozenset(
    ".wav .mp3 .m4a .aac .flac .ogg .opus .wma .webm .mp4 .mov .mkv .avi .m4v .3gp .ts .mts .amr".split()
)


def is_media(path: Path) -> bool:
    return path.suffix.lower() in MEDIA_SUFFIXES
