"""How Review fits the terminal: what keeps its place however small the screen is."""

from __future__ import annotations

MIN_ROWS = 8  # transcript rows kept on any screen: the waveform shrinks first
TRANSCRIPT_MIN = 60  # columns the transcript keeps beside a side panel
METRICS_W, FORM_W = 40, 58  # the side panels' widths (app.tcss)
MAX_TIMELINE, MIN_TIMELINE = 12, 5  # the waveform's rows: ruler, two lanes, phrases
ROOMY = 32  # rows from which the spacing (a blank line, a taller phrase pane) is kept


def timeline_rows(height: int, search_shown: bool) -> int:
    fixed = 7 + (2 if height >= ROOMY else 0) + (3 if search_shown else 0)
    rows = max(MIN_TIMELINE, min(MAX_TIMELINE, height - fixed - MIN_ROWS))
    return rows - (rows - 2) % 2  # two lanes share what the ruler and phrases leave: no spare row


def form_beside(width: int) -> bool:
    return width - FORM_W >= TRANSCRIPT_MIN


def metrics_beside(width: int, form_shown_beside: bool) -> bool:
    return width - (FORM_W if form_shown_beside else 0) - METRICS_W >= TRANSCRIPT_MIN
