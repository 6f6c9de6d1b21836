"""Bookmarks: a moment of a recording with a note, kept per org on this machine
(`bookmarks.json` in the org's data directory), exported with the transcript, and written to
Genesys as a recording annotation when asked (its id is kept, so writing again updates it).
Bookmarks read from Genesys (annotations of type Bookmark) are shown beside the local ones."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from genesys_tui.core.errors import UserError
from genesys_tui.core.files import locked, read_capped, write_bytes

MAX_BYTES = 16 << 20
MAX_NOTE = 500  # Genesys's limit on an annotation's description


class MarkError(UserError):
    pass


@dataclass
class Mark:
    id: str
    conversation_id: str
    recording_id: str
    ms: int  # position in the recording
    note: str
    created: str
    annotation_id: str | None = None  # once written to Genesys
    source: str = "local"  # local | genesys (read back from the recording's annotations)

    @property
    def clock(self) -> str:
        s = self.ms // 1000
        return f"{s // 60:02d}:{s % 60:02d}"


def new_mark(conversation_id: str, recording_id: str, ms: int, note: str) -> Mark:
    return Mark(
        str(uuid.uuid4()),
        conversation_id,
        recording_id,
        max(0, int(ms)),
        note.strip()[:MAX_NOTE],
        datetime.now(UTC).isoformat(timespec="seconds"),
    )


class MarkStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[Mark]:
        try:
            data = json.loads(read_capped(self.path, MAX_BYTES))
            marks = [Mark(**m) for m in data["bookmarks"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError, KeyError, RecursionError) as e:
            raise MarkError(f"cannot read the bookmarks in {self.path}: {e}") from None
        if not all(isinstance(m.ms, int) and isinstance(m.note, str) for m in marks):
            raise MarkError(f"{self.path} holds something that is not a bookmark")
        return marks

    def save(self, marks: list[Mark]) -> None:
        doc = {"bookmarks": [asdict(m) for m in marks if m.source == "local"]}
        write_bytes(self.path, json.dumps(doc, indent=1).encode())

    def of(self, conversation_id: str) -> list[Mark]:
        return sorted(
            (m for m in self.load() if m.conversation_id == conversation_id),
            key=lambda m: (m.recording_id, m.ms),
        )

    # Each change reads, changes and writes under the file's lock: the TUI and a CLI command
    # bookmarking at once keep both.
    def add(self, mark: Mark) -> Mark:
        with locked(self.path):
            self.save([*self.load(), mark])
        return mark

    def update(self, mark: Mark) -> None:
        with locked(self.path):
            self.save([mark if m.id == mark.id else m for m in self.load()])

    def remove(self, mark_id: str) -> None:
        with locked(self.path):
            self.save([m for m in self.load() if m.id != mark_id])


def merged(local: list[Mark], genesys: list[Mark]) -> list[Mark]:
    """Local bookmarks and those read from Genesys, each once (one written from here is the
    local one)."""
    written = {m.annotation_id for m in local if m.annotation_id}
    out = local + [g for g in genesys if g.annotation_id not in written]
    return sorted(out, key=lambda m: (m.recording_id, m.ms))
