"""Start the TUI for a profile, or against the embedded emulator (`genesys-tui demo`)."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from genesys_tui.context import Target
from genesys_tui.core.config import Config
from genesys_tui.core.paths import AppPaths


def run_app(config: Config, paths: AppPaths, target: Target, *, readonly: bool = False) -> int:
    from genesys_tui.tui.app import GenesysApp

    app = GenesysApp(config=config, paths=paths, target=target, readonly=readonly)
    return app.run() or 0


def demo_notices() -> dict:
    """Notices for the demo org when the config has none (the emulator accepts any flow id)."""
    from genesys_tui.core.config import Notice

    return {
        "recording-disclosure": Notice(
            flow_id="demo-flow-recording-disclosure",
            max_duration_seconds=20,
            description="This call may be recorded for quality purposes",
        ),
        "hold-apology": Notice(
            flow_id="demo-flow-hold-apology",
            max_duration_seconds=15,
            description="Sorry for the wait; an agent is with you shortly",
        ),
    }


def demo_settings(args, redirect_port: int):
    """The demo org; its PKCE client has the demo's own callback registered (as an admin would)."""
    from genesys_tui.emulator import EmulatorSettings
    from genesys_tui.genesys.pkce import redirect_uri_for

    now = getattr(args, "now", None)
    pinned = {"anchor": now, "pin_clock": True} if now else {}
    return EmulatorSettings(
        seed=args.seed,
        conversations=args.conversations,
        faults=args.faults or "",
        transcode_seconds=1.0,
        redirect_uris=(redirect_uri_for(redirect_port),),
        deny_permissions=tuple(getattr(args, "deny_permission", None) or ()),
        **pinned,
    )


def demo_profile(srv, downloads: Path, redirect_port: int):
    from genesys_tui.core.config import Profile

    s = srv.emulator.s
    return Profile(
        name="demo",
        base_url=srv.base_url,
        client_id=s.client_id,
        user_client_id=s.pkce_client_id,
        redirect_port=redirect_port,
        output_dir=str(downloads),
    )


def run_demo(config: Config, paths: AppPaths, args) -> int:
    """The emulator on a free loopback port, its demo credentials, the same TUI; quitting stops it.
    The demo keeps its own job store, so real queues are never mixed with demo ones."""
    from genesys_tui.context import Target, build_client
    from genesys_tui.core.asgi_thread import free_port
    from genesys_tui.emulator import EmulatorServer
    from genesys_tui.genesys.regions import hosts_for
    from genesys_tui.tui.app import GenesysApp

    port = free_port()
    srv = EmulatorServer(demo_settings(args, port)).start()
    try:
        s = srv.emulator.s
        downloads = paths.data_dir / "demo-downloads"
        profile = demo_profile(srv, downloads, port)
        target = Target(
            profile, hosts_for("", srv.base_url), False, getattr(args, "readonly", False)
        )
        client = build_client(target, s.client_id, s.client_secret)
        with tempfile.TemporaryDirectory(prefix="genesys-tui-demo-") as tmp:
            config = replace(config, notices=config.notices or demo_notices())
            app = GenesysApp(
                config=config,
                paths=paths,
                target=target,
                client=client,
                demo=True,
                now=getattr(args, "now", None),
                store_path=Path(tmp) / "jobs.sqlite3",
                output_dir=str(downloads),
            )
            return app.run() or 0
    finally:
        srv.stop()
