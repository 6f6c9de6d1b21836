"""What each reviewed call said, as plain text beside Review's cache: one small file a call
(`<cache>/review/index/{id}.json`), written whenever a transcript is opened, so a search across
calls already seen reads a few kilobytes a call instead of asking Genesys for each again.

An entry is used only while the call's start and end still match what the listing says (an id
can name another call after a re-seed or a restore): the same rule as the cached files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from genesys_tui.core.files import read_capped, write_bytes
from genesys_tui.core.ids import safe_id

VERSION = 2
SLACK_MS = 1000  # the conversation and the analytics record may round times differently
MAX_ENTRY = 16 << 20  # bytes: a day-long call says a few MB; a bigger entry is not ours


@dataclass(frozen=True)
class Said:
    recording: int | None  # 1-based, only when the call has several recordings
    ms: int  # position in that recording
    role: str
    text: str


def _ms(dt: datetime | None) -> int | None:
    return int(dt.timestamp() * 1000) if dt else None


class TextIndex:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, conversation_id: str) -> Path:
        return self.root / f"{safe_id(conversation_id)}.json"

    def put(self, review) -> None:
        """Record what a loaded Review's transcript says (nothing, for a call without one).
        Two lines: a header saying which call, then the phrases, so a search reads the header
        and looks for its words in the text before parsing anything."""
        conv = review.conversation
        head = {"v": VERSION, "start": _ms(conv.start_time), "end": _ms(conv.end_time)}
        rows = [[s.recording, s.ms, s.role, s.text] for s in said_of(review)]
        text = json.dumps(head) + "\n" + json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        write_bytes(self.path(review.id), text.encode())

    def get(
        self,
        conversation_id: str,
        start: datetime | None,
        end: datetime | None,
        words: tuple[str, ...] = (),
    ) -> list[Said] | None:
        """The call's phrases, or None when it is not indexed or the entry is for another call.
        With `words` (lower case), a call whose text lacks one of them gives [] unparsed."""
        try:
            raw = read_capped(self.path(conversation_id), MAX_ENTRY).decode()
            head_line, _, body = raw.partition("\n")
            head = json.loads(head_line)
            if head.get("v") != VERSION or not _near(head.get("start"), _ms(start)):
                return None
            if not _near(head.get("end"), _ms(end)):
                return None
            if words:
                folded = body.lower()
                if not all(w in folded for w in words):
                    return []
            return [
                Said(k if isinstance(k, int) else None, int(ms), str(role), str(text))
                for k, ms, role, text in json.loads(body)
            ]
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return None  # missing, cut or tampered with: read from Genesys again


def said_of(review) -> list[Said]:
    """A loaded Review's phrases, placed in its recordings (a number only when there are several)."""
    if review.transcript is None:
        return []
    ids = [a.id for a in review.audio]
    several = len(ids) > 1
    return [
        Said(
            ids.index(p.recording_id) + 1 if several and p.recording_id in ids else None,
            p.media_ms or 0,
            p.role,
            p.text,
        )
        for p in review.transcript.phrases
    ]


def _near(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return isinstance(a, int) and abs(a - b) <= SLACK_MS
