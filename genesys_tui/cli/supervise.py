"""supervise calls|monitor|coach|barge|notice, audit verify|tail|deliver|webhook-secret: the
Supervise flow for scripts and keyboards, through the same checks, confirmation and audit as the TUI."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from datetime import UTC, datetime

from rich.table import Table

from genesys_tui.cli.common import CommandError, Context, cells, is_tty, run, shown
from genesys_tui.core import fmt
from genesys_tui.core.orgs import OrgScope
from genesys_tui.core.terminal import clean
from genesys_tui.flows.supervise import store
from genesys_tui.flows.supervise.audit import REFUSED, AuditError, AuditLog
from genesys_tui.flows.supervise.checks import Check, Request
from genesys_tui.flows.supervise.engine import Outcome
from genesys_tui.flows.supervise.service import (
    NoSupervisor,
    SuperviseDesk,
    calls_matching,
    deliver_outbox,
    report,
)

EXIT_REFUSED, EXIT_NOT_CONFIRMED = 3, 4


async def _client_for_actions(ctx: Context):
    """A user's client: a token piped in (`--token-stdin`, kept in memory only), a browser
    sign-in now (`--sign-in`: kept in the keyring, or for this command only when there is none),
    or the sign-in `login --user` stored."""
    from genesys_tui.context.signin import sign_in_user, token_client, user_client
    from genesys_tui.core.credentials import CredentialsError

    a, target = ctx.args, ctx.target()
    try:
        if getattr(a, "token_stdin", False):
            return token_client(target, sys.stdin.readline(8193))  # bounded: a token, one line
        if getattr(a, "sign_in", False):

            def announce(url: str) -> None:
                ctx.err.print("Open this URL to sign in (opened in your browser if one is here):")
                ctx.err.print(url, highlight=False, soft_wrap=True)

            return await sign_in_user(target, announce=announce, session_only_ok=True)
        return user_client(target)
    except CredentialsError as e:
        raise CommandError(
            f"{e}. Supervisor actions need a user's token: `genesys-tui login --user` signs in "
            "with your Genesys account and keeps it in the OS keyring; without a keyring, "
            "`--sign-in` signs in for this command, or `--token-stdin` reads a user's access "
            "token from standard input (client credentials have no user)."
        ) from None


def _client_for_reading(ctx: Context):
    """A user's sign-in when there is one, else client credentials (enough to list calls)."""
    from genesys_tui.context import client_credentials_client
    from genesys_tui.context.signin import user_client
    from genesys_tui.core.credentials import CredentialsError

    try:
        return user_client(ctx.target())
    except CredentialsError:
        return client_credentials_client(ctx.target())


# --- supervise calls -------------------------------------------------------------------------------


def cmd_calls(ctx: Context) -> int:
    from genesys_tui.flows.supervise.live import agent_rows, call_doc, consent_text

    a = ctx.args

    async def go():
        async with _client_for_reading(ctx) as client:
            names = await client.directory.names()
            return await calls_matching(client, ctx.config, names, a.queue or (), a.agent or ())

    calls = run(go())
    now = datetime.now(UTC)
    if a.json:
        for c in calls:
            print(json.dumps(call_doc(c, now)), flush=True)
        return 0
    t = Table(show_edge=False, pad_edge=False)
    for col in (
        "Conversation ID",
        "Started",
        "Queue",
        "Agent",
        "State",
        "In state",
        "Consent",
        "Recording",
        "Participant ID",
    ):
        t.add_column(col, no_wrap=col.endswith("ID"))
    shown: set[str] = set()
    for c, g in agent_rows(calls, []):  # the TUI's rows: one per agent, one for a call without
        first = c.conversation_id not in shown
        shown.add(c.conversation_id)
        rec = "SECURE PAUSE" if c.secure_pause else c.recording_state
        call = (c.conversation_id, fmt.when(c.start)) if first else ("", "")
        if g is None:
            t.add_row(*cells(*call, c.queue or "", "(no agent yet)", "", "", "", rec, ""))
            continue
        consent = consent_text(g)
        t.add_row(
            *cells(
                *call,
                c.queue or "",
                g.name,
                g.state,
                fmt.duration(g.in_state_for(now)),
                consent,
                rec,
                g.participant_id,
            )
        )
    ctx.out.print(t)
    ctx.err.print(f"{len(calls)} live call(s)", highlight=False)
    return 0


# --- supervise monitor|coach|barge|notice -----------------------------------------------------------


def _print_checks(ctx: Context, checks: list[Check]) -> None:
    for c in checks:
        mark = "[green]✓[/]" if c.ok else "[red]✗[/]"
        ctx.out.print(f"  {mark} {shown(c.name)}: {shown(c.detail)}", highlight=False)


def _choose_participant(ctx: Context, call, action: str) -> str | None:
    a = ctx.args
    if action == "leave":
        return None  # your own participant
    if a.participant:
        return a.participant
    if action == "barge" and a.whole:
        return None
    agents = [
        p
        for p in (call.participants if call else [])
        if p.purpose == "agent" and p.end_time is None
    ]
    if len(agents) == 1:
        return agents[0].id
    if not agents:
        raise CommandError("this call has no agent participant; see `genesys-tui supervise calls`")
    listing = ", ".join(f"{p.id} ({p.name or 'agent'}, {p.state})" for p in agents)
    raise CommandError(f"the call has several agents; choose one with --participant: {listing}")


def cmd_supervise(ctx: Context) -> int:
    command = ctx.args.supervise_command
    if command == "watch":
        from genesys_tui.cli.supervise_watch import cmd_watch

        return cmd_watch(ctx)
    if command == "alerts":
        return cmd_alerts(ctx)
    if command in ("queues", "agents"):
        return cmd_floor(ctx, command)
    return cmd_calls(ctx) if command == "calls" else cmd_action(ctx)


def cmd_floor(ctx: Context, what: str) -> int:
    """supervise queues / agents: the floor now, read once (flows/supervise/floor.py)."""
    from genesys_tui.flows.supervise.floor import Floor
    from genesys_tui.flows.supervise.live import live_calls

    a = ctx.args
    settings = ctx.config.supervise

    async def go():
        async with _client_for_reading(ctx) as client:
            names = await client.directory.names()
            floor = Floor(client, settings, names)
            await floor.who()
            await floor.read(queues=what == "queues", day=what == "queues", agents=what == "agents")
            floor.calls = await live_calls(client, settings, names)
            return floor

    floor = run(go())
    rows = floor.queue_rows() if what == "queues" else floor.agent_rows()
    if a.json:
        for r in rows:
            print(json.dumps(dataclasses.asdict(r), ensure_ascii=False), flush=True)
    else:
        ctx.out.print(_floor_table(what, rows))
    if floor.unavailable:
        ctx.err.print(f"note: {floor.unavailable}", highlight=False, markup=False)
    return 0


def _floor_table(what: str, rows: list) -> Table:
    from genesys_tui.flows.supervise.floor import agent_cells, queue_cells

    t = Table(show_edge=False, pad_edge=False)
    if what == "queues":
        for col in (
            "Queue",
            "Waiting",
            "Longest",
            "Talking",
            "On queue",
            "Free",
            "No resp",
            "Offered",
            "Abandoned",
            "SL",
        ):
            t.add_column(col, no_wrap=True, justify="left" if col == "Queue" else "right")
        for r in rows:
            t.add_row(*cells(*queue_cells(r)))
        return t
    for col in ("Agent", "Status", "For", "Presence", "On call", "For"):
        t.add_column(col, no_wrap=True)
    for r in rows:
        t.add_row(*cells(*agent_cells(r)))
    return t


def cmd_alerts(ctx: Context) -> int:
    """The org's alert log: list (newest first), or acknowledge."""
    from genesys_tui.context import org_scope

    a = ctx.args

    async def scope_of():
        async with _client_for_reading(ctx) as client:
            return await org_scope(client, ctx.target(), ctx.paths)

    log = store.alert_log(run(scope_of()))
    try:
        if a.ack or a.ack_all:
            n = log.acknowledge(None if a.ack_all else a.ack)
            ctx.out.print(f"{n} alert(s) acknowledged", highlight=False)
            return 0
        for e in log.entries(a.limit, unacknowledged=not a.all):
            if a.json:
                print(json.dumps(dataclasses.asdict(e), ensure_ascii=False), flush=True)
                continue
            state = "now" if e.ongoing else ("over" if e.cleared else "")
            ack = "ack" if e.acknowledged else "NEW"
            line = f"{e.raised[:19]}  {ack:<3} {state:<4} {e.kind:<12} {e.text}  {e.label}"
            ctx.out.print(clean(line), highlight=False, markup=False)
            ctx.out.print(clean(f"    {e.measured}"), highlight=False, markup=False)
    finally:
        log.close()
    return 0


def cmd_action(ctx: Context) -> int:
    a = ctx.args
    action = a.supervise_command
    if action == "notice" and not a.notice:
        known = (
            ", ".join(sorted(ctx.config.notices))
            or "none configured ([notices.NAME] in the config)"
        )
        raise CommandError(f"--notice NAME is required; known notices: {known}", code=2)

    from genesys_tui.context import org_scope

    async def go() -> tuple[int, Outcome | None]:
        async with await _client_for_actions(ctx) as client:
            scope = await org_scope(client, ctx.target(), ctx.paths)  # the audit log is per org
            try:
                desk = await SuperviseDesk.open(
                    client, ctx.config, scope, readonly=ctx.target().readonly
                )
            except NoSupervisor as e:
                raise CommandError(str(e)) from None
            try:
                call = await desk.current_call(a.conversation_id)
                pid = _choose_participant(ctx, call, action)
                request = Request(
                    action, a.conversation_id, pid, a.notice if action == "notice" else None
                )
                ctx.out.print(
                    f"{desk.supervisor.name}: {request.describe()}", highlight=False, markup=False
                )
                attempt = await desk.check(request)
                _print_checks(ctx, attempt.checks)
                if not attempt.allowed:
                    ctx.err.print(
                        "refused: " + "; ".join(c.detail for c in attempt.checks if not c.ok),
                        highlight=False,
                        markup=False,
                    )
                    return EXIT_REFUSED, None
                if not a.yes:
                    if not is_tty():
                        desk.cancel(attempt)
                        raise CommandError(
                            "not confirmed: pass --yes to act without a prompt",
                            code=EXIT_NOT_CONFIRMED,
                        )
                    answer = await asyncio.to_thread(input, f"Go ahead with {action}? [y/N] ")
                    if answer.strip().lower() not in ("y", "yes"):
                        desk.cancel(attempt)
                        ctx.err.print("cancelled; nothing was sent", highlight=False)
                        return EXIT_NOT_CONFIRMED, None
                out = await desk.dispatch(attempt)
            finally:
                _deliver(ctx, desk)
                await desk.close()
            ok = out.ok and not out.audit_error
            return (0 if ok else EXIT_REFUSED if out.result == REFUSED else 1), out

    try:
        code, out = run(go())
    except AuditError as e:
        raise CommandError(str(e)) from None
    if out is not None:
        _report(ctx, out)
    return code


def _report(ctx: Context, out: Outcome) -> None:
    said = report(out)
    if said.refused:
        ctx.err.print(said.headline + ":", highlight=False, markup=False)
        _print_checks(ctx, [c for c in out.checks if not c.ok])
        return
    if said.ok:
        ctx.out.print(f"[green]✓[/] {shown(said.headline)}", highlight=False)
    else:
        ctx.err.print(f"[red]✗[/] {shown(said.headline)}", highlight=False)
        for line in said.lines:
            ctx.err.print(line, highlight=False, markup=False)
    if out.audit_error:
        ctx.err.print(f"[red]audit[/]: {shown(out.audit_error)}", highlight=False)
    if out.call_after is not None:
        for p in out.call_after.participants:
            if p.end_time is None:
                roles = f" ({'/'.join(p.media_roles)})" if p.media_roles else ""
                name = p.name or (p.user.name if p.user else "") or ""
                ctx.out.print(
                    f"  {p.purpose:<9} {name}{roles} {p.state}", highlight=False, markup=False
                )


def _deliver(ctx: Context, desk: SuperviseDesk) -> None:
    """Best effort, once: the outbox keeps what could not be sent for the next run."""
    res = desk.deliver_webhook()
    if res is not None and res.error:
        ctx.err.print(
            f"webhook: {res.error}; {res.pending} record(s) kept in the outbox", highlight=False
        )


# --- audit -----------------------------------------------------------------------------------------


def cmd_audit(ctx: Context) -> int:
    a = ctx.args
    if a.audit_command == "webhook-secret":
        return _store_webhook_secret(ctx)
    from genesys_tui.context import remembered_scope
    from genesys_tui.core.orgs import OrgUnknown

    try:
        scope = remembered_scope(
            ctx.target(), ctx.paths, org_id=getattr(a, "org", None), demo=getattr(a, "demo", False)
        )
    except OrgUnknown as e:
        raise CommandError(str(e)) from None
    if a.audit_command == "verify":
        return _audit_verify(ctx, store.audit_log(scope))
    if a.audit_command == "tail":
        return _audit_tail(ctx, store.audit_log(scope))
    if a.audit_command == "deliver":
        return _audit_deliver(ctx, scope)
    raise CommandError(f"unknown audit action {a.audit_command!r}", code=2)


def _audit_verify(ctx: Context, log: AuditLog) -> int:
    from genesys_tui.flows.supervise.audit import verify

    v = verify(log)
    for note in v.notes:
        ctx.err.print(f"note: {note}", highlight=False)
    if v.ok:
        ctx.out.print(
            f"[green]ok[/]: {v.records} record(s), the chain is intact ({log.path})",
            highlight=False,
        )
        return 0
    for p in v.problems:
        ctx.err.print(f"[red]tampered[/]: {shown(p)}", highlight=False)
    ctx.err.print(
        f"{log.path}: {len(v.problems)} problem(s) in {v.records} record(s)", highlight=False
    )
    return 1


def _audit_tail(ctx: Context, log: AuditLog) -> int:
    a = ctx.args
    records = log.tail(a.n)
    if a.json:
        for r in records:
            print(json.dumps(r, ensure_ascii=False))
        return 0
    t = Table(show_edge=False, pad_edge=False)
    for col in (
        "#",
        "Time (UTC)",
        "Supervisor",
        "Action",
        "Result",
        "Conversation",
        "Latency",
        "Why",
    ):
        t.add_column(col)
    for r in records:
        why = "; ".join(c["detail"] for c in r.get("checks", []) if not c.get("ok")) or (
            r.get("error") or ""
        )
        lat = f"{r['latencyMs']:.0f} ms" if r.get("latencyMs") is not None else ""
        t.add_row(
            *cells(
                str(r.get("seq")),
                str(r.get("ts", ""))[:19].replace("T", " "),
                (r.get("supervisor") or {}).get("name", ""),
                r.get("action", ""),
                r.get("result", ""),
                r.get("conversationId", ""),
                lat,
                why,
            )
        )
    ctx.out.print(t)
    return 0


def _audit_deliver(ctx: Context, scope: OrgScope) -> int:
    res = deliver_outbox(ctx.config, store.outbox_path(scope), now=True)
    if res is None:
        raise CommandError("no webhook configured (supervise.webhook.url)")
    ctx.out.print(
        f"sent {res.sent}, pending {res.pending}" + (f" ({res.error})" if res.error else ""),
        highlight=False,
    )
    return 0 if res.pending == 0 else 1


def _store_webhook_secret(ctx: Context) -> int:
    a = ctx.args
    if not ctx.config.supervise.webhook.url:
        raise CommandError("set supervise.webhook.url in the config first")
    if a.secret_stdin:
        secret = sys.stdin.readline().strip()
    elif is_tty():
        import getpass

        secret = getpass.getpass("Webhook signing secret: ").strip()
    else:
        raise CommandError("no terminal to ask for the secret: pass --secret-stdin", code=2)
    if len(secret) < 16:
        raise CommandError("the signing secret must be at least 16 characters", code=2)
    store.store_webhook_secret(ctx.config, secret)
    ctx.out.print(
        f"stored the signing secret for {store.webhook_host(ctx.config.supervise.webhook.url)} in the "
        "OS keyring",
        highlight=False,
    )
    return 0
