"""What each reviewed call said, beside Review's cache, written whenever a transcript is opened: an
SQLite full-text index (FTS5, in the standard library) that a search across calls asks once for
the phrases holding its words, whatever the number of calls; and one small plain-text file a call
(`<cache>/review/index/{id}.json`), read where the index cannot answer (a damaged or missing
database: the raw-text fallback).

An entry is used only while the call's start and end still match what the listing says (an id
can name another call after a re-seed or a restore): the same rule as the cached files."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from genesys_tui.core.files import read_capped, write_bytes
from genesys_tui.core.ids import safe_id

VERSION = 2
SLACK_MS = 1000  # the conversation and the analytics record may round times differently
MAX_ENTRY = 16 << 20  # bytes: a day-long call says a few MB; a bigger entry is not ours
DB_NAME = "said.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id TEXT PRIMARY KEY, start INTEGER, end INTEGER, first INTEGER NOT NULL, n INTEGER NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS said USING fts5(
    text, cid UNINDEXED, rec UNINDEXED, ms UNINDEXED, role UNINDEXED, tokenize = 'unicode61'
);
"""


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
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def db(self) -> sqlite3.Connection | None:
        """The full-text index (made on first use); None where it cannot be had."""
        if self._db is None:
            for attempt in (1, 2):
                try:
                    self.root.mkdir(parents=True, exist_ok=True)
                    db = sqlite3.connect(self.root / DB_NAME, check_same_thread=False, timeout=10)
                    db.execute("PRAGMA journal_mode=WAL")
                    db.execute("PRAGMA synchronous=NORMAL")  # a cache: made again if lost
                    db.executescript(SCHEMA)
                    self._db = db
                    break
                except sqlite3.DatabaseError:  # damaged: it is a cache, made anew (once)
                    with contextlib.suppress(OSError):
                        for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
                            (self.root / name).unlink(missing_ok=True)
                    if attempt == 2:
                        return None
                except (sqlite3.Error, OSError):
                    return None
        return self._db

    def _put_db(self, cid: str, start: int | None, end: int | None, rows: list) -> None:
        db = self.db()
        if db is None:
            return
        # A call's phrases take consecutive rowids (first, n): replacing them is a range of
        # rowids, not a scan of every phrase for an unindexed column.
        with self._lock, contextlib.suppress(sqlite3.Error), db:
            _drop(db, cid)
            (first,) = db.execute("SELECT COALESCE(MAX(rowid), 0) + 1 FROM said").fetchone()
            db.execute(
                "INSERT OR REPLACE INTO calls (id, start, end, first, n) VALUES (?, ?, ?, ?, ?)",
                (cid, start, end, first, len(rows)),
            )
            db.executemany(
                "INSERT INTO said (rowid, text, cid, rec, ms, role) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (first + k, text, cid, rec, ms, role)
                    for k, (rec, ms, role, text) in enumerate(rows)
                ],
            )

    def forget(self, conversation_id: str) -> None:
        """A call's phrases out of the full-text index (its file pruned from the cache)."""
        db = self.db()
        if db is None:
            return
        with self._lock, contextlib.suppress(sqlite3.Error), db:
            _drop(db, conversation_id)

    def find(
        self, words: tuple[str, ...]
    ) -> tuple[dict[str, tuple[int | None, int | None]], dict[str, list[Said]]] | None:
        """Every indexed call (id -> its start and end), and the phrases of any call that hold
        all the words (a candidate: the caller checks the exact phrase); None when the index
        cannot answer (the caller reads the files instead)."""
        db = self.db()
        if db is None or not words:
            return None
        query = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        try:
            with self._lock:
                known = {
                    cid: (a, b) for cid, a, b in db.execute("SELECT id, start, end FROM calls")
                }
                rows = db.execute(
                    "SELECT cid, rec, ms, role, text FROM said WHERE said MATCH ?", (query,)
                ).fetchall()
        except sqlite3.Error:
            return None
        hits: dict[str, list[Said]] = {}
        for cid, rec, ms, role, text in rows:
            hits.setdefault(cid, []).append(
                Said(rec if isinstance(rec, int) else None, int(ms), str(role), str(text))
            )
        for said in hits.values():
            said.sort(key=lambda x: (x.recording or 0, x.ms))
        return known, hits

    @staticmethod
    def same_call(kept: tuple[int | None, int | None], start, end) -> bool:
        """Whether an indexed call is the one listed (its start and end match)."""
        return _near(kept[0], _ms(start)) and _near(kept[1], _ms(end))

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
        self._put_db(review.id, head["start"], head["end"], rows)

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


def _drop(db: sqlite3.Connection, cid: str) -> None:
    """A call out of the full-text index: its phrases are a range of rowids (first, n)."""
    old = db.execute("SELECT first, n FROM calls WHERE id = ?", (cid,)).fetchone()
    if old is not None:
        db.execute("DELETE FROM said WHERE rowid >= ? AND rowid < ?", (old[0], old[0] + old[1]))
        db.execute("DELETE FROM calls WHERE id = ?", (cid,))


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
