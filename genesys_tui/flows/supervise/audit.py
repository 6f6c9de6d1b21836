"""The audit trail: one JSON line per attempt (allowed, refused, cancelled, dispatched, failed),
appended with fsync. Each line carries the SHA-256 of the line before it, so an edited, inserted,
reordered or deleted line breaks the chain; a small head file (the last line's number and hash,
replaced atomically) catches lines cut from the end. This makes tampering evident, not impossible:
someone who can rewrite both files can rewrite history, which is what the QA webhook's copy is for.

Nothing secret is written: no tokens, no URLs with signatures, only ids, names and outcomes."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from genesys_tui.core.errors import UserError
from genesys_tui.core.files import atomic_output, open_nofollow

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one writer at a time is the user's affair
    fcntl = None  # type: ignore[assignment]

GENESIS = "0" * 64
LAGGING = "the head is one line behind: the program stopped between writing a line and its head"
# What an audit record says happened, and at which stage.
ALLOWED, REFUSED, CANCELLED, DISPATCHED, FAILED = (
    "allowed",
    "refused",
    "cancelled",
    "dispatched",
    "failed",
)
RESULTS = (ALLOWED, REFUSED, CANCELLED, DISPATCHED, FAILED)
CONFIRM, DISPATCH = "confirm", "dispatch"


class AuditError(UserError):
    pass


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        rec = json.loads(line)
    except ValueError:
        return None
    return rec if isinstance(rec, dict) else None


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _last_line(f) -> bytes | None:
    """The last complete line of a file open for reading, read backwards a block at a time."""
    f.seek(0, os.SEEK_END)
    end = f.tell()
    if end == 0:
        return None
    pos, buf = end, b""
    while pos > 0:
        step = min(8192, pos)
        pos -= step
        f.seek(pos)
        buf = f.read(step) + buf
        body = buf[:-1] if buf.endswith(b"\n") else buf
        k = body.rfind(b"\n")
        if k != -1:
            return body[k + 1 :]
    return buf.rstrip(b"\n")


class AuditLog:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + ".head")
        self.last_hash: str | None = None  # of the line this object wrote last

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Write one record (seq, ts and prev are added) and return it as written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(
            self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o600
        )
        with os.fdopen(fd, "r+b") as f:
            if fcntl is not None:
                fcntl.flock(
                    f.fileno(), fcntl.LOCK_EX
                )  # the TUI and a CLI command may write at once
            last = _last_line(f)
            seq, prev = 0, GENESIS
            if last:
                rec = _parse(last)
                f.seek(-1, os.SEEK_END)
                if rec is None or not isinstance(rec.get("seq"), int) or f.read(1) != b"\n":
                    # Never act without a record: the log must be looked at first.
                    raise AuditError(
                        f"{self.path}: the last line is damaged, so nothing more can be recorded "
                        "and no action is taken; see `genesys-tui audit verify`"
                    )
                seq, prev = rec["seq"], line_hash(last)
            out = {
                "seq": seq + 1,
                "ts": record.pop("ts", None) or now_iso(),
                **record,
                "prev": prev,
            }
            line = json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode()
            f.seek(0, os.SEEK_END)
            f.write(line + b"\n")
            f.flush()
            os.fsync(f.fileno())
            self.last_hash = line_hash(line)
            self._write_head(out["seq"], self.last_hash)
        return out

    def _write_head(self, seq: int, digest: str) -> None:
        with atomic_output(self.head_path) as tmp, open_nofollow(tmp, "w") as h:
            h.write(json.dumps({"seq": seq, "sha256": digest}) + "\n")

    # --- reading -------------------------------------------------------------------------------

    def records(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with open(self.path, "rb") as f:
            for line in f:
                if line.strip() and (rec := _parse(line)) is not None:
                    yield rec

    def tail(self, n: int) -> list[dict[str, Any]]:
        return list(self.reverse())[:n][::-1]

    def reverse(self) -> Iterator[dict[str, Any]]:
        """Records newest first, reading the file backwards (cheap for "the last hour")."""
        if not self.path.exists():
            return
        with open(self.path, "rb") as f:
            f.seek(0, os.SEEK_END)
            pos, carry = f.tell(), b""
            while pos > 0:
                step = min(65536, pos)
                pos -= step
                f.seek(pos)
                chunk = f.read(step) + carry
                lines = chunk.split(b"\n")
                carry = lines[0]
                for line in reversed(lines[1:]):
                    if line.strip() and (rec := _parse(line)) is not None:
                        yield rec
            if carry.strip() and (rec := _parse(carry)) is not None:
                yield rec

    def actions_since(self, supervisor_id: str, since_iso: str) -> int:
        """Actions of this supervisor at or after `since_iso` that may have reached Genesys (the
        rate limit): every one dispatched, and every one that failed without a clear refusal (a
        lost response, a 5xx: Genesys may have carried it out)."""
        n = 0
        for r in self.reverse():
            if r.get("ts", "") < since_iso:
                break
            if (r.get("supervisor") or {}).get("id") == supervisor_id and may_have_reached(r):
                n += 1
        return n


def may_have_reached(record: dict[str, Any]) -> bool:
    """Whether an audit record's action may have been carried out by Genesys."""
    if record.get("result") == DISPATCHED:
        return True
    if record.get("result") != FAILED or record.get("stage") != DISPATCH:
        return False
    status = record.get("status")
    return not isinstance(status, int) or status >= 500


@dataclass
class Verification:
    records: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, not tampering

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(log: AuditLog) -> Verification:
    """Walk the chain; every broken link, bad line or mismatch with the head is a problem."""
    v = Verification()
    prev, seq, before_last = GENESIS, 0, GENESIS
    if log.path.exists():
        with open(log.path, "rb") as f:
            data = f.read()
        if data and not data.endswith(b"\n"):
            v.problems.append("the last line is incomplete (a crash while writing, or a cut)")
        for n, line in enumerate(
            data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n"), 1
        ):
            if not line.strip():
                v.problems.append(f"line {n}: empty")
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                v.problems.append(f"line {n}: not JSON")
                prev = line_hash(line)
                continue
            v.records += 1
            if rec.get("prev") != prev:
                v.problems.append(
                    f"line {n} (seq {rec.get('seq')}): does not follow the line before it "
                    "(edited, inserted, reordered or deleted lines)"
                )
            if rec.get("seq") != seq + 1:
                v.problems.append(f"line {n}: seq {rec.get('seq')} where {seq + 1} was expected")
            seq = rec.get("seq") if isinstance(rec.get("seq"), int) else seq + 1
            before_last, prev = prev, line_hash(line)
    try:
        head = json.loads(log.head_path.read_text())
    except FileNotFoundError:
        if v.records == 1:
            v.notes.append(LAGGING)
        elif v.records:
            v.problems.append(f"{log.head_path.name} is missing")
        return v
    except ValueError:
        v.problems.append(f"{log.head_path.name} is damaged")
        return v
    if seq > 1 and head.get("seq") == seq - 1 and head.get("sha256") == before_last:
        v.notes.append(LAGGING)
    elif head.get("seq") != seq or (seq and head.get("sha256") != prev):
        v.problems.append(
            f"the log ends at seq {seq} but its head says seq {head.get('seq')}: "
            "lines were removed from the end, or the last line was changed"
        )
    return v
