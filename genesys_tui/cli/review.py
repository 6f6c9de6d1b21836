"""transcript, metrics, serve: the Review flow without the TUI."""

from __future__ import annotations

import sys

from rich.table import Table

from genesys_tui.cli.common import CommandError, Context, cells, run
from genesys_tui.core.terminal import clean, clean_lines
from genesys_tui.flows.review.service import ReviewService
from genesys_tui.flows.review.session import Review, ReviewError

NO_TRANSCRIPT_EXIT = 3  # scripts can tell "nothing to export" from a failure


def _load(ctx: Context, *, audio: bool, extra=None) -> tuple[Review, object]:
    async def go():
        async with ctx.services() as services:  # Review's cache is kept per org
            service = services.review
            try:
                review = await service.open(
                    ctx.args.conversation_id,
                    audio=audio,
                    refresh=getattr(ctx.args, "refresh", False),
                )
            except ReviewError as e:
                raise CommandError(str(e)) from None
            return review, (await extra(service, review) if extra else None)

    return run(go())


def _require_transcript(ctx: Context, review: Review) -> None:
    if review.transcript is None:
        for note in review.notes:
            ctx.err.print(clean(note), highlight=False, markup=False)
        if review.transcript_failed:  # a failure, not "there is none": scripts must tell them apart
            raise CommandError(f"the transcript of conversation {review.id} could not be had")
        raise CommandError(f"no transcript for conversation {review.id}", code=NO_TRANSCRIPT_EXIT)


def cmd_transcript(ctx: Context) -> int:
    from genesys_tui.flows.review.export import for_recording, render, render_sections

    a = ctx.args
    if not a.to and a.format == "html":  # the call's report page: waveform, metrics, bookmarks
        from genesys_tui.flows.review.report import to_html

        async def page(service, review):
            names, marks = await service.names(), service.bookmarks(review)
            return to_html(review, names, marks, await service.evaluated(review))

        _, text = _load(ctx, audio=True, extra=page)
        sys.stdout.write(text)
        return 0
    if not a.to:
        review, _ = _load(ctx, audio=False)
        _require_transcript(ctx, review)
        ids = [x.id for x in review.audio]
        # what was said, as Genesys wrote it: JSON exact, the text formats unable to drive a
        # terminal (core/terminal.clean_lines)
        out = (lambda text: text) if a.format == "json" else clean_lines
        if a.recording:
            rid = _pick_recording(ids, a.recording)
            sys.stdout.write(out(render(for_recording(review.transcript, rid), a.format, a.role)))
            return 0
        try:
            sys.stdout.write(out(render_sections(review.transcript, a.format, ids, a.role)))
        except ValueError:
            listing = ", ".join(f"{n} ({rid})" for n, rid in enumerate(ids, 1))
            raise CommandError(
                f"the conversation has {len(ids)} recordings and {a.format.upper()} holds one "
                f"timeline: give --recording N ({listing}), or --to DIR for one file each",
                code=2,
            ) from None
        return 0
    from genesys_tui.storage.sinks import SinkError, open_target

    try:
        open_target(a.to, ctx.target().profile)  # a bad target fails before any download
    except (SinkError, ValueError) as e:
        raise CommandError(str(e), code=2) from None

    async def store(service: ReviewService, review: Review) -> list[str]:
        return await service.export(review, a.to, (a.format,), a.role)

    review, written = _load(ctx, audio=False, extra=store)
    _require_transcript(ctx, review)
    for where in written:
        ctx.out.print(where, highlight=False, soft_wrap=True)
    return 0


def _pick_recording(ids: list[str], wanted: str) -> str:
    """--recording takes a number (1 is the first recording) or a recording id."""
    if wanted.isdigit() and 1 <= int(wanted) <= len(ids):
        return ids[int(wanted) - 1]
    if wanted in ids:
        return wanted
    raise CommandError(
        f"no recording {wanted!r}: the conversation has {len(ids)} (1..{len(ids)} or an id)", code=2
    )


def cmd_metrics(ctx: Context) -> int:
    from genesys_tui.flows.review.export import metrics_csv, metrics_json

    a = ctx.args
    review, _ = _load(ctx, audio=False)
    _require_transcript(ctx, review)
    m = review.metrics
    if a.json:
        sys.stdout.write(metrics_json(m) + "\n")
    elif a.csv:
        sys.stdout.write(metrics_csv(m))
    else:
        t = Table(show_edge=False, pad_edge=False, title=f"QA metrics · {review.id}")
        t.add_column("Metric")
        t.add_column("Value")
        for k, v in m.rows():
            t.add_row(*cells(k, v))
        ctx.out.print(t)
    return 0


def cmd_serve(ctx: Context) -> int:
    a = ctx.args
    settings = ctx.config.review
    host = a.host or settings.serve_host

    async def make_server(service: ReviewService, review: Review):
        return service.playback_server(review, host, a.port) if review.audio else None

    review, server = _load(ctx, audio=True, extra=make_server)
    if not review.audio:
        for note in review.notes:
            ctx.err.print(clean(note), highlight=False, markup=False)
        raise CommandError(f"conversation {review.id} has no recording to play")
    for note in review.notes:
        ctx.err.print(clean(note), highlight=False, markup=False)
    ctx.out.print(
        f"Serving conversation {review.id} at\n  {server.url}\n(Ctrl-C to stop)",
        highlight=False,
        soft_wrap=True,
    )
    if host not in ("127.0.0.1", "::1", "localhost"):
        ctx.err.print(
            f"warning: listening on {host}, reachable beyond this machine by anyone with the URL",
            highlight=False,
        )
    if a.open:
        import webbrowser

        webbrowser.open(server.url)
    sys.stdout.flush()
    server.run()
    return 0
