"""Jobs, their states, and the events the queue reports (plain dataclasses: the CLI turns them into
rich progress bars, the TUI into messages)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

QUEUED, RESOLVING, WAITING, DOWNLOADING, VERIFYING, CONVERTING, UPLOADING = (
    "queued",
    "resolving",
    "waiting",
    "downloading",
    "verifying",
    "converting",
    "uploading",
)
DONE, FAILED, CANCELLED = "done", "failed", "cancelled"
ACTIVE_STATES = (RESOLVING, WAITING, DOWNLOADING, VERIFYING, CONVERTING, UPLOADING)
FINAL_STATES = (DONE, FAILED, CANCELLED)
STATES = (QUEUED, *ACTIVE_STATES, *FINAL_STATES)

FORMATS = ("original", "wav", "mono", "webm", "split")
ALL_RECORDINGS = "*"  # a conversation-level job: expands into one job per recording
NO_RECORDINGS = "no recordings"  # what a conversation-level job that found none says


@dataclass
class Job:
    id: int
    conversation_id: str
    recording_id: str  # or ALL_RECORDINGS
    format: str
    target: str  # a directory, or s3://bucket/prefix
    state: str = QUEUED
    attempts: int = 0
    last_error: str | None = None
    bytes_done: int = 0
    bytes_total: int | None = None
    sha256: str | None = None
    etag: str | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    upload_id: str | None = None
    created_at: str = ""
    updated_at: str = ""
    finished_at: str | None = None

    @property
    def key(self) -> str:
        return job_key(self.conversation_id, self.recording_id, self.format, self.target)

    @property
    def is_expansion(self) -> bool:
        return self.recording_id == ALL_RECORDINGS

    @property
    def label(self) -> str:
        rec = "all recordings" if self.is_expansion else self.recording_id[:8]
        return f"{self.conversation_id[:8]} {rec} {self.format}"

    @property
    def runnable(self) -> bool:
        """Not finished and not parked (WAITING: the one reason a job waits is an archived
        recording being restored, which only a later run picks up)."""
        return self.state not in FINAL_STATES and self.state != WAITING

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "conversationId": self.conversation_id,
            "recordingId": self.recording_id,
            "format": self.format,
            "target": self.target,
            "state": self.state,
            "attempts": self.attempts,
            "lastError": self.last_error,
            "bytesDone": self.bytes_done,
            "bytesTotal": self.bytes_total,
            "sha256": self.sha256,
            "outputs": self.outputs,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "finishedAt": self.finished_at,
        }


def job_key(conversation_id: str, recording_id: str, fmt: str, target: str) -> str:
    return json.dumps([conversation_id, recording_id, fmt, target.rstrip("/")])


@dataclass(frozen=True)
class JobEvent:
    """One job changed: state, bytes, rate, ETA, or an error."""

    job_id: int
    state: str
    bytes_done: int = 0
    bytes_total: int | None = None
    rate_bps: float | None = None
    eta_s: float | None = None
    error: str | None = None
    label: str = ""
    note: str | None = None  # where planning stands ("batch 2 of 3: waiting for Genesys ...")
    planning: bool = False  # a conversation-level job (planned into recording jobs)

    @classmethod
    def of(cls, job: Job, rate: float | None = None, eta: float | None = None) -> JobEvent:
        """The job as it is now (its error only where its state has one to say)."""
        error = job.last_error if job.state in (FAILED, WAITING) else None
        return cls(
            job.id, job.state, job.bytes_done, job.bytes_total, rate, eta, error, job.label,
            planning=job.is_expansion,
        )  # fmt: skip


@dataclass(frozen=True)
class QueueTotals:
    """The whole queue: counts per state, bytes, overall rate and ETA."""

    counts: dict[str, int]
    bytes_done: int
    bytes_total: int
    rate_bps: float
    eta_s: float | None
    paused: bool = False
    planning: int = 0  # conversations not yet expanded into recording jobs

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def finished(self) -> int:
        return sum(self.counts.get(s, 0) for s in FINAL_STATES)


@dataclass
class QueueOptions:
    workers: int = 4  # concurrent downloads
    api_slots: int = 4  # concurrent API calls
    cpu_workers: int = max(1, (os.cpu_count() or 2))
    batch: bool = False
    restore_archived: bool = False
    max_attempts: int = 5
    retry_delay: float = 2.0
    lookahead: int = 200  # jobs holding a URL at once (presigned URLs expire)
    pool: str = "process"  # flows/pull/cpu.py: PROCESS or THREAD
    customer_channel: int = 0
    agent_channel: int = 1
    bitrate: int = 32000
