"""Intervals as people type them: START/END in ISO 8601, a single day, or a quick range. UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from genesys_tui.core.errors import UserError

QUICK_RANGES = ("last-hour", "last-24h", "today", "yesterday", "last-7-days", "last-30-days")


class IntervalError(UserError, ValueError):
    pass


def _point(text: str) -> datetime:
    t = text.strip()
    try:
        if len(t) == 10:
            return datetime.combine(date.fromisoformat(t), datetime.min.time(), UTC)
        dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise IntervalError(
            f"{text!r} is not an ISO 8601 date or date-time (e.g. 2026-05-01T09:00Z)"
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def parse_instant(text: str) -> datetime:
    """One point in time in ISO 8601 (UTC unless it says otherwise)."""
    return _point(text)


def quick_range(name: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    ranges = {
        "last-hour": (now - timedelta(hours=1), now),
        "last-24h": (now - timedelta(hours=24), now),
        "today": (midnight, now),
        "yesterday": (midnight - timedelta(days=1), midnight),
        "last-7-days": (now - timedelta(days=7), now),
        "last-30-days": (now - timedelta(days=30), now),
    }
    if name not in ranges:
        raise IntervalError(f"unknown range {name!r}; one of {', '.join(QUICK_RANGES)}")
    return ranges[name]


def parse_interval(text: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """'START/END', 'YYYY-MM-DD' (that whole day) or a quick range name. IntervalError says what
    would be taken, the quick ranges by name."""
    try:
        return _interval(text, now)
    except IntervalError as e:
        if "quick range" in str(e) and "one of" in str(e):
            raise
        raise IntervalError(
            f"{e}; an interval is START/END, a day (YYYY-MM-DD) or one of {', '.join(QUICK_RANGES)}"
        ) from None


def _interval(text: str, now: datetime | None) -> tuple[datetime, datetime]:
    t = (text or "").strip()
    if t in QUICK_RANGES:
        return quick_range(t, now)
    if "/" in t:
        a, _, b = t.partition("/")
        start, end = _point(a), _point(b)
        if len(b.strip()) == 10:
            end += timedelta(days=1)  # a date as the end means "through that day"
    else:
        start = _point(t)
        if len(t) != 10:
            raise IntervalError(f"{t!r} is not an interval")
        end = start + timedelta(days=1)
    if end <= start:
        raise IntervalError(f"the interval {text!r} ends before it starts")
    return start, end
