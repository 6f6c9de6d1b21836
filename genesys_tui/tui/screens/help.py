"""`?`: what this area is for and every key it answers to."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

EVERYWHERE = ("Everywhere: `1`-`4` switch areas, `ctrl+p` opens the command palette (areas, actions, themes), "
              "`?` or `F1` this help, `ctrl+q` quits (downloads resume next time). Select text with the mouse "
              "while holding Shift (Option on macOS).")


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 95%; height: 85%; border: thick $accent; background: $surface;
                                  padding: 0 1; }
    HelpScreen #keys { margin: 0 2 1 2; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, title: str, text: str, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text, self.text, self.bindings = title, text, bindings

    def compose(self) -> ComposeResult:
        keys = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for key, desc in self.bindings:
            keys.add_row(key, desc)
        with VerticalScroll():
            yield Markdown(f"# {self.title_text}\n\n{self.text.strip()}\n\n## Keys")
            yield Static(keys, id="keys")
            yield Markdown(EVERYWHERE)


def bindings_of(screen) -> list[tuple[str, str]]:
    """Every active binding of a screen (focused widget and app included), keys grouped per action."""
    groups: dict[tuple[str, str], list[str]] = {}
    for key, active in screen.active_bindings.items():
        b = active.binding
        if not b.description:
            continue
        shown = screen.app.get_key_display(b) if key == b.key.split(",")[0] else key
        groups.setdefault((b.action, b.description), [])
        if shown not in groups[(b.action, b.description)]:
            groups[(b.action, b.description)].append(shown)
    return [(" ".join(keys), desc) for (_, desc), keys in groups.items()]
