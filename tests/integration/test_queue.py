"""The download/convert queue against the emulator over real HTTP (and moto's S3 server)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from genesys_tui.emulator import EmulatorServer
from genesys_tui.flows.pull import meta as job_meta
from genesys_tui.flows.pull.model import (
    ALL_RECORDINGS,
    CANCELLED,
    DONE,
    FAILED,
    FINAL_STATES,
    WAITING,
    QueueOptions,
    QueueTotals,
)
from genesys_tui.flows.pull.runner import QueueRunner
from genesys_tui.flows.pull.store import JobStore
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.storage.s3 import S3Sink
from genesys_tui.storage.sinks import LocalSink
from tests.conftest import small_org
from tests.integration.test_client import client_for
from tests.integration.test_emulator_contract import recorded_conversation

# About one request in five fails, for API calls and for media downloads alike.
FAULTS = "429=0.05,503=0.05,502=0.03,revoke=0.05,reset=0.08,truncate=0.06,expire=0.06"
FAST_LIMIT = (
    20_000  # requests per minute, client and emulator: the tests are about faults, not pacing
)


async def plan_all(client, store, target, fmt, limit=None) -> list[int]:
    from datetime import timedelta

    names = await client.directory.names()
    ids = []
    anchor = client._anchor
    async for s in client.analytics.iter_conversations(
        anchor - timedelta(days=30),
        anchor + timedelta(hours=1),
        ConversationFilter(has_recording=True, ended=True),
    ):
        job, _ = store.add(
            s.conversation_id, ALL_RECORDINGS, fmt, target, job_meta.from_summary(s, names)
        )
        ids.append(job.id)
        if limit and len(ids) >= limit:
            break
    return ids


def runner_for(client, store, tmp_path, sink, **opts) -> QueueRunner:
    o = QueueOptions(retry_delay=0.05, pool="thread", **opts)
    return QueueRunner(client, store, tmp_path / "staging", lambda target: sink, o)


def recordings(org, archived=False) -> set[str]:
    ids = set()
    for i in range(len(org.ids)):
        if org.recorded[i] and not org.live[i] and bool(org.archived[i]) == archived:
            ids |= {r.id for r in org.detail(i).recordings}
    return ids


def check_outputs(out: Path, store: JobStore, fmt_ext: str) -> list[Path]:
    files = sorted(out.rglob(f"*{fmt_ext}"))
    assert not list(out.rglob("*.part")), "partial files left behind"
    done = [j for j in store.all([DONE]) if not j.is_expansion]
    locations = [o["location"] for j in done for o in j.outputs]
    assert len(locations) == len(set(locations)), "two jobs wrote the same output"
    assert sorted(map(str, files)) == sorted(locations)
    for j in done:
        for o in j.outputs:
            assert hashlib.sha256(Path(o["location"]).read_bytes()).hexdigest() == o["sha256"]
    return files


@pytest.mark.parametrize("batch", [False, True], ids=["per-recording", "batch"])
async def test_200_recordings_with_20_percent_faults(tmp_path, batch):
    with EmulatorServer(
        small_org(
            conversations=260,
            duration_scale=0.08,
            faults=FAULTS,
            fault_retry_after=0,  # the 429s still come; waiting out a second each is pacing
            seed=21,
            original_format="WAV_ULAW",
            rate_limit_per_minute=FAST_LIMIT,
        )
    ) as srv:
        org = srv.emulator.org
        store = JobStore(tmp_path / "jobs.sqlite3")
        out = tmp_path / "out"
        async with client_for(srv, rate_limit_per_minute=FAST_LIMIT) as client:
            client._anchor = srv.emulator.s.anchor
            ids = await plan_all(client, store, str(out), "mono")
            runner = runner_for(
                client, store, tmp_path, LocalSink(out), batch=batch, workers=6, max_attempts=12
            )
            totals = []
            runner.on_event = lambda ev: totals.append(ev) if isinstance(ev, QueueTotals) else None
            await runner.run(ids)
            await runner.close()
        # numbers that can be trusted, through resets, truncations and retries: bytes done
        # never go backwards, a rate is never negative, and nothing is done past what is expected
        dones = [t.bytes_done for t in totals]
        assert len(totals) > 20 and dones == sorted(dones)
        assert all(t.rate_bps >= 0 and t.bytes_done <= t.bytes_total for t in totals)
        want = recordings(org)
        assert len(want) >= 200
        jobs = [j for j in store.all() if not j.is_expansion]
        by_state = {s: sum(j.state == s for j in jobs) for s in {j.state for j in jobs}}
        assert by_state.get(DONE) == len(want), (
            by_state,
            [j.last_error for j in jobs if j.state == FAILED and j.recording_id in want],
        )
        assert {j.recording_id for j in jobs if j.state == DONE} == want
        assert all(
            j.state == FAILED and "archived" in j.last_error
            for j in jobs
            if j.recording_id not in want
        )
        files = check_outputs(out, store, ".mono.wav")
        assert len(files) == len(want) and len(list(out.rglob("*.json"))) == len(want)
        injected = srv.emulator.faults.injected
        requests = srv.emulator.stats["api"] + srv.emulator.stats["s3"]
        assert sum(injected.values()) >= 0.12 * requests, (
            injected,
            requests,
        )  # the faults really happened
        # media faults hit every download; API faults need API calls, which batch mode has few of
        for kind in ("reset", "truncate", "expire") + (() if batch else ("429", "503", "revoke")):
            assert injected[kind] > 0, (kind, injected)
        # outputs are the real thing: the mono average of the emulator's recording
        job = next(j for j in jobs if j.state == DONE)
        d = org.detail(org.find(job.conversation_id))
        rec = next(r for r in d.recordings if r.id == job.recording_id)
        from genesys_tui.emulator import audio

        pcm = audio.render(d, rec).astype(np.int32)
        mono, rate = sf.read(job.outputs[0]["location"], dtype="int16")
        if batch:  # through µ-law: compare loosely
            assert np.corrcoef(mono, (pcm[:, 0] + pcm[:, 1]) / 2)[0, 1] > 0.99
        else:
            assert np.array_equal(mono, ((pcm[:, 0] + pcm[:, 1] + 1) >> 1).astype(np.int16))
        side = json.loads(next(out.rglob(f"*{job.recording_id}.json")).read_text())
        assert side["conversation"]["conversationId"] == job.conversation_id
        assert (
            side["source"]["sha256"] == job.sha256
            and side["outputs"][0]["sha256"] == job.outputs[0]["sha256"]
        )
        assert not list((tmp_path / "staging").iterdir())


async def test_batch_costs_under_a_tenth_of_an_api_call_per_recording(tmp_path):
    with EmulatorServer(
        small_org(conversations=200, duration_scale=0.05, seed=5, original_format="WAV_ULAW")
    ) as srv:
        store = JobStore(tmp_path / "jobs.sqlite3")
        async with client_for(srv) as client:
            client._anchor = srv.emulator.s.anchor
            ids = await plan_all(client, store, str(tmp_path / "out"), "original")
            before = srv.emulator.stats["api"]
            runner = runner_for(
                client, store, tmp_path, LocalSink(tmp_path / "out"), batch=True, workers=8
            )
            runner.resolver.poll_s = (
                1.0  # the default is 2 s; encoding 130 recordings takes a few seconds here
            )
            await runner.run(ids)
            await runner.close()
        done = [j for j in store.all([DONE]) if not j.is_expansion]
        run_calls = srv.emulator.stats["api"] - before
        assert len(done) >= 100
        # Resolving, whatever the count: a batch request per 100 recordings, and its polls.
        # (Planning adds a fixed few: directory listings and one analytics page per 100 conversations.)
        assert run_calls / len(done) < 0.1, f"{run_calls} API calls for {len(done)} recordings"
        assert all(
            Path(j.outputs[0]["location"]).suffix == ".wav" for j in done
        )  # WAV_ULAW originals


async def test_resumes_a_partial_download_with_range(tmp_path, fresh_emulator):
    from genesys_tui.storage.presigned import DownloadError, download
    from tests.integration.test_emulator_contract import media_uri

    uri = media_uri(fresh_emulator)
    import httpx

    full = httpx.get(uri).content
    part = tmp_path / "x.part"
    fresh_emulator.emulator.faults.set("reset=1")
    async with client_for(fresh_emulator) as c:
        with pytest.raises(DownloadError):
            await download(c.api, uri, part)
        have = part.stat().st_size
        assert 0 < have < len(full)
        fresh_emulator.emulator.faults.set("")
        got = await download(c.api, uri, part)
    assert got.size == len(full) and got.sha256 == hashlib.sha256(full).hexdigest()
    assert part.read_bytes() == full


async def test_pause_cancel_retry(tmp_path):
    with EmulatorServer(
        small_org(conversations=60, duration_scale=0.05, seed=8, rate_limit_per_minute=FAST_LIMIT)
    ) as srv:
        store = JobStore(tmp_path / "jobs.sqlite3")
        out = tmp_path / "out"
        async with client_for(srv, rate_limit_per_minute=FAST_LIMIT) as client:
            client._anchor = srv.emulator.s.anchor
            ids = await plan_all(client, store, str(out), "wav", limit=8)
            events = []
            runner = runner_for(client, store, tmp_path, LocalSink(out), workers=2)
            runner.on_event = events.append
            runner.pause()
            task = asyncio.ensure_future(runner.run(ids))
            await asyncio.sleep(0.5)
            assert not [j for j in store.all() if j.state == DONE]  # paused: nothing finishes
            children = [j for j in store.all() if not j.is_expansion]
            assert not children  # even expansion waits
            runner.resume()
            while not [j for j in store.all() if not j.is_expansion]:
                await asyncio.sleep(0.05)
            runner.pause()  # hold everything while the victim is chosen: it cannot finish first
            await asyncio.sleep(0.1)
            archived = recordings(srv.emulator.org, archived=True)
            victim = [
                j
                for j in store.all()
                if not j.is_expansion
                and j.state not in FINAL_STATES
                and j.recording_id not in archived
            ][-1]
            runner.cancel(victim.id)
            runner.resume()
            await task
            trail = [e.state for e in events if getattr(e, "job_id", None) == victim.id]
            assert store.get(victim.id).state == CANCELLED, trail
            assert runner.retry_failed([victim.id]) == 1
            await runner.run([victim.id])
            await runner.close()
        assert store.get(victim.id).state == DONE, store.get(victim.id).last_error
        assert any(getattr(e, "rate_bps", None) for e in events)  # progress carried rates
        totals = runner.totals()
        recs = [j for j in store.all() if not j.is_expansion]
        assert totals.total == len(recs) and totals.counts.get(DONE, 0) >= len(recs) - 2
        assert all(j.state == DONE or "archived" in (j.last_error or "") for j in recs)


async def test_archived_recordings_can_be_restored(tmp_path):
    with EmulatorServer(
        small_org(conversations=200, duration_scale=0.05, seed=11, restore_seconds=0.3)
    ) as srv:
        org = srv.emulator.org
        cid = next(org.ids[i] for i in range(len(org.ids)) if org.archived[i])
        store = JobStore(tmp_path / "jobs.sqlite3")
        async with client_for(srv) as client:
            conv = await client.conversations.get(cid)
            job, _ = store.add(
                cid,
                ALL_RECORDINGS,
                "wav",
                str(tmp_path / "out"),
                job_meta.from_conversation(conv, {}),
            )
            runner = runner_for(client, store, tmp_path, LocalSink(tmp_path / "out"))
            await runner.run([job.id])
            child = store.children(job.id)[0]
            assert child.state == FAILED and "--restore-archived" in child.last_error
            store.retry_failed([child.id])
            runner.opts.restore_archived = True
            await runner.run([child.id])
            assert store.get(child.id).state == WAITING
            # Genesys restores it (0.3 s here): asked until it says so, as a later run would
            rec_id = child.recording_id
            while (await client.recordings.get(cid, rec_id)).file_state != "RESTORED":
                await asyncio.sleep(0.05)
            store.update(store.get(child.id), state="queued", last_error=None)
            await runner.run([child.id])
            await runner.close()
        assert store.get(child.id).state == DONE


def test_s3_upload_failure_leaves_no_object_and_no_upload(s3, tmp_path):
    client, bucket, endpoint = s3
    sink = S3Sink(f"s3://{bucket}/calls", endpoint_url=endpoint)
    src = tmp_path / "big.wav"
    src.write_bytes(np.random.default_rng(0).bytes(20 * 1024 * 1024))  # three parts
    real = sink.s3.upload_part
    calls = {"n": 0}

    def flaky(**kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("network went away")
        return real(**kw)

    sink.s3.upload_part = flaky
    from pathlib import PurePosixPath

    meta = {"conversationId": "c1", "queues": [{"id": "q", "name": "Billing"}], "agents": []}
    with pytest.raises(ConnectionError):
        sink.store(
            src,
            PurePosixPath("a/b.wav"),
            "f" * 64,
            meta=meta,
            recording_id="r1",
            fmt="wav",
            content_type="audio/wav",
        )
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    sink.s3.upload_part = real
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    where = sink.store(
        src,
        PurePosixPath("a/b.wav"),
        sha,
        meta=meta,
        recording_id="r1",
        fmt="wav",
        content_type="audio/wav",
    )
    assert where == f"s3://{bucket}/calls/a/b.wav"
    head = client.head_object(Bucket=bucket, Key="calls/a/b.wav", ChecksumMode="ENABLED")
    assert head["ContentLength"] == src.stat().st_size and head["Metadata"]["sha256"] == sha
    tags = {
        t["Key"]: t["Value"]
        for t in client.get_object_tagging(Bucket=bucket, Key="calls/a/b.wav")["TagSet"]
    }
    assert tags["conversationId"] == "c1" and tags["queue"] == "Billing"
    body = client.get_object(Bucket=bucket, Key="calls/a/b.wav")["Body"].read()
    assert hashlib.sha256(body).hexdigest() == sha
    # the same content again is not uploaded twice
    calls["n"] = 0
    sink.s3.upload_part = flaky
    sink.store(
        src,
        PurePosixPath("a/b.wav"),
        sha,
        meta=meta,
        recording_id="r1",
        fmt="wav",
        content_type="audio/wav",
    )
    assert calls["n"] == 0


async def test_fetch_to_s3_with_faults(s3, tmp_path):
    client_s3, bucket, endpoint = s3
    with EmulatorServer(
        small_org(
            conversations=40,
            duration_scale=0.6,
            seed=4,
            faults="503=0.05,reset=0.05,expire=0.05",
            rate_limit_per_minute=FAST_LIMIT,
        )
    ) as srv:
        store = JobStore(tmp_path / "jobs.sqlite3")
        target = f"s3://{bucket}/exports"
        sink = S3Sink(target, endpoint_url=endpoint)
        real = sink.s3.upload_part
        calls = {"n": 0}

        def flaky(**kw):  # every fifth part upload fails
            calls["n"] += 1
            if calls["n"] % 5 == 0:
                raise ConnectionError("reset by peer")
            return real(**kw)

        sink.s3.upload_part = flaky
        async with client_for(srv, rate_limit_per_minute=FAST_LIMIT) as client:
            client._anchor = srv.emulator.s.anchor
            ids = await plan_all(client, store, target, "wav", limit=12)
            runner = runner_for(client, store, tmp_path, sink, workers=4, max_attempts=10)
            await runner.run(ids)
            await runner.close()
    done = [j for j in store.all([DONE]) if not j.is_expansion]
    assert done and all(j.state == DONE for j in store.all() if not j.is_expansion)
    assert calls["n"] >= 5  # multipart uploads happened, and some failed
    assert client_s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    keys = {o["Key"] for o in client_s3.list_objects_v2(Bucket=bucket)["Contents"]}
    for j in done:
        key = j.outputs[0]["location"].removeprefix(f"s3://{bucket}/")
        assert key in keys and key.replace(".wav", ".json") in keys
        obj = client_s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert hashlib.sha256(obj).hexdigest() == j.outputs[0]["sha256"]


async def test_resume_sends_if_range_with_the_validator_saved_at_the_first_byte(
    fresh_emulator, tmp_path
):
    """The ETag is kept as soon as the response starts, so a transfer cut short resumes with
    If-Range; a validator that no longer matches gets the whole file again, never a splice."""
    from genesys_tui.storage.presigned import DownloadError, download

    cid = recorded_conversation(fresh_emulator)
    async with client_for(fresh_emulator) as client:
        [rec] = (await client.recordings.list(cid, "WAV"))[:1]
        url = rec.media_uri()
        part = tmp_path / "x.wav.part"
        seen: list[str | None] = []
        fresh_emulator.emulator.faults.set("reset=1")
        with pytest.raises(DownloadError):
            await download(client.api, url, part, on_validator=seen.append)
        fresh_emulator.emulator.faults.set("")
        assert seen and seen[0] and part.stat().st_size > 0
        have = part.stat().st_size
        got = await download(client.api, url, part, etag=seen[0])
        assert (
            fresh_emulator.emulator.stats["s3.if-range"] == 1
            and fresh_emulator.emulator.stats["s3.range"] == 1
        )
        assert got.size == rec.output_size_in_bytes and have < got.size
        whole = part.read_bytes()
        part.write_bytes(whole[:have])
        again = await download(client.api, url, part, etag='"not-the-same"')  # the object changed
        assert again.size == got.size and part.read_bytes() == whole


async def test_a_failed_job_keeps_nothing_in_staging_and_cleared_jobs_leave_nothing(
    emulator, tmp_path
):
    from genesys_tui.flows.pull.housekeeping import sweep_staging
    from genesys_tui.storage.sinks import SinkError

    class Refusing(LocalSink):  # the download and the conversion succeed; storing never does
        def store(self, *a, **kw):
            raise SinkError("the target refuses everything")

    cid = recorded_conversation(emulator)
    store = JobStore(tmp_path / "jobs.sqlite3")
    async with client_for(emulator) as client:
        job, _ = store.add(
            cid, ALL_RECORDINGS, "mono", str(tmp_path / "out"), {"conversationId": cid}
        )
        runner = runner_for(client, store, tmp_path, Refusing(tmp_path / "out"), max_attempts=2)
        await runner.run([job.id])
        await runner.close()
    failed = [j for j in store.all() if not j.is_expansion]
    assert failed and all(j.state == FAILED and "refuses" in j.last_error for j in failed)
    assert list((tmp_path / "staging").iterdir()) == []
    # Files a crash left for jobs that were then cleared go too.
    (tmp_path / "staging" / f"{failed[0].id}.source.wav").write_bytes(b"x")
    (tmp_path / "staging" / "999.source.wav").write_bytes(b"x")
    store.clear([FAILED])
    assert sweep_staging(store, tmp_path / "staging") == 2
    assert list((tmp_path / "staging").iterdir()) == []


async def test_a_job_cancelled_before_its_first_step_is_recorded_cancelled(emulator, tmp_path):
    """The task exists but never ran (cancelled in the same tick it was scheduled): its own handler
    never runs, so the cancel must be recorded for it."""
    cid = recorded_conversation(emulator)
    store = JobStore(tmp_path / "jobs.sqlite3")
    async with client_for(emulator) as client:
        job, _ = store.add(cid, "r-1", "wav", str(tmp_path / "out"), {"conversationId": cid})
        runner = runner_for(client, store, tmp_path, LocalSink(tmp_path / "out"))
        runner.start(job)
        runner.cancel(job.id)  # no await in between: the coroutine was never entered
        await asyncio.sleep(0.05)
        await runner.close()
    assert store.get(job.id).state == CANCELLED


async def test_the_store_never_holds_a_presigned_url(tmp_path, monkeypatch):
    """The queue handles presigned URLs (refreshed when they expire, resumed after a reset), yet
    none of them, nor the emulator's address, is ever written to the job store or its WAL."""
    with EmulatorServer(
        small_org(
            conversations=40,
            duration_scale=0.05,
            faults="expire=0.5,reset=0.3",
            seed=5,
            rate_limit_per_minute=FAST_LIMIT,
        )
    ) as srv:
        store = JobStore(tmp_path / "jobs.sqlite3")
        out = tmp_path / "out"
        seen: list[str] = []
        from genesys_tui.storage import presigned

        real = presigned.download

        async def spy(api, url, *a, **kw):  # every URL the queue fetched
            seen.append(url)
            return await real(api, url, *a, **kw)

        monkeypatch.setattr(presigned, "download", spy)
        async with client_for(srv, rate_limit_per_minute=FAST_LIMIT) as client:
            client._anchor = srv.emulator.s.anchor
            ids = await plan_all(client, store, str(out), "wav", limit=12)
            runner = runner_for(client, store, tmp_path, LocalSink(out), max_attempts=20)
            await runner.run(ids)
            await runner.close()
        assert seen and all("X-Amz-Signature" in u for u in seen)
        done = [j for j in store.all([DONE]) if not j.is_expansion]
        assert len(done) >= 5 and len(seen) > len(done)  # fetched, some URLs refused or cut
        assert all(j.etag for j in done)  # what the store does keep: the validator
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("jobs.sqlite3*"))
        for u in seen:
            assert u.split("?")[1].encode() not in raw
        assert b"X-Amz" not in raw and srv.base_url.encode() not in raw


async def test_recordings_start_while_genesys_still_prepares_the_batch(tmp_path, fresh_emulator):
    """A batch's ready results are downloaded while it runs: with Genesys never finishing the
    batch, the conversation's recordings are all stored; when it finishes, none is fetched
    twice."""
    from genesys_tui.flows.pull.model import RESOLVING

    srv = fresh_emulator
    srv.emulator.s.batch_seconds = 3600  # InProgress, with its results, until told otherwise
    cid = recorded_conversation(srv)
    want = {r.id for r in srv.emulator.org.detail(srv.emulator.org.find(cid)).recordings}
    store = JobStore(tmp_path / "jobs.sqlite3")
    parent, _ = store.add(cid, ALL_RECORDINGS, "original", str(tmp_path / "out"), {})
    async with client_for(srv) as client:
        runner = runner_for(client, store, tmp_path, LocalSink(tmp_path / "out"), batch=True)
        runner.resolver.poll_s = 0.05
        run = asyncio.create_task(runner.run([parent.id]))

        async def children_done() -> list:
            while True:
                done = [j for j in store.all([DONE]) if not j.is_expansion]
                if len(done) == len(want):
                    return done
                await asyncio.sleep(0.05)

        done = await asyncio.wait_for(children_done(), 60)
        assert {j.recording_id for j in done} == want
        assert store.get(parent.id).state == RESOLVING  # the batch is still being prepared
        srv.emulator.s.batch_seconds = 0
        await asyncio.wait_for(run, 60)
        await runner.close()
    assert store.get(parent.id).state == DONE
    children = [j for j in store.all() if not j.is_expansion]
    assert len(children) == len(want)  # each recording once, though the end lists them again
    assert len(list((tmp_path / "out").rglob("*.wav"))) + len(
        list((tmp_path / "out").rglob("*.opus"))
    ) == len(want)
