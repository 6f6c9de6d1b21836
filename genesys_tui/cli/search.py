"""genesys-tui search "TEXT": calls where it was said, each hit a moment (`ID@MM:SS`, what
`genesys-tui open` takes), by Genesys's transcript search or by scanning the interval's
transcripts through Review's cache (flows/review/search.py)."""

from __future__ import annotations

import json
import sys
import time

from genesys_tui.cli.common import CommandError, Context, interval_arg, run
from genesys_tui.core.terminal import clean
from genesys_tui.flows.review.search import HOW, search_calls


def cmd_search(ctx: Context) -> int:
    from genesys_tui.cli.browse import build_filter

    a = ctx.args
    start, end = interval_arg(a.interval)

    def progress(done: int, total: int | None) -> None:
        if not a.json and sys.stderr.isatty():
            print(f"\r{done}/{total} call(s) read", end="", file=sys.stderr, flush=True)

    async def go():
        async with ctx.services() as services:
            flt = await build_filter(services.browse, a)
            return await search_calls(
                services.review,
                a.text,
                start,
                end,
                role=a.role,
                flt=flt,
                scan=a.scan,
                progress=progress,
            )

    asked = time.monotonic()
    try:
        found = run(go())
    except ValueError as e:
        raise CommandError(str(e), code=2) from None
    if not a.json and sys.stderr.isatty() and found.calls:
        print(file=sys.stderr)  # end the progress line
    for note in found.notes:
        ctx.err.print(note, highlight=False)
    for h in found.hits:
        if a.json:
            doc = {"moment": h.moment.text(), "conversationId": h.moment.conversation_id}
            doc |= {"recording": h.moment.recording, "offsetMs": h.moment.ms}
            began = found.started.get(h.moment.conversation_id)
            doc["conversationStart"] = began.isoformat() if began else None
            print(json.dumps({**doc, "role": h.role, "text": h.text}), flush=True)
        else:
            print(clean(f"{h.moment.text()}  {h.role:<8}  {h.text}"))
    how, took = HOW[found.mode], time.monotonic() - asked  # a long search says it was long
    ctx.err.print(
        f"{len(found.hits)} hit(s) in {found.calls} call(s), by {how}, in {took:.1f} s",
        highlight=False,
    )
    return 0 if found.hits else 3  # nothing found: see the README's exit codes
