"""Open the TUI (the only command module that reaches into tui/, and only when called)."""

from __future__ import annotations

from genesys_tui.cli.common import Context


def cmd_tui(ctx: Context) -> int:
    from genesys_tui.context.app import AppContext
    from genesys_tui.tui.launch import run_app

    readonly = getattr(ctx.args, "readonly", False)
    return run_app(AppContext(ctx.config, ctx.paths, ctx.target(), readonly=readonly))


def cmd_demo(ctx: Context) -> int:
    from genesys_tui.emulator.faults import FaultSpecError, parse_faults

    try:
        parse_faults(ctx.args.faults or "")
    except FaultSpecError as e:
        from genesys_tui.cli.common import CommandError

        raise CommandError(f"--faults: {e}", code=2) from None
    from genesys_tui.tui.launch import run_demo

    return run_demo(ctx.config, ctx.paths, ctx.args)
