"""Org scale (issue 33): 100,000 and 1,000,000 conversations in 30 days, against the emulator at
Genesys's own pace (300 requests a minute per client, as the emulator enforces).

For each size, in the same run:
1. `genesys-tui conversations --json` over the 30 days: `--via auto` (a details job for what the
   data lake holds, the query for the rest) and `--via query` (the synchronous query alone); wall
   time and peak memory (GNU time's maximum RSS).
2. The naive script a user would write with the official SDK (PureCloudPlatformClientV2): the same
   synchronous queries, 100 a page, every row kept in a list, sleeping on 429s.
3. Browse (the real app, headless, in its own process) over the 30 days: when the first rows are
   drawn, when the whole list is in, the process's peak memory and the list's own columns.
4. `genesys-tui search "through to liam"` over one day: cold (the emulator's index not built, nothing
   cached on our side), then warm, with the time the command says.
5. `genesys-tui export reconcile` of one day against a directory laid out as Genesys's bulk export
   writes it (every recording of the day's recorded calls but one in 100; the objects are small
   stand-ins, as nothing is decoded without --verify), beside the naive script: the SDK's query of
   the day, every row in a list, then a walk of the directory.

At a million, the query path and the SDK script would take over half an hour each (10,000
requests at 300 a minute): they are run for their first 100,000 rows and their time is scaled
by the rows (their pace is the requests, which are proportional); their memory is measured at
100,000 and given per row. Those rows say so.

`python bench/scale.py` writes the "Org scale" section of RESULTS.md; `--smoke` runs 600
conversations unpaced, writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _results  # noqa: E402
from _results import SMOKE, max_rss_kb, scaled, verdict, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PACE = scaled(300, 100_000)  # the emulator's requests a minute per client (Genesys's 300)
PHRASE = "through to liam"  # in about 1 call in 200: a day at a million has ~250 to open
QUERY_CAP = scaled(100_000, 1_000)  # rows the query path and the SDK script list at a million

SERVE = """
import json, sys
from datetime import datetime
from genesys_tui.emulator import EmulatorServer, EmulatorSettings
kw = json.loads(sys.argv[1])
kw["anchor"] = datetime.fromisoformat(kw["anchor"])
s = EmulatorSettings(**kw)
with EmulatorServer(s) as srv:
    print(json.dumps({"url": srv.base_url, "id": s.client_id, "secret": s.client_secret}), flush=True)
    sys.stdin.read()
"""

NAIVE = """
import sys, time
from datetime import datetime, timedelta
import PureCloudPlatformClientV2 as P
from PureCloudPlatformClientV2.rest import ApiException
url, cid, secret, a, b, cap = sys.argv[1:7]
client = P.api_client.ApiClient(host=url).get_client_credentials_token(cid, secret)
api = P.AnalyticsApi(client)
start, end, cap = datetime.fromisoformat(a), datetime.fromisoformat(b), int(cap)
rows = []
hi = end
while hi > start and len(rows) < cap:  # 7 days a query (the most Genesys takes), newest first
    lo = max(start, hi - timedelta(days=7))
    page = 1
    while len(rows) < cap:
        body = P.ConversationQuery()
        body.interval = f"{lo.isoformat()}/{hi.isoformat()}".replace("+00:00", "Z")
        body.order, body.order_by = "desc", "conversationStart"
        body.paging = P.PagingSpec()
        body.paging.page_size, body.paging.page_number = 100, page
        try:
            got = api.post_analytics_conversations_details_query(body)
        except ApiException as e:
            if e.status == 429:
                time.sleep(float((e.headers or {}).get("Retry-After") or 1))
                continue
            raise
        rows.extend(got.conversations or [])
        if len(got.conversations or []) < 100:
            break
        page += 1
    hi = lo
if len(sys.argv) > 7:  # a naive reconcile: what the day owed that the directory lacks
    import os
    there = {p.split("=", 1)[1] for p, _, _ in os.walk(sys.argv[7]) if "conversation_id=" in p}
    owed = {c.conversation_id for c in rows if any(
        s.media_type == "voice" and s.recording
        for p in c.participants or [] for s in p.sessions or [])}
    print(len(owed - there), "missing")
print(len(rows))
"""

BROWSE = """
import asyncio, json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from genesys_tui.context import Target, build_client
from genesys_tui.context.app import AppContext
from genesys_tui.core.config import Config, Profile
from genesys_tui.core.paths import AppPaths
from genesys_tui.genesys.regions import hosts_for
from genesys_tui.tui.launch import make_app
url, cid, secret, home, pace = sys.argv[1:6]
h = Path(home)
profile = Profile(name="default", region="us_east_1", base_url=url, client_id=cid,
                  rate_limit_per_minute=int(pace))
target = Target(profile, hosts_for("us_east_1", url), False, False)
ctx = AppContext(config=Config(), paths=AppPaths(h / "c.toml", h / "d", h / "k", h / "l"),
                 target=target, client=build_client(target, cid, secret), demo=False,
                 readonly=True, now=None, output_dir=str(h / "out"))
app = make_app(ctx, queue_pool="thread")
out = {}

async def go():
    async with app.run_test(size=(160, 45)) as pilot:
        while app.area("browse") is None or not len(app.area("browse").model):
            await pilot.pause(0.02)
        out["first_rows"] = time.perf_counter() - t0
        browse = app.area("browse")
        browse.set_range("last-30-days")
        t = time.perf_counter()
        await pilot.pause(0.2)
        while not len(browse.model):
            await pilot.pause(0.02)
        out["first_rows_30d"] = time.perf_counter() - t
        await pilot.pause(0.5)
        while browse.fetching:
            await pilot.pause(0.2)
        out["whole"] = time.perf_counter() - t
        out["rows"] = len(browse.model.rows)
        out["columns_bytes"] = browse.model.rows.nbytes()
        out["status"] = str(browse.query_one("#status").render())[:200]

asyncio.run(go())
out["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(out))
"""


class Emulator:
    def __init__(self, n: int, now: datetime):
        kw = dict(
            seed=7,
            conversations=n,
            days=30,
            anchor=now.isoformat(),
            pin_clock=True,
            rate_limit_per_minute=PACE,
            duration_scale=1.0,
        )
        t = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, json.dumps(kw)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.info = json.loads(self.proc.stdout.readline())
        self.started = time.perf_counter() - t

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def env_for(emu: Emulator, home: Path) -> dict:
    config = home / "config" / "genesys-tui" / "config.toml"
    if not config.exists():  # the client's own pace: Genesys's (a smoke run is not paced)
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f"[profiles.default]\nrate_limit_per_minute = {PACE}\n")
    return {
        **os.environ,
        "GENESYS_CLIENT_ID": emu.info["id"],
        "GENESYS_CLIENT_SECRET": emu.info["secret"],
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
    }


def cli(emu: Emulator, home: Path, *args: str, ok: tuple[int, ...] = (0,)) -> dict:
    """A `genesys-tui` command in its own process: wall time, peak RSS, stdout lines, stderr."""
    out = home / "out.jsonl"
    err = home / "err.txt"
    cmd = [sys.executable, "-m", "genesys_tui", *args, "--base-url", emu.info["url"]]
    t = time.perf_counter()
    with open(out, "w") as o, open(err, "w") as e:
        r = subprocess.run(["/usr/bin/time", "-f", "RSS %M", *cmd], stdout=o, stderr=e,
                           env=env_for(emu, home))  # fmt: skip
    took = time.perf_counter() - t
    text = err.read_text()
    if r.returncode not in ok:
        raise RuntimeError(f"{args} failed: {text[-800:]}")
    rss = int(next(x for x in text.splitlines()[::-1] if x.startswith("RSS ")).split()[1])
    with open(out) as o:
        lines = sum(1 for _ in o)
    return {"seconds": took, "rss_kb": rss, "rows": lines, "stderr": text}


def naive(emu: Emulator, a: datetime, b: datetime, cap: int, bucket: Path | None = None) -> dict:
    took, rss = max_rss_kb(
        [sys.executable, "-c", NAIVE, emu.info["url"], emu.info["id"], emu.info["secret"],
         a.isoformat(), b.isoformat(), str(cap), *([str(bucket)] if bucket else [])]
    )  # fmt: skip
    return {"seconds": took, "rss_kb": rss}


def export_of_a_day(n: int, now: datetime, day: datetime, root: Path) -> dict:
    """The day's recordings as the bulk export lays them out, one in 100 left out."""
    from genesys_tui.emulator import EmulatorSettings
    from genesys_tui.emulator.exports import object_prefix
    from genesys_tui.emulator.org import Org

    org = Org(EmulatorSettings(seed=7, conversations=n, days=30, anchor=now, duration_scale=1.0))
    a, b = int(day.timestamp() * 1000), int((day + timedelta(days=1)).timestamp() * 1000)
    days = (org.start >= a) & (org.start < b) & org.recorded & ~org.live
    written = left_out = 0
    for k, i in enumerate(map(int, days.nonzero()[0])):
        if k % 100 == 99:
            left_out += 1
            continue
        d = org.detail(i)
        folder = root / object_prefix(org.id, int(org.start[i]), org.ids[i])
        folder.mkdir(parents=True, exist_ok=True)
        for rec in d.recordings:
            (folder / f"{rec.id}.opus").write_bytes(b"OggS" + bytes(60))
            (folder / f"{rec.id}.opus_metadata.json").write_text('{"durationMs": 1000}')
            written += 1
    return {"recordings": written, "left_out": left_out}


def reconcile(emu: Emulator, home: Path, n: int, now: datetime, day: datetime, sdk: bool) -> dict:
    bucket = home / "bucket"
    made = export_of_a_day(n, now, day, bucket)
    iv = f"{day:%Y-%m-%d}"
    run = cli(emu, home, "export", "reconcile", "--interval", iv, "--dir", str(bucket),
              "--manifest", str(home / "manifest"), ok=(0, 1))  # fmt: skip
    out = {"made": made, "run": run, "said": (home / "out.jsonl").read_text().strip()[-300:]}
    if sdk:
        out["naive"] = naive(emu, day, day + timedelta(days=1), 10**9, bucket)
    return out


def browse(emu: Emulator, home: Path) -> dict:
    r = subprocess.run(
        [sys.executable, "-c", BROWSE, emu.info["url"], emu.info["id"], emu.info["secret"],
         str(home), str(PACE)],
        capture_output=True, text=True, env=env_for(emu, home), timeout=3600,
    )  # fmt: skip
    if r.returncode:
        raise RuntimeError(f"browse failed: {r.stderr[-800:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def search(emu: Emulator, home: Path, day: datetime) -> dict:
    iv = f"{day:%Y-%m-%d}"
    cold = cli(emu, home, "search", PHRASE, "--interval", iv, "--json", ok=(0, 3))
    warm = (
        cold if SMOKE else cli(emu, home, "search", PHRASE, "--interval", iv, "--json", ok=(0, 3))
    )
    said = [x for x in warm["stderr"].splitlines() if " hit(s) in " in x]
    return {"cold": cold, "warm": warm, "said": said[-1] if said else "", "hits": warm["rows"]}


def ensure_sdk() -> bool:
    # (in a child: bench/ is on this process's path, and its queue.py hides the standard one)
    # (found, not imported: importing it takes seconds)
    probe = [sys.executable, "-c", "import importlib.util as u, sys; "
             "sys.exit(u.find_spec('PureCloudPlatformClientV2') is None)"]  # fmt: skip
    if subprocess.run(probe, capture_output=True).returncode:
        if SMOKE:
            print("(smoke: the official SDK is not installed; its comparison is left out)")
            return False
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "PureCloudPlatformClientV2"],
                       check=True)  # fmt: skip
    return True


def _step(fn, *args) -> dict:
    try:
        return fn(*args)
    except RuntimeError as e:
        return {"failed": " ".join(str(e).split())[-400:]}


def one_size(n: int, now: datetime, sdk: bool) -> dict:
    a, b = now - timedelta(days=30), now + timedelta(minutes=1)
    iv = f"{a.isoformat()}/{b.isoformat()}".replace("+00:00", "Z")
    r: dict = {"n": n}
    emu = Emulator(n, now)
    r["emulator_start"] = emu.started
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            r["auto"] = cli(emu, home, "conversations", "--interval", iv, "--json")
            capped = n > QUERY_CAP * 2
            limit = ["--limit", str(QUERY_CAP)] if capped else []
            # (a smoke run lists once: the query path is the same command with --via query)
            r["query"] = (
                r["auto"]
                if SMOKE
                else cli(
                    emu, home, "conversations", "--interval", iv, "--json", "--via", "query", *limit
                )
            )
            r["capped"] = capped
            if sdk:
                r["naive"] = naive(emu, a, b, QUERY_CAP if capped else 10**9)
            r["browse"] = browse(emu, home)
            # (a step that fails is a row saying so: the steps before it are not lost)
            r["search"] = _step(search, emu, home, now - timedelta(days=1))
            day = (now - timedelta(days=2)).replace(hour=0, minute=0)
            r["reconcile"] = _step(reconcile, emu, home, n, now, day, sdk)
    finally:
        emu.close()
    return r


def rows_for(r: dict) -> str:
    n, auto, query = r["n"], r["auto"], r["query"]
    scale = auto["rows"] / query["rows"] if r["capped"] else 1.0
    note = f" (first {query['rows']:,} rows, time scaled by {scale:.1f})" if r["capped"] else ""
    paths = [x for x in auto["stderr"].splitlines() if x.startswith("listing by")]
    q_time = query["seconds"] * scale
    lines = [
        f"| {n:,}: emulator start (org built, server up) | {r['emulator_start']:.1f} s | | "
        f"target: seconds |",
        f"| {n:,}: `conversations --json`, auto ({'; '.join(p[11:] for p in paths)}) | "
        f"{auto['seconds']:.1f} s, {auto['rows']:,} rows, peak {auto['rss_kb'] / 1024:.0f} MB | "
        f"`--via query`{note}: {q_time:.1f} s, peak {query['rss_kb'] / 1024:.0f} MB | "
        f"**{auto['seconds'] and q_time / auto['seconds']:.1f}x** faster; target "
        f"{'60 s' if n <= 100_000 else '600 s'} and 150 MB: "
        f"**{verdict(auto['seconds'] < (60 if n <= 100_000 else 600) and auto['rss_kb'] < 150 * 1024)}** |",
    ]
    if "naive" in r:
        nv = r["naive"]
        per_row = nv["rss_kb"] * 1024 / (query["rows"] if r["capped"] else auto["rows"])
        lines.append(
            f"| {n:,}: the official SDK, naive (same queries, rows in a list){note} | "
            f"{nv['seconds'] * scale:.1f} s, peak {nv['rss_kb'] / 1024:.0f} MB "
            f"({per_row / 1024:.1f} KB a row{', so about ' + format(per_row * n / 1e9, '.1f') + ' GB for all' if r['capped'] else ''}) | "
            f"ours (auto) is {nv['seconds'] * scale / auto['seconds']:.1f}x faster in "
            f"{nv['rss_kb'] / auto['rss_kb']:.1f}x less memory{' (at 100,000)' if r['capped'] else ''} | |"
        )
    br = r["browse"]
    lines.append(
        f"| {n:,}: Browse (the app, headless): first rows after start; the 30 days asked, first "
        f"rows; all of them in | {br['first_rows']:.2f} s; {br['first_rows_30d']:.2f} s; "
        f"{br['whole']:.1f} s for {br['rows']:,} rows | process peak {br['peak_rss_kb'] / 1024:.0f} MB, "
        f"the list's columns {br['columns_bytes'] / 1e6:.0f} MB | first rows target 1 s: "
        f"**{verdict(br['first_rows'] < 1 and br['first_rows_30d'] < 1)}**; 300 MB: "
        f"**{verdict(br['peak_rss_kb'] < 300 * 1024)}** |"
    )
    s = r["search"]
    if "failed" in s:
        lines.append(
            f'| {n:,}: `search "{PHRASE}"` over one day, cold | no answer: {s["failed"]} | | '
            f"answers, no timeout: **{verdict(False)}** |"
        )
    else:
        lines.append(
            f'| {n:,}: `search "{PHRASE}"` over one day, cold then warm | {s["cold"]["seconds"]:.1f} s; '
            f"{s['warm']['seconds']:.1f} s ({s['hits']:,} hits; it said: “{s['said']}”) | | "
            f"answers, no timeout: **{verdict(s['hits'] > 0)}** |"
        )
    rc = r["reconcile"]
    if "failed" in rc:
        lines.append(f"| {n:,}: `export reconcile` of one day | failed: {rc['failed']} | | |")
        return "\n".join(lines)
    run, made = rc["run"], rc["made"]
    other = ""
    if "naive" in rc:
        other = (f"the SDK's query of the day in a list, then a walk: {rc['naive']['seconds']:.1f} s, "
                 f"peak {rc['naive']['rss_kb'] / 1024:.0f} MB")  # fmt: skip
    lines.append(
        f"| {n:,}: `export reconcile` of one day ({made['recordings']:,} recordings there, "
        f"{made['left_out']:,} calls left out) | {run['seconds']:.1f} s, peak "
        f"{run['rss_kb'] / 1024:.0f} MB; it said: “{' '.join(rc['said'].split())[:160]}” | "
        f"{other} | |"
    )
    return "\n".join(lines)


def main() -> None:
    _results.installed_like()
    sdk = ensure_sdk()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    sizes = scaled((100_000, 1_000_000), (600,))
    if "--sizes" in sys.argv:  # e.g. --sizes 100000: one size at a time (a million takes ~25 min)
        sizes = tuple(int(x) for x in sys.argv[sys.argv.index("--sizes") + 1].split(","))
    results = []
    for n in sizes:  # each size's rows printed when it is done: a later failure loses none
        results.append(one_size(n, now, sdk))
        print(rows_for(results[-1]), flush=True)
    import platform

    body = (
        f" ({datetime.now(UTC):%Y-%m-%d}, `python bench/scale.py`)\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores. The emulator runs in its own "
        f"process at {PACE} requests a minute per client; every command in its own process.\n\n"
        "| measurement | genesys-tui | the other way | verdict |\n|---|---|---|---|\n"
        + "\n".join(rows_for(r) for r in results)
        + "\n\nMemory is flat when the peak of `conversations --json` is the same at 100,000 and "
        "at 1,000,000 rows: "
        + ", ".join(f"{r['n']:,}: {r['auto']['rss_kb'] / 1024:.0f} MB" for r in results)
        + ".\n"
    )
    print(body)
    write_section("Org scale", body)


if __name__ == "__main__":
    main()
