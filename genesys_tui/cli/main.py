"""The `genesys-tui` command: the TUI, `demo`, and headless subcommands, each run by its module
in cli/ (the arguments are in cli/parser.py)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


def handler(command: str) -> Callable[..., int]:
    """The function that runs `command`, imported only when it runs: `convert` and `--help` start
    without the HTTP stack and numpy (importing every command costs about 0.4 s)."""
    if command in ("demo", "open"):
        from genesys_tui.cli.ui import cmd_demo, cmd_open

        return {"demo": cmd_demo, "open": cmd_open}[command]
    if command == "web":
        from genesys_tui.cli.web import cmd_web

        return cmd_web
    if command == "sample":
        from genesys_tui.cli.sample import cmd_sample

        return cmd_sample
    if command == "search":
        from genesys_tui.cli.search import cmd_search

        return cmd_search
    if command == "evaluate":
        from genesys_tui.cli.evaluate import cmd_evaluate

        return cmd_evaluate
    if command in ("info", "login", "logout", "doctor"):
        from genesys_tui.cli.account import cmd_doctor, cmd_info, cmd_login, cmd_logout

        return {"info": cmd_info, "login": cmd_login, "logout": cmd_logout, "doctor": cmd_doctor}[
            command
        ]
    if command in ("conversations", "recordings"):
        from genesys_tui.cli.browse import cmd_conversations, cmd_recordings

        return {"conversations": cmd_conversations, "recordings": cmd_recordings}[command]
    if command == "emulator":
        from genesys_tui.cli.emulate import cmd_emulator

        return cmd_emulator
    if command == "convert":
        from genesys_tui.cli.media import cmd_convert

        return cmd_convert
    if command in ("fetch", "jobs"):
        from genesys_tui.cli.fetch import cmd_fetch, cmd_jobs

        return {"fetch": cmd_fetch, "jobs": cmd_jobs}[command]
    if command in ("transcript", "metrics", "serve"):
        from genesys_tui.cli.review import cmd_metrics, cmd_serve, cmd_transcript

        return {"transcript": cmd_transcript, "metrics": cmd_metrics, "serve": cmd_serve}[command]
    if command in ("supervise", "audit"):
        from genesys_tui.cli.supervise import cmd_audit, cmd_supervise

        return {"supervise": cmd_supervise, "audit": cmd_audit}[command]
    if command == "export":
        from genesys_tui.cli.export import cmd_export

        return cmd_export
    raise KeyError(command)


@contextlib.contextmanager
def _sigterm_unwinds(command: str | None) -> Iterator[Callable[[], bool]]:
    """While a headless command runs, SIGTERM unwinds it like Ctrl-C does, so temporaries are
    removed and jobs stay resumable (the TUI handles its own signals); the handler before it is
    put back after, so a caller of main() in-process keeps its own. Yields whether it happened."""
    import signal
    import threading

    seen: list[int] = []
    if (
        command in (None, "demo", "open")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield lambda: False
        return

    def handler(signum, frame):
        seen.append(signum)
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, handler)
    try:
        yield lambda: bool(seen)
    finally:
        signal.signal(signal.SIGTERM, before)


def main(argv: list[str] | None = None) -> int:
    from genesys_tui.cli import convert_lean

    given = sys.argv[1:] if argv is None else list(argv)
    # httpx loads its own command line (click, pygments, rich.syntax) when those are installed;
    # nothing here uses it, and it costs every start about 20 ms. A None entry makes its
    # `from ._main import main` fail with ImportError: httpx's path when its CLI is not installed.
    sys.modules.setdefault("httpx._main", None)
    if convert_lean.wanted(given):  # a conversion nobody watches: started light
        with _sigterm_unwinds("convert") as terminated:
            return convert_lean.run(given, terminated)
    from genesys_tui.cli.parser import build_parser

    parser = build_parser()
    args = parser.parse_args(argv)
    with _sigterm_unwinds(args.command) as terminated:
        return _run(args, terminated)


def _run(args, terminated: Callable[[], bool]) -> int:
    from genesys_tui.cli.common import CommandError, make_context
    from genesys_tui.core.errors import user_message
    from genesys_tui.core.terminal import clean

    try:
        ctx = make_context(args)
        if args.command is None:
            from genesys_tui.cli.ui import cmd_tui

            return cmd_tui(ctx)
        return handler(args.command)(ctx)
    except KeyboardInterrupt:
        if terminated():
            print("genesys-tui: terminated", file=sys.stderr)
            return 143
        print("genesys-tui: interrupted", file=sys.stderr)
        return 130
    except CommandError as e:
        print(f"genesys-tui: {clean(e)}", file=sys.stderr)
        return e.code
    except Exception as e:  # noqa: BLE001 - one line, never a traceback, for anything we expected
        msg = user_message(e)
        if msg is None:
            raise
        print(f"genesys-tui: {clean(msg)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
