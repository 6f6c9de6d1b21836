"""Text from outside (Genesys, a bucket, a file) made safe to show on a terminal or write to a
log: control characters (C0, DEL, C1: escape sequences that clear a screen, move the cursor or
retitle a window) and bidirectional overrides (text that reads differently than it is) become
a visible `?`. Tabs and newlines become spaces: one value, one line. JSON output is not cleaned:
it is exact, and its encoding escapes these characters already."""

from __future__ import annotations

import re

# C0 controls (tab and newline included: a value stays on its line), DEL, C1 controls, and the
# bidi embeddings, overrides, isolates and marks (Trojan Source, CVE-2021-42574).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(value: object) -> str:
    """`value` as text for a terminal: every unsafe character shown as `?`."""
    return _UNSAFE.sub(_mark, value if isinstance(value, str) else str(value))


def _mark(m: re.Match[str]) -> str:
    return " " if m.group() in "\t\n\r" else "?"


def clean_lines(text: str) -> str:
    """Several lines of outside text (a transcript): each line cleaned, the line breaks kept."""
    return "\n".join(clean(line) for line in text.split("\n"))
