"""What every command shares: consoles, common options, and reading one encounter."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from deescalate.audio.formats import is_media
from deescalate.encounter.model import Encounter, Role
from deescalate.encounter.readers import FORMATS, read_encounter, speakers_without_role
from deescalate.encounter.roles import load_roles_file
from deescalate.settings import get_settings

# soft_wrap: never break lines at the terminal width (piped output would otherwise wrap at 80 columns)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

RolesOption = Annotated[
    Path | None,
    typer.Option("--roles", help="YAML file mapping speaker names to officer/dispatcher/subject/bystander/other."),
]
FormatOption = Annotated[
    str | None, typer.Option("--input-format", help=f"Force the input format: {', '.join(FORMATS)}.")
]


def load_one(path: Path, roles: Path | None, input_format: str | None, *, warn_roles: bool = True) -> Encounter:
    """A transcript file read, or a media file transcribed."""
    roles_map = load_roles_file(roles) if roles else None
    if input_format is None and is_media(path):
        return transcribe_media(path, roles_map)
    encounter = read_encounter(path, roles_file=roles_map, input_format=input_format)
    unknown = speakers_without_role(encounter) if warn_roles else []
    if unknown:
        err.print(
            f"{path}: no role known for {', '.join(unknown)}; treated as 'other' "
            "(pass --roles roles.yaml to name them)",
            style="yellow",
            markup=False,
            highlight=False,
        )
    return encounter


def transcribe_media(path: Path, roles: dict[str, Role] | None) -> Encounter:
    from deescalate.audio.pipeline import media_to_encounter  # loads the speech model: only when needed

    with err.status(f"transcribing {path.name} …"):
        result = media_to_encounter(path, settings=get_settings(), roles=roles)
    media = (result.encounter.model_extra or {}).get("media", {})
    err.print(
        f"{path}: {result.duration_s / 60:.1f} min of audio, {len(result.encounter.utterances)} utterances, "
        f"{result.speakers_found} speakers found (wearer {media.get('wearer')})",
        markup=False,
        highlight=False,
    )
    return result.encounter
