"""`genesys-tui convert` where nobody watches a bar (-q, or stderr not a terminal), started with
what it needs only: its own options, the config's media settings, the converter. No other
command's parser and no Rich: for a short file the process's start is most of its time
(`python bench/media.py --downmix`). The same conversion and the same lines as cli/media.py,
without colour; with a terminal to draw bars on, that one runs instead."""

from __future__ import annotations

import sys


def wanted(argv: list[str]) -> bool:
    if not argv or argv[0] != "convert" or {"-h", "--help"} & set(argv):
        return False
    return "-q" in argv or "--quiet" in argv or not sys.stderr.isatty()


def run(argv: list[str], terminated) -> int:
    from genesys_tui.cli.parser_convert import convert_parser
    from genesys_tui.core.errors import UserError, user_message
    from genesys_tui.core.terminal import clean

    a = convert_parser().parse_args(argv[1:])
    try:
        import os

        from genesys_tui.core.config import load_config
        from genesys_tui.core.paths import app_paths

        paths = app_paths(a.config)
        explicit = bool(a.config or os.environ.get("GENESYS_TUI_CONFIG"))
        media = load_config(paths.config_file, explicit=explicit).media
        from genesys_tui.cli.convert_run import NoBars, convert_all, options

        try:
            opts = options(a, media)
        except ValueError as e:
            print(f"genesys-tui: {clean(e)}", file=sys.stderr)
            return 2

        def say(line: str, failed: bool) -> None:
            mark = "" if line.endswith("file(s) failed") else ("✗ " if failed else "✓ ")
            print(mark + clean(line), file=sys.stderr, flush=True)

        return 1 if convert_all(a.files, a.to, opts, say, NoBars()) else 0
    except KeyboardInterrupt:
        print(f"genesys-tui: {'terminated' if terminated() else 'interrupted'}", file=sys.stderr)
        return 143 if terminated() else 130
    except UserError as e:
        print(f"genesys-tui: {clean(user_message(e) or e)}", file=sys.stderr)
        return 1
