"""Shared fixtures: an isolated home (config, data, cache, logs in tmp), an in-memory keyring, and
the emulator served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from genesys_tui.core.asgi_thread import free_port
from genesys_tui.emulator import EmulatorServer, EmulatorSettings
from genesys_tui.genesys.pkce import redirect_uri_for

# A suite started in the background by a non-interactive shell (`pytest ... &`) has SIGINT
# ignored, and so would every command it starts: the tests that stop one with SIGINT (Ctrl-C)
# would wait for it for ever. Commands started here get Python's own Ctrl-C again.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ANCHOR = datetime(2026, 5, 14, 15, 30, tzinfo=UTC)  # the synthetic org's "now" in most tests
# The sign-in's callback port for the whole run, registered on the emulator's code-grant clients as
# an admin would register one (a fixed default, 8765, could be taken on a developer's machine).
REDIRECT_PORT = free_port()
# Requests a minute for clients and emulators in tests that are not about pacing: Genesys's 300
# would make most of the suite wait on the clock. Tests about pacing are marked `paced` and set
# their own limits.
UNPACED = 100_000


class MemoryKeyring(KeyringBackend):
    """Tests never touch a real keyring daemon."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.store:
            raise PasswordDeleteError("not found")
        del self.store[(service, username)]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("home")
    dirs = {}
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        path = home / sub
        path.mkdir()
        monkeypatch.setenv(var, str(path))
        dirs[var] = str(path)
    monkeypatch.setenv("HOME", str(home))
    for var in list(os.environ):
        if var.startswith("GENESYS_") and var != SHARED_MEDIA:
            monkeypatch.delenv(var)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    yield dirs


SHARED_MEDIA = "GENESYS_EMULATOR_SHARED_MEDIA"


@pytest.fixture(scope="session", autouse=True)
def shared_media(tmp_path_factory) -> Path:
    """Every emulator of this run, in every worker and subprocess, shares its encoded audio
    (emulator/shared_encodes.py): the same org's recordings are encoded once, not per test.
    It lives in the run's own temporary directory and goes with it."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared-media"
    os.environ[SHARED_MEDIA] = str(root)
    return root


@pytest.fixture(autouse=True)
def unpaced(request, monkeypatch) -> None:
    """Every client a test builds sends unpaced, unless the test is marked `paced` (it is about
    the client's budget): the limiter, not the profile, is lifted, so configs stay as users
    write them."""
    if request.node.get_closest_marker("paced"):
        return
    from genesys_tui.genesys import client as client_module
    from genesys_tui.genesys import pacing as pacing_module
    from genesys_tui.genesys.ratelimit import RateLimiter

    def lifted(per_minute: int = UNPACED, **kw) -> RateLimiter:
        return RateLimiter(max(per_minute, UNPACED), **kw)

    monkeypatch.setattr(client_module, "RateLimiter", lifted)
    # and asks again about slow work (transcodes, batches, jobs) at once, not after seconds
    monkeypatch.setattr(pacing_module, "PACING", pacing_module.Pacing(0.02, 0.05, 0.05, 0.05))
    # and a notification socket that a test closes again and again is reconnected at once
    from genesys_tui.genesys import notifications

    monkeypatch.setattr(notifications, "FIRST_DELAY", 0.01)
    monkeypatch.setattr(notifications, "PER_MINUTE", 10_000)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


def small_org(**overrides) -> EmulatorSettings:
    base = dict(
        seed=11,
        conversations=240,
        days=10,
        anchor=ANCHOR,
        transcode_seconds=0.2,
        batch_seconds=0.2,
        job_seconds=0.3,
        restore_seconds=0.3,
        duration_scale=0.25,
        control=True,
        rate_limit_per_minute=UNPACED,
        redirect_uris=(redirect_uri_for(REDIRECT_PORT),),
    )
    base.update(overrides)
    return EmulatorSettings(**base)


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    """One shared emulator for read-mostly tests (tests that change state start their own)."""
    with EmulatorServer(small_org()) as srv:
        yield srv


@pytest.fixture
def fresh_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(small_org()) as srv:
        yield srv


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 in server mode on 127.0.0.1: a real S3 protocol endpoint."""
    from moto.server import ThreadedMotoServer

    from genesys_tui.emulator.server import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch):
    """A fresh bucket and a boto3 client for it; AWS credentials are dummies for moto."""
    import uuid

    import boto3

    for k, v in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(k, v)
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    bucket = f"calls-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket, s3_server


@pytest.fixture
def demo_env(monkeypatch, emulator):
    """Environment credentials for the shared emulator, as an unattended run would use."""
    monkeypatch.setenv("GENESYS_CLIENT_ID", emulator.emulator.s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", emulator.emulator.s.client_secret)
    return emulator
