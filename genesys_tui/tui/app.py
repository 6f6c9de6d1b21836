"""The app shell: four areas (Browse, Queue, Review, Supervise) on number keys and in the command
palette, help on `?`, a header with org, identity and token state, the sign-in flow, and the
download queue running for the app's whole life."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from genesys_tui.context import Target
from genesys_tui.context.app import AppContext, Services, Session, services_for
from genesys_tui.core import credentials as creds
from genesys_tui.core.errors import user_message
from genesys_tui.flows.pull.model import DONE, FAILED, JobEvent, QueueTotals
from genesys_tui.flows.pull.service import PullService, QueueEvent, QueueIdle
from genesys_tui.genesys import errors as E
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.storage.sinks import open_target
from genesys_tui.tui import (
    compat,  # noqa: F401 - patches a Textual compositor bug at import
    theming,
)
from genesys_tui.tui.colours import THEME_DEFAULTS, THEME_DEFAULTS_LIGHT
from genesys_tui.tui.keymap import app_binding_ids, unknown_ids
from genesys_tui.tui.screens.base import AppScreen
from genesys_tui.tui.screens.browse import BrowseScreen
from genesys_tui.tui.screens.dialogs import ConfirmDialog, QueueChoice
from genesys_tui.tui.screens.queue import QueueScreen
from genesys_tui.tui.screens.signin import SignInScreen
from genesys_tui.tui.widgets.header import AppHeader

if TYPE_CHECKING:
    from genesys_tui.flows.review.serve import PlaybackServer  # starlette: loaded when used

log = logging.getLogger("genesys_tui.tui")


def _screen(module: str, name: str) -> Screen:
    """An area's screen, its module imported when the area is first shown: the first screen is
    drawn before Review's audio, Supervise's live board or Export's machinery are loaded."""
    import importlib

    return getattr(importlib.import_module(f"genesys_tui.tui.screens.{module}"), name)()


RETAKE_SECONDS = 2.0  # how often a TUI whose queue another process runs tries to take it
FIRST_PAGE_WAIT = 3.0  # the longest the queue and the permission check wait for the first page
AREAS = (
    ("browse", "Browse", "Browse conversations and pull recordings"),
    ("queue", "Queue", "Downloads: progress, pause, cancel, retry"),
    ("review", "Review", "Transcripts aligned to the waveform, playback, QA metrics"),
    ("supervise", "Supervise", "Live calls: monitor, coach, barge, notices, with consent checks"),
    ("export", "Export", "Genesys's bulk EXPORT of recordings into the org's S3 bucket"),
)


class GenesysApp(App[int]):
    TITLE = "genesys-tui"
    CSS_PATH = "app.tcss"
    MODES = {
        "browse": BrowseScreen,
        "queue": QueueScreen,
        "review": lambda: _screen("review", "ReviewScreen"),
        "supervise": lambda: _screen("supervise", "SuperviseScreen"),
        "export": lambda: _screen("export", "ExportScreen"),
    }
    DEFAULT_MODE = "browse"
    BINDINGS = [
        Binding("1", "area('browse')", "Browse", show=False, id="app.browse"),
        Binding("2", "area('queue')", "Queue", show=False, id="app.queue"),
        Binding("3", "area('review')", "Review", show=False, id="app.review"),
        Binding("4", "area('supervise')", "Supervise", show=False, id="app.supervise"),
        Binding("5", "area('export')", "Export", show=False, id="app.export"),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("colon", "command_palette", "Jump to…", show=False, id="app.jump"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("f8", "screenshot", "Screenshot", show=False, priority=True, id="app.screenshot"),
    ]

    def __init__(
        self, ctx: AppContext, *, queue_pool: str = "process", player_backend=None
    ) -> None:
        """Build it with tui.launch.make_app. `queue_pool`: conversions in processes (both cores,
        the UI untouched) or threads;
        `player_backend`: a sounddevice stand-in (tests), None for the real one."""
        super().__init__()
        self.ctx = ctx
        self.config, self.paths, self.target = ctx.config, ctx.paths, ctx.target
        self._client = ctx.client
        self.demo = ctx.demo
        self.readonly = ctx.readonly or ctx.target.readonly
        self.now = ctx.now  # fixed "now" for quick ranges (snapshots); None means the clock
        self.store_path = ctx.store_path  # None: the signed-in org's own store
        self.output_dir = ctx.output_dir
        self.queue_pool = queue_pool
        self.session: Session | None = None
        self.services: Services | None = None  # the flows' services, once signed in
        # Screens subscribe to what they follow: the sign-in (Browse and Supervise start), the
        # queue's events (Queue). The app never holds a screen; it finds one with area().
        self.signed_in_signal: Signal[Session] = Signal(self, "signed-in")
        self.queue_signal: Signal[JobEvent | QueueTotals] = Signal(self, "queue")
        self.came_from: str | None = None  # the area Review was opened from (Esc goes back)
        self.playback_server: PlaybackServer | None = None  # browser playback, started in Review
        self.player_backend = player_backend
        self.doctor_report = None  # what the sign-in's permission check found
        # Set once Browse has drawn its first page (or given up on it): what can wait (the
        # permission check, the queue's resumption) waits for it, so the list comes first.
        self.first_page = asyncio.Event()

    # --- the theme a user picks is kept (ui.json in the data directory), over ui.theme ----------

    _theme_ready = False

    def watch_theme(self, theme: str) -> None:
        if self._theme_ready:
            theming.remember(self.paths.data_dir / "ui.json", theme)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Our own theme variables (role colours, holds, cuts) with their defaults, dark or light
        as the theme is; a theme may set any of them."""
        ours = THEME_DEFAULTS if self.current_theme.dark else THEME_DEFAULTS_LIGHT
        return {**super().get_theme_variable_defaults(), **ours}

    # --- start and sign-in -------------------------------------------------------------------------

    def on_mount(self) -> None:
        theme = theming.remembered(self.paths.data_dir / "ui.json") or self.config.ui.theme
        if theme in self.available_themes:
            self.theme = theme
        self._theme_ready = True  # from here on, a theme chosen in the palette is remembered
        if self.config.ui.colors:  # the chosen theme, with the user's colours on top
            mine, bad = theming.with_colors(self.current_theme, self.config.ui.colors)
            if bad:
                self.notify(f"[ui.colors]: not a colour: {', '.join(bad)}", severity="warning")
            self.register_theme(mine)
            self.theme = mine.name
        if self.config.ui.keys:  # the user's keymap: binding id -> keys
            self.set_keymap(self.config.ui.keys)
            if unknown := unknown_ids(self.config.ui.keys, app_binding_ids()):
                self.notify(
                    f"[ui.keys] names no such action: {', '.join(unknown)}. Press ? for the ids.",
                    title="Config",
                    severity="warning",
                    timeout=15,
                )
        self.run_worker(self._connect(), name="connect", exit_on_error=False)

    async def _connect(self) -> None:
        from genesys_tui.context import client_credentials_client

        if self.ctx.ready is not None:  # the demo's emulator, starting beside the app
            try:
                await asyncio.to_thread(self.ctx.ready)
            except RuntimeError as e:
                self.notify(str(e), title="Demo", severity="error", timeout=30)
                return
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
        self.services = services_for(
            session, self.ctx, queue_pool=self.queue_pool, on_queue_event=self._queue_event
        )
        for header in self.screen.query(AppHeader):
            header.update_text()
        self.signed_in_signal.publish(session)
        self.run_worker(self._after_first_page(session), name="doctor", exit_on_error=False)
        if self.ctx.open_at is not None:  # genesys-tui open ID@MM:SS
            moment, self.ctx.open_at = self.ctx.open_at, None
            self.open_review(moment.conversation_id, moment)

    async def _after_first_page(self, session: Session) -> None:
        """The queue's start and the permission check, once the list is on screen (at most a
        few seconds after signing in, whatever Browse is doing)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.first_page.wait(), FIRST_PAGE_WAIT)
        if self.services is not None and self.session is session:
            self._start_queue(self.services.pull)
            await self._doctor(session)

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

    def _start_queue(self, service: PullService) -> None:
        service.start()
        if service.busy:  # another process runs it: downloads are handed to it meanwhile
            self.notify(
                f"{service.busy}. Downloads queued here are handed to it; the queue comes here "
                "when it finishes.",
                title="Queue",
                severity="warning",
                timeout=10,
            )
            self._retake = self.set_interval(RETAKE_SECONDS, lambda: self._retake_queue(service))
        self.queue_signal.publish(service.current_totals())  # Queue said "sign in": now a queue

    def _retake_queue(self, service: PullService) -> None:
        """The process that ran the queue finished, quit or died: the queue runs here now."""
        service.start()
        if service.busy:
            return
        self._retake.stop()
        self.notify("This org's queue runs here again.", title="Queue", timeout=5)
        self.queue_signal.publish(service.current_totals())

    def _queue_event(self, ev: QueueEvent) -> None:
        if isinstance(ev, QueueIdle):
            self.notify(
                f"Queue finished: {ev.done} done, {ev.failed} failed",
                title="Downloads",
                severity="warning" if ev.failed else "information",
            )
            return
        if isinstance(ev, JobEvent):
            if ev.state == FAILED and ev.error:
                self.notify(
                    f"{ev.label}: {ev.error}", title="Download failed", severity="error", timeout=8
                )
            elif ev.state == DONE and ev.error:
                self.notify(
                    f"{ev.label}: {ev.error}", title="Nothing to download", severity="warning"
                )
        self.queue_signal.publish(ev)

    # --- queueing ---------------------------------------------------------------------------------

    def default_target(self) -> str:
        return self.output_dir or str(Path(self.target.profile.output_dir).expanduser())

    def enqueue(self, items: Iterable[tuple[str, dict]], choice: QueueChoice) -> int:
        """Conversation-level jobs (each expands into one job per recording)."""
        if self.services is None:
            raise RuntimeError("the queue is not running")
        target, _ = open_target(choice.target, self.target.profile)  # validates it too
        items = list(items)
        self.services.pull.enqueue(items, choice.format, target, choice.batch)
        return len(items)

    def area(self, mode: str) -> AppScreen | None:
        """The screen of an area (a mode), once it has been shown: the bottom of its stack."""
        try:
            stack = self.get_screen_stack(mode)
        except KeyError:
            return None
        screen = stack[0] if stack else None
        return screen if isinstance(screen, AppScreen) else None

    def open_review(self, conversation_id: str, moment=None) -> None:
        """Show a conversation in Review (the screen is made on first use, and loads it once it
        is mounted), at a moment if given; Esc there comes back here."""
        if self.current_mode != "review":
            self.came_from = self.current_mode
        self.switch_mode("review")
        screen = self.screen
        if type(screen).__name__ == "ReviewScreen":
            screen.open(conversation_id, moment)

    # --- areas, help, palette -----------------------------------------------------------------------

    def go_back(self) -> None:
        """Back to the area Review was opened from (Browse, unless said otherwise)."""
        self.switch_mode(self.came_from or "browse")

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
        """An SVG of the screen (dialogs included) into the data directory, which is created."""
        from datetime import datetime

        from genesys_tui.core.files import write_bytes

        where = self.paths.data_dir / "screenshots"
        # no spaces: the name is pasted into shells and chat as it is
        path = where / f"genesys-tui_{datetime.now().strftime('%Y-%m-%dT%H-%M-%S')}.svg"
        try:
            where.mkdir(parents=True, exist_ok=True)
            write_bytes(path, self.export_screenshot().encode())  # no link followed, atomic
        except OSError as e:
            self.notify(
                f"Could not save the screenshot in {where}: {e.strerror or e}",
                title="Screenshot",
                severity="error",
            )
            return
        self.notify(f"Saved {path}", title="Screenshot", timeout=8)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title.lower() != "screenshot":  # Textual's saves to ~/Downloads, if any
                yield command
        yield SystemCommand(
            "Screenshot",
            "An SVG of this screen into the data directory (F8)",
            self.action_screenshot,
        )
        for key, label, help in AREAS:
            yield SystemCommand(f"Go to {label}", help, lambda k=key: self.action_area(k))
        browse = self.area("browse")
        if isinstance(browse, BrowseScreen):
            yield SystemCommand(
                "Open conversation by ID", "Paste a conversation ID", browse.action_open_by_id
            )
            yield SystemCommand(
                "Filter conversations",
                "Queue, agent, direction, numbers, wrap-up…",
                browse.action_filters,
            )
            yield SystemCommand(
                "Custom interval",
                "START/END, a date or a quick range",
                browse.action_custom_interval,
            )
        supervise = self.area("supervise")
        if getattr(supervise, "alert_log", None) is not None:
            yield SystemCommand(
                "Alerts", "Every alert on the live calls; acknowledge them", self._alerts
            )
        if self.session is not None:
            yield SystemCommand(
                "Review conversation by ID", "Transcript, waveform, QA metrics", self._review_by_id
            )
            yield SystemCommand(
                "QA sample", "The org's sample and its evaluations (p in Browse draws one)",
                self._sample,
            )  # fmt: skip
        if self.services is not None and self.services.pull.available:
            q = self.services.pull
            yield SystemCommand(
                "Resume the queue" if q.paused else "Pause the queue", "Downloads", q.toggle_pause
            )
            yield SystemCommand("Retry failed downloads", "Downloads", lambda: q.retry_failed())

    def _alerts(self) -> None:
        self.action_area("supervise")
        supervise = self.area("supervise")
        if supervise is not None:
            supervise.action_alerts()

    def _sample(self) -> None:
        from genesys_tui.tui.screens.sample import SampleScreen

        self.action_area("browse")
        self.push_screen(SampleScreen())

    def _review_by_id(self) -> None:
        from genesys_tui.core.ids import id_problem, uuid_id
        from genesys_tui.tui.screens.dialogs import PromptDialog

        def chosen(text: str | None) -> None:
            if text:  # checked by the dialog, which stays open on what is not an ID
                self.open_review(uuid_id(text))

        self.push_screen(
            PromptDialog("Review conversation", "paste a conversation ID", check=id_problem),
            chosen,
        )

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
        """Quit; with downloads unfinished, ask first (they resume at the next start)."""
        pending = self._unfinished()
        if pending and not isinstance(self.screen, ConfirmDialog):

            def answered(ok: bool | None) -> None:
                if ok:
                    self.run_worker(self._quit_now(), exit_on_error=False)

            # The demo org's queue is kept like any other's, but only `demo` reaches its org;
            # otherwise the way back names this profile (a bare --resume reaches the default).
            profile = getattr(getattr(self.target, "profile", None), "name", "") or "default"
            later = (
                "They are kept and resume the next time you run `genesys-tui demo`."
                if self.demo
                else "They are kept and resume when you start genesys-tui again (or run "
                f"`genesys-tui fetch --resume --profile {profile}`)."
            )
            self.push_screen(
                ConfirmDialog("Quit?", f"{pending} not finished. {later}", "Quit"), answered
            )
            return
        await self._quit_now()

    def _unfinished(self) -> str:
        q = self.services.pull if self.services is not None else None
        t = q.current_totals() if q is not None and q.available else None
        if t is None:
            return ""
        active = t.total - t.finished
        bits = [f"{active} download{'s' if active != 1 else ''}"] if active else []
        if t.planning:
            bits.append(f"{t.planning} conversation{'s' if t.planning != 1 else ''} being planned")
        return " and ".join(bits)

    async def _quit_now(self) -> None:
        await self.shutdown()
        self.exit(0)

    async def on_unmount(self) -> None:
        await self.shutdown()  # however the app ends (quit, Ctrl-C, a test's exit)

    async def shutdown(self) -> None:
        for mode in self.MODES:  # each area's screen lets go of what it holds (player, desk)
            screen = self.area(mode)
            if screen is not None:
                await screen.release()
        if self.playback_server is not None:
            self.playback_server.stop()
            self.playback_server = None
        if self.services is not None:  # closing twice is harmless (quit, then unmount)
            await self.services.pull.close()  # jobs stay resumable: the next start continues them
        if self.session is not None:
            session, self.session = self.session, None
            await session.client.aclose()
