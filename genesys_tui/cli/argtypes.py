"""Argument types: bad input is refused by the parser (exit 2, with the reason) before anything
is read or sent."""

from __future__ import annotations

import argparse

from genesys_tui.core.ids import InvalidId, uuid_id


def conversation_id(text: str) -> str:
    """A conversation ID: a UUID, trimmed (" ID " pasted from a spreadsheet is the ID)."""
    try:
        return uuid_id(text)
    except InvalidId as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def job_id(text: str) -> str:
    try:
        return uuid_id(text, "job ID")
    except InvalidId as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n
