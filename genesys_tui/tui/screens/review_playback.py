"""Review's playback: here through the sound device (the playhead and the transcript follow the
audio, phrase by phrase, at a chosen speed) or in a browser (a loopback server with a token). A
mixin of ReviewScreen: it reads the screen's review, listing, timeline and transcript."""

from __future__ import annotations

from typing import TYPE_CHECKING

from genesys_tui.flows.review.listening import Listening, skippable_ms
from genesys_tui.flows.review.service import load_player, open_in_browser
from genesys_tui.media import playback
from genesys_tui.tui.widgets.timeline import Timeline
from genesys_tui.tui.widgets.transcript_table import TranscriptTable
from genesys_tui.web.session import register_player, web_session

if TYPE_CHECKING:
    from genesys_tui.flows.review.listing import PhraseList
    from genesys_tui.flows.review.session import Audio, Review
    from genesys_tui.tui.app import GenesysApp

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


class PlaybackControls:
    if TYPE_CHECKING:  # what the screen provides
        gapp: GenesysApp
        review: Review | None
        listing: PhraseList
        recording: int

        def audio(self) -> Audio | None: ...
        def update_title(self) -> None: ...
        def update_bar(self) -> None: ...
        def query_one(self, selector, expect_type=None): ...
        def set_interval(self, interval, callback): ...

    player: playback.Player | None = None
    listening: Listening
    player_recording: int | None = None
    speed: float = 1.0
    now_row: int | None = None
    _ticker = None

    async def release(self) -> None:
        """The app is shutting down: the sound stops."""
        if self.player is not None:
            self.player.stop()

    def ensure_player(self) -> bool:
        a = self.audio()
        if a is None:
            self.gapp.notify("No recording to play.", severity="warning")
            return False
        if self.gapp.is_web and web_session() is not None:  # the sound is the browser's
            self.play_in_browser()
            return False
        if self.player is None:
            backend = getattr(self.gapp, "player_backend", None)
            if backend is None:
                status = playback.available()
                if not status.ok:
                    self.gapp.notify(
                        f"No audio here: {status.reason}. Press b to play it in a browser.",
                        title="Playback",
                        severity="warning",
                        timeout=8,
                    )
                    return False
            self.player = playback.Player(backend)
            self.player.on_end = lambda: self.gapp.call_from_thread(self.playback_ended)
        if self.player_recording != self.recording:
            load_player(self.player, a)
            self.player_recording = self.recording
            self.apply_listening()
        return True

    def apply_listening(self) -> None:
        """The reviewer's choices (solo/mute, skipping, the loop) into the player, and shown."""
        a, player = self.audio(), self.player
        if a is not None and player is not None and self.player_recording == self.recording:
            t = self.review.transcript if self.review else None
            media = self.gapp.config.media
            channels = {"customer": media.customer_channel, "agent": media.agent_channel}
            player.set_mix(*self.listening.mix(a, t, channels))
            skips = skippable_ms(a, t) if self.listening.skip else []
            player.set_skips([(x * a.rate // 1000, y * a.rate // 1000) for x, y in skips])
            player.set_loop(*self.listening.loop_frames(a.rate))
        tl = self.query_one(Timeline)
        tl.set_listening(
            self.listening.state, self.listening.loop_in_ms, self.listening.loop_out_ms
        )
        self.update_title()

    def action_party(self, party: str) -> None:
        """A/C/I: that party on, alone (solo) or muted."""
        now = self.listening.cycle(party)
        a = self.audio()
        if a is not None and a.channels < 2 and party != "ivr":
            self.gapp.notify("A mono recording: the parties cannot be heard apart.", timeout=4)
        self.gapp.notify(f"{party.capitalize()}: {now}", timeout=2)
        self.apply_listening()

    def action_skip(self) -> None:
        """z: skip silences and holds while playing (or not)."""
        self.listening.skip = not self.listening.skip
        a = self.audio()
        found = len(skippable_ms(a, self.review.transcript if self.review else None)) if a else 0
        said = (
            f"skipping silences and holds ({found} here)"
            if self.listening.skip
            else "every second played"
        )
        self.gapp.notify(said.capitalize(), timeout=3)
        self.apply_listening()

    def action_loop_in(self) -> None:
        """(: the loop starts at the playhead."""
        tl = self.query_one(Timeline)
        self.listening.loop_in_ms = tl.playhead * 1000 // tl.rate if tl.frames else 0
        out = self.listening.loop_out_ms
        if out is not None and out <= self.listening.loop_in_ms:
            self.listening.loop_out_ms = None
        self.gapp.notify("Loop from here: ) marks where it ends.", timeout=3)
        self.apply_listening()

    def action_loop_out(self) -> None:
        """): the loop ends at the playhead, and plays from its start over and over."""
        tl = self.query_one(Timeline)
        here = tl.playhead * 1000 // tl.rate if tl.frames else 0
        start = self.listening.loop_in_ms
        if start is None or here <= start:
            self.gapp.notify(
                "Mark where the loop starts first: ( at an earlier moment.", severity="warning"
            )
            return
        self.listening.loop_out_ms = here
        self.apply_listening()
        if self.ensure_player():
            self._start(start * self.audio().rate // 1000)  # type: ignore[union-attr]

    def action_loop_clear(self) -> None:
        r"""\: no loop."""
        self.listening.loop_in_ms = self.listening.loop_out_ms = None
        self.gapp.notify("Loop cleared.", timeout=2)
        self.apply_listening()

    def _start(self, start: int, end: int | None = None) -> None:
        try:
            self.player.play(start, end, self.speed)  # type: ignore[union-attr]
        except playback.PlaybackUnavailable as e:
            self.gapp.notify(
                f"Playback failed: {e}. Press b to play it in a browser.", severity="error"
            )
            return
        if self._ticker is None:
            self._ticker = self.set_interval(0.1, self.tick)
        self.update_title()

    def action_play_pause(self) -> None:
        if self.player is not None and self.player.playing:
            self.player.pause()
            self.update_title()
            return
        if self.ensure_player():
            self._start(self.query_one(Timeline).playhead)

    def action_play_phrase(self) -> None:
        if not len(self.listing):
            return
        p = self.listing.phrase(self.query_one(TranscriptTable).cursor)
        if p.media_ms is None:
            self.gapp.notify(
                "This phrase was said while the recording was paused.", severity="warning"
            )
            return
        if self.ensure_player():
            rate = self.audio().rate  # type: ignore[union-attr]
            self._start(p.media_ms * rate // 1000, (p.media_ms + p.duration_ms) * rate // 1000)

    def action_speed(self, step: int) -> None:
        k = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, k + int(step)))]
        if self.player is not None:
            self.player.set_speed(self.speed)
        self.update_title()

    def tick(self) -> None:
        """While playing: the playhead follows the audio, the phrase being heard is highlighted and
        scrolled into view (the cursor stays where the reviewer put it)."""
        if self.player is None:
            return
        a = self.audio()
        tl = self.query_one(Timeline)
        tl.set_playhead(self.player.position)
        if a is not None:
            ms = self.player.position * 1000 // a.rate
            row = self.listing.row_at(a.id, ms)
            table = self.query_one(TranscriptTable)
            if row != self.now_row:
                self.now_row = row
                if row is not None:
                    table.scroll_to_region(table.row_region(row), animate=False)
                table.refresh()
            self.show_word(row, ms)
        self.update_bar()
        if not self.player.playing:
            self.playback_ended()

    def show_word(self, row: int | None, media_ms: int) -> None:
        """The word being said at this moment, highlighted in its phrase (word times from the
        transcript; without them the phrase's own highlight says it)."""
        span = self.listing.word_span(row, media_ms) if row is not None else None
        self.query_one(TranscriptTable).set_word(row, span)

    def playback_ended(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.update_title()

    def stop_playback(self) -> None:
        if self.player is not None:
            self.player.stop()
        self.playback_ended()

    def play_in_browser(self) -> None:
        """In a `genesys-tui web` tab: the recording plays in the user's browser, from the
        playhead, through the web server's relay to this session's player; Review's playhead
        follows what the browser plays."""
        app = self.gapp
        if self.review is None or not self.review.audio or app.services is None:
            return
        server = app.playback_server
        if server is None or server.playback.review is not self.review:
            if server is not None:
                server.stop()
            try:
                server = app.services.review.playback_server(self.review, "127.0.0.1", 0).start()
            except (OSError, RuntimeError) as e:
                app.notify(f"Cannot start browser playback: {e}", severity="error")
                return
            app.playback_server = server
        path = register_player(server.server.port, server.playback.token)
        if path is None:
            return
        tl = self.query_one(Timeline)
        seconds = tl.playhead / tl.rate if tl.frames else 0.0
        app.open_url(f"{path}#t=r{self.recording + 1}/{seconds:.1f}")
        app.notify(
            "Playing in a new browser tab: Review follows it. No tab? Allow pop-ups for this "
            "page, and press space again.",
            title="Playback",
            timeout=8,
        )
        if self._follow is None:
            self._follow = self.set_interval(0.5, self.follow_browser)

    _follow = None
    _followed: float = 0.0

    def follow_browser(self) -> None:
        """Review's playhead where the browser's listener is (as the player page last said)."""
        server = self.gapp.playback_server
        said = server.playback.position if server is not None else None
        if said is None or said[3] == self._followed or self.review is None:
            return
        n, seconds, _playing, self._followed = said
        if n - 1 != self.recording and n <= len(self.review.audio):
            self.show_recording(n - 1)
        tl = self.query_one(Timeline)
        if tl.frames:
            self.seek(Timeline.Seek(min(tl.frames - 1, int(seconds * tl.rate))))

    def action_browser(self) -> None:
        if self.review is None or not self.review.audio:
            self.gapp.notify("Open a conversation with a recording first.", severity="warning")
            return
        app = self.gapp
        if app.playback_server is not None:
            app.playback_server.stop()
        if app.services is None:
            return
        try:
            server = app.services.review.playback_server(self.review).start()
        except (OSError, RuntimeError) as e:
            app.notify(f"Cannot start browser playback: {e}", severity="error")
            return
        app.playback_server = server
        app.copy_to_clipboard(server.url)
        opened = open_in_browser(server.url)
        app.notify(
            f"{'Opened' if opened else 'Open'} {server.url}\n(copied; over SSH, forward the port with "
            f"ssh -L {server.server.port}:127.0.0.1:{server.server.port})",
            title="Browser playback",
            timeout=20,
        )
        self.update_bar()
