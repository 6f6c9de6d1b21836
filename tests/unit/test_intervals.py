from datetime import UTC, datetime

import pytest

from genesys_tui.core.intervals import IntervalError, parse_interval

NOW = datetime(2026, 5, 14, 15, 30, tzinfo=UTC)


def test_start_end():
    a, b = parse_interval("2026-05-01T09:00Z/2026-05-01T12:30:00+02:00")
    assert a == datetime(2026, 5, 1, 9, tzinfo=UTC) and b == datetime(
        2026, 5, 1, 10, 30, tzinfo=UTC
    )


def test_date_is_whole_day_and_date_end_is_inclusive():
    assert parse_interval("2026-05-01") == (
        datetime(2026, 5, 1, tzinfo=UTC),
        datetime(2026, 5, 2, tzinfo=UTC),
    )
    assert parse_interval("2026-05-01/2026-05-03")[1] == datetime(2026, 5, 4, tzinfo=UTC)


def test_quick_ranges():
    assert parse_interval("today", NOW) == (datetime(2026, 5, 14, tzinfo=UTC), NOW)
    assert parse_interval("yesterday", NOW) == (
        datetime(2026, 5, 13, tzinfo=UTC),
        datetime(2026, 5, 14, tzinfo=UTC),
    )
    a, b = parse_interval("last-hour", NOW)
    assert (b - a).total_seconds() == 3600


@pytest.mark.parametrize(
    "bad", ["", "tomorrow", "2026-13-01", "2026-05-02/2026-05-01T00:00Z", "2026-05-01T10:00"]
)
def test_bad_intervals(bad):
    with pytest.raises(IntervalError):
        parse_interval(bad, NOW)
