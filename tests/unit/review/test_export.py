"""Transcript exports: cue times relative to the recording (as aligned), role filters, escaping."""

from __future__ import annotations

import json

from genesys_tui.flows.review.align import RecordingTimeline, align
from genesys_tui.flows.review.export import render
from tests.unit.review.builders import recording, transcript


def aligned():
    t = transcript(
        [("external", 5000, 1500, "I <need> help & fast"), ("internal", 30_000, 2000, "done")]
    )
    align(
        t,
        [
            RecordingTimeline.from_recording(
                recording(60_000, [("SecurePause", 20_000, 5000, True)])
            )
        ],
    )
    return t


def test_vtt_cues_follow_the_file_not_the_wall_clock():
    vtt = render(aligned(), "vtt")
    assert vtt.startswith("WEBVTT\n")
    assert "00:00:05.000 --> 00:00:06.500\n<v Customer>I &lt;need&gt; help &amp; fast" in vtt
    assert (
        "00:00:25.000 --> 00:00:27.000\n<v Agent>done" in vtt
    )  # 30 s on the clock, 25 s in the file


def test_srt_uses_commas_and_numbers_cues():
    srt = render(aligned(), "srt")
    assert srt.splitlines()[:3] == [
        "1",
        "00:00:05,000 --> 00:00:06,500",
        "Customer: I <need> help & fast",
    ]


def test_role_filter_and_txt():
    txt = render(aligned(), "txt", roles=["agent"])
    assert txt.splitlines()[1:] == ["[00:00:25] Agent: done"]


def test_json_is_normalized():
    doc = json.loads(render(aligned(), "json"))
    p = doc["phrases"][1]
    assert (p["role"], p["recordingId"], p["recordingOffsetMs"], p["durationMs"]) == (
        "agent",
        "r1",
        25_000,
        2000,
    )
    assert p["start"].endswith("Z")
