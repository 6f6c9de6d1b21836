"""What Browse says: its help, and the quick ranges and sortable columns it offers."""

from __future__ import annotations

from genesys_tui.flows.browse.table import COLUMNS

RANGES = [
    ("last-hour", "Last hour"),
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("last-7-days", "Last 7 days"),
]
SORTABLE = [c.key for c in COLUMNS if c.sortable]
SAID = "said:"  # `/said:WORDS` searches the transcripts of the interval's calls

HELP = """
Browse conversations from the analytics details query. Pick an interval (quick ranges or a custom
`START/END`), narrow it with server-side filters (queue, agent, direction, media type, ANI/DNIS,
wrap-up code, recording), then type `/` to filter what is loaded by any text (agent, queue, number,
ID); `/said:WORDS` then Enter searches what was said in the calls of the interval (with the
filters) and lists each time it was said: Enter there opens Review at that moment. Pages arrive in
the background while you look. The detail pane shows the selected conversation's
participants and recordings.

`Enter` opens the selected conversation in Review (transcript, waveform, playback, QA metrics).
Mark calls with `space` (a ✓; marks stay through sort, filter and paging). Queue downloads with `d`
(the selected conversation) or `D` (the marked ones, or everything the list shows); they run in
the Queue area (`2`) and keep going while you browse.
"""
