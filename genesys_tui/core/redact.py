"""Scrub secrets from text before it reaches a log, a screen or a file.

Two layers: values the process knows are secret (registered when they are created: client secret,
access and refresh tokens) are replaced wherever they appear, and patterns catch the rest
(Authorization headers, token fields in JSON or forms, signature parameters in presigned URLs).
"""

from __future__ import annotations

import re
import threading

MASK = "***"
_known: set[str] = set()
_lock = threading.Lock()

_SENSITIVE_PARAM = (
    r"(?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|sig|token|access_token|"
    r"refresh_token|client_secret|code|code_verifier|secret|password|key-pair-id|policy)"
)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{6,}"), rf"\1 {MASK}"),
    # JSON or Python repr: "access_token": "..."
    (
        re.compile(
            r"(?i)([\"']?(?:access_token|refresh_token|client_secret|code_verifier|id_token|password|secret)[\"']?\s*[:=]\s*[\"'])[^\"']+"
        ),
        rf"\1{MASK}",
    ),
    # query strings and form bodies: ?X-Amz-Signature=...&token=...
    (re.compile(rf"(?i)((?:^|[?&;\s\"'(]){_SENSITIVE_PARAM}=)[^&#\s\"')]+"), rf"\1{MASK}"),
]


def register_secret(value: str | None) -> None:
    """Remember a secret value so it is masked wherever it shows up later."""
    if value and len(value) >= 6:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def redact_url(url: str) -> str:
    """A URL safe to show: the query string's sensitive values masked."""
    return redact(url)
