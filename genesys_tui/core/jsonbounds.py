"""Check a JSON document's shape before a streaming parser builds anything from it: nesting depth,
string lengths and size. A streaming parser's memory grows with the square of the nesting depth
(every event carries its whole path), so a 200 KB document nested 100,000 deep can take gigabytes;
this pass costs a few milliseconds per megabyte and keeps no more than one block in memory.

The scan works on bytes, vectorised: a quote is a string delimiter unless an odd number of
backslashes precedes it; brackets count only outside strings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genesys_tui.core.fmt import size

BLOCK = 1 << 16  # small blocks keep the scan's own arrays under a few MB


_DELTA = np.zeros(256, np.int8)
_DELTA[[0x7B, 0x5B]] = 1  # { [
_DELTA[[0x7D, 0x5D]] = -1  # } ]


class JsonBoundsError(ValueError):
    """The document is past a bound; the message is one line for the user."""


@dataclass(frozen=True)
class Bounds:
    max_depth: int = 64
    max_string: int = 1 << 20  # bytes in one string (a phrase's text, an id)
    max_bytes: int = 4 << 30


def check_file(path: str | Path, bounds: Bounds = Bounds()) -> None:
    """Raise JsonBoundsError if the document nests deeper, or holds a longer string, than allowed.
    Syntax is left to the parser; this only guarantees that parsing stays bounded."""
    depth = 0
    in_string = False
    string_start = 0  # absolute offset where the open string began
    backslashes = 0  # the run of backslashes that ended the previous block
    pos = 0
    with open(path, "rb") as f:
        while block := f.read(BLOCK):
            if pos + len(block) > bounds.max_bytes:
                raise JsonBoundsError(f"the document is larger than {size(bounds.max_bytes)}")
            b = np.frombuffer(block, np.uint8)
            n = b.size
            bs = b == 0x5C
            quotes = np.flatnonzero(b == 0x22)
            if bs.any():
                # For each position, how many backslashes run up to and including it.
                idx = np.arange(n, dtype=np.int32)
                last_other = np.maximum.accumulate(np.where(bs, -1, idx))
                run = idx - last_other  # 0 where the byte is not a backslash
                run = np.where(
                    last_other == -1, run + backslashes, run
                )  # a run carried from before
                if quotes.size:
                    before = np.where(quotes > 0, run[quotes - 1], backslashes)
                    quotes = quotes[before % 2 == 0]
                backslashes = int(run[-1])
            else:
                if quotes.size and quotes[0] == 0 and backslashes % 2:
                    quotes = quotes[1:]  # escaped by the run that ended the previous block
                backslashes = 0
            # Brackets count only outside strings: an even number of delimiters before them.
            d = _DELTA[b]
            br = np.flatnonzero(d)
            if br.size:
                inside = (np.searchsorted(quotes, br) + int(in_string)) % 2 == 1
                steps = d[br][~inside]
                if steps.size:
                    levels = np.cumsum(steps, dtype=np.int32) + depth
                    if int(levels.max()) > bounds.max_depth:
                        raise JsonBoundsError(
                            f"the document nests deeper than {bounds.max_depth} levels"
                        )
                    depth = int(levels[-1])
            # String lengths: from each opening quote to its closing one.
            q = quotes + pos
            if in_string and q.size:
                if q[0] - string_start > bounds.max_string:
                    raise JsonBoundsError(f"a string is longer than {size(bounds.max_string)}")
                q = q[1:]
                in_string = False
            if q.size >= 2:
                lengths = q[1::2][: q.size // 2] - q[0::2][: q.size // 2]
                if lengths.size and int(lengths.max()) > bounds.max_string:
                    raise JsonBoundsError(f"a string is longer than {size(bounds.max_string)}")
            if q.size % 2:
                in_string, string_start = True, int(q[-1])
            if in_string and pos + n - string_start > bounds.max_string:
                raise JsonBoundsError(f"a string is longer than {size(bounds.max_string)}")
            pos += n
