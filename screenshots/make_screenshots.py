"""Regenerate screenshots/: drive the demo org through the real app and save an SVG and a PNG of
each main screen.

Run: pip install -e '.[dev]' && python screenshots/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
SIZE = (160, 45)
ANCHOR = datetime(2026, 5, 14, 15, 30, tzinfo=UTC)
BRAILLE = re.compile("[\u2800-\u28ff]")


def svg_to_png(
    svg: str,
    out: Path,
    width: int = 1600,
    mono: str = "DejaVu Sans Mono",
    braille_font: str = "DejaVu Sans",
) -> None:
    """cairosvg has no per-glyph font fallback: use an installed monospace font for text, and a
    braille-capable one for runs of braille (waveforms)."""
    import cairosvg

    svg = svg.replace("font-family: Fira Code, monospace", f"font-family: {mono}, monospace")

    def fix(m: re.Match) -> str:
        tag, body = m.group(1), m.group(2)
        if BRAILLE.search(body):
            tag = tag.replace("<text ", f'<text style="font-family: {braille_font}" ', 1)
        return tag + body + "</text>"

    svg = re.sub(r"(<text [^>]*>)(.*?)</text>", fix, svg, flags=re.S)
    cairosvg.svg2png(bytestring=svg.encode(), write_to=str(out), output_width=width)


async def capture() -> dict[str, str]:
    import keyring
    from keyring.backends import null

    from genesys_tui.context.app import demo_context
    from genesys_tui.core.config import Config
    from genesys_tui.core.paths import AppPaths
    from genesys_tui.emulator import EmulatorServer, EmulatorSettings
    from genesys_tui.tui.app import GenesysApp
    from genesys_tui.tui.launch import make_app

    keyring.set_keyring(null.Keyring())  # never touch the real keyring from here
    shots: dict[str, str] = {}
    from genesys_tui.core.asgi_thread import free_port
    from genesys_tui.genesys.pkce import redirect_uri_for

    port = free_port()  # the demo's PKCE callback, registered on the emulator's client
    settings = EmulatorSettings(
        seed=7,
        conversations=400,
        anchor=ANCHOR,
        stepped_clock=True,  # the org's clock stays at the app's "now": the floor's times are exact
        transcode_seconds=0.1,
        redirect_uris=(redirect_uri_for(port),),
    )
    with EmulatorServer(settings) as srv, tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        import os

        os.environ["HOME"] = str(t / "home")  # paths on screen read ~/…, the same every run
        paths = AppPaths(t / "config.toml", t / "data", t / "cache", t / "log")

        def app(signed_in: bool = True) -> GenesysApp:
            ctx = demo_context(
                srv,
                Config(),
                paths,
                redirect_port=port,
                store_path=t / "jobs.sqlite3",
                downloads=t / "home" / "recordings",
                now=ANCHOR,
                signed_in=signed_in,
            )
            return make_app(ctx)

        async def settle(pilot, a) -> None:
            for _ in range(200):
                await pilot.pause(0.05)
                busy = [w for w in a.workers if w.is_running and w.name != "live-board"]
                if (
                    a.session
                    and a.area("browse")
                    and not a.area("browse").fetching
                    and not busy
                    and a.doctor_report is not None
                ):
                    break
            await pilot.pause(0.3)

        a = app()
        async with a.run_test(size=SIZE) as pilot:
            await settle(pilot, a)
            await pilot.press(*["j"] * 6)
            await pilot.pause(0.4)  # the detail pane loads after a short debounce
            await settle(pilot, a)
            shots["browse"] = a.export_screenshot(title="genesys-tui: browse")
            await pilot.press("f")
            await pilot.pause(0.4)
            shots["filters"] = a.export_screenshot(title="genesys-tui: filters")
            await pilot.press("escape")
            await pilot.press("t")  # today's calls
            await settle(pilot, a)
            await pilot.press("D")
            await pilot.pause(0.4)
            await pilot.press("enter")  # the queue dialog, with its defaults
            await pilot.pause(0.4)
            if type(a.screen).__name__ == "ConfirmDialog":  # focus starts on Cancel
                await pilot.press("shift+tab", "enter")
            await pilot.press("2")
            for _ in range(80):
                await pilot.pause(0.25)
                if (
                    a.services
                    and a.services.pull.totals
                    and a.services.pull.totals.counts.get("done", 0) >= 6
                ):
                    break
            await pilot.pause(0.6)
            shots["queue"] = a.export_screenshot(title="genesys-tui: queue")
            # A queue in progress, over a slow link, so rates and times left show.
            srv.emulator.s.media_bytes_per_second = 400_000
            await pilot.press("1", "y")  # yesterday's calls
            await settle(pilot, a)
            await pilot.press("D")
            await pilot.pause(0.4)
            await pilot.press("enter")
            await pilot.pause(0.4)
            if type(a.screen).__name__ == "ConfirmDialog":
                await pilot.press("shift+tab", "enter")
            await pilot.press("2")
            for _ in range(150):
                await pilot.pause(0.2)
                live = a.area("queue").live.values() if a.area("queue") else []
                if sum(1 for ev in live if ev.rate_bps and ev.state == "downloading") >= 3:
                    break
            await pilot.pause(1.0)
            a.area("queue").query_one("VirtualTable").cursor = 0  # the transfers, at the top
            a.clear_notifications()
            await pilot.pause(0.3)
            shots["queue-progress"] = a.export_screenshot(title="genesys-tui: queue in progress")
            a.services.pull.cancel_all()
            srv.emulator.s.media_bytes_per_second = 0
            await pilot.pause(0.5)
            await pilot.press("question_mark")
            await pilot.pause(0.3)
            shots["help"] = a.export_screenshot(title="genesys-tui: help")
            await pilot.press("escape", "1", "w")  # back to the last 7 days
            await settle(pilot, a)
            org, model = srv.emulator.org, a.area("browse").model
            row = next(
                i
                for i in range(len(model))
                if (k := org.find(model.summary(i).conversation_id)) is not None
                and model.summary(i).end
                and org.transcribed[k]
                and org.pause_ms[k]
                and org.recorded[k]
                and not org.archived[k]
            )
            a.area("browse").query_one("VirtualTable").cursor = row
            await pilot.pause(0.2)
            await pilot.press("enter")  # open it in Review
            for _ in range(100):
                await pilot.pause(0.1)
                if a.area("review") and a.area("review").review and not a.area("review").fetching:
                    break
            await pilot.press(*["down"] * 5, "plus")
            await pilot.pause(0.5)
            a.clear_notifications()
            await pilot.pause(0.2)
            shots["review"] = a.export_screenshot(title="genesys-tui: review")
            await qa_screens(pilot, a, shots, settle)
            await pilot.press("4")  # Supervise: the live calls, signed in as the demo supervisor
            for _ in range(100):
                await pilot.pause(0.1)
                sup = a.area("supervise")
                if sup and sup.calls and sup.desk and not sup.fetching:
                    break
            live = srv.emulator.org.ids[int(srv.emulator.org.live.nonzero()[0][1])]
            sup.query_one("VirtualTable").cursor = next(
                i for i, (c, _) in enumerate(sup.rows) if c.conversation_id == live
            )
            await pilot.pause(0.3)
            shots["supervise"] = a.export_screenshot(title="genesys-tui: supervise")
            await pilot.press("m")
            for _ in range(50):
                await pilot.pause(0.1)
                if type(a.screen).__name__ == "ConfirmDialog":
                    break
            await pilot.pause(0.3)
            shots["supervise-confirm"] = a.export_screenshot(
                title="genesys-tui: supervise, confirmation"
            )
            await pilot.press("escape")
            await pilot.pause(0.3)
            await pilot.press("f")  # the floor: queues and agents
            for _ in range(100):
                await pilot.pause(0.1)
                fl = sup.floor
                if fl is not None and fl.mode == "push" and fl.agent_rows():
                    break
            await pilot.pause(1.2)
            shots["supervise-floor"] = a.export_screenshot(title="genesys-tui: supervise, floor")
            await pilot.press("f")
            await pilot.pause(0.3)
            # Export: a job of yesterday's calls, counted, confirmed and under way
            srv.emulator.s.export_target = f"dir:{t / 'bucket'}"
            await pilot.press("5", "n")
            for _ in range(50):
                await pilot.pause(0.1)
                if type(a.screen).__name__ == "PromptDialog":
                    break
            a.screen.query_one("Input").value = "yesterday"
            await pilot.press("enter")
            for _ in range(100):
                await pilot.pause(0.1)
                if type(a.screen).__name__ == "ConfirmDialog":
                    break
            await pilot.pause(0.3)
            shots["export-confirm"] = a.export_screenshot(title="genesys-tui: export, confirmation")
            await pilot.click("#confirm")
            ex = a.area("export")
            for _ in range(300):
                await pilot.pause(0.1)
                ex.refresh_jobs()
                if ex.jobs and (ex.jobs[0].percent_progress or 0) >= 30:
                    break
            await pilot.pause(0.5)
            a.clear_notifications()
            await pilot.pause(0.2)
            shots["export"] = a.export_screenshot(title="genesys-tui: export")
            # c: the bucket check of that job's interval, once Genesys has finished it
            for _ in range(1800):
                await pilot.pause(0.1)
                ex.refresh_jobs()
                if ex.jobs and ex.jobs[0].state == "FULFILLED":
                    break
            await pilot.press("c")
            await pilot.pause(0.3)
            await pilot.press("enter")  # the job's interval
            await pilot.pause(0.3)
            a.screen.query_one("Input").value = str(t / "bucket")
            await pilot.press("enter")
            panel = ex.query_one("#export-check")
            for _ in range(600):
                await pilot.pause(0.1)
                if panel.has_class("-shown"):
                    break
            await pilot.pause(0.3)
            a.clear_notifications()
            await pilot.pause(0.2)
            shots["export-check"] = a.export_screenshot(title="genesys-tui: export, bucket check")
            await a.shutdown()
        b = app(signed_in=False)
        async with b.run_test(size=SIZE) as pilot:
            await pilot.pause(0.5)
            shots["sign-in"] = b.export_screenshot(title="genesys-tui: sign in")
        c = app()
        async with c.run_test(size=(100, 30)) as pilot:  # a small terminal
            await settle(pilot, c)
            await pilot.pause(0.5)
            shots["browse-100x30"] = c.export_screenshot(title="genesys-tui: browse at 100x30")
            await c.shutdown()
    shots["supervise-live"] = await live_supervision(port)
    return shots


async def qa_screens(pilot, a, shots: dict[str, str], settle) -> None:
    """From Review: a bookmark, the evaluation form half filled, then a search across today's
    calls from Browse."""
    from textual.widgets import Input

    from genesys_tui.tui.widgets.evaluation_form import EvaluationForm

    await pilot.press("m")
    await pilot.pause(0.3)
    a.screen.query_one(Input).value = "agent skipped the recording disclosure"
    await pilot.press("enter")
    await pilot.press("down", "down", "down")  # on: the bookmark's ◆ shows beside the playhead
    await pilot.pause(0.3)
    shots["review-bookmark"] = a.export_screenshot(title="genesys-tui: review, a bookmark")
    await pilot.press("v")
    panel = a.area("review").query_one(EvaluationForm)
    for _ in range(100):
        await pilot.pause(0.1)
        if panel.form is not None:
            break
    await pilot.press("1", "1", "1", "2", "2")
    await pilot.pause(0.3)
    shots["review-evaluation"] = a.export_screenshot(title="genesys-tui: review, evaluating")
    await pilot.press("v", "A", "z")  # the agent alone, silences skipped, a loop of 5 seconds
    review = a.area("review")
    from genesys_tui.tui.widgets.timeline import Timeline

    tl = review.query_one(Timeline)
    tl.set_playhead(tl.playhead + tl.rate * 2)
    await pilot.press("left_parenthesis")
    review.listening.loop_out_ms = (tl.playhead + tl.rate * 5) * 1000 // tl.rate
    review.apply_listening()
    await pilot.pause(0.3)
    shots["review-player"] = a.export_screenshot(title="genesys-tui: review, the player")
    await pilot.resize_terminal(80, 24)
    await pilot.pause(0.5)
    shots["review-80x24"] = a.export_screenshot(title="genesys-tui: review at 80x24")
    await pilot.resize_terminal(*SIZE)
    await pilot.press("1", "t")  # back to Browse, today's calls
    await settle(pilot, a)
    await pilot.press("slash")
    a.area("browse").query_one("#live-filter", Input).value = "said:refund"
    await pilot.press("enter")
    for _ in range(1200):
        await pilot.pause(0.1)
        found = getattr(a.screen, "found", None)
        if found is not None:
            break
    await pilot.pause(0.3)
    a.clear_notifications()
    shots["search"] = a.export_screenshot(title="genesys-tui: search across calls")
    await pilot.press("escape")
    await pilot.pause(0.2)
    await pilot.press("p")  # a QA sample of today's calls, one per agent
    await pilot.pause(0.3)
    a.screen.query_one("#n", Input).value = "1"
    await pilot.click("#ok")
    for _ in range(1200):
        await pilot.pause(0.1)
        sample = getattr(a.screen, "sample", None)
        if sample is not None and len(a.screen.states) == len(sample.picked):
            break
    await pilot.pause(0.3)
    a.clear_notifications()
    shots["sample"] = a.export_screenshot(title="genesys-tui: a QA sample")
    await pilot.press("escape")
    await pilot.pause(0.2)


async def live_supervision(port: int) -> str:
    """Supervise on a live contact centre (the emulator's --live-rate): calls arriving and
    ending, the selected call's words as they come, an alert. Times are today's: a live view."""
    from datetime import UTC, datetime

    from genesys_tui.context.app import demo_context
    from genesys_tui.core.config import AlertRules, Config, SuperviseSettings
    from genesys_tui.core.paths import AppPaths
    from genesys_tui.emulator import EmulatorServer, EmulatorSettings
    from genesys_tui.genesys.pkce import redirect_uri_for
    from genesys_tui.tui.launch import make_app

    settings = EmulatorSettings(
        seed=7,
        conversations=200,
        anchor=datetime.now(UTC),
        live_rate=12.0,
        transcript_delay_seconds=2.0,
        redirect_uris=(redirect_uri_for(port),),
    )
    alerts = AlertRules(keywords=["statement", "refund", "cancelling"], queue_wait_seconds=20)
    config = Config(supervise=SuperviseSettings(alerts=alerts))
    with EmulatorServer(settings) as srv, tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        paths = AppPaths(t / "config.toml", t / "data", t / "cache", t / "log")
        ctx = demo_context(
            srv,
            config,
            paths,
            redirect_port=port,
            store_path=t / "jobs.sqlite3",
            downloads=t / "recordings",
        )
        a = make_app(ctx)
        async with a.run_test(size=SIZE) as pilot:
            for _ in range(200):
                await pilot.pause(0.05)
                if a.session is not None:
                    break
            await pilot.press("4")
            sup = None
            for _ in range(600):  # a call that arrived since, with its agent on it
                await pilot.pause(0.1)
                sup = a.area("supervise")
                if sup is None or sup.live_watch is None:
                    continue
                rows = [
                    k
                    for k, (c, leg) in enumerate(sup.rows)
                    if leg
                    and leg.state == "connected"
                    and c.start
                    and (datetime.now(UTC) - c.start).total_seconds() < 90
                ]
                if rows:
                    sup.query_one("#calls").cursor = rows[0]
                    break
            for _ in range(250):  # its words, for a while
                await pilot.pause(0.1)
            a.clear_notifications()
            await pilot.pause(0.3)
            svg = a.export_screenshot(title="genesys-tui: supervise, live")
            await a.shutdown()
    return svg


def in_a_browser() -> None:
    """screenshots/web-review.png: `genesys-tui web --demo` in headless Chromium, Review open
    (the real-browser test takes it when asked to)."""
    import os
    import subprocess

    test = HERE.parent / "tests" / "integration" / "test_web_browser.py"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
        env={**os.environ, "GENESYS_TUI_SCREENSHOTS": "1"},
        cwd=HERE.parent,
    )
    print("screenshots/web-review.png" if run.returncode == 0 else "no browser screenshot")


def main() -> None:
    shots = asyncio.run(capture())
    for name, svg in shots.items():
        (HERE / f"{name}.svg").write_text(svg)
        svg_to_png(svg, HERE / f"{name}.png")
        print(f"screenshots/{name}.svg, screenshots/{name}.png")
    in_a_browser()


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    shutil.rmtree(Path.home() / "genesys-tui-demo", ignore_errors=True)
    main()
