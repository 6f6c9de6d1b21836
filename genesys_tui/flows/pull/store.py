"""The job store: SQLite in WAL mode, one row per job. Every state change is committed as it
happens, so a crash or kill -9 at any moment loses nothing. No secret (token, presigned URL) is
ever written here."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from genesys_tui.flows.pull.model import (
    ACTIVE_STATES,
    CANCELLED,
    DONE,
    FAILED,
    FINAL_STATES,
    QUEUED,
    Job,
    job_key,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT UNIQUE NOT NULL,
    conversation_id TEXT NOT NULL,
    recording_id TEXT NOT NULL,
    format TEXT NOT NULL,
    target TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    bytes_done INTEGER NOT NULL DEFAULT 0,
    bytes_total INTEGER,
    sha256 TEXT,
    etag TEXT,
    outputs TEXT NOT NULL DEFAULT '[]',
    meta TEXT NOT NULL DEFAULT '{}',
    upload_id TEXT,
    parent_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE TABLE IF NOT EXISTS history (
    job_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    state TEXT NOT NULL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS history_job ON history(job_id);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS handoff (
    job_id INTEGER PRIMARY KEY,
    offered_at TEXT NOT NULL,
    offered_by INTEGER NOT NULL,
    taken_at TEXT,
    taken_by INTEGER,
    note TEXT
);
"""
COLUMNS = (
    "id",
    "conversation_id",
    "recording_id",
    "format",
    "target",
    "state",
    "attempts",
    "last_error",
    "bytes_done",
    "bytes_total",
    "sha256",
    "etag",
    "outputs",
    "meta",
    "upload_id",
    "created_at",
    "updated_at",
    "finished_at",
)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JobStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.db = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30
        )
        self.db.execute("PRAGMA journal_mode=WAL")
        # Every change is its own committed transaction. In WAL mode, NORMAL makes each commit survive
        # the process dying (kill -9) at any moment; only an OS crash or power cut may lose the last
        # few commits, and the database stays consistent either way.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def _row(self, row: tuple) -> Job:
        d = dict(zip(COLUMNS, row, strict=True))
        d["outputs"] = json.loads(d["outputs"] or "[]")
        d["meta"] = json.loads(d["meta"] or "{}")
        return Job(**d)

    def _select(self, where: str = "1", params: Iterable[Any] = ()) -> list[Job]:
        with self._lock:
            rows = self.db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE {where} ORDER BY id", tuple(params)
            ).fetchall()
        return [self._row(r) for r in rows]

    def add(
        self,
        conversation_id: str,
        recording_id: str,
        fmt: str,
        target: str,
        meta: dict[str, Any] | None = None,
        parent_id: int | None = None,
    ) -> tuple[Job, bool]:
        """Add a job unless one with the same key exists; returns (job, created)."""
        key = job_key(conversation_id, recording_id, fmt, target)
        ts = now()
        with self._lock:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO jobs (key, conversation_id, recording_id, format, target, state, meta, "
                "parent_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    conversation_id,
                    recording_id,
                    fmt,
                    target.rstrip("/"),
                    QUEUED,
                    json.dumps(meta or {}),
                    parent_id,
                    ts,
                    ts,
                ),
            )
            created = cur.rowcount == 1
            (job,) = self._select("key = ?", (key,))
            if created:
                self.db.execute(
                    "INSERT INTO history (job_id, at, state) VALUES (?, ?, ?)", (job.id, ts, QUEUED)
                )
        return job, created

    def get(self, job_id: int) -> Job | None:
        jobs = self._select("id = ?", (job_id,))
        return jobs[0] if jobs else None

    def all(self, states: Iterable[str] | None = None) -> list[Job]:
        if states is None:
            return self._select()
        states = list(states)
        return self._select(f"state IN ({', '.join('?' * len(states))})", states)

    def unfinished(self) -> list[Job]:
        return self._select(f"state NOT IN ({', '.join('?' * len(FINAL_STATES))})", FINAL_STATES)

    def family(self, job_ids: list[int]) -> list[Job]:
        """These jobs and the recording jobs planned from them, oldest first."""
        out: list[Job] = []
        for k in range(0, len(job_ids), 500):
            chunk = job_ids[k : k + 500]
            marks = ", ".join("?" * len(chunk))
            out += self._select(f"id IN ({marks}) OR parent_id IN ({marks})", (*chunk, *chunk))
        return sorted({j.id: j for j in out}.values(), key=lambda j: j.id)

    def children(self, parent_id: int) -> list[Job]:
        return self._select("parent_id = ?", (parent_id,))

    def update(self, job: Job, **changes: Any) -> Job:
        """Change fields and commit at once."""
        for k, v in changes.items():
            setattr(job, k, v)
        job.updated_at = now()
        if changes.get("state") in FINAL_STATES:
            job.finished_at = job.updated_at
        sets = {k: (json.dumps(v) if k in ("outputs", "meta") else v) for k, v in changes.items()}
        sets["updated_at"] = job.updated_at
        if "state" in changes:
            sets["finished_at"] = job.finished_at if changes["state"] in FINAL_STATES else None
            job.finished_at = sets["finished_at"]
        with self._lock:
            self.db.execute(
                f"UPDATE jobs SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?",
                (*sets.values(), job.id),
            )
            if "state" in changes:  # every state change, with its time and why
                self.db.execute(
                    "INSERT INTO history (job_id, at, state, error) VALUES (?, ?, ?, ?)",
                    (job.id, job.updated_at, job.state, changes.get("last_error")),
                )
        return job

    def history(self, job_id: int, limit: int = 200) -> list[tuple[str, str, str | None]]:
        """(when, state, error) of a job's state changes, oldest first (the latest `limit`)."""
        with self._lock:
            rows = self.db.execute(
                "SELECT at, state, error FROM history WHERE job_id = ? ORDER BY rowid DESC LIMIT ?",
                (job_id, limit),
            ).fetchall()
        return [tuple(r) for r in reversed(rows)]

    def cancelled_since(self, since: str) -> list[int]:
        """Jobs cancelled at or after this time (store time, `now()`): by the state's index, so
        a queue of thousands costs no more than the cancels."""
        with self._lock:
            rows = self.db.execute(
                "SELECT id FROM jobs WHERE state = ? AND updated_at >= ?", (CANCELLED, since)
            ).fetchall()
        return [r[0] for r in rows]

    def planning(self) -> int:
        """Conversation-level jobs not yet expanded into recordings."""
        marks = ", ".join("?" * len(FINAL_STATES))
        with self._lock:
            return self.db.execute(
                f"SELECT COUNT(*) FROM jobs WHERE recording_id = '*' AND state NOT IN ({marks})",
                FINAL_STATES,
            ).fetchone()[0]

    def counts(self) -> dict[str, int]:
        """Recording jobs per state (conversation-level expansion jobs are bookkeeping, not counted)."""
        with self._lock:
            return dict(
                self.db.execute(
                    "SELECT state, COUNT(*) FROM jobs WHERE recording_id != '*' GROUP BY state"
                ).fetchall()
            )

    def recover(self) -> int:
        """After a crash: jobs caught mid-step go back to queued (partial downloads are kept for a
        Range resume). Returns how many."""
        marks = ", ".join("?" * len(ACTIVE_STATES))
        ts = now()
        with self._lock:
            self.db.execute(
                f"INSERT INTO history (job_id, at, state, error) SELECT id, ?, ?, ? FROM jobs "
                f"WHERE state IN ({marks})",
                (ts, QUEUED, "interrupted (the program stopped); resumed", *ACTIVE_STATES),
            )
            cur = self.db.execute(
                f"UPDATE jobs SET state = ?, updated_at = ? WHERE state IN ({marks})",
                (QUEUED, ts, *ACTIVE_STATES),
            )
            return cur.rowcount

    def retry_failed(self, ids: Iterable[int] | None = None) -> int:
        where = "state IN (?, ?)"
        params: list[Any] = [FAILED, CANCELLED]
        if ids is not None:
            ids = list(ids)
            where += f" AND id IN ({', '.join('?' * len(ids))})"
            params += ids
        ts = now()
        with self._lock:
            self.db.execute(
                f"INSERT INTO history (job_id, at, state, error) SELECT id, ?, ?, ? FROM jobs "
                f"WHERE {where}",
                (ts, QUEUED, "queued again", *params),
            )
            cur = self.db.execute(
                "UPDATE jobs SET state = ?, attempts = 0, last_error = NULL, finished_at = NULL, "
                f"updated_at = ? WHERE {where}",
                (QUEUED, ts, *params),
            )
            return cur.rowcount

    def run_counts(self, parent_ids: list[int]) -> dict[str, int]:
        """Recording jobs per state under these conversation-level jobs (one run's share of the store)."""
        out: dict[str, int] = {}
        with self._lock:
            for k in range(0, len(parent_ids), 500):
                chunk = parent_ids[k : k + 500]
                marks = ", ".join("?" * len(chunk))
                for state, n in self.db.execute(
                    f"SELECT state, COUNT(*) FROM jobs WHERE recording_id != '*' AND (parent_id IN ({marks}) "
                    f"OR id IN ({marks})) GROUP BY state",
                    (*chunk, *chunk),
                ):
                    out[state] = out.get(state, 0) + n
        return out

    def clear(self, states: Iterable[str] = (DONE,)) -> int:
        """Forget jobs in these states; returns how many recording jobs went."""
        states = list(states)
        marks = ", ".join("?" * len(states))
        with self._lock:
            n = self.db.execute(
                f"SELECT COUNT(*) FROM jobs WHERE state IN ({marks}) AND recording_id != '*'",
                states,
            ).fetchone()[0]
            self.db.execute(f"DELETE FROM jobs WHERE state IN ({marks})", states)
            self.db.execute("DELETE FROM history WHERE job_id NOT IN (SELECT id FROM jobs)")
            self.db.execute("DELETE FROM handoff WHERE job_id NOT IN (SELECT id FROM jobs)")
            return n

    def setting(self, name: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return row[0] if row else default

    def set_setting(self, name: str, value: str) -> None:
        with self._lock:
            self.db.execute(
                "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = "
                "excluded.value",
                (name, value),
            )

    # --- hand-over between processes (see handoff.py) -----------------------------------------------

    def offer(self, job_ids: Iterable[int], pid: int) -> None:
        """Ask the process running the queue to run these jobs (again offered if taken before)."""
        ts = now()
        with self._lock:
            self.db.executemany(
                "INSERT INTO handoff (job_id, offered_at, offered_by) VALUES (?, ?, ?) "
                "ON CONFLICT(job_id) DO UPDATE SET offered_at = excluded.offered_at, "
                "offered_by = excluded.offered_by, taken_at = NULL, taken_by = NULL",
                [(i, ts, pid) for i in job_ids],
            )

    def offers(self) -> list[int]:
        """Jobs offered and not yet taken, oldest first."""
        with self._lock:
            rows = self.db.execute(
                "SELECT job_id FROM handoff WHERE taken_at IS NULL ORDER BY job_id"
            ).fetchall()
        return [r[0] for r in rows]

    def take(self, job_ids: Iterable[int], pid: int) -> None:
        ts = now()
        with self._lock:
            self.db.executemany(
                "UPDATE handoff SET taken_at = ?, taken_by = ? WHERE job_id = ?",
                [(ts, pid, i) for i in job_ids],
            )

    def set_note(self, job_id: int, note: str) -> None:
        """Where a handed-over conversation's planning stands, for the process following it."""
        with self._lock:
            self.db.execute("UPDATE handoff SET note = ? WHERE job_id = ?", (note[:500], job_id))

    def notes(self, job_ids: Iterable[int]) -> dict[int, str]:
        ids = list(job_ids)
        out: dict[int, str] = {}
        with self._lock:
            for k in range(0, len(ids), 500):
                chunk = ids[k : k + 500]
                out.update(
                    self.db.execute(
                        f"SELECT job_id, note FROM handoff WHERE note IS NOT NULL AND job_id IN "
                        f"({', '.join('?' * len(chunk))})",
                        chunk,
                    ).fetchall()
                )
        return out

    def untaken(self, job_ids: Iterable[int]) -> int:
        """How many of these jobs are offered and not yet taken."""
        ids = list(job_ids)
        n = 0
        with self._lock:
            for k in range(0, len(ids), 500):
                chunk = ids[k : k + 500]
                n += self.db.execute(
                    f"SELECT COUNT(*) FROM handoff WHERE taken_at IS NULL AND job_id IN "
                    f"({', '.join('?' * len(chunk))})",
                    chunk,
                ).fetchone()[0]
        return n

    def reoffer(self) -> int:
        """When a process takes the queue: what an earlier holder took and did not finish (it
        died, or quit) is offered again, and what is finished is forgotten. How many."""
        marks = ", ".join("?" * len(FINAL_STATES))
        with self._lock:
            self.db.execute(
                f"DELETE FROM handoff WHERE job_id NOT IN (SELECT id FROM jobs WHERE state NOT IN "
                f"({marks}))",
                FINAL_STATES,
            )
            return self.db.execute(
                "UPDATE handoff SET taken_at = NULL, taken_by = NULL WHERE taken_at IS NOT NULL"
            ).rowcount
