"""Live supervision: pushed (Notifications) against polled (the details query and a read per call
every 5 s, what Supervise did before), on the same emulator, side by side.

The emulator runs in a process of its own with its live contact centre: about 50 calls live at
once, arriving and ending (call lengths scaled down so an hour's churn, about 600 calls, passes in
a few minutes). Measured, for each way of keeping the list:
- requests a minute spent keeping it (the emulator counts them);
- how late a call that starts shows in the list (from its start to the list's change);
- the memory of the process keeping the list, sampled through the churn (pushed only: it is the
  one that runs for hours; the number that matters is whether it stays flat).

Run: python bench/live.py   (--smoke (or BENCH_SMALL=1) for a quick run of the script itself; writes
bench/RESULTS.md)
"""

from __future__ import annotations

import sys

# bench/ holds a queue.py, named like the standard library's queue: keep this folder off sys.path.
sys.path = [p for p in sys.path if p not in ("", __file__.rsplit("/", 1)[0])]

import asyncio  # noqa: E402
import importlib.util  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402
import psutil  # noqa: E402

_spec = importlib.util.spec_from_file_location("_results", Path(__file__).with_name("_results.py"))
_results = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_results)
verdict = _results.verdict

SMALL = os.environ.get("BENCH_SMALL") == "1"
SCALE = 0.05  # call lengths: a 5-minute call lasts 15 s
RATE = 180.0  # calls a minute: with calls of about 17 s, about 50 live at once
CHURN_MINUTES = (0.025 if _results.SMOKE else 0.5) if SMALL else 3.0
POLL_MINUTES = (0.015 if _results.SMOKE else 0.25) if SMALL else 1.0
EVERY = 1.0 if _results.SMOKE else 5.0  # the polling it is compared with: every 5 s


def serve(port: int, ready) -> None:
    from genesys_tui.emulator import EmulatorServer, EmulatorSettings

    settings = EmulatorSettings(
        seed=9,
        conversations=400,
        days=3,
        live_calls=6 if _results.SMOKE else 50,
        agents=80,
        queues=10,  # the floor view's bench: 10 queues, 80 agents
        live_rate=RATE,
        duration_scale=SCALE,
        live_tick_seconds=0.05,
        control=True,
        transcript_delay_seconds=2.0,
    )
    srv = EmulatorServer(settings, port=port)
    srv.start()
    ready.set()
    while True:
        time.sleep(3600)


def client_for(base: str):
    from genesys_tui.context import Target, build_client
    from genesys_tui.core.config import Profile
    from genesys_tui.emulator import EmulatorSettings
    from genesys_tui.genesys.regions import hosts_for

    s = EmulatorSettings()
    profile = Profile(name="bench", region="us_east_1", base_url=base, client_id=s.client_id)
    return build_client(
        Target(profile, hosts_for("us_east_1", base), False, False), s.client_id, s.client_secret
    )


def api_count(base: str) -> int:
    return httpx.get(base + "/__emulator/state").json()["stats"].get("api", 0)


async def pushed(base: str) -> dict:
    from genesys_tui.core.config import SuperviseSettings
    from genesys_tui.flows.supervise.floor import Floor
    from genesys_tui.flows.supervise.watch import LiveWatch

    late: list[float] = []
    proc = psutil.Process()
    measuring = False  # from when the first full read is over and its backlog applied

    def on_event(e) -> None:
        c = e.change
        new = e.kind == "change" and c is not None and c.kind == "new"
        if new and measuring and c.call and c.call.start and not watch.board.in_full_read:
            late.append(time.time() - c.call.start.timestamp())

    async with client_for(base) as client:
        names = await client.directory.names()
        watch = LiveWatch(client, SuperviseSettings(), names, on_event=on_event)
        task = asyncio.create_task(watch.run())
        while watch.board.updated is None:
            await asyncio.sleep(0.1)
        floor = Floor(client, SuperviseSettings(), names, board=watch.board)  # Supervise's `f`
        floor_task = asyncio.create_task(floor.run())
        while floor.mode != "push":
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.2 if _results.SMOKE else 2)
        measuring = True
        calls_at_start = len(watch.board.calls)
        before, t0 = api_count(base), time.monotonic()
        rss = []
        while time.monotonic() - t0 < CHURN_MINUTES * 60:
            await asyncio.sleep(0.5 if _results.SMOKE else 5)
            rss.append(proc.memory_info().rss / 1e6)
        minutes = (time.monotonic() - t0) / 60
        spent = api_count(base) - before
        calls_at_end = len(watch.board.calls)
        shown = (len(floor.queue_rows()), len(floor.agent_rows()))
        task.cancel()
        floor_task.cancel()
    return {
        "per_minute": spent / minutes,
        "late": late,
        "rss": rss,
        "live": (calls_at_start, calls_at_end),
        "mode": watch.board.mode,
        "arrived": len(late),
        "floor": shown,
    }


async def polled(base: str) -> dict:
    """What Supervise did before: every 5 s the details query, then each call read."""
    from genesys_tui.core.config import SuperviseSettings
    from genesys_tui.flows.supervise.live import live_calls

    settings = SuperviseSettings()
    seen: dict[str, datetime] = {}
    late: list[float] = []
    async with client_for(base) as client:
        names = await client.directory.names()
        first = True
        before, t0 = api_count(base), time.monotonic()
        while time.monotonic() - t0 < POLL_MINUTES * 60:
            began = time.monotonic()
            calls = await live_calls(client, settings, names)
            now = time.time()
            for c in calls:
                if c.conversation_id not in seen and c.start:
                    seen[c.conversation_id] = c.start
                    if not first:
                        late.append(now - c.start.timestamp())
            first = False
            await asyncio.sleep(max(0.0, EVERY - (time.monotonic() - began)))
        minutes = (time.monotonic() - t0) / 60
        spent = api_count(base) - before
    return {"per_minute": spent / minutes, "late": late, "live": len(calls)}


def talking_through(emu, cid: str, a: int, b: int) -> bool:
    """An agent talks from a to b by the call's plan: no hold, secure pause or transfer in it
    (those are not silence), and the call is transcribed (without a transcript there is no
    silence to measure)."""
    plan = next((c.full for c in emu.centre.calls.values() if c.view.id == cid), None)
    org = emu.org
    if plan is None or not org.transcribed[org.find(cid)]:
        return False
    return any(s <= a and b <= e for s, e in plan.script.windows)


SILENCE_MINUTES = 3 if _results.SMOKE else (15 if SMALL else 60)  # of the org's own time


async def silences(minutes: float) -> dict:
    """False and missed silence alerts, on the org's own clock (stepped, so an emulated hour
    takes a minute or two and every message is in before each check): natural calls (the
    transcript 20 s late, as configured), and now and then a scripted 60 s of nobody speaking on
    a connected call where, by its plan, the agent talks on through it and 30 s after, and which
    is transcribed (hold, secure pause and a transfer are not silence, and a call without a
    transcript has none to measure). A silence alert on a call that was scripted one is a hit; any other is
    false; a scripted call without one is missed."""
    from dataclasses import replace

    from genesys_tui.core.config import AlertRules, SuperviseSettings
    from genesys_tui.emulator import EmulatorServer, EmulatorSettings
    from genesys_tui.flows.supervise import watch as watch_module
    from genesys_tui.flows.supervise.alerts import SILENCE
    from genesys_tui.flows.supervise.watch import LiveWatch

    watch_module.COALESCE = 0.05  # topic changes at once: the org's minutes pass in wall seconds
    settings = EmulatorSettings(
        seed=5,
        conversations=200,
        days=2,
        agents=40,
        live_rate=6.0,
        stepped_clock=True,
        control=True,
        transcript_delay_seconds=20.0,
    )
    rules = AlertRules(silence_seconds=45, hold_seconds=0, queue_wait_seconds=0)
    raised: list = []
    scripted: dict[str, int] = {}  # conversation -> when its silence starts (org ms)
    step, call_seconds = 2.0, 0.0
    with EmulatorServer(settings) as srv:
        emu = srv.emulator

        def clock():
            return datetime.fromtimestamp(emu.now_ms() / 1000, UTC)

        async with client_for(srv.base_url) as client:
            names = await client.directory.names()
            watch = LiveWatch(
                client,
                replace(SuperviseSettings(), alerts=rules),
                names,
                on_event=lambda e: (
                    raised.append(e.alert)
                    if e.kind == "alert" and e.alert.kind == SILENCE
                    else None
                ),
                clock=clock,
            )
            task = asyncio.create_task(watch.run())
            while watch.board.updated is None:
                await asyncio.sleep(0.05)
            next_script = emu.now_ms() + 20_000
            last_script = emu.now_ms() + int((minutes * 60 - 120) * 1000)  # each is seen out
            for _ in range(int(minutes * 60 / step)):
                await asyncio.to_thread(srv.advance, step)
                deadline = time.monotonic() + 10
                while client.notifications.received < emu.hub.sent and time.monotonic() < deadline:
                    await asyncio.sleep(0.005)
                talking = [
                    c
                    for c in watch.board.calls.values()
                    if any(a.state == "connected" for a in c.agents)
                ]
                call_seconds += step * len(talking)
                for call in list(watch.board.calls.values()):
                    watch._check(call)
                now = emu.now_ms()
                if next_script <= now <= last_script:
                    fit = [
                        c.conversation_id
                        for c in talking
                        if c.conversation_id not in scripted
                        and talking_through(emu, c.conversation_id, now + 5_000, now + 95_000)
                    ]
                    if fit:
                        cid = fit[0]
                        httpx.post(
                            srv.base_url + "/__emulator/silence",
                            json={"conversationId": cid, "after_seconds": 5, "seconds": 60},
                        )
                        scripted[cid] = now + 5_000
                    next_script = now + 30_000
            task.cancel()
    hits = {a.conversation_id for a in raised if a.conversation_id in scripted}
    false = [a for a in raised if a.conversation_id not in scripted]
    false += [a for a in raised if a.conversation_id in scripted][len(hits) :]  # a second one
    hours = call_seconds / 3600
    return {
        "hours": hours,
        "false": len(false),
        "per_hour": len(false) / hours if hours else float("nan"),
        "scripted": len(scripted),
        "missed": len(scripted) - len(hits),
        "minutes": minutes,
    }


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> None:
    from genesys_tui.core.asgi_thread import free_port

    port = free_port()
    ready = multiprocessing.Event()
    emu = multiprocessing.Process(target=serve, args=(port, ready), daemon=True)
    emu.start()
    ready.wait(60)
    base = f"http://127.0.0.1:{port}"
    try:
        time.sleep(0.5 if SMALL else 3)
        poll = asyncio.run(polled(base))
        push = asyncio.run(pushed(base))
    finally:
        emu.terminate()
    quiet = asyncio.run(silences(SILENCE_MINUTES))
    rss = push["rss"]
    third = max(1, len(rss) // 3)
    early, late_rss = statistics.mean(rss[:third]), statistics.mean(rss[-third:])
    rows = [
        "| | pushed (Notifications) | polled every 5 s (before) | target |",
        "|---|---|---|---|",
        f"| requests a minute keeping ~{push['live'][0]} live calls and the floor "
        f"({push['floor'][0]} queues, {push['floor'][1]} agents) | "
        f"**{push['per_minute']:.1f}** | {poll['per_minute']:.0f} | < 10: "
        f"**{verdict(push['per_minute'] < 10)}** |",
        f"| a new call in the list after it starts: median / p95 / max | "
        f"**{pct(push['late'], 0.5):.2f} / {pct(push['late'], 0.95):.2f} / "
        f"{max(push['late'] or [float('nan')]):.2f} s** ({push['arrived']} calls) | "
        f"{pct(poll['late'], 0.5):.2f} / {pct(poll['late'], 0.95):.2f} / "
        f"{max(poll['late'] or [float('nan')]):.2f} s ({len(poll['late'])} calls) | "
        f"< 1 s: **{verdict(pct(push['late'], 0.95) < 1)}** (p95) |",
        f"| memory of the process through {CHURN_MINUTES:.0f} min of churn "
        f"(~{push['arrived']} calls came and went) | first third {early:.0f} MB, last third "
        f"{late_rss:.0f} MB ({late_rss - early:+.1f} MB) | | flat: "
        f"**{verdict(late_rss - early < 10)}** |",
        f"| false silence alerts per call-hour ({quiet['minutes']:.0f} min of the org's time, "
        f"{quiet['hours']:.1f} call-hours, transcript 20 s late, threshold 45 s) | "
        f"**{quiet['per_hour']:.2f}** ({quiet['false']}) | | 0: "
        f"**{verdict(quiet['false'] == 0)}** |",
        f"| scripted silences of 60 s missed | **{quiet['missed']} of {quiet['scripted']}** | | "
        f"0: **{verdict(quiet['missed'] == 0 and quiet['scripted'] > 0)}** |",
    ]
    body = (
        f"\n`python bench/live.py` on {platform.machine()}, {os.cpu_count()} cores, "
        f"{datetime.now(UTC):%Y-%m-%d}. The emulator in its own process: about 50 calls live at "
        f"once, {RATE:.0f} arriving a minute with call lengths scaled by {SCALE} (an hour's churn "
        f"of a 50-call floor in {CHURN_MINUTES:.0f} minutes). Pushed: the LiveWatch that Supervise "
        "and `supervise watch` run, with the default alert rules (so every live call's words are "
        "subscribed too: topic changes are sent together every 10 s). Polled: the details query "
        "and a read per call every 5 s, what Supervise did before. Delays are measured from the "
        "call's start (its first participant's startTime) to the list's change, on one clock. "
        "The floor (Supervise's `f`: 10 queues, 80 agents) runs beside it, pushed too. Silences: "
        "a second emulator on a stepped clock at natural call lengths, about 6 calls arriving a "
        "minute, every 30 s a scripted 60 s of nobody speaking on a connected call.\n\n"
        + "\n".join(rows)
    )
    print(body)
    _results.write_section("Live supervision: pushed against polled", body)


if __name__ == "__main__":
    main()
