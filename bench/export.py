"""Export reconciliation at a million recordings, and an export's API calls against a fetch's.

1. `export reconcile`'s engine (flows/export/reconcile.Reconciler) on a synthetic org: 1,000,000
   recordings over 30 days, the bucket listing generated day by day as ListObjectsV2 would page
   it, with some recordings missing, failed, incomplete and unexpected; measured: recordings
   classified per second and peak memory of the process. Against what a user would otherwise
   write: every key of the listing and every owed recording in Python sets, then set differences
   (same machine, same data, its own process).
2. API calls per recording: `genesys-tui export start` against the emulator for an interval, and
   `genesys-tui fetch --batch` of the same interval (the emulator counts every request).

Run: python bench/export.py   (--smoke (or BENCH_SMALL=1) for a quick run of the script itself; writes
bench/RESULTS.md)
"""

from __future__ import annotations

import sys

# bench/ holds a queue.py, named like the standard library's queue: keep this folder off sys.path.
sys.path = [p for p in sys.path if p not in ("", __file__.rsplit("/", 1)[0])]

import asyncio  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

_spec = importlib.util.spec_from_file_location("_results", Path(__file__).with_name("_results.py"))
_results = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_results)
verdict = _results.verdict
write_section = _results.write_section

SMALL = os.environ.get("BENCH_SMALL") == "1"
N = 20_000 if SMALL else 1_000_000
DAYS = 30
ORG = "4a1c0b5e-0000-4000-8000-00000000beef"
START = datetime(2026, 1, 1, tzinfo=UTC)


def cid(i: int) -> str:
    return f"{i:08x}-0000-4000-8000-{i:012x}"


def rid(i: int) -> str:
    return f"{i:08x}-1111-4000-8000-{i:012x}"


def per_day() -> int:
    return N // DAYS


def missing(i: int) -> bool:
    return i % 997 == 0


def failed(i: int) -> bool:
    return i % 1499 == 0


def incomplete(i: int) -> bool:
    return i % 2003 == 0


def key(i: int, day: date, suffix: str) -> str:
    hour = (i % per_day()) * 24 // per_day()
    return (
        f"{ORG}/year={day.year}/month={day.month:02d}/day={day.day:02d}/hour={hour:02d}/"
        f"conversation_id={cid(i)}/{rid(i)}.opus{suffix}"
    )


class Listing:
    """ListObjectsV2 pages of one day, made on the fly (keys in S3's lexicographic order do not
    matter to the reconciler: it groups a day by conversation)."""

    def objects(self, prefix: str):
        from genesys_tui.flows.export.bucket import Obj

        if "month=" not in prefix or not prefix.split("month=")[1][:2].isdigit():
            return
        part = prefix.split("/")
        day = date(int(part[1][5:]), int(part[2][6:]), int(part[3][4:]))
        d = (day - START.date()).days
        if not 0 <= d < DAYS:
            return
        for i in range(d * per_day(), (d + 1) * per_day()):
            if missing(i) or failed(i):
                continue
            yield Obj(key(i, day, ""), 40_000)
            if not incomplete(i):
                yield Obj(key(i, day, "_metadata.json"), 300, "d41d8cd98f00b204e9800998ecf8427e")
        if d == 0:  # something nobody owed
            yield Obj(key(N + 7, day, ""), 1000)

    def read(self, key: str) -> bytes:  # pragma: no cover - no --verify here
        raise NotImplementedError


async def owed():
    """What analytics gives, in start order."""
    from genesys_tui.genesys.summaries import ConversationSummary

    for i in range(per_day() * DAYS):
        d, k = divmod(i, per_day())
        t = START + timedelta(days=d, seconds=k * 86_400 // per_day())
        yield ConversationSummary(cid(i), t, has_recording=True)


def ours() -> dict:
    from genesys_tui.flows.export.reconcile import Reconciler

    calls = {"n": 0}

    async def recordings_of(conversation_id):
        calls["n"] += 1
        return []

    fails = [(cid(i), rid(i)) for i in range(0, N, 1499)]
    rows = {"n": 0}

    def out(row):
        rows["n"] += 1

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    r = Reconciler(ORG, Listing(), recordings_of, fails)
    summary = asyncio.run(r.run(owed(), out))
    el = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": el,
        "rows": rows["n"],
        "counts": dict(summary.counts),
        "api": calls["n"],
        "rss_mb": rss / 1024,
        "growth_mb": (rss - rss0) / 1024,
    }


def sets() -> dict:
    """The script a user would write: everything in sets, then differences."""
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    listing = Listing()
    keys = set()
    for d in range(DAYS):
        day = START.date() + timedelta(days=d)
        for o in listing.objects(f"{ORG}/year={day.year}/month={day.month:02d}/day={day.day:02d}/"):
            keys.add(o.key)
    present = {k.split("conversation_id=")[1].split("/")[0] for k in keys if k.endswith(".opus")}
    with_meta = {
        k.split("conversation_id=")[1].split("/")[0] for k in keys if k.endswith("_metadata.json")
    }
    owed_ids = {cid(i) for i in range(per_day() * DAYS)}
    missing_ = owed_ids - present
    incomplete_ = present - with_meta
    unexpected = present - owed_ids
    el = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": el,
        "missing": len(missing_),
        "incomplete": len(incomplete_),
        "unexpected": len(unexpected),
        "rss_mb": rss / 1024,
        "growth_mb": (rss - rss0) / 1024,
    }


def in_child(name: str) -> dict:
    """Each measurement in its own process, so peak memory is its own."""
    import json

    out = subprocess.run(
        [sys.executable, __file__, "--child", name], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def api_calls() -> dict:
    """`export start` and `fetch --batch` of the same interval against the emulator: requests
    counted by the emulator."""
    from genesys_tui.cli.main import main
    from genesys_tui.emulator import EmulatorServer, EmulatorSettings

    anchor = datetime(2026, 5, 14, 15, 30, tzinfo=UTC)
    interval = f"{(anchor - timedelta(days=3)).date()}/{(anchor - timedelta(days=1)).date()}"
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        settings = EmulatorSettings(
            seed=5,
            conversations=40 if SMALL else 600,
            days=10,
            anchor=anchor,
            duration_scale=0.05,
            transcode_seconds=0.0,
            batch_seconds=0.2,
            job_seconds=0.5,
            original_format="WAV",
            archive_rate=0.0,
            export_target=f"dir:{t / 'bucket'}",
        )
        with EmulatorServer(settings) as srv:
            env = {
                "GENESYS_CLIENT_ID": settings.client_id,
                "GENESYS_CLIENT_SECRET": settings.client_secret,
                "XDG_DATA_HOME": str(t / "data"),
                "XDG_CONFIG_HOME": str(t / "config"),
                "XDG_CACHE_HOME": str(t / "cache"),
                "XDG_STATE_HOME": str(t / "state"),
            }
            os.environ.update(env)
            (t / "config").mkdir()
            (t / "config" / "genesys-tui.toml").write_text(
                f'[profiles.default]\nbase_url = "{srv.base_url}"\n'
            )
            os.environ["GENESYS_TUI_CONFIG"] = str(t / "config" / "genesys-tui.toml")
            emu = srv.emulator
            before = emu.stats["api"]
            assert (
                main(["export", "start", "--interval", interval, "--yes", "-q", "--poll", "0.5"])
                == 0
            )
            out["export_api"] = emu.stats["api"] - before
            (job,) = emu.jobs.values()
            out["recordings"] = job["recordings"]
            before = emu.stats["api"]
            code = main(
                [
                    "fetch",
                    "--interval",
                    interval,
                    "--has-recording",
                    "--batch",
                    "--format",
                    "original",
                    "--to",
                    str(t / "out"),
                    "-q",
                ]
            )
            out["fetch_api"] = emu.stats["api"] - before
            out["fetch_code"] = code
    return out


def main() -> None:
    a, b = in_child("ours"), in_child("sets")
    calls = api_calls()
    rate = a["rows"] / a["seconds"]
    mach = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    per = lambda n: n / max(1, calls["recordings"])  # noqa: E731
    body = f""" (2026-12-01, `python bench/export.py`)

Machine: {mach}. A synthetic org of {N:,} recordings over {DAYS} days: the bucket's listing
generated a day at a time as ListObjectsV2 pages it (with 1 in 997 recordings missing, 1 in 1,499
failed, 1 in 2,003 without metadata, one unexpected), analytics' conversations in start order. The
reconciler's work only (no network): both sides are generated in the process.

| measurement | genesys-tui | what a user would otherwise write | verdict |
|---|---|---|---|
| reconcile {N:,} recordings | {a["seconds"]:.1f} s = **{rate:,.0f} recordings/s** | every key and owed id in Python sets, then differences: {b["seconds"]:.1f} s | target > 20,000/s: **{verdict(rate > 20_000)}** |
| peak memory (the process) | {a["rss_mb"]:.0f} MB | {b["rss_mb"]:.0f} MB | target < 300 MB: **{verdict(a["rss_mb"] < 300)}** |
| API calls while reconciling | {a["api"]:,} (one per conversation absent from the bucket) | | |
| statuses | {", ".join(f"{v:,} {k}" for k, v in sorted(a["counts"].items()))} | missing {b["missing"]:,}, incomplete {b["incomplete"]:,}, unexpected {b["unexpected"]:,} (sets cannot tell failed from missing) | |
| API calls per recording, {calls["recordings"]} recordings of one interval | `export start`: {calls["export_api"]} = {per(calls["export_api"]):.3f} per recording (the files never pass through here) | `fetch --batch`: {calls["fetch_api"]} = {per(calls["fetch_api"]):.3f} per recording | |
"""
    write_section("Export reconciliation", body)
    print(body)


if __name__ == "__main__":
    import json

    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(ours() if sys.argv[2] == "ours" else sets()))
    else:
        main()
