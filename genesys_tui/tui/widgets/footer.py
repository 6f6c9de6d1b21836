"""The footer every screen shows: its keys from the left, and Help docked at the right, so however
narrow the terminal, `?` is in sight (the keys that do not fit are cut, not that one)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

DOCKED = ("help", "app.help")  # kept in sight, at the right (docked widgets would overlap)


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
        for widget in docked:
            widget.add_class("-docked")
            yield widget
