"""CSV cells that a spreadsheet cannot run: text from outside (a bucket's folder name, a
caller's name) that starts with = + - @, a tab or a carriage return is read by Excel, LibreOffice
and Sheets as a formula (`=HYPERLINK(…)`, DDE). Such a cell gets a leading apostrophe, as OWASP's
CSV injection advice says; numbers stay numbers. JSON lines stay exact."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: object) -> object:
    """A value for a CSV cell: text that a spreadsheet would take for a formula, defused."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
