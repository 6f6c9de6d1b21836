"""One supervisor action, from request to record: read the call's current state, run the checks,
record the attempt; after an explicit confirmation, read the call again and re-run the checks, then
dispatch once (never twice: a 5xx or a lost connection is not retried, because the server may have
acted; afterwards the call is read again to say whether it did), measure the latency, and record
the outcome in the audit log and the webhook outbox. The CLI and the TUI both go through here."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from genesys_tui.core.config import Notice, SuperviseSettings
from genesys_tui.core.errors import user_message
from genesys_tui.core.web_session import web_session
from genesys_tui.flows.supervise.audit import (
    ALLOWED,
    CANCELLED,
    CONFIRM,
    DISPATCH,
    DISPATCHED,
    FAILED,
    REFUSED,
    AuditError,
    AuditLog,
)
from genesys_tui.flows.supervise.checks import (
    CUSTOMER_PURPOSES,
    Check,
    Request,
    Situation,
    Supervisor,
    own_participant,
    refusals,
    role_of,
    run_checks,
)
from genesys_tui.flows.supervise.webhook import Outbox
from genesys_tui.genesys import errors as E
from genesys_tui.genesys import states as S
from genesys_tui.genesys.auth import SignInExpired
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.models import CallConversation


@dataclass
class Attempt:
    request: Request
    checks: list[Check]
    call: CallConversation | None
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def allowed(self) -> bool:
        return not refusals(self.checks)


@dataclass
class Outcome:
    attempt: Attempt
    result: str  # dispatched | refused | failed
    checks: list[Check]  # as run just before dispatch
    status: int | None = None
    latency_ms: float | None = None
    genesys_correlation_id: str | None = None
    error: str | None = None
    call_after: CallConversation | None = None
    on_call_after: bool | None = (
        None  # is the supervisor on the call now? (the answer to a failed dispatch)
    )
    notice_state: str | None = None
    steps: list[dict[str, Any]] = field(
        default_factory=list
    )  # a notice's requests, each with its status
    audit_error: str | None = None  # dispatched or failed, but the record could not be written

    @property
    def ok(self) -> bool:
        return self.result == DISPATCHED


def _unreadable(e: E.GenesysError) -> Check:
    if isinstance(e, SignInExpired):  # the token ended: nothing can be (or was) sent
        return Check("signed in", False, str(e))
    return Check("call could be read", False, f"could not read the call: {user_message(e) or e}")


class Supervision:
    def __init__(
        self,
        client: GenesysClient,
        supervisor: Supervisor,
        settings: SuperviseSettings,
        notices: dict[str, Notice],
        audit: AuditLog,
        outbox: Outbox | None = None,
        *,
        readonly: bool = False,
        names: dict[str, str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], Any] = asyncio.sleep,
    ):
        self.client, self.supervisor, self.settings, self.notices = (
            client,
            supervisor,
            settings,
            notices,
        )
        self.audit, self.outbox, self.readonly = audit, outbox, readonly
        self.names = names or {}
        self.clock, self.sleep = clock, sleep

    # --- the two steps -------------------------------------------------------------------------

    async def check(self, request: Request) -> Attempt:
        """Read the call, run the checks, record "allowed" or "refused"."""
        try:
            situation = await self.situation(request)
        except E.GenesysError as e:  # cannot even read the call: refuse, and say why
            attempt = Attempt(request, [_unreadable(e)], None)
            self.record(attempt, REFUSED, CONFIRM, attempt.checks)
            return attempt
        attempt = Attempt(request, run_checks(situation), situation.call)
        self.record(attempt, ALLOWED if attempt.allowed else REFUSED, CONFIRM, attempt.checks)
        return attempt

    def cancel(self, attempt: Attempt) -> None:
        self.record(attempt, CANCELLED, CONFIRM, attempt.checks)

    async def dispatch(self, attempt: Attempt) -> Outcome:
        """After confirmation: check again on the call as it is now, then send once."""
        try:
            situation = await self.situation(attempt.request)
            checks = run_checks(situation)
        except E.GenesysError as e:
            situation, checks = None, [_unreadable(e)]
        if situation is None or refusals(checks):
            out = Outcome(
                attempt, REFUSED, checks, call_after=situation.call if situation else None
            )
            self.record(attempt, REFUSED, DISPATCH, checks)
            return out
        started = time.perf_counter()
        out = Outcome(attempt, DISPATCHED, checks)
        try:
            if attempt.request.action == "notice":
                await self._notice(situation, out, started)
            elif attempt.request.action == "leave":
                await self._leave(situation, out, started)
            elif own_participant(situation.call, self.supervisor) is not None:
                await self._switch(situation, out, started)
            else:
                out.status, out.genesys_correlation_id = await self._send(situation)
                out.latency_ms = (time.perf_counter() - started) * 1000
        except SignInExpired as e:  # raised before the request went out: nothing was sent
            out.latency_ms = None
            out.result, out.error = REFUSED, str(e)
            checks = [*checks, _unreadable(e)]
        except E.GenesysError as e:
            out.latency_ms = (time.perf_counter() - started) * 1000
            out.result, out.status, out.genesys_correlation_id = (
                FAILED,
                e.status,
                e.correlation_id,
            )
            out.error = user_message(e) or str(e)
            if e.status is None or e.status >= 500:
                out.error += " The request may have reached Genesys: it was not sent again."
        except Exception as e:  # noqa: BLE001 - whatever happens, the attempt gets its outcome record
            out.latency_ms = (time.perf_counter() - started) * 1000
            out.result, out.status = FAILED, None
            out.error = (
                f"{type(e).__name__}: {e}"[:300]
                + " The request may have reached Genesys: it was not "
                "sent again."
            )
        out.call_after = await self.current_call(attempt.request.conversation_id)
        out.on_call_after = self._on_call(out.call_after)
        try:
            self.record(attempt, out.result, DISPATCH, checks, outcome=out)
        except (
            OSError,
            AuditError,
        ) as e:  # e.g. a full disk: the caller must still hear what happened
            out.audit_error = f"the outcome could not be written to the audit log: {e}"
        return out

    # --- helpers --------------------------------------------------------------------------------

    async def current_call(self, conversation_id: str) -> CallConversation | None:
        try:
            return await self.client.conversations.get_call(conversation_id)
        except E.NotFound:
            return None

    async def situation(self, request: Request) -> Situation:
        call = await self.current_call(request.conversation_id)
        since = (
            (self.clock() - timedelta(hours=1))
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )
        recent = await asyncio.to_thread(self.audit.actions_since, self.supervisor.user_id, since)
        auth = self.client.auth
        left = None if getattr(auth, "renewable", True) else (auth.seconds_left or 0.0)
        return Situation(
            request,
            call,
            self.supervisor,
            self.settings,
            self.notices,
            self.names,
            self.clock(),
            recent,
            self.readonly,
            left,
        )

    def _on_call(self, call: CallConversation | None) -> bool | None:
        if call is None:
            return None
        return any(
            p.user and p.user.id == self.supervisor.user_id and p.end_time is None
            for p in call.participants
        )

    async def _send(self, s: Situation) -> tuple[int, str | None]:
        r = s.request
        sent = await self.client.conversations.supervise(
            r.action, r.conversation_id, r.participant_id
        )
        return sent.status, sent.correlation_id

    async def _leave(self, s: Situation, out: Outcome, started: float) -> None:
        """Disconnect the supervisor's own participant (as a notice leaves): nobody else's."""
        own = own_participant(s.call, self.supervisor)
        role = role_of(own) if own is not None else "?"
        left = await self.client.conversations.disconnect_participant(
            s.request.conversation_id, own.id if own is not None else ""
        )
        out.status, out.genesys_correlation_id = left.status, left.correlation_id
        out.latency_ms = (time.perf_counter() - started) * 1000
        out.steps.append({"step": f"leave ({role})", "status": left.status})

    async def _switch(self, s: Situation, out: Outcome, started: float) -> None:
        """From one role to another: Genesys has no request that changes a supervisor's role, so
        leave, then join in the new one; one action, each request a step of its record. When the
        join fails after the leave, the supervisor is off the call, and the outcome says so."""
        r, conv = s.request, self.client.conversations
        own = own_participant(s.call, self.supervisor)
        role = role_of(own) if own is not None else "?"
        left = await conv.disconnect_participant(r.conversation_id, own.id if own else "")
        out.steps.append({"step": f"leave ({role})", "status": left.status})
        try:
            sent = await conv.supervise(r.action, r.conversation_id, r.participant_id)
        except E.GenesysError as e:
            out.steps.append({"step": f"join ({r.action})", "status": e.status})
            e.message = f"left the call ({role}) but could not join to {r.action}: {e.message}"
            raise
        out.steps.append(
            {
                "step": f"join ({r.action})",
                "status": sent.status,
                "correlationId": sent.correlation_id,
            }
        )
        out.status, out.genesys_correlation_id = sent.status, sent.correlation_id
        out.latency_ms = (time.perf_counter() - started) * 1000

    def _own_participant(self, call: CallConversation | None) -> str | None:
        if call is None:
            return None
        return next(
            (
                p.id
                for p in call.participants
                if p.user
                and p.user.id == self.supervisor.user_id
                and p.end_time is None
                and p.state == S.CONNECTED
            ),
            None,
        )

    async def _notice(self, s: Situation, out: Outcome, started: float) -> None:
        """A notice is the customer sent into the notice's Architect secure flow. "Only a
        participant in the conversation can invoke a secure IVR", so the supervisor joins silently
        first (monitor) unless already on the call, starts the flow from their own participant,
        follows it until it ends or the notice's maximum duration, and then leaves, disconnecting
        only their own participant (one who was already on the call stays). Every request is a
        step in the audit record; each is sent once."""
        r = s.request
        conv = self.client.conversations
        notice = self.notices[r.notice or ""]
        customer = next(
            (
                p
                for p in s.call.participants
                if p.purpose in CUSTOMER_PURPOSES  # type: ignore[union-attr]
                and p.state == S.CONNECTED
                and p.end_time is None
            ),
            None,
        )
        if customer is None:
            raise E.BadRequest("no connected customer to play the notice to")

        def step(name: str, status: int | None, **extra: Any) -> None:
            out.steps.append({"step": name, "status": status, **extra})

        own, joined = self._own_participant(s.call), None
        try:
            if own is None:
                sent = await conv.supervise("monitor", r.conversation_id, r.participant_id)
                step("join (monitor)", sent.status, correlationId=sent.correlation_id)
                own = joined = self._own_participant(await conv.get_call(r.conversation_id))
                if own is None:
                    raise E.ServerError(
                        "joined to monitor, but the call does not list the supervisor yet"
                    )
            session, sent = await conv.start_secure_ivr(
                r.conversation_id,
                customer.id or "",
                notice.flow_id,
                source_participant_id=own,
                user_data=f"notice={r.notice}",
            )
            out.status, out.genesys_correlation_id = sent.status, sent.correlation_id
            out.latency_ms = (time.perf_counter() - started) * 1000
            step(
                "start secure flow",
                sent.status,
                correlationId=sent.correlation_id,
                flowId=notice.flow_id,
            )
            out.notice_state = await self._follow_notice(r, customer.id or "", session)
            step(
                "flow ended" if out.notice_state == S.COMPLETED else "flow followed",
                None,
                state=out.notice_state,
            )
        finally:
            if joined is not None:
                try:
                    left = await conv.disconnect_participant(r.conversation_id, joined)
                    step("leave", left.status)
                except (
                    E.GenesysError
                ) as e:  # reported, never retried: the supervisor may be left on
                    step("leave", e.status, error=user_message(e) or str(e))
                    out.error = (
                        out.error or ""
                    ) + " Could not leave the call: you may still be on it."

    async def _follow_notice(self, r: Request, customer_id: str, session) -> str:
        """Wait for the flow to finish, up to the notice's maximum duration."""
        limit = self.notices[r.notice or ""].max_duration_seconds
        deadline = time.monotonic() + limit
        state = session.state or "PENDING"
        while state == S.PENDING and time.monotonic() < deadline:
            await self.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
            try:
                state = (
                    await self.client.conversations.get_secure_ivr(
                        r.conversation_id, customer_id, session.id or ""
                    )
                ).state or state
            except E.GenesysError:
                break
        if state == S.PENDING:
            return f"still running after {limit} s"
        return state

    def record(
        self,
        attempt: Attempt,
        result: str,
        stage: str,
        checks: list[Check],
        outcome: Outcome | None = None,
    ) -> dict[str, Any]:
        r = attempt.request
        fields: dict[str, Any] = {
            "supervisor": {"id": self.supervisor.user_id, "name": self.supervisor.name},
            "action": r.action,
            "conversationId": r.conversation_id,
            "participantId": r.participant_id,
            "notice": r.notice,
            "stage": stage,
            "result": result,
            "checks": [c.to_json() for c in checks],
            "correlationId": attempt.correlation_id,
        }
        if (tab := web_session()) is not None:  # done from a browser tab of `genesys-tui web`
            fields["webSession"] = tab
        if outcome is not None:
            fields.update(
                {
                    "status": outcome.status,
                    "latencyMs": round(outcome.latency_ms, 1)
                    if outcome.latency_ms is not None
                    else None,
                    "genesysCorrelationId": outcome.genesys_correlation_id,
                    "error": outcome.error,
                    "onCallAfter": outcome.on_call_after,
                    "noticeState": outcome.notice_state,
                }
            )
            if outcome.steps:
                fields["steps"] = outcome.steps
        rec = self.audit.append(fields)
        if self.outbox is not None:
            try:
                self.outbox.add(rec, self.audit.last_hash or str(rec["seq"]))
            except (
                sqlite3.Error,
                OSError,
            ) as e:  # a full disk: say so; before dispatch nothing goes out
                raise AuditError(
                    f"the webhook outbox could not be written ({e}); free some space and try again"
                ) from None
        return rec
