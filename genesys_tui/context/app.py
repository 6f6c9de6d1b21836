"""What a front-end starts from (AppContext, for the CLI's `tui` and `demo`, the tests and the
screenshot script), and what the app holds once signed in (Session)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genesys_tui.context import Target, build_client, org_scope
from genesys_tui.core import fmt
from genesys_tui.core.config import Config, Notice, Profile
from genesys_tui.core.orgs import OrgScope
from genesys_tui.core.paths import AppPaths
from genesys_tui.flows.browse.service import BrowseService
from genesys_tui.flows.pull.model import QueueOptions
from genesys_tui.flows.pull.service import PullService, QueueEvent
from genesys_tui.flows.review.links import Moment
from genesys_tui.genesys.auth import USER
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.regions import hosts_for

if TYPE_CHECKING:  # imported when first used: the first screen needs neither
    from genesys_tui.flows.export.service import ExportService
    from genesys_tui.flows.review.service import ReviewService
from genesys_tui.storage.sinks import sink_factory


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
        me = await d.me() if self.client.auth.kind == USER else None
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


# --- what a front-end starts from ---------------------------------------------------------------


@dataclass
class AppContext:
    """Everything the TUI starts from, built once by the CLI (`tui`, `demo`), the tests and the
    screenshot script alike: the app then signs in and builds its services from it."""

    config: Config
    paths: AppPaths
    target: Target
    client: GenesysClient | None = None  # None: sign in with the profile's stored credentials
    demo: bool = False
    readonly: bool = False
    now: datetime | None = None  # a fixed "now" for quick ranges (the demo's --now, snapshots)
    store_path: Path | None = None  # None: the signed-in org's own job store
    output_dir: str | None = None  # None: the profile's output_dir
    open_at: Moment | None = None  # `genesys-tui open ID@MM:SS`: Review there once signed in
    # Blocks until the org answers (the demo's emulator, starting in its own process): called
    # off the event loop before the first request. None: it answers already.
    ready: Callable[[], None] | None = None


@dataclass(frozen=True)
class DemoOrg:
    """What the app needs of the demo's emulator: its settings (the demo OAuth clients), where it
    listens, and who evaluates (its QA supervisor)."""

    settings: Any  # EmulatorSettings (the emulator is not imported here)
    base_url: str
    evaluator: str

    @classmethod
    def of(cls, srv) -> DemoOrg:
        """An emulator running in this process (the tests, the screenshots)."""
        return cls(srv.emulator.s, srv.base_url, srv.emulator.org.supervisors[0].id)


def demo_notices() -> dict[str, Notice]:
    """Notices for the demo org when the config has none (the emulator accepts any flow id)."""
    return {
        "recording-disclosure": Notice(
            flow_id="demo-flow-recording-disclosure",
            max_duration_seconds=20,
            description="This call may be recorded for quality purposes",
        ),
        "hold-apology": Notice(
            flow_id="demo-flow-hold-apology",
            max_duration_seconds=15,
            description="Sorry for the wait; an agent is with you shortly",
        ),
    }


def demo_context(
    srv,
    config: Config,
    paths: AppPaths,
    *,
    redirect_port: int,
    store_path: Path | None,
    downloads: Path,
    now: datetime | None = None,
    readonly: bool = False,
    signed_in: bool = True,
    ready: Callable[[], None] | None = None,
) -> AppContext:
    """The embedded emulator `srv` (a running EmulatorServer, or a DemoOrg) as the org: its
    demo OAuth clients (the PKCE one has the demo's callback on `redirect_port` registered, as an
    admin would), a job store of its own so real queues are never mixed with demo ones, demo
    notices when the config has none, and the demo supervisor as the evaluator."""
    org = srv if isinstance(srv, DemoOrg) else DemoOrg.of(srv)
    s = org.settings
    profile = Profile(
        name="demo",
        base_url=org.base_url,
        client_id=s.client_id if signed_in else "",
        user_client_id=s.pkce_client_id,
        redirect_port=redirect_port,
        output_dir=str(downloads),
        # the demo org's S3 bulk-actions integration writes into a directory (its mirror)
        export_bucket=s.export_target.removeprefix("dir:")
        if s.export_target.startswith("dir:")
        else "",
    )
    target = Target(profile, hosts_for("", org.base_url), False, readonly)
    # The demo's client credentials have no user: evaluations are submitted as the demo
    # supervisor (the user the demo signs in as), unless the config names someone.
    review = replace(config.review, evaluator=config.review.evaluator or org.evaluator)
    return AppContext(
        config=replace(config, notices=config.notices or demo_notices(), review=review),
        paths=paths,
        target=target,
        client=build_client(target, s.client_id, s.client_secret) if signed_in else None,
        demo=True,
        readonly=readonly,
        now=now,
        store_path=store_path,
        output_dir=str(downloads),
        ready=ready,
    )


# --- the services, built once per sign-in -------------------------------------------------------


def queue_options(config: Config, **choices) -> QueueOptions:
    """The queue's options from the config's media settings, with the caller's own choices
    (workers, batch, restore_archived, pool) on top: the CLI's fetch and the TUI alike."""
    m = config.media
    return QueueOptions(
        customer_channel=m.customer_channel,
        agent_channel=m.agent_channel,
        bitrate=m.opus_bitrate,
        **choices,
    )


class Services:
    """The flows' services for one signed-in org, each built on first use: the TUI holds one
    (App.services) and every CLI command gets one from its Context, so both call the same
    methods. `scope` None: only what needs no org's files (browse)."""

    def __init__(
        self,
        client: GenesysClient,
        profile: Profile,
        config: Config,
        scope: OrgScope | None,
        *,
        store_path: Path | None = None,
        queue: QueueOptions | None = None,
        on_queue_event: Callable[[QueueEvent], None] | None = None,
        export_poll: float | None = None,
    ):
        self.client, self.profile, self.config, self.scope = client, profile, config, scope
        self._store_path, self._queue, self._on_queue_event = store_path, queue, on_queue_event
        self._export_poll = export_poll

    def _org(self) -> OrgScope:
        if self.scope is None:
            raise RuntimeError("this service keeps files per org: sign in with a scope")
        return self.scope

    @cached_property
    def browse(self) -> BrowseService:
        return BrowseService(self.client, job_threshold=self.config.browse.job_threshold)

    @cached_property
    def review(self) -> ReviewService:
        from genesys_tui.flows.review.service import ReviewService

        return ReviewService(self.client, self._org(), self.config, self.profile)

    @cached_property
    def pull(self) -> PullService:
        return PullService(
            self.client,
            self._store_path or self._org().job_store,
            sink_factory(self.profile),
            self._queue or queue_options(self.config),
            on_event=self._on_queue_event,
        )

    @cached_property
    def export(self) -> ExportService:
        from genesys_tui.flows.export.service import ExportService

        return ExportService(self.client, self._org().exports_file, poll_seconds=self._export_poll)


def services_for(
    session: Session,
    ctx: AppContext,
    *,
    queue_pool: str,
    on_queue_event: Callable[[QueueEvent], None],
) -> Services:
    """The TUI's services on the session's client, for the session's org (the job store and the
    Review cache are the org's own, unless the context names another store)."""
    assert session.scope is not None, "Session.load() first"
    return Services(
        session.client,
        session.target.profile,
        ctx.config,
        session.scope,
        store_path=ctx.store_path,
        queue=queue_options(ctx.config, pool=queue_pool),
        on_queue_event=on_queue_event,
    )
