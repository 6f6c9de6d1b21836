"""The QA webhook: every audit record is also POSTed as JSON to a configured HTTPS URL, signed with
HMAC-SHA256. Records wait in a durable outbox (SQLite) until the receiver answers 2xx, retried with
exponential backoff, in order, so a receiver that is down loses nothing and gets no duplicates from
us (each delivery carries an id a receiver can use to drop a repeat after a lost response).

Signature header, Stripe-style, so a replayed body with an old timestamp can be refused, and the
delivery id is covered too (a receiver de-duplicates by it, so it must not be forgeable):
    X-Genesys-TUI-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<delivery id>.<body>")>
The secret lives in the OS keyring (`genesys-tui audit webhook-secret`) or in
GENESYS_TUI_WEBHOOK_SECRET; without one nothing is sent, and nothing is lost either."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from genesys_tui.core.files import owner_only_db
from genesys_tui.genesys.http import tls_context

SIGNATURE_HEADER = "X-Genesys-TUI-Signature"
DELIVERY_HEADER = "X-Genesys-TUI-Delivery"
SECRET_ENV = "GENESYS_TUI_WEBHOOK_SECRET"
SECRET_KIND = "webhook-secret"


def sign(secret: str, body: bytes, timestamp: int, delivery: str) -> str:
    mac = hmac.new(
        secret.encode(), f"{timestamp}.{delivery}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(
    secret: str,
    body: bytes,
    header: str,
    delivery: str,
    *,
    tolerance: float = 300.0,
    now: float | None = None,
) -> bool:
    """What a receiver does (and what the tests do)."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        ts = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, ts, delivery), header)


@dataclass
class Delivery:
    sent: int = 0
    pending: int = 0
    error: str | None = None


class Outbox:
    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self.db = sqlite3.connect(
            self.path, timeout=10, isolation_level=None, check_same_thread=False
        )
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("""CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY, delivery TEXT NOT NULL UNIQUE, body BLOB NOT NULL, created REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL, last_error TEXT, delivered REAL)""")
        owner_only_db(self.path)

    def close(self) -> None:
        self.db.close()

    def add(self, record: dict[str, Any], delivery: str) -> None:
        """Queue a record once (the delivery id is its audit line's hash: adding it twice is a no-op)."""
        body = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
        self.db.execute(
            "INSERT OR IGNORE INTO outbox (delivery, body, created, next_at) VALUES (?, ?, ?, ?)",
            (delivery, body, self.clock(), self.clock()),
        )

    def pending(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM outbox WHERE delivered IS NULL").fetchone()[0]

    def due(self) -> list[tuple[int, str, bytes, int]]:
        return self.db.execute(
            "SELECT id, delivery, body, attempts FROM outbox WHERE delivered IS NULL ORDER BY id"
        ).fetchall()

    def deliver(
        self,
        url: str,
        secret: str | None,
        *,
        max_backoff: float,
        http: httpx.Client | None = None,
        timeout: float = 10.0,
        limit: int = 500,
    ) -> Delivery:
        """Send what is due, oldest first; stop at the first failure (the receiver is down: keep the
        order, and do not hammer it). Blocking; the TUI runs it in a thread."""
        result = Delivery()
        if not url:
            result.pending = self.pending()
            return result
        if not secret:
            result.pending, result.error = (
                self.pending(),
                "no webhook signing secret (genesys-tui audit webhook-secret)",
            )
            return result
        rows = self.due()[:limit]
        now = self.clock()
        if rows and self._next_at(rows[0][0]) > now:
            result.pending = self.pending()
            return result  # still backing off
        own = http is None
        http = http or httpx.Client(timeout=timeout, follow_redirects=False, verify=tls_context())
        try:
            for rid, delivery, body, attempts in rows:
                ts = int(self.clock())
                headers = {
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(secret, body, ts, delivery),
                    DELIVERY_HEADER: delivery,
                    "User-Agent": "genesys-tui-webhook",
                }
                try:
                    resp = http.post(url, content=body, headers=headers)
                    ok, why = 200 <= resp.status_code < 300, f"HTTP {resp.status_code}"
                except httpx.HTTPError as e:
                    ok, why = False, type(e).__name__
                if ok:
                    self.db.execute(
                        "UPDATE outbox SET delivered = ?, attempts = attempts + 1, last_error = NULL "
                        "WHERE id = ?",
                        (self.clock(), rid),
                    )
                    result.sent += 1
                    continue
                wait = min(max_backoff, 2.0 ** min(attempts, 20)) * random.uniform(0.8, 1.2)
                self.db.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?",
                    (why, self.clock() + wait, rid),
                )
                result.error = f"webhook receiver: {why}; retrying in {wait:.0f} s"
                break
        finally:
            if own:
                http.close()
        result.pending = self.pending()
        return result

    def _next_at(self, rid: int) -> float:
        return self.db.execute("SELECT next_at FROM outbox WHERE id = ?", (rid,)).fetchone()[0]

    def retry_now(self) -> None:
        """Forget the backoff (`audit deliver` does this: the user knows the receiver is back)."""
        self.db.execute("UPDATE outbox SET next_at = 0 WHERE delivered IS NULL")
