"""Every command's arguments: the argparse parser of `genesys-tui`."""

from __future__ import annotations

import argparse

from genesys_tui import __version__
from genesys_tui.cli.argtypes import conversation_id, positive_int
from genesys_tui.cli.parser_convert import CONVERT_HELP, _common, add_convert_arguments
from genesys_tui.cli.parser_emulator import add_emulator
from genesys_tui.cli.parser_export import add_export
from genesys_tui.cli.parser_qa import add_qa
from genesys_tui.cli.parser_supervise import add_audit, add_supervise


def _filters(p: argparse.ArgumentParser) -> None:
    from genesys_tui.genesys.values import DIRECTIONS

    g = p.add_argument_group("filters (repeat a flag to match any of several values)")
    g.add_argument("--queue", action="append", metavar="NAME|ID")
    g.add_argument("--agent", action="append", metavar="NAME|EMAIL|ID")
    g.add_argument("--direction", choices=DIRECTIONS)
    g.add_argument("--media", action="append", metavar="TYPE", help="voice, chat, email, ...")
    g.add_argument("--ani", metavar="NUMBER", help="calling number, e.g. tel:+13175550123")
    g.add_argument("--dnis", metavar="NUMBER", help="dialled number")
    g.add_argument("--wrapup", action="append", metavar="NAME|ID", help="wrap-up code")
    rec = g.add_mutually_exclusive_group()
    rec.add_argument(
        "--has-recording", dest="has_recording", action="store_const", const=True, default=None
    )
    rec.add_argument("--no-recording", dest="has_recording", action="store_const", const=False)
    g.add_argument("--live", action="store_true", help="only conversations that have not ended")


def _iso_time(text: str):
    from genesys_tui.core.intervals import IntervalError, parse_instant

    try:
        return parse_instant(text)
    except IntervalError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    common = _common(defaults=False)
    parser = argparse.ArgumentParser(
        prog="genesys-tui",
        parents=[_common(defaults=True)],
        description="A terminal workbench for Genesys Cloud call media. Without a command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"genesys-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help, description=help)

    # In the order `--help` lists them.
    _add_demo(add)
    _add_web(add)
    add_qa(add)
    _add_account(add)
    _add_browse(add)
    _add_pull(add)
    _add_review(add)
    add_supervise(add, common)
    add_audit(add, common)
    add_export(add, common)
    add_emulator(add)
    add(
        "doctor",
        "sign in and check, harmlessly, every feature's permissions; exit 1 if any is missing",
    )
    return parser


def _web_options(p: argparse.ArgumentParser) -> None:
    """How `web` (and `demo --web`) serve the TUI to browsers."""
    g = p.add_argument_group("serving to browsers")
    g.add_argument("--host", default="127.0.0.1", help="where to listen (default 127.0.0.1)")
    g.add_argument("--port", type=int, default=8765, help="(default 8765; 0: a free one)")
    g.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers use, behind a reverse proxy (e.g. https://tui.example.com)",
    )
    g.add_argument(
        "--token-file",
        metavar="PATH",
        help="keep the access token in this file (0600; made if missing); replace its content "
        "to rotate the token while the server runs (default: a new token each start)",
    )
    g.add_argument(
        "--allow-remote",
        action="store_true",
        help="listen on another host than loopback (only with --certfile and --keyfile)",
    )
    g.add_argument("--certfile", metavar="PEM", help="TLS certificate (chain)")
    g.add_argument("--keyfile", metavar="PEM", help="TLS private key")
    g.add_argument(
        "--max-sessions",
        type=positive_int,
        default=4,
        help="browser tabs served at once (default 4)",
    )
    g.add_argument(
        "--idle-minutes",
        type=float,
        default=30.0,
        help="a tab without input this long is ended, its app stopped (default 30)",
    )


def _add_web(add) -> None:
    p = add(
        "web",
        "serve the TUI to browsers (one app process per tab) behind a token; --demo on the demo org",
    )
    p.add_argument("--demo", action="store_true", help="the embedded emulator's demo org")
    p.add_argument("--seed", type=int, default=7, help="(--demo)")
    p.add_argument("--conversations", type=int, default=400, help="(--demo)")
    p.add_argument("--now", type=_iso_time, metavar="ISO", help="(--demo) pin its clock")
    _web_options(p)


def _add_demo(add) -> None:
    """demo: the embedded emulator and the TUI on its demo org."""
    p = add(
        "demo", "start the embedded emulator and open the TUI on its demo org (no account needed)"
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--now",
        type=_iso_time,
        metavar="ISO",
        help="pin the demo org's clock (and the TUI's quick ranges) to this time, e.g. 2026-05-01T12:00Z",
    )
    p.add_argument("--conversations", type=int, default=400)
    p.add_argument(
        "--faults",
        default="",
        metavar="SPEC",
        help="a rough network, e.g. 429=0.05,503=0.05,reset=0.05",
    )
    p.add_argument(
        "--deny-permission",
        action="append",
        default=[],
        metavar="NAME",
        help="take a permission from the demo org's client and supervisor (repeatable), "
        "e.g. recording:recording:view",
    )
    p.add_argument(
        "--live-rate",
        type=float,
        default=2.0,
        metavar="PER_MINUTE",
        help="calls arriving a minute in the demo's live contact centre (0: the live calls stay put)",
    )
    p.add_argument(
        "--web", action="store_true", help="serve it to browsers (as `genesys-tui web --demo`)"
    )
    p.add_argument("--emulator-url", help=argparse.SUPPRESS)  # a `web --demo` tab: its emulator
    _web_options(p)


def _add_account(add) -> None:
    """info, login, logout: who signs in, and where."""
    from genesys_tui.genesys.regions import REGIONS

    add("info", "show paths, profile, hosts, keyring backend and audio availability")

    REGION_HELP = "region name or domain: " + ", ".join(REGIONS)

    p = add("login", "verify OAuth client credentials and store the secret in the OS keyring")
    p.add_argument("--region", help=REGION_HELP)
    p.add_argument("--client-id", help="OAuth client id")
    p.add_argument(
        "--secret-stdin", action="store_true", help="read the secret from standard input"
    )
    p.add_argument(
        "--user", action="store_true", help="sign in as a user (authorization code + PKCE)"
    )
    p.add_argument(
        "--no-browser", action="store_true", help="do not try to open a browser (--user)"
    )

    p = add("logout", "remove stored credentials from the keyring")
    p.add_argument("--region", help=REGION_HELP)
    p.add_argument("--client-id", help="OAuth client id")
    p.add_argument("--user", action="store_true", help="remove only the user sign-in")


def _add_browse(add) -> None:
    """conversations, recordings: the browse flow."""
    from genesys_tui.genesys.values import ORDERS, RECORDING_FORMATS

    p = add(
        "conversations",
        "list conversations from the analytics details query (a big interval: a details job)",
    )
    p.add_argument(
        "--interval",
        required=True,
        help="START/END (ISO 8601), a date, or last-hour|last-24h|today|yesterday|last-7-days|last-30-days",
    )
    _filters(p)
    p.add_argument(
        "--order", choices=ORDERS, default="desc", help="newest first (desc, as the TUI) or asc"
    )
    p.add_argument("--limit", type=int, default=0, help="stop after N conversations")
    p.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    p.add_argument(
        "--via",
        choices=("auto", "query", "job"),
        default="auto",
        help="auto: an async details job when the interval is big (see --job-threshold), the "
        "query otherwise; the last day before the data lake's date is always queried",
    )
    p.add_argument(
        "--job-threshold",
        type=positive_int,
        metavar="N",
        help="conversations in the first 7 days above which auto takes a job "
        "(default: browse.job_threshold, 5000)",
    )

    p = add("recordings", "list a conversation's recordings (format, duration, size, file state)")
    p.add_argument("conversation_id")
    p.add_argument(
        "--format",
        default="WAV",
        type=str.upper,
        choices=RECORDING_FORMATS,
    )
    p.add_argument(
        "--max-wait-ms", type=int, default=5000, help="how long the API may hold the request"
    )
    p.add_argument("--json", action="store_true")


def _add_pull(add) -> None:
    """fetch, jobs, convert: the pull flow and its queue."""
    from genesys_tui.flows.pull.model import FORMATS as PULL_FORMATS
    from genesys_tui.flows.pull.model import STATES

    p = add(
        "fetch",
        "download recordings through the persistent, resumable queue (local directory or S3)",
    )
    p.add_argument("conversation_ids", nargs="*", metavar="CONVERSATION_ID", type=conversation_id)
    p.add_argument(
        "--interval", help="fetch every recorded conversation of an interval (see conversations)"
    )
    _filters(p)
    p.add_argument(
        "--format",
        default="original",
        choices=PULL_FORMATS,
        help="original codec, WAV, mono WAV, WebM/Opus, or one WAV per party (default: original)",
    )
    p.add_argument(
        "--to", metavar="DIR|s3://bucket/prefix", help="target (default: the profile's output_dir)"
    )
    p.add_argument("--workers", type=int, default=4, help="concurrent downloads (default 4)")
    p.add_argument(
        "--batch",
        action="store_true",
        help="resolve through batch download requests (100 per call; original codec, converted locally)",
    )
    p.add_argument("--limit", type=int, default=0, help="at most N conversations from --interval")
    p.add_argument(
        "--resume", action="store_true", help="continue every unfinished job in the store"
    )
    p.add_argument(
        "--restore-archived", action="store_true", help="ask Genesys to restore archived recordings"
    )
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="when another genesys-tui runs this org's queue: hand the jobs to it and exit once it "
        "has taken them (default: follow them there to the end)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")

    p = add("jobs", "list the job store; retry, cancel or clear jobs (no sign-in needed)")
    p.add_argument(
        "action", nargs="?", choices=["list", "retry", "clear", "cancel"], default="list"
    )
    p.add_argument("ids", nargs="*", type=int, metavar="ID", help="job ids (retry, cancel)")
    p.add_argument(
        "--state",
        choices=list(STATES),
    )
    p.add_argument("--all", action="store_true", help="clear: every job, not only finished ones")
    p.add_argument("--limit", type=int, default=50, help="list: the last N jobs (0: all)")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--org",
        metavar="ORG_ID",
        help="the job store of this org (default: the org the profile last signed in to)",
    )

    add_convert_arguments(add("convert", CONVERT_HELP))


def _add_review(add) -> None:
    """transcript, metrics, serve: the review flow."""
    from genesys_tui.flows.review.model import EXPORT_FORMATS as TRANSCRIPT_FORMATS
    from genesys_tui.flows.review.model import ROLES

    p = add(
        "transcript",
        "export a conversation's transcript (aligned to its recording) to stdout, a directory or S3",
    )
    p.add_argument("conversation_id", metavar="CONVERSATION_ID", type=conversation_id)
    p.add_argument("--format", default="txt", choices=TRANSCRIPT_FORMATS)
    p.add_argument(
        "--role", action="append", choices=ROLES, help="only these speakers (repeatable)"
    )
    p.add_argument(
        "--to",
        metavar="DIR|s3://bucket/prefix",
        help="archive the transcript (one file per recording) and a QA summary there, named like the recordings",
    )
    p.add_argument(
        "--recording",
        metavar="N|ID",
        help="only this recording (1 is the first): its phrases, timed to its file",
    )
    p.add_argument(
        "--refresh", action="store_true", help="download again instead of using the cache"
    )

    p = add(
        "metrics",
        "QA metrics of a conversation: talk ratio, overtalk, dead air, monologue, turns, ...",
    )
    p.add_argument("conversation_id", metavar="CONVERSATION_ID", type=conversation_id)
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", action="store_true")
    p.add_argument(
        "--refresh", action="store_true", help="download again instead of using the cache"
    )

    p = add(
        "serve",
        "play a conversation in a browser: WebM/Opus streamed as it is transcoded, with captions",
    )
    p.add_argument("conversation_id", metavar="CONVERSATION_ID", type=conversation_id)
    p.add_argument("--host", help="bind address (default: review.serve_host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: review.serve_port; 0 picks a free one)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument(
        "--refresh", action="store_true", help="download again instead of using the cache"
    )
