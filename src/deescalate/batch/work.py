"""The steps one work item goes through in a worker, the same on every engine: read or transcribe each file, merge
an incident's cameras, analyse. Nothing here writes to the store: a worker hands back plain data (``Outcome``) and
the batch process stores it, so workers never wait on each other for a database lock.

A ``Worker`` is made once per worker process and keeps what is costly to build: the analyzer (rules compiled,
model loaded) and, from the first recording on, the speech model.
"""

from __future__ import annotations

import traceback
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deescalate.analysis.analyzer import Analyzer
from deescalate.batch.sources import Member, WorkItem, file_sha256
from deescalate.encounter.model import Encounter
from deescalate.encounter.readers import read_encounter
from deescalate.errors import Code, DeescalateError, InputError, InputWarning
from deescalate.merge.combine import Camera, merge_cameras
from deescalate.settings import Settings
from deescalate.store.encounters import AnalysedEncounter

if TYPE_CHECKING:
    from deescalate.audio.transcribe import Transcriber


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one work item: its analysed encounter, or the error that stopped it."""

    key: str
    analysed: AnalysedEncounter | None = None
    error: str | None = None  # one line, with its error code
    retry: bool = False  # the failure was not the file's own (a crash, a worker lost): another try may pass
    audio_seconds: float = 0.0
    warnings: tuple[str, ...] = ()  # what the readers warned about (W015 ...), one line each


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    settings: Settings
    rules_config: Path | None = None
    cpu_threads: int = 0  # speech model threads; 0: CTranslate2's default
    device: str | None = None  # speech model device, when the engine knows better than the settings (a GPU actor)
    compute_type: str | None = None


class Worker:
    def __init__(self, options: WorkerOptions) -> None:
        self.options = options
        self.settings = options.settings
        self.analyzer = Analyzer(options.rules_config)
        self._transcriber: Transcriber | None = None

    def run_chunk(self, items: list[WorkItem]) -> list[Outcome]:
        return [self.run(item) for item in items]

    def run(self, item: WorkItem) -> Outcome:
        """The item's outcome, with the input warnings its files raised (a worker has no terminal to print them to:
        the batch process reports them)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", InputWarning)
            outcome = self._run(item)
        lines = tuple(_on_one_line(w.message.one_line()) for w in caught if isinstance(w.message, InputWarning))
        return replace(outcome, warnings=lines) if lines else outcome

    def _run(self, item: WorkItem) -> Outcome:
        """Never raises for a bad file or a failing step, so one item never stops the rest."""
        try:
            encounter, audio_seconds = self._encounter(item)
            return Outcome(item.key, AnalysedEncounter.of(encounter, self.analyzer), audio_seconds=audio_seconds)
        except DeescalateError as exc:
            return Outcome(item.key, error=_on_one_line(exc.one_line()))
        except Exception as exc:  # a bug or a broken library: recorded against this item, tried again later
            where = traceback.extract_tb(exc.__traceback__)[-1]
            detail = f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
            return Outcome(
                item.key, error=_on_one_line(InputError(Code.E156, detail, file=item.label).one_line()), retry=True
            )

    def _encounter(self, item: WorkItem) -> tuple[Encounter, float]:
        audio_seconds = 0.0
        cameras: list[Camera] = []
        names: set[str] = set()
        for member in item.members:
            encounter, seconds = self._read(member)
            audio_seconds += seconds
            if member.started_at:
                encounter = encounter.model_copy(update={"started_at": member.started_at})
            if len(item.members) == 1:
                return encounter, audio_seconds
            cameras.append(_camera(member, encounter, names))
        merged = merge_cameras(cameras, incident_id=item.incident_id or cameras[0].name)
        return merged.encounter, audio_seconds

    def _read(self, member: Member) -> tuple[Encounter, float]:
        path = Path(member.path)
        try:
            found = file_sha256(path)
        except FileNotFoundError:
            raise InputError(Code.E001, "file was removed while the batch ran", file=member.path) from None
        if found != member.sha256:  # its key would no longer say what was stored
            raise InputError(Code.E158, "file changed after the batch listed it; run the batch again", file=member.path)
        if not member.media:
            return read_encounter(path, settings=self.settings), 0.0
        from deescalate.audio.pipeline import media_to_encounter  # numpy, FFmpeg bindings: only for recordings

        result = media_to_encounter(path, settings=self.settings, transcriber=self.transcriber())
        return result.encounter, result.duration_s

    def transcriber(self) -> Transcriber:
        if self._transcriber is None:  # loaded on the first recording, kept for the next ones
            from deescalate.audio.transcribe import Transcriber

            s = self.settings
            self._transcriber = Transcriber(
                model=s.whisper_model,
                device=self.options.device or s.whisper_device,
                compute_type=self.options.compute_type or s.whisper_compute_type,
                cpu_threads=self.options.cpu_threads,
                decoding=s.whisper_decoding,
            )
        return self._transcriber


def _camera(member: Member, encounter: Encounter, names: set[str]) -> Camera:
    """The camera view of one file: a recording's wearer is the voice the pipeline found closest; the manifest's
    camera wearer, when given, names that officer."""
    name = Path(member.path).stem
    if name in names:  # two cameras' files of the same name in different folders
        name = f"{name}-{len(names) + 1}"
    names.add(name)
    extra: dict[str, Any] = encounter.model_extra or {}
    media_wearer = (extra.get("media") or {}).get("wearer")
    if media_wearer and not extra.get("camera"):
        encounter = encounter.model_copy(update={"camera": {"wearer": media_wearer}})
    camera = Camera.from_encounter(name, encounter)
    return replace(camera, wearer_name=member.wearer) if member.wearer else camera


def _on_one_line(text: str) -> str:
    return " ".join(text.split())


_WORKERS: dict[WorkerOptions, Worker] = {}


def worker_for(options: WorkerOptions) -> Worker:
    """The worker of this process for OPTIONS, made on first use: an engine's task calls this on every chunk, and
    only the first call in a process pays for the analyzer."""
    worker = _WORKERS.get(options)
    if worker is None:
        if not _WORKERS:
            _one_blas_thread()
        worker = _WORKERS[options] = Worker(options)
    return worker


def _one_blas_thread() -> None:
    """One BLAS thread per worker process. Parallelism comes from the workers, so more would only oversubscribe the
    cores; and a matrix product summed by several threads rounds differently (the speech model's mel features
    change in the last digits, and with them word probabilities), so the transcript would depend on the engine:
    Ray already starts its workers with one thread, a process pool's would take every core."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
