"""TOML configuration: profiles and settings, validated with messages that name file, key and problem."""

from __future__ import annotations

import difflib
import math
import os
import tomllib
import types
import typing
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from genesys_tui.core.errors import UserError

PROFILE_ENV = "GENESYS_TUI_PROFILE"


class ConfigError(UserError):
    """A problem in the config file. str() is the one-line message a user sees."""

    def __init__(self, file: Path | str | None, key: str, problem: str):
        self.file, self.key, self.problem = file, key, problem
        where = f"{file}: " if file else ""
        super().__init__(
            f"config error in {where}{key}: {problem}"
            if key
            else f"config error in {where}{problem}"
        )


def _opt(default: Any, help: str, **checks: Any) -> Any:
    """A config field with a default, a one-line help text and optional checks (choices, min, max)."""
    if isinstance(default, (list, dict)):
        return field(
            default_factory=lambda: type(default)(default), metadata={"help": help, **checks}
        )
    return field(default=default, metadata={"help": help, **checks})


@dataclass
class S3Target:
    bucket: str = _opt("", "bucket name; empty means no S3 target")
    prefix: str = _opt("", "key prefix inside the bucket, e.g. 'recordings/'")
    endpoint_url: str = _opt("", "custom S3 endpoint (MinIO, moto, ...); empty for AWS")
    region: str = _opt("", "AWS region of the bucket; empty uses the standard AWS chain")


@dataclass
class RetrySettings:
    max_attempts: int = _opt(8, "attempts per request, the first one included", min=1, max=50)
    max_total_seconds: float = _opt(120.0, "give up retrying after this long", min=0)
    base_delay: float = _opt(
        1.0, "first back-off delay for 5xx and network errors (seconds)", min=0
    )
    max_delay: float = _opt(30.0, "largest single back-off delay (seconds)", min=0)
    max_retry_after: float = _opt(180.0, "a 429 asking to wait longer than this is an error", min=0)


@dataclass
class Profile:
    name: str = ""
    region: str = _opt(
        "us_east_1", "region name (us_east_1, eu_west_1, ...) or domain (mypurecloud.ie)"
    )
    client_id: str = _opt(
        "", "OAuth client id (client credentials grant); the secret lives in the keyring"
    )
    user_client_id: str = _opt(
        "", "OAuth client id for `login --user` (PKCE); defaults to client_id"
    )
    redirect_port: int = _opt(
        8765,
        "loopback port of the sign-in redirect: the OAuth client must have "
        "http://127.0.0.1:PORT/oauth/callback registered",
        min=1,
        max=65535,
    )
    base_url: str = _opt(
        "", "custom API base URL: loopback (the emulator) only, unless allow_custom_host"
    )
    allow_custom_host: bool = _opt(False, "allow a non-loopback base_url (credentials go there!)")
    output_dir: str = _opt("~/genesys-recordings", "where downloads go")
    naming: str = _opt(
        "{date}/{queue}/{conversationId}_{recordingId}.{ext}", "output path template"
    )
    rate_limit_per_minute: int = _opt(
        300, "client-side request budget per token", min=1, max=100000
    )
    timeout_seconds: float = _opt(30.0, "HTTP timeout per request", min=1)
    readonly: bool = _opt(False, "disable every action that changes a call")
    export_bucket: str = _opt(
        "",
        "where Genesys's bulk exports land, for `export reconcile` and the TUI's check: "
        "s3://BUCKET[/PREFIX] (s3.endpoint_url applies) or a local mirror directory",
    )
    s3: S3Target = field(default_factory=S3Target, metadata={"help": "S3 target"})
    retry: RetrySettings = field(default_factory=RetrySettings, metadata={"help": "retry policy"})


@dataclass
class UISettings:
    theme: str = _opt("textual-dark", "Textual theme name")
    waveform: str = _opt("braille", "waveform glyphs", choices=("braille", "block", "ascii"))
    keys: dict[str, str] = _opt(
        {}, "your keys for the TUI's actions: binding id = keys (`?` in the TUI shows the ids)"
    )
    colors: dict[str, str] = _opt(
        {}, "theme variables to change, e.g. role-agent = '#4ade80' (see the README)"
    )


@dataclass
class BrowseSettings:
    job_threshold: int = _opt(
        5000,
        "list an interval by an async details job when the query counts more conversations "
        "than this in its first 7 days (the query pages 100 a request, a job 1,000)",
        min=1,
    )


@dataclass
class MediaSettings:
    customer_channel: int = _opt(
        0, "channel of a dual-channel recording holding the customer (external)", min=0, max=7
    )
    agent_channel: int = _opt(1, "channel holding the agent (internal)", min=0, max=7)
    opus_bitrate: int = _opt(
        32000, "bits per second for WebM/Opus and OGG/Opus output", min=6000, max=510000
    )


@dataclass
class ReviewSettings:
    cache_max_mb: int = _opt(
        2048, "downloaded recordings and transcripts kept for Review; oldest removed first", min=0
    )
    serve_host: str = _opt(
        "127.0.0.1",
        "address browser playback listens on; only change it to expose the recording on purpose",
    )
    serve_port: int = _opt(
        0,
        "port for `serve` and the viewer's browser playback; 0 picks a free one",
        min=0,
        max=65535,
    )
    evaluator: str = _opt(
        "",
        "user ID evaluations are submitted as when signed in with client credentials "
        "(a signed-in user evaluates as themselves)",
    )


ACTIONS = ("monitor", "coach", "barge", "notice")


@dataclass
class QueueRule:
    allowed_actions: list[str] = _opt(list(ACTIONS), "actions allowed on this queue's calls")
    working_hours: str = _opt(
        "", "overrides supervise.working_hours for this queue; empty: the global rule"
    )


@dataclass
class WebhookSettings:
    url: str = _opt("", "HTTPS URL that receives every audit record as JSON; empty: no webhook")
    timeout_seconds: float = _opt(10.0, "per delivery attempt", min=1)
    max_backoff_seconds: float = _opt(
        3600.0, "longest wait between attempts (deliveries never give up)", min=1
    )


@dataclass
class AlertRules:
    hold_seconds: int = _opt(120, "alert when a party is on hold longer (0: off)", min=0)
    silence_seconds: int = _opt(
        45, "alert when nobody has spoken on a connected call this long (0: off)", min=0
    )
    queue_wait_seconds: int = _opt(
        120, "alert when a customer waits in queue longer (0: off)", min=0
    )
    keywords: list[str] = _opt(
        [], "words or phrases that raise an alert when said (case-insensitive)"
    )
    sentiment_below: float = _opt(
        -50.0,
        "alert when the call's sentiment (-100..100) drops below (-100: off)",
        min=-100,
        max=100,
    )
    secure_pause: bool = _opt(True, "alert when a call enters a secure pause")
    bell: bool = _opt(False, "ring the terminal bell on every new alert")
    toasts: str = _opt(
        "supervise",
        "pop up new alerts: in Supervise only, in every area, or never (the header counts them)",
        choices=("supervise", "all", "none"),
    )


@dataclass
class SuperviseSettings:
    consent_attribute: str = _opt(
        "supervision_consent", "participant attribute holding the agent's consent"
    )
    consent_values: list[str] = _opt(
        ["true"], "attribute values that grant consent (case-insensitive)"
    )
    allowed_actions: list[str] = _opt(list(ACTIONS), "monitor, coach, barge, notice")
    working_hours: str = _opt(
        "", "when actions are allowed, e.g. 'Mon-Fri 08:00-18:00'; empty: always"
    )
    timezone: str = _opt("UTC", "time zone of working_hours (IANA name, e.g. Europe/London)")
    max_notice_seconds: int = _opt(60, "longest notice flow a supervisor may start", min=1)
    actions_per_hour: int = _opt(30, "dispatched actions per supervisor per rolling hour", min=1)
    refresh_seconds: float = _opt(
        5.0, "how often the live-call list is read again when it cannot be pushed", min=1
    )
    watch_queues: list[str] = _opt(
        [], "queues (names or ids) whose calls are pushed to Supervise; empty: every queue"
    )
    poll_budget_per_minute: int = _opt(
        60, "requests a minute the live list may spend when it has to poll", min=2, max=1000
    )
    live_window_hours: int = _opt(
        12, "how far back to look for calls that have not ended", min=1, max=168
    )
    queues: dict[str, QueueRule] = field(
        default_factory=dict, metadata={"help": "per-queue rules, by name or id"}
    )
    webhook: WebhookSettings = field(
        default_factory=WebhookSettings, metadata={"help": "QA webhook"}
    )
    alerts: AlertRules = field(default_factory=AlertRules, metadata={"help": "live-call alerts"})


@dataclass
class Notice:
    flow_id: str = _opt("", "Architect secure flow that plays the notice")
    max_duration_seconds: int = _opt(30, "how long the flow may take", min=1)
    description: str = _opt("", "shown when choosing a notice")


@dataclass
class KeyringSettings:
    allow_plaintext: bool = _opt(
        False, "accept a plaintext keyring backend (keyrings.alt); not recommended"
    )


@dataclass
class LoggingSettings:
    level: str = _opt("INFO", "file log level", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    max_bytes: int = _opt(5_000_000, "rotate the log file at this size", min=10_000)
    backups: int = _opt(3, "rotated log files to keep", min=0, max=100)


@dataclass
class Config:
    default_profile: str = _opt("default", "profile used when --profile is not given")
    readonly: bool = _opt(False, "global read-only mode (as --readonly)")
    profiles: dict[str, Profile] = field(default_factory=dict)
    ui: UISettings = field(default_factory=UISettings)
    browse: BrowseSettings = field(default_factory=BrowseSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    supervise: SuperviseSettings = field(default_factory=SuperviseSettings)
    notices: dict[str, Notice] = field(default_factory=dict)
    keyring: KeyringSettings = field(default_factory=KeyringSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    source: Path | None = field(default=None, metadata={"internal": True})

    def profile(self, name: str | None = None, *, create: bool = False) -> Profile:
        """The named profile, or the default one. Unknown names are an error (a typo must not
        silently hit another org), except for `login`, which creates profiles (create=True)."""
        wanted = name or os.environ.get(PROFILE_ENV) or self.default_profile
        if wanted in self.profiles:
            return self.profiles[wanted]
        if create or (not self.profiles and (not name or wanted == self.default_profile)):
            return Profile(name=wanted)
        known = ", ".join(sorted(self.profiles)) or "none"
        raise ConfigError(self.source, f"profiles.{wanted}", f"no such profile (known: {known})")


MAX_CONFIG_BYTES = 1 << 20


def load_config(path: Path, *, explicit: bool = False) -> Config:
    """Read and validate the config. A missing file gives defaults, unless it was named explicitly."""
    if not path.exists():
        if explicit:
            raise ConfigError(path, "", "file not found")
        return Config(source=None)
    try:
        text = path.read_text(encoding="utf-8")
        if len(text) > MAX_CONFIG_BYTES:
            raise ConfigError(path, "", f"the file is larger than {MAX_CONFIG_BYTES >> 10} KB")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "", f"invalid TOML: {e}") from None
    except RecursionError:
        raise ConfigError(path, "", "invalid TOML: nested too deeply") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(path, "", f"cannot read: {e}") from None
    cfg = _build(Config, data, "", path)
    cfg.source = path
    for pname, prof in cfg.profiles.items():
        prof.name = pname
    if cfg.profiles and "default_profile" in data and cfg.default_profile not in cfg.profiles:
        raise ConfigError(
            path, "default_profile", f"names profile '{cfg.default_profile}', which is not defined"
        )
    _check_supervise(cfg, path)
    return cfg


def _check_supervise(cfg: Config, path: Path) -> None:
    """What the table types cannot say: action names, working hours, the time zone, notices."""
    from genesys_tui.core.hours import HoursError, parse_hours

    sup = cfg.supervise
    rules = [("supervise", sup.allowed_actions, sup.working_hours)]
    rules += [
        (f"supervise.queues.{name}", r.allowed_actions, r.working_hours)
        for name, r in sup.queues.items()
    ]
    for where, actions, hours in rules:
        for a in actions:
            if a not in ACTIONS:
                raise ConfigError(
                    path,
                    f"{where}.allowed_actions",
                    f"unknown action {a!r}; one of {', '.join(ACTIONS)}",
                )
        try:
            parse_hours(hours)
        except HoursError as e:
            raise ConfigError(path, f"{where}.working_hours", str(e)) from None
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(sup.timezone)
    except Exception:  # noqa: BLE001 - ZoneInfoNotFoundError, ValueError
        raise ConfigError(
            path, "supervise.timezone", f"unknown time zone {sup.timezone!r}"
        ) from None
    url = sup.webhook.url
    if url and not (url.startswith("https://") or _loopback_http(url)):
        raise ConfigError(
            path, "supervise.webhook.url", "must be https:// (plain http only to 127.0.0.1)"
        )
    for name, n in cfg.notices.items():
        if not n.flow_id:
            raise ConfigError(
                path,
                f"notices.{name}.flow_id",
                "required: the Architect flow that plays the notice",
            )


def _loopback_http(url: str) -> bool:
    from urllib.parse import urlsplit

    u = urlsplit(url)
    return u.scheme == "http" and u.hostname in ("127.0.0.1", "::1", "localhost")


def _build(cls: type, table: Any, keypath: str, file: Path) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(file, keypath, f"expected a table, got {_kind(table)}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls) if not f.metadata.get("internal") and f.name != "name"}
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(file, _join(keypath, key), f"unknown key{hint}")
    kwargs = {}
    for name, f in known.items():
        if name in table:
            kwargs[name] = _value(hints[name], table[name], _join(keypath, name), file, f.metadata)
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ConfigError(file, _join(keypath, name), "required key is missing")
    return cls(**kwargs)


def _value(hint: Any, value: Any, keypath: str, file: Path, meta: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin is dict:
        _, vtype = typing.get_args(hint)
        if not isinstance(value, dict):
            raise ConfigError(file, keypath, f"expected a table, got {_kind(value)}")
        return {k: _value(vtype, v, _join(keypath, k), file, {}) for k, v in value.items()}
    if origin is list:
        (itype,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(file, keypath, f"expected a list, got {_kind(value)}")
        return [_value(itype, v, f"{keypath}[{i}]", file, {}) for i, v in enumerate(value)]
    if origin in (typing.Union, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    if isinstance(hint, type) and hasattr(hint, "__dataclass_fields__"):
        return _build(hint, value, keypath, file)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(file, keypath, f"expected true or false, got {_kind(value)}")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(file, keypath, f"expected an integer, got {_kind(value)}")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(file, keypath, f"expected a number, got {_kind(value)}")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(file, keypath, f"expected a finite number, got {value}")
    elif hint is str and not isinstance(value, str):
        raise ConfigError(file, keypath, f"expected a string, got {_kind(value)}")
    if "choices" in meta and value not in meta["choices"]:
        raise ConfigError(
            file, keypath, f"must be one of {', '.join(map(str, meta['choices']))}; got {value!r}"
        )
    if "min" in meta and value < meta["min"]:
        raise ConfigError(file, keypath, f"must be at least {meta['min']}; got {value!r}")
    if "max" in meta and value > meta["max"]:
        raise ConfigError(file, keypath, f"must be at most {meta['max']}; got {value!r}")
    return value


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
