"""The QA commands' arguments: `open` (a call at a moment), `sample` (calls to review), `search`
(what was said) and `evaluate` (a form filled and submitted)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from genesys_tui.cli.argtypes import conversation_id


def add_qa(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    from genesys_tui.cli.parser import _filters

    p = add("open", "open the TUI in Review on a call, at a moment: ID@MM:SS (what y copies)")
    p.add_argument(
        "moment",
        metavar="ID[@MM:SS]",
        help="a conversation ID, and where: @MM:SS, @H:MM:SS, @SECONDS, or @r2/MM:SS for its "
        "second recording",
    )

    p = add("sample", "N calls per agent or queue of an interval, picked reproducibly, for QA")
    p.add_argument("--interval", required=True, help="START/END, a date, or a quick range")
    p.add_argument("--per", choices=("agent", "queue"), default="agent")
    p.add_argument("n", type=int, metavar="N", help="calls per agent (or queue)")
    p.add_argument("--seed", type=int, default=1, help="the same seed picks the same calls")
    p.add_argument(
        "--any", action="store_true", help="calls without a transcript too (a recording still)"
    )
    p.add_argument("--json", action="store_true", help="JSON lines")
    _filters(p)

    p = add("search", "calls where something was said: each hit a moment (ID@MM:SS)")
    p.add_argument("text", metavar="TEXT", help="the words, as said (a phrase)")
    p.add_argument("--interval", required=True, help="START/END, a date, or a quick range")
    p.add_argument("--role", choices=("agent", "customer", "ivr"), help="said by")
    p.add_argument(
        "--scan",
        action="store_true",
        help="read the interval's transcripts instead of Genesys's search (past its 60 days, "
        "or where it is not licensed; done anyway when search is refused)",
    )
    p.add_argument("--json", action="store_true", help="JSON lines, one per hit")
    _filters(p)

    p = add(
        "evaluate", "a call's evaluations; with --form and --answers, fill a form and submit it"
    )
    p.add_argument("conversation", metavar="ID", help="the conversation ID", type=conversation_id)
    p.add_argument("--form", help="a published evaluation form, by name (or part of it) or id")
    p.add_argument(
        "--answers",
        metavar="FILE.json",
        help='{"answers": {"QUESTION": "ANSWER", ...}, "comments": "..."}: by text or id, "N/A"',
    )
    p.add_argument(
        "--status",
        choices=("FINISHED", "INPROGRESS"),
        default="FINISHED",
        help="FINISHED needs every scored question answered (or N/A)",
    )
    p.add_argument(
        "--questions",
        action="store_true",
        help="with --form: list its questions (id, weight, answers, whether N/A is allowed)",
    )
    p.add_argument(
        "--evaluator",
        metavar="NAME|EMAIL|ID",
        help="the user submitting (default: the signed-in user, else review.evaluator)",
    )
    p.add_argument(
        "--agent",
        metavar="NAME|EMAIL|ID",
        help="the user evaluated (default: the call's last agent)",
    )
    p.add_argument("--dry-run", action="store_true", help="score it and keep the draft; no POST")
    p.add_argument("--json", action="store_true", help="JSON")
