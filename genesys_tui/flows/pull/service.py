"""The pull flow's one entry point for the CLI (`fetch`) and the TUI (Browse's `d`/`D`, the Queue
screen): plan conversations into the persistent job store, run the queue, control it. Plain
arguments in, plain events out (JobEvent, QueueTotals, QueueIdle), no Textual and no Rich."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from genesys_tui.core.ids import safe_id
from genesys_tui.flows.pull import meta as job_meta
from genesys_tui.flows.pull.follow import (
    FOLLOW_POLL,
    FOLLOWED,
    HANDED,
    RAN,
    SILENT_HOLDER,
    UNTAKEN,
    Follower,
)
from genesys_tui.flows.pull.holder import Holder, holder, lock_queue
from genesys_tui.flows.pull.housekeeping import sweep_staging
from genesys_tui.flows.pull.model import (
    ALL_RECORDINGS,
    DONE,
    FAILED,
    FINAL_STATES,
    QUEUED,
    WAITING,
    Job,
    JobEvent,
    QueueOptions,
    QueueTotals,
)
from genesys_tui.flows.pull.outcomes import QueueBusy, retrying
from genesys_tui.flows.pull.runner import QueueRunner
from genesys_tui.flows.pull.store import JobStore
from genesys_tui.genesys import errors as E
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.storage.sinks import Sink

log = logging.getLogger("genesys_tui.pull")


@dataclass(frozen=True)
class QueueIdle:
    """Every job queued since the last idle is finished or waiting for a restore."""

    done: int
    failed: int


QueueEvent = JobEvent | QueueTotals | QueueIdle


@dataclass
class Search:
    """Conversations found by an analytics query, as `fetch --interval` asks for them."""

    start: datetime
    end: datetime
    filter: ConversationFilter
    include_unrecorded: bool = False
    limit: int = 0


@dataclass
class Plan:
    job_ids: list[int] = field(default_factory=list)  # conversation-level jobs
    conversations: int = 0  # planned with their metadata
    unplanned: int = 0  # could not be read: recorded as failed jobs
    retried: int = 0  # jobs that failed in an earlier run, queued again
    in_progress: list[str] = field(
        default_factory=list
    )  # live calls: no job (nothing to fetch yet)


class PullService:
    """The queue of one org: plan, run, and manage jobs. `client` None: the store only (`jobs`
    lists, cancels, retries and clears without signing in; running needs a client)."""

    def __init__(
        self,
        client: GenesysClient | None,
        store_path: Path,
        sink_for: Callable[[str], Sink],
        opts: QueueOptions | None = None,
        on_event: Callable[[QueueEvent], None] | None = None,
    ):
        self.store = JobStore(store_path)
        self.staging = store_path.parent / "staging"
        self.on_event = on_event
        self.runner = QueueRunner(
            client, self.store, self.staging, sink_for, opts, on_event=self._on_event
        )
        self.client = client
        self.busy: str | None = None  # why the queue cannot run here (another process has it)
        self.totals: QueueTotals | None = None
        self._announced_idle = True

    # --- planning ---------------------------------------------------------------------------------

    async def plan(
        self,
        conversation_ids: Iterable[str],
        fmt: str,
        target: str,
        search: Search | None = None,
        extra_meta: dict[str, Any] | None = None,
    ) -> Plan:
        """One conversation-level job per conversation (it expands into one job per recording),
        with the metadata names and sidecars need. Existing jobs (same conversation, format and
        target) are reused, and what failed in them is queued again. A conversation that cannot
        be read never stops the others: it becomes a failed job saying why. InvalidId for an ID
        that is not one."""
        client = self.client
        names = await retrying(client.directory.names)
        metas: dict[str, dict] = {}
        if search is not None:

            async def find() -> None:  # again from the top after a failure: what was found stays
                async for s in client.analytics.iter_conversations(
                    search.start, search.end, search.filter
                ):
                    if s.has_recording or search.include_unrecorded:
                        metas.setdefault(s.conversation_id, job_meta.from_summary(s, names))
                        if search.limit and len(metas) >= search.limit:
                            return

            await retrying(find)
        # " ID " from a spreadsheet is the same ID
        wanted = [
            cid
            for cid in dict.fromkeys(safe_id(g, "conversation id") for g in conversation_ids)
            if cid not in metas
        ]
        if wanted:  # 100 ids a request from analytics; what it does not know yet is read one by one
            try:
                found = await retrying(lambda: client.analytics.summaries_by_id(wanted))
            except E.GenesysError as e:
                log.info("the multi-get failed (%s): reading the conversations one by one", e)
                found = {}
            metas.update({c: job_meta.from_summary(found[c], names) for c in wanted if c in found})
        unplanned: dict[str, str] = {}
        for cid in wanted:
            if cid not in metas:
                try:
                    conv = await retrying(lambda cid=cid: client.conversations.get(cid))
                    metas[cid] = job_meta.from_conversation(conv, names)
                except E.GenesysError as e:
                    unplanned[cid] = str(e)
        # A call still going has no recording to fetch yet (it comes when the call ends): no job,
        # which no run could finish, but the caller says so.
        live = [cid for cid, m in metas.items() if not m.get("conversationEnd")]
        for cid in live:
            del metas[cid]
        plan = Plan(conversations=len(metas), unplanned=len(unplanned), in_progress=live)
        for cid, why in unplanned.items():
            job, _ = self.store.add(cid, ALL_RECORDINGS, fmt, target, {"conversationId": cid})
            self.store.update(job, state=FAILED, last_error=f"could not be planned: {why}")
            plan.job_ids.append(job.id)
        for cid, meta in metas.items():
            job, created = self.store.add(
                cid, ALL_RECORDINGS, fmt, target, {**meta, **(extra_meta or {})}
            )
            plan.job_ids.append(job.id)
            if not created:
                plan.retried += self._again(job, meta)
        return plan

    def _again(self, job: Job, meta: dict[str, Any]) -> int:
        """The same request once more: what failed last time is tried again."""
        if job.state == FAILED:  # it may not have been planned then: names need the metadata
            self.store.update(job, meta={**job.meta, **meta})
        failed = [j.id for j in (job, *self.store.children(job.id)) if j.state == FAILED]
        return self.store.retry_failed(failed) if failed else 0

    def enqueue(
        self, items: Iterable[tuple[str, dict[str, Any]]], fmt: str, target: str, batch: bool
    ) -> list[int]:
        """Conversations already on screen (their metadata known) into the queue: run here, or
        handed to the process that runs it (`busy`)."""
        ids = []
        for cid, meta in items:
            job, created = self.store.add(
                cid, ALL_RECORDINGS, fmt, target, {**meta, "batch": batch}
            )
            if not created:
                self._again(job, meta)
            ids.append(job.id)
        if self.busy:
            self.store.offer(self.with_children(ids), os.getpid())
        else:
            self.add(self.with_children(ids))
        return ids

    def with_children(self, ids: list[int]) -> list[int]:
        out = list(ids)
        for i in ids:
            out += [c.id for c in self.store.children(i)]
        return out

    # --- running ----------------------------------------------------------------------------------

    async def run(self, job_ids: list[int] | None = None) -> QueueTotals:
        """Work until these jobs (default: every unfinished one) and those they spawn are done."""
        self._announced_idle = False
        try:
            totals = await self.runner.run(job_ids)
        except BaseException:
            await self.runner.close()
            raise
        await self.runner.close(wait=True)  # the workers are idle: let them exit cleanly
        return totals

    async def run_or_hand_over(
        self,
        job_ids: list[int] | None,
        *,
        wait: bool = True,
        on_news: Callable[[str], None] = lambda _s: None,
    ) -> str:
        """Run these jobs (None: every unfinished one) here if the queue is free (RAN). Else hand
        them to the process that runs it and follow them there to the end (FOLLOWED), or with
        wait=False only until it has taken them (HANDED; UNTAKEN if it did not in time). If the
        queue comes free meanwhile, its holder having finished, quit or died, the rest runs here
        (RAN)."""
        try:
            self.runner.acquire()
        except QueueBusy:
            pass
        else:
            await self.run(job_ids)
            return RAN
        ids = job_ids if job_ids is not None else [j.id for j in self.store.unfinished()]
        self.store.offer(ids, os.getpid())
        who = self.holder()
        top = sum(1 for j in self.store.family(ids) if j.is_expansion) or len(ids)
        then = "following them there" if wait else "waiting until it has taken them"
        on_news(
            f"this org's queue is run by another genesys-tui ({who or 'unknown'}): {top} "
            f"conversation(s) handed over to it; {then} (Ctrl-C stops this, not the jobs)"
        )
        follower = Follower(self.store, ids, self._on_event)
        offered, warned, paused = time.monotonic(), False, False
        while True:
            if follower.poll() and wait:
                return FOLLOWED
            untaken = self.store.untaken(ids)
            if not wait and not untaken:
                return HANDED
            if untaken and time.monotonic() - offered > SILENT_HOLDER:
                if not wait:
                    return UNTAKEN
                if not warned:
                    warned = True
                    who = self.holder() or who  # the lock says who holds it now
                    why = (
                        "is it stopped (Ctrl-Z) or hung?"
                        if who is None or who.alive
                        else "that process is gone, yet the lock is held: a process it started "
                        "keeps it (stop that one)"
                    )
                    on_news(
                        f"{who or 'the holder'} has not taken the jobs in "
                        f"{SILENT_HOLDER:.0f} s: {why} Waiting."
                    )
            if follower.paused != paused:
                paused = follower.paused
                on_news(
                    "the queue is paused there (p in its Queue resumes it)"
                    if paused
                    else "the queue runs again"
                )
            await asyncio.sleep(FOLLOW_POLL)
            try:
                self.runner.acquire()
            except QueueBusy:
                continue
            on_news(
                f"{who or 'the other genesys-tui'} no longer runs the queue: running the rest here"
            )
            await self.run(self.with_children(ids))
            return RAN

    def holder(self) -> Holder | None:
        """Who runs the queue when another process does."""
        return holder(self.store.path)

    def start(self, by: str = "the TUI") -> None:
        """Keep the queue running in this process (the TUI), resuming what is unfinished. If
        another process holds it, `busy` says so and nothing runs here: what is added is handed
        over to that process, and `start` again takes the queue once it is free."""
        try:
            self.runner.acquire(by)
        except QueueBusy as e:
            self.busy = str(e)
            return
        self.busy = None
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

    def jobs(self) -> list[Job]:
        """What a queue view shows: every recording job, and each conversation still being
        planned into them (or that could not be)."""
        return [j for j in self.store.all() if not j.is_expansion or j.state != DONE]

    def recordings(self, state: str | None = None) -> list[Job]:
        """The recording jobs (in this state), oldest first: what `jobs` lists."""
        return [j for j in self.store.all([state] if state else None) if not j.is_expansion]

    def counts(self) -> dict[str, int]:
        return self.store.counts()

    def job(self, job_id: int) -> Job | None:
        return self.store.get(job_id)

    def history(self, job_id: int) -> list[tuple[str, str, str | None]]:
        """(when, state, error) of every state change of the job."""
        return self.store.history(job_id)

    def note(self, job_id: int) -> str | None:
        """Where a conversation's planning stands now (batch, Genesys's progress)."""
        return self.runner.notes.get(job_id)

    @property
    def paused(self) -> bool:
        return self.runner.paused

    def toggle_pause(self) -> bool:
        """Pause or resume; whether it is paused now."""
        self.runner.resume() if self.runner.paused else self.runner.pause()
        return self.runner.paused

    def cancel(self, job_id: int) -> bool:
        """Cancel a job, running here or not; whether there was one to cancel."""
        job = self.store.get(job_id)
        if job is None or job.state in FINAL_STATES:
            return False
        self.runner.cancel(job_id)
        return True

    def cancel_all(self) -> None:
        self.runner.cancel_all()

    def retry_failed(self, ids: list[int] | None = None) -> int:
        """Failed and cancelled jobs queued again (all, or these); how many."""
        self._announced_idle = False
        n = self.runner.retry_failed(ids)
        if self.busy:  # the process that runs the queue runs them
            self.store.offer(ids or [j.id for j in self.store.all([QUEUED])], os.getpid())
        return n

    def clear(self, states: Iterable[str] = (DONE,)) -> int:
        """Forget the jobs in these states (files on disk are kept) and the staging they left;
        how many recording jobs went. Clearing unfinished states needs the queue to be idle:
        QueueBusy while a queue runs, here or in another process."""
        states = list(states)
        fd = None
        if any(s not in FINAL_STATES for s in states):
            if self.runner.holds_queue:
                raise QueueBusy("the queue is running here: cancel its jobs first")
            fd = lock_queue(self.store.path, "jobs clear")
        try:
            n = self.store.clear(states)
        finally:
            if fd is not None:
                os.close(fd)
        sweep_staging(self.store, self.staging)
        return n

    def current_totals(self) -> QueueTotals:
        """The totals now (counted in the store: events may not have said it yet)."""
        return self.runner.totals()

    async def close(self) -> None:
        await self.runner.close()

    def _on_event(self, ev: JobEvent | QueueTotals) -> None:
        if self.on_event is None:
            return
        if isinstance(ev, QueueTotals):
            self.totals = ev
            self.on_event(ev)
            active = ev.total - ev.finished - ev.counts.get(WAITING, 0)
            if active == 0 and ev.total and not self._announced_idle:
                self._announced_idle = True
                self.on_event(QueueIdle(ev.counts.get(DONE, 0), ev.counts.get(FAILED, 0)))
            return
        self.on_event(ev)
