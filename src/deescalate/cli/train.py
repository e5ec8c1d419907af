"""`deescalate train`: practise a scenario against a simulated person, then read the debrief."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.prompt import Prompt
from rich.text import Text

from deescalate.cli.common import err, out
from deescalate.encounter.writers import write_atomic
from deescalate.errors import Code, DeescalateError, InputError


def train_command(
    scenario: Annotated[
        str | None,
        typer.Argument(metavar="SCENARIO", help="A bundled scenario id (see --list) or a scenario YAML file."),
    ] = None,
    script: Annotated[
        Path | None, typer.Option("--script", help="Play a moves file (one turn a line) instead of typing.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Same seed and same turns, same run.")] = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the debrief HTML and JSON.")] = Path("out"),
    list_all: Annotated[bool, typer.Option("--list", help="List the bundled scenarios and stop.")] = False,
    audio: Annotated[
        list[Path] | None,
        typer.Option(
            "--audio",
            help="Spoken turns: a folder of recordings (one per turn, in name order) or audio files, "
            "transcribed as your lines; the debrief shows pace and loudness.",
        ),
    ] = None,
    more_audio: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[FILE]...",
            help="More recordings after --audio FILE (played in the order given).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Practise a call: talk to a simulated person (or play a script), then get a debrief."""
    from deescalate.training.debrief import Debrief, dispatch_facts
    from deescalate.training.scenario import bundled_scenarios, find_scenario, load_scenario
    from deescalate.training.session import (
        ACTION_HELP,
        INSTRUCTOR_HELP,
        PARTNER,
        TrainingSession,
        TurnResult,
        audio_path,
        read_script,
        script_recordings,
        split_line,
    )
    from deescalate.training.spoken import SpokenTurn, TurnTranscriber, audio_files

    if list_all:
        for path in bundled_scenarios():
            try:
                found = load_scenario(path)
                out.print(f"{found.id:<24} {found.title}", markup=False, highlight=False)
            except DeescalateError as exc:
                out.print(f"{path.stem:<24} (cannot be loaded: {exc.one_line()})", markup=False, highlight=False)
        return
    if scenario is None:
        raise typer.BadParameter("give a SCENARIO (a bundled id or a YAML file), or --list")
    path = find_scenario(scenario)
    loaded = load_scenario(path)
    session = TrainingSession(loaded, seed, source=str(path))  # checks the endings
    if more_audio and not audio:
        raise InputError(Code.E102, f"unexpected {str(more_audio[0])!r}: recordings follow --audio")
    if audio and script is not None:
        raise InputError(Code.E102, "give --audio or --script, not both (a script can hold @audio FILE lines)")
    transcribe = TurnTranscriber()
    turns = read_script(script) if script is not None else None  # every line checked before play
    if turns is not None and script is not None:
        if not turns:
            raise InputError(Code.E093, "the script holds no turns (only blank or # lines)", file=str(script))
        session.check_lines(turns, file=str(script))
    _writable(out_dir)  # before the scene, so that a finished session's debrief is never lost
    spoken: dict[int, SpokenTurn] = {}
    if audio:  # one turn per recording; all transcribed (and so checked) before the scene starts
        files = audio_files([*audio, *(more_audio or [])])
        turns = [(i, f"@audio {f}") for i, f in enumerate(files, 1)]
        spoken = {i: transcribe(f) for i, f in enumerate(files, 1)}
    elif turns is not None and script is not None:
        spoken = script_recordings(turns, script.parent, transcribe)

    out.print(Text(loaded.title, style="bold underline"))
    for heading, text in dispatch_facts(loaded):
        out.print(Text.assemble((f"{heading}: ", "bold"), text))
    out.print()

    def show(r: TurnResult | str) -> None:
        if isinstance(r, str):  # /pause: the scene for the instructor
            out.print(f"[instructor] {r}", style="dim", markup=False, highlight=False)
            return
        if r.aside:  # what the person did while someone else was spoken to
            out.print(Text.assemble((f"{loaded.person.name}: ", "bold magenta"), r.aside))
        out.print(Text.assemble((f"{r.by or loaded.person.name}: ", "bold magenta"), r.person or "…"))
        if r.injected:
            return
        moves = ", ".join(m.replace("_", " ") for m in r.moves)
        state = f"  [{moves}]  agitation {r.state.agitation:.1f}  rapport {r.state.rapport:.1f}  {r.state.phase}"
        extra = ("  (noticed)" if r.noticed_now else "") + (f"  (now: {', '.join(r.facts_now)})" if r.facts_now else "")
        extra += f"  (said again: turn {r.repeat_of})" if r.repeat_of else ""
        extra += f"  (said to {r.by})" if r.by and r.by != loaded.person.name else ""
        out.print(state + extra, style="dim", markup=False, highlight=False)

    def who(r: TurnResult | str) -> str:
        return "Partner" if isinstance(r, TurnResult) and r.speaker == PARTNER else "You"

    def said(line: str, r: TurnResult | str) -> Text:
        label = "Instructor" if line.lstrip().startswith(("/inject", "/pause")) else who(r)
        if isinstance(r, TurnResult) and r.spoken is not None:
            s = r.spoken
            words = s.text or f"(silence: {s.note})"
            return Text.assemble(
                (f"{label} ", "bold cyan"),
                (f"[{s.name}, transcribed in {s.transcribe_s:.1f} s]", "dim"),
                (": ", "bold cyan"),
                words,
            )
        return Text.assemble((f"{label}: ", "bold cyan"), line)

    def spoken_notice(r: TurnResult | str) -> None:
        if isinstance(r, TurnResult) and r.spoken is not None and not r.spoken.text:
            err.print(
                f"turn {r.turn}: {r.spoken.file}: {r.spoken.note} [{Code.E103.name}]",
                style="yellow",
                markup=False,
                highlight=False,
            )

    if turns is not None:
        for i, (number, line) in enumerate(turns):
            if session.done:
                session.unplayed = [rest for _, rest in turns[i:]]
                break
            r = session.play(line, spoken.get(number))
            out.print(said(line, r))
            show(r)
            spoken_notice(r)
    else:
        out.print(
            f"Type what you say (A: or B: for two trainees). Actions: {ACTION_HELP}. Instructor: {INSTRUCTOR_HELP}. "
            "Empty line: silence. @audio FILE: a recorded turn. Ctrl-D ends.",
            style="dim",
            markup=False,
        )
        while not session.done:
            try:
                line = Prompt.ask(Text("You", style="bold cyan"), console=out, default="", show_default=False)
            except EOFError:
                out.print()
                break
            if line.strip().lower() in ("/help", "/?"):
                out.print(f"Actions: {ACTION_HELP}. Instructor: {INSTRUCTOR_HELP}.", style="dim", markup=False)
                continue
            try:
                recording = audio_path(split_line(line)[2])
                heard = None
                if recording is not None:  # "@audio take3.wav" at the prompt: that recording is the turn
                    heard = transcribe(audio_files([Path(recording).expanduser()])[0])
                r = session.play(line, heard)
                if heard is not None:
                    out.print(said(line, r))
                show(r)
                spoken_notice(r)
            except DeescalateError as exc:
                err.print(exc.detail, style="yellow", markup=False, highlight=False)
    if session.ending is not None:
        out.print(Text(f"\n{session.ending.text}", style="bold"))

    debrief = Debrief(loaded, session)
    out.print()
    out.print(debrief.to_rich())
    html_path, json_path = _unused(out_dir, debrief.file_stem())
    write_atomic(html_path, debrief.to_html())
    write_atomic(json_path, debrief.to_json())
    err.print(f"wrote {html_path} and {json_path}", markup=False, highlight=False)


def _unused(folder: Path, stem: str) -> tuple[Path, Path]:
    """The debrief's HTML and JSON paths: STEM, or STEM-2, STEM-3 ... where an earlier run (the same
    scenario and seed) has written its own, which is never overwritten."""
    for n in itertools.count(1):
        name = stem if n == 1 else f"{stem}-{n}"
        html, data = folder / f"{name}.html", folder / f"{name}.json"
        if not html.exists() and not data.exists():
            return html, data
    raise AssertionError("unreachable")  # itertools.count never ends


def _writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".deescalate-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(Code.E104, f"the debrief cannot be written there ({exc.strerror})", file=str(folder)) from None
