"""Open the TUI (the only command module that reaches into tui/, and only when called)."""

from __future__ import annotations

from genesys_tui.commands.common import Context


def cmd_tui(ctx: Context) -> int:
    from genesys_tui.tui.launch import run_app

    return run_app(ctx)


def cmd_demo(ctx: Context) -> int:
    from genesys_tui.emulator.faults import FaultSpecError, parse_faults

    try:
        parse_faults(ctx.args.faults or "")
    except FaultSpecError as e:
        from genesys_tui.commands.common import CommandError

        raise CommandError(f"--faults: {e}", code=2) from None
    from genesys_tui.tui.launch import run_demo

    return run_demo(ctx)
