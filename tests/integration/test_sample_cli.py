"""`genesys-tui sample` against the emulator over real HTTP: N calls per agent (or queue),
recorded and transcribed unless --any, the same calls for the same seed, others for another, and
kept as the org's sample."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

from genesys_tui.cli.main import main
from tests.conftest import ANCHOR

SPAN = f"{(ANCHOR - timedelta(days=8)).date()}/{(ANCHOR - timedelta(days=1)).date()}"


def drawn(capsys, *extra) -> list[dict]:
    assert main(["sample", "2", "--interval", SPAN, "--json", *extra]) == 0
    return [json.loads(x) for x in capsys.readouterr().out.splitlines()]


def test_a_sample_is_reproducible_recorded_transcribed_and_kept(demo_env, capsys, isolated_home):
    srv = demo_env
    org = srv.emulator.org
    base = ["--base-url", srv.base_url]
    first = drawn(capsys, *base, "--seed", "7")
    assert first and drawn(capsys, *base, "--seed", "7") == first  # the same calls, in order
    assert [r["conversationId"] for r in drawn(capsys, *base, "--seed", "8")] != [
        r["conversationId"] for r in first
    ]
    per = Counter(r["group"] for r in first)
    assert max(per.values()) <= 2 and len(per) > 3  # two per agent, many agents
    for r in first:
        i = org.find(r["conversationId"])
        assert org.recorded[i] and org.transcribed[i] and not org.live[i]
        assert org.agents[int(org.agent[i])].id == r["group"]  # the agent who answered
        assert r["groupName"] == org.agents[int(org.agent[i])].name
    by_queue = drawn(capsys, *base, "--seed", "7", "--per", "queue", "--any")
    assert {r["per"] for r in by_queue} == {"queue"}
    assert max(Counter(r["group"] for r in by_queue).values()) <= 2
    # kept for Review's ] and [: the last one drawn
    from pathlib import Path

    kept = list(Path(isolated_home["XDG_DATA_HOME"]).rglob("sample.json"))
    assert len(kept) == 1
    doc = json.loads(kept[0].read_text())
    assert [p["conversation_id"] for p in doc["picked"]] == [r["conversationId"] for r in by_queue]
    assert main(["sample", "0", "--interval", SPAN, *base]) == 2
