"""Supervise: who is signed in as supervisor, the live calls (refreshed on an interval, filterable
by queue and agent), the selected call's participants, and monitor / coach / barge / notice on the
selected agent, each through the consent checks, a confirmation dialog (focus on Cancel), a second
round of checks and one dispatch, all recorded in the audit log (genesys_tui/supervise/)."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from genesys_tui.core import fmt
from genesys_tui.core.errors import user_message
from genesys_tui.flows.browse.table import Column
from genesys_tui.flows.supervise import store
from genesys_tui.flows.supervise.checks import Check, Request
from genesys_tui.flows.supervise.engine import Attempt, Outcome, Supervision
from genesys_tui.flows.supervise.live import Leg, LiveCall, live_calls, summarize
from genesys_tui.flows.supervise.webhook import Outbox
from genesys_tui.tui.screens.base import AppScreen
from genesys_tui.tui.screens.dialogs import DIALOG_CSS, ConfirmDialog
from genesys_tui.tui.widgets.header import AppHeader
from genesys_tui.tui.widgets.virtual_table import VirtualTable

COLUMNS = (  # what a supervisor decides on first; narrow terminals scroll sideways for the rest
    Column("start", "Started", 8, False),
    Column("agent", "Agent", 16, False),
    Column("state", "State", 9, False),
    Column("in_state", "In state", 8, False),
    Column("consent", "Consent", 11, False),
    Column("recording", "Recording", 12, False),
    Column("queue", "Queue", 12, False),
    Column("customer", "Customer", 13, False),
    Column("supervisors", "Supervisors", 24, False),
)

VERBS = {"monitor": "Monitor", "coach": "Coach", "barge": "Barge", "notice": "Play notice"}

HELP = """
Live calls: conversations that have not ended, each read again from the calls API for its current
state, refreshed every few seconds (`supervise.refresh_seconds`). One row per agent on a call; `/`
filters by queue, agent, customer number or ID. The pane on the right shows the selected call's
participants, their states and time in state, recording state and secure pause.

Actions land on the selected agent: `m` monitor (listen, unheard), `c` coach (speak to the agent
only), `b` barge (join, heard by everyone), `B` barge the whole conversation, `n` play a notice (an
Architect secure flow from `[notices.NAME]`; there is no public API that plays audio into a call).
Every action runs the consent checks (the call is live, the target is a connected agent who has
granted consent, no secure pause, you are not already on it, the policy allows it now, read-only is
off), asks for confirmation with the focus on Cancel, checks again, then sends once. Every attempt
is written to the audit log (`genesys-tui audit verify` checks its hash chain).

Actions need your own sign-in (`genesys-tui login --user`); client credentials can only list calls.
"""


def _ago(since: datetime | None, now: datetime) -> str:
    if since is None:
        return "-"
    return fmt.duration(max(0.0, (now - since).total_seconds()))


class NoticeChooser(ModalScreen[str | None]):
    """Which configured notice to play."""

    DEFAULT_CSS = (
        "NoticeChooser { align: center middle; } NoticeChooser OptionList { height: auto; max-height: 12; }"
        + DIALOG_CSS
    )
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, notices: dict) -> None:
        super().__init__()
        self.notices = notices

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        with Vertical(classes="dialog"):
            yield Label("Play which notice?", classes="title")
            yield OptionList(
                *(
                    Option(f"{name}  ({n.max_duration_seconds} s)  {n.description}", id=name)
                    for name, n in sorted(self.notices.items())
                )
            )
            yield Static(
                "Enter plays it (after the checks and a confirmation); Esc cancels.", classes="hint"
            )

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class SuperviseScreen(AppScreen):
    DEFAULT_CSS = """
    SuperviseScreen #identity { height: auto; padding: 0 1; margin-top: 1; background: $boost; }
    SuperviseScreen #identity.-warning { color: $warning; }
    SuperviseScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    SuperviseScreen #live-filter { display: none; height: 3; margin: 0 1; }
    SuperviseScreen #live-filter.-shown { display: block; }
    SuperviseScreen #main { height: 1fr; }
    SuperviseScreen #calls { width: 1fr; min-width: 60; }
    SuperviseScreen #call-detail { width: 54; border-left: solid $panel-lighten-2; padding: 0 1; }
    """
    BINDINGS = [
        Binding("m", "act('monitor')", "Monitor"),
        Binding("c", "act('coach')", "Coach"),
        Binding("b", "act('barge')", "Barge"),
        Binding("B", "barge_whole", "Barge call", show=False),
        Binding("n", "notice", "Notice"),
        Binding("slash", "live_filter", "Filter"),
        Binding("r", "refresh_calls", "Refresh"),
        Binding("L", "sign_in", "Sign in again", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]
    HELP = HELP
    AUTO_FOCUS = "#calls"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[LiveCall] = []
        self.rows: list[tuple[LiveCall, Leg | None]] = []
        self.filter_text = ""
        self.engine: Supervision | None = None
        self.user_client = None  # the supervisor's own client (a user token), closed on shutdown
        self.sign_in_problem: str | None = None
        self.fetching = False  # not `loading`: Textual's reactive
        self.busy = False  # an action between its checks and its outcome
        self.last_checks: dict[
            str, list[Check]
        ] = {}  # conversation id -> the last checks run on it
        self.last_result: dict[str, str] = {}
        self.outbox = None
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
        yield Footer()

    # --- start, sign-in, refresh --------------------------------------------------------------------

    def on_mount(self) -> None:
        self.gapp.supervise = self
        self._waiting = self.set_interval(
            0.5, self._start_when_signed_in
        )  # the app may still be signing in
        self._start_when_signed_in()

    def _start_when_signed_in(self) -> None:
        if self._started or self.gapp.session is None:
            return
        self._started = True
        self._waiting.stop()
        settings = self.gapp.config.supervise
        self.set_interval(max(1.0, settings.refresh_seconds), self.action_refresh_calls)
        if settings.webhook.url:
            self.set_interval(30.0, self.deliver_webhook)
        self.set_interval(30.0, self.check_sign_in)
        self.sign_in()
        self.action_refresh_calls()

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
        from genesys_tui.context import loopback_user_client, sign_in_user, user_client
        from genesys_tui.core import credentials as creds

        app = self.gapp
        session = app.session
        if session is None:
            return
        client, own = None, False
        try:
            if session.client.auth.kind == "user" and session.client.auth.seconds_left != 0:
                client = session.client
            elif getattr(app, "demo", False):
                client, own = await loopback_user_client(app.target), True
            else:
                try:
                    client, own = user_client(app.target), True
                except creds.CredentialsError as stored_problem:
                    if not interactive:
                        raise
                    self._announce_browser(str(stored_problem))
                    client, own = (
                        await sign_in_user(app.target, announce=self._announce_browser_url),
                        True,
                    )
            supervisor = await store.identify(client)
            if supervisor is None:
                raise creds.CredentialsError("the stored sign-in has no user")
        except Exception as e:  # noqa: BLE001 - any failure here means: actions need a sign-in
            if own and client is not None:
                await client.aclose()
            self.sign_in_problem = user_message(e) or str(e)
            self.show_identity()
            return
        await self.release()
        if own:
            self.user_client = client
        cfg = app.config
        scope = session.scope  # the audit log and outbox are the signed-in org's
        if self.outbox is None and cfg.supervise.webhook.url:
            self.outbox = store.outbox(scope)
        self.engine = Supervision(
            client,
            supervisor,
            cfg.supervise,
            cfg.notices,
            store.audit_log(scope),
            self.outbox,
            readonly=app.readonly,
            names=session.names,
        )
        self.sign_in_problem = None
        self._warned = None
        self.show_identity()
        for header in self.query(AppHeader):
            header.update_text()

    def _announce_browser(self, why: str) -> None:
        self.query_one("#identity", Static).update(Text(f"{why}\nSigning in in your browser…"))

    def _announce_browser_url(self, url: str) -> None:
        from genesys_tui.genesys.pkce import redirect_uri_for

        redirect = redirect_uri_for(self.gapp.target.profile.redirect_port)
        self.query_one("#identity", Static).update(
            Text.from_markup(
                f"[b]Sign in in your browser[/] (opened if there is one; over SSH open this URL on your machine and "
                f"forward port {self.gapp.target.profile.redirect_port}):\n{escape(url)}\n"
                f"[dim]The OAuth client must have {escape(redirect)} registered.[/]"
            )
        )
        self.gapp.notify(
            "Sign in in your browser; the URL is in the Supervise panel.",
            title="Supervisor sign-in",
            timeout=10,
        )

    def sign_in_left(self) -> float | None:
        """Seconds the supervisor's sign-in has left, or None when it renews itself."""
        auth = self.engine.client.auth if self.engine is not None else None
        if auth is None or getattr(auth, "renewable", True):
            return None
        return auth.seconds_left or 0.0

    def check_sign_in(self) -> None:
        """Every 30 s: the remaining life in the panel; a warning 10 minutes before it ends, and
        when it has ended (actions are then refused with "sign in again", nothing is sent)."""
        left = self.sign_in_left()
        if left is None:
            return
        self.show_identity()
        for header in self.gapp.screen.query(AppHeader):
            header.update_text()
        if left <= 0 and self._warned != "ended":
            self._warned = "ended"
            self.gapp.notify(
                "Your sign-in has ended: press L to sign in again.",
                title="Supervisor sign-in",
                severity="warning",
                timeout=30,
            )
        elif 0 < left <= 600 and self._warned is None:
            self._warned = "soon"
            self.gapp.notify(
                f"Your sign-in ends in {fmt.time_left(left)}: press L to sign in again.",
                title="Supervisor sign-in",
                severity="warning",
                timeout=15,
            )

    async def release(self) -> None:
        """Close the supervisor's own client and the webhook outbox (sign-in again, or shutdown)."""
        client, self.user_client = self.user_client, None
        if client is not None:
            await client.aclose()
        if self.outbox is not None:
            box, self.outbox = self.outbox, None
            box.close()

    def show_identity(self) -> None:
        panel = self.query_one("#identity", Static)
        cfg = self.gapp.config.supervise
        if self.engine is None:
            panel.add_class("-warning")
            why = f" ({escape(self.sign_in_problem)})" if self.sign_in_problem else ""
            panel.update(
                Text.from_markup(
                    f"[b]Actions need your own sign-in.[/]{why}\nLive calls are listed with the app's client "
                    "credentials, which have no user. To monitor, coach, barge or play a notice, press [b]L[/] to "
                    "sign in in your browser (or run [b]genesys-tui login --user[/] in a shell, then press [b]L[/])."
                )
            )
            return
        panel.remove_class("-warning")
        e = self.engine
        hours = cfg.working_hours or "any time"
        notices = ", ".join(sorted(e.notices)) or "none configured"
        ro = "  [b red]READ-ONLY: every action is refused[/]" if e.readonly else ""
        left = self.sign_in_left()
        if left is None:
            life = "user sign-in"
        elif left <= 0:
            life = "[b red]sign-in ended: press L to sign in again[/]"
        else:
            life = f"user sign-in, {fmt.time_left(left)} left" + (
                " [b yellow](L to renew)[/]" if left <= 600 else ""
            )
        panel.update(
            Text.from_markup(
                f"Supervisor [b]{escape(e.supervisor.name)}[/] ({life}){ro}\n"
                f"[dim]policy:[/] {', '.join(cfg.allowed_actions)} · hours {hours} · at most {cfg.actions_per_hour}/h · "
                f"consent {cfg.consent_attribute} ∈ {{{', '.join(cfg.consent_values)}}} · notices: {notices}"
            )
        )

    @work(exclusive=True, group="supervise-load", exit_on_error=False)
    async def action_refresh_calls(self) -> None:
        app = self.gapp
        session = app.session
        if session is None or self.fetching:
            return
        self.fetching = True
        try:
            calls = await live_calls(
                session.client,
                app.config.supervise,
                session.names,
                now=getattr(app, "now", None),
            )
        except Exception as e:  # noqa: BLE001 - keep the last list, say why it is stale
            self.query_one("#status", Static).update(
                f"[red]could not refresh:[/] {escape(user_message(e) or str(e))}"
            )
            return
        finally:
            self.fetching = False
        self.calls = calls
        self.apply_filter()

    def apply_filter(self) -> None:
        table = self.query_one(VirtualTable)
        current = self.selected()
        key = (
            (current[0].conversation_id, current[1].participant_id if current[1] else None)
            if current
            else None
        )
        words = self.filter_text.lower().split()
        rows: list[tuple[LiveCall, Leg | None]] = []
        for c in self.calls:
            for leg in c.agents or [None]:
                text = c.text() + (" " + leg.name.lower() if leg else "")
                if all(w in text for w in words):
                    rows.append((c, leg))
        self.rows = rows
        table.reload()
        if key is not None:
            for i, (c, leg) in enumerate(rows):
                if (c.conversation_id, leg.participant_id if leg else None) == key:
                    table.cursor = i
                    break
        n_calls = len({c.conversation_id for c, _ in rows})
        shown = f"{n_calls} of {len(self.calls)}" if words else f"{len(self.calls)}"
        when = self.now().strftime("%H:%M:%S")
        self.query_one("#status", Static).update(
            f"{shown} live call(s), refreshed {when} UTC"
            + (f"  filter: {self.filter_text}" if words else "")
        )
        self.show_detail()

    # --- the table and the detail ----------------------------------------------------------------------

    def cells(self, i: int) -> tuple[str, ...]:
        c, leg = self.rows[i]
        now = self.now()
        rec = "SECURE PAUSE" if c.secure_pause else c.recording_state
        sups = (
            ", ".join(f"{s.name} ({'/'.join(s.roles) or s.purpose})" for s in c.supervisors) or "-"
        )
        start = c.start.strftime("%H:%M:%S") if c.start else "-"
        if leg is None:
            return (start, "(no agent yet)", "", "", "", rec, c.queue or "-", c.customer, sups)
        consent = (
            "yes" if leg.consented else "no"
        ) + f" ({leg.consent if leg.consent is not None else 'none'})"
        return (
            start,
            leg.name,
            leg.state,
            _ago(leg.since, now),
            consent,
            rec,
            c.queue or "-",
            c.customer,
            sups,
        )

    def row_style(self, i: int) -> str | None:
        c, leg = self.rows[i]
        if c.secure_pause:
            return "alert"
        if leg is None or not leg.consented or leg.state != "connected":
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
        now = self.now()
        head = Text()
        head.append(f"{c.conversation_id}\n", style="bold")
        head.append(f"started {fmt.when(c.start)} UTC ({_ago(c.start, now)} ago)\n")
        head.append(f"queue {c.queue or '-'}  customer {c.customer}\n")
        head.append("recording ")
        head.append(
            "SECURE PAUSE (payment or other capture)" if c.secure_pause else c.recording_state,
            style="bold red" if c.secure_pause else "",
        )
        parts = Table(
            title="Participants", title_justify="left", expand=True, box=None, pad_edge=False
        )
        for col in ("Purpose", "Name", "State", "For", "Consent"):
            parts.add_column(col, overflow="fold")
        for p in [*c.agents, *c.others]:
            purpose = p.purpose + (f" ({'/'.join(p.roles)})" if p.roles else "")
            consent = (
                ""
                if p.purpose != "agent"
                else ("✓ " if p.consented else "✗ ") + (p.consent or "none")
            )
            style = "bold" if leg is not None and p.participant_id == leg.participant_id else ""
            parts.add_row(purpose, p.name, p.state, _ago(p.since, now), consent, style=style)
        blocks: list = [head, Text(), parts]
        checks = self.last_checks.get(c.conversation_id)
        if checks:
            t = Text("\n")
            t.append("Last checks\n", style="bold")
            for ch in checks:
                t.append("✓ " if ch.ok else "✗ ", style="green" if ch.ok else "bold red")
                t.append(f"{ch.name}: {ch.detail}\n")
            blocks.append(t)
        if c.conversation_id in self.last_result:
            blocks.append(Text(self.last_result[c.conversation_id]))
        info.update(Group(*blocks))

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
        if self.engine is None:
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
        engine = self.engine
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
                    self.confirmation_text(attempt),
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

    def confirmation_text(self, attempt: Attempt) -> Text:
        r = attempt.request
        call = next((c for c in self.calls if c.conversation_id == r.conversation_id), None)
        live = (
            summarize(
                attempt.call,
                call.start if call else None,
                self.engine.names,  # type: ignore[union-attr]
                self.engine.settings,
            )
            if attempt.call
            else None
        )  # type: ignore[union-attr]
        agent = (
            next(
                (
                    a.name
                    for a in (live.agents if live else [])
                    if a.participant_id == r.participant_id
                ),
                r.participant_id,
            )
            if r.participant_id
            else "every connected agent (the whole conversation)"
        )
        t = Text()
        if r.action == "notice":
            n = self.engine.notices[r.notice or ""]  # type: ignore[union-attr]
            what = f"Put the customer into the notice flow {r.notice!r} ({n.flow_id}) for up to {n.max_duration_seconds} s."
        else:
            what = {
                "monitor": "Listen to the call; nobody hears you.",
                "coach": "Speak to the agent; the customer does not hear you.",
                "barge": "Join the call; everyone hears you.",
            }[r.action]
        t.append(f"{what}\n\n")
        t.append("Action    ", style="dim")
        t.append(f"{VERBS[r.action]}\n", style="bold")
        t.append("Call      ", style="dim")
        t.append(f"{r.conversation_id}\n")
        if live:
            t.append("          ", style="dim")
            t.append(f"{live.customer} · queue {live.queue or '-'}\n")
        t.append("Agent     ", style="dim")
        t.append(f"{agent}\n", style="bold")
        t.append("Checks passed\n", style="dim")
        for c in attempt.checks:
            t.append("  ✓ ", style="green")
            t.append(f"{c.name}: {c.detail}\n")
        t.append(
            "\nThe checks run once more just before sending; it is sent once and recorded.",
            style="dim",
        )
        return t

    def report(self, out: Outcome) -> None:
        cid = out.attempt.request.conversation_id
        verb = VERBS[out.attempt.request.action]
        self.last_checks[cid] = out.checks
        latency = f" in {out.latency_ms:.0f} ms" if out.latency_ms is not None else ""
        if out.result == "refused":
            reasons = "\n".join(f"✗ {c.detail}" for c in out.checks if not c.ok)
            self.last_result[cid] = f"{verb}: refused just before sending"
            self.gapp.notify(
                f"The call changed:\n{reasons}",
                title=f"{verb} refused",
                severity="error",
                timeout=10,
            )
        elif out.ok:
            extra = f"; the notice flow {out.notice_state}" if out.notice_state else ""
            self.last_result[cid] = f"{verb}: dispatched (HTTP {out.status}){latency}{extra}"
            self.gapp.notify(f"{verb}: dispatched{latency}{extra}", title="Done", timeout=6)
        else:
            where = (
                "\nYou ARE on the call now: it went through despite the error."
                if out.on_call_after
                else "\nYou are not on the call."
                if out.on_call_after is False
                else ""
            )
            self.last_result[cid] = f"{verb}: failed{latency}: {out.error}"
            self.gapp.notify(
                f"{out.error}{where}", title=f"{verb} failed", severity="error", timeout=12
            )
        if out.audit_error:
            self.gapp.notify(out.audit_error, title="Audit log", severity="error", timeout=15)
        if out.call_after is not None:  # show the new participants at once
            for k, c in enumerate(self.calls):
                if c.conversation_id == cid:
                    fresh = summarize(
                        out.call_after, c.start, self.engine.names, self.engine.settings
                    )  # type: ignore[union-attr]
                    if fresh is None:
                        del self.calls[k]
                    else:
                        self.calls[k] = fresh
                    break
        self.apply_filter()

    # --- the QA webhook -----------------------------------------------------------------------------

    @work(exclusive=True, group="supervise-webhook", thread=True, exit_on_error=False)
    def deliver_webhook(self) -> None:
        cfg = self.gapp.config
        url = cfg.supervise.webhook.url
        if not url or self.outbox is None:
            return
        box = Outbox(self.outbox.path)  # its own connection: this is another thread
        try:
            res = box.deliver(
                url,
                store.webhook_secret(cfg),
                timeout=cfg.supervise.webhook.timeout_seconds,
                max_backoff=cfg.supervise.webhook.max_backoff_seconds,
            )
        finally:
            box.close()
        if res.error:
            self.gapp.call_from_thread(
                self.gapp.notify,
                f"{res.error}; {res.pending} record(s) wait in the outbox",
                title="QA webhook",
                severity="warning",
                timeout=6,
            )

    def on_worker_state_changed(self, event) -> None:
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR and event.worker.error is not None:
            err = event.worker.error
            self.gapp.notify(
                user_message(err) or f"{type(err).__name__}: {err}",
                title="Supervise",
                severity="error",
                timeout=10,
            )

    async def on_unmount(self) -> None:
        await self.release()
