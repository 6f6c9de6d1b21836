"""The TUI's one entry from outside: `make_app(context)` for the CLI (`tui`, `demo`), the tests
and the screenshot script alike, and the two ways the CLI runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from genesys_tui.context.app import AppContext

if TYPE_CHECKING:
    from genesys_tui.tui.app import GenesysApp


def make_app(ctx: AppContext, *, queue_pool: str = "process", player_backend=None) -> GenesysApp:
    from genesys_tui.tui.app import GenesysApp

    return GenesysApp(ctx, queue_pool=queue_pool, player_backend=player_backend)


def run_app(ctx: AppContext) -> int:
    return make_app(ctx).run() or 0


def demo_settings(args, redirect_port: int, export_dir=None):
    """The demo org; its PKCE client has the demo's own callback registered (as an admin would),
    and its S3 bulk-actions integration exports into `export_dir` (the Export area's bucket)."""
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
        export_target=f"dir:{export_dir}" if export_dir else "",
        live_rate=max(0.0, getattr(args, "live_rate", 0.0) or 0.0),
        **pinned,
    )


def run_demo(config, paths, args) -> int:
    """The emulator on a free loopback port, its demo credentials, the same TUI; quitting stops it.
    Its queue is the demo org's own (kept per org like any other), so it resumes next time and is
    never mixed with a real org's."""
    from genesys_tui.context.app import demo_context
    from genesys_tui.core.asgi_thread import free_port
    from genesys_tui.emulator import EmulatorServer

    port = free_port()
    bucket = paths.data_dir / "demo-export-bucket"  # what the demo org's exports write
    srv = EmulatorServer(demo_settings(args, port, bucket)).start()
    try:
        ctx = demo_context(
            srv,
            config,
            paths,
            redirect_port=port,
            store_path=None,  # the demo org's own, under orgs/<its id>/
            downloads=paths.data_dir / "demo-downloads",
            now=getattr(args, "now", None),
            readonly=getattr(args, "readonly", False),
        )
        return run_app(ctx)
    finally:
        srv.stop()
