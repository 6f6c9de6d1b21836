"""What the app holds for its whole life, whatever screen is showing: the API session (client,
identity, names) and the download queue. Core objects, adapted to Textual messages here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from genesys_tui.context import Target, org_scope
from genesys_tui.core import fmt
from genesys_tui.core.orgs import OrgScope
from genesys_tui.core.paths import AppPaths
from genesys_tui.flows.pull.model import DONE, FAILED, FINAL_STATES, WAITING, JobEvent, QueueTotals
from genesys_tui.flows.pull.runner import QueueBusy, QueueOptions, QueueRunner
from genesys_tui.flows.pull.store import JobStore
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.storage.sinks import Sink

log = logging.getLogger("genesys_tui.tui")


@dataclass
class Session:
    client: GenesysClient
    target: Target
    paths: AppPaths
    demo: bool = False
    scope: OrgScope | None = None  # where this org's files live; set by load()
    org_name: str = ""
    identity: str = ""
    names: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)  # id -> name
    agents: dict[str, str] = field(default_factory=dict)
    wrapups: dict[str, str] = field(default_factory=dict)

    async def load(self) -> None:
        """Who we are and the names of things (a handful of API calls, once)."""
        d = self.client.directory
        self.scope = await org_scope(self.client, self.target, self.paths, demo=self.demo)
        info = await d.token_info()
        self.org_name = (info.organization.name if info.organization else None) or "your org"
        me = await d.me() if self.client.auth.kind == "user" else None
        client_name = info.o_auth_client.name if info.o_auth_client else None
        self.identity = (
            (me.name or me.email)
            if me
            else f"client {client_name or getattr(self.client.auth, 'client_id', '')}"
        )
        self.names = await d.names()  # what cannot be read (a 403) stays unnamed
        self.queues, self.agents, self.wrapups = (
            d.named("queue"),
            d.named("user"),
            d.named("wrapup"),
        )

    def token_state(self) -> str:
        left = getattr(self.client.auth, "seconds_left", None)
        if left is None:
            return "token: not yet requested"
        if left <= 0:
            return "token: expired, renewing"
        return f"token: valid {fmt.time_left(left)}"


class QueueService:
    """The queue runs in the app (not in a screen that could be popped), so it keeps going while
    the user browses. Events become messages through `post`."""

    def __init__(
        self,
        client: GenesysClient,
        store: JobStore,
        staging,
        sink_for: Callable[[str], Sink],
        opts: QueueOptions,
        post: Callable[[Any], None],
        notify: Callable[..., None],
    ):
        self.store = store
        self.runner = QueueRunner(client, store, staging, sink_for, opts, on_event=self._on_event)
        self.post, self.notify = post, notify
        self.busy: str | None = None
        self.totals: QueueTotals | None = None
        self._announced_idle = True

    def start(self) -> None:
        try:
            self.runner.acquire()
        except QueueBusy as e:
            self.busy = str(e)
            return
        if self.store.setting("paused") == "1":
            self.runner.pause()
        for job in self.store.unfinished():
            self.runner.start(job)

    @property
    def available(self) -> bool:
        return self.busy is None

    def add(self, job_ids: list[int]) -> None:
        if self.busy:
            raise QueueBusy(self.busy)
        self._announced_idle = False
        for i in job_ids:
            job = self.store.get(i)
            if job is not None:
                self.runner.start(job)

    def _on_event(self, ev: JobEvent | QueueTotals) -> None:
        if isinstance(ev, QueueTotals):
            self.totals = ev
            self.post(ev)
            active = ev.total - ev.finished - ev.counts.get(WAITING, 0)
            if active == 0 and not self._announced_idle and ev.total:
                self._announced_idle = True
                failed = ev.counts.get(FAILED, 0)
                self.notify(
                    f"Queue finished: {ev.counts.get(DONE, 0)} done, {failed} failed",
                    title="Downloads",
                    severity="warning" if failed else "information",
                )
            return
        self.post(ev)
        if ev.state == FAILED and ev.error:
            self.notify(
                f"{ev.label}: {ev.error}", title="Download failed", severity="error", timeout=8
            )
        elif ev.state == DONE and ev.error:
            self.notify(f"{ev.label}: {ev.error}", title="Nothing to download", severity="warning")
        elif ev.state in FINAL_STATES:
            log.debug("job %s %s", ev.job_id, ev.state)

    async def close(self) -> None:
        await self.runner.close()
