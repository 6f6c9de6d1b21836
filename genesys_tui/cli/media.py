"""convert: local audio files to mono WAV, WAV, WebM/Opus, OGG/Opus or one WAV per party."""

from __future__ import annotations

from rich.markup import escape

from genesys_tui.cli.common import Context
from genesys_tui.cli.convert_run import NoBars, convert_all, options


def cmd_convert(ctx: Context) -> int:
    a = ctx.args
    try:
        opts = options(a, ctx.config.media)
    except ValueError as e:
        ctx.err.print(f"genesys-tui: {e}", highlight=False)
        return 2
    with _progress(ctx, a.quiet) as progress:

        def say(line: str, failed: bool) -> None:
            if line.endswith("file(s) failed"):
                ctx.err.print(line, highlight=False, markup=False)
            else:
                mark = "[red]✗[/]" if failed else "[green]✓[/]"
                progress.console.print(f"{mark} {escape(line)}", highlight=False)

        failures = convert_all(a.files, a.to, opts, say, progress)
    return 1 if failures else 0


class _Quiet(NoBars):
    """A Progress that draws nothing: no bar where nobody watches (rich.progress not loaded)."""

    def __init__(self, ctx: Context) -> None:
        self.console = ctx.err

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc) -> None:
        return None


def _progress(ctx: Context, quiet: bool):
    """A bar on a terminal; nothing when quiet or when the output goes to a file or a pipe."""
    if quiet or not ctx.err.is_terminal:
        return _Quiet(ctx)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    ]
    return Progress(*columns, console=ctx.err, transient=True)
