"""genesys-tui sample: N calls per agent or queue of an interval, picked reproducibly, for QA
(flows/review/sample.py); kept as the org's current sample, which Review steps through with
`]` and `[`."""

from __future__ import annotations

import json

from rich.table import Table

from genesys_tui.cli.common import CommandError, Context, cells, interval_arg, run
from genesys_tui.flows.review.sample import SampleError, SampleStore, draw


def cmd_sample(ctx: Context) -> int:
    from genesys_tui.cli.browse import build_filter

    a = ctx.args
    start, end = interval_arg(a.interval)

    async def go():
        async with ctx.services() as services:  # the sample is kept per org
            client = services.client
            flt = await build_filter(services.browse, a)
            names = await client.directory.names()
            sample = await draw(
                client,
                start,
                end,
                flt,
                per=a.per,
                n=a.n,
                seed=a.seed,
                transcribed=not a.any,
            )
            SampleStore(services.scope.data_dir / "sample.json").save(sample)
            return sample, names

    try:
        sample, names = run(go())
    except SampleError as e:
        raise CommandError(str(e), code=2) from None
    if a.json:
        for p in sample.picked:
            doc = {"group": p.group, "groupName": names.get(p.group), "per": sample.per}
            print(json.dumps({**doc, "conversationId": p.conversation_id, "start": p.start}))
    else:
        t = Table(show_edge=False, pad_edge=False)
        for col in (sample.per.title(), "Conversation ID", "Started"):
            t.add_column(col, no_wrap=True)
        for p in sample.picked:
            t.add_row(*cells(names.get(p.group, p.group), p.conversation_id, p.start[:19]))
        ctx.out.print(t)
    short = ", ".join(f"{names.get(g, g)} {k} short" for g, k in sample.short.items())
    ctx.err.print(
        f"{len(sample.picked)} call(s), {sample.n} per {sample.per}, seed {sample.seed}"
        + (f"; fewer than asked: {short}" if short else "")
        + ". Review steps through them with ] and [.",
        highlight=False,
    )
    return 0 if sample.picked else 3  # nothing to sample: see the README's exit codes
