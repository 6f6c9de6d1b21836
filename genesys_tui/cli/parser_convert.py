"""The options every command takes, and `convert`'s own: importable alone, so that `convert`
can start without building every other command's parser (cli/convert_lean.py)."""

from __future__ import annotations

import argparse

from genesys_tui.media.names import AVERAGE, MODES, OUTPUT_FORMATS, SAMPLE_FORMATS

CONVERT_HELP = "convert local audio files (mono WAV, WAV, WebM/Opus, OGG/Opus, one WAV per party)"


def _common(defaults: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after the subcommand name."""
    d = (lambda v: v) if defaults else (lambda v: argparse.SUPPRESS)
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("common options")
    g.add_argument(
        "--profile", default=d(None), help="profile from the config (default: default_profile)"
    )
    g.add_argument(
        "--config", default=d(None), metavar="PATH", help="config file (or $GENESYS_TUI_CONFIG)"
    )
    g.add_argument(
        "--base-url",
        default=d(None),
        metavar="URL",
        help="custom API/login base URL; loopback only unless --allow-custom-host",
    )
    g.add_argument(
        "--allow-custom-host",
        action="store_true",
        default=d(False),
        help="allow a non-loopback --base-url (credentials will be sent there)",
    )
    g.add_argument(
        "--readonly",
        action="store_true",
        default=d(False),
        help="disable actions that change calls",
    )
    g.add_argument(
        "-v", "--verbose", action="store_true", default=d(False), help="log to the console too"
    )
    return p


def add_convert_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", required=True, choices=OUTPUT_FORMATS)
    p.add_argument(
        "--mode",
        default=AVERAGE,
        choices=MODES,
        help="mono: average the channels, or keep one",
    )
    p.add_argument("--rate", type=int, metavar="HZ", help="resample (e.g. 16000 for speech tools)")
    p.add_argument(
        "--depth",
        choices=SAMPLE_FORMATS,
        help="WAV sample format (default: the input's; 16-bit for compressed input)",
    )
    p.add_argument(
        "--bitrate", type=int, metavar="BPS", help="Opus bitrate (default from config: 32000)"
    )
    p.add_argument("--to", metavar="DIR", help="output directory (default: beside each input)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


def convert_parser() -> argparse.ArgumentParser:
    """`genesys-tui convert` on its own (the same options as through the whole parser)."""
    p = argparse.ArgumentParser(
        prog="genesys-tui convert", parents=[_common(True)], description=CONVERT_HELP
    )
    return add_convert_arguments(p)
