"""The Review timeline: a time ruler, one waveform lane per party (customer, agent) in role colours,
and a row of phrase spans; hold and secure-pause regions marked; a playhead. Zoom from the whole
call down to a few seconds, pan, click to seek. Drawn with the line API from a cached set of lines
that is rebuilt only when the view changes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from genesys_tui.flows.review.listing import clock
from genesys_tui.flows.review.session import Audio
from genesys_tui.flows.review.waveform import columns_per_cell, envelope, render
from genesys_tui.tui.colours import THEME_DEFAULTS, THEME_DEFAULTS_LIGHT  # noqa: F401

# The theme variables the timeline paints with, and their defaults (GenesysApp declares them, so
# a theme can change each; app.tcss uses the same ones for the transcript).
ROLES = ("customer", "agent", "ivr", "system", "mixed")
MIN_SPAN_MS = 2000
TICKS_S = (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


@dataclass(frozen=True)
class Span:
    start_ms: int  # in the file
    duration_ms: int
    role: str
    phrase: int  # index into the transcript's phrases


class Timeline(Widget):
    DEFAULT_CSS = "Timeline { height: 10; background: $surface; }"
    GUTTER = 10

    class Seek(Message):
        def __init__(self, frame: int) -> None:
            super().__init__()
            self.frame = frame

    def _colour(self, name: str) -> str:
        """A colour of the app's theme (its own variables first, then our defaults)."""
        try:
            value = self.app.theme_variables.get(name)
        except Exception:  # noqa: BLE001 - not mounted in an app (a unit test): the defaults
            value = None
        return value or THEME_DEFAULTS[name]

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _: self.invalidate(), init=False)  # new colours

    def __init__(
        self,
        glyphs: str = "braille",
        *,
        customer_channel: int = 0,
        agent_channel: int = 1,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.glyphs = glyphs
        self.channels = {"customer": customer_channel, "agent": agent_channel}
        self.audio: Audio | None = None
        self.spans: list[Span] = []
        self.view_start = 0
        self.view_frames = 1
        self.playhead = 0
        self.selected: int | None = None
        self.gain: list[float] = []
        self.message = "No recording."
        self.dimmed: set[str] = set()  # lanes of speakers hidden in the transcript
        self.marks_ms: list[int] = []  # bookmarks in this recording, drawn ◆ on the ruler
        self.party_state: dict[str, str] = {}  # role -> on | solo | muted (what is heard)
        self.loop_in_ms: int | None = None
        self.loop_out_ms: int | None = None
        self._lines: list[Strip] | None = None

    # --- state ------------------------------------------------------------------------------------

    def set_marks(self, marks_ms: list[int]) -> None:
        if sorted(marks_ms) != self.marks_ms:
            self.marks_ms = sorted(marks_ms)
            self.invalidate()

    def set_listening(
        self, state: dict[str, str], loop_in_ms: int | None, loop_out_ms: int | None
    ) -> None:
        """Which parties are heard (solo, muted: said on their lanes, unheard lanes dimmed), and
        the A-B loop's marks on the ruler."""
        if (state, loop_in_ms, loop_out_ms) != (
            self.party_state,
            self.loop_in_ms,
            self.loop_out_ms,
        ):
            self.party_state = dict(state)
            self.loop_in_ms, self.loop_out_ms = loop_in_ms, loop_out_ms
            self.invalidate()

    def _heard(self, role: str) -> bool:
        solos = {r for r, s in self.party_state.items() if s == "solo"}
        return role in solos if solos else self.party_state.get(role) != "muted"

    def set_dimmed(self, roles: set[str]) -> None:
        """Dim the lanes of these speakers (hidden in the transcript, by the role toggles)."""
        if roles != self.dimmed:
            self.dimmed = set(roles)
            self._lines = None
            self.refresh()

    def set_audio(
        self, audio: Audio | None, spans: list[Span], message: str = "No recording."
    ) -> None:
        self.audio, self.spans, self.message = (
            audio,
            sorted(spans, key=lambda s: s.start_ms),
            message,
        )
        self.playhead = 0
        # Span bounds in frames, for drawing thousands of phrases with numpy.
        rate = audio.rate if audio else 8000
        self._starts = np.array([s.start_ms * rate // 1000 for s in self.spans], np.int64)
        ends = np.array([(s.start_ms + s.duration_ms) * rate // 1000 for s in self.spans], np.int64)
        self._reach = np.maximum.accumulate(ends) if len(ends) else ends  # furthest end so far
        self._phrase_pos = {s.phrase: k for k, s in enumerate(self.spans)}
        self.gain = []
        if audio is not None and audio.peaks is not None and audio.peaks.levels:
            # Each lane scaled to its own loudest moment: a quiet line still shows its speech.
            coarse = np.abs(audio.peaks.levels[-1].astype(np.int32)).max(axis=(1, 2)) / 32768.0
            self.gain = [0.95 / max(float(x), 0.02) for x in coarse]
        self.zoom_all()

    @property
    def frames(self) -> int:
        return self.audio.frames if self.audio and self.audio.peaks else 0

    @property
    def rate(self) -> int:
        return self.audio.rate if self.audio else 8000

    @property
    def span_ms(self) -> int:
        return self.view_frames * 1000 // max(1, self.rate)

    def lanes(self) -> list[tuple[str, str, int]]:
        """(label, role, channel) for each lane."""
        if not self.audio or not self.audio.peaks:
            return []
        if self.audio.channels >= 2:
            c, a = self.channels["customer"], self.channels["agent"]
            if max(c, a) < self.audio.channels:
                return [("Customer", "customer", c), ("Agent", "agent", a)]
        return [("Mixed", "mixed", 0)]

    def invalidate(self) -> None:
        self._lines = None
        self.refresh()

    def _clamp(self) -> None:
        total = max(1, self.frames)
        min_frames = max(1, MIN_SPAN_MS * self.rate // 1000)
        self.view_frames = max(min(self.view_frames, total), min(min_frames, total))
        self.view_start = max(0, min(self.view_start, total - self.view_frames))

    def zoom_all(self) -> None:
        self.view_start, self.view_frames = 0, max(1, self.frames)
        self.invalidate()

    def zoom(self, factor: float) -> None:
        """factor < 1 zooms in; the playhead keeps its place on screen (or the centre, if it is off)."""
        old = self.view_frames
        anchor = (
            self.playhead
            if self.view_start <= self.playhead < self.view_start + old
            else self.view_start + old // 2
        )
        rel = (anchor - self.view_start) / max(1, old)
        self.view_frames = max(1, int(old * factor))
        self.view_start = int(anchor - rel * self.view_frames)
        self._clamp()
        self.invalidate()

    def pan(self, fraction: float) -> None:
        self.view_start += int(self.view_frames * fraction)
        self._clamp()
        self.invalidate()

    def set_playhead(self, frame: int, follow: bool = True) -> None:
        frame = max(0, min(frame, max(0, self.frames - 1)))
        if frame == self.playhead:
            return
        self.playhead = frame
        if follow and not (self.view_start <= frame < self.view_start + self.view_frames):
            self.view_start = frame - self.view_frames // 10  # page along, a little context before
            self._clamp()
        self.invalidate()

    def select(self, phrase: int | None) -> None:
        if phrase != self.selected:
            self.selected = phrase
            self.invalidate()

    def frame_at_cell(self, x: int, cells: int) -> int:
        return self.view_start + int((x + 0.5) * self.view_frames / max(1, cells))

    # --- drawing ------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        if self._lines is None or len(self._lines) != self.size.height:
            self._lines = self.build(self.size.width, self.size.height)
        return self._lines[y] if y < len(self._lines) else Strip.blank(self.size.width)

    def on_resize(self) -> None:
        self._lines = None

    def build(self, width: int, height: int) -> list[Strip]:
        base = self.rich_style
        lanes = self.lanes()
        cells = width - self.GUTTER
        if not lanes or cells < 4 or height < 3:
            lines = [Strip.blank(width, base)] * height
            if height:
                mid = height // 2
                lines[mid] = Strip(
                    [Segment(f"  {self.message}".ljust(width)[:width], base + Style(dim=True))]
                )
            return lines
        a = self.audio
        assert a is not None and a.peaks is not None
        cpc = columns_per_cell(self.glyphs)
        env = envelope(
            a.peaks, a.path, self.view_start, self.view_start + self.view_frames, cells * cpc
        )
        lane_rows = max(1, (height - 2) // len(lanes))
        per_cell = self.view_frames / cells
        play_cell = int((self.playhead - self.view_start) / per_cell) if self.view_frames else -1
        held, cuts = self._pauses(cells, per_cell)
        lines = [self._ruler(width, cells, play_cell, base)]
        for label, role, channel in lanes:
            unheard = role != "mixed" and not self._heard(role)
            colour = Style(color=self._colour(f"role-{role}"), dim=role in self.dimmed or unheard)
            said = self.party_state.get(role, "on")
            said = "" if said == "on" else said
            ch = min(channel, env.shape[0] - 1)
            rows = render(
                env[ch] * (self.gain[ch] if ch < len(self.gain) else 1.0), lane_rows, self.glyphs
            )
            plain, shaded = base + colour, base + colour + Style(bgcolor=self._colour("hold"))
            cut, label_style = (
                base + Style(color=self._colour("cut"), bold=True),
                base + colour + Style(bold=True),
            )
            for k, text in enumerate(rows):
                gutter = label if k == 0 else f" {said}" if k == 1 else ""
                if k == 0 and said and len(rows) == 1:  # one row: the state in the label
                    gutter = f"{label[: self.GUTTER - 3]} {said[0].upper()}"
                gutter = gutter.ljust(self.GUTTER)
                styles = [plain] * cells
                chars = list(text.ljust(cells)[:cells])
                for c in held:
                    styles[c] = shaded
                for c in cuts:
                    chars[c], styles[c] = "┃", cut
                if 0 <= play_cell < cells:
                    styles[play_cell] = styles[play_cell] + Style(reverse=True)
                lines.append(_strip(gutter, label_style, chars, styles))
        lines.append(self._span_row(cells, per_cell, held, cuts, base))
        while len(lines) < height:
            lines.append(Strip.blank(width, base))
        return [line.crop_extend(0, width, base) for line in lines[:height]]

    def _pauses(self, cells: int, per_cell: float) -> tuple[set[int], set[int]]:
        held, cuts = set(), set()
        if not self.audio:
            return held, cuts
        rate = self.rate
        for p in self.audio.timeline.pauses:
            start = p.media_ms * rate // 1000
            kept = (p.duration_ms - p.cut_ms) * rate // 1000
            c0 = int((start - self.view_start) / per_cell)
            if p.cut_ms and not kept:
                if 0 <= c0 < cells:
                    cuts.add(c0)
                continue
            c1 = int((start + kept - self.view_start) / per_cell)
            held.update(range(max(0, c0), min(cells, c1 + 1)))
        return held, cuts

    def _ruler(self, width: int, cells: int, play_cell: int, base: Style) -> Strip:
        rate = max(1, self.rate)
        span_s = self.view_frames / rate
        step = next((t for t in TICKS_S if cells * t / max(span_s, 1e-9) >= 12), TICKS_S[-1])
        chars = [" "] * cells
        first = int(self.view_start / rate / step) * step
        t = first
        while t * rate < self.view_start + self.view_frames:
            c = int((t * rate - self.view_start) * cells / self.view_frames)
            if 0 <= c < cells:
                label = "|" + (clock(int(t * 1000)) if step >= 1 else f"{t:.1f}s")
                for k, ch in enumerate(label):
                    if c + k < cells:
                        chars[c + k] = ch
            t += step
        styles = [base + Style(dim=True)] * cells
        mark = base + Style(color=self._colour("bookmark"), bold=True)
        for ms in self.marks_ms:
            c = int((ms * rate // 1000 - self.view_start) * cells / max(1, self.view_frames))
            if 0 <= c < cells:
                chars[c], styles[c] = "◆", mark
        loop = base + Style(color=self._colour("bookmark"), bold=True)
        for ms, glyph in ((self.loop_in_ms, "["), (self.loop_out_ms, "]")):
            if ms is not None:
                c = int((ms * rate // 1000 - self.view_start) * cells / max(1, self.view_frames))
                if 0 <= c < cells:
                    chars[c], styles[c] = glyph, loop
        if 0 <= play_cell < cells:
            chars[play_cell], styles[play_cell] = "▼", base + Style(bold=True)
        zoom = f"{clock(self.span_ms)}" if self.span_ms >= 1000 else f"{self.span_ms} ms"
        return _strip(
            f"⟷ {zoom}".ljust(self.GUTTER)[: self.GUTTER], base + Style(dim=True), chars, styles
        )

    def _span_row(
        self, cells: int, per_cell: float, held: set[int], cuts: set[int], base: Style
    ) -> Strip:
        chars = [" "] * cells
        styles = [base] * cells
        if len(self._starts):
            # Each cell shows the latest phrase that starts before its end and still runs in it.
            edges = self.view_start + np.arange(cells + 1) * per_cell
            j = np.searchsorted(self._starts, edges[1:], side="left") - 1
            covered = (j >= 0) & (self._reach[np.maximum(j, 0)] > edges[:-1])
            role_style = {r: base + Style(color=self._colour(f"role-{r}")) for r in ROLES}
            for c in np.nonzero(covered)[0]:
                chars[c], styles[c] = "━", role_style.get(self.spans[j[c]].role, base)
            k = self._phrase_pos.get(self.selected) if self.selected is not None else None
            if k is not None:  # the selected phrase, at least one cell wide
                s = self.spans[k]
                a = int((self._starts[k] - self.view_start) / per_cell)
                b = int(
                    ((s.start_ms + s.duration_ms) * self.rate // 1000 - self.view_start) / per_cell
                )
                mark = role_style.get(s.role, base) + Style(reverse=True, bold=True)
                for c in range(max(0, a), min(cells, max(a + 1, b))):
                    chars[c], styles[c] = "━", mark
        dot = base + Style(color=self._colour("held"))
        for c in held:
            if chars[c] == " ":
                chars[c], styles[c] = "·", dot
        cut = base + Style(color=self._colour("cut"), bold=True)
        for c in cuts:
            chars[c], styles[c] = "✂", cut
        return _strip("Phrases".ljust(self.GUTTER), base + Style(dim=True), chars, styles)

    # --- mouse ------------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        cells = self.size.width - self.GUTTER
        if self.frames and event.x >= self.GUTTER:
            self.post_message(self.Seek(self.frame_at_cell(event.x - self.GUTTER, cells)))


def _strip(gutter: str, gutter_style: Style, chars: list[str], styles: list[Style]) -> Strip:
    """Characters with per-cell styles, merged into runs."""
    segs = [Segment(gutter, gutter_style)]
    run, style = [], None
    for ch, st in zip(chars, styles, strict=False):
        if st is not style and st != style:
            if run:
                segs.append(Segment("".join(run), style))
            run, style = [], st
        run.append(ch)
    if run:
        segs.append(Segment("".join(run), style))
    return Strip(segs)
