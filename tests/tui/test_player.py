"""Review's player as a reviewer drives it (the real app against the emulator, the sound card a
stand-in whose callback the test pulls): the word being said highlighted, solo and mute heard on
the rendered samples, silences and holds skipped, an A-B loop, a click on the waveform, and the
keys that move between speakers' phrases."""

from __future__ import annotations

import re

import numpy as np

from genesys_tui.flows.review.listening import skippable_ms
from genesys_tui.tui.widgets.timeline import Timeline
from genesys_tui.tui.widgets.transcript_table import TranscriptTable
from tests.tui.conftest import idle, make_app, settle, wait_for
from tests.tui.test_review import SIZE, open_review
from tests.unit.media.test_playback import Fake, FakeStream


def a_call(app, org, *, hold: bool = False) -> str:
    model = app.area("browse").model
    for i in range(len(model)):
        s = model.summary(i)
        k = org.find(s.conversation_id)
        usable = s.end and s.has_recording and not org.archived[k] and org.transcribed[k]
        if usable and (not hold or org.hold_ms[k]):
            return s.conversation_id
    raise LookupError("no such call listed")


async def playing(pilot, app, cid):
    screen = await open_review(pilot, app, cid)
    await pilot.press("space")
    return screen, FakeStream.instances[-1], screen.query_one(Timeline)


async def test_the_word_said_solo_mute_and_the_moves(emulator, tmp_path):
    app = make_app(emulator, tmp_path, player_backend=Fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen, stream, tl = await playing(pilot, app, a_call(app, emulator.emulator.org))
        table = screen.query_one(TranscriptTable)
        ls, t = screen.listing, screen.review.transcript
        row = next(r for r in range(len(ls)) if ls.phrase(r).word_count >= 3)
        p = ls.phrase(row)
        third = t.words(p)[2]  # (word, start ms, duration, confidence)
        into = p.media_ms + (third[1] - p.start_ms) + third[2] // 2  # the middle of the 3rd word
        screen.player.seek(into * tl.rate // 1000)
        stream.pull(80)
        # the next tick highlights that word, in that phrase (an earlier tick may have shown
        # another word of it: waited for, not assumed)
        span = [m.span() for m in re.finditer(r"\S+", p.text)][2]
        assert p.text[span[0] : span[1]] == third[0]
        await wait_for(pilot, lambda: table.word == (row, span))
        # solo the agent: the customer's channel is silent, the agent's as recorded
        await pilot.press("A")
        await idle(pilot)
        assert "agent solo" in str(screen.query_one("#title").render())
        start = screen.player.position
        out = stream.pull(4000)
        cust, agent = app.config.media.customer_channel, app.config.media.agent_channel
        raw = np.asarray(screen.player._data[start : start + 4000], np.float32)
        raw = raw / np.float32(screen.player._scale)
        assert not out[:, cust].any() and np.allclose(out[:, agent], raw[:, agent])
        await pilot.press("A", "C")  # A again: muted; C: the customer alone
        await idle(pilot)
        start = screen.player.position
        out = stream.pull(4000)
        raw = np.asarray(screen.player._data[start : start + 4000], np.float32) / np.float32(
            screen.player._scale
        )
        assert not out[:, agent].any() and np.allclose(out[:, cust], raw[:, cust])
        await pilot.press("C", "C", "A")  # back to on, each: everyone heard again
        assert not screen.listening.changed()
        # } and {: the speaker's next and previous phrase
        table.cursor = row
        await idle(pilot)
        await pilot.press("right_curly_bracket")
        nxt = table.cursor
        assert nxt > row and ls.phrase(nxt).role == p.role
        assert all(ls.phrase(r).role != p.role for r in range(row + 1, nxt))
        await pilot.press("left_curly_bracket")
        assert table.cursor == row
        # a click on the waveform seeks there
        screen.player.pause()
        before = tl.playhead
        await pilot.click(
            Timeline, offset=(Timeline.GUTTER + (tl.size.width - Timeline.GUTTER) * 3 // 4, 2)
        )
        await idle(pilot)
        assert tl.playhead != before and tl.playhead > tl.view_start + tl.view_frames // 2


async def test_skipping_silence_and_holds_and_an_a_b_loop(emulator, tmp_path):
    app = make_app(emulator, tmp_path, player_backend=Fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        cid = a_call(app, emulator.emulator.org, hold=True)
        screen, stream, tl = await playing(pilot, app, cid)
        audio = screen.audio()
        skips = skippable_ms(audio, screen.review.transcript)
        holds = [
            p for p in audio.timeline.pauses if p.reason == "Hold" and p.duration_ms > p.cut_ms
        ]
        assert holds and any(a == holds[0].media_ms for a, _ in skips)  # the scripted hold
        await pilot.press("z")
        await idle(pilot)
        assert "skipping silence" in str(screen.query_one("#title").render())
        a, b = skips[0]
        rate = audio.rate
        screen.player.seek((a - 500) * rate // 1000)  # half a second before it
        stream.pull(rate)  # one second of sound: the half before, then what follows the gap
        assert screen.player.position >= b * rate // 1000 + rate // 2 - 1
        await pilot.press("z")  # off: the gap is heard
        await idle(pilot)
        screen.player.seek((a - 500) * rate // 1000)
        stream.pull(rate)
        assert screen.player.position == (a + 500) * rate // 1000
        # the loop: ( at 10 s, ) at 12 s, then it plays 10-12 s over and over
        screen.player.pause()
        # A seek moves the player too: the playback ticker then keeps the playhead there (a bare
        # set_playhead was put back to the player's position by a late tick on a busy machine).
        screen.seek(Timeline.Seek(10 * rate))
        await pilot.press("left_parenthesis")
        screen.seek(Timeline.Seek(12 * rate))
        await pilot.press("right_parenthesis")
        await idle(pilot)
        assert "loop 00:10–00:12" in str(screen.query_one("#title").render())
        stream = FakeStream.instances[-1]
        out = stream.pull(5 * rate)  # 5 s of sound from a 2 s loop
        looped = np.asarray(screen.player._data[10 * rate : 12 * rate], np.float32)
        looped = looped / np.float32(screen.player._scale)
        assert np.allclose(out[: 2 * rate], looped) and np.allclose(
            out[2 * rate : 4 * rate], looped
        )
        assert 10 * rate <= screen.player.position < 12 * rate
        await pilot.press("backslash")  # cleared: it plays on
        await idle(pilot)
        stream.pull(3 * rate)
        assert screen.player.position >= 12 * rate
