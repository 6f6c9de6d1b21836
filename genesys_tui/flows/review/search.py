"""Searching calls for what was said: Genesys's transcript search where the org has it (the
conversations, then each transcript through Review's cache for where in the call), else scanning
the transcripts of the interval's calls through the same cache. Either way a hit is a moment:
the call, the recording, the time in it, who said it and the phrase."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from genesys_tui.flows.review.links import Moment
from genesys_tui.flows.review.service import ReviewService
from genesys_tui.flows.review.session import ReviewError
from genesys_tui.genesys import errors as E
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.transcript_search import TranscriptSearch, content_kept_since

MAX_CALLS = 5000  # transcripts read by one search, at most


@dataclass(frozen=True)
class Hit:
    moment: Moment
    role: str
    text: str


@dataclass
class Found:
    mode: str  # search | scan
    hits: list[Hit] = field(default_factory=list)
    calls: int = 0  # transcripts read
    notes: list[str] = field(default_factory=list)


def _pattern(text: str) -> re.Pattern[str]:
    words = re.sub(r"[^\w' ]+", " ", text.lower()).split()
    if not words:
        raise ValueError("search for at least one word")
    return re.compile(r"\b" + r"\W+".join(re.escape(w) for w in words) + r"\b", re.IGNORECASE)


async def search_calls(
    service: ReviewService,
    text: str,
    start: datetime,
    end: datetime,
    *,
    role: str | None = None,
    flt: ConversationFilter | None = None,
    scan: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    now: datetime | None = None,
) -> Found:
    pattern = _pattern(text)
    client = service.client
    found = Found("scan" if scan else "search")
    ids: list[str] = []
    if not scan:
        try:
            ids = [c async for c in TranscriptSearch(client.api).conversations(text, start, end)]
        except (E.PermissionDenied, E.NotFound) as e:
            found.mode = "scan"
            found.notes.append(f"transcript search is not available ({e.message}): scanning")
        kept = content_kept_since(now or datetime.now(UTC))
        if found.mode == "search" and start < kept:
            found.notes.append(
                f"Genesys keeps transcripts searchable for 60 days: calls before "
                f"{kept:%Y-%m-%d} are not found by search (--scan reads them)"
            )
        if found.mode == "search" and flt is not None and (flt.queue_ids or flt.user_ids):
            wanted = {s.conversation_id async for s in _listed(client, start, end, flt)}
            ids = [i for i in ids if i in wanted]
    if found.mode == "scan":
        ids = [s.conversation_id async for s in _listed(client, start, end, flt)]
    ids = ids[:MAX_CALLS]
    for n, cid in enumerate(ids, 1):
        try:
            review = await service.open(cid, audio=False)
        except ReviewError:
            continue
        found.calls += 1
        t = review.transcript
        if t is not None:
            rec_ids = [a.id for a in review.audio]
            several = len(rec_ids) > 1
            for p in t.phrases:
                if (role is None or p.role == role) and pattern.search(p.text):
                    k = rec_ids.index(p.recording_id) + 1 if p.recording_id in rec_ids else None
                    moment = Moment(cid, k if several else None, p.media_ms or 0)
                    found.hits.append(Hit(moment, p.role, p.text))
        if progress:
            progress(n, len(ids))
    return found


def _listed(client, start, end, flt):
    from dataclasses import replace

    wanted = replace(flt or ConversationFilter(), has_recording=True, ended=True)
    return client.analytics.iter_conversations(start, end, wanted)
