"""The emulator's fault specs: kinds, rates, and faults limited to one route."""

from __future__ import annotations

import pytest

from genesys_tui.emulator.faults import Faults, FaultSpecError, parse_faults


def test_specs_parse_with_and_without_a_route():
    assert parse_faults(" 429=0.1, lost@barge=1 ,500@Monitor=0.5") == {
        "429": 0.1,
        "lost@barge": 1.0,
        "500@monitor": 0.5,
    }
    assert parse_faults("") == {}


@pytest.mark.parametrize(
    "spec, words",
    [
        ("429", "expected KIND=RATE"),
        ("nope=1", "unknown fault 'nope'"),
        ("500@=1", "a route name is needed"),
        ("500=2", "between 0 and 1"),
        ("500=x", "is not a number"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec, words):
    with pytest.raises(FaultSpecError, match=words):
        parse_faults(spec)


def test_a_route_fault_hits_only_its_route_and_overrides_the_global_rate():
    f = Faults("500@barge=1,500=0")
    assert all(f.api_fault("barge") == "500" for _ in range(20))
    assert not any(f.api_fault("monitor") for _ in range(20))
    assert f.api_fault() is None
    f.set("lost=1,lost@coach=0")
    assert f.roll("lost", "barge") and not f.roll("lost", "coach")
    assert f.injected["500"] == 20 and f.spec() == "lost=1,lost@coach=0"
