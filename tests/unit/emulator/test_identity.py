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
        out[cid] = (int(org.queue[i]), int(org.agent[i]), int(org.talk_ms[i]), bool(org.live[i]),
                    tuple(r.id for r in d.recordings), tuple(r.end - r.start for r in d.recordings),
                    tuple(p.text for p in d.phrases[:5]), int(d.start))
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
