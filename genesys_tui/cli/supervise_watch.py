"""genesys-tui supervise watch: one line per live-call change and alert, for scripts and chat-ops
(`--json`: JSON lines). The list is pushed by Genesys (polled within a budget when it cannot be),
and the alerts are supervise.alerts' rules, exactly as in the TUI (flows/supervise/watch.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime

from genesys_tui.cli.common import Context, run
from genesys_tui.core.terminal import clean
from genesys_tui.flows.supervise.board import ChangeKind, Mode
from genesys_tui.flows.supervise.live import LiveCall, call_doc, matching
from genesys_tui.flows.supervise.watch import EventKind, LiveWatch, WatchEvent


def summary(c: LiveCall) -> str:
    agents = ", ".join(f"{g.name} ({g.state})" for g in c.agents) or "no agent yet"
    held = [p.name or p.purpose for p in c.call.participants if p.held and p.end_time is None]
    extra = f"; on hold: {', '.join(h for h in held if h)}" if held else ""
    pause = "; SECURE PAUSE" if c.secure_pause else ""
    return f"{c.queue or '-'}  {c.customer}  {agents}{extra}{pause}"


class Printer:
    def __init__(self, as_json: bool, queues: list[str], limit: int | None = None) -> None:
        self.as_json = as_json
        self.queues = queues
        self.limit = limit  # stop after this many lines (--events)
        self.printed = 0
        self.enough = asyncio.Event()
        self.last: dict[str, str] = {}  # what was printed of each call: print only what changes

    def wanted(self, call: LiveCall | None, cid: str) -> bool:
        if not self.queues:
            return True
        if call is None:
            return cid in self.last
        return bool(matching([call], self.queues))

    def __call__(self, e: WatchEvent) -> None:
        now = datetime.now(UTC)
        cid = e.conversation_id
        if e.kind == EventKind.WORDS:
            return
        if e.kind == EventKind.CHANGE and e.change is not None:
            kind, call = e.change.kind, e.change.call
            if kind == ChangeKind.RESYNC:
                self.emit(now, "resync", "", {}, "read every live call again")
                return
            if not self.wanted(call, cid):
                return
            if kind == ChangeKind.ENDED:
                if self.last.pop(cid, None) is not None or not self.queues:
                    self.emit(now, "ended", cid, {}, "")
                return
            text = summary(call)
            if self.last.get(cid) == text:
                return  # nothing a person would see changed
            kind = "new" if cid not in self.last else "changed"
            self.last[cid] = text
            self.emit(now, kind, cid, call_doc(call, now), text)
            return
        if e.alert is not None and (not self.queues or cid in self.last):
            a = e.alert
            self.emit(
                now,
                e.kind,
                cid,
                {
                    "alert": {
                        "kind": a.kind,
                        "text": a.text,
                        "measured": a.measured,
                        "ongoing": a.ongoing,
                        "found": e.found,
                    }
                },
                a.text,
            )

    def emit(self, now: datetime, kind: str, cid: str, fields: dict, text: str) -> None:
        if self.enough.is_set():
            return  # --events printed already: nothing past it
        if self.as_json:
            doc = {"time": now.isoformat(), "event": kind, "conversationId": cid or None, **fields}
            print(json.dumps(doc), flush=True)
        else:
            label = {"alert": "ALERT", "cleared": "cleared"}.get(kind, kind)
            line = f"{now:%H:%M:%S}  {label:<8} {cid[:8] or '-':<8}  {text}"
            print(clean(line), flush=True)  # names and numbers come from Genesys
        self.printed += 1
        if self.limit is not None and self.printed >= self.limit:
            self.enough.set()


def cmd_watch(ctx: Context) -> int:
    from genesys_tui.cli.supervise import _client_for_reading

    a = ctx.args
    settings = ctx.config.supervise
    printer = Printer(a.json, a.queue or [], a.events)

    async def go() -> None:
        from genesys_tui.context import org_scope
        from genesys_tui.flows.supervise import store

        async with _client_for_reading(ctx) as client:
            names = await client.directory.names()
            scope = await org_scope(client, ctx.target(), ctx.paths)
            log = store.alert_log(scope)  # each alert is printed once, over runs too
            watch = LiveWatch(client, settings, names, on_event=printer, log=log)
            task = asyncio.create_task(watch.run())
            told = None  # the (mode, why) last said: a change of either is said again
            storm = False  # the notification socket keeps closing: said once, and its end
            try:
                deadline = (
                    None if a.seconds is None else asyncio.get_running_loop().time() + a.seconds
                )
                while not task.done() and not printer.enough.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(printer.enough.wait(), 0.2)
                    b = watch.board
                    if b.mode in (Mode.PUSH, Mode.POLL) and told != (b.mode, b.why):
                        told = (b.mode, b.why)
                        how = (
                            "pushed by Genesys"
                            if b.mode == Mode.PUSH
                            else f"polling every {b.every:.0f} s: {b.why}"
                        )
                        ctx.err.print(f"watching {len(b.queues)} queue(s), {how}", highlight=False)
                    if bool(b.trouble) != storm:
                        storm = not storm
                        said = b.trouble if storm else "the notification socket is steady again"
                        ctx.err.print(f"notifications: {said}", highlight=False, markup=False)
                    if deadline is not None and asyncio.get_running_loop().time() >= deadline:
                        break
                if task.done():
                    task.result()
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    with contextlib.suppress(KeyboardInterrupt):
        run(go())
    return 0
