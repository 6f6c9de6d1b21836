"""The Supervise flow's one entry point for the CLI (`supervise …`) and the TUI (the Supervise
screen): a signed-in supervisor's desk. It holds the supervisor's client, the checks-and-dispatch
engine, the org's audit log and the QA webhook's outbox, and says in plain words what happened, so
both front-ends report an outcome the same way. No Textual, no Rich."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from genesys_tui.core import fmt
from genesys_tui.core.config import Config
from genesys_tui.core.errors import UserError
from genesys_tui.core.orgs import OrgScope
from genesys_tui.flows.supervise import store
from genesys_tui.flows.supervise.audit import REFUSED
from genesys_tui.flows.supervise.checks import Request, Supervisor
from genesys_tui.flows.supervise.engine import Attempt, Outcome, Supervision
from genesys_tui.flows.supervise.live import LiveCall, live_calls, matching
from genesys_tui.flows.supervise.webhook import Delivery, Outbox
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.models import CallConversation

VERBS = {
    "monitor": "Monitor",
    "coach": "Coach",
    "barge": "Barge",
    "notice": "Play notice",
    "leave": "Leave",
}
EFFECTS = {
    "monitor": "Listen to the call; nobody hears you.",
    "coach": "Speak to the agent; the customer does not hear you.",
    "barge": "Join the call; everyone hears you.",
    "leave": "Leave the call: your own participant ends; nobody else's.",
}
SOON = 600.0  # seconds: a sign-in ending within this is announced


class NoSupervisor(UserError):
    """The token has no user behind it (client credentials): actions need a person."""


@dataclass(frozen=True)
class Report:
    """An outcome in words: `headline` for a title or a first line, `lines` for details."""

    ok: bool
    refused: bool
    headline: str
    lines: tuple[str, ...]


def report(out: Outcome) -> Report:
    verb = VERBS[out.attempt.request.action]
    latency = f" in {out.latency_ms:.0f} ms" if out.latency_ms is not None else ""
    if out.result == REFUSED:
        why = tuple(f"✗ {c.detail}" for c in out.checks if not c.ok)
        return Report(False, True, f"{verb}: refused just before sending (the call changed)", why)
    if out.ok:
        extra = f"; the notice flow {out.notice_state}" if out.notice_state else ""
        return Report(True, False, f"{verb}: dispatched (HTTP {out.status}){latency}{extra}", ())
    where = (
        ("You ARE on the call now: it went through despite the error.",)
        if out.on_call_after
        else ("You are not on the call.",)
        if out.on_call_after is False
        else ()
    )
    return Report(False, False, f"{verb}: failed{latency}: {out.error}", where)


def sign_in_warning(left: float, warned: str | None) -> tuple[str, str, int] | None:
    """Whether to warn about the sign-in's end now, given the last warning given ("soon",
    "ended" or None): (the warning's name, its text, how long to show it in seconds)."""
    if left <= 0 and warned != "ended":
        return "ended", "Your sign-in has ended: press L to sign in again.", 30
    if 0 < left <= SOON and warned is None:
        return "soon", f"Your sign-in ends in {fmt.time_left(left)}: press L to sign in again.", 15
    return None


async def calls_matching(
    client: GenesysClient,
    config: Config,
    names: dict[str, str],
    queues: Iterable[str] = (),
    agents: Iterable[str] = (),
    now: datetime | None = None,
) -> list[LiveCall]:
    """The live calls now, in these queues, with these agents (live.matching): `supervise calls`.
    Reading needs no supervisor's sign-in, so it is not the desk's; the TUI's list is the same
    calls kept by a LiveBoard (pushed), shown by the same live.agent_rows."""
    calls = await live_calls(client, config.supervise, names, now=now)
    return matching(calls, queues, agents)


def deliver_outbox(config: Config, path: Path, *, now: bool = False) -> Delivery | None:
    """Send the QA webhook's outbox at `path` (its own connection: safe from any thread); what
    fails stays for the next time. `now`: records waiting out a backoff go too (`audit
    deliver`). None when no webhook is configured."""
    hook = config.supervise.webhook
    if not hook.url:
        return None
    box = Outbox(path)
    try:
        if now:
            box.retry_now()
        return box.deliver(
            hook.url,
            store.webhook_secret(config),
            timeout=hook.timeout_seconds,
            max_backoff=hook.max_backoff_seconds,
        )
    finally:
        box.close()


class SuperviseDesk:
    """One supervisor signed in to one org. `own_client`: the desk closes the client with itself
    (a sign-in made for Supervise), else the caller does (the app's own user session)."""

    def __init__(
        self,
        client: GenesysClient,
        supervisor: Supervisor,
        config: Config,
        scope: OrgScope,
        *,
        readonly: bool,
        names: dict[str, str],
        own_client: bool = False,
    ):
        self.client, self.supervisor, self.config = client, supervisor, config
        self.own_client = own_client
        hook = config.supervise.webhook
        self.outbox: Outbox | None = store.outbox(scope) if hook.url else None
        self.engine = Supervision(
            client,
            supervisor,
            config.supervise,
            config.notices,
            store.audit_log(scope),  # the audit log is the signed-in org's
            self.outbox,
            readonly=readonly,
            names=names,
        )

    @classmethod
    async def open(
        cls,
        client: GenesysClient,
        config: Config,
        scope: OrgScope,
        *,
        readonly: bool,
        names: dict[str, str] | None = None,
        own_client: bool = False,
    ) -> SuperviseDesk:
        """The desk of the user behind `client`'s token; NoSupervisor when it has none."""
        supervisor = await store.identify(client)
        if supervisor is None:
            raise NoSupervisor(
                "the sign-in has no user: supervisor actions need your own sign-in "
                "(`genesys-tui login --user`)"
            )
        if names is None:
            names = await client.directory.names()
        return cls(
            client,
            supervisor,
            config,
            scope,
            readonly=readonly,
            names=names,
            own_client=own_client,
        )

    @property
    def readonly(self) -> bool:
        return self.engine.readonly

    @property
    def names(self) -> dict[str, str]:
        return self.engine.names

    async def check(self, request: Request) -> Attempt:
        return await self.engine.check(request)

    def cancel(self, attempt: Attempt) -> None:
        self.engine.cancel(attempt)

    async def dispatch(self, attempt: Attempt) -> Outcome:
        return await self.engine.dispatch(attempt)

    async def current_call(self, conversation_id: str) -> CallConversation | None:
        return await self.engine.current_call(conversation_id)

    def sign_in_left(self) -> float | None:
        """Seconds the supervisor's sign-in has left, or None when it renews itself."""
        auth = self.client.auth
        if getattr(auth, "renewable", True):
            return None
        return auth.seconds_left or 0.0

    def deliver_webhook(self) -> Delivery | None:
        """Send what the outbox holds (best effort: what fails stays for the next time). Blocking,
        and safe from another thread: it opens its own connection to the outbox."""
        if self.outbox is None:
            return None
        return deliver_outbox(self.config, self.outbox.path)

    async def close(self) -> None:
        if self.outbox is not None:
            box, self.outbox = self.outbox, None
            box.close()
        if self.own_client:
            self.own_client = False
            with contextlib.suppress(Exception):
                await self.client.aclose()
