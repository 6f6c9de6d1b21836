"""QA sampling inside the app: a dialog draws N calls per agent or queue from Browse's interval and
filters (the same draw as `genesys-tui sample`, kept as the org's sample), and a screen lists the
sample with how far each call's evaluation is in Genesys. Enter reviews a call; in Review `]` and
`[` step through the sample."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Select, Static

from genesys_tui.core.errors import UserError, user_message
from genesys_tui.flows.review.sample import Sample, SampleStore, draw, evaluated
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.tui.screens.base import BACK, AppScreen
from genesys_tui.tui.screens.dialogs import FittedDialog
from genesys_tui.tui.widgets.footer import AppFooter
from genesys_tui.tui.widgets.header import AppHeader

MAX_PER_GROUP = 100


@dataclass(frozen=True)
class SampleChoice:
    per: str  # agent | queue
    n: int
    seed: int
    transcribed: bool


def sample_problem(n: str, seed: str) -> str | None:
    """What is wrong with the dialog's numbers (None: nothing)."""
    if not n.isdigit() or not 1 <= int(n) <= MAX_PER_GROUP:
        return f"Calls per group: a whole number from 1 to {MAX_PER_GROUP}."
    if not seed.isdigit() or len(seed) > 18:
        return "Seed: a whole number (the same seed draws the same calls)."
    return None


class SampleDialog(FittedDialog[SampleChoice | None]):
    """How to draw a QA sample from the calls Browse lists."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, what: str, last: Sample | None, seed: int) -> None:
        super().__init__()
        self.what, self.last, self.seed = what, last, seed

    def compose(self) -> ComposeResult:
        last = self.last
        with Vertical(classes="dialog"):
            yield Label("Draw a QA sample", classes="title")
            with VerticalScroll(classes="dialog-body"):  # scrolls on a small terminal
                yield Static(
                    f"From {self.what}. The same seed, interval and filters draw the same calls.",
                    classes="hint",
                )
                with Grid():
                    yield Label("Per")
                    per = last.per if last else "agent"
                    yield Select(
                        [("agent", "agent"), ("queue", "queue")],
                        value=per,
                        allow_blank=False,
                        id="per",
                    )
                    yield Label("Calls each")
                    yield Input(value=str(last.n if last else 5), id="n")
                    yield Label("Seed")
                    yield Input(value=str(last.seed if last else self.seed), id="seed")
                yield Checkbox("Only calls with a transcript", value=True, id="transcribed")
                yield Static("", classes="error", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Draw", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#ok", Button).focus()

    @on(Button.Pressed, "#ok")
    @on(Input.Submitted)
    def ok(self) -> None:
        n = self.query_one("#n", Input).value.strip()
        seed = self.query_one("#seed", Input).value.strip()
        if problem := sample_problem(n, seed):
            error = self.query_one("#error", Static)
            error.update(problem)
            error.scroll_visible()  # the body scrolls on a small terminal: the reason in sight
            return
        per = str(self.query_one("#per", Select).value)
        transcribed = self.query_one("#transcribed", Checkbox).value
        self.dismiss(SampleChoice(per, int(n), int(seed), transcribed))

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)


class SampleScreen(AppScreen):
    """The org's QA sample: each call with its agent or queue and its evaluation in Genesys."""

    BINDINGS = [
        Binding("enter", "review", "Review", id="sample.review"),
        Binding(BACK, "back", "Back", id="sample.back"),
    ]
    HELP = """
The org's QA sample: N calls per agent or queue, drawn reproducibly from Browse's interval and
filters (`p` in Browse; `genesys-tui sample` draws the same). Each row says how far the call's
evaluation is in Genesys (its status and score, or none). `Enter` reviews the call; in Review `]`
and `[` go to the next and previous call of the sample, and `v` evaluates it.
"""
    AUTO_FOCUS = "#sampled"

    def __init__(
        self,
        choice: SampleChoice | None = None,
        interval: tuple[datetime, datetime] | None = None,
        flt: ConversationFilter | None = None,
    ) -> None:
        super().__init__()
        self.choice, self.interval, self.filter = choice, interval, flt
        self.sample: Sample | None = None
        self.names: dict[str, str] = {}
        self.states: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Static("", id="status")
        table: DataTable = DataTable(id="sampled", cursor_type="row", zebra_stripes=True)
        table.add_columns("#", "Evaluation", "Agent or queue", "Started (UTC)", "Call")
        yield table
        yield AppFooter()

    def on_mount(self) -> None:
        self.say("Drawing the sample…" if self.choice else "Reading the sample…")
        self.load()

    def say(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def store(self) -> SampleStore | None:
        session = self.gapp.session
        if session is None or session.scope is None:
            return None
        return SampleStore(session.scope.data_dir / "sample.json")

    @work(exclusive=True, group="sample", exit_on_error=False)
    async def load(self) -> None:
        services, store = self.gapp.services, self.store()
        if services is None or store is None:
            self.say("Not signed in.")
            return
        client = services.client
        try:
            self.names = await client.directory.names()
            if self.choice is not None and self.interval is not None:
                c = self.choice
                sample = await draw(
                    client, *self.interval, self.filter,
                    per=c.per, n=c.n, seed=c.seed, transcribed=c.transcribed,
                )  # fmt: skip
                store.save(sample)
            else:
                sample = store.load()
        except (UserError, OSError) as e:
            self.say(f"No sample: {user_message(e) or e}")
            return
        if sample is None or not sample.picked:
            self.say("No sample yet: press p in Browse to draw one from the calls it lists.")
            return
        self.sample = sample
        self.show()
        for p in sample.picked:  # then how far each call's evaluation is, as it comes
            try:
                self.states[p.conversation_id] = await evaluated(
                    services.review.evaluations, p.conversation_id
                )
            except (UserError, OSError) as e:
                self.states[p.conversation_id] = "?"
                self.notify(user_message(e) or str(e), title="Evaluations", severity="warning")
                break
            self.show()

    def show(self) -> None:
        sample = self.sample
        if sample is None:
            return
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for k, p in enumerate(sample.picked, 1):
            state = self.states.get(p.conversation_id, "…")
            group = self.names.get(p.group, p.group)
            table.add_row(str(k), state, group, p.start[:16].replace("T", " "), p.conversation_id)
        table.move_cursor(row=min(max(cursor, 0), len(sample.picked) - 1))
        done = sum(1 for s in self.states.values() if s.startswith("FINISHED"))
        short = ", ".join(f"{self.names.get(g, g)} {n} short" for g, n in sample.short.items())
        line = (
            f"{len(sample.picked)} call(s), {sample.n} per {sample.per}, seed {sample.seed}: "
            f"{done} evaluated (FINISHED)" + (f"; fewer than asked: {short}" if short else "")
            + ". Enter reviews a call; in Review ] and [ step through the sample."
        )  # fmt: skip
        self.say(line)

    def action_review(self) -> None:
        table = self.query_one(DataTable)
        if self.sample and 0 <= table.cursor_row < len(self.sample.picked):
            self.gapp.open_review(self.sample.picked[table.cursor_row].conversation_id)

    @on(DataTable.RowSelected, "#sampled")
    def row_chosen(self) -> None:
        self.action_review()

    def action_back(self) -> None:
        self.dismiss()
