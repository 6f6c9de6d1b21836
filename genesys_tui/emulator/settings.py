"""Emulator settings: the synthetic org's size and the timings of the API's slow parts."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime


def _now_minute() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


@dataclass
class EmulatorSettings:
    seed: int = 7
    conversations: int = 300
    days: int = 14
    anchor: datetime = field(default_factory=_now_minute)  # "now" of the synthetic org
    pin_clock: bool = (
        False  # the org's clock runs from the anchor instead of the wall clock (--now)
    )
    # The org's clock stands at the anchor and moves only when stepped (POST /__emulator/clock,
    # EmulatorServer.advance): tests of the live centre then wait on events, not on the clock.
    stepped_clock: bool = False
    live_calls: int = 6
    agents: int = 24  # a contact centre of this many agents (each on one call at a time)
    archive_rate: float = 0.15  # share of older recorded calls whose recordings are archived
    duration_scale: float = 1.0  # < 1 makes every call shorter (fast tests)
    # Auth: one OAuth client per grant type, as in a real org (OAuthClient.authorizedGrantType).
    client_id: str = "demo-client"  # client credentials
    client_secret: str = "demo-secret-not-for-production"
    pkce_client_id: str = (
        "demo-pkce-client"  # PKCE-enabled code grant: public, no secret, no refresh token
    )
    code_client_id: str = (
        "demo-code-client"  # code grant with a secret: refresh tokens, rotated on use
    )
    code_client_secret: str = "demo-code-secret-not-for-production"
    # OAuthClient.registeredRedirectUri of both code clients: a redirect_uri must be one of these.
    redirect_uris: tuple[str, ...] = (
        "http://127.0.0.1:8765/oauth/callback",
        "http://localhost:8765/oauth/callback",
    )
    token_ttl: int = 86400
    refresh_ttl: int = 30 * 86400
    rate_limit_per_minute: int = 300
    deny_permissions: tuple[str, ...] = ()  # taken from the demo org's clients and supervisor
    # Recordings with sensitive data (PCI DSS / PII), a share of the recorded calls, and whether the
    # org redacts them: then a batch download leaves them out for a caller without
    # recording:recording:viewSensitiveData, and an EXPORT job only takes them when asked.
    queues: int = 6  # the corpus has 6; more are made like them (a bigger floor)
    sensitive_rate: float = 0.05
    redaction: bool = True
    # Slow parts of the real API
    transcode_seconds: float = 1.0
    long_transcode_seconds: float = 30.0
    batch_seconds: float = 2.0
    job_seconds: float = 3.0
    # Notifications (addendum 1.2): a channel lives 24 h; a heartbeat about every 30 s.
    channel_ttl_seconds: float = 86_400.0
    heartbeat_seconds: float = 30.0
    # The live contact centre: calls arriving a minute (0: the org's live calls stay as they are),
    # how often it moves, and how long after words are spoken their transcript is pushed
    # (Genesys documents "usually within about 35 s").
    live_rate: float = 0.0
    live_tick_seconds: float = 0.2
    transcript_delay_seconds: float = 20.0
    restore_seconds: float = 5.0
    # Where EXPORT jobs write (the org's S3 bulk-actions integration): "dir:PATH",
    # "s3:ENDPOINT_URL/BUCKET", or "" for an org without one.
    export_target: str = ""
    slow_seconds: float = 2.0
    fault_retry_after: int = (
        1  # Retry-After of an injected 429 (the real limit's reset can be up to 60 s)
    )
    media_url_ttl: int = 3600  # recordingPlaybackUrlTtl default: 60 minutes
    secure_ivr_seconds: float = 3.0  # how long a secure flow (a supervisor's notice) runs
    transcript_url_ttl: int = 600  # "the generated URL expires after 10 minutes"
    # Media
    sample_rate: int = 8000
    original_format: str = "OGG_OPUS"  # what batch downloads return (the stored codec)
    media_cache_bytes: int = 512 * 1024 * 1024
    media_bytes_per_second: int = 0  # a slow link for presigned downloads (0: as fast as it goes)
    # Faults and the test-only control endpoint
    faults: str = ""
    cache_dir: str | None = None  # where encoded audio is kept; a temporary directory by default
    # A directory of encoded audio shared with other emulators (emulator/shared_encodes.py)
    shared_media: str | None = field(
        default_factory=lambda: os.environ.get("GENESYS_EMULATOR_SHARED_MEDIA") or None
    )
    control: bool = False
