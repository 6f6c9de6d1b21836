"""The emulator's audio is real and lines up with its transcripts: speech where the phrases are,
quiet where nobody speaks, secure pauses cut out exactly as the annotations say."""

from __future__ import annotations

import io
from datetime import datetime

import httpx
import numpy as np
import soundfile as sf

from tests.integration.helpers import Api
from tests.integration.test_emulator_contract import recorded_conversation


def ms(t: str) -> int:
    return int(datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000)


def fetch(emulator, cid):
    api = Api(emulator)
    rec = api.until(
        lambda: api.get(f"/api/v2/conversations/{cid}/recordings", formatId="WAV")
    ).json()[0]
    audio, rate = sf.read(
        io.BytesIO(httpx.get(rec["mediaUris"]["S"]["mediaUri"]).content), dtype="float32"
    )
    conv = api.get(f"/api/v2/conversations/{cid}").json()
    comm = next(p for p in conv["participants"] if p["purpose"] in ("customer", "external"))[
        "calls"
    ][0]["id"]
    url = api.get(
        f"/api/v2/speechandtextanalytics/conversations/{cid}/communications/{comm}/transcripturl"
    ).json()["url"]
    return rec, audio, rate, httpx.get(url).json()


def media_offset(rec, t_ms: int) -> int:
    """Where wall-clock time t_ms lands in the file: minus the cut pauses before it."""
    start = ms(rec["startTime"])
    wall = t_ms - start
    cut = sum(
        a["durationMs"]
        for a in rec["annotations"]
        if a["recordingDurationMs"] == 0 and a["realtimeLocation"] + a["durationMs"] <= wall
    )
    return wall - cut


def rms(x):
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) if x.size else 0.0


def test_speech_bursts_sit_exactly_on_the_phrases_across_a_secure_pause(emulator):
    cid = recorded_conversation(emulator, pause=True, transcribed=True)
    rec, audio, rate, doc = fetch(emulator, cid)
    assert audio.shape[1] == 2
    pauses = [a for a in rec["annotations"] if a["reason"] == "SecurePause"]
    assert pauses and pauses[0]["recordingDurationMs"] == 0
    pause_end = pauses[0]["realtimeLocation"] + pauses[0]["durationMs"]
    phrases = doc["transcripts"][0]["phrases"]
    after = [p for p in phrases if p["startTimeMs"] - ms(rec["startTime"]) > pause_end]
    assert after, "the call goes on after its secure pause"
    for p in phrases:
        ch = 0 if p["participantPurpose"] == "external" else 1
        for w in p["words"]:
            if w["duration"]["milliseconds"] < 150:
                continue
            a = media_offset(rec, w["startTimeMs"]) * rate // 1000
            b = a + w["duration"]["milliseconds"] * rate // 1000
            mid = audio[a + (b - a) // 4 : b - (b - a) // 4, ch]
            assert rms(mid) > 0.05, f"no speech for {w['word']!r} at {a / rate:.2f}s ch{ch}"


def test_silence_between_phrases_is_quiet(emulator):
    cid = recorded_conversation(emulator, pause=True, transcribed=True)
    rec, audio, rate, doc = fetch(emulator, cid)
    phrases = doc["transcripts"][0]["phrases"]
    # customer channel (0) has no music; find gaps of 1.5 s without customer speech
    busy = np.zeros(len(audio), bool)
    for p in phrases:
        if p["participantPurpose"] == "external":
            a = media_offset(rec, p["startTimeMs"]) * rate // 1000
            busy[
                max(0, a - rate // 10) : a + (p["duration"]["milliseconds"] + 100) * rate // 1000
            ] = True
    quiet = audio[~busy, 0]
    assert quiet.size > rate * 5 and rms(quiet) < 0.01


def test_a_shifted_alignment_would_be_caught(emulator):
    """The check above can fail: ignoring the cut pause puts later words on silence."""
    cid = recorded_conversation(emulator, pause=True, transcribed=True)
    rec, audio, rate, doc = fetch(emulator, cid)
    start = ms(rec["startTime"])
    pause = next(a for a in rec["annotations"] if a["reason"] == "SecurePause")
    words = [
        w
        for p in doc["transcripts"][0]["phrases"]
        for w in p["words"]
        if w["startTimeMs"] - start > pause["realtimeLocation"] + pause["durationMs"]
        and w["duration"]["milliseconds"] > 250
        and p["participantPurpose"] == "external"
    ]
    misses = 0
    for w in words:
        a = (w["startTimeMs"] - start) * rate // 1000  # naive: wall clock as file position
        b = a + w["duration"]["milliseconds"] * rate // 1000
        misses += rms(audio[a:b, 0]) < 0.05
    assert words and misses > len(words) // 3


def test_100k_conversations_page_to_the_cap():
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org

    with EmulatorServer(small_org(conversations=100_000, days=30)) as srv:
        api = Api(srv)
        iv = "2026-04-01T00:00:00Z/2026-05-15T00:00:00Z"
        first = api.post(
            "/api/v2/analytics/conversations/details/query",
            {"interval": iv, "paging": {"pageSize": 100}},
        )
        assert first.json()["totalHits"] == 100_000
        last = api.post(
            "/api/v2/analytics/conversations/details/query",
            {"interval": iv, "paging": {"pageSize": 100, "pageNumber": 1000}},
        )
        assert last.status_code == 200 and len(last.json()["conversations"]) == 100
        over = api.post(
            "/api/v2/analytics/conversations/details/query",
            {"interval": iv, "paging": {"pageSize": 100, "pageNumber": 1001}},
        )
        assert over.status_code == 400


def test_a_slow_link_paces_the_media_to_its_rate(fresh_emulator, monkeypatch):
    """media_bytes_per_second models a slow link (so the queue's rates and times left show): the
    body is sent no faster than that, the pauses asked for adding up to size / rate."""
    import asyncio

    from genesys_tui.emulator import s3

    api = Api(fresh_emulator)
    cid = recorded_conversation(fresh_emulator)
    rec = api.until(
        lambda: api.get(f"/api/v2/conversations/{cid}/recordings", formatId="WAV")
    ).json()[0]
    url = rec["mediaUris"]["S"]["mediaUri"]
    size = len(httpx.get(url).content)
    asked: list[float] = []

    async def pause(delay):  # the wait asked for, not waited: no timing in the test
        asked.append(delay)
        await asyncio.sleep(0)

    monkeypatch.setattr(s3, "pause", pause)
    fresh_emulator.emulator.s.media_bytes_per_second = size  # one second's worth
    assert len(httpx.get(url).content) == size
    assert max(asked) > 0.5  # the last chunk waits for nearly the whole second
