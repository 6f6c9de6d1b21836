"""The TUI's two speed targets, measured the way a user meets them:

- launch to a usable conversation list with the demo org (target < 1 s): `genesys-tui demo` typed
  into a real terminal (tmux), timed until the first rows are on screen;
- the conversation list opening 100,000 rows (target < 0.5 s), against Textual's own DataTable
  with the same rows (the widget one would otherwise reach for).

Run: python bench/tui.py   (installs tmux with apt if missing; writes bench/RESULTS.md)
"""

from __future__ import annotations

import sys

# bench/queue.py is named like the standard library's queue: keep this folder off sys.path and load
# the shared helper by its path.
sys.path = [p for p in sys.path if p not in ("", __file__.rsplit("/", 1)[0])]

import importlib.util  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

_spec = importlib.util.spec_from_file_location("_results", _Path(__file__).with_name("_results.py"))
_results = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_results)
verdict = _results.verdict

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ensure_tools, write_section, scaled = _results.ensure_tools, _results.write_section, _results.scaled


BARE_APP = (
    "from textual.app import App\n"
    "from textual.widgets import Footer, Header, Static\n"
    "class Bare(App):\n"
    "    def compose(self):\n"
    "        yield Header()\n"
    "        yield Static('live     inbound')\n"
    "        yield Footer()\n"
    "Bare().run()\n"
)


def launch_times(runs: int = 5, bare: bool = False) -> list[float]:
    """`genesys-tui demo` (or, `bare`, a Textual app that draws one line of the list and has no
    org, no sign-in and no data: the floor under any Textual app's launch) typed into tmux."""
    _results.installed_like()
    exe = Path(sys.executable).with_name("genesys-tui")
    script = Path(tempfile.gettempdir()) / "genesys-tui-bare-app.py"
    script.write_text(BARE_APP)
    out = []
    keeper = f"bench{os.getpid()}_keep"  # keeps the tmux server up between runs
    subprocess.run(["tmux", "new-session", "-d", "-s", keeper], check=True)
    with tempfile.TemporaryDirectory() as home:
        for i in range(runs):
            name = f"bench{os.getpid()}_{i}"
            subprocess.run(
                ["tmux", "new-session", "-d", "-s", name, "-x", "160", "-y", "45"], check=True
            )
            time.sleep(0.3)
            cmd = (
                f"{sys.executable} {script}"
                if bare
                else f"XDG_DATA_HOME={home}/d XDG_STATE_HOME={home}/s XDG_CACHE_HOME={home}/c "
                f"{exe} demo"
            )
            t = time.perf_counter()
            subprocess.run(["tmux", "send-keys", "-t", name, cmd, "Enter"], check=True)
            while time.perf_counter() - t < 20:
                screen = subprocess.run(
                    ["tmux", "capture-pane", "-t", name, "-p"], capture_output=True, text=True
                ).stdout
                if "live     inb" in screen:  # the first rows (today's live calls) are drawn
                    break
                time.sleep(0.01)
            out.append(time.perf_counter() - t)
            subprocess.run(["tmux", "kill-session", "-t", name])
    subprocess.run(["tmux", "kill-session", "-t", keeper])
    return out


def summaries(n: int):
    from genesys_tui.genesys.summaries import ConversationSummary, ParticipantSummary

    start = datetime(2026, 5, 1, tzinfo=UTC)
    return [
        ConversationSummary(
            f"{i:08x}-0000-4000-8000-{i:012x}",
            start + timedelta(seconds=i * 7),
            start + timedelta(seconds=i * 7 + 240),
            "inbound",
            ("voice",),
            (f"q{i % 6}",),
            (f"u{i % 24}",),
            f"tel:+1317{i:07d}",
            "tel:+18005550101",
            (f"w{i % 8}",),
            True,
            participants=(  # a call's usual three: the caller, the queue, the agent
                ParticipantSummary(f"{i:08x}-0001-4000-8000-{i:012x}", "customer", f"+1317{i:07d}"),
                ParticipantSummary(f"{i:08x}-0002-4000-8000-{i:012x}", "acd", f"Queue {i % 6}"),
                ParticipantSummary(
                    f"{i:08x}-0003-4000-8000-{i:012x}", "agent", f"Agent {i % 24}", f"u{i % 24}"
                ),
            ),
        )
        for i in range(n)
    ]


def compact(rows):
    """The rows as Browse holds them (flows/browse/rows.py), made untimed: in use they are made a
    page at a time while the list loads. Returns them, the seconds it took, and the bytes they
    hold (tracemalloc, measured on a second build)."""
    import tracemalloc

    from genesys_tui.flows.browse.rows import Rows

    def build():
        held = Rows()
        for s in rows:
            held.append(s)
        return held

    t = time.perf_counter()
    held = build()
    took = time.perf_counter() - t
    del held
    tracemalloc.start()
    held = build()
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return held, took, size


async def open_list(rows, kind: str) -> float:
    from textual.app import App
    from textual.widgets import DataTable

    from genesys_tui.flows.browse.table import COLUMNS, ConversationModel
    from genesys_tui.tui.widgets.virtual_table import VirtualTable

    names = {
        **{f"q{i}": f"Queue {i}" for i in range(6)},
        **{f"u{i}": f"Agent {i}" for i in range(24)},
        **{f"w{i}": f"Wrap-up {i}" for i in range(8)},
    }

    class Bench(App):
        def compose(self):
            if kind == "virtual":
                self.model = ConversationModel(names)
                yield VirtualTable(COLUMNS, lambda: len(self.model), self.model.cells)
            else:
                yield DataTable(cursor_type="row")

    app = Bench()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        t = time.perf_counter()
        if kind == "virtual":  # rows held compact already (see compact())
            app.model.rows, app.model.view = rows, None
            app.query_one(VirtualTable).reload(keep=False)
        else:
            table = app.query_one(DataTable)
            table.add_columns(*[c.title for c in COLUMNS])
            model = ConversationModel(names)
            model.add(rows)
            table.add_rows([model.cells(i) for i in range(len(model))])
        await pilot.pause()  # the first frame with rows is composed
        return time.perf_counter() - t


def main() -> None:
    ensure_tools("tmux", packages=("tmux",))
    launches = [float("nan")] if _results.skipped("tmux") else launch_times(scaled(5, 1))
    bare = [float("nan")] if _results.skipped("tmux") else launch_times(scaled(5, 1), bare=True)
    rows = summaries(scaled(100_000, 2_000))
    held = compact(rows)[0]
    virtual = statistics.median(
        [asyncio.run(open_list(held, "virtual")) for _ in range(scaled(3, 1))]
    )
    datatable = asyncio.run(open_list(rows, "datatable"))
    del rows, held
    million = summaries(scaled(1_000_000, 4_000))  # (making them takes seconds: not timed)
    n_million = len(million)
    held, to_compact, held_bytes = compact(million)
    import tracemalloc

    tracemalloc.start()
    as_objects = summaries(scaled(100_000, 2_000))  # what the list held before: the objects
    object_bytes = tracemalloc.get_traced_memory()[0] / len(as_objects) * n_million
    tracemalloc.stop()
    del million, as_objects
    big = statistics.median([asyncio.run(open_list(held, "virtual")) for _ in range(scaled(3, 1))])
    del held
    launch = statistics.median(launches)
    import platform

    body = (
        f" ({datetime.now(UTC):%Y-%m-%d}, `python bench/tui.py`)\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores.\n\n"
        "| measurement | genesys-tui | baseline | verdict |\n|---|---|---|---|\n"
        f"| launch to a usable list: `genesys-tui demo` typed into tmux until the first rows are drawn "
        f"(Python start, emulator start, sign-in, directory, first page; median of {len(launches)}) | "
        f"{launch:.2f} s (runs: {', '.join(f'{x:.2f}' for x in launches)}) | target 0.6 s "
        f"(issue 31; it was 1 s) | **{verdict(launch < 0.6)}** |\n"
        f"| the floor: a bare Textual app drawing one line (no org, no sign-in, no data), typed "
        f"into tmux the same way (median of {len(bare)}) | {statistics.median(bare):.2f} s | | "
        f"ours is {launch / statistics.median(bare):.1f}x it |\n"
        f"| the conversation list opening 100,000 rows (rows held compact, first frame; median of 3) | "
        f"{virtual * 1000:.0f} ms | Textual DataTable, same rows: {datatable:.1f} s | "
        f"**{verdict(virtual < 0.5)}** (target 0.5 s; {datatable / virtual:.0f}x faster) |\n"
        f"| the same list opening 1,000,000 rows (median of 3) | {big * 1000:.0f} ms | "
        f"(DataTable not run: 100,000 rows took it {datatable:.0f} s) | "
        f"**{verdict(big < 0.5)}** (target 0.5 s, issue 31) |\n"
        f"| the list's memory for {n_million:,} rows (compact columns, tracemalloc) | "
        f"{held_bytes / 1e6:.0f} MB ({held_bytes / n_million:.0f} B a row) | the same rows as "
        f"ConversationSummary objects, as the list held them before: {object_bytes / 1e6:.0f} MB | "
        f"**{verdict(held_bytes < 300e6)}** (target 300 MB, issue 33; "
        f"{object_bytes / held_bytes:.1f}x less) |\n"
        f"| making the compact rows (in use a page at a time while the list loads) | "
        f"{to_compact / n_million * 1e6:.1f} µs a row ({to_compact:.1f} s for {n_million:,}) | | |\n"
    )
    print(body)
    write_section("TUI", body)
    shutil.rmtree(Path(tempfile.gettempdir()) / "genesys-tui-bench", ignore_errors=True)


if __name__ == "__main__":
    main()
