"""What the Supervise screen shows besides its table: the selected call's detail, the confirmation
of an action, and the notice chooser."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from genesys_tui.core import fmt
from genesys_tui.core.config import SuperviseSettings
from genesys_tui.flows.browse.table import Column
from genesys_tui.flows.supervise.alerts import SHORT, Alert
from genesys_tui.flows.supervise.checks import Check, own_participant, role_of
from genesys_tui.flows.supervise.engine import Attempt, Outcome
from genesys_tui.flows.supervise.live import Leg, LiveCall, consent_state, consent_text, summarize
from genesys_tui.flows.supervise.service import EFFECTS, SOON, VERBS, Report, SuperviseDesk
from genesys_tui.flows.supervise.words import LiveWords

COLUMNS = (  # what a supervisor decides on first; on a narrow table the rest hide in order
    Column("start", "Started", 8, False, hide=4),
    Column("agent", "Agent", 16, False, min_width=9),
    Column("state", "State", 12, False),  # "disconnected": a state is never cut
    Column("in_state", "In state", 8, False, hide=5),
    Column("consent", "Consent", 12, False),  # "not accepted", "not recorded" whole
    Column("recording", "Recording", 12, False, hide=6),  # "SECURE PAUSE" whole; the row
    # of a call in secure pause is red, and the pane says so, when it hides (80 columns)
    Column("alerts", "Alerts", 18, False, min_width=7, hide=7),  # at 80: the row is red
    Column("queue", "Queue", 12, False, min_width=8, hide=3),
    Column("customer", "Customer", 16, False, hide=2),
    Column("supervisors", "Supervisors", 12, False, fill=True, hide=1),
)


HELP = """
Live calls: conversations that have not ended, pushed by Genesys as they change (one notification
topic per queue, `v2.routing.queues.{id}.conversations.calls`); read in full at the start and again
whenever the socket was down. When the topics are refused (a permission) or another session took
them, the list is read every `supervise.refresh_seconds` within `supervise.poll_budget_per_minute`
instead; the status line always says which, and why. One row per agent on a call; `/` filters by
queue, agent, customer number or ID. The pane on the right shows the selected call's participants,
their states and time in state, consent, recording state, secure pause and its live transcript.

Actions land on the selected agent: `m` monitor (listen, unheard), `c` coach (speak to the agent
only), `b` barge (join, heard by everyone), `B` barge the whole conversation, `n` play a notice (an
Architect secure flow from `[notices.NAME]`; there is no public API that plays audio into a call),
`x` leave a call you are on. On a call you are on, `m` / `c` / `b` change your role (a leave and a
join, one action). Every action runs the consent checks (the call is live, the target is a
connected agent who has given consent, no secure pause, your place on the call, the policy allows
it now, read-only is off), asks for confirmation with the focus on Cancel, checks again, then
sends once. Every attempt is written to the audit log (`genesys-tui audit verify` checks its hash
chain).

Alerts (`[supervise.alerts]`): `a` lists them (acknowledge with `a`, all with `A`, Enter goes to
the call). A silence is measured on the transcript's own time line, never the wall clock.

`f` shows the floor: each queue's waiting calls and longest wait, calls handled, agents on queue
and free, today's offered, abandoned and service level; each agent's routing status, presence and
call (Enter goes to it). Pushed by Genesys like the list.

Actions need your own sign-in (`genesys-tui login --user`); client credentials can only list calls.
"""


def ago(since: datetime | None, now: datetime) -> str:
    if since is None:
        return "-"
    return fmt.duration(max(0.0, (now - since).total_seconds()))


class NoticeChooser(ModalScreen[str | None]):
    """Which configured notice to play."""

    BINDINGS = [Binding("escape,q,backspace", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, notices: dict) -> None:
        super().__init__()
        self.notices = notices

    def compose(self) -> ComposeResult:
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


def call_detail(
    c: LiveCall, leg: Leg | None, now: datetime, checks: list[Check] | None, result: str | None
) -> Group:
    """The selected call: who is on it, since when, consent, recording state, the last checks."""
    head = Text()
    head.append(f"{c.conversation_id}\n", style="bold")
    head.append(f"started {fmt.when(c.start)} UTC ({ago(c.start, now)} ago)\n")
    head.append(f"queue {c.queue or '-'}  customer {c.customer}\n")
    head.append("recording ")
    head.append(
        "SECURE PAUSE (payment or other capture)" if c.secure_pause else c.recording_state,
        style="bold red" if c.secure_pause else "",
    )
    # One paragraph a participant, wrapped at spaces by the pane: never a column so narrow that a
    # word or a number is split (a table of five columns did that at 80 and 100 columns).
    parts = Text()
    parts.append("Participants\n", style="bold")
    for p in [*c.agents, *c.others]:
        chosen = leg is not None and p.participant_id == leg.participant_id
        parts.append("▸ " if chosen else "· ", style="bold" if chosen else "dim")
        parts.append(p.name, style="bold" if chosen else "")
        purpose = p.purpose + (f", {'/'.join(p.roles)}" if p.roles else "")
        parts.append(f" ({purpose}) {p.state} for {ago(p.since, now)}")
        if p.purpose == "agent":
            parts.append(", consent ")
            parts.append(consent_text(p), style="" if p.consented else "bold red")
        parts.append("\n")
    blocks: list = [head, Text(), parts]
    if checks:
        t = Text("\n")
        t.append("Last checks\n", style="bold")
        for ch in checks:
            t.append("✓ " if ch.ok else "✗ ", style="green" if ch.ok else "bold red")
            t.append(f"{ch.name}: {ch.detail}\n")
        blocks.append(t)
    if result:
        blocks.append(Text(result))
    return Group(*blocks)


def confirmation_text(attempt: Attempt, calls: list[LiveCall], desk: SuperviseDesk) -> Text:
    r = attempt.request
    call = next((c for c in calls if c.conversation_id == r.conversation_id), None)
    live = (
        summarize(
            attempt.call,
            call.start if call else None,
            desk.names,
            desk.engine.settings,
        )
        if attempt.call
        else None
    )
    agent = (
        next(
            (a.name for a in (live.agents if live else []) if a.participant_id == r.participant_id),
            r.participant_id,
        )
        if r.participant_id
        else "every connected agent (the whole conversation)"
    )
    if r.action == "leave":
        agent = "you: only your own participant ends"
    t = Text()
    if r.action == "notice":
        n = desk.engine.notices[r.notice or ""]
        what = f"Put the customer into the notice flow {r.notice!r} ({n.flow_id}) for up to {n.max_duration_seconds} s."
    else:
        what = EFFECTS[r.action]
        own = own_participant(attempt.call, desk.supervisor) if r.action != "leave" else None
        if own is not None:  # a change of role: Genesys has none, so leave and join again
            what = (
                f"You are on this call ({role_of(own)}). {what} You leave and join again to "
                f"{r.action}: one action, both steps recorded."
            )
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


def identity_text(
    desk: SuperviseDesk | None, cfg: SuperviseSettings, problem: str | None, left: float | None
) -> Text:
    """Who acts, how long the sign-in lasts, and the policy in force; or why nobody can act."""
    if desk is None:
        why = f" ({escape(problem)})" if problem else ""
        return Text.from_markup(
            f"[b]Actions need your own sign-in.[/]{why}\nLive calls are listed with the app's "
            "client credentials, which have no user. To monitor, coach, barge or play a notice, "
            "press [b]L[/] to sign in in your browser (or run [b]genesys-tui login --user[/] in a "
            "shell, then press [b]L[/])."
        )
    e = desk.engine
    hours = cfg.working_hours or "any time"
    notices = ", ".join(sorted(e.notices)) or "none configured"
    ro = "  [b red]READ-ONLY: every action is refused[/]" if e.readonly else ""
    if left is None:
        life = "user sign-in"
    elif left <= 0:
        life = "[b red]sign-in ended: press L to sign in again[/]"
    else:
        renew = " [b yellow](L to renew)[/]" if left <= SOON else ""
        life = f"user sign-in, {fmt.time_left(left)} left{renew}"
    consent = f"{cfg.consent_attribute} ∈ {{{', '.join(cfg.consent_values)}}}"
    return Text.from_markup(
        f"Supervisor [b]{escape(e.supervisor.name)}[/] ({life}){ro}\n"
        f"[dim]policy:[/] {', '.join(cfg.allowed_actions)} · hours {hours} · "
        f"at most {cfg.actions_per_hour}/h · consent {consent} · notices: {notices}"
    )


def call_cells(
    c: LiveCall, leg: Leg | None, now: datetime, alerts: list[Alert] = ()
) -> tuple[str, ...]:
    """One row of the live-calls table: a call's agent leg (or the call, before it has one)."""
    rec = "SECURE PAUSE" if c.secure_pause else c.recording_state
    flags = " ".join(SHORT.get(a.kind, "") for a in alerts if a.kind in SHORT) or ""
    sups = ", ".join(f"{s.name} ({'/'.join(s.roles) or s.purpose})" for s in c.supervisors) or "-"
    start = c.start.strftime("%H:%M:%S") if c.start else "-"
    if leg is None:
        return (start, "(no agent yet)", "", "", "", rec, flags, c.queue or "-", c.customer, sups)
    consent = consent_state(leg)  # the value is in the pane: a column never cuts it
    return (
        start,
        leg.name,
        leg.state,
        ago(leg.since, now),
        consent,
        rec,
        flags,
        c.queue or "-",
        c.customer,
        sups,
    )


def browser_sign_in_text(url: str, port: int) -> Text:
    from genesys_tui.genesys.pkce import redirect_uri_for

    return Text.from_markup(
        "[b]Sign in in your browser[/] (opened if there is one; over SSH open this URL on your "
        f"machine and forward port {port}):\n{escape(url)}\n"
        f"[dim]The OAuth client must have {escape(redirect_uri_for(port))} registered.[/]"
    )


def outcome_notice(out: Outcome, said: Report) -> tuple[str, str, SeverityLevel, int]:
    """An action's outcome as a notification: (message, title, severity, seconds shown)."""
    title = said.headline.partition(":")[0]
    if said.refused:
        return "The call changed:\n" + "\n".join(said.lines), f"{title} refused", "error", 10
    if said.ok:
        return said.headline, "Done", "information", 6
    return "\n".join((out.error or "", *said.lines)), f"{title} failed", "error", 12


def words_view(words: LiveWords | None, alerts: list[Alert], refused: list[str]) -> Text:
    """The selected call's alerts and live transcript, newest last, with how late words come."""
    t = Text()
    for a in alerts:
        t.append(f"⚠ {a.text}\n", style="bold yellow")
    t.append("Live transcript", style="bold")
    if refused:
        t.append(f": not available (missing {', '.join(refused)})\n", style="dim")
        return t
    shown = words.last(12) if words is not None else []
    if shown:
        lag = sum(u.lag for u in shown[-5:]) / len(shown[-5:])
        t.append(f"  (words come about {lag:.0f} s after they are said)", style="dim")
    if words is not None and words.sentiment is not None:
        t.append(f"  sentiment {words.sentiment:+.0f}", style="bold")
    t.append("\n")
    if not shown:
        t.append("waiting for the first words…\n", style="dim")
    for u in shown:
        t.append(f"{u.said:%H:%M:%S} ", style="dim")
        t.append(f"{u.role:<8} ", style=ROLE_COLOR.get(u.role, ""))
        t.append(u.text + "\n")
    if words is not None and words.ended:
        t.append("(the transcription session has ended)\n", style="dim")
    return t


ROLE_COLOR = {"agent": "cyan", "customer": "green", "ivr": "magenta"}
