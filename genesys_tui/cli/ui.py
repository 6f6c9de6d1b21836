"""Open the TUI (the only command module that reaches into tui/, and only when called)."""

from __future__ import annotations

from genesys_tui.cli.common import Context


def cmd_tui(ctx: Context) -> int:
    from genesys_tui.context.app import AppContext
    from genesys_tui.tui.launch import run_app

    readonly = getattr(ctx.args, "readonly", False)
    return run_app(AppContext(ctx.config, ctx.paths, ctx.target(), readonly=readonly))


def cmd_open(ctx: Context) -> int:
    """genesys-tui open ID[@MM:SS]: the TUI, in Review on that call at that moment."""
    from genesys_tui.cli.common import CommandError
    from genesys_tui.context.app import AppContext
    from genesys_tui.flows.review.links import MomentError, parse_moment
    from genesys_tui.tui.launch import run_app

    try:
        moment = parse_moment(ctx.args.moment)
    except MomentError as e:
        raise CommandError(str(e), code=2) from None
    readonly = getattr(ctx.args, "readonly", False)
    app_ctx = AppContext(ctx.config, ctx.paths, ctx.target(), readonly=readonly, open_at=moment)
    return run_app(app_ctx)


def cmd_demo(ctx: Context) -> int:
    from genesys_tui.emulator.faults import FaultSpecError, parse_faults

    try:
        parse_faults(ctx.args.faults or "")
    except FaultSpecError as e:
        from genesys_tui.cli.common import CommandError

        raise CommandError(f"--faults: {e}", code=2) from None
    if ctx.args.web:
        from genesys_tui.cli.web import cmd_web

        return cmd_web(ctx, demo=True)
    from genesys_tui.tui.launch import run_demo

    return run_demo(ctx.config, ctx.paths, ctx.args)
