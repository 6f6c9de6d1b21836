"""Small modal dialogs: confirm (focus on Cancel), a text prompt, the queue and export options, the
filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from genesys_tui.flows.pull.model import FORMATS as PULL_FORMATS
from genesys_tui.genesys.analytics import ConversationFilter

AROUND_BODY = 12  # rows a dialog needs besides its body: title, buttons, borders, margins
R = TypeVar("R")


class FittedDialog(ModalScreen[R]):
    """A dialog whose body scrolls so that its title and buttons always fit the terminal."""

    def on_mount(self) -> None:
        self.fit_body()

    def on_resize(self) -> None:
        self.fit_body()

    def fit_body(self) -> None:
        room = max(3, self.app.size.height - AROUND_BODY)
        for body in self.query(".dialog-body"):
            body.styles.max_height = room


class ConfirmDialog(FittedDialog[bool]):
    """Yes or no; Cancel has the focus, so a stray Enter does nothing harmful."""

    BINDINGS = [Binding("escape,q,backspace", "dismiss(False)", "Cancel", id="dialog.cancel")]
    AUTO_FOCUS = "#cancel"  # the screen's own first focus, so it is never the body for a moment

    def __init__(
        self, title: str, body: str, confirm: str = "Confirm", danger: bool = False
    ) -> None:
        super().__init__()
        self.title_text, self.body, self.confirm, self.danger = title, body, confirm, danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="title")
            with VerticalScroll(classes="dialog-body"):  # scrolls; the buttons stay in sight
                yield Static(self.body)
            with Horizontal(classes="buttons"):
                yield Button(
                    self.confirm, id="confirm", variant="error" if self.danger else "primary"
                )
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.fit_body()
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")


class PromptDialog(ModalScreen[str | None]):
    """One line of text. With `check` (text -> the problem, or None), a bad answer keeps the
    dialog open with the problem under the field, so it can be corrected rather than retyped."""

    BINDINGS = [Binding("escape,q,backspace", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(
        self,
        title: str,
        placeholder: str = "",
        value: str = "",
        hint: str = "",
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.title_text, self.placeholder, self.value, self.hint = title, placeholder, value, hint
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="title")
            yield Input(value=self.value, placeholder=self.placeholder, id="value")
            yield Static("", classes="error", id="error")
            if self.hint:
                yield Static(self.hint, classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("OK", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def ok(self) -> None:
        text = self.query_one("#value", Input).value.strip()
        problem = self.check(text) if self.check is not None and text else None
        if problem:
            self.query_one("#error", Static).update(problem)
            self.query_one("#value", Input).focus()
            return
        self.dismiss(text or None)

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)


class _TargetDialog(ModalScreen):
    """A dialog ending in a target (directory or s3://...), an error line and OK/Cancel."""

    BINDINGS = [Binding("escape,q,backspace", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def buttons(self, ok: str) -> ComposeResult:
        yield Static("", classes="error", id="error")
        with Horizontal(classes="buttons"):
            yield Button(ok, id="ok", variant="primary")
            yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()  # Enter goes with the defaults

    def target(self) -> str | None:
        value = self.query_one("#target", Input).value.strip()
        if not value:
            self.query_one("#error", Static).update("Give a target directory or s3:// URL.")
        return value or None

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)


FORMAT_LABELS = {
    "original": "Original codec",
    "wav": "WAV",
    "mono": "Mono WAV",
    "webm": "WebM/Opus",
    "split": "One WAV per party",
}


@dataclass(frozen=True)
class QueueChoice:
    format: str
    target: str
    batch: bool


class QueueDialog(_TargetDialog):
    """What to download: a format and a target (directory or s3://...)."""

    FORMATS = [(FORMAT_LABELS[f], f) for f in PULL_FORMATS]

    def __init__(self, what: str, target: str, fmt: str = "mono", batch: bool = False) -> None:
        super().__init__()
        self.what, self.default, self.fmt, self.batch = what, target, fmt, batch

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Download {self.what}", classes="title")
            yield Label("Format")
            yield Select(self.FORMATS, value=self.fmt, allow_blank=False, id="format")
            yield Label("Target: a directory or s3://bucket/prefix")
            yield Input(value=self.default, id="target")
            yield Checkbox(
                "Batch requests (100 recordings per API call; for bulk pulls)",
                value=self.batch,
                id="batch",
            )
            yield from self.buttons("Queue")

    @on(Button.Pressed, "#ok")
    @on(Input.Submitted)
    def ok(self) -> None:
        if target := self.target():
            self.dismiss(
                QueueChoice(
                    str(self.query_one("#format", Select).value),
                    target,
                    self.query_one("#batch", Checkbox).value,
                )
            )


@dataclass(frozen=True)
class ExportChoice:
    formats: tuple[str, ...]
    target: str
    shown_roles_only: bool


class ExportDialog(_TargetDialog):
    """Where a reviewed conversation's transcript and QA summary go."""

    FORMATS = [
        ("WebVTT + JSON", "vtt,json"),
        ("Plain text", "txt"),
        ("JSON (normalized)", "json"),
        ("WebVTT", "vtt"),
        ("SRT", "srt"),
        ("All four", "txt,json,vtt,srt"),
        ("HTML report (one page: waveform, metrics, bookmarks, transcript)", "html,json"),
    ]

    def __init__(self, target: str, filtered: bool) -> None:
        super().__init__()
        self.default, self.filtered = target, filtered

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Export transcript and QA summary", classes="title")
            yield Label("Transcript format (the summary with the metrics comes as JSON and CSV)")
            yield Select(self.FORMATS, value="vtt,json", allow_blank=False, id="format")
            yield Label("Target: a directory or s3://bucket/prefix (named like the recordings)")
            yield Input(value=self.default, id="target")
            yield Checkbox("Only the speakers shown now", value=self.filtered, id="roles")
            yield from self.buttons("Export")

    @on(Button.Pressed, "#ok")
    @on(Input.Submitted)
    def ok(self) -> None:
        if target := self.target():
            formats = tuple(str(self.query_one("#format", Select).value).split(","))
            self.dismiss(ExportChoice(formats, target, self.query_one("#roles", Checkbox).value))


class FilterDialog(FittedDialog[ConversationFilter | None]):
    """Server-side filters for the analytics query. Ctrl+S applies from any field, as does Enter
    in the number fields."""

    BINDINGS = [
        Binding("escape,q,backspace", "dismiss(None)", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "apply", "Apply", priority=True, id="dialog.apply"),
    ]

    def action_apply(self) -> None:
        self.ok()

    def __init__(
        self,
        current: ConversationFilter,
        queues: dict[str, str],
        agents: dict[str, str],
        wrapups: dict[str, str],
    ) -> None:
        super().__init__()
        self.current, self.queues, self.agents, self.wrapups = current, queues, agents, wrapups

    @staticmethod
    def _options(table: dict[str, str]) -> list[tuple[str, str]]:
        return sorted(((name, key) for key, name in table.items()), key=lambda x: x[0].lower())

    def compose(self) -> ComposeResult:
        c = self.current
        blank = Select.NULL
        with Vertical(classes="dialog"):
            yield Label("Filter conversations", classes="title")
            with VerticalScroll(classes="dialog-body"), Grid():
                yield Label("Queue")
                yield Select(
                    self._options(self.queues),
                    value=c.queue_ids[0] if c.queue_ids else blank,
                    id="queue",
                )
                yield Label("Agent")
                yield Select(
                    self._options(self.agents),
                    value=c.user_ids[0] if c.user_ids else blank,
                    id="agent",
                )
                yield Label("Direction")
                yield Select(
                    [("Inbound", "inbound"), ("Outbound", "outbound")],
                    value=c.direction or blank,
                    id="direction",
                )
                yield Label("Media type")
                yield Select(
                    [
                        (m.capitalize(), m)
                        for m in ("voice", "chat", "email", "message", "callback")
                    ],
                    value=c.media_types[0] if c.media_types else blank,
                    id="media",
                )
                yield Label("Wrap-up code")
                yield Select(
                    self._options(self.wrapups),
                    value=c.wrapup_codes[0] if c.wrapup_codes else blank,
                    id="wrapup",
                )
                yield Label("Recording")
                yield Select(
                    [("With a recording", "yes"), ("Without", "no")],
                    value={True: "yes", False: "no"}.get(c.has_recording, blank),
                    id="recording",
                )
                yield Label("ANI")
                yield Input(
                    value=c.ani or "", placeholder="calling number, e.g. +13175550123", id="ani"
                )
                yield Label("DNIS")
                yield Input(value=c.dnis or "", placeholder="dialled number", id="dnis")
            with Horizontal(classes="buttons"):
                yield Button("Apply", id="ok", variant="primary")
                yield Button("Clear", id="clear")
                yield Button("Cancel", id="cancel")

    def _value(self, wid: str) -> str | None:
        v = self.query_one(f"#{wid}", Select).value
        return None if v is Select.NULL else str(v)

    @staticmethod
    def _number(text: str) -> str | None:
        return text.strip() or None  # the query normalizes it (genesys.analytics.phone_value)

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def ok(self) -> None:
        rec = self._value("recording")
        self.dismiss(
            ConversationFilter(
                queue_ids=tuple(filter(None, [self._value("queue")])),
                user_ids=tuple(filter(None, [self._value("agent")])),
                direction=self._value("direction"),
                media_types=tuple(filter(None, [self._value("media")])),
                wrapup_codes=tuple(filter(None, [self._value("wrapup")])),
                has_recording=None if rec is None else rec == "yes",
                ani=self._number(self.query_one("#ani", Input).value),
                dnis=self._number(self.query_one("#dnis", Input).value),
            )
        )

    @on(Button.Pressed, "#clear")
    def clear(self) -> None:
        self.dismiss(ConversationFilter())

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)
