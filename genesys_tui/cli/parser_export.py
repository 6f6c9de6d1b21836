"""The `export` command's arguments (start, reconcile, list, status, cancel, failed)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from genesys_tui.cli.argtypes import job_id


def add_export(add: Callable[[str, str], argparse.ArgumentParser], common) -> None:
    from genesys_tui.cli.parser import _filters

    p = add(
        "export",
        "Genesys's own bulk EXPORT of recordings into your S3 bucket: start, list, status, "
        "cancel, failed",
    )
    ex = p.add_subparsers(dest="export_command", metavar="ACTION", required=True)
    q = ex.add_parser(
        "start",
        parents=[common],
        help="create EXPORT jobs for an interval and the fetch filters, confirm, start them",
        description="Builds the conversation query from the interval and filters, creates the "
        "EXPORT job (a month at most each; at most 2 pending or processing in the org), shows "
        "what Genesys counted, asks, then starts it. Run it again to resume.",
    )
    q.add_argument("--interval", required=True, help="START/END, a date, or a quick range")
    _filters(q)
    q.add_argument(
        "--integration",
        metavar="ID",
        help="the AWS S3 Recording Bulk Actions integration (default: the org's only active one)",
    )
    q.add_argument(
        "--include-sensitive",
        action="store_true",
        help="include recordings with sensitive data (includeRecordingsWithSensitiveData)",
    )
    q.add_argument("--yes", action="store_true", help="start the jobs without asking")
    q.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    q.add_argument("--poll", type=float, help=argparse.SUPPRESS)
    q = ex.add_parser(
        "reconcile",
        parents=[common],
        help="what the interval owed against what is in the bucket, recording by recording",
        description="Lists the org's part of the bucket day by day and every conversation with "
        "recordings in the interval, and classifies each recording: exported, incomplete, corrupt "
        "(--verify), failed, archived, missing, unexpected. Writes a manifest (CSV and JSON lines); "
        "exit 0 only when everything owed is there.",
    )
    q.add_argument("--interval", required=True, help="START/END, a date, or a quick range")
    _filters(q)
    where = q.add_mutually_exclusive_group()
    where.add_argument(
        "--bucket",
        metavar="s3://BUCKET[/PREFIX]",
        help="the export bucket (default: the profile's export_bucket)",
    )
    where.add_argument("--dir", metavar="PATH", help="a local mirror of it (aws s3 sync)")
    q.add_argument(
        "--endpoint-url", metavar="URL", help="an S3-compatible endpoint (default: s3.endpoint_url)"
    )
    q.add_argument(
        "--verify",
        choices=("sample", "all"),
        help="download and decode about 1 in 20 recordings (or all) and check their length",
    )
    q.add_argument(
        "--manifest",
        metavar="PATH",
        help="where the manifest goes: PATH.csv and PATH.jsonl (default ./export-manifest)",
    )
    q.add_argument(
        "--source",
        choices=("auto", "query", "jobs"),
        default="auto",
        help="where the owed conversations come from: the details query, an async details job "
        "(cursor-paged; only what analytics's data lake holds), or auto: a job when the query "
        "counts more than it pages (100,000)",
    )
    for name, text in (
        ("list", "the org's EXPORT jobs: state, progress, counts"),
        ("status", "one job: state, percentProgress, processed/skipped/failed, errorMessage"),
        ("cancel", "cancel a job (pending, ready or processing)"),
        ("failed", "the recordings a job failed to export"),
    ):
        q = ex.add_parser(name, parents=[common], help=text, description=text)
        if name != "list":
            q.add_argument("job_id", metavar="JOB_ID", type=job_id)
        else:
            q.add_argument("--state", help="only jobs in this state, e.g. PROCESSING")
        if name in ("list", "status", "failed"):
            q.add_argument("--json", action="store_true", help="JSON lines")
        q.add_argument("--poll", type=float, help=argparse.SUPPRESS)
