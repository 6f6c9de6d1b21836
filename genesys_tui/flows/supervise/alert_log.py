"""Every alert raised on the org's live calls, kept per org (SQLite, beside the audit log) with
whether a supervisor acknowledged it: the Alerts list in the TUI, `supervise alerts` in the CLI.
An alert is one row from when it was raised: its text kept current while it holds, its end noted
when it clears. At most KEEP rows; the oldest go first."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from genesys_tui.core.files import owner_only_db
from genesys_tui.flows.supervise.alerts import Alert

KEEP = 5000


@dataclass(frozen=True)
class Entry:
    id: str
    raised: str  # ISO time
    conversation_id: str
    kind: str
    text: str
    measured: str
    ongoing: bool
    cleared: str | None
    acknowledged: bool
    label: str  # who and where: the call's customer and agent, as shown in the list


def entry_id(alert: Alert) -> str:
    """One occurrence, the same on every run: a phrase or a silence by its mark, a hold or a wait
    by when it began (the same condition raised again after it cleared is a new one)."""
    if alert.mark:
        return "|".join((alert.conversation_id, alert.kind, alert.mark))
    return "|".join((alert.conversation_id, alert.kind, alert.since.isoformat()))


class AlertLog:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.db = sqlite3.connect(
            self.path, timeout=10, isolation_level=None, check_same_thread=False
        )
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("""CREATE TABLE IF NOT EXISTS alerts (
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, raised TEXT NOT NULL,
            conversation_id TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL,
            measured TEXT NOT NULL, ongoing INTEGER NOT NULL, cleared TEXT,
            acknowledged INTEGER NOT NULL DEFAULT 0, label TEXT NOT NULL DEFAULT '')""")
        owner_only_db(self.path)

    def close(self) -> None:
        self.db.close()

    def raised(self, alert: Alert, label: str = "") -> bool:
        """Record it; False when this occurrence is known already (said once, whatever calls)."""
        with self._lock:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO alerts (id, raised, conversation_id, kind, text, measured,"
                " ongoing, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry_id(alert),
                    alert.since.isoformat(),
                    alert.conversation_id,
                    alert.kind,
                    alert.text[:500],
                    alert.measured[:500],
                    int(alert.ongoing),
                    label[:200],
                ),
            )
            if cur.rowcount:
                self.db.execute(
                    "DELETE FROM alerts WHERE seq <= (SELECT MAX(seq) FROM alerts) - ?", (KEEP,)
                )
            return bool(cur.rowcount)

    def cleared(self, alert: Alert, when: datetime) -> None:
        """It no longer holds: its last text, and when it stopped."""
        with self._lock:
            self.db.execute(
                "UPDATE alerts SET text = ?, measured = ?, ongoing = 0, cleared = ? WHERE id = ?",
                (alert.text[:500], alert.measured[:500], when.isoformat(), entry_id(alert)),
            )

    def acknowledge(self, ids: Iterable[str] | None = None) -> int:
        """Acknowledge these (None: every one not acknowledged yet); how many changed."""
        with self._lock:
            if ids is None:
                cur = self.db.execute("UPDATE alerts SET acknowledged = 1 WHERE acknowledged = 0")
                return cur.rowcount
            n = 0
            for i in ids:
                n += self.db.execute(
                    "UPDATE alerts SET acknowledged = 1 WHERE id = ? AND acknowledged = 0", (i,)
                ).rowcount
            return n

    def unacknowledged(self) -> int:
        with self._lock:
            return self.db.execute("SELECT COUNT(*) FROM alerts WHERE acknowledged = 0").fetchone()[
                0
            ]

    def entries(self, limit: int = 1000, *, unacknowledged: bool = False) -> list[Entry]:
        """Newest first."""
        where = "WHERE acknowledged = 0 " if unacknowledged else ""
        with self._lock:
            rows = self.db.execute(
                "SELECT id, raised, conversation_id, kind, text, measured, ongoing, cleared,"
                f" acknowledged, label FROM alerts {where}ORDER BY seq DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            Entry(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], bool(r[8]), r[9])
            for r in rows
        ]
