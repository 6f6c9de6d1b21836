"""Recording annotations over real HTTP: the system's pause annotations and people's bookmarks,
created, updated in place, listed (and inside the recording), refused when they break the rules,
deleted."""

from __future__ import annotations

import asyncio

import pytest

from genesys_tui.genesys import errors as E
from tests.integration.test_emulator_contract import recorded_conversation
from tests.integration.test_notifications import client_for


def test_bookmarks_are_created_updated_listed_refused_and_deleted(fresh_emulator):
    srv = fresh_emulator
    cid = recorded_conversation(srv, pause=True)

    async def go():
        async with client_for(srv) as c:
            (rec, *_) = await c.recordings.list(cid, "NONE")
            rid = rec.id
            system = await c.annotations.list(cid, rid)
            assert system and all(a.type == "Pause" for a in system)
            made = await c.annotations.bookmark(
                cid, rid, 12_000, "Missed disclosure", "no recording notice"
            )
            assert made.id and made.location == 12_000 and made.type == "Bookmark"
            again = await c.annotations.bookmark(
                cid, rid, 15_000, "Missed disclosure", "moved", annotation_id=made.id
            )
            assert again.id == made.id and again.location == 15_000
            listed = await c.annotations.list(cid, rid)
            marks = [a for a in listed if a.type == "Bookmark"]
            assert [(a.id, a.location, a.description) for a in marks] == [
                (made.id, 15_000, "moved")
            ]
            (fresh, *_) = [r for r in await c.recordings.list(cid, "NONE") if r.id == rid]
            assert any(a.id == made.id for a in fresh.annotations)
            api = c.api
            path = f"/api/v2/conversations/{cid}/recordings/{rid}/annotations"
            for body in (
                {"type": "Bookmark", "location": 0, "description": "x" * 501},
                {
                    "type": "Bookmark",
                    "location": rec.duration_ms * 10 if rec.duration_ms else 10**9,
                },
                {"type": "Pause", "location": 0},
                {"type": "Bookmark", "location": "soon"},
            ):
                with pytest.raises(E.BadRequest):
                    await api.post_json(path, body)
            await c.annotations.delete(cid, rid, made.id)
            assert not [a for a in await c.annotations.list(cid, rid) if a.type == "Bookmark"]
            with pytest.raises(E.NotFound):
                await c.annotations.delete(cid, rid, made.id)
            with pytest.raises(E.NotFound):
                await c.annotations.list(cid, "00000000-0000-4000-8000-000000000000")

    asyncio.run(go())


def test_bookmarks_show_in_recordings_and_metadata_only_as_the_permissions_allow(fresh_emulator):
    """RecordingApi.md (SDK 257.1.0): a recording's bookmarks are excluded without
    recording:annotation:view; its metadata's without either that or recording:recording:view."""
    from genesys_tui.emulator.permissions import ALL_PERMISSIONS

    srv = fresh_emulator
    cid = recorded_conversation(srv, pause=True)

    async def seen():
        async with client_for(srv) as c:
            (rec, *_) = await c.recordings.list(cid, "NONE")
            in_rec = [a.id for a in rec.annotations if a.type == "Bookmark"]
            meta = await c.api.get_json(f"/api/v2/conversations/{cid}/recordingmetadata")
            in_meta = [a["id"] for m in meta for a in m.get("annotations", [])]
            return rec.id, in_rec, in_meta

    async def mark(rid):
        async with client_for(srv) as c:
            return (await c.annotations.bookmark(cid, rid, 1000, "note", "why")).id

    rid, _, _ = asyncio.run(seen())
    made = asyncio.run(mark(rid))
    try:
        assert asyncio.run(seen())[1:] == ([made], [made])  # both, with every permission
        srv.emulator.granted = ALL_PERMISSIONS - {"recording:annotation:view"}
        assert asyncio.run(seen())[1:] == ([], [])
        srv.emulator.granted = ALL_PERMISSIONS - {"recording:recording:view"}
        assert asyncio.run(seen())[1:] == ([made], [])  # the metadata needs both
    finally:
        srv.emulator.granted = ALL_PERMISSIONS


def test_a_holds_id_changes_with_every_request_and_nothing_keys_on_it(fresh_emulator):
    """Annotation.md (SDK 257.1.0): pause annotations share one id, holds get a random one at each
    request. The timeline Review aligns with, and its bookmarks, stay the same."""
    from genesys_tui.flows.review.align import RecordingTimeline

    srv = fresh_emulator
    org = srv.emulator.org
    cid = next(
        org.ids[i]
        for i in range(len(org.ids))
        if org.recorded[i] and not org.live[i] and not org.archived[i]
        if org.hold_ms[i] and org.pause_ms[i]
    )

    async def go():
        async with client_for(srv) as c:
            first, second = (
                await c.recordings.list(cid, "NONE"),
                await c.recordings.list(cid, "NONE"),
            )
            holds = [
                [a.id for r in rs for a in r.annotations if a.reason == "Hold"]
                for rs in (first, second)
            ]
            pauses = [
                {a.id for r in rs for a in r.annotations if a.reason == "SecurePause"}
                for rs in (first, second)
            ]
            assert holds[0] and len(set(holds[0])) == len(holds[0])
            assert not set(holds[0]) & set(holds[1])
            assert pauses[0] == pauses[1] and len(pauses[0]) == 1
            lines = [[RecordingTimeline.from_recording(r) for r in rs] for rs in (first, second)]
            assert lines[0] == lines[1] and any(t.pauses for t in lines[0])

    asyncio.run(go())
