"""Working hours: days, ranges, several windows, windows past midnight, and clear errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from genesys_tui.core.hours import HoursError, is_open, parse_hours


def at(day: int, hour: int, minute: int = 0) -> datetime:  # 2026-05-11 is a Monday
    return datetime(2026, 5, 11 + day, hour, minute, tzinfo=UTC)


def test_weekdays_office_hours():
    w = parse_hours("Mon-Fri 08:00-18:00")
    assert is_open(w, at(0, 8)) and is_open(w, at(4, 17, 59))
    assert not is_open(w, at(0, 18)) and not is_open(w, at(5, 12))


def test_several_windows_and_day_lists():
    w = parse_hours("Mon,Wed 09:00-12:00; Sat 10:00-14:00")
    assert is_open(w, at(2, 11)) and is_open(w, at(5, 13))
    assert not is_open(w, at(1, 11)) and not is_open(w, at(0, 13))


def test_a_window_past_midnight_belongs_to_its_evening():
    w = parse_hours("Fri 22:00-06:00")
    assert is_open(w, at(4, 23)) and is_open(w, at(5, 5, 59))
    assert not is_open(w, at(4, 5)) and not is_open(w, at(5, 22))


def test_time_zones_and_no_limit():
    assert is_open(parse_hours("Mon 09:00-10:00"), at(0, 8, 30), "Europe/London")  # 09:30 BST
    assert is_open(parse_hours(""), at(6, 3))


@pytest.mark.parametrize("bad", ["weekdays 9-5", "Mon 25:00-26:00", "Xyz 09:00-10:00", "Mon 09:00"])
def test_mistakes_are_errors(bad):
    with pytest.raises(HoursError):
        parse_hours(bad)
