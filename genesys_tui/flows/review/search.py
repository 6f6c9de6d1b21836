"""Searching calls for what was said: Genesys's transcript search where the org has it (the
conversations, then each transcript through Review's cache for where in the call), else scanning
the transcripts of the interval's calls through the same cache. Either way a hit is a moment:
the call, the recording, the time in it, who said it and the phrase."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum

from genesys_tui.flows.review.links import Moment
from genesys_tui.flows.review.service import ReviewService
from genesys_tui.flows.review.session import ReviewError
from genesys_tui.flows.review.text_index import said_of
from genesys_tui.genesys import errors as E
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.transcript_search import TranscriptSearch, content_kept_since

MAX_CALLS = 5000  # transcripts read by one search, at most


class How(StrEnum):
    """How the calls were found: Genesys's transcript search, a scan of the transcripts, or both
    (the search, then a scan of calls too old for it)."""

    SEARCH, SCAN, BOTH = "search", "scan", "search and scan"


HOW = {
    How.SEARCH: "Genesys's transcript search",
    How.SCAN: "scanning transcripts",
    How.BOTH: "Genesys's transcript search and scanning the older calls",
}


@dataclass(frozen=True)
class Hit:
    moment: Moment
    role: str
    text: str
    span: tuple[int, int] = (0, 0)  # where in the text the words matched


def around(text: str, span: tuple[int, int], width: int) -> tuple[str, tuple[int, int]]:
    """The part of a phrase that fits `width` characters with the match in sight: context on
    both sides, `…` where it is cut. Returns it and where the match is in it."""
    a, b = span
    if len(text) <= width:
        return text, span
    inner = max(1, width - 2)  # room for the text between the two ellipses
    if b - a >= inner:  # the match alone is too long: its start
        return "…" + text[a : a + inner] + "…", (1, 1 + inner)
    start = max(0, a - (inner - (b - a)) // 2)
    end = min(len(text), start + inner)
    start = max(0, end - inner)
    if start == 0:  # no ellipsis before: one more character after
        end = min(len(text), end + 1)
    elif end == len(text):
        start -= 1
    pre, post = ("…" if start > 0 else ""), ("…" if end < len(text) else "")
    return pre + text[start:end] + post, (a - start + len(pre), b - start + len(pre))


@dataclass
class Found:
    mode: How
    hits: list[Hit] = field(default_factory=list)
    calls: int = 0  # calls read (with or without a transcript)
    notes: list[str] = field(default_factory=list)
    started: dict[str, datetime] = field(default_factory=dict)  # when each call with a hit began


def _words(text: str) -> tuple[str, ...]:
    words = tuple(re.sub(r"[^\w' ]+", " ", text.lower()).split())
    if not words:
        raise ValueError("search for at least one word")
    return words


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
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
    words = _words(text)
    pattern = _pattern(words)
    client = service.client
    found = Found(How.SCAN if scan else How.SEARCH)
    calls: list[tuple[str, datetime | None, datetime | None]] = []  # id, start, end
    older = end  # calls that started before this are scanned
    if not scan:
        # Genesys keeps transcript content searchable for 60 days: older calls are scanned.
        kept = max(start, content_kept_since(now or datetime.now(UTC)))
        try:
            if kept < end:
                calls = [
                    (c, None, None)
                    async for c in TranscriptSearch(client.api).conversations(text, kept, end)
                ]
                older = kept
            else:
                found.mode = How.SCAN
        except (E.PermissionDenied, E.NotFound) as e:
            found.mode, older = How.SCAN, start  # (no word of the 60 days then)
            found.notes.append(f"transcript search is not available ({e.message}): scanning")
        if found.mode == How.SEARCH and flt is not None and flt != ConversationFilter():
            # Genesys's search knows no queue, agent or wrap-up: the listing narrows it
            wanted = {s.conversation_id async for s in listed_calls(client, kept, end, flt)}
            calls = [c for c in calls if c[0] in wanted]
        if start < older:
            found.notes.append(
                f"Genesys keeps transcripts searchable for 60 days: calls before "
                f"{older:%Y-%m-%d %H:%M} UTC were scanned one by one"
            )
            if found.mode == How.SEARCH:
                found.mode = How.BOTH
    scan_to = end if found.mode == How.SCAN else older
    if start < scan_to:
        async for s in listed_calls(client, start, scan_to, flt):
            calls.append((s.conversation_id, s.start, s.end))
            if len(calls) > MAX_CALLS:
                break  # a huge interval is not listed whole to be cut afterwards
    if len(calls) > MAX_CALLS:
        found.notes.append(f"only the first {MAX_CALLS} calls were read: narrow the interval")
        calls = calls[:MAX_CALLS]
    # The full-text index answers for every call it holds at once: a listed call it knows (the
    # same start and end) costs nothing more; the others are read (or opened) one by one.
    index = service.cache.index
    local = index.find(words)
    for n, (cid, began, ended) in enumerate(calls, 1):
        kept = local[0].get(cid) if local is not None else None
        if kept is not None and (
            index.same_call(kept, began, ended)
            if began is not None
            # Found by Genesys's search (no times given): a call indexed after it ended has a
            # transcript that no longer changes, so a warm search opens nothing.
            else kept[0] is not None and kept[1] is not None
        ):
            said = local[1].get(cid, [])
            if began is None:
                began = datetime.fromtimestamp(kept[0] / 1000, UTC)
        else:
            said, began = await _said(service, cid, began, ended, words)
        if said is not None:
            found.calls += 1
            hits = [
                Hit(Moment(cid, s.recording, s.ms), s.role, s.text, m.span())
                for s in said
                if (role is None or s.role == role) and (m := pattern.search(s.text))
            ]
            if hits and began is not None:
                found.started[cid] = began
            found.hits += hits
        if progress:
            progress(n, len(calls))
        if n % 50 == 0:
            await asyncio.sleep(0)  # indexed calls never wait: let a screen draw the progress
    return found


async def _said(service: ReviewService, cid: str, began, ended, words):
    """What the call said, and when it began: from the local index when the listing says it is
    the same call, else by opening it (which indexes it). (None, …) when it cannot be opened."""
    if began is not None:
        said = service.cache.index.get(cid, began, ended, words)
        if said is not None:
            return said, began
    try:
        review = await service.open(cid, audio=False)
    except ReviewError:
        return None, began
    return said_of(review), review.conversation.start_time


def listed_calls(client, start, end, flt):
    """The interval's ended calls with a recording (those that can have a transcript)."""
    wanted = replace(flt or ConversationFilter(), has_recording=True, ended=True)
    return client.analytics.iter_conversations(start, end, wanted)
