"""Who spoke each word of one recording: speaker separation by voice pitch, timbre and level (numpy only).

Method (an energy-and-pitch method; no neural embeddings, no downloads)
----------------------------------------------------------------------
1. **Stretches.** The transcript's words are grouped into stretches of
   speech: consecutive words less than ``MAX_GAP_S`` apart. Whisper's word
   times often run straight across a change of speaker (one word ends where
   the next speaker's first word begins), so each stretch is also cut at every
   pause of ``MIN_PAUSE_S`` or more in the *audio* (frames near the noise
   floor), and pieces longer than ``MAX_STRETCH_S`` are cut into equal parts.
   Each word goes to the stretch its time overlaps most.
2. **Features** per stretch, over its speech frames only:

   - pitch: median F0 in semitones, from an autocorrelation normalised by the
     window's (Boersma 1993; 40 ms frames, 60-400 Hz, voiced frames only,
     with an octave check: the shortest lag whose peak is within
     ``OCTAVE_RATIO`` of the highest);
   - voice quality: the median harmonics-to-noise ratio of the voiced frames
     (from the same autocorrelation peak) and the median frame-to-frame pitch
     change (jitter/flutter);
   - timbre: the log-mel spectral envelope (24 bands, 100-7000 Hz, numpy FFT)
     averaged over the stretch and mean-normalised, so it does not depend on
     loudness, as its first ``N_CEPS`` cosine coefficients (mean MFCCs without c0);
   - level: dBFS of the stretch's speech (:func:`deescalate.audio.delivery.active_level_db`).

   Pitch spread and spectral centroid were tried and dropped: from stretch to
   stretch they vary more within one voice than between voices.
3. **Standardising.** Each feature is divided by a *fixed* scale, about the
   spread one voice shows from stretch to stretch (``*_SCALE*``; measured on
   synthesized speech, widened for pitch and level to allow for real voices),
   not by the recording's own spread: that would stretch a one-voice recording
   until it splits. The distance between two stretches is the weighted root
   mean square of their scaled differences (pitch and voice quality only
   where both are voiced).
4. **Clustering.** Agglomerative clustering, average linkage (nearest-neighbour
   chain, O(n^2)), cut at ``DISTANCE_THRESHOLD``, over the stretches with
   ``MIN_RELIABLE_S`` of speech or more. Then, in turn until nothing changes:
   each stretch moves to the nearest cluster centroid, and the two closest
   clusters merge if they are not clearly different voices: centroids closer
   than ``MERGE_DISTANCE``, a difference that is not significant for the
   clusters' sizes (``MERGE_SIGNIFICANCE``; a small cluster's centroid is
   noisy), less than ``MIN_CLUSTER_S`` of speech, or more clusters than
   ``max_speakers``. Short stretches then join the nearest centroid; stretches
   with no speech above the noise floor (a word Whisper placed in silence)
   take the label of the nearest stretch in time.
5. **Labels.** Clusters are named ``SPEAKER_00``, ``SPEAKER_01``... in the
   order they are first heard; each word takes its stretch's label. The camera
   wearer is the speaker with the highest median speech level: the voice
   closest to the microphone.

Tuned on synthesized dialogue (espeak-ng, ``deescalate.audio.synth``) from 24
development encounters, long and short, and checked on other encounters; the
figures are in the change that added this module. Limits: voices close in
pitch and timbre merge; two speakers with the same voice may merge whatever
their loudness difference (a level difference alone is weak evidence: one
voice's level changes with distance and with shouting, and a shouting speaker
must not become a new speaker); overlapping speech goes to whichever voice
dominates the stretch; a speaker with only a word or two is folded into
another; the fixed scales were set on clean synthesized speech.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from deescalate.audio.delivery import active_level_db, active_mask, frame_powers, to_db, weighted_median
from deescalate.audio.transcribe import Word

SAMPLE_RATE = 16_000

# stretches
MAX_GAP_S = 0.3  # words closer than this are one stretch
MAX_STRETCH_S = 3.0  # longer pause-free speech is cut into pieces this long at most
MIN_PAUSE_S = 0.2  # a pause this long in the audio cuts a stretch
# A pause frame is within this many dB of the recording's noise floor, or this far below the stretch's speech.
PAUSE_ABOVE_FLOOR_DB = 8.0
PAUSE_BELOW_SPEECH_DB = 30.0
# Frames this far above the recording's noise floor can be speech; a stretch with none is noise.
SPEECH_ABOVE_FLOOR_DB = 10.0
MIN_RELIABLE_S = 0.6  # stretches with less speech are too short to cluster on their own

# features
FRAME_S, HOP_S = 0.025, 0.010
N_MELS = 24
N_CEPS = 12
FMIN, FMAX = 100.0, 7000.0
F0_MIN, F0_MAX = 60.0, 400.0
VOICING = 0.45  # normalised autocorrelation peak for a voiced frame
OCTAVE_RATIO = 0.85
MIN_VOICED_FRAMES = 3

# Fixed scales: about one within-speaker standard deviation of each feature from stretch to stretch.
PITCH_SCALE_ST = 1.5  # measured 0.7 semitones on espeak-ng voices; real intonation varies more
LEVEL_SCALE_DB = 4.5  # measured 0.7 dB on espeak-ng voices; real voices move and shout
CEPS_SCALE_DB = np.array([5.0, 2.9, 5.1, 3.3, 2.6, 2.6, 2.1, 1.8, 1.7, 1.6, 1.3, 1.3])  # as measured
HNR_SCALE_DB = 1.0
JITTER_SCALE_ST = 0.045
# Relative weights of the features in the distance (the cepstra share W_TIMBRE).
W_PITCH = 1.0
W_HNR = 0.5
W_JITTER = 0.5
W_TIMBRE = 1.0
W_LEVEL = 1.0

# clustering
DISTANCE_THRESHOLD = 1.0  # average-linkage cut (in scaled units): deliberately fine, merging comes after
MAX_INITIAL = 20
MERGE_DISTANCE = 0.9  # centroids closer than this are one voice
MERGE_SIGNIFICANCE = 30.0  # summed squared centroid difference / (1/n_a + 1/n_b) below this: one voice
MIN_CLUSTER_S = 1.5  # a cluster with less speech than this is not a speaker of its own
FULL_SAMPLE_S = 1.5  # a stretch with this much speech counts as one full sample of a voice


@dataclass(frozen=True, slots=True)
class SpeakerResult:
    labels: tuple[str, ...]  # one per word, in the order the words were given
    count: int
    wearer: str  # the label of the camera wearer ("" when there are no words)
    levels_db: dict[str, float] = field(default_factory=dict)  # median speech dBFS per label


@dataclass(slots=True)
class _Stretch:
    start: float
    end: float
    words: list[int]
    speech_s: float = 0.0
    level_db: float = 0.0
    pitch: float = float("nan")
    ceps: np.ndarray = field(default_factory=lambda: np.zeros(N_CEPS))
    hnr: float = float("nan")
    jitter: float = float("nan")
    text: str = ""


def label_name(i: int) -> str:
    return f"SPEAKER_{i:02d}"


def assign_speakers(
    audio: np.ndarray, words: Sequence[Word], *, sample_rate: int = SAMPLE_RATE, max_speakers: int = 6
) -> SpeakerResult:
    """Label each word with its speaker (``SPEAKER_00`` = first heard) and find the camera wearer."""
    if not words:
        return SpeakerResult((), 0, "", {})
    audio = np.asarray(audio, dtype=np.float32)
    stretches, floor_db = _stretches(audio, words, sample_rate)
    for s in stretches:
        _describe(s, audio, sample_rate, floor_db)
    clusters = _cluster(stretches, max(1, max_speakers))

    first_heard: dict[int, float] = {}
    for s, c in zip(stretches, clusters, strict=True):
        first_heard[c] = min(first_heard.get(c, s.start), s.start)
    rank = {c: i for i, c in enumerate(sorted(first_heard, key=lambda c: first_heard[c]))}

    labels = [""] * len(words)
    for s, c in zip(stretches, clusters, strict=True):
        for i in s.words:
            labels[i] = label_name(rank[c])
    levels: dict[str, float] = {}
    for c, r in rank.items():
        mine = [s for s, k in zip(stretches, clusters, strict=True) if k == c]
        levels[label_name(r)] = round(weighted_median([s.level_db for s in mine], [s.speech_s for s in mine]), 1)
    wearer = max(levels, key=lambda k: (levels[k], -int(k.rsplit("_", 1)[1])))
    return SpeakerResult(tuple(labels), len(rank), wearer, levels)


# --- stretches -----------------------------------------------------------------------------------------------------


def _stretches(audio: np.ndarray, words: Sequence[Word], sr: int) -> tuple[list[_Stretch], float]:
    duration = audio.size / sr
    order = sorted(range(len(words)), key=lambda i: (words[i].start, words[i].end))
    groups: list[list[int]] = []
    last_end = -1e9
    for i in order:
        w = words[i]
        if groups and w.start - last_end < MAX_GAP_S:
            groups[-1].append(i)
        else:
            groups.append([i])
        last_end = max(last_end, w.end) if len(groups[-1]) > 1 else w.end

    hop = int(0.01 * sr)
    powers = frame_powers(audio, sr)
    floor_db = float(np.percentile(to_db(powers), 5)) if powers.size else -100.0

    out: list[_Stretch] = []
    for g in groups:
        start = max(0.0, min(words[i].start for i in g))
        end = min(duration, max(words[i].end for i in g))
        if end - start < 0.02:
            start, end = max(0.0, start - 0.05), min(duration, end + 0.05)
        # active parts of this stretch, separated by pauses
        a, b = int(start * sr / hop), max(int(start * sr / hop) + 1, int(end * sr / hop))
        db = to_db(powers[a:b]) if b <= powers.size else to_db(powers[a:])
        parts: list[tuple[float, float]] = []
        if db.size:
            loud = float(np.percentile(db, 95))
            quiet = db < max(floor_db + PAUSE_ABOVE_FLOOR_DB, loud - PAUSE_BELOW_SPEECH_DB)
            parts = _split_at_pauses(quiet, a, hop / sr, int(round(MIN_PAUSE_S * sr / hop)))
        if not parts:
            parts = [(start, end)]
        # pieces no longer than MAX_STRETCH_S
        pieces: list[tuple[float, float]] = []
        for ps, pe in parts:
            n = int(np.ceil((pe - ps) / MAX_STRETCH_S - 1e-9)) or 1
            edges = np.linspace(ps, pe, n + 1)
            pieces.extend((float(edges[k]), float(edges[k + 1])) for k in range(n))
        made = [_Stretch(ps, pe, []) for ps, pe in pieces]
        for i in g:
            w = words[i]
            overlaps = [min(w.end, s.end) - max(w.start, s.start) for s in made]
            best = int(np.argmax(overlaps))
            if overlaps[best] <= 0:  # a word inside a pause: the nearest piece
                mid = (w.start + w.end) / 2
                best = int(np.argmin([min(abs(mid - s.start), abs(mid - s.end)) for s in made]))
            made[best].words.append(i)
        for s in made:
            s.text = " ".join(re.sub(r"[^a-z0-9']", "", words[i].text.lower()) for i in s.words)
        out.extend(s for s in made if s.words)
    return out, floor_db


def _split_at_pauses(quiet: np.ndarray, first_frame: int, hop_s: float, min_frames: int) -> list[tuple[float, float]]:
    """Active (start, end) times between pauses of at least ``min_frames`` quiet frames."""
    n = quiet.size
    pauses: list[tuple[int, int]] = []
    k = 0
    while k < n:
        if quiet[k]:
            j = k
            while j < n and quiet[j]:
                j += 1
            if j - k >= min_frames or k == 0 or j == n:
                pauses.append((k, j))
            k = j
        else:
            k += 1
    parts: list[tuple[float, float]] = []
    cursor = 0
    for ps, pe in pauses:
        if ps > cursor:
            parts.append(((first_frame + cursor) * hop_s, (first_frame + ps) * hop_s + 0.02))
        cursor = pe
    if cursor < n:
        parts.append(((first_frame + cursor) * hop_s, (first_frame + n) * hop_s + 0.02))
    return parts


# --- features ------------------------------------------------------------------------------------------------------


@cache
def _mel_dct(sr: int, nfft: int) -> tuple[np.ndarray, np.ndarray]:
    """(mel filterbank [N_MELS, nfft//2+1], DCT-II rows 1..N_CEPS [N_CEPS, N_MELS])."""

    def mel(f: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(np.array(FMIN)), mel(np.array(min(FMAX, sr / 2))), N_MELS + 2))
    freqs = np.fft.rfftfreq(nfft, 1.0 / sr)
    bank = np.zeros((N_MELS, freqs.size))
    for m in range(N_MELS):
        lo, mid, hi = edges[m], edges[m + 1], edges[m + 2]
        bank[m] = np.clip(np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0.0, None)
    k = np.arange(1, N_CEPS + 1)[:, None]
    dct = np.cos(np.pi * k * (np.arange(N_MELS)[None, :] + 0.5) / N_MELS) * np.sqrt(2.0 / N_MELS)
    return bank, dct


def _frames(x: np.ndarray, size: int, hop: int) -> np.ndarray:
    if x.size < size:
        x = np.pad(x, (0, size - x.size))
    return np.lib.stride_tricks.sliding_window_view(x, size)[::hop]


def _describe(s: _Stretch, audio: np.ndarray, sr: int, floor_db: float) -> None:
    """Fill in a stretch's features from its audio (speech frames only)."""
    x = audio[int(s.start * sr) : int(np.ceil(s.end * sr))].astype(np.float64)
    s.level_db = active_level_db(x, sr)
    powers = frame_powers(x, sr)
    active = active_mask(powers) & (to_db(powers) >= floor_db + SPEECH_ABOVE_FLOOR_DB)
    s.speech_s = float(active.sum()) * HOP_S

    # pitch and voice quality: normalised autocorrelation on 40 ms frames of the active speech
    f0, peak, index = _f0(x, sr, active)
    if f0.size >= MIN_VOICED_FRAMES:
        st = 12.0 * np.log2(f0 / 100.0)
        s.pitch = float(np.median(st))
        p = np.clip(peak, 0.0, 0.999)
        s.hnr = float(np.median(10.0 * np.log10(p / (1.0 - p))))
        adjacent = np.diff(index) == 1
        if adjacent.sum() >= 2:
            s.jitter = float(np.median(np.abs(np.diff(st))[adjacent]))

    # timbre: mean log-mel envelope of the active frames, mean-normalised, as cosine coefficients
    size, hop, nfft = int(FRAME_S * sr), int(HOP_S * sr), 512
    frames = _frames(x, size, hop)
    n = min(frames.shape[0], active.size) if active.size else frames.shape[0]
    frames, act = frames[:n], (active[:n] if active.size else np.ones(n, dtype=bool))
    if not act.any():
        act = np.ones(n, dtype=bool)
    spec = np.abs(np.fft.rfft(frames * np.hanning(size), nfft)) ** 2
    bank, dct = _mel_dct(sr, nfft)
    envelope = (10.0 * np.log10(spec[act] @ bank.T + 1e-10)).mean(axis=0)
    s.ceps = dct @ (envelope - envelope.mean())


@cache
def _window_autocorr(size: int, nfft: int) -> np.ndarray:
    w = np.hanning(size)
    r = np.fft.irfft(np.abs(np.fft.rfft(w, nfft)) ** 2, nfft)[:size]
    return r / r[0]


def _f0(x: np.ndarray, sr: int, active: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(F0 Hz, autocorrelation peak, frame index) of the voiced frames; autocorrelation normalised by the
    window's (Boersma 1993)."""
    none = (np.zeros(0), np.zeros(0), np.zeros(0, dtype=int))
    size, hop, nfft = int(0.04 * sr), int(0.01 * sr), 2048
    if x.size < size:
        return none
    frames = _frames(x, size, hop)
    # the 40 ms frame k is centred where the 20 ms power frame k+1 is; keep the active ones
    idx = np.arange(frames.shape[0]) + 1
    keep = idx < active.size
    keep[keep] = active[idx[keep]]
    index = np.flatnonzero(keep)
    frames = frames[keep]
    if frames.shape[0] == 0:
        return none
    frames = frames - frames.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(frames * np.hanning(size), nfft)
    ac = np.fft.irfft(np.abs(spec) ** 2, nfft)[:, :size]
    energy = ac[:, :1]
    ok = energy[:, 0] > 1e-12
    ac, energy, index = ac[ok], energy[ok], index[ok]
    if ac.shape[0] == 0:
        return none
    r = ac / energy / _window_autocorr(size, nfft)[None, :]
    lo, hi = int(sr / F0_MAX), min(int(sr / F0_MIN) + 1, size // 2)
    region = r[:, lo:hi]
    rows = np.arange(region.shape[0])
    top = region.max(axis=1)
    # the shortest lag whose peak is nearly as high as the highest: periodic signals peak again at 2T, 3T
    inner = np.zeros_like(region, dtype=bool)
    inner[:, 1:-1] = (region[:, 1:-1] > region[:, :-2]) & (region[:, 1:-1] >= region[:, 2:])
    candidate = inner & (region >= OCTAVE_RATIO * top[:, None])
    best = np.where(candidate.any(axis=1), np.argmax(candidate, axis=1), np.argmax(region, axis=1))
    peak = region[rows, best]
    voiced = peak >= VOICING
    if not voiced.any():
        return none
    # parabolic refinement of the peak
    at = best + lo
    y0, y1, y2 = r[rows, np.maximum(at - 1, 0)], r[rows, at], r[rows, np.minimum(at + 1, size - 1)]
    denom = y0 - 2 * y1 + y2
    shift = np.where(np.abs(denom) > 1e-12, 0.5 * (y0 - y2) / np.where(np.abs(denom) > 1e-12, denom, 1.0), 0.0)
    lag = at + np.clip(shift, -0.5, 0.5)
    return sr / lag[voiced], peak[voiced], index[voiced]


# --- clustering ----------------------------------------------------------------------------------------------------


def _features(stretches: Sequence[_Stretch]) -> tuple[np.ndarray, np.ndarray]:
    """Scaled feature matrix [n, d] (NaN where a stretch has no voiced frames) and the column weights."""
    cols = [
        (np.array([s.pitch for s in stretches]) / PITCH_SCALE_ST, W_PITCH),
        (np.array([s.hnr for s in stretches]) / HNR_SCALE_DB, W_HNR),
        (np.array([s.jitter for s in stretches]) / JITTER_SCALE_ST, W_JITTER),
        (np.array([s.level_db for s in stretches]) / LEVEL_SCALE_DB, W_LEVEL),
    ]
    ceps = np.array([s.ceps for s in stretches]) / CEPS_SCALE_DB
    cols += [(ceps[:, k], W_TIMBRE / N_CEPS) for k in range(N_CEPS)]
    return np.stack([c for c, _ in cols], axis=1), np.array([w for _, w in cols])


def _cross(a: np.ndarray, b: np.ndarray, w: np.ndarray, *, total: bool = False) -> np.ndarray:
    """Distances [len(a), len(b)]: weighted RMS of the feature differences both rows have
    (``total``: the weighted sum of their squares instead)."""
    acc = np.zeros((a.shape[0], b.shape[0]))
    weight = np.zeros_like(acc)
    for j in range(a.shape[1]):
        diff = np.square(a[:, j, None] - b[None, :, j])
        have = ~np.isnan(diff)
        acc += w[j] * np.where(have, diff, 0.0)
        weight += w[j] * have
    return acc if total else np.sqrt(acc / np.maximum(weight, 1e-12))


def _centroids(f: np.ndarray, weight: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Speech-weighted mean features per cluster [k, d], NaN-aware."""
    out = np.full((k, f.shape[1]), np.nan)
    for c in range(k):
        rows = f[labels == c]
        wts = weight[labels == c]
        have = ~np.isnan(rows)
        den = (have * wts[:, None]).sum(axis=0)
        num = (np.nan_to_num(rows) * wts[:, None]).sum(axis=0)
        out[c] = np.where(den > 0, num / np.maximum(den, 1e-12), np.nan)
    return out


def _relabel(labels: np.ndarray) -> tuple[np.ndarray, int]:
    ids = {c: i for i, c in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([ids[c] for c in labels.tolist()], dtype=int), len(ids)


def _cluster(stretches: Sequence[_Stretch], max_speakers: int) -> list[int]:
    """Cluster index per stretch (0..k-1, k <= max_speakers)."""
    n = len(stretches)
    if n == 1:
        return [0]
    speech = np.array([s.speech_s > 0 for s in stretches])
    if not speech.any():
        return [0] * n
    reliable = speech & np.array([s.speech_s >= MIN_RELIABLE_S for s in stretches])
    if reliable.sum() < 2:
        reliable = speech.copy()
    core = np.flatnonzero(reliable)
    f, w = _features(stretches)
    weight = np.array([max(s.speech_s, 0.05) for s in stretches])
    labels = np.full(n, -1)
    if core.size == 1:
        labels[core] = 0
    else:
        fc = f[core]
        initial = _average_linkage(_cross(fc, fc, w), DISTANCE_THRESHOLD, max(max_speakers, MAX_INITIAL))
        texts = [stretches[int(i)].text for i in core]
        same_text = np.array([texts.index(t) for t in texts])
        labels[core] = _refine(fc, w, weight[core], same_text, initial, max_speakers)
    k = int(labels.max()) + 1
    # short stretches: the nearest centroid; stretches without speech: the nearest stretch in time
    short = np.flatnonzero(speech & ~reliable)
    if short.size:
        cents = _centroids(f[core], weight[core], labels[core], k)
        labels[short] = np.argmin(_cross(f[short], cents, w), axis=1)
    mids = np.array([(s.start + s.end) / 2 for s in stretches])
    for i in np.flatnonzero(~speech):
        labels[i] = labels[core[int(np.argmin(np.abs(mids[core] - mids[i])))]]
    return [int(v) for v in labels]


def _refine(
    f: np.ndarray, w: np.ndarray, weight: np.ndarray, same_text: np.ndarray, labels: np.ndarray, max_speakers: int
) -> np.ndarray:
    """Reassign stretches to the nearest centroid, and merge clusters that are not clearly different voices.

    Two clusters merge when their centroids are closer than ``MERGE_DISTANCE``
    or when the difference is not significant for their sizes (``d^2 / (1/n_a +
    1/n_b) < MERGE_SIGNIFICANCE``, a z-test on the centroid difference): a small
    cluster's centroid is noisy. Clusters beyond ``max_speakers`` always merge.
    """
    labels, k = _relabel(labels)
    while True:
        for _ in range(20):
            new, k2 = _relabel(np.argmin(_cross(f, _centroids(f, weight, labels, k), w), axis=1))
            if k2 == k and np.array_equal(new, labels):
                break
            labels, k = new, k2
        if k == 1:
            return labels
        cents = _centroids(f, weight, labels, k)
        d = _cross(cents, cents, w)
        sizes = _effective_sizes(labels, k, same_text, weight)
        speech = np.bincount(labels, weights=weight, minlength=k)
        # z: the summed (not averaged) squared centroid difference over its standard error
        z = _cross(cents, cents, w / w.mean(), total=True) / (1.0 / sizes[:, None] + 1.0 / sizes[None, :])
        np.fill_diagonal(d, np.inf)
        np.fill_diagonal(z, np.inf)
        small = (speech[:, None] < MIN_CLUSTER_S) | (speech[None, :] < MIN_CLUSTER_S)
        weak = (d < MERGE_DISTANCE) | (z < MERGE_SIGNIFICANCE) | small
        if not weak.any() and k <= max_speakers:
            return labels
        a, b = np.unravel_index(int(np.argmin(np.where(weak, d, np.inf) if weak.any() else d)), d.shape)
        labels[labels == b] = a
        labels, k = _relabel(labels)


def _effective_sizes(labels: np.ndarray, k: int, same_text: np.ndarray, speech_s: np.ndarray) -> np.ndarray:
    """How many independent samples of a voice each cluster holds: a stretch of ``FULL_SAMPLE_S`` or more
    counts one, shorter ones in proportion (short utterances share their ends' falling pitch, so a run of
    them is weak evidence), and a text said again adds nothing (a command said five times is one sample)."""
    out = np.zeros(k)
    for c in range(k):
        best: dict[int, float] = {}
        for t, sp in zip(same_text[labels == c].tolist(), speech_s[labels == c].tolist(), strict=True):
            best[t] = max(best.get(t, 0.0), min(1.0, sp / FULL_SAMPLE_S))
        out[c] = max(sum(best.values()), 1e-3)
    return out


def _average_linkage(dist: np.ndarray, threshold: float, max_clusters: int) -> np.ndarray:
    """Average-linkage clusters (0..k-1) of a distance matrix, cut at ``threshold``, at most ``max_clusters``.

    The dendrogram comes from the nearest-neighbour chain algorithm (exact for
    average linkage); its merges are then replayed from the lowest.
    """
    n = dist.shape[0]
    if n == 1:
        return np.zeros(1, dtype=int)
    d = dist.astype(np.float64).copy()
    np.fill_diagonal(d, np.inf)
    size = np.ones(n)
    alive = np.ones(n, dtype=bool)
    merges: list[tuple[float, int, int]] = []
    chain: list[int] = []
    while len(merges) < n - 1:
        if not chain:
            chain.append(int(np.flatnonzero(alive)[0]))
        a = chain[-1]
        row = np.where(alive, d[a], np.inf)
        row[a] = np.inf
        b = int(np.argmin(row))
        if len(chain) > 1 and row[chain[-2]] <= row[b]:
            b = chain[-2]
        if len(chain) > 1 and b == chain[-2]:
            chain.pop()
            chain.pop()
            height = float(d[a, b])
            merges.append((height, a, b))
            # merge b into a (Lance-Williams for average linkage)
            new = (size[a] * d[a] + size[b] * d[b]) / (size[a] + size[b])
            d[a], d[:, a] = new, new
            d[a, a] = np.inf
            size[a] += size[b]
            alive[b] = False
            d[b], d[:, b] = np.inf, np.inf
        else:
            chain.append(b)

    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    clusters = n
    for height, a, b in sorted(merges):
        if height > threshold and clusters <= max_clusters:
            break
        parent[find(b)] = find(a)
        clusters -= 1
    roots = [find(i) for i in range(n)]
    ids = {r: i for i, r in enumerate(dict.fromkeys(roots))}
    return np.array([ids[r] for r in roots])
