"""The footer every screen shows: its keys from the left, and Help and Quit docked at the right,
so however narrow the terminal, `?` is in sight (the keys that do not fit are cut, not those)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

DOCKED = ("app.help", "app.quit")  # actions kept in sight, at the right


class AppFooter(Footer):
    DEFAULT_CSS = """
    AppFooter FooterKey.-docked { dock: right; }
    """

    def compose(self) -> ComposeResult:
        docked = []
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action in DOCKED:
                docked.append(widget)
                continue
            yield widget
        for widget in reversed(docked):  # docked right one after the other: Help, then Quit
            widget.add_class("-docked")
            yield widget
