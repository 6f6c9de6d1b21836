"""Open the TUI (the only command module that reaches into tui/, and only when called)."""

from __future__ import annotations

from genesys_tui.commands.common import CommandError, Context


def cmd_tui(ctx: Context) -> int:
    try:
        from genesys_tui.tui.launch import run_app
    except ImportError as e:
        raise CommandError(f"the TUI is not available in this build ({e})") from None
    return run_app(ctx)
