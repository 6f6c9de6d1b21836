"""Shared by the bench scripts: tools installed with apt, timing helpers, RESULTS.md sections."""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
# --smoke: tiny sizes, seconds, nothing installed, RESULTS.md not written, no verdicts; the test
# suite runs every bench this way so that a bench never breaks unseen. Its files go to a
# temporary directory, removed at exit.
SMOKE = "--smoke" in sys.argv
if SMOKE:
    os.environ["BENCH_SMALL"] = "1"  # what the older scripts and their child processes read
    WORK = Path(tempfile.mkdtemp(prefix="bench-smoke-"))
    atexit.register(shutil.rmtree, WORK, True)
else:
    WORK = Path(__file__).with_name("work")


def scaled(full, smoke):
    """`full` in a real run, `smoke` in a smoke run."""
    return smoke if SMOKE else full


def skipped(tool: str) -> bool:
    """In a smoke run, a comparison whose tool is not installed is left out (and said)."""
    if SMOKE and not shutil.which(tool):
        print(f"(smoke: {tool} is not installed; its comparison is left out)")
        return True
    return False


def other(tool: str, measure: Callable[[], float]) -> float:
    """What `measure()` gives for the other tool, or NaN in a smoke run without it."""
    return float("nan") if skipped(tool) else measure()


def verdict(ok: bool) -> str:
    """ "met" or "MISSED" against a target; a smoke run's tiny sizes judge nothing."""
    if SMOKE:
        return "not judged (smoke)"
    return "met" if ok else "MISSED"


def ensure_tools(*tools: str, packages: tuple[str, ...] = ()) -> None:
    """Install the comparison tools with apt when they are missing."""
    missing = [t for t in tools if not shutil.which(t)]
    if not missing or SMOKE:
        return
    print(f"installing {', '.join(packages)} with apt (missing: {', '.join(missing)})")
    subprocess.run(["apt-get", "update", "-q"], check=False)
    subprocess.run(["apt-get", "install", "-y", "-q", *packages], check=True)


def best_of(
    fn: Callable[[], object], runs: int = 3, before: Callable[[], object] | None = None
) -> float:
    """Median wall time of `runs` calls (`before` runs untimed ahead of each, e.g. to delete outputs)."""
    times = []
    for _ in range(runs):
        if before:
            before()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def max_rss_kb(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (KB) of a command, from GNU time."""
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    el = time.perf_counter() - t
    if r.returncode:
        raise RuntimeError(f"{cmd} failed: {r.stderr[-500:]}")
    return el, int(r.stderr.strip().splitlines()[-1])


def write_section(title: str, body: str) -> None:
    """Replace (or add) the section starting with '## {title}' in RESULTS.md (not in a smoke)."""
    if SMOKE:
        print(f"(smoke: section {title!r} not written to RESULTS.md)")
        return
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    marker = f"## {title}"
    if marker in old:
        head, _, rest = old.partition(marker)
        tail = rest.split("\n## ", 1)
        old = head.rstrip() + ("\n\n## " + tail[1] if len(tail) > 1 else "")
    RESULTS.write_text(old.rstrip() + "\n\n" + marker + body.rstrip() + "\n")


def opus_call(org, path: Path, length_ms: int) -> float:
    """The finished, recorded call of `org` (an emulator Org) closest to `length_ms`, rendered and
    encoded to Ogg/Opus at `path` the way the emulator makes its originals; its seconds."""
    from genesys_tui.emulator import audio

    calls = [
        (d, r)
        for i in range(len(org.ids))
        if org.recorded[i] and not org.live[i]
        for d in (org.detail(i),)
        for r in d.recordings
    ]
    d, r = min(calls, key=lambda dr: abs(dr[1].wall_ms - length_ms))
    with open(path, "wb") as f:
        audio.encode(audio.render(d, r, 8000), 8000, "OGG_OPUS", f)
    return r.wall_ms / 1000


def installed_like() -> None:
    """Our processes start as an installed package does: from compiled bytecode (pip compiles it
    at install time; an environment with PYTHONDONTWRITEBYTECODE would otherwise recompile every
    module at every start, which no user's install does)."""
    import compileall

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "genesys_tui"), quiet=1)
