"""The exports this machine started, per org (`exports.json` in the org's data directory): each
an interval cut into jobs, with where each job stands, so that `export start` resumes after a
restart instead of exporting twice (Genesys skips what it exported before, but a second job still
counts against the org's two)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from genesys_tui.core.errors import UserError
from genesys_tui.core.files import write_bytes

MAX_BYTES = 8 << 20  # far above any real history; a bigger file is not ours

# A piece's states, ours (Genesys's job states are in RecordingJob.state)
PLANNED, CREATED, STARTED, DECLINED, ENDED = "planned", "created", "started", "declined", "ended"


class StoreError(UserError):
    pass


@dataclass
class Piece:
    start: str  # ISO 8601, UTC
    end: str
    job_id: str | None = None
    state: str = PLANNED
    job_state: str | None = None  # Genesys's, as last seen
    conversations: int | None = None
    recordings: int | None = None


@dataclass
class Export:
    id: int
    created: str
    description: str  # the interval and filters, in words
    integration_id: str
    query: dict[str, Any]  # the RecordingJobsQuery without interval and actionDate
    pieces: list[Piece] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return all(p.state in (STARTED, DECLINED, ENDED) for p in self.pieces)


class ExportStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[Export]:
        try:
            if self.path.stat().st_size > MAX_BYTES:
                raise StoreError(f"{self.path} is larger than an export history can be")
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return []
        except (OSError, ValueError, RecursionError) as e:
            raise StoreError(f"cannot read {self.path}: {e}") from None
        try:
            exports = [
                Export(**{**x, "pieces": [Piece(**p) for p in x.get("pieces", [])]})
                for x in data["exports"]
            ]
            if not all(isinstance(x.id, int) and isinstance(x.query, dict) for x in exports):
                raise TypeError("an export without its id or query")
            return exports
        except (TypeError, KeyError, AttributeError) as e:
            raise StoreError(f"{self.path} is not an export history ({e})") from None

    def save(self, exports: list[Export]) -> None:
        doc = {"exports": [asdict(x) for x in exports]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(self.path, json.dumps(doc, indent=1).encode())

    def add(self, export: Export) -> Export:
        exports = self.load()
        export.id = max((x.id for x in exports), default=0) + 1
        self.save([*exports, export])
        return export

    def update(self, export: Export) -> None:
        self.save([export if x.id == export.id else x for x in self.load()])
