"""Cut the items of one big JSON array out of a document, in a single bounded pass that also
checks the document's bounds (depth, string length, size: see jsonbounds).

A transcript is a few small keys around one huge array of phrases. Building each phrase with a
streaming parser costs a Python event per value; cutting each phrase's bytes out and decoding them
with a compiled decoder costs one call per phrase. The scan that finds where each item starts and
ends is the same vectorised scan that checks the bounds, so the bounds cost nothing extra.

What is cut out is replaced by `null` in the rest of the document (the skeleton), which the caller
parses with a streaming parser: the skeleton checks the syntax between items and carries
everything else. An array the scan cannot recognise (its key written with escapes, or behind a
long run of whitespace) is left in the skeleton whole, so it is still parsed, only slower."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from genesys_tui.core.fmt import size
from genesys_tui.core.jsonbounds import Bounds, JsonBoundsError, brackets, check_strings, delimiters

BLOCK = 1 << 18  # a read: the scan's own arrays stay under a few MB
MAX_ITEM = 64 << 20  # one item's bytes; real phrases are about a kilobyte
_LOOKBACK = 4096  # bytes searched back from an array's `[` for its key

SKELETON, ITEM = 0, 1
PLACEHOLDER = b"null"


def split(path: str | Path, keys: tuple[bytes, ...], bounds: Bounds) -> Iterator[tuple[int, bytes]]:
    """(ITEM, bytes) for each item, and (SKELETON, bytes) for the rest of each block, after the
    block's items: each kind is in document order. Items are the members of the
    arrays at `keys`, a path like ijson's "transcripts.item.phrases.item": keys=(b"transcripts",
    b"phrases"). Raises JsonBoundsError past a bound; syntax is left to the decoders."""
    keyed = {
        2 * (i + 1): re.compile(rb'"' + re.escape(k) + rb'"\s*:\s*$') for i, k in enumerate(keys)
    }
    level = 2 * len(keys)  # the level of the innermost array; the document's own `{` is level 1
    on_path = dict.fromkeys(keyed, False)  # whether each array on the path is open
    depth = 0
    in_string = False
    string_start = 0  # absolute offset where the open string began
    backslashes = 0  # the run of backslashes that ended the previous block
    pos = 0
    item: list[bytes] | None = None  # the open item's bytes from earlier blocks
    item_len = 0
    tail = b""  # the previous block's end, for a key cut by the block boundary
    skeleton: list[bytes] = []
    with open(path, "rb") as f:
        while block := f.read(BLOCK):
            n = len(block)
            if pos + n > bounds.max_bytes:
                raise JsonBoundsError(f"the document is larger than {size(bounds.max_bytes)}")
            b = np.frombuffer(block, np.uint8)
            quotes, backslashes = delimiters(b, backslashes)
            br, steps = brackets(b)
            events = ()
            if br.size:
                outside = (np.searchsorted(quotes, br) + int(in_string)) % 2 == 0
                br, steps = br[outside], steps[outside]
                if steps.size:
                    levels = np.cumsum(steps, dtype=np.int32) + depth
                    if int(levels.max()) > bounds.max_depth:
                        raise JsonBoundsError(
                            f"the document nests deeper than {bounds.max_depth} levels"
                        )
                    depth = int(levels[-1])
                    # The level of the container each bracket opens or closes.
                    at = levels + (steps < 0)
                    pick = np.isin(at, (*keyed, level + 1))
                    events = zip(
                        br[pick].tolist(), steps[pick].tolist(), at[pick].tolist(), strict=True
                    )
            in_string, string_start = check_strings(
                quotes + pos, pos + n, in_string, string_start, bounds
            )
            cut = 0  # the block's bytes before `cut` are handed out
            for p, step, at in events:
                if at in keyed:  # a container on the path's levels opens or closes
                    on_path[at] = (
                        step > 0
                        and block[p] == 0x5B
                        and (at == 2 or on_path[at - 2])
                        and _keyed(keyed[at], tail, block, p)
                    )
                    if at == level and item is not None:
                        item, item_len = None, 0  # cannot happen in valid JSON: the decoder says so
                elif not on_path[level]:
                    continue
                elif step > 0:  # an item opens
                    skeleton.append(block[cut:p])
                    skeleton.append(PLACEHOLDER)
                    item, item_len, cut = [], 0, p
                elif item is not None:  # and closes
                    if item_len + p + 1 - cut > MAX_ITEM:
                        raise JsonBoundsError(f"an item is larger than {size(MAX_ITEM)}")
                    item.append(block[cut : p + 1])
                    yield ITEM, b"".join(item)
                    item, item_len, cut = None, 0, p + 1
            if item is not None:
                item_len += n - cut
                if item_len > MAX_ITEM:
                    raise JsonBoundsError(f"an item is larger than {size(MAX_ITEM)}")
                item.append(block[cut:])
            else:
                skeleton.append(block[cut:])
            if skeleton:  # the block's skeleton in one piece: its parser is called per piece
                yield SKELETON, b"".join(skeleton)
                skeleton.clear()
            tail = (tail + block)[-_LOOKBACK:] if n < _LOOKBACK else block[-_LOOKBACK:]
            pos += n


def _keyed(key_re: re.Pattern, tail: bytes, block: bytes, p: int) -> bool:
    before = block[max(0, p - _LOOKBACK) : p]
    if p < _LOOKBACK:
        before = (tail + before)[-_LOOKBACK:]
    return key_re.search(before) is not None
