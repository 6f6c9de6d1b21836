"""Emulated API: transcript search, `POST /api/v2/speechandtextanalytics/transcripts/search`
(reference 5.1, addendum 2). A TranscriptSearchRequest's criteria (EXACT, EXACT_PHRASE, PHRASE on
`transcript.content`; EXACT on `mediaType`, `language`, `divisionId`, `conversationId`; DATE_RANGE on
`conversationStartTime` with its Java `dateFormat`), combined by `operator` AND/OR/NOT and nested
`group`s; results a page at a time, never past the first 1,000. Transcript content is searchable
for 60 days; the metadata for 18 months. Results carry no highlight (no model has one). What
EXACT and PHRASE mean word for word is UNCONFIRMED: here EXACT is a whole word, EXACT_PHRASE the
words in a row, PHRASE every word anywhere. Words are compared as a search engine's analysed text
compares them (Elasticsearch's match_phrase with its standard analyzer, say): case and punctuation
between words do not count, so "eight your" is said in "Eight. Your"; also UNCONFIRMED."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from genesys_tui.emulator import documents as docs
from genesys_tui.emulator.errors import bad_request
from genesys_tui.emulator.request_helpers import json_body
from genesys_tui.emulator.search_index import SearchIndex
from genesys_tui.emulator.tokens import Token

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator

MAX_PAGE_SIZE = 100  # UNCONFIRMED (addendum 2); practitioners use 100
MAX_RESULTS = 1000
CONTENT_MS = 60 * 86_400_000
METADATA_MS = 548 * 86_400_000  # 18 months
TYPES = ("transcripts", "transcripts_metadata")
CONTENT = ("EXACT", "EXACT_PHRASE", "PHRASE")
KINDS = (*CONTENT, "DATE_RANGE", "RANGE", "GREATER_THAN", "LESS_THAN", "REQUIRED_FIELDS")
_JAVA = [("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S")]


def _java_time(value: Any, pattern: Any) -> int:
    """A time given with a Java date pattern (yyyy-MM-dd'T'HH:mm:ss[.SSS][X]) as epoch ms."""
    if not isinstance(value, str):
        raise bad_request("startValue and endValue must be strings")
    if pattern is None:
        text = value
    elif isinstance(pattern, str):
        text = value
        if "'T'" not in pattern and "T" in value:
            raise bad_request(f"{value!r} does not match the dateFormat {pattern!r}")
    else:
        raise bad_request("dateFormat must be a string")
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"{value!r} does not match the dateFormat {pattern!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def _words(value: Any) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        raise bad_request("a content criterion needs a value")
    return re.sub(r"[^\w' ]+", " ", value.lower()).split()


class _Eval:
    """One request's criteria over its candidates (conversation indices) at once: a boolean per
    candidate. Content comes from the index; the rest from the org's columns."""

    def __init__(self, emu: Emulator, cand: np.ndarray, now: int) -> None:
        self.emu, self.cand, self.now = emu, cand, now

    def all(self, criteria: list) -> np.ndarray:
        ok = np.ones(self.cand.size, bool)
        anys: list[np.ndarray] = []
        for c in criteria:
            op = (c.get("operator") or "AND").upper() if isinstance(c, dict) else "AND"
            if op not in ("AND", "OR", "NOT"):
                raise bad_request("operator must be AND, OR or NOT")
            hit = self.one(c)
            if op == "AND":
                ok &= hit
            elif op == "NOT":
                ok &= ~hit
            else:
                anys.append(hit)
        if anys:
            ok &= np.logical_or.reduce(anys)
        return ok

    def one(self, c: Any) -> np.ndarray:
        if not isinstance(c, dict):
            raise bad_request("each criterion must be an object")
        kind = c.get("type")
        group = c.get("group")
        if group is not None:
            if not isinstance(group, list):
                raise bad_request("group must be a list of criteria")
            return self.all(group)
        if kind not in KINDS:
            raise bad_request(f"type must be one of {', '.join(KINDS)}")
        fields = c.get("fields") or []
        if not isinstance(fields, list) or not fields:
            raise bad_request("fields is required")
        org, cand = self.emu.org, self.cand
        if "transcript.content" in fields:
            if kind not in CONTENT:
                raise bad_request(f"transcript.content takes {', '.join(CONTENT)}")
            words = _words(c.get("value"))
            fresh = self.now - org.start[cand] <= CONTENT_MS  # content is searchable 60 days
            return fresh & self.emu.search_index.having(cand, words, kind == "EXACT_PHRASE")
        if kind == "DATE_RANGE":
            a, b = _date_range(c, fields)
            return (org.start[cand] >= a) & (org.start[cand] < b)
        if kind == "EXACT":
            values = c.get("values") or ([c.get("value")] if c.get("value") is not None else [])
            known = ("mediaType", "language", "divisionId", "conversationId")
            unknown = [f for f in fields if f not in known]
            if unknown:
                raise bad_request(f"cannot search on {unknown[0]!r}")
            out = np.zeros(cand.size, bool)
            wanted = [str(v).lower() for v in values]
            for f in fields:
                if f in ("mediaType", "language"):
                    out |= ("call" if f == "mediaType" else "en-us") in wanted
                elif f == "divisionId":
                    divisions = [d[0].lower() for d in org.divisions]
                    ks = [k for k, d in enumerate(divisions) if d in wanted]
                    qdiv = np.array([q.division for q in org.queues])
                    out |= np.isin(qdiv[org.queue[cand]], ks)
                else:
                    ks = [k for v in wanted if (k := org.find(v)) is not None]
                    out |= np.isin(cand, ks)
            return out
        raise bad_request(f"{kind} is not supported on {fields}")


def _date_range(c: dict, fields: list) -> tuple[int, int]:
    if fields != ["conversationStartTime"]:
        raise bad_request("DATE_RANGE applies to conversationStartTime")
    a = _java_time(c.get("startValue"), c.get("dateFormat"))
    b = _java_time(c.get("endValue"), c.get("dateFormat"))
    return a, b


def _candidates(emu: Emulator, query: list, now: int) -> np.ndarray:
    """The conversations a search can return, narrowed by the top-level date ranges that every
    result must meet, before the index is asked: a day's search indexes that day's calls only."""
    org = emu.org
    mask = ~org.live & org.transcribed & org.recorded & (now - org.start <= METADATA_MS)
    for c in query:
        if (
            isinstance(c, dict)
            and c.get("type") == "DATE_RANGE"
            and (c.get("operator") or "AND").upper() == "AND"
            and c.get("group") is None
        ):
            a, b = _date_range(c, c.get("fields") or [])
            mask &= (org.start >= a) & (org.start < b)
    cand = np.flatnonzero(mask)
    return cand[emu.search_index.transcribed(cand)]


async def transcripts_search(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The body must be a TranscriptSearchRequest")
    types = body.get("types")
    if not isinstance(types, list) or not types or any(t not in TYPES for t in types):
        raise bad_request("types is required: transcripts and/or transcripts_metadata")
    query = body.get("query") or []
    if not isinstance(query, list):
        raise bad_request("query must be a list of criteria")
    try:
        size = int(body.get("pageSize", 25))
        number = int(body.get("pageNumber", 1))
    except (TypeError, ValueError):
        raise bad_request("pageSize and pageNumber must be integers") from None
    if not 1 <= size <= MAX_PAGE_SIZE or number < 1:
        raise bad_request(f"pageSize must be 1 to {MAX_PAGE_SIZE}, pageNumber at least 1")
    if size * number > MAX_RESULTS:
        raise bad_request(f"Paging only goes through the first {MAX_RESULTS} results")
    org, now = emu.org, emu.now_ms()
    if emu.search_index is None:
        emu.search_index = SearchIndex(org)
    index = emu.search_index

    def matching() -> np.ndarray:
        with index.lock:  # one request indexes at a time; the next finds its calls done
            cand = _candidates(emu, query, now)
            return cand[_Eval(emu, cand, now).all(query)]

    # In a thread: a day's calls indexed the first time take seconds, and the other requests
    # (and a client's retry, which then waits on the lock) are answered meanwhile.
    found = await run_in_threadpool(matching)
    desc = (body.get("sortOrder") or "DESC").upper() != "ASC"
    found = found[np.argsort(org.start[found], kind="stable")]
    if desc:
        found = found[::-1]

    # Addendum 2, `types` (DC-TS): `transcripts` are "individual transcripts" (a transferred call,
    # one transcript a recorded leg, comes back once for each), `transcripts_metadata` is "grouped
    # by conversation" with `totalTranscripts`. `total`, the pages and the 1,000 cap count rows.
    def transcripts(i: int) -> int:
        return emu.search_index.transcripts(i)

    per_transcript = "transcripts" in types
    counts = emu.search_index.counts(found) if per_transcript else np.ones(found.size, np.int64)
    rows = np.repeat(found, counts)
    page = rows[(number - 1) * size : number * size].tolist()
    results = []
    for i in page:
        d = org.detail(i)
        doc = {
            "conversationId": d.id,
            "communicationId": d.communication_id,
            "mediaType": "call",
            "conversationStartTime": docs.iso_ms(int(org.start[i])),
            "language": "en-us",
            "divisionId": d.division_id,
        }
        if "transcripts_metadata" in types:
            doc["totalTranscripts"] = transcripts(i)
        fields = body.get("returnFields")
        if isinstance(fields, list) and fields:
            doc = {k: v for k, v in doc.items() if k in fields}
        results.append(doc)
    return JSONResponse(
        {
            "total": int(rows.size),
            "pageCount": -(-int(rows.size) // size),
            "pageSize": size,
            "pageNumber": number,
            "types": types,
            "results": results,
        }
    )


ROUTES = [
    (
        "POST",
        "/api/v2/speechandtextanalytics/transcripts/search",
        transcripts_search,
        "transcripts.search",
    )
]
