"""Pilot fixtures: the real app against the emulator on 127.0.0.1, with a fixed "now" so quick
ranges and snapshots are deterministic, and no cursor blink."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from genesys_tui.context import Target, build_client
from genesys_tui.context.app import AppContext
from genesys_tui.core.config import Config, Profile
from genesys_tui.core.paths import AppPaths
from genesys_tui.genesys.regions import hosts_for
from tests.conftest import ANCHOR, REDIRECT_PORT

SIZE = (160, 45)
FOR_LIFE = {"queue", "live-board", "floor"}  # workers that run as long as the app: never idle


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch):
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None, raising=False)


@pytest.fixture(autouse=True)
def notifications_kept(monkeypatch):
    """Every notification an app raised, in `notes(app)`: a toast leaves app._notifications
    when it times out, which on a slow machine can be before the test looks."""
    from textual.notifications import Notifications

    add = Notifications.add

    def keep(self, notification):
        self.__dict__.setdefault("raised", []).append(notification)
        return add(self, notification)

    monkeypatch.setattr(Notifications, "add", keep)


def notes(app) -> list:
    """The notifications `app` raised so far, expired ones included."""
    return list(app._notifications.__dict__.get("raised", []))


def make_app(
    srv,
    tmp_path: Path,
    *,
    signed_in: bool = True,
    client_id: str | None = None,
    region: str = "",
    demo: bool = False,
    readonly: bool = False,
    config: Config | None = None,
    paths: AppPaths | None = None,
    **options,
):
    """The app as `genesys-tui tui` builds it (tui.launch.make_app), on the emulator `srv`, with
    a fixed "now"; `options` are make_app's own (queue_pool, player_backend)."""
    from genesys_tui.tui.launch import make_app as build

    s = srv.emulator.s
    paths = paths or AppPaths(
        tmp_path / "config.toml", tmp_path / "data", tmp_path / "cache", tmp_path / "log"
    )
    base = "" if region else srv.base_url
    profile = Profile(
        name="default",
        region=region or "us_east_1",
        base_url=base,
        client_id=s.client_id if client_id is None else client_id,
        user_client_id=s.pkce_client_id,
        redirect_port=REDIRECT_PORT,
        output_dir=str(tmp_path / "out"),
    )
    target = Target(profile, hosts_for(profile.region, base), False, False)
    client = build_client(target, s.client_id, s.client_secret) if signed_in else None
    ctx = AppContext(
        config=config or Config(),
        paths=paths,
        target=target,
        client=client,
        demo=demo,
        readonly=readonly,
        now=ANCHOR,
        output_dir=str(tmp_path / "out"),
    )
    return build(ctx, **options)


async def settle(pilot, app, timeout: float = 15.0) -> None:
    """Wait until the app has signed in, loaded, and its workers are idle."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        browse = app.area("browse")
        busy = [w for w in app.workers if w.is_running and w.name not in FOR_LIFE]
        if (
            app.session is not None
            and browse is not None
            and not browse.fetching
            and not busy
            and app.doctor_report is not None
        ):  # the sign-in's permission check has reported
            await pilot.pause(0.1)
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the app did not settle")


async def idle(pilot, timeout: float = 15.0) -> None:
    """Until the app has handled its messages and its workers are done (the download queue and
    the live list excepted: they run for the app's life). Use it instead of a fixed sleep after a key that
    starts work; wait for a condition (wait_for) when the work is on a timer."""
    import asyncio
    import time

    app = pilot.app
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        running = [w for w in app.workers if w.is_running and w.name not in FOR_LIFE]
        if not running:
            await pilot.pause()
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"workers still running: {[w.name for w in running]}")
        await asyncio.sleep(0.02)


async def wait_for(pilot, predicate, timeout: float = 20.0) -> None:
    """Until `predicate()` holds, handling the app's messages meanwhile."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the condition")
        await pilot.pause()
        await asyncio.sleep(0.02)
