"""Supervise: who is signed in as supervisor, the live calls (pushed by Genesys, filterable
by queue and agent), the selected call's participants, and monitor / coach / barge / notice on the
selected agent, each through the consent checks, a confirmation dialog (focus on Cancel), a second
round of checks and one dispatch, all recorded in the audit log (flows/supervise/)."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Static

from genesys_tui.core import fmt
from genesys_tui.core.errors import user_message
from genesys_tui.flows.supervise.checks import Check, Request
from genesys_tui.flows.supervise.engine import Outcome
from genesys_tui.flows.supervise.live import Leg, LiveCall, agent_rows
from genesys_tui.flows.supervise.service import VERBS, SuperviseDesk, report, sign_in_warning
from genesys_tui.genesys import states as S
from genesys_tui.tui.screens.base import BACK, AppScreen
from genesys_tui.tui.screens.dialogs import ConfirmDialog
from genesys_tui.tui.screens.supervise_list import LiveList
from genesys_tui.tui.screens.supervise_panels import (
    COLUMNS,
    HELP,
    NoticeChooser,
    browser_sign_in_text,
    call_cells,
    call_detail,
    confirmation_text,
    identity_text,
    outcome_notice,
)
from genesys_tui.tui.widgets.footer import AppFooter
from genesys_tui.tui.widgets.header import AppHeader
from genesys_tui.tui.widgets.virtual_table import VirtualTable


class SuperviseScreen(LiveList, AppScreen):
    BINDINGS = [
        Binding("m", "act('monitor')", "Monitor", id="supervise.act-monitor"),
        Binding("c", "act('coach')", "Coach", id="supervise.act-coach"),
        Binding("b", "act('barge')", "Barge", id="supervise.act-barge"),
        Binding("B", "barge_whole", "Barge call", show=False, id="supervise.barge-whole"),
        Binding("n", "notice", "Notice", id="supervise.notice"),
        Binding("x", "leave", "Leave", id="supervise.leave"),
        Binding("slash", "live_filter", "Filter", id="supervise.live-filter"),
        Binding("a", "alerts", "Alerts", id="supervise.alerts"),
        Binding("f", "floor", "Floor", id="supervise.floor"),
        Binding("r", "refresh_calls", "Refresh", show=False, id="supervise.refresh-calls"),
        Binding("L", "sign_in", "Sign in again", show=False, id="supervise.sign-in"),
        Binding(BACK, "clear_filter", "Clear filter", show=False, id="supervise.clear-filter"),
        Binding("q", "app.quit", "Quit", show=False, id="supervise.quit"),
    ]
    HELP = HELP
    AUTO_FOCUS = "#calls"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[LiveCall] = []
        self.rows: list[tuple[LiveCall, Leg | None]] = []
        self.filter_text = ""
        self.desk: SuperviseDesk | None = None  # the supervisor signed in: actions go through it
        self.sign_in_problem: str | None = None
        self.busy = False  # an action between its checks and its outcome
        self.last_checks: dict[str, list[Check]] = {}  # conversation id -> its last checks
        self.last_result: dict[str, str] = {}
        self._started = False
        self._warned: str | None = None  # "soon" / "ended": each warning once per sign-in

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static("Signing in…", id="identity")
        yield Static("", id="status")
        yield Input(
            placeholder="filter: queue, agent, customer number, conversation ID…  (esc clears)",
            id="live-filter",
        )
        with Horizontal(id="main"):
            yield VirtualTable(
                COLUMNS, lambda: len(self.rows), self.cells, row_style=self.row_style, id="calls"
            )
            with VerticalScroll(id="call-detail"):
                yield Static("No call selected.", id="call-info")
                yield Static("", id="live-words")
        yield AppFooter()

    # --- start, sign-in, refresh --------------------------------------------------------------------

    def on_mount(self) -> None:
        self.gapp.signed_in_signal.subscribe(self, lambda _session: self.start())
        if self.gapp.session is not None:
            self.start()

    def start(self) -> None:
        if self._started or self.gapp.session is None:
            return
        self._started = True
        settings = self.gapp.config.supervise
        self.run_board()  # the live list: pushed by Genesys, polled when it cannot be
        if settings.webhook.url:
            self.set_interval(30.0, self.deliver_webhook)
        self.set_interval(30.0, self.check_sign_in)
        self.sign_in()

    def now(self) -> datetime:
        return getattr(self.gapp, "now", None) or datetime.now(UTC)

    def action_sign_in(self) -> None:
        """L: sign in (again), in the browser when no stored sign-in is valid."""
        self.sign_in(interactive=True)

    @work(exclusive=True, group="supervise-sign-in", exit_on_error=False)
    async def sign_in(self, interactive: bool = False) -> None:
        """The supervisor's own sign-in: the app's session when it is a user's, else the sign-in
        `login --user` stored while it is valid, else (only when asked, with L) the browser sign-in
        right here; in the demo the emulator's, with no browser. PKCE sign-ins end: L signs in again."""
        from genesys_tui.context.signin import supervisor_desk

        app = self.gapp
        session = app.session
        if session is None or session.scope is None:
            return
        try:
            desk = await supervisor_desk(
                session.client,
                app.target,
                app.config,
                session.scope,
                demo=app.demo,
                interactive=interactive,
                readonly=app.readonly,
                names=session.names,
                on_browser=self._announce_browser,
                on_url=self._announce_browser_url,
            )
        except Exception as e:  # noqa: BLE001 - any failure here means: actions need a sign-in
            self.sign_in_problem = user_message(e) or str(e)
            self.show_identity()
            return
        await self.release()
        self.desk = desk
        self.sign_in_problem = None
        if interactive:  # L: say it worked (a stored or demo sign-in shows no browser)
            left = desk.sign_in_left()
            life = f", for {fmt.time_left(left)}" if left else ""
            self.gapp.notify(
                f"Signed in as {desk.supervisor.name}{life}.", title="Supervisor", timeout=5
            )
        self._warned = None
        self.show_identity()
        for header in self.query(AppHeader):
            header.update_text()

    def _announce_browser(self, why: str) -> None:
        self.query_one("#identity", Static).update(Text(f"{why}\nSigning in in your browser…"))

    def _announce_browser_url(self, url: str) -> None:
        port = self.gapp.target.profile.redirect_port
        self.query_one("#identity", Static).update(browser_sign_in_text(url, port))
        self.gapp.notify(
            "Sign in in your browser; the URL is in the Supervise panel.",
            title="Supervisor sign-in",
            timeout=10,
        )

    def sign_in_left(self) -> float | None:
        """Seconds the supervisor's sign-in has left, or None when it renews itself."""
        return self.desk.sign_in_left() if self.desk is not None else None

    def check_sign_in(self) -> None:
        """Every 30 s: the remaining life in the panel; a warning 10 minutes before it ends, and
        when it has ended (actions are then refused with "sign in again", nothing is sent)."""
        left = self.sign_in_left()
        if left is None:
            return
        self.show_identity()
        for header in self.gapp.screen.query(AppHeader):
            header.update_text()
        warning = sign_in_warning(left, self._warned)
        if warning is not None:
            self._warned, message, timeout = warning
            self.gapp.notify(
                message, title="Supervisor sign-in", severity="warning", timeout=timeout
            )

    async def release(self) -> None:
        """Close the supervisor's desk: its own client and the outbox (sign-in again, shutdown)."""
        desk, self.desk = self.desk, None
        if desk is not None:
            await desk.close()

    def show_identity(self) -> None:
        panel = self.query_one("#identity", Static)
        panel.set_class(self.desk is None, "-warning")
        panel.update(
            identity_text(
                self.desk, self.gapp.config.supervise, self.sign_in_problem, self.sign_in_left()
            )
        )

    def apply_filter(self) -> None:
        table = self.query_one(VirtualTable)
        current = self.selected()
        key = (
            (current[0].conversation_id, current[1].participant_id if current[1] else None)
            if current
            else None
        )
        words = self.filter_text.lower().split()
        rows = agent_rows(self.calls, words)
        self.rows = rows
        table.reload()
        if key is not None:
            for i, (c, leg) in enumerate(rows):
                if (c.conversation_id, leg.participant_id if leg else None) == key:
                    table.cursor = i
                    break
        n_calls = len({c.conversation_id for c, _ in rows})
        shown = f"{n_calls} of {len(self.calls)}" if words else f"{len(self.calls)}"
        self.query_one("#status", Static).update(
            f"{shown} live call(s){self.board_status()}"
            + (f"  filter: {self.filter_text}" if words else "")
            + self.on_calls()
        )
        self.show_detail()

    def on_calls(self) -> str:
        """The calls the supervisor is on, and how (x leaves the selected one)."""
        me = self.desk.supervisor.user_id if self.desk is not None else None
        if me is None:
            return ""
        mine = [
            f"{c.customer} (you are on it: {'/'.join(s.roles) or 'joined'})"
            for c in self.calls
            for s in c.supervisors
            if s.user_id == me
        ]
        return ("  ·  " + "; ".join(mine) + "; x leaves") if mine else ""

    def select_call(self, conversation_id: str) -> None:
        """Put the cursor on the call (its first agent), clearing a filter that hides it."""
        if not any(c.conversation_id == conversation_id for c, _ in self.rows) and self.filter_text:
            self.action_clear_filter()
        for i, (c, _leg) in enumerate(self.rows):
            if c.conversation_id == conversation_id:
                table = self.query_one(VirtualTable)
                table.cursor = i
                table.focus()
                self.show_detail()
                return
        self.gapp.notify("That call is over: it is no longer in the list.", timeout=4)

    # --- the table and the detail ----------------------------------------------------------------------

    def cells(self, i: int) -> tuple[str, ...]:
        c, leg = self.rows[i]
        return call_cells(c, leg, self.now(), self.alerts_of(c.conversation_id))

    def row_style(self, i: int) -> str | None:
        c, leg = self.rows[i]
        if c.secure_pause or self.alerts_of(c.conversation_id):
            return "alert"
        if leg is None or not leg.consented or leg.state != S.CONNECTED:
            return "dim"
        return None

    def selected(self) -> tuple[LiveCall, Leg | None] | None:
        t = self.query_one(VirtualTable)
        return self.rows[t.cursor] if self.rows and 0 <= t.cursor < len(self.rows) else None

    @on(VirtualTable.Highlighted, "#calls")
    def highlighted(self) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        info = self.query_one("#call-info", Static)
        sel = self.selected()
        if sel is None:
            info.update("No live calls." if not self.calls else "No call matches the filter.")
            return
        c, leg = sel
        info.update(
            call_detail(
                c,
                leg,
                self.now(),
                self.last_checks.get(c.conversation_id),
                self.last_result.get(c.conversation_id),
            )
        )
        self.show_words()

    # --- filter -------------------------------------------------------------------------------------

    def action_live_filter(self) -> None:
        box = self.query_one("#live-filter", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#live-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.apply_filter()

    @on(Input.Submitted, "#live-filter")
    def filter_done(self) -> None:
        self.query_one(VirtualTable).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#live-filter", Input)
        box.value = ""
        box.remove_class("-shown")
        self.filter_text = ""
        self.apply_filter()
        self.query_one(VirtualTable).focus()

    # --- actions ------------------------------------------------------------------------------------

    def _request(
        self, action: str, whole: bool = False, notice: str | None = None
    ) -> Request | None:
        if self.desk is None:
            self.gapp.notify(
                "Actions need your own sign-in: run `genesys-tui login --user`, then press L.",
                title="Not signed in as a user",
                severity="warning",
                timeout=8,
            )
            return None
        if self.busy:
            self.gapp.notify("An action is still under way.", severity="warning", timeout=3)
            return None
        sel = self.selected()
        if sel is None:
            return None
        c, leg = sel
        if leg is None and not whole:
            self.gapp.notify("This call has no agent yet.", severity="warning", timeout=4)
            return None
        return Request(action, c.conversation_id, None if whole else leg.participant_id, notice)  # type: ignore[union-attr]

    def action_act(self, action: str) -> None:
        request = self._request(action)
        if request is not None:
            self.run_action(request)

    def action_leave(self) -> None:
        """x: leave the selected call (your own participant), after the checks and a confirm."""
        request = self._request("leave", whole=True)
        if request is not None:
            self.run_action(request)

    def action_barge_whole(self) -> None:
        request = self._request("barge", whole=True)
        if request is not None:
            self.run_action(request)

    def action_notice(self) -> None:
        notices = self.gapp.config.notices
        if self._request("notice") is None:
            return
        if not notices:
            self.gapp.notify(
                "No notices are configured: add [notices.NAME] with the flow_id of an Architect "
                "secure flow to the config.",
                title="Notice",
                severity="warning",
                timeout=8,
            )
            return

        def chosen(name: str | None) -> None:
            request = self._request("notice", notice=name) if name else None
            if request is not None:
                self.run_action(request)

        if len(notices) == 1:
            chosen(next(iter(notices)))
        else:
            self.gapp.push_screen(NoticeChooser(notices), chosen)

    @work(exclusive=True, group="supervise-action", exit_on_error=False)
    async def run_action(self, request: Request) -> None:
        engine = self.desk
        assert engine is not None
        self.busy = True
        try:
            attempt = await engine.check(request)
            self.last_checks[request.conversation_id] = attempt.checks
            self.show_detail()
            self.deliver_webhook()
            if not attempt.allowed:
                reasons = "\n".join(f"✗ {c.detail}" for c in attempt.checks if not c.ok)
                self.gapp.notify(
                    reasons, title=f"{VERBS[request.action]} refused", severity="error", timeout=10
                )
                return
            confirmed = await self.gapp.push_screen_wait(  # type: ignore[func-returns-value]
                ConfirmDialog(
                    f"{VERBS[request.action]}?",
                    confirmation_text(attempt, self.calls, engine),
                    VERBS[request.action],
                    danger=request.action in ("barge", "notice"),
                )
            )
            if not confirmed:
                engine.cancel(attempt)
                self.deliver_webhook()
                self.gapp.notify("Cancelled; nothing was sent.", timeout=3)
                return
            out = await engine.dispatch(attempt)
            self.deliver_webhook()
            self.report(out)
        finally:
            self.busy = False

    def report(self, out: Outcome) -> None:
        cid = out.attempt.request.conversation_id
        self.last_checks[cid] = out.checks
        said = report(out)
        self.last_result[cid] = said.headline
        message, title, severity, timeout = outcome_notice(out, said)
        self.gapp.notify(message, title=title, severity=severity, timeout=timeout)
        if out.audit_error:
            self.gapp.notify(out.audit_error, title="Audit log", severity="error", timeout=15)
        if out.call_after is not None and self.board is not None:  # the new participants, at once
            self.board.apply_call(out.call_after)
            self.calls = self.board.ordered()
        self.apply_filter()

    # --- the QA webhook -----------------------------------------------------------------------------

    @work(exclusive=True, group="supervise-webhook", thread=True, exit_on_error=False)
    def deliver_webhook(self) -> None:
        desk = self.desk
        res = desk.deliver_webhook() if desk is not None else None
        if res is not None and res.error:
            self.gapp.call_from_thread(
                self.gapp.notify,
                f"{res.error}; {res.pending} record(s) wait in the outbox",
                title="QA webhook",
                severity="warning",
                timeout=6,
            )

    async def on_unmount(self) -> None:
        await self.release()
