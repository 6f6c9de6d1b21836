"""The arguments of `supervise` (calls, watch, monitor, coach, barge, notice) and `audit`."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from genesys_tui.cli.argtypes import conversation_id, positive_int


def add_supervise(
    add: Callable[[str, str], argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = add(
        "supervise",
        "live calls and supervisor actions (monitor, coach, barge, notice) with consent checks",
    )
    sup = p.add_subparsers(dest="supervise_command", metavar="ACTION", required=True)
    q = sup.add_parser("calls", parents=[common], help="live calls, their agents and consent state")
    q.add_argument("--json", action="store_true", help="JSON lines")
    q.add_argument(
        "--queue", action="append", metavar="NAME", help="only calls in this queue (repeatable)"
    )
    q.add_argument(
        "--agent", action="append", metavar="NAME", help="only calls with this agent (repeatable)"
    )
    q = sup.add_parser(
        "watch",
        parents=[common],
        help="one line per live-call change and alert, as it happens (pushed by Genesys)",
        description="Follows the live calls as Genesys pushes them (polling within "
        "supervise.poll_budget_per_minute when the topics are refused) and prints one line per "
        "call that starts, changes or ends and per alert raised or cleared (supervise.alerts). "
        "Runs until interrupted, --seconds or --events.",
    )
    q.add_argument("--json", action="store_true", help="JSON lines, one per event")
    q.add_argument(
        "--queue", action="append", metavar="NAME", help="only calls in this queue (repeatable)"
    )
    q.add_argument("--seconds", type=float, metavar="N", help="stop after N seconds")
    q.add_argument(
        "--events", type=positive_int, metavar="N", help="stop after N lines (events) printed"
    )
    for what, text in (
        ("queues", "each queue now: waiting, longest wait, interacting, agents, today's counts"),
        ("agents", "each agent now: routing status, presence, the call they are on"),
    ):
        q = sup.add_parser(what, parents=[common], help=text, description=f"{text}.")
        q.add_argument("--json", action="store_true", help="JSON lines")
    q = sup.add_parser(
        "alerts",
        parents=[common],
        help="the alerts raised on the org's live calls, and acknowledging them",
        description="Every alert `supervise watch` and the TUI raised for this org (newest "
        "first), with what it measured and whether a supervisor acknowledged it.",
    )
    q.add_argument("--json", action="store_true", help="JSON lines")
    q.add_argument("--all", action="store_true", help="acknowledged ones too")
    q.add_argument("--limit", type=positive_int, default=50, metavar="N", help="at most N (50)")
    q.add_argument("--ack", nargs="+", metavar="ID", help="acknowledge these (ids from --json)")
    q.add_argument("--ack-all", action="store_true", help="acknowledge every one")
    for action, text in (
        ("monitor", "listen in, unheard"),
        ("coach", "speak to the agent only"),
        ("barge", "join the call, heard by everyone"),
        ("notice", "play a configured notice (an Architect secure flow) to the customer"),
        ("leave", "leave a call you are on (your own participant ends)"),
    ):
        q = sup.add_parser(
            action,
            parents=[common],
            help=text,
            description=f"{action}: {text}. Runs every "
            "consent check, asks for confirmation, records the attempt in the audit log.",
        )
        q.add_argument("conversation_id", metavar="CONVERSATION_ID", type=conversation_id)
        if action != "leave":
            q.add_argument(
                "--participant",
                metavar="ID",
                help="the agent participant (default: the call's only agent); on a call you "
                "are on in another role, this changes it (a leave and a join, one action)",
            )
        if action == "notice":
            q.add_argument("--notice", metavar="NAME", help="a [notices.NAME] from the config")
        if action == "barge":
            q.add_argument(
                "--whole",
                action="store_true",
                help="barge the whole conversation, not one participant",
            )
        q.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation (the checks still run)"
        )
        how = q.add_mutually_exclusive_group()
        how.add_argument(
            "--token-stdin",
            action="store_true",
            help="read a user's access token from standard input (unattended; kept in memory only)",
        )
        how.add_argument(
            "--sign-in",
            action="store_true",
            help="sign in through the browser now (without a keyring: for this command only)",
        )


def add_audit(
    add: Callable[[str, str], argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = add(
        "audit",
        "the supervisor audit log: verify the chain, show the latest records, webhook delivery",
    )
    aud = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify_p = aud.add_parser(
        "verify", parents=[common], help="check the hash chain; exit 1 on tampering"
    )
    q = aud.add_parser("tail", parents=[common], help="the latest records")
    q.add_argument("-n", type=int, default=20, help="how many (default 20)")
    q.add_argument("--json", action="store_true", help="JSON lines, as stored")
    deliver_p = aud.add_parser(
        "deliver", parents=[common], help="send what waits in the webhook outbox now"
    )
    for sp in (verify_p, q, deliver_p):
        sp.add_argument(
            "--demo",
            action="store_true",
            help="the demo org's log (what `genesys-tui demo` recorded)",
        )
        sp.add_argument(
            "--org",
            metavar="ORG_ID",
            help="the log of this org (default: the org the profile last signed in to)",
        )
    q = aud.add_parser(
        "webhook-secret",
        parents=[common],
        help="store the webhook's HMAC signing secret in the keyring",
    )
    q.add_argument("--secret-stdin", action="store_true", help="read it from standard input")
