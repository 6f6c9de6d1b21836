"""With the same seed, a conversation id always denotes the same call, whenever the org is built."""

from datetime import UTC, datetime, timedelta

import numpy as np

from genesys_tui.emulator.org import Org
from genesys_tui.emulator.settings import EmulatorSettings

BASE = datetime(2026, 5, 4, 10, 17, tzinfo=UTC)


def _calls(anchor: datetime) -> dict[str, tuple]:
    org = Org(EmulatorSettings(seed=7, conversations=120, anchor=anchor))
    out = {}
    for i, cid in enumerate(org.ids):
        d = org.detail(i)
        out[cid] = (
            int(org.queue[i]),
            int(org.agent[i]),
            int(org.talk_ms[i]),
            bool(org.live[i]),
            tuple(r.id for r in d.recordings),
            tuple(r.end - r.start for r in d.recordings),
            tuple(p.text for p in d.phrases[:5]),
            int(d.start),
        )
    return out


def test_same_seed_same_calls_whenever_built():
    a = _calls(BASE)
    for later in (timedelta(minutes=7), timedelta(hours=5), timedelta(days=1, hours=13)):
        b = _calls(BASE + later)
        assert a.keys() == b.keys()
        for cid, (*content_a, start_a) in a.items():
            *content_b, start_b = b[cid]
            assert content_a == content_b, cid
            if not content_a[3]:  # finished calls move by whole days (or not at all)
                assert (start_b - start_a) % 86_400_000 == 0


def test_positions_stay_in_time_order():
    org = Org(EmulatorSettings(seed=7, conversations=200, anchor=BASE))
    done = org.start[~org.live]
    assert np.all(np.diff(done) >= 0)
    assert np.all(org.end[~org.live] < int(BASE.timestamp() * 1000))


def test_now_pins_the_orgs_clock_from_the_command_line():
    import time

    from genesys_tui.cli.emulate import emulator_settings
    from genesys_tui.cli.parser import build_parser
    from genesys_tui.emulator.app import Emulator

    args = build_parser().parse_args(["emulator", "--now", "2026-05-14T15:30Z", "--seed", "3"])
    s = emulator_settings(args)
    assert s.anchor == datetime(2026, 5, 14, 15, 30, tzinfo=UTC) and s.pin_clock
    emu = Emulator(s)
    assert abs(emu.now_ms() - int(s.anchor.timestamp() * 1000)) < 5_000
    assert not emu.org.live.any() or int(emu.org.start[emu.org.live].max()) < emu.now_ms()
    free = Emulator(emulator_settings(build_parser().parse_args(["emulator"])))
    assert abs(free.now_ms() - time.time() * 1000) < 5_000
    demo = build_parser().parse_args(["demo", "--now", "2026-05-14T15:30:00+00:00"])
    assert demo.now == s.anchor
