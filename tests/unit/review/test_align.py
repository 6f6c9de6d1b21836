"""Alignment of wall-clock phrase times to positions in the recording file, across cut pauses."""

from __future__ import annotations

from genesys_tui.flows.review.align import RecordingTimeline, align
from tests.unit.review.builders import T0, recording, transcript

PAUSES = [("SecurePause", 20_000, 5000, True), ("Hold", 40_000, 3000, False)]


def timeline(**kw):
    return RecordingTimeline.from_recording(recording(60_000, PAUSES, **kw))


def test_the_timeline_reads_the_annotations():
    tl = timeline()
    assert tl.wall_ms == 60_000 and tl.media_ms == 55_000
    assert [(p.reason, p.wall_ms, p.media_ms, p.cut_ms) for p in tl.pauses] == [
        ("SecurePause", 20_000, 20_000, 5000),
        ("Hold", 40_000, 35_000, 0),
    ]


def test_positions_before_inside_and_after_a_cut_pause():
    tl = timeline()
    assert tl.to_media(T0 + 10_000) == 10_000
    assert tl.to_media(T0 + 22_000) == 20_000  # said during the secure pause: not in the file
    assert tl.to_media(T0 + 30_000) == 25_000
    assert tl.to_media(T0 + 41_000) == 36_000  # a kept hold shifts nothing more
    assert tl.to_media(T0 + 59_999) == 54_999


def test_file_positions_map_back_to_the_wall_clock():
    tl = timeline()
    for wall in (0, 10_000, 19_999, 25_000, 30_000, 41_000, 59_000):
        assert tl.to_wall(tl.to_media(T0 + wall)) == T0 + wall


def test_phrases_get_their_recording_and_place():
    t = transcript(
        [
            ("external", 5000, 1000, "before"),
            ("internal", 30_000, 1000, "after the pause"),
            ("internal", 70_000, 1000, "in the second recording"),
            ("external", 200_000, 500, "after both"),
        ]
    )
    first = timeline()
    second = RecordingTimeline.from_recording(recording(60_000, rid="r2", start_offset=65_000))
    align(t, [first, second])
    assert [(p.recording_id, p.media_ms) for p in t.phrases] == [
        ("r1", 5000),
        ("r1", 25_000),
        ("r2", 5000),
        (None, None),
    ]
