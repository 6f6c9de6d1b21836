"""What the Queue screen says about a job: its row, the totals, and what to do about an error."""

from __future__ import annotations

from genesys_tui.flows.pull.model import (
    ALL_RECORDINGS,
    CANCELLED,
    DOWNLOADING,
    FAILED,
    RESOLVING,
    WAITING,
    Job,
    JobEvent,
    QueueTotals,
)
from genesys_tui.tui.screens.queue_text import advice, cells, detail_text, totals_line


def job(**kw) -> Job:
    return Job(1, "c" * 36, kw.pop("recording_id", "r" * 36), "mono", "/out", **kw)


def test_a_conversation_being_planned_says_where_it_stands():
    j = job(recording_id=ALL_RECORDINGS, state=RESOLVING)
    row = cells(j, None, "batch 1 of 2: waiting for Genesys (37 of 100 recordings ready)")
    assert row[2] == "all" and row[5] == "planning" and "37 of 100" in row[8]
    failed = job(recording_id=ALL_RECORDINGS, state=FAILED, last_error="could not be planned: x")
    assert cells(failed, None, None)[8].startswith("could not be planned")
    assert "check the ID" in (advice(failed) or "")


def test_a_download_shows_its_rate_and_time_left():
    j = job(state=DOWNLOADING)
    ev = JobEvent(1, DOWNLOADING, 500_000, 1_000_000, 250_000.0, 2.0)
    row = cells(j, ev, None)
    assert "50%" in row[5] and row[6].endswith("/s") and row[7]


def test_the_totals_count_planning_bytes_and_time_left():
    t = QueueTotals({"downloading": 2, "done": 3}, 5 << 20, 10 << 20, 1 << 20, 5.0, planning=4)
    line = totals_line(t, paused=False)
    assert "5 recordings" in line and "planning 4 conversations" in line
    assert "of 10" in line and "/s" in line and "ETA" in line


def test_every_failure_says_what_to_do():
    assert "restore" in advice(job(state=FAILED, last_error="the recording is archived; …")).lower()
    assert "downloads it again" in advice(job(state=FAILED, last_error="verification failed: x"))
    assert "r queues it again" in advice(job(state=CANCELLED))
    assert "next run" in advice(job(state=WAITING, last_error="archived: restoring"))
    assert "r tries it again" in advice(job(state=FAILED, last_error="something new"))
    text = detail_text(
        job(state=FAILED, last_error="verification failed: truncated"),
        [("2026-05-14T15:30:00.000Z", "queued", None), ("2026-05-14T15:30:02.000Z", "failed", "x")],
        None,
    )
    assert "15:30:00 queued → 15:30:02 failed (x)" in text and "What to do" in text


def test_every_row_style_of_the_queue_is_a_style_of_its_table():
    """A job in any state draws (a style the table does not know crashed the screen on a
    failed job)."""
    from types import SimpleNamespace

    from genesys_tui.flows.pull.model import STATES
    from genesys_tui.tui.screens.queue import QueueScreen
    from genesys_tui.tui.widgets.virtual_table import VirtualTable

    for state in STATES:
        fake = SimpleNamespace(jobs=[job(state=state)])
        style = QueueScreen.row_style(fake, 0)  # type: ignore[arg-type]
        for name in (style or "").split():
            assert f"virtual-table--{name}" in VirtualTable.COMPONENT_CLASSES, (state, name)
