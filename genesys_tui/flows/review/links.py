"""A call moment as text: `CONVERSATION_ID@MM:SS(.s)`, `ID@H:MM:SS`, `ID@SECONDS`, and on a call with
several recordings `ID@r2/MM:SS` (or `@recording2/…`): what `genesys-tui open` takes and `y` in
Review copies. The time is a position in the recording, as Review shows it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from genesys_tui.core.errors import UserError
from genesys_tui.core.ids import looks_like_uuid

_AT = re.compile(r"^(?:r(?:ecording)?(?P<rec>\d{1,3})/)?(?P<time>[\d:.]{1,16})$", re.IGNORECASE)
MAX_HOURS = 24 * 7  # no recording is longer; past it a moment is a typo


class MomentError(UserError):
    pass


@dataclass(frozen=True)
class Moment:
    conversation_id: str
    recording: int | None = None  # 1-based; None: the first
    ms: int = 0

    def text(self) -> str:
        s, tenth = divmod(self.ms // 100, 10)  # tenths kept: a phrase can start mid-second
        h, m, sec = s // 3600, s // 60 % 60, s % 60
        clock = f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"
        clock += f".{tenth}" if tenth else ""
        rec = f"r{self.recording}/" if self.recording else ""
        return f"{self.conversation_id}@{rec}{clock}"


def parse_moment(text: str) -> Moment:
    raw = text.strip()
    cid, _, at = raw.partition("@")
    cid = cid.strip()
    if not looks_like_uuid(cid):
        shown = (cid or raw)[:60]
        raise MomentError(f"{shown!r} is not a conversation ID (a UUID)")
    if not at:
        return Moment(cid)
    m = _AT.match(at.strip())
    if not m:
        shown = at if len(at) <= 40 else at[:40] + "…"
        raise MomentError(f"{shown!r} is not a moment: MM:SS, H:MM:SS, seconds, or r2/MM:SS")
    rec = int(m["rec"]) if m["rec"] else None
    if rec is not None and rec < 1:
        raise MomentError("recordings are counted from 1")
    parts = m["time"].split(":")
    try:
        if len(parts) > 3 or any(p == "" for p in parts):
            raise ValueError
        nums = [float(p) for p in parts]
    except ValueError:
        raise MomentError(f"{m['time']!r} is not a time: MM:SS, H:MM:SS or seconds") from None
    if any(n < 0 for n in nums) or any(n >= 60 for n in nums[1:]):
        raise MomentError(f"{m['time']!r} is not a time: minutes and seconds run to 59")
    seconds = 0.0
    for n in nums:
        seconds = seconds * 60 + n
    if seconds > MAX_HOURS * 3600:
        raise MomentError(f"{m['time']!r} is past any recording (more than {MAX_HOURS} hours)")
    return Moment(cid, rec, int(round(seconds * 1000)))
