"""The app shell: four areas (Browse, Queue, Review, Supervise) on number keys and in the command
palette, help on `?`, a header with org, identity and token state, the sign-in flow, and the
download queue running for the app's whole life."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from genesys_tui.context import Target
from genesys_tui.core import credentials as creds
from genesys_tui.core.config import Config
from genesys_tui.core.errors import user_message
from genesys_tui.core.paths import AppPaths
from genesys_tui.flows.pull.model import ALL_RECORDINGS, JobEvent, QueueTotals
from genesys_tui.flows.pull.runner import QueueOptions
from genesys_tui.flows.pull.store import JobStore
from genesys_tui.genesys import errors as E
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.storage.sinks import open_target, sink_factory
from genesys_tui.tui import compat  # noqa: F401 - patches a Textual compositor bug at import
from genesys_tui.tui.messages import JobChanged, QueueChanged
from genesys_tui.tui.screens.browse import BrowseScreen
from genesys_tui.tui.screens.dialogs import QueueChoice
from genesys_tui.tui.screens.queue import QueueScreen
from genesys_tui.tui.screens.review import ReviewScreen
from genesys_tui.tui.screens.signin import SignInScreen
from genesys_tui.tui.screens.supervise import SuperviseScreen
from genesys_tui.tui.services import QueueService, Session
from genesys_tui.tui.widgets.header import AppHeader

log = logging.getLogger("genesys_tui.tui")
AREAS = (
    ("browse", "Browse", "Browse conversations and pull recordings"),
    ("queue", "Queue", "Downloads: progress, pause, cancel, retry"),
    ("review", "Review", "Transcripts aligned to the waveform, playback, QA metrics"),
    ("supervise", "Supervise", "Live calls: monitor, coach, barge, notices, with consent checks"),
)


class GenesysApp(App[int]):
    TITLE = "genesys-tui"
    MODES = {
        "browse": BrowseScreen,
        "queue": QueueScreen,
        "review": ReviewScreen,
        "supervise": SuperviseScreen,
    }
    DEFAULT_MODE = "browse"
    BINDINGS = [
        Binding("1", "area('browse')", "Browse", id="area-browse"),
        Binding("2", "area('queue')", "Queue", id="area-queue"),
        Binding("3", "area('review')", "Review", id="area-review"),
        Binding("4", "area('supervise')", "Supervise", id="area-supervise"),
        Binding("question_mark,f1", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
        Binding("f8", "screenshot", "Screenshot", show=False, id="screenshot"),
    ]

    def __init__(
        self,
        *,
        config: Config,
        paths: AppPaths,
        target: Target,
        client: GenesysClient | None = None,
        demo: bool = False,
        readonly: bool = False,
        now: datetime | None = None,
        store_path: Path | None = None,
        output_dir: str | None = None,
        queue_pool: str = "thread",
        player_backend=None,
    ) -> None:
        super().__init__()
        self.config, self.paths, self.target = config, paths, target
        self._client = client
        self.demo = demo
        self.readonly = readonly or target.readonly
        self.now = now  # fixed "now" for quick ranges (snapshots); None means the clock
        self.store_path = store_path  # None: the signed-in org's own store
        self.output_dir = output_dir
        self.queue_pool = queue_pool
        self.session: Session | None = None
        self.queue: QueueService | None = None
        self.browse: BrowseScreen | None = None
        self.queue_screen: QueueScreen | None = None
        self.review: ReviewScreen | None = None
        self.supervise: SuperviseScreen | None = None
        self.pending_review: str | None = None
        self.playback_server = None  # browser playback, started from Review
        self.player_backend = player_backend  # sounddevice stand-in (tests); None: the real one
        self.doctor_report = None  # what the sign-in's permission check found

    # --- start and sign-in -------------------------------------------------------------------------

    def on_mount(self) -> None:
        theme = self.config.ui.theme
        if theme in self.available_themes:
            self.theme = theme
        self.run_worker(self._connect(), name="connect", exit_on_error=False)

    async def _connect(self) -> None:
        from genesys_tui.context import client_credentials_client

        client = self._client
        if client is None:
            try:
                client = client_credentials_client(self.target)
            except creds.CredentialsError as e:
                self.push_screen(SignInScreen(self.target, str(e)))
                return
        await self.signed_in(client, self.target)

    async def signed_in(self, client: GenesysClient, target: Target) -> None:
        session = Session(client, target, self.paths, demo=self.demo)
        try:
            await session.load()
        except E.AuthenticationError as e:
            await client.aclose()
            self.push_screen(SignInScreen(target, user_message(e) or str(e)))
            return
        except Exception as e:  # noqa: BLE001 - say what happened, keep the app alive
            self.notify(
                user_message(e) or f"{type(e).__name__}: {e}",
                title="Cannot reach Genesys Cloud",
                severity="error",
                timeout=15,
            )
            return
        self.session, self.target = session, target
        self._start_queue(client)
        for header in self.screen.query(AppHeader):
            header.update_text()
        if self.browse is not None:
            self.browse.start()
        self.run_worker(self._doctor(session), name="doctor", exit_on_error=False)

    async def _doctor(self, session: Session) -> None:
        """What this client may do, known at sign-in (the same checks as `genesys-tui doctor`)."""
        from genesys_tui.flows.doctor import run_doctor

        self.doctor_report = report = await run_doctor(session.client)
        if report.missing:
            self.notify(
                "Missing permissions for: "
                + ", ".join(f.feature for f in report.missing)
                + ". Press ? for the list.",
                title="Permissions",
                severity="warning",
                timeout=15,
            )

    def _start_queue(self, client: GenesysClient) -> None:
        m = self.config.media
        opts = QueueOptions(
            customer_channel=m.customer_channel,
            agent_channel=m.agent_channel,
            bitrate=m.opus_bitrate,
            pool=self.queue_pool,
        )
        scope = self.session.scope if self.session else None
        path = self.store_path or (scope.job_store if scope else None)
        if path is None:
            raise RuntimeError("the queue needs a signed-in org")
        store = JobStore(path)
        staging = path.parent / "staging"
        service = QueueService(
            client,
            store,
            staging,
            sink_factory(self.target.profile),
            opts,
            post=self._queue_event,
            notify=self.notify,
        )
        service.start()
        self.queue = service
        if service.busy:
            self.notify(service.busy, title="Queue", severity="warning", timeout=10)

    def _queue_event(self, ev: JobEvent | QueueTotals) -> None:
        if self.queue_screen is not None:
            self.queue_screen.post_message(
                JobChanged(ev) if isinstance(ev, JobEvent) else QueueChanged(ev)
            )

    # --- queueing ---------------------------------------------------------------------------------

    def default_target(self) -> str:
        return self.output_dir or str(Path(self.target.profile.output_dir).expanduser())

    def enqueue(self, items: Iterable[tuple[str, dict]], choice: QueueChoice) -> int:
        """Conversation-level jobs (each expands into one job per recording)."""
        if self.queue is None:
            raise RuntimeError("the queue is not running")
        target, _ = open_target(choice.target, self.target.profile)  # validates it too
        ids = []
        for cid, meta in items:
            job, _ = self.queue.store.add(
                cid, ALL_RECORDINGS, choice.format, target, {**meta, "batch": choice.batch}
            )
            ids.append(job.id)
        self.queue.add(ids)
        return len(ids)

    def open_review(self, conversation_id: str) -> None:
        """Show a conversation in Review (creating the screen on first use)."""
        self.switch_mode("review")
        if self.review is not None:
            self.review.open(conversation_id)
        else:
            self.pending_review = conversation_id  # opened when the screen mounts

    # --- areas, help, palette -----------------------------------------------------------------------

    def action_area(self, name: str) -> None:
        if self.current_mode != name:
            self.switch_mode(name)

    def action_help(self) -> None:
        # Markdown is slow to import: loaded on first use
        from genesys_tui.tui.screens.help import HelpScreen, bindings_of, permissions_markdown

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        title = next((label for key, label, _ in AREAS if key == self.current_mode), "genesys-tui")
        self.push_screen(
            HelpScreen(
                title,
                getattr(screen, "HELP", ""),
                bindings_of(screen),
                permissions_markdown(self.doctor_report),
            )
        )

    def action_screenshot(self) -> None:
        path = self.save_screenshot(path=str(self.paths.cache_dir))
        self.notify(f"Saved {path}", timeout=5)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key, label, help in AREAS:
            yield SystemCommand(f"Go to {label}", help, lambda k=key: self.action_area(k))
        if self.browse is not None:
            yield SystemCommand(
                "Open conversation by ID", "Paste a conversation ID", self.browse.action_open_by_id
            )
            yield SystemCommand(
                "Filter conversations",
                "Queue, agent, direction, numbers, wrap-up…",
                self.browse.action_filters,
            )
            yield SystemCommand(
                "Custom interval",
                "START/END, a date or a quick range",
                self.browse.action_custom_interval,
            )
        if self.session is not None:
            yield SystemCommand(
                "Review conversation by ID", "Transcript, waveform, QA metrics", self._review_by_id
            )
        if self.queue is not None and self.queue.available:
            r = self.queue.runner
            yield SystemCommand(
                "Resume the queue" if r.paused else "Pause the queue",
                "Downloads",
                r.resume if r.paused else r.pause,
            )
            yield SystemCommand("Retry failed downloads", "Downloads", lambda: r.retry_failed())

    def _review_by_id(self) -> None:
        from genesys_tui.tui.screens.dialogs import PromptDialog

        def chosen(text: str | None) -> None:
            if text:
                from genesys_tui.core.ids import InvalidId, safe_id

                try:
                    self.open_review(safe_id(text, "conversation id"))
                except InvalidId as e:
                    self.notify(str(e), severity="error")

        self.push_screen(PromptDialog("Review conversation", "paste a conversation ID"), chosen)

    # --- errors and shutdown ------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            err = event.worker.error
            log.error("worker %s failed: %r", event.worker.name, err, exc_info=err)
            self.notify(
                user_message(err) or f"{type(err).__name__}: {err}",
                title="Something went wrong",
                severity="error",
                timeout=10,
            )

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit(0)

    async def on_unmount(self) -> None:
        await self.shutdown()  # however the app ends (quit, Ctrl-C, a test's exit)

    async def shutdown(self) -> None:
        if self.review is not None and self.review.player is not None:
            self.review.player.stop()
        if self.playback_server is not None:
            self.playback_server.stop()
            self.playback_server = None
        if self.supervise is not None:
            await self.supervise.release()
        if self.queue is not None:
            await self.queue.close()  # jobs stay resumable: the next start continues them
            self.queue = None
        if self.session is not None:
            session, self.session = self.session, None
            await session.client.aclose()
