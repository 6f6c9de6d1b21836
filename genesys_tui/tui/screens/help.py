"""`?`: what this area is for and every key it answers to."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

EVERYWHERE = (
    "Everywhere: `1`-`5` switch areas, `:` or `ctrl+p` opens the command palette (jump to an "
    "area, a call by ID, actions, themes), `?` or `F1` this help, `F8` saves a screenshot, "
    "`ctrl+q` quits (downloads resume next time). `Esc` (or `Backspace` where no text field has "
    "the focus) goes back: out of a dialog, a filter, or Review to where it was opened from; `q` "
    "closes a dialog or Review, and in Browse, Queue and Supervise quits. Select text with the "
    "mouse while holding Shift (Option on macOS). The grey names are the actions' ids: "
    '`[ui.keys]` in the config gives them other keys (`"browse.queue-selected" = "ctrl+d"`).'
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,backspace,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(
        self, title: str, text: str, bindings: list[tuple[str, str, str]], permissions: str = ""
    ) -> None:
        super().__init__()
        self.title_text, self.text, self.bindings = title, text, bindings
        self.permissions = permissions  # the sign-in's doctor result, as Markdown

    def compose(self) -> ComposeResult:
        keys = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        keys.add_column(style="dim")
        for key, desc, binding_id in self.bindings:
            keys.add_row(key, desc, binding_id)
        with VerticalScroll():
            yield Markdown(f"# {self.title_text}\n\n{self.text.strip()}\n\n## Keys")
            yield Static(keys, id="keys")
            yield Markdown(EVERYWHERE)
            if self.permissions:
                yield Markdown(self.permissions, id="permissions")


def permissions_markdown(report) -> str:
    """The doctor's findings (checked at sign-in) as a Markdown table."""
    if report is None:
        return ""
    rows = "\n".join(f"| {f.feature} | {f.status} | {f.permission} |" for f in report.findings)
    head = (
        "All the features this client can reach are allowed."
        if report.ok
        else "Missing: "
        + ", ".join(f.feature for f in report.missing)
        + ". Ask an admin to grant them."
    )
    return (
        f"## Permissions (checked at sign-in; `genesys-tui doctor` for the details)\n\n{head}\n\n"
        f"| Feature | Status | Permission |\n|---|---|---|\n{rows}\n"
    )


def bindings_of(screen) -> list[tuple[str, str, str]]:
    """Every active binding of a screen (focused widget and app included), keys grouped per action,
    with its id (what `[ui.keys]` in the config remaps)."""
    groups: dict[tuple[str, str], list[str]] = {}
    ids: dict[tuple[str, str], str] = {}
    for key, active in screen.active_bindings.items():
        b = active.binding
        if not b.description:
            continue
        shown = screen.app.get_key_display(b) if key == b.key.split(",")[0] else key
        groups.setdefault((b.action, b.description), [])
        ids[(b.action, b.description)] = b.id or ""
        if shown not in groups[(b.action, b.description)]:
            groups[(b.action, b.description)].append(shown)
    return [(" ".join(keys), k[1], ids[k]) for k, keys in groups.items()]
