"""The merge command: several body-camera transcripts of one incident into one timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from deescalate.cli.common import FormatOption, RolesOption, err, load_one
from deescalate.encounter.roles import load_roles_file
from deescalate.encounter.writers import to_json, write_atomic
from deescalate.errors import Code, InputError
from deescalate.merge.combine import Camera, merge_cameras

LOW_CONFIDENCE = 0.5


def merge_command(
    cameras: Annotated[
        list[Path],
        typer.Argument(help="One transcript per camera (any input format); the first is the reference clock."),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Merged encounter/v1 JSON.")],
    incident_id: Annotated[
        str | None, typer.Option("--id", help="Id of the merged incident (default: output name).")
    ] = None,
    roles: RolesOption = None,
    input_format: FormatOption = None,
) -> None:
    """Merge the transcripts of one incident from several body cameras into one timeline."""
    if len(cameras) < 2:
        raise InputError(Code.E005, "merge needs two or more camera files")
    names = [p.stem for p in cameras]
    if len(set(names)) != len(names):
        raise InputError(Code.E016, "two camera files have the same name; rename one", file=str(cameras[0]))
    # camera transcripts name speakers by diarization label; roles come from the merge itself
    loaded = [Camera.from_encounter(p.stem, load_one(p, None, input_format, warn_roles=False)) for p in cameras]
    result = merge_cameras(
        loaded, incident_id=incident_id or output.stem, roles=load_roles_file(roles) if roles else None
    )
    write_atomic(output, to_json(result.encounter))

    err.print(f"{len(cameras)} cameras merged into {output}", markup=False, highlight=False)
    for o in result.offsets:
        how = {"reference": "reference clock", "clock": "from the file's start time", "none": "NOT aligned"}.get(
            o.method, f"by {o.matches} shared utterances with {o.via}, {o.confidence:.0%} confident"
        )
        err.print(
            f"  {o.camera}: {result.speakers_per_camera[o.camera]} speakers, clock offset {o.offset:+.2f} s ({how})",
            markup=False,
            highlight=False,
        )
    people = ", ".join(f"{p.name} ({p.role.value})" for p in result.encounter.participants)
    err.print(f"{len(result.encounter.utterances)} utterances; participants: {people}", markup=False, highlight=False)
    for o in result.offsets:
        if o.method == "none":
            err.print(
                f"warning: {o.camera}: no shared speech with any other camera; its clock was not aligned",
                style="yellow",
                markup=False,
            )
        elif o.method == "speech" and o.confidence < LOW_CONFIDENCE:
            err.print(
                f"warning: {o.camera}: alignment is uncertain ({o.confidence:.0%}); check the offset",
                style="yellow",
                markup=False,
            )
