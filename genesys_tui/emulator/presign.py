"""Presigned URLs the emulator serves itself: an HMAC over the path and parameters with an expiry,
in the style of an S3 query signature. No Authorization header is needed (or looked at)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

SIG = "X-Amz-Signature"


class Signer:
    def __init__(self, key: bytes | None = None, clock=time.time):
        self.key = key or secrets.token_bytes(32)
        self.clock = clock

    def _mac(self, path: str, params: dict[str, str]) -> str:
        canon = path + "?" + "&".join(f"{k}={params[k]}" for k in sorted(params) if k != SIG)
        return hmac.new(self.key, canon.encode(), hashlib.sha256).hexdigest()

    def sign(
        self, path: str, ttl: int, extra: dict[str, str] | None = None, *, expired: bool = False
    ) -> str:
        """Query string for path, valid for ttl seconds (or already expired, for fault injection)."""
        now = self.clock() - (ttl + 60 if expired else 0)
        params = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": "EMULATOR/us-east-1/s3/aws4_request",
            "X-Amz-Date": datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ"),
            "X-Amz-Expires": str(int(ttl)),
            "X-Amz-SignedHeaders": "host",
            **(extra or {}),
        }
        params[SIG] = self._mac(path, params)
        return urlencode(params)

    def check(self, path: str, params: dict[str, str]) -> str:
        """'ok', 'expired' or 'bad'."""
        sig = params.get(SIG, "")
        if not sig or not hmac.compare_digest(sig, self._mac(path, params)):
            return "bad"
        try:
            signed = (
                datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
                .replace(tzinfo=UTC)
                .timestamp()
            )
            ttl = int(params["X-Amz-Expires"])
        except (KeyError, ValueError):
            return "bad"
        return "ok" if self.clock() <= signed + ttl else "expired"
