"""The `genesys-tui` command: the TUI, `demo`, and headless subcommands, each run by its module
in cli/ (the arguments are in cli/parser.py)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from genesys_tui.cli.parser import build_parser

COMMANDS = {
    "demo": ("genesys_tui.cli.ui", "cmd_demo"),
    "open": ("genesys_tui.cli.ui", "cmd_open"),
    "sample": ("genesys_tui.cli.sample", "cmd_sample"),
    "search": ("genesys_tui.cli.search", "cmd_search"),
    "evaluate": ("genesys_tui.cli.evaluate", "cmd_evaluate"),
    "info": ("genesys_tui.cli.account", "cmd_info"),
    "login": ("genesys_tui.cli.account", "cmd_login"),
    "logout": ("genesys_tui.cli.account", "cmd_logout"),
    "conversations": ("genesys_tui.cli.browse", "cmd_conversations"),
    "recordings": ("genesys_tui.cli.browse", "cmd_recordings"),
    "emulator": ("genesys_tui.cli.emulate", "cmd_emulator"),
    "doctor": ("genesys_tui.cli.account", "cmd_doctor"),
    "convert": ("genesys_tui.cli.media", "cmd_convert"),
    "fetch": ("genesys_tui.cli.fetch", "cmd_fetch"),
    "jobs": ("genesys_tui.cli.fetch", "cmd_jobs"),
    "transcript": ("genesys_tui.cli.review", "cmd_transcript"),
    "metrics": ("genesys_tui.cli.review", "cmd_metrics"),
    "serve": ("genesys_tui.cli.review", "cmd_serve"),
    "supervise": ("genesys_tui.cli.supervise", "cmd_supervise"),
    "audit": ("genesys_tui.cli.supervise", "cmd_audit"),
    "export": ("genesys_tui.cli.export", "cmd_export"),
}


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
    parser = build_parser()
    args = parser.parse_args(argv)
    with _sigterm_unwinds(args.command) as terminated:
        return _run(args, terminated)


def _run(args, terminated: Callable[[], bool]) -> int:
    import importlib

    from genesys_tui.cli.common import CommandError, make_context
    from genesys_tui.core.errors import user_message

    try:
        ctx = make_context(args)
        if args.command is None:
            from genesys_tui.cli.ui import cmd_tui

            return cmd_tui(ctx)
        module, func = COMMANDS[args.command]
        return getattr(importlib.import_module(module), func)(ctx)
    except KeyboardInterrupt:
        if terminated():
            print("genesys-tui: terminated", file=sys.stderr)
            return 143
        print("genesys-tui: interrupted", file=sys.stderr)
        return 130
    except CommandError as e:
        print(f"genesys-tui: {e}", file=sys.stderr)
        return e.code
    except Exception as e:  # noqa: BLE001 - one line, never a traceback, for anything we expected
        msg = user_message(e)
        if msg is None:
            raise
        print(f"genesys-tui: {msg}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
