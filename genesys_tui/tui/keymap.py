"""The user's keymap (`[ui.keys]`: binding id = keys) checked against the ids the app has, so a
typo is reported rather than silently ignored."""

from __future__ import annotations

from textual.binding import Binding
from textual.dom import DOMNode


def binding_ids(*classes: type[DOMNode]) -> set[str]:
    """Every binding id declared by these classes and their bases."""
    ids: set[str] = set()
    for cls in classes:
        for klass in cls.__mro__:
            for b in vars(klass).get("BINDINGS", []):
                if isinstance(b, Binding) and b.id:
                    ids.add(b.id)
    return ids


def unknown_ids(keymap: dict[str, str], known: set[str]) -> list[str]:
    return sorted(k for k in keymap if k not in known)


def app_binding_ids() -> set[str]:
    """Every binding id of the app's own classes (screens, dialogs, widgets) loaded so far."""

    def subclasses(cls: type) -> list[type]:
        return [c for s in cls.__subclasses__() for c in (s, *subclasses(s))]

    ours = {c for c in subclasses(DOMNode) if c.__module__.startswith("genesys_tui.tui")}
    return binding_ids(*ours)
