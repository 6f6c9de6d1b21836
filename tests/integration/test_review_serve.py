"""Browser playback: a token-guarded loopback service streaming WebM/Opus while it is being
encoded, with Range requests, disconnects, WebVTT captions and the page."""

from __future__ import annotations

import threading

import httpx
import pytest

from genesys_tui.flows.review import serve
from genesys_tui.flows.review.serve import PlaybackServer
from genesys_tui.media import decode
from tests.integration.test_emulator_contract import recorded_conversation
from tests.integration.test_review import load


@pytest.fixture(scope="module")
def review(emulator, tmp_path_factory):
    cid = recorded_conversation(emulator, pause=True, transcribed=True)
    return load(emulator, cid, tmp_path_factory.mktemp("cache"))


@pytest.fixture
def gate(monkeypatch):
    """Hold the encoder after its first chunk until the test lets it go: makes "while it is being
    transcoded" deterministic. The encoder itself is the real one."""
    release = threading.Event()
    real = serve.opus_stream

    def gated(*a, **kw):
        for n, chunk in enumerate(real(*a, **kw)):
            yield chunk
            if n == 0:
                release.wait(30)

    monkeypatch.setattr(serve, "opus_stream", gated)
    yield release
    release.set()


def test_the_token_guards_everything(review):
    with PlaybackServer(review) as srv:
        assert srv.server.host == "127.0.0.1"
        base = srv.url.rsplit("/", 2)[0]
        for path in ("/", "/nope/", "/nope/audio/0.webm", "/nope/captions/0.vtt"):
            assert httpx.get(base + path).status_code == 404
        assert httpx.get(srv.url + "audio/7.webm").status_code == 404
        page = httpx.get(srv.url)
        assert (
            page.status_code == 200
            and "default-src 'none'" in page.headers["content-security-policy"]
        )
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "<audio controls" in page.text and 'src="captions/0.vtt"' in page.text
        assert page.text.count("<li data-start=") == len(review.transcript.phrases)
        assert "location.hash" in page.text and "#t=" in page.text  # a link starts at a moment


def test_audio_streams_while_encoding_then_decodes_to_the_recording(review, gate, tmp_path):
    a = review.audio[0]
    with PlaybackServer(review) as srv, httpx.Client(timeout=30) as http:
        with http.stream("GET", srv.url + "audio/0.webm") as resp:
            assert resp.status_code == 200 and resp.headers["content-type"] == "audio/webm"
            assert "content-length" not in resp.headers  # the total is not known yet
            chunks = resp.iter_raw()
            first = next(chunks)
            enc = srv.playback.encodings[0]
            assert (
                first[:4] == b"\x1a\x45\xdf\xa3" and not enc.done
            )  # EBML header, encoder still busy
            gate.set()
            body = first + b"".join(chunks)
        assert enc.done and enc.error is None and body == bytes(enc.data)
    out = tmp_path / "got.bin"
    out.write_bytes(body)
    info = decode.probe(out)  # detected from the content: WebM/Opus
    frames = sum(len(b) for b in decode.blocks(info))
    assert abs(frames / info.rate - a.frames / a.rate) < 0.1


def test_ranges_once_encoded(review):
    with PlaybackServer(review) as srv, httpx.Client(timeout=30) as http:
        full = http.get(srv.url + "audio/0.webm").content
        done = http.get(srv.url + "audio/0.webm")
        assert done.headers["content-length"] == str(len(full)) and done.content == full
        part = http.get(srv.url + "audio/0.webm", headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == full[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{len(full)}"
        tail = http.get(srv.url + "audio/0.webm", headers={"Range": "bytes=-50"})
        assert tail.status_code == 206 and tail.content == full[-50:]
        open_end = http.get(srv.url + "audio/0.webm", headers={"Range": f"bytes={len(full) - 10}-"})
        assert open_end.status_code == 206 and open_end.content == full[-10:]
        bad = http.get(srv.url + "audio/0.webm", headers={"Range": f"bytes={len(full)}-"})
        assert bad.status_code == 416 and bad.headers["content-range"] == f"bytes */{len(full)}"


def test_a_seek_ahead_of_the_encoder_waits_for_it(review, gate):
    with PlaybackServer(review) as srv, httpx.Client(timeout=30) as http:
        with http.stream("GET", srv.url + "audio/0.webm") as resp:
            next(resp.iter_raw())  # encoding has begun, and is held
            threading.Timer(0.3, gate.set).start()
            ahead = http.get(srv.url + "audio/0.webm", headers={"Range": "bytes=5000-"})
        enc = srv.playback.encodings[0]
        assert ahead.status_code == 206 and ahead.content == bytes(enc.data[5000:])
        assert ahead.headers["content-range"] == f"bytes 5000-{enc.size - 1}/{enc.size}"


def test_a_client_that_goes_away_harms_nothing(review, gate):
    with PlaybackServer(review) as srv:
        with httpx.Client(timeout=30) as http, http.stream("GET", srv.url + "audio/0.webm") as resp:
            next(resp.iter_raw())
        # the connection is closed mid-stream; the encoder carries on for the next listener
        gate.set()
        again = httpx.get(srv.url + "audio/0.webm", timeout=30)
        enc = srv.playback.encodings[0]
        assert (
            again.status_code == 200
            and enc.done
            and enc.error is None
            and again.content == bytes(enc.data)
        )


def test_captions_are_webvtt_per_recording(review):
    with PlaybackServer(review) as srv:
        vtt = httpx.get(srv.url + "captions/0.vtt")
        assert vtt.headers["content-type"].startswith("text/vtt") and vtt.text.startswith("WEBVTT")
        assert vtt.text.count(" --> ") == len(
            [p for p in review.transcript.phrases if p.recording_id == review.audio[0].id]
        )


def test_parse_range_edge_cases():
    from genesys_tui.flows.review.serve import parse_range

    assert parse_range(None, 100) is None
    assert parse_range("bytes=0-9,20-29", 100) is None  # several ranges: send it all
    assert parse_range("bytes=10-5", 100) == "bad"
    assert parse_range("bytes=90-200", 100) == (90, 99)
    assert parse_range("bytes=-0", 100) == "bad"
    assert parse_range("bytes=5-", None) == (5, None)
    assert parse_range("bytes=-5", None) == "wait"


def test_hostile_tokens_and_ranges_are_refused_not_crashes(review):
    with PlaybackServer(review) as srv:
        base = srv.url.rsplit("/", 2)[0]
        for path in ("/%C3%A9t%C3%A9/", "/%F0%9F%98%80/audio/0.webm", "/%ff%fe/captions/0.vtt"):
            assert httpx.get(base + path).status_code == 404
        huge = "9" * 5000
        r = httpx.get(srv.url + "audio/0.webm", headers={"Range": f"bytes={huge}-"})
        assert r.status_code == 416
        r = httpx.get(srv.url + "audio/0.webm", headers={"Range": f"bytes=-{huge}"})
        assert r.status_code == 416


def test_the_browser_player_has_what_reviews_player_has(review):
    """What the page is given for it (the browser runs it): party buttons, skipping, the loop,
    speed, a clickable waveform, the keys, each word's time, and the spans to skip and the IVR's
    as Review computes them; captions with each word timed."""
    import html
    import json
    import re

    from genesys_tui.flows.review.listening import ivr_spans_ms, skippable_ms

    with PlaybackServer(review) as srv:
        page = httpx.get(srv.url).text
        vtt = httpx.get(srv.url + "captions/0.vtt").text
    for part in ('data-party="agent"', 'data-party="customer"', 'data-party="ivr"', 'class="skip"',
                 'class="in"', 'class="out"', 'class="clear"', 'class="speed"', "preservesPitch",
                 'class="wave"', "<svg", "createChannelSplitter", '"}": () => p.sameRole(1)'):  # fmt: skip
        assert part in page, part
    raw = re.search(r'<script type="application/json" class="data">(.*?)</script>', page, re.S)[1]
    data = json.loads(raw)
    a, t = review.audio[0], review.transcript
    assert data["skips"] == [[x / 1000, y / 1000] for x, y in skippable_ms(a, t)]
    assert data["ivr"] == [[x / 1000, y / 1000] for x, y in ivr_spans_ms(a, t)] and data["ivr"]
    p = next(p for p in t.phrases if p.recording_id == a.id and p.word_count >= 2)
    w, start, _, _ = t.words(p)[1]
    at = (p.media_ms + start - p.start_ms) / 1000
    assert f'<span data-t="{at:.3f}">{html.escape(w)}</span>' in page  # the 2nd word, timed
    assert re.search(r"<\d\d:\d\d:\d\d\.\d{3}>\S", vtt)  # captions: words timed in their cue


async def test_a_web_tab_plays_through_the_servers_relay_to_its_own_player(review, monkeypatch):
    """`genesys-tui web`: a tab's app registers its loopback player; the browser reaches it
    through the web server (with the session cookie), with Range; nothing else is relayed."""
    import aiohttp

    from genesys_tui.web import session as web_session
    from genesys_tui.web.gate import COOKIE, Gate, new_token
    from genesys_tui.web.server import WebServer

    server = WebServer(["true"], Gate(new_token()), port=0)
    await server.start()
    sid, other = "a" * 32, "b" * 32
    server.sessions[sid] = server.sessions[other] = object()  # two tabs (no app process here)
    monkeypatch.setenv(web_session.SESSION_ENV, sid)
    monkeypatch.setenv(web_session.PLAYERS_ENV, str(server.players))
    base = server.url.split("/?")[0]
    try:
        with PlaybackServer(review) as player:
            path = web_session.register_player(player.server.port, player.playback.token)
            assert path == f"/play/{sid}/{player.server.port}/{player.playback.token}/"
            httpx.get(player.url + "audio/0.webm", timeout=60)  # the whole encoding, finished
            direct = httpx.get(player.url + "audio/0.webm", headers={"Range": "bytes=0-499"})
            jar = {"Cookie": f"{COOKIE}={server.gate.cookie_value()}"}
            async with aiohttp.ClientSession() as http:
                async with http.get(base + path, headers=jar) as r:
                    assert r.status == 200 and "<audio controls" in await r.text()
                async with http.get(
                    base + path + "audio/0.webm", headers={**jar, "Range": "bytes=0-499"}
                ) as r:
                    assert r.status == 206 and r.headers["Content-Range"].startswith("bytes 0-499/")
                    assert await r.read() == direct.content
                async with http.post(
                    base + path + "at", data='{"n": 1, "t": 12.5, "playing": true}', headers=jar
                ) as r:
                    assert r.status == 204
                assert player.playback.position[:3] == (1, 12.5, True)  # Review follows this
                port, token = player.server.port, player.playback.token
                for wrong in (
                    f"/play/{other}/{port}/{token}/",  # another tab's name for it
                    f"/play/{sid}/{port + 1}/{token}/",  # a port it did not register
                    f"/play/{sid}/22/x/",
                ):
                    async with http.get(base + wrong, headers=jar) as r:
                        assert r.status == 404, wrong
                async with http.get(base + path) as r:  # no cookie
                    assert r.status == 401
    finally:
        server.sessions.clear()
        await server.close()
