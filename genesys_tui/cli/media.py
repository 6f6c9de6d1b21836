"""convert: local audio files to mono WAV, WAV, WebM/Opus, OGG/Opus or one WAV per party."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from genesys_tui.cli.common import Context
from genesys_tui.core.files import sweep_temps
from genesys_tui.media.convert import ConvertOptions, convert_file
from genesys_tui.media.errors import MediaError


def cmd_convert(ctx: Context) -> int:
    a = ctx.args
    m = ctx.config.media
    try:
        opts = ConvertOptions(
            format=a.format,
            mode=a.mode,
            rate=a.rate,
            depth=a.depth,
            bitrate=a.bitrate or m.opus_bitrate,
            customer_channel=m.customer_channel,
            agent_channel=m.agent_channel,
        )
    except ValueError as e:
        ctx.err.print(f"genesys-tui: {e}", highlight=False)
        return 2
    to = Path(a.to).expanduser() if a.to else None
    for d in {to} if to else {Path(n).parent for n in a.files}:
        sweep_temps(d)  # what a killed run left behind
    failures = 0
    with _progress(ctx, a.quiet) as progress:
        for name in a.files:
            src = Path(name)
            task = progress.add_task(src.name[:40], total=None)

            def report(done: int, total: int | None, task=task) -> None:
                progress.update(task, completed=done, total=total)

            try:  # one file at a time: Opus decodes on both cores
                outs = convert_file(src, to or src.parent, opts, report, threads=2)
            except MediaError as e:
                failures += 1
                progress.console.print(f"[red]✗[/] {escape(str(e))}", highlight=False)
            except Exception as e:  # noqa: BLE001 - one bad file never stops the others
                failures += 1
                progress.console.print(
                    f"[red]✗[/] {escape(str(src))}: cannot convert ({type(e).__name__}: "
                    f"{escape(str(e)[:200])})",
                    highlight=False,
                )
            else:
                progress.console.print(
                    f"[green]✓[/] {src} → {', '.join(str(o) for o in outs)}", highlight=False
                )
            finally:
                progress.remove_task(task)
    if failures:
        ctx.err.print(f"{failures} of {len(a.files)} file(s) failed", highlight=False)
    return 1 if failures else 0


class _Quiet:
    """A Progress that draws nothing: no bar where nobody watches (rich.progress not loaded)."""

    def __init__(self, ctx: Context) -> None:
        self.console = ctx.err

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def add_task(self, *a, **k) -> int:
        return 0

    def update(self, *a, **k) -> None:
        return None

    def remove_task(self, task: int) -> None:
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
