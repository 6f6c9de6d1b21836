"""Everything the Review screen, `transcript`, `metrics` and `serve` need for one conversation:
the conversation, its recordings (downloaded as WAV into the cache), the transcript (found through
the communicationId, downloaded from its presigned URL and parsed streaming), the alignment of
phrases to the audio, and the QA metrics. A missing transcript is a note, not an error: the audio
view still works."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from genesys_tui.core.errors import UserError
from genesys_tui.core.files import write_bytes
from genesys_tui.core.ids import safe_id
from genesys_tui.flows.review.align import RecordingTimeline, align
from genesys_tui.flows.review.metrics import Metrics, compute
from genesys_tui.flows.review.model import Transcript
from genesys_tui.flows.review.parse import TranscriptError, parse_transcript
from genesys_tui.flows.review.roles import merge
from genesys_tui.flows.review.text_index import DB_NAME, TextIndex
from genesys_tui.genesys import errors as E
from genesys_tui.genesys import states as S
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.models import Conversation, Recording
from genesys_tui.media import decode
from genesys_tui.media.errors import MediaError
from genesys_tui.media.peaks import Peaks, PeaksCache
from genesys_tui.storage.presigned import DownloadError, fetch_with_refresh

NO_TRANSCRIPT = (
    "No transcript for this conversation: voice transcription is not enabled for its queue or flow, "
    "the org has no Speech & Text Analytics licence, or it is still being processed."
)
NOT_ALLOWED = (
    "Not allowed to read the transcript: the OAuth client needs recording:recording:view (or "
    "recording:recordingSegment:view)."
)

Progress = Callable[[str], None]


class ReviewError(UserError):
    """The conversation cannot be reviewed at all (no such conversation, no access)."""


@dataclass
class Audio:
    recording: Recording
    timeline: RecordingTimeline
    path: Path
    rate: int
    channels: int
    frames: int
    peaks: Peaks | None = None

    @property
    def id(self) -> str:
        return self.recording.id or ""


@dataclass
class Review:
    conversation: Conversation
    audio: list[Audio] = field(default_factory=list)
    transcript: Transcript | None = None
    notes: list[str] = field(default_factory=list)  # why something is missing, for the user
    metrics: Metrics | None = None
    transcript_failed: bool = (
        False  # it may exist, but could not be had (download, parse, permission)
    )

    @property
    def id(self) -> str:
        return self.conversation.id or ""

    @property
    def timelines(self) -> list[RecordingTimeline]:
        return [a.timeline for a in self.audio]


class ReviewCache:
    """<cache>/review/{recordings,transcripts}, pruned oldest-used first past a size budget."""

    def __init__(self, cache_dir: str | Path, max_bytes: int = 2048 << 20):
        self.root = Path(cache_dir) / "review"
        self.max_bytes = max_bytes
        self.peaks = PeaksCache(cache_dir)
        self.index = TextIndex(self.root / "index")

    def recording(self, recording_id: str) -> Path:
        return self.root / "recordings" / f"{safe_id(recording_id, 'recording id')}.wav"

    def transcript(
        self, conversation_id: str, communication_id: str, recording_id: str = ""
    ) -> Path:
        name = f"{safe_id(conversation_id)}_{safe_id(communication_id)}"
        if recording_id:
            name += f"_{safe_id(recording_id, 'recording id')}"
        return self.root / "transcripts" / f"{name}.json"

    # A cached file is used only while its sidecar matches the metadata just read: an id can name
    # another call (a re-seeded emulator, a restored or re-recorded call), and a file can be cut.

    @staticmethod
    def _meta_path(path: Path) -> Path:
        return path.with_name(path.name + ".meta.json")

    def valid(self, path: Path, meta: dict) -> bool:
        try:
            kept = json.loads(self._meta_path(path).read_text(encoding="utf-8"))
            return kept == {**meta, "bytes": path.stat().st_size}
        except (OSError, ValueError):
            return False

    def keep(self, path: Path, meta: dict) -> None:
        """Record what `path` holds (after it was downloaded and read without error)."""
        write_bytes(
            self._meta_path(path), json.dumps({**meta, "bytes": path.stat().st_size}).encode()
        )

    def forget(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self._meta_path(path).unlink(missing_ok=True)

    def touch(self, path: Path) -> None:
        with contextlib.suppress(OSError):
            os.utime(path)

    def prune(self, keep: set[Path] = frozenset()) -> int:
        """Remove least recently used files until the cache fits; returns bytes freed."""
        files = []
        for sub in ("recordings", "transcripts", "index"):
            d = self.root / sub
            if d.is_dir():
                for f in d.iterdir():
                    try:
                        st = f.stat()
                    except OSError:
                        continue
                    files.append((st.st_mtime, st.st_size, f))
        total = sum(s for _, s, _ in files)
        freed = 0
        for _, size, f in sorted(files):
            if total - freed <= self.max_bytes:
                break
            if f in keep or f.name.endswith(".meta.json") or f.name.startswith(DB_NAME):
                continue  # (the full-text index is one file for every call: never pruned whole)
            if f.parent.name == "index":  # a call's text goes: from the full-text index too
                self.index.forget(f.stem)
            self.forget(f)
            freed += size
        return freed


def _iso(dt) -> str | None:
    return dt.isoformat() if dt else None


def recording_meta(conversation_id: str, rec: Recording) -> dict:
    """What a cached recording must still match to be used."""
    return {
        "conversationId": conversation_id,
        "recordingId": rec.id,
        "startTime": _iso(rec.start_time),
        "endTime": _iso(rec.end_time),
        "durationMs": rec.output_duration_ms or None,
    }


def transcript_meta(conv: Conversation, communication_id: str, recording_id: str) -> dict:
    """What a cached transcript must still match: the call it belongs to, when it happened, and
    the recording it covers."""
    return {
        "conversationId": conv.id,
        "communicationId": communication_id,
        "recordingId": recording_id,
        "start": _iso(conv.start_time),
        "end": _iso(conv.end_time),
    }


async def communication_ids(
    client: GenesysClient, conv: Conversation, recordings: list[Recording]
) -> list[str]:
    """Where the transcript lives: each recorded leg's sessionId. Archived or still-transcoding
    recordings can come back as stubs without one (seen against a real org): then the analytics
    sessions that were recorded say it; last, the customer's call id (the official tutorial's
    way). In order, without repeats."""
    out: list[str] = []
    for r in recordings:
        if r.session_id and r.session_id not in out:
            out.append(r.session_id)
    if not out or any(not r.session_id for r in recordings):
        with contextlib.suppress(E.GenesysError):  # a lookup that fails leaves the fallback
            out += [
                s for s in await client.analytics.recorded_sessions(conv.id or "") if s not in out
            ]
    fallback = conv.customer_call_id()
    if not out and fallback:
        out.append(fallback)
    return out


async def transcript_urls(
    client: GenesysClient, conversation_id: str, communication_id: str
) -> list[tuple[str, str]]:
    """(recording id, presigned URL) for each recording of the communication, from
    `…/transcripturls` (one URL per recording, and it needs only recording:recording:view or
    recording:recordingSegment:view where `…/transcripturl` needs two permissions)."""
    urls = await client.transcripts.urls(conversation_id, communication_id)
    out = [((u.recording.id if u.recording else None) or "", u.url) for u in urls.urls if u.url]
    if not out:
        raise E.NotFound("the API gave no transcript URL")
    return out


async def fetch_transcript(
    client: GenesysClient,
    conversation_id: str,
    communication_id: str,
    recording_id: str,
    url: str,
    dest: Path,
) -> Path:
    """Download one transcript document (a refused URL is asked for again)."""
    part = dest.with_name(dest.name + ".part")
    part.unlink(missing_ok=True)  # a small document: never resumed

    async def refresh() -> str:
        part.unlink(missing_ok=True)
        fresh = dict(await transcript_urls(client, conversation_id, communication_id))
        return fresh.get(recording_id) or url

    try:
        await fetch_with_refresh(
            client.api, url, part, refresh, what=f"the transcript of recording {recording_id}"
        )
    except DownloadError as e:
        raise E.NetworkError(f"transcript download failed: {e}") from None
    os.replace(part, dest)
    return dest


async def _transcript(
    client: GenesysClient,
    review: Review,
    recordings: list[Recording],
    cache: ReviewCache,
    refresh: bool,
) -> None:
    ids = await communication_ids(client, review.conversation, recordings)
    if not ids:
        review.notes.append(
            "No transcript: the conversation has no recorded call leg to look it up by."
        )
        return
    parts: list[Transcript] = []
    try:
        for comm in ids:
            try:
                sources = await transcript_urls(client, review.id, comm)
            except E.NotFound:
                continue
            for rec_id, url in sources:
                dest = cache.transcript(review.id, comm, rec_id)
                meta = transcript_meta(review.conversation, comm, rec_id)
                try:
                    if refresh or not cache.valid(dest, meta):
                        cache.forget(dest)
                        await fetch_transcript(client, review.id, comm, rec_id, url, dest)
                    else:
                        cache.touch(dest)
                    parts.append(await asyncio.to_thread(parse_transcript, dest, review.id, comm))
                    cache.keep(dest, meta)
                except E.NotFound:
                    continue
                except TranscriptError:
                    cache.forget(dest)  # a document that failed to parse is never kept
                    raise
    except (E.GenesysError, TranscriptError) as e:
        review.transcript_failed = True  # it may exist: not the "no transcript" case
        review.notes.append(
            NOT_ALLOWED
            if isinstance(e, E.PermissionDenied)
            else f"The transcript could not be read: {e}."
            if isinstance(e, TranscriptError)
            else f"The transcript could not be downloaded: {e}"
        )
        return
    if not parts:
        review.notes.append(NO_TRANSCRIPT)
        return
    review.transcript = parts[0] if len(parts) == 1 else merge(parts)


async def fetch_recording(
    client: GenesysClient, conversation_id: str, rec: Recording, dest: Path
) -> Recording:
    """The WAV of one recording into `dest` (a `.part` first; a refused URL is asked for again)."""
    part = dest.with_name(dest.name + ".part")
    current = rec

    async def refresh() -> str:
        nonlocal current
        current = await client.recordings.get(conversation_id, rec.id or "", "WAV")
        url = current.media_uri()
        if not url:
            raise E.NotFound(f"recording {rec.id} has no media URL")
        return url

    try:
        url = rec.media_uri() or await refresh()
        got = await fetch_with_refresh(client.api, url, part, refresh, what=f"recording {rec.id}")
    except DownloadError as e:
        raise E.NetworkError(f"recording {rec.id}: {e}") from None
    if current.output_size_in_bytes and got.size != current.output_size_in_bytes:
        part.unlink(missing_ok=True)
        raise E.ServerError(
            f"recording {rec.id}: got {got.size} bytes, the API announced "
            f"{current.output_size_in_bytes}"
        )
    os.replace(part, dest)
    return current


def _open_audio(rec: Recording, path: Path, cache: ReviewCache, with_peaks: bool) -> Audio:
    info = decode.probe(path)
    peaks = cache.peaks.get(path) if with_peaks else None
    return Audio(
        rec,
        RecordingTimeline.from_recording(rec),
        path,
        info.rate,
        info.channels,
        info.frames or 0,
        peaks,
    )


async def load_review(
    client: GenesysClient,
    conversation_id: str,
    cache: ReviewCache,
    *,
    audio: bool = True,
    peaks: bool = True,
    transcript: bool = True,
    refresh: bool = False,
    progress: Progress | None = None,
) -> Review:
    """Load what Review shows. `audio=False` skips downloading the recordings (the timelines still
    come from their metadata): enough for `transcript` and `metrics`."""
    say = progress or (lambda _msg: None)
    cid = safe_id(conversation_id, "conversation id")
    say("conversation")
    try:
        conv = await client.conversations.get(cid)
    except E.NotFound:
        raise ReviewError(
            f"conversation {cid} was not found (wrong ID, or another org or region)"
        ) from None
    review = Review(conv)
    if conv.end_time is None and any(p.end_time is None for p in conv.participants):
        # Still in progress: Genesys has no recording or transcript to give yet.
        review.notes.append(
            "This call is still in progress: its recording and transcript are available when it "
            "ends (Supervise shows it live)."
        )
        return review
    say("recordings")
    recordings, usable = await _recordings(client, review, audio)
    if transcript:
        say("transcript")
        await _transcript(client, review, recordings, cache, refresh)
    keep = await _load_audio(client, review, usable, cache, audio, peaks, refresh, say)
    if review.transcript is not None:
        align(review.transcript, review.timelines)
        review.metrics = compute(review.transcript, review.timelines)
    # Indexed for searches: what it said, or that Genesys has no transcript of it (not a
    # transcript that could not be had this time: a refusal, a transcode still running).
    if transcript and (review.transcript is not None or NO_TRANSCRIPT in review.notes):
        with contextlib.suppress(OSError):  # the index only saves time later
            cache.index.put(review)
    if audio:
        await asyncio.to_thread(cache.prune, keep)
    return review


async def _recordings(
    client: GenesysClient, review: Review, audio: bool
) -> tuple[list[Recording], list[Recording]]:
    """The call's audio recordings in order, and those that can be played (not archived); what
    stands in the way is said in the review's notes."""
    cid = review.id
    try:
        # Without audio only the metadata is wanted: NONE asks for no transcode.
        listed = await client.recordings.list(cid, "WAV" if audio else "NONE")
        recordings = [r for r in listed if (r.media or "audio") == "audio"]
    except E.PermissionDenied:
        recordings = []
        review.notes.append("Not allowed to read recordings (recording:recording:view).")
    except E.TranscodeTimeout as e:
        recordings = []
        review.notes.append(f"The recordings are not ready: {e}")
    recordings.sort(key=lambda r: r.start_time.timestamp() if r.start_time else 0)
    if not recordings and not review.notes:
        review.notes.append("This conversation has no recording.")
    usable = []
    for r in recordings:
        if r.file_state == S.ARCHIVED:
            review.notes.append(
                f"Recording {r.id} is archived; restore it first (`genesys-tui fetch {cid} --restore`)."
            )
        else:
            usable.append(r)
    return recordings, usable


async def _load_audio(
    client: GenesysClient,
    review: Review,
    usable: list[Recording],
    cache: ReviewCache,
    audio: bool,
    peaks: bool,
    refresh: bool,
    say: Progress,
) -> set[Path]:
    """Each recording's audio from the cache (downloaded when missing or stale), or only its
    timeline without audio; the cache files in use."""
    cid = review.id
    keep: set[Path] = set()
    for n, r in enumerate(usable, 1):
        path = cache.recording(r.id or "")
        keep.add(path)
        if audio:
            say(f"recording {n} of {len(usable)}")
            meta = recording_meta(cid, r)
            try:
                if refresh or not cache.valid(path, meta):
                    cache.forget(path)
                    r = await fetch_recording(client, cid, r, path)
                else:
                    cache.touch(path)
                review.audio.append(await asyncio.to_thread(_open_audio, r, path, cache, peaks))
                cache.keep(path, meta)
            except MediaError as e:
                cache.forget(path)
                review.notes.append(f"Recording {r.id} could not be decoded: {e.problem}")
            except (E.NotFound, E.PresignedUrlExpired, E.NetworkError, E.ServerError) as e:
                review.notes.append(f"Recording {r.id} could not be downloaded: {e}")
        else:
            tl = RecordingTimeline.from_recording(r)
            review.audio.append(Audio(r, tl, path, 0, 0, 0))
    return keep
