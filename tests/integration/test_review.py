"""Review's loading against the emulator over real HTTP: the transcript found through the
communicationId, downloaded (refreshing an expired URL once), parsed and aligned to the downloaded
audio across secure pauses; no transcript still gives the audio; a wrong ID is a clear error."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
import soundfile as sf

from genesys_tui.flows.review.session import NO_TRANSCRIPT, ReviewCache, ReviewError, load_review
from tests.integration.test_client import client_for
from tests.integration.test_emulator_contract import recorded_conversation


def load(srv, cid, cache_dir, **kw):
    async def go():
        async with client_for(srv) as c:
            return await load_review(c, cid, ReviewCache(cache_dir), **kw)

    return asyncio.run(go())


def rms(x) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) if x.size else 0.0


def speech_at(audio, rate, media_ms, dur_ms, ch) -> float:
    a = media_ms * rate // 1000
    b = a + dur_ms * rate // 1000
    return rms(audio[a + (b - a) // 4 : b - (b - a) // 4, ch])


def test_phrases_land_on_their_speech_across_a_secure_pause(emulator, tmp_path):
    cid = recorded_conversation(emulator, pause=True, transcribed=True)
    r = load(emulator, cid, tmp_path)
    assert r.notes == [] and r.transcript is not None and len(r.audio) == 1
    a = r.audio[0]
    assert any(p.reason == "SecurePause" and p.cut_ms for p in a.timeline.pauses)
    audio, rate = sf.read(a.path, dtype="float32")
    assert (
        rate == a.rate
        and len(audio) == a.frames
        and a.peaks is not None
        and a.peaks.frames == a.frames
    )
    cut = next(p for p in a.timeline.pauses if p.cut_ms)
    after_pause = 0
    for p in r.transcript.phrases:
        ch = 0 if p.role == "customer" else 1
        assert p.recording_id == a.id
        for word, start, dur, _ in r.transcript.words(p):
            if dur < 150:
                continue
            pos = a.timeline.to_media(start)
            assert speech_at(audio, rate, pos, dur, ch) > 0.05, (
                f"silence under {word!r} at {pos} ms"
            )
            after_pause += start - a.timeline.start_ms > cut.wall_end
    assert after_pause > 5
    # The same check catches an alignment that ignores the cut: later words fall on silence.
    naive = [
        speech_at(audio, rate, start - a.timeline.start_ms, dur, 0 if p.role == "customer" else 1)
        < 0.05
        for p in r.transcript.phrases
        for _, start, dur, _ in r.transcript.words(p)
        if dur > 250 and start - a.timeline.start_ms > cut.wall_end
    ]
    assert sum(naive) > len(naive) // 3


def test_roles_and_metrics_come_with_the_transcript(emulator, tmp_path):
    cid = recorded_conversation(emulator, pause=True, transcribed=True)
    r = load(emulator, cid, tmp_path, audio=False)
    roles = {p.role for p in r.transcript.phrases}
    assert {"agent", "customer"} <= roles
    m = r.metrics
    assert m.phrases == len(r.transcript.phrases) and m.secure_pause_ms > 0
    assert m.talk_ms["agent"] > 0 and m.talk_ms["customer"] > 0 and m.speaker_turns > 3
    assert r.audio and not r.audio[0].path.exists()  # audio=False: timelines only


def test_without_a_transcript_the_audio_still_loads(emulator, tmp_path):
    cid = recorded_conversation(emulator, transcribed=False)
    r = load(emulator, cid, tmp_path)
    assert r.transcript is None and r.notes == [NO_TRANSCRIPT]
    assert r.audio and all(a.frames > 0 and a.path.exists() for a in r.audio)


def test_an_expired_transcript_url_is_asked_for_again_once(fresh_emulator, tmp_path, monkeypatch):
    from genesys_tui.genesys.transcripts import Transcripts

    emu = fresh_emulator.emulator
    cid = recorded_conversation(fresh_emulator, transcribed=True)
    asked = []
    real = Transcripts.urls

    async def urls(self, conv, comm):
        asked.append(comm)
        emu.faults.set("expire=1" if len(asked) == 1 else "")  # the first URL is already expired
        return await real(self, conv, comm)

    monkeypatch.setattr(Transcripts, "urls", urls)
    r = load(fresh_emulator, cid, tmp_path, audio=False)
    assert len(asked) == 2 and r.transcript is not None and r.notes == []
    assert emu.faults.injected["expire"] == 1


def test_a_url_that_keeps_being_refused_is_a_note_and_not_a_crash(fresh_emulator, tmp_path):
    from genesys_tui.storage.presigned import REFRESHES

    fresh_emulator.emulator.faults.set("expire=1")
    cid = recorded_conversation(fresh_emulator, transcribed=True)
    before = fresh_emulator.emulator.stats["transcripturls"]
    r = load(fresh_emulator, cid, tmp_path, audio=False)
    assert r.transcript is None and "kept being refused" in r.notes[0]
    # the same policy as the queue's: a fresh URL asked for each time, a bounded number of times
    asked = fresh_emulator.emulator.stats["transcripturls"] - before
    assert asked == 1 + REFRESHES


def test_a_second_open_uses_the_cache(fresh_emulator, tmp_path):
    cid = recorded_conversation(fresh_emulator, transcribed=True)
    load(fresh_emulator, cid, tmp_path)
    before = fresh_emulator.emulator.stats["s3"]
    r = load(fresh_emulator, cid, tmp_path)
    assert (
        fresh_emulator.emulator.stats["s3"] == before
        and r.transcript is not None
        and r.audio[0].frames
    )


def test_a_damaged_cached_transcript_is_fetched_again(emulator, tmp_path):
    cid = recorded_conversation(emulator, transcribed=True)
    first = load(emulator, cid, tmp_path, audio=False)
    cached = ReviewCache(tmp_path).transcript(
        cid, first.transcript.communication_id, first.audio[0].id
    )
    cached.write_bytes(cached.read_bytes()[:1000])
    r = load(emulator, cid, tmp_path, audio=False)
    assert r.notes == [] and len(r.transcript.phrases) == len(first.transcript.phrases)


def test_a_transcript_that_fails_to_parse_is_never_kept(fresh_emulator, tmp_path):
    cid = recorded_conversation(fresh_emulator, transcribed=True)
    fresh_emulator.emulator.faults.set("truncate=1")  # the document arrives cut short
    r = load(fresh_emulator, cid, tmp_path, audio=False)
    fresh_emulator.emulator.faults.set("")
    assert r.transcript is None and "could not be" in r.notes[0]
    assert not list((tmp_path / "review" / "transcripts").glob("*.json"))
    again = load(fresh_emulator, cid, tmp_path, audio=False)
    assert again.transcript is not None and again.notes == []


def test_a_cached_recording_of_another_call_is_never_used(fresh_emulator, tmp_path):
    """The cache holds a file under this recording id that does not match the metadata just read
    (another call's audio, a cut file): it is downloaded again, never shown."""
    cid = recorded_conversation(fresh_emulator, transcribed=True)
    first = load(fresh_emulator, cid, tmp_path)
    path = first.audio[0].path
    good = path.read_bytes()
    side = path.with_name(path.name + ".meta.json")
    meta = json.loads(side.read_text())
    for stale in ({**meta, "startTime": "2020-01-01T00:00:00+00:00"}, {**meta, "durationMs": 1234}):
        side.write_text(json.dumps(stale))  # what an old run cached under the same id
        path.write_bytes(good[: len(good) // 3])
        before = fresh_emulator.emulator.stats["s3"]
        r = load(fresh_emulator, cid, tmp_path)
        assert fresh_emulator.emulator.stats["s3"] > before
        assert path.read_bytes() == good and r.audio[0].frames == first.audio[0].frames
    path.write_bytes(good[:-4000])  # a cut file with its sidecar intact
    before = fresh_emulator.emulator.stats["s3"]
    load(fresh_emulator, cid, tmp_path)
    assert fresh_emulator.emulator.stats["s3"] > before and path.read_bytes() == good
    side.unlink()  # a file without its sidecar (an older version's cache)
    load(fresh_emulator, cid, tmp_path)
    assert side.exists()


def test_a_cached_transcript_of_another_call_is_never_used(fresh_emulator, tmp_path):
    cid = recorded_conversation(fresh_emulator, transcribed=True)
    first = load(fresh_emulator, cid, tmp_path, audio=False)
    cached = ReviewCache(tmp_path).transcript(
        cid, first.transcript.communication_id, first.audio[0].id
    )
    side = cached.with_name(cached.name + ".meta.json")
    side.write_text(
        json.dumps({**json.loads(side.read_text()), "start": "2020-01-01T00:00:00+00:00"})
    )
    before = fresh_emulator.emulator.stats["s3"]
    r = load(fresh_emulator, cid, tmp_path, audio=False)
    assert (
        fresh_emulator.emulator.stats["s3"] == before + 1 and r.transcript is not None
    )  # downloaded again


def test_a_wrong_id_is_a_clear_error(emulator, tmp_path):
    with pytest.raises(ReviewError, match="not found"):
        load(emulator, "00000000-0000-4000-8000-000000000000", tmp_path)


def test_the_cache_stays_within_its_budget(tmp_path):
    cache = ReviewCache(tmp_path, max_bytes=2500)
    d = cache.root / "recordings"
    d.mkdir(parents=True)
    import os

    for k in range(4):
        f = d / f"{k}.wav"
        f.write_bytes(b"x" * 1000)
        os.utime(f, (1000 + k, 1000 + k))
    keep = d / "0.wav"
    assert cache.prune({keep}) == 2000
    assert sorted(f.name for f in d.iterdir()) == ["0.wav", "3.wav"]


def test_stubs_without_a_session_id_find_the_transcript_through_analytics(
    fresh_emulator, tmp_path, monkeypatch
):
    """Archived or still-transcoding recordings can come back without sessionId: the recorded
    sessions in analytics name the communication; transcripturls (one URL per recording) is used."""
    from genesys_tui.genesys.recordings import Recordings

    real = Recordings.list

    async def stubs(self, *a, **kw):
        recs = await real(self, *a, **kw)
        for r in recs:
            r.session_id = None
        return recs

    monkeypatch.setattr(Recordings, "list", stubs)
    cid = recorded_conversation(fresh_emulator, transfer=True, transcribed=True)
    r = load(fresh_emulator, cid, tmp_path, audio=False)
    emu = fresh_emulator.emulator
    assert r.transcript is not None and r.notes == [] and emu.stats["analytics.details.get"] == 1
    assert emu.stats["transcripturls"] == 1 and emu.stats["transcripturl"] == 0
    assert {p.recording_id for p in r.transcript.phrases} >= {
        a.id for a in r.audio
    }  # both recordings


def test_a_live_call_says_it_is_still_in_progress(emulator, tmp_path):
    org = emulator.emulator.org
    cid = next(org.ids[i] for i in range(len(org.ids)) if org.live[i] and org.recorded[i])
    r = load(emulator, cid, tmp_path)
    assert r.notes == [
        "This call is still in progress: its recording and transcript are available when it "
        "ends (Supervise shows it live)."
    ]
    assert r.transcript is None and not r.audio
