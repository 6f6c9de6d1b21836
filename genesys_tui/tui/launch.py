"""The TUI's one entry from outside: `make_app(context)` for the CLI (`tui`, `demo`), the tests
and the screenshot script alike, and the two ways the CLI runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: `demo` forks its emulator before the app is imported
    from genesys_tui.context.app import AppContext
    from genesys_tui.tui.app import GenesysApp


def make_app(ctx: AppContext, *, queue_pool: str = "process", player_backend=None) -> GenesysApp:
    from genesys_tui.tui.app import GenesysApp

    return GenesysApp(ctx, queue_pool=queue_pool, player_backend=player_backend)


def run_app(ctx: AppContext) -> int:
    return make_app(ctx).run() or 0


def demo_settings(args, redirect_port: int, export_dir=None):
    """The demo org; its PKCE client has the demo's own callback registered (as an admin would),
    and its S3 bulk-actions integration exports into `export_dir` (the Export area's bucket)."""
    from genesys_tui.emulator.settings import EmulatorSettings
    from genesys_tui.genesys.callback import redirect_uri_for

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
    Where processes fork, the emulator starts in one of its own at once, and the app waits for
    it only when it signs in: the org is built on the other core while this one starts the TUI.
    Its queue is the demo org's own (kept per org like any other), so it resumes next time and is
    never mixed with a real org's."""
    import os

    from genesys_tui.core.ports import free_port

    port = free_port()
    bucket = paths.data_dir / "demo-export-bucket"  # what the demo org's exports write
    settings = demo_settings(args, port, bucket)
    srv = None
    if getattr(args, "emulator_url", None):  # a browser tab of `web --demo`: its server runs
        from genesys_tui.context.app import DemoOrg, demo_context  # the one emulator for all
        from genesys_tui.emulator.ids import make_uuid

        evaluator = make_uuid(settings.seed, "supervisor", 0)
        org, ready = DemoOrg(settings, args.emulator_url, evaluator), None
    elif hasattr(os, "fork"):
        from genesys_tui.emulator.ids import make_uuid
        from genesys_tui.tui.demo_process import ForkedEmulator

        srv = ForkedEmulator(settings, free_port(), paths.log_dir / "demo-emulator.log").start()
        from genesys_tui.context.app import DemoOrg, demo_context  # after the fork: the app's

        evaluator = make_uuid(settings.seed, "supervisor", 0)  # the org's QA lead
        org, ready = DemoOrg(settings, srv.base_url, evaluator), srv.wait_ready
    else:
        from genesys_tui.context.app import DemoOrg, demo_context
        from genesys_tui.emulator import EmulatorServer

        srv = EmulatorServer(settings).start()
        org, ready = DemoOrg.of(srv), None
    try:
        ctx = demo_context(
            org,
            config,
            paths,
            redirect_port=port,
            store_path=None,  # the demo org's own, under orgs/<its id>/
            downloads=paths.data_dir / "demo-downloads",
            now=getattr(args, "now", None),
            readonly=getattr(args, "readonly", False),
            ready=ready,
        )
        return run_app(ctx)
    finally:
        if srv is not None:
            srv.stop()
