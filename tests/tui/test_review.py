"""The Review screen, driven by Pilot against the emulator: Enter in Browse opens it; zoom, pan,
role filters, search, speaker changes, copy; selecting a phrase moves the playhead and playback
highlights the phrase heard; no audio device offers the browser; exports."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from textual.widgets import Input, Static

from genesys_tui.tui.screens.dialogs import ExportDialog, PromptDialog
from genesys_tui.tui.screens.review import ReviewScreen
from genesys_tui.tui.widgets.timeline import Timeline
from genesys_tui.tui.widgets.transcript_table import TranscriptTable
from genesys_tui.tui.widgets.virtual_table import VirtualTable
from tests.integration.test_emulator_contract import recorded_conversation
from tests.tui.conftest import SIZE, idle, make_app, notes, settle, wait_for


def listed_conversation(app, org, *, transcribed=True, pause=False):
    """A conversation in the Browse list with a recording (and a transcript, a secure pause)."""
    model = app.area("browse").model
    for i in range(len(model)):
        s = model.summary(i)
        k = org.find(s.conversation_id)
        if (
            s.end
            and s.has_recording
            and not org.archived[k]
            and bool(org.transcribed[k]) == transcribed
            and (not pause or org.pause_ms[k])
        ):
            return i, s.conversation_id
    raise LookupError("no such conversation listed")


async def open_review(pilot, app, cid):
    app.open_review(cid)
    await wait_for(
        pilot,
        lambda: (
            app.area("review") is not None
            and app.area("review").review is not None
            and app.area("review").review.id == cid
            and not app.area("review").fetching
        ),
    )
    await idle(pilot)
    return app.area("review")


@asynccontextmanager
async def reviewing(emulator, tmp_path, *, transcribed=True, pause=False, **app_options):
    """The app against the emulator, signed in, with a listed conversation open in Review."""
    app = make_app(emulator, tmp_path, **app_options)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        _, cid = listed_conversation(
            app, emulator.emulator.org, transcribed=transcribed, pause=pause
        )
        yield app, pilot, await open_review(pilot, app, cid)


def rows_text(screen):
    return [screen.listing.cells(r) for r in range(len(screen.listing))]


async def test_enter_in_browse_opens_the_conversation_in_review(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        index, cid = listed_conversation(app, emulator.emulator.org, pause=True)
        app.area("browse").query_one(VirtualTable).cursor = index
        await idle(pilot)
        await pilot.press("enter")
        await idle(pilot)
        # while it loads, nothing covers the screen (a Screen's `loading` would, and freeze it)
        assert not app.screen.loading and not app.screen.query("LoadingIndicator")
        await wait_for(
            pilot,
            lambda: (
                app.area("review") is not None
                and app.area("review").review is not None
                and not app.area("review").fetching
            ),
        )
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.review.id == cid
        assert len(screen.listing) > 5 and screen.review.notes == []
        assert cid in str(screen.query_one("#title", Static).render())
        assert app.focused is screen.query_one(TranscriptTable)
        # the phrase column fills the width: the words themselves are on screen
        table = screen.query_one(TranscriptTable)
        first = screen.listing.cells(0)[2]
        assert first[:20] in table.render_line(1).text, table.render_line(1).text
        tl = screen.query_one(Timeline)
        assert tl.frames > 0 and [lane[1] for lane in tl.lanes()] == ["customer", "agent"]
        metrics = str(screen.query_one("#metrics", Static).render())
        assert "speaker turns" in metrics and "secure pause" in metrics
        # the timeline marks the cut-out secure pause
        lines = ["".join(seg.text for seg in strip) for strip in tl.build(150, 12)]
        assert any("✂" in line for line in lines)


async def test_zoom_pan_and_the_fine_zoom_limit(emulator, tmp_path):
    async with reviewing(emulator, tmp_path) as (app, pilot, screen):
        tl = screen.query_one(Timeline)
        whole = tl.view_frames
        assert whole == tl.frames
        before = [str(line.text) for line in tl.build(150, 12)]
        await pilot.press("plus")
        assert abs(tl.view_frames - whole // 2) <= 1
        assert [str(line.text) for line in tl.build(150, 12)] != before
        await pilot.press("right")
        start = tl.view_start
        assert start > 0
        await pilot.press("left")
        assert tl.view_start < start
        for _ in range(20):
            await pilot.press("plus")
        assert 2000 <= tl.span_ms < 4000  # a few seconds: drawn from the samples themselves
        fine = [str(line.text) for line in tl.build(150, 12)]
        assert any(ch not in " ⠀" for line in fine[1:-1] for ch in line[10:])
        await pilot.press("0")
        assert tl.view_frames == tl.frames and tl.view_start == 0


async def test_selecting_a_phrase_moves_the_playhead(emulator, tmp_path):
    async with reviewing(emulator, tmp_path) as (app, pilot, screen):
        tl = screen.query_one(Timeline)
        table = screen.query_one(TranscriptTable)
        for _ in range(4):
            await pilot.press("down")
        await idle(pilot)
        p = screen.listing.phrase(table.cursor)
        assert table.cursor == 4 and tl.selected == screen.listing.rows[4]
        assert tl.playhead == p.media_ms * tl.rate // 1000
        assert p.text in str(screen.query_one("#phrase", Static).render())
        # a click on the timeline seeks, and selects the phrase heard there
        row = max(
            r
            for r in range(len(screen.listing))
            if screen.listing.phrase(r).recording_id == tl.audio.id
            and (
                r == 0 or screen.listing.phrase(r - 1).media_ms < screen.listing.phrase(r).media_ms
            )
        )
        target = screen.listing.phrase(row)
        tl.post_message(Timeline.Seek(target.media_ms * tl.rate // 1000 + 10))
        await idle(pilot)
        assert table.cursor == row and tl.playhead == target.media_ms * tl.rate // 1000 + 10


async def test_role_filters_search_speaker_changes_and_copy(emulator, tmp_path):
    async with reviewing(emulator, tmp_path) as (app, pilot, screen):
        everyone = len(screen.listing)
        await pilot.press("a")
        assert {r[1] for r in rows_text(screen)} <= {"Customer", "IVR", "System"} and len(
            screen.listing
        ) < everyone
        assert "a Agent ·" in str(screen.query_one("#bar", Static).render())
        await pilot.press("c", "i")  # the last shown role stays shown
        assert screen.listing.shown_roles == {"ivr"}
        assert len(screen.listing) == sum(
            p.role in ("ivr", "system") for p in screen.listing.phrases
        )
        await pilot.press("a", "c")
        assert len(screen.listing) == everyone
        # search: the first hit, then next and previous
        word = next(
            w
            for w in ("payment", "account", "help")
            if any(w in p.text.lower() for p in screen.listing.phrases)
        )
        await pilot.press("slash")
        assert app.focused is screen.query_one("#search", Input)
        await pilot.press(*word, "enter")
        table = screen.query_one(TranscriptTable)
        first = table.cursor
        assert word in screen.listing.phrase(first).text.lower() and app.focused is table
        await pilot.press("n")
        second = table.cursor
        assert word in screen.listing.phrase(second).text.lower()
        if len(screen.listing.hits) > 1:
            assert second != first
            await pilot.press("N")
            assert table.cursor == first
        await pilot.press("escape")
        assert screen.listing.query == ""
        # next speaker change
        table.cursor = 0
        await idle(pilot)
        role = screen.listing.phrase(0).role
        await pilot.press("s")
        assert screen.listing.phrase(table.cursor).role != role
        assert all(screen.listing.phrase(r).role == role for r in range(table.cursor))
        await pilot.press("Y")
        p = screen.listing.phrase(table.cursor)
        assert app.clipboard.endswith(f": {p.text}") and app.clipboard.startswith("[")


async def test_no_transcript_still_shows_the_audio(emulator, tmp_path):
    async with reviewing(emulator, tmp_path, transcribed=False) as (app, pilot, screen):
        assert screen.review.transcript is None and len(screen.listing) == 0
        assert "No transcript" in str(screen.query_one("#notes", Static).render())
        assert screen.query_one("#notes").display and screen.query_one(Timeline).frames > 0


async def test_without_an_audio_device_it_offers_the_browser(emulator, tmp_path, monkeypatch):
    from genesys_tui.media import playback

    monkeypatch.setattr(
        playback, "available", lambda: playback.Availability(False, "no audio output device")
    )
    async with reviewing(emulator, tmp_path) as (app, pilot, screen):
        await pilot.press("space")
        await idle(pilot)
        assert any(
            "no audio output device" in n.message and "b to play it in a browser" in n.message
            for n in notes(app)
        )
        await pilot.press("b")
        await wait_for(pilot, lambda: app.playback_server is not None)
        url = app.playback_server.url
        assert url.startswith("http://127.0.0.1:") and app.clipboard == url
        page = httpx.get(url)
        assert page.status_code == 200 and "audio/0.webm" in page.text
        assert url in str(screen.query_one("#bar", Static).render())
    assert app.playback_server is None  # stopped on quit


async def test_playback_follows_the_audio(emulator, tmp_path):
    from tests.unit.media.test_playback import Fake, FakeStream

    async with reviewing(emulator, tmp_path, player_backend=Fake) as (app, pilot, screen):
        table = screen.query_one(TranscriptTable)
        tl = screen.query_one(Timeline)
        table.cursor = 2
        await idle(pilot)
        await pilot.press("p")  # play the selected phrase
        stream = FakeStream.instances[-1]
        p = screen.listing.phrase(2)
        assert screen.player.playing and screen.player.position == p.media_ms * tl.rate // 1000
        later = screen.listing.phrase(6)
        await pilot.press("space")  # pause
        assert not screen.player.playing
        await pilot.press("space")  # play on, past the phrase's end
        stream = FakeStream.instances[-1]
        stream.pull(
            (later.media_ms - p.media_ms) * tl.rate // 1000 + 40
        )  # the device asks for audio
        await wait_for(pilot, lambda: screen.now_row == 6)  # the 0.1 s ticker follows it
        assert screen.now_row == 6 and table.cursor == 2  # highlighted, the cursor stays
        assert tl.playhead == screen.player.position
        assert "now" in screen.row_style(6)
        await pilot.press("greater_than_sign")
        assert screen.player._speed == 1.25 and "1.25×" in str(
            screen.query_one("#title", Static).render()
        )


async def test_export_from_the_viewer(emulator, tmp_path):
    async with reviewing(emulator, tmp_path) as (app, pilot, screen):
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("enter")
        out = tmp_path / "out"
        await wait_for(
            pilot,
            lambda: (
                len(list(out.rglob("*.transcript.vtt"))) == 1
                and len(list(out.rglob("*.metrics.csv"))) == 1
            ),
        )
        assert any(n.title and n.title.startswith("Exported 4") for n in notes(app))


async def test_open_by_id_and_a_wrong_id(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("3")
        await idle(pilot)
        cid = recorded_conversation(emulator, transcribed=True)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        assert isinstance(app.screen, PromptDialog)
        app.screen.query_one(Input).value = cid
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: app.area("review").review is not None and app.area("review").review.id == cid,
        )
        await pilot.press("o")
        await idle(pilot)
        app.screen.query_one(Input).value = "00000000-0000-4000-8000-000000000000"
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: "not found" in str(app.area("review").query_one("#title", Static).render()),
        )
        assert app.is_running


async def test_bookmarks_are_kept_listed_jumped_to_and_written_to_genesys(fresh_emulator, tmp_path):
    from genesys_tui.tui.screens.dialogs import PromptDialog
    from genesys_tui.tui.widgets.timeline import Timeline

    srv = fresh_emulator
    async with reviewing(srv, tmp_path) as (app, pilot, screen):
        tl = screen.query_one(Timeline)
        tl.set_playhead(tl.rate * 7)  # 00:07
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        app.screen.query_one(Input).value = "agent skipped the disclosure"
        await pilot.press("enter")
        await idle(pilot)
        service = app.services.review
        (mark,) = service.marks.of(screen.review.id)
        assert (mark.ms, mark.note, mark.annotation_id) == (
            7000,
            "agent skipped the disclosure",
            None,
        )
        assert "00:07 agent skipped the disclosure" in str(
            screen.query_one("#metrics", Static).render()
        )
        assert tl.marks_ms == [7000]  # ◆ on the ruler
        tl.set_playhead(0)
        cell = (
            (7000 * tl.rate // 1000 - tl.view_start) * (tl.size.width - tl.GUTTER) // tl.view_frames
        )
        assert tl.build(tl.size.width, tl.size.height)[0].text[tl.GUTTER + cell] == "◆"
        await pilot.press("apostrophe")  # ' jumps to it
        await idle(pilot)
        assert tl.playhead * 1000 // tl.rate == 7000
        await pilot.press("w")
        await wait_for(pilot, lambda: any("written to Genesys" in n.message for n in notes(app)))
        (stored,) = srv.emulator.bookmarks[f"{screen.review.id}/{mark.recording_id}"].values()
        assert stored["location"] == 7000 and stored["description"] == mark.note
        (mark,) = service.marks.of(screen.review.id)
        assert mark.annotation_id == stored["id"]
        await pilot.press("w")  # again: the same annotation, updated, not a second one
        await wait_for(
            pilot, lambda: sum("written to Genesys" in n.message for n in notes(app)) == 2
        )
        assert len(srv.emulator.bookmarks[f"{screen.review.id}/{mark.recording_id}"]) == 1
        assert "✓" in str(screen.query_one("#metrics", Static).render())
        # exported with the transcript: JSON's bookmarks, a WebVTT NOTE, the summary
        out = tmp_path / "exported"
        files = await service.export(screen.review, str(out), ("json", "vtt", "txt", "html"))
        (report,) = [Path(f) for f in files if f.endswith("report.html")]
        assert "agent skipped the disclosure" in report.read_text()  # bookmarks in the report
        text = {Path(f).suffix: Path(f).read_text() for f in files if "transcript." in f}
        assert json.loads(text[".json"])["bookmarks"][0]["recordingOffsetMs"] == 7000
        assert "NOTE bookmark 00:00:07.000: agent skipped the disclosure" in text[".vtt"]
        assert "bookmark: agent skipped the disclosure" in text[".txt"]
        summary = next(Path(f) for f in files if f.endswith("summary.json"))
        assert json.loads(summary.read_text())["bookmarks"][0]["annotationId"] == stored["id"]


async def test_y_copies_the_moment_and_open_goes_back_there(emulator, tmp_path):
    from genesys_tui.flows.review.links import parse_moment
    from genesys_tui.tui.widgets.timeline import Timeline

    async with reviewing(emulator, tmp_path) as (app, pilot, screen):
        tl = screen.query_one(Timeline)
        seconds = min(83, tl.frames // tl.rate - 1)  # inside the recording
        assert seconds > 10
        tl.set_playhead(tl.rate * seconds)
        await pilot.press("y")
        clock = f"{seconds // 60:02d}:{seconds % 60:02d}"
        assert app.clipboard == f"genesys-tui open {screen.review.id}@{clock}"
        moment = parse_moment(app.clipboard.split()[-1])
        tl.set_playhead(0)
        app.open_review(moment.conversation_id, moment)  # what `genesys-tui open` does
        await wait_for(pilot, lambda: tl.playhead * 1000 // tl.rate == seconds * 1000)
        assert screen.review.id == moment.conversation_id
        # a moment in a pause, to the tenth: the link keeps the tenth, and opening it lands on
        # the phrase spoken next, not the one before the pause
        ls, rid = screen.listing, screen.audio().id
        phrases = [ls.phrase(r) for r in range(len(ls)) if ls.phrase(r).recording_id == rid]
        before, after = next(
            (a, b) for a, b in zip(phrases, phrases[1:], strict=False)
            if b.media_ms - (a.media_ms + a.duration_ms) >= 600
        )  # fmt: skip
        pause_ms = (before.media_ms + before.duration_ms) // 100 * 100 + 300
        pause_ms += 100 if pause_ms % 1000 == 0 else 0  # a tenth to keep
        tl.set_playhead(pause_ms * tl.rate // 1000)
        await pilot.press("y")
        moment = parse_moment(app.clipboard.split()[-1])
        assert moment.ms == pause_ms and "." in app.clipboard  # 02:10.4, not 02:10
        tl.set_playhead(0)
        app.open_review(moment.conversation_id, moment)
        table = screen.query_one("#transcript")
        await wait_for(pilot, lambda: ls.phrase(table.cursor) is after)


async def test_square_brackets_step_through_the_orgs_sample(emulator, tmp_path):
    from genesys_tui.flows.review.sample import Picked, Sample, SampleStore

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        ids = [recorded_conversation(emulator, transcribed=True, pause=p) for p in (False, True)]
        assert ids[0] != ids[1]
        sample = Sample("agent", 1, 3, "x", [Picked("g", c, "") for c in ids])
        SampleStore(app.session.scope.data_dir / "sample.json").save(sample)
        screen = await open_review(pilot, app, ids[0])
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: screen.review.id == ids[1] and not screen.fetching)
        await pilot.press("right_square_bracket")  # the last: it says so, stays
        await idle(pilot)
        assert any("Last call of the sample" in n.message for n in notes(app))
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: screen.review.id == ids[0] and not screen.fetching)


async def test_in_a_browser_tab_play_opens_the_browser_player_and_review_follows_it(
    emulator, tmp_path, monkeypatch
):
    """`genesys-tui web`: no sound on the server; play opens the player in the user's browser
    (through the web server's relay, at the playhead), Review's playhead follows what the page
    says it plays, and an export is handed to the browser too."""
    import json as _json

    from genesys_tui.tui.app import GenesysApp
    from genesys_tui.web import session as web_session
    from tests.unit.media.test_playback import Fake

    sid, players = "f" * 32, tmp_path / "players"
    players.mkdir()
    monkeypatch.setenv(web_session.SESSION_ENV, sid)
    monkeypatch.setenv(web_session.PLAYERS_ENV, str(players))
    monkeypatch.setattr(GenesysApp, "is_web", property(lambda self: True))
    async with reviewing(emulator, tmp_path, player_backend=Fake) as (app, pilot, screen):
        opened, delivered = [], []
        monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
        monkeypatch.setattr(app, "deliver_binary", lambda path, **kw: delivered.append(path))
        tl = screen.query_one(Timeline)
        tl.set_playhead(tl.rate * 5)
        await pilot.press("space")
        await wait_for(pilot, lambda: opened)
        server = app.playback_server
        port, token = server.server.port, server.playback.token
        assert opened == [f"/play/{sid}/{port}/{token}/#t=r1/5.0"]
        assert _json.loads((players / f"{sid}.json").read_text()) == {"port": port}
        assert screen.player is None  # nothing played here
        # The page plays from 12.5 s: Review's playhead goes there.
        r = httpx.post(server.url + "at", content=b'{"n": 1, "t": 12.5, "playing": true}')
        assert r.status_code == 204
        await wait_for(pilot, lambda: tl.playhead == tl.rate * 12.5)
        # An export: written where asked, and downloaded by the browser.
        from genesys_tui.tui.screens.dialogs import ExportChoice

        screen.export(ExportChoice(("txt",), str(tmp_path / "out"), False))
        await wait_for(pilot, lambda: delivered)
        written = sorted(p.name for p in (tmp_path / "out").rglob("*") if p.is_file())
        assert sorted(p.name for p in delivered) == written and len(written) >= 2
