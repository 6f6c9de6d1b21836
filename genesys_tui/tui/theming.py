"""The app's colours: the theme the user last picked (kept in ui.json in the data directory, over
the config's ui.theme), and [ui.colors] laid over it as a theme of its own."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from genesys_tui.core.files import UnsafePath, write_bytes

log = logging.getLogger("genesys_tui.tui")
OWN = "+colors"  # the suffix of a theme made from [ui.colors]: never remembered


def remembered(state: Path) -> str | None:
    try:
        data = json.loads(state.read_text()[:10_000])
    except (OSError, ValueError):
        return None
    theme = data.get("theme") if isinstance(data, dict) else None
    return theme if isinstance(theme, str) and not theme.endswith(OWN) else None


def remember(state: Path, theme: str) -> None:
    if theme.endswith(OWN):
        return
    try:
        state.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(state, json.dumps({"theme": theme}).encode())
    except (OSError, UnsafePath) as e:
        log.warning("could not remember the theme: %s", e)


def with_colors(base: Theme, colors: dict[str, str]) -> tuple[Theme, list[str]]:
    """`base` with the valid colours on top; and the entries that are not colours."""
    good, bad = {}, []
    for name, value in colors.items():
        try:
            Color.parse(value)
            good[name] = value
        except ColorParseError:
            bad.append(f"{name} = {value!r}")
    return replace(base, name=base.name + OWN, variables={**base.variables, **good}), bad
