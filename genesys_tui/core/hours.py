"""Working hours like "Mon-Fri 08:00-18:00; Sat 09:00-13:00": parsed once, asked "is it open at
this moment?" in the configured time zone. A window that ends before it starts runs past midnight
("Mon-Fri 22:00-06:00": Monday 22:00 to Tuesday 06:00, and so on)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(r"^\s*([A-Za-z,\-\s]+?)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class HoursError(ValueError):
    pass


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    start: int  # minutes after midnight
    end: int  # may be <= start: the window runs past midnight


def _days(text: str) -> frozenset[int]:
    out: set[int] = set()
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        a, _, b = part.partition("-")
        a, b = a.strip()[:3], (b.strip()[:3] or a.strip()[:3])
        if a not in DAYS or b not in DAYS:
            raise HoursError(f"{part!r} is not a day or a range of days (Mon, Tue, ..., Sun)")
        i, j = DAYS.index(a), DAYS.index(b)
        out.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
    if not out:
        raise HoursError("no days given")
    return frozenset(out)


def parse_hours(text: str) -> list[Window]:
    """Empty text: no restriction (an empty list)."""
    windows = []
    for rule in filter(None, (r.strip() for r in (text or "").split(";"))):
        m = _RULE.match(rule)
        if not m:
            raise HoursError(f"{rule!r}: expected DAYS HH:MM-HH:MM, e.g. 'Mon-Fri 08:00-18:00'")
        h1, m1, h2, m2 = (int(x) for x in m.group(2, 3, 4, 5))
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise HoursError(f"{rule!r}: not a time of day")
        windows.append(Window(_days(m.group(1)), h1 * 60 + m1, h2 * 60 + m2))
    return windows


def is_open(windows: list[Window], when: datetime, tz: str = "UTC") -> bool:
    if not windows:
        return True
    local = when.astimezone(ZoneInfo(tz))
    minute = local.hour * 60 + local.minute
    day = local.weekday()
    yesterday = (local - timedelta(days=1)).weekday()
    for w in windows:
        if w.start < w.end:
            if day in w.days and w.start <= minute < w.end:
                return True
        else:  # past midnight: the evening of a listed day, or the early hours after one
            if (day in w.days and minute >= w.start) or (yesterday in w.days and minute < w.end):
                return True
    return False
