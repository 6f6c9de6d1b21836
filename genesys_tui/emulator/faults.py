"""Fault injection: rates of API errors, token revocation, broken media bodies, slowness, long
transcoding, expired presigned URLs, lost responses. Set at start (--faults 429=0.1,reset=0.05)
and, when the control endpoint is enabled, at run time. KIND@ROUTE=RATE limits a fault to one API
route by its name (e.g. lost@barge=1, 500@monitor=0.5)."""

from __future__ import annotations

import random
import threading
from collections import Counter

KINDS = {
    "429": "rate limited (429 with Retry-After)",
    "500": "internal server error",
    "502": "bad gateway",
    "503": "service unavailable",
    "504": "gateway timeout",
    "revoke": "the caller's token is revoked (401 until it signs in again)",
    "reset": "connection reset in the middle of a media body",
    "truncate": "media body ends early without an error",
    "slow": "slow response",
    "transcode": "a recording takes long to transcode",
    "expire": "a presigned URL has already expired (403)",
    "lost": "the request is carried out, but the response is lost (a 502 from a proxy)",
    "wsclose": "a notification socket is accepted, then closed at once",
    "wsclosing": "a notification socket says v2.system.socket_closing as soon as it opens",
}
API_FAULTS = ("429", "500", "502", "503", "504", "revoke")


class FaultSpecError(ValueError):
    pass


def parse_faults(spec: str) -> dict[str, float]:
    rates: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        if "=" not in part:
            raise FaultSpecError(f"fault {part!r}: expected KIND=RATE, e.g. 429=0.1")
        key, _, value = part.partition("=")
        kind, at, route = key.strip().lower().partition("@")
        if at and not route:
            raise FaultSpecError(f"fault {part!r}: a route name is needed after @")
        if kind not in KINDS:
            raise FaultSpecError(f"unknown fault {kind!r}; known: {', '.join(KINDS)}")
        try:
            rate = float(value)
        except ValueError:
            raise FaultSpecError(f"fault {kind}: rate {value!r} is not a number") from None
        if not 0.0 <= rate <= 1.0:
            raise FaultSpecError(f"fault {kind}: rate must be between 0 and 1, got {rate}")
        rates[f"{kind}@{route}" if at else kind] = rate
    return rates


class Faults:
    def __init__(self, spec: str = "", seed: int = 0):
        self._lock = threading.Lock()
        self.rates = parse_faults(spec)
        self._rng = random.Random(seed)
        self.injected: Counter[str] = Counter()

    def set(self, spec: str) -> None:
        rates = parse_faults(spec)
        with self._lock:
            self.rates = rates

    def spec(self) -> str:
        return ",".join(f"{k}={v:g}" for k, v in self.rates.items())

    def roll(self, kind: str, route: str | None = None) -> bool:
        with self._lock:
            rate = (
                self.rates.get(f"{kind}@{route}", self.rates.get(kind, 0.0))
                if route
                else self.rates.get(kind, 0.0)
            )
            hit = rate > 0 and self._rng.random() < rate
            if hit:
                self.injected[kind] += 1
            return hit

    def api_fault(self, route: str | None = None) -> str | None:
        for kind in API_FAULTS:
            if self.roll(kind, route):
                return kind
        return None

    def fraction(self, lo: float, hi: float) -> float:
        with self._lock:
            return self._rng.uniform(lo, hi)
