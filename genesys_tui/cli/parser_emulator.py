"""The `emulator` command's arguments."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def add_emulator(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    from genesys_tui.cli.parser import _iso_time

    p = add("emulator", "run the embedded Genesys Cloud emulator in the foreground")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default loopback)")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--conversations", type=int, default=300)
    p.add_argument("--days", type=int, default=14)
    p.add_argument(
        "--now",
        type=_iso_time,
        metavar="ISO",
        help="pin the synthetic org's clock to this time (reproducible runs), e.g. 2026-05-01T12:00Z",
    )
    p.add_argument(
        "--faults", default="", metavar="SPEC", help="e.g. 429=0.1,503=0.05,reset=0.05,expire=0.02"
    )
    p.add_argument("--transcode-seconds", type=float, default=1.0)
    p.add_argument("--token-ttl", type=int, default=86400)
    p.add_argument("--rate-limit", type=int, default=300, help="requests per minute per token")
    p.add_argument("--control", action="store_true", help="enable the test-only control endpoint")
    p.add_argument(
        "--live-rate",
        type=float,
        default=0.0,
        metavar="PER_MINUTE",
        help="calls arriving a minute: a live contact centre whose calls ring, talk, hold and "
        "end, pushed on the notification topics (default 0: the live calls stay as they are)",
    )
    p.add_argument(
        "--transcript-delay",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="how long after words are spoken their live transcript is pushed (default 20)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--export-dir",
        metavar="PATH",
        help="give the org an S3 bulk-actions integration whose EXPORT jobs write the bucket's "
        "layout under PATH",
    )
    where.add_argument(
        "--export-s3",
        metavar="ENDPOINT_URL/BUCKET",
        help="the same, into a bucket through the S3 protocol (AWS credentials from the "
        "environment), e.g. http://127.0.0.1:5000/calls",
    )
    p.add_argument(
        "--deny-permission",
        action="append",
        default=[],
        metavar="NAME",
        help="take a permission from the demo client and supervisor (repeatable): a half-configured org",
    )
