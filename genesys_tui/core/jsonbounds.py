"""Bounds on a JSON document's shape, checked before a parser builds anything from it: nesting
depth, string lengths and size. A streaming parser's memory grows with the square of the nesting
depth (every event carries its whole path), so a 200 KB document nested 100,000 deep can take
gigabytes. The checks run in jsonsplit's scan, on bytes, a block at a time, vectorised: a quote
is a string delimiter unless an odd number of backslashes precedes it; brackets count only
outside strings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genesys_tui.core.fmt import size

DELTA = np.zeros(256, np.int8)
DELTA[[0x7B, 0x5B]] = 1  # { [
DELTA[[0x7D, 0x5D]] = -1  # } ]


class JsonBoundsError(ValueError):
    """The document is past a bound; the message is one line for the user."""


@dataclass(frozen=True)
class Bounds:
    max_depth: int = 64
    max_string: int = 1 << 20  # bytes in one string (a phrase's text, an id)
    max_bytes: int = 4 << 30


def brackets(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the brackets in a block, and +1 for each opening one, -1 for each closing."""
    folded = b | 0x20  # [ and ] fold onto { and }
    at = np.flatnonzero((folded == 0x7B) | (folded == 0x7D))
    return at, DELTA[b[at]]


def delimiters(b: np.ndarray, backslashes: int) -> tuple[np.ndarray, int]:
    """Positions of the quotes that delimit strings (not escaped), and the run of backslashes
    that ends the block."""
    quotes = np.flatnonzero(b == 0x22)
    bs = b == 0x5C
    if not bs.any():
        if quotes.size and quotes[0] == 0 and backslashes % 2:
            quotes = quotes[1:]  # escaped by the run that ended the previous block
        return quotes, 0
    # For each position, how many backslashes run up to and including it.
    idx = np.arange(b.size, dtype=np.int32)
    last_other = np.maximum.accumulate(np.where(bs, -1, idx))
    run = idx - last_other  # 0 where the byte is not a backslash
    run = np.where(last_other == -1, run + backslashes, run)  # a run carried from before
    if quotes.size:
        before = np.where(quotes > 0, run[quotes - 1], backslashes)
        quotes = quotes[before % 2 == 0]
    return quotes, int(run[-1])


def check_strings(
    q: np.ndarray, end: int, in_string: bool, string_start: int, bounds: Bounds
) -> tuple[bool, int]:
    """String lengths, from each opening quote (absolute offsets in `q`) to its closing one."""
    too_long = JsonBoundsError(f"a string is longer than {size(bounds.max_string)}")
    if in_string and q.size:
        if q[0] - string_start > bounds.max_string:
            raise too_long
        q = q[1:]
        in_string = False
    pairs = q.size // 2
    if pairs and int((q[1 : 2 * pairs : 2] - q[0 : 2 * pairs : 2]).max()) > bounds.max_string:
        raise too_long
    if q.size % 2:
        in_string, string_start = True, int(q[-1])
    if in_string and end - string_start > bounds.max_string:
        raise too_long
    return in_string, string_start
