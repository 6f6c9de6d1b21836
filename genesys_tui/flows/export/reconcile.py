"""Reconciliation: what an org was owed by its exports against what is in the bucket.

Owed: every conversation with a recording in the interval (and filters), from analytics, in start
order. Present: the bucket's objects for the same days, listed a day at a time. Each recording is
then one of:

- exported: its audio and its `_metadata.json` are there, neither empty (`--verify`: and the
  audio decodes to the length the metadata gives);
- incomplete: the audio without its metadata, or an empty object; corrupt: it does not decode,
  or decodes to another length;
- failed: an export job listed it in its failed recordings;
- archived: not in the bucket and archived in Genesys (exports of archived recordings take hours);
- missing: not in the bucket, for no reason Genesys gives;
- unexpected: in the bucket under this org, in an hour wholly inside the interval, but not owed
  by it (an hour the interval cuts holds other conversations too: those are not judged);
- orphaned: an orphan recording made in the interval (`GET /api/v2/orphanrecordings`): tied to no
  conversation, so no export ever carries it (reported; not counted as owed).

Only conversations absent from the bucket cost an API call (their recordings, to tell archived
from missing and name them). Memory holds one day's conversations and objects at a time."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from genesys_tui.core.csvcells import neutral
from genesys_tui.core.files import atomic_output, open_nofollow
from genesys_tui.flows.export.bucket import (
    SIDECAR_MAX,
    DirListing,
    Obj,
    S3Listing,
    day_prefixes,
    parse_key,
)
from genesys_tui.genesys.summaries import ConversationSummary

EXPORTED, INCOMPLETE, CORRUPT = "exported", "incomplete", "corrupt"
FAILED, ARCHIVED, MISSING, UNEXPECTED = "failed", "archived", "missing", "unexpected"
ORPHANED = "orphaned"  # a recording Genesys could not tie to a conversation: never exported
NOT_THERE = (INCOMPLETE, CORRUPT, FAILED, ARCHIVED, MISSING)  # owed and not (yet) delivered
FIELDS = (
    "conversation_id",
    "recording_id",
    "status",
    "key",
    "size",
    "duration_ms",
    "metadata_hash",
    "detail",
)


@dataclass
class Row:
    conversation_id: str
    recording_id: str
    status: str
    key: str = ""
    size: int = 0
    duration_ms: int | None = None
    metadata_hash: str = ""
    detail: str = ""


@dataclass
class Summary:
    counts: Counter = field(default_factory=Counter)
    conversations: int = 0
    skipped_by_jobs: int = 0  # what the export jobs counted as exported before
    verified: int = 0
    source: str = ""  # where the owed list came from: "query" or "jobs"

    @property
    def complete(self) -> bool:
        return not any(self.counts[s] for s in NOT_THERE)


@dataclass
class _Files:
    audio: Obj | None = None
    meta: Obj | None = None


class Manifest:
    """The rows as CSV and as JSON lines (`PATH.csv`, `PATH.jsonl`), written as they come into
    temporaries beside them (never through a link) and renamed into place once the run is whole;
    a run that fails leaves neither."""

    def __init__(self, base: Path) -> None:
        self.csv_path, self.jsonl_path = base.with_suffix(".csv"), base.with_suffix(".jsonl")

    @contextlib.contextmanager
    def writing(self) -> Iterator[Callable[[Row], None]]:
        with (
            atomic_output(self.csv_path) as csv_part,
            atomic_output(self.jsonl_path) as jsonl_part,
            open_nofollow(csv_part, "w") as c,
            open_nofollow(jsonl_part, "w") as j,
        ):
            writer = csv.DictWriter(c, FIELDS)
            writer.writeheader()

            def write(row: Row) -> None:
                d = asdict(row)
                writer.writerow({k: neutral(v) for k, v in d.items()})  # no formula runs
                j.write(json.dumps(d) + "\n")  # exact

            yield write


class _Days:
    """The window's days not yet reconciled, from the first: `before(d)` hands out (and passes)
    those before d, and skips d itself; before(None), all that are left."""

    def __init__(self, first: date | None, last: date | None) -> None:
        self.next, self.last = first, last

    def before(self, d: date | None) -> list[date]:
        out: list[date] = []
        if self.next is None or self.last is None:
            return out
        while self.next <= self.last and (d is None or self.next < d):
            out.append(self.next)
            self.next += timedelta(days=1)
        if d is not None and self.next == d:
            self.next += timedelta(days=1)
        return out


class Reconciler:
    def __init__(
        self,
        org_id: str,
        listing: S3Listing | DirListing,
        recordings_of: Callable,  # async (conversation id) -> list[Recording] (formatId NONE)
        failed: Iterable[tuple[str, str]] = (),
        *,
        verify: str | None = None,  # None, "sample" (about 1 in 20) or "all"
        duration_of: Callable[[Path], int] | None = None,  # a downloaded file's duration
        window: tuple[datetime, datetime] | None = None,  # the interval, for "unexpected"
    ) -> None:
        self.org_id, self.listing, self.recordings_of = org_id, listing, recordings_of
        self.window = window
        self.failed: dict[str, set[str]] = {}
        for conv, rec in failed:
            self.failed.setdefault(conv, set()).add(rec)
        self.verify = verify
        self.duration_of = duration_of or decoded_ms
        self.summary = Summary()

    # --- the stream ------------------------------------------------------------------------------

    async def run(self, owed, out: Callable[[Row], None]) -> Summary:
        """`owed`: an async iterator of ConversationSummary in start order. With a window, the
        days none of them started on are listed too (their objects are all unexpected)."""
        day: date | None = None
        todays: list[ConversationSummary] = []
        empty = self._days()
        async for s in owed:
            d = s.start.astimezone(UTC).date()
            if day is not None and d != day:
                await self._day(day, todays, out)
                todays = []
            for e in empty.before(d):
                await self._day(e, [], out)
            day = d
            todays.append(s)
        if day is not None:
            await self._day(day, todays, out)
        for e in empty.before(None):
            await self._day(e, [], out)
        return self.summary

    def _days(self) -> _Days:
        if self.window is None:
            return _Days(None, None)
        a, b = self.window
        return _Days(
            a.astimezone(UTC).date(), (b - timedelta(microseconds=1)).astimezone(UTC).date()
        )

    async def _day(self, day: date, owed: list[ConversationSummary], out) -> None:
        present: dict[str, dict[str, _Files]] = {}
        hours: dict[str, int] = {}
        for obj in self._objects(day):
            p = parse_key(obj.key, self.org_id)
            if p is None:  # under the day, but not the export layout (or a link to a folder)
                out(self._count(_stranger(obj)))
                continue
            if p.day != day:
                continue
            hours[p.conversation_id] = p.hour
            files = present.setdefault(p.conversation_id, {}).setdefault(p.recording_id, _Files())
            if p.is_metadata:
                files.meta = obj
            else:
                files.audio = obj
        self.summary.conversations += len(owed)
        for s in owed:
            cid = s.conversation_id
            recs = present.pop(cid, None)
            if recs is not None:
                for rid, files in recs.items():
                    out(self._count(await self._present(cid, rid, files)))
                for rid in self.failed.get(cid, set()) - set(recs):
                    out(self._count(Row(cid, rid, FAILED, detail="listed by the export job")))
                continue
            for row in await self._absent(cid):
                out(self._count(row))
        for cid, recs in present.items():  # what no owed conversation explains
            for rid, files in recs.items():
                if not self._judged(day, hours.get(cid, 0)):
                    continue
                obj = files.audio or files.meta
                out(
                    self._count(
                        Row(
                            cid,
                            rid,
                            UNEXPECTED,
                            obj.key if obj else "",
                            obj.size if obj else 0,
                            detail="not among the interval's conversations with recordings",
                        )
                    )
                )

    def _judged(self, day: date, hour: int) -> bool:
        """Whether the hour's objects all belong to the interval (so one not owed is unexpected)."""
        if self.window is None:
            return True
        a = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
        return self.window[0] <= a and a + timedelta(hours=1) <= self.window[1]

    def _objects(self, day: date) -> Iterator[Obj]:
        seen: set[str] = set()
        for prefix in day_prefixes(self.org_id, day):
            for obj in self.listing.objects(prefix):
                if obj.key not in seen:
                    seen.add(obj.key)
                    yield obj

    def _count(self, row: Row) -> Row:
        self.summary.counts[row.status] += 1
        return row

    async def _present(self, cid: str, rid: str, files: _Files) -> Row:
        audio, meta = files.audio, files.meta
        key = audio.key if audio else (meta.key if meta else "")
        row = Row(cid, rid, EXPORTED, key, audio.size if audio else 0)
        if meta is not None:
            row.metadata_hash = meta.etag
        for what, obj in (("the audio", audio), ("the metadata", meta)):
            if obj is not None and obj.problem:  # a link, a FIFO: never taken for the object
                row.status, row.size, row.detail = CORRUPT, 0, f"{what} is {obj.problem}"
                return row
        if audio is None or meta is None or not audio.size or not meta.size:
            row.status = INCOMPLETE
            row.detail = (
                "no audio"
                if audio is None
                else "no metadata"
                if meta is None
                else "an empty object"
            )
            return row
        if self._verifying(rid):
            await self._check(row, audio, meta)
        return row

    def _verifying(self, rid: str) -> bool:
        if self.verify == "all":
            return True
        return (
            self.verify == "sample"
            and int(hashlib.sha256(rid.encode()).hexdigest()[:4], 16) % 20 == 0
        )

    async def _check(self, row: Row, audio: Obj, meta: Obj) -> None:
        """Decode the audio in full and compare with the sidecar's duration. Memory stays flat:
        the sidecar is read to SIDECAR_MAX bytes at most, the audio streamed to a temporary
        file; whatever an object holds, it is a row of the manifest, never the end of the run."""
        import asyncio

        self.summary.verified += 1
        if meta.size > SIDECAR_MAX:
            row.status = CORRUPT
            row.detail = (
                f"the metadata is {meta.size:,} bytes: no sidecar is (at most {SIDECAR_MAX:,})"
            )
            return
        try:
            info = json.loads(await asyncio.to_thread(self.listing.read, meta.key, SIDECAR_MAX))
            want = info.get("durationMs") if isinstance(info, dict) else None
        except (ValueError, RecursionError):  # a hostile sidecar nests without end
            row.status, row.detail = CORRUPT, "the metadata is not JSON"
            return
        except Exception as e:  # noqa: BLE001 - unreadable, too big, gone: said in its row
            row.status, row.detail = CORRUPT, f"the metadata cannot be read: {e}"
            return
        try:
            got = await asyncio.to_thread(self._decoded, audio.key)
        except Exception as e:  # noqa: BLE001 - any decoder complaint means it does not play
            row.status, row.detail = CORRUPT, f"does not decode: {e}"
            return
        row.duration_ms = got
        if isinstance(want, int) and abs(got - want) > max(500, want // 100):
            row.status = CORRUPT
            row.detail = f"decodes to {got} ms, the metadata says {want} ms"

    def _decoded(self, key: str) -> int:
        with tempfile.TemporaryDirectory(prefix="genesys-tui-verify-") as d:
            path = Path(d) / "audio.opus"
            self.listing.download(key, path)
            return self.duration_of(path)

    async def orphans(self, found, start: datetime, end: datetime, out) -> None:
        """Rows for the orphan recordings made in [start, end): `found` yields (id, created,
        status)."""
        async for oid, created, status in found:
            if created is not None and start <= created < end:
                out(
                    self._count(Row("", oid, ORPHANED, detail=f"orphan ({status}): never exported"))
                )

    async def _absent(self, cid: str) -> list[Row]:
        failed = self.failed.get(cid, set())
        named = [Row(cid, r, FAILED, detail="listed by the export job") for r in sorted(failed)]
        try:
            recs = await self.recordings_of(cid)
        except Exception as e:  # noqa: BLE001 - still rows, with why they are not known better
            return named or [
                Row(cid, "", MISSING, detail=f"not in the bucket; its recordings: {e}")
            ]
        rows = [r for r in named]
        for r in recs:
            rid = r.id or ""
            if rid in failed:
                continue
            if (r.file_state or "").upper() == "ARCHIVED":
                rows.append(Row(cid, rid, ARCHIVED, detail="archived: its export takes hours"))
            else:
                rows.append(Row(cid, rid, MISSING, detail="not in the bucket"))
        return rows or [
            Row(cid, "", MISSING, detail="not in the bucket; Genesys lists no recording")
        ]


def decoded_ms(path: Path) -> int:
    """How long the audio is, decoded in full (so a cut or damaged file says so)."""
    from genesys_tui.media import decode

    info = decode.probe(path)
    frames = sum(len(b) for b in decode.blocks(info))
    return int(frames * 1000 / info.rate)


def _stranger(obj: Obj) -> Row:
    """An object under the org's day that is not the export's: counted as unexpected."""
    why = obj.problem or "not in the export layout (conversation_id=ID/RECORDING_ID.EXT)"
    return Row("", "", UNEXPECTED, obj.key, obj.size, detail=why)


def summary_text(s: Summary, since: datetime | None = None) -> str:
    order = (EXPORTED, INCOMPLETE, CORRUPT, FAILED, ARCHIVED, MISSING, UNEXPECTED, ORPHANED)
    parts = [f"{s.counts[k]} {k}" for k in order if s.counts[k]]
    buf = io.StringIO()
    buf.write(
        f"{s.conversations} conversations owed recordings: " + (", ".join(parts) or "nothing")
    )
    if s.verified:
        buf.write(f"; {s.verified} decoded and checked")
    if s.skipped_by_jobs:
        buf.write(f"; the jobs skipped {s.skipped_by_jobs} as exported before")
    if s.source == "jobs":
        buf.write(" (conversations from an analytics details job)")
    return buf.getvalue()
