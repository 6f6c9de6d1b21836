"""From a job to a presigned URL. Per recording: GET .../recordings with the wanted formatId (202
means wait). In bulk: POST /api/v2/recording/batchrequests, 100 items a time, gathered from every
job waiting for a URL, so a 1,000-recording pull costs a few dozen API calls."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from genesys_tui.genesys import errors as E
from genesys_tui.genesys import states as S
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.modelbase import iso
from genesys_tui.genesys.models import Recording
from genesys_tui.genesys.pacing import pacing
from genesys_tui.genesys.recordings import BATCH_LIMIT, CONTENT_TYPE_EXT

log = logging.getLogger("genesys_tui.flows.pull.resolve")

# Job format -> the formatId to ask Genesys for (None: the original codec, through a batch request).
SOURCE_FORMAT = {"wav": "WAV", "mono": "WAV", "split": "WAV", "webm": "WEBM", "original": None}


Note = Callable[[str], None]  # hears, in a few words, where a job's planning stands
Early = Callable[["Media"], None]  # hears of each recording a batch has ready before it ends


def _quiet(_text: str) -> None:
    pass


# post_recording_batchrequests (RecordingApi.md, SDK 257.1.0): "If the
# recording:recording:viewSensitiveData permission is missing and the organization has sensitive
# data redaction enabled, recordings with sensitive data will be excluded from the batch
# download": no result, no error. A recording the conversation has but the batch did not return.
LEFT_OUT = (
    "left out of the batch download by Genesys: most likely it holds sensitive data (PCI DSS or "
    "PII), the org redacts it, and this client lacks recording:recording:viewSensitiveData; "
    "grant that, or `fetch --format wav` for the redacted audio"
)


class Unavailable(Exception):
    """The recording cannot be had (deleted, no media, an error from the batch)."""


@dataclass
class Media:
    recording_id: str
    url: str | None
    size: int | None = None
    duration_ms: int | None = None
    content_type: str | None = None
    ext: str = "bin"
    recording: dict[str, Any] = field(default_factory=dict)  # for the sidecar
    archived: bool = False
    error: str | None = None


def recording_info(r: Recording) -> dict[str, Any]:
    return {
        "id": r.id,
        "startTime": iso(r.start_time),
        "endTime": iso(r.end_time),
        "fileState": r.file_state,
        "durationMs": r.output_duration_ms,
        "sessionId": r.session_id,
        "annotations": [
            {
                "reason": a.reason,
                "realtimeLocation": a.realtime_location,
                "recordingLocation": a.recording_location,
                "durationMs": a.duration_ms,
                "recordingDurationMs": a.recording_duration_ms,
            }
            for a in r.annotations
        ],
    }


def media_from_recording(r: Recording, format_id: str) -> Media:
    from genesys_tui.genesys.recordings import EXTENSIONS

    archived = r.file_state in (S.ARCHIVED, S.RESTORING)
    return Media(
        r.id or "",
        r.media_uri(),
        r.output_size_in_bytes,
        r.output_duration_ms,
        None,
        EXTENSIONS.get(format_id, "bin"),
        recording_info(r),
        archived=archived,
        error=None if r.media_uri() or archived else f"no media (file state {r.file_state})",
    )


class Resolver:
    def __init__(
        self,
        client: GenesysClient,
        *,
        batch: bool,
        api_slots: int = 4,
        window_s: float = 0.1,
        poll_s: float | None = None,
    ):
        self.client = client
        self.batch = batch
        self.api = asyncio.Semaphore(api_slots)
        self.window_s = window_s
        self.poll_s = pacing().batch if poll_s is None else poll_s
        self._pending: list[tuple[str, str | None, asyncio.Future, Note, Early | None]] = []
        self._flush: asyncio.Task | None = None
        self._lists: dict[tuple[str, str], asyncio.Task] = {}
        self._batches = 0  # batch requests submitted so far (for "batch n of m")

    def uses_batch(self, fmt: str, batch: bool = False) -> bool:
        return self.batch or batch or SOURCE_FORMAT[fmt] is None

    # --- per conversation / recording ------------------------------------------------------------

    async def _list(self, conversation_id: str, format_id: str) -> list[Media]:
        async with self.api:
            recs = await self.client.recordings.list(conversation_id, format_id)
        return [media_from_recording(r, format_id) for r in recs]

    async def expand(
        self,
        conversation_id: str,
        fmt: str,
        batch: bool = False,
        note: Note = _quiet,
        early: Early | None = None,
    ) -> list[Media]:
        """Every recording of a conversation, with URLs when it can have them. `note` hears
        where it stands (in which batch, how far Genesys has got); `early` hears of each
        recording a batch has ready while Genesys still prepares the rest (the list returned at
        the end holds them too)."""
        if self.uses_batch(fmt, batch):
            note("waiting to join a batch request")
            return await self._batched(conversation_id, None, note, early)
        note("listing the recordings")
        format_id = SOURCE_FORMAT[fmt]
        key = (conversation_id, format_id)
        if key not in self._lists:  # several callers share one listing
            self._lists[key] = asyncio.ensure_future(self._list(conversation_id, format_id))
        try:
            return await self._lists[key]
        finally:
            self._lists.pop(key, None)

    async def media(
        self, conversation_id: str, recording_id: str, fmt: str, batch: bool = False
    ) -> Media:
        """A fresh URL for one recording (also after a 403 from an expired one)."""
        if self.uses_batch(fmt, batch):
            found = await self._batched(conversation_id, recording_id)
            if not found:
                raise Unavailable(f"recording {recording_id} was not in the batch result")
            return found[0]
        format_id = SOURCE_FORMAT[fmt]
        async with self.api:
            try:
                r = await self.client.recordings.get(conversation_id, recording_id, format_id)
            except E.RecordingArchived:
                return Media(recording_id, None, archived=True)
        return media_from_recording(r, format_id)

    async def restore(self, conversation_id: str, recording_id: str) -> None:
        async with self.api:
            await self.client.recordings.restore(conversation_id, recording_id)

    # --- batch requests ----------------------------------------------------------------------------

    async def _batched(
        self,
        conversation_id: str,
        recording_id: str | None,
        note: Note = _quiet,
        early: Early | None = None,
    ) -> list[Media]:
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending.append((conversation_id, recording_id, fut, note, early))
        if len(self._pending) >= BATCH_LIMIT:
            self._submit_now()
        elif self._flush is None:
            self._flush = asyncio.ensure_future(self._flush_later())
        return await fut

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.window_s)
        self._flush = None
        if self._pending:
            self._submit_now()

    def _submit_now(self) -> None:
        items, self._pending = self._pending[:BATCH_LIMIT], self._pending[BATCH_LIMIT:]
        asyncio.ensure_future(self._run_batch(items))
        if self._pending and self._flush is None:
            self._flush = asyncio.ensure_future(self._flush_later())

    async def _recorded(self, conversation_id: str) -> set[str]:
        """The ids of the conversation's audio recordings (empty when they cannot be read)."""
        try:
            async with self.api:
                found = await self.client.recordings.metadata(conversation_id)
        except E.GenesysError:
            return set()
        return {m.id for m in found if m.id and (m.media or "audio").lower() == "audio"}

    def _tell(self, items, text: str) -> None:
        for _, _, _, note, _ in items:
            note(text)

    async def _run_batch(
        self, items: list[tuple[str, str | None, asyncio.Future, Note, Early | None]]
    ) -> None:
        self._batches += 1
        n = self._batches
        of = n + -(-len(self._pending) // BATCH_LIMIT)  # and those still being gathered
        told: set[str] = set()  # recordings already handed out while the batch ran
        try:
            self._tell(items, f"batch {n} of {of}: submitting {len(items)} to Genesys")
            async with self.api:
                job = await self.client.recordings.submit_batch([(c, r) for c, r, *_ in items])
            polls = 0
            while True:
                # Soon at first, then at the usual pace: a batch's first results are often ready
                # within a second, and each is downloaded as soon as it is.
                await asyncio.sleep(min(self.poll_s, 0.25 * 2**polls))
                polls += 1
                async with self.api:
                    status = await self.client.recordings.batch_status(job)
                if status.done:
                    break
                self._hand_out_ready(items, status.results, told)
                ready, expected = status.result_count or 0, status.expected_result_count
                # expectedResultCount "could change as recordings are being discovered": as many
                # ready as expected is not the end, only `Completed` is
                if expected is not None and expected > ready:
                    doing = f"Genesys is preparing {expected} recordings: {ready} ready"
                else:
                    doing = f"Genesys is still preparing the batch: {ready} recordings ready so far"
                self._tell(items, f"batch {n} of {of}: {doing}")
            log.info("batch %s: %d results for %d items", job, len(status.results), len(items))
            # A whole conversation with nothing in the result: what does it hold? (Only then: a
            # call a conversation would cost what the batch saves. A conversation partly left out
            # is not seen.)
            answered = {x.conversation_id for x in status.results}
            empty = list(dict.fromkeys(c for c, r, *_ in items if r is None and c not in answered))
            holdings = await asyncio.gather(*(self._recorded(c) for c in empty))
            held = dict(zip(empty, holdings, strict=True))
            for conv, rec, fut, *_ in items:
                media = [
                    _batch_media(r)
                    for r in status.results
                    if r.conversation_id == conv and (rec is None or r.recording_id == rec)
                ]
                if rec is None and held.get(conv):
                    media += [Media(rid, None, error=LEFT_OUT) for rid in sorted(held[conv])]
                    log.warning("batch %s: %s left out (%d recordings)", job, conv, len(held[conv]))
                if not fut.done():
                    fut.set_result(media)
        except BaseException as e:  # every waiter learns what happened
            for _, _, fut, *_ in items:
                if not fut.done():
                    fut.set_exception(
                        e if isinstance(e, Exception) else RuntimeError("batch cancelled")
                    )
            if not isinstance(e, Exception):
                raise

    @staticmethod
    def _hand_out_ready(items, results, told: set[str]) -> None:
        """While the batch runs: a recording asked for by id is answered once its URL is ready;
        a conversation's recordings go to its `early` listener one by one."""
        for conv, rec, fut, _, early in items:
            if fut.done() or (rec is None and early is None):
                continue
            for r in results:
                if r.conversation_id != conv or not r.result_url or r.recording_id in told:
                    continue
                if rec is None:
                    told.add(r.recording_id or "")
                    early(_batch_media(r))
                elif r.recording_id == rec:
                    fut.set_result([_batch_media(r)])


def _batch_media(r) -> Media:
    ctype = (r.content_type or "").split(";")[0].strip().lower()
    archived = bool(r.error_msg and "archiv" in r.error_msg.lower())
    return Media(
        r.recording_id or "",
        r.result_url,
        content_type=ctype or None,
        ext=CONTENT_TYPE_EXT.get(ctype, "bin"),
        archived=archived,
        error=None if r.result_url else (r.error_msg or "no result"),
    )
