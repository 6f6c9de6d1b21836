"""Browser playback: a small HTTP service on 127.0.0.1 (unless asked otherwise) that streams a
conversation's recordings as WebM/Opus while they are being transcoded, serves the transcript as
WebVTT captions, and a page with an audio element and the transcript.

Every URL starts with a random token, so another local user or a web page guessing ports gets 404.
The encoded audio is kept in memory (about 14 MB per hour at 32 kb/s), never in a temporary file:
the first request streams it as it is produced, later ones (and seeks, as Range requests) are
served from memory."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import json
import re
import secrets
import threading
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from genesys_tui.core.asgi_thread import ThreadedServer
from genesys_tui.flows.review.export import to_vtt
from genesys_tui.flows.review.model import ROLE_LABELS
from genesys_tui.flows.review.session import Review
from genesys_tui.media import decode
from genesys_tui.media.opus import opus_stream

CHUNK = 64 * 1024
RANGE_WAIT_S = 300.0  # how long a seek ahead of the encoder waits for the encoding to finish
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never send it elsewhere
    "X-Content-Type-Options": "nosniff",
}
PAGE_CSP = (
    "default-src 'none'; media-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class Encoding:
    """One recording's WebM/Opus, produced on a thread into memory. Readers poll `read()`."""

    def __init__(self, path: Path, bitrate: int):
        self.path, self.bitrate = path, bitrate
        self.data = bytearray()
        self.done = False
        self.error: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Encoding:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="opus-encode", daemon=True)
                self._thread.start()
        return self

    def _run(self) -> None:
        try:
            info = decode.probe(self.path)
            for chunk in opus_stream(
                decode.blocks(info),
                info.rate,
                info.channels,
                info.sample_format,
                bitrate=self.bitrate,
                container="webm",
            ):
                if self._stop.is_set():
                    self.error = "stopped"
                    return
                with self._lock:
                    self.data += chunk
        except Exception as e:  # noqa: BLE001 - reported to the browser, not a crash
            self.error = str(e) or type(e).__name__
        finally:
            self.done = True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self, start: int, end: int) -> bytes:
        with self._lock:
            return bytes(self.data[start:end])

    async def wait_done(self, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.done and loop.time() < deadline:
            await asyncio.sleep(0.05)
        return self.done


def parse_range(header: str | None, size: int | None) -> tuple[int, int | None] | str | None:
    """None (no usable Range: send everything), (start, end-inclusive or None) or 'bad'."""
    if not header:
        return None
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header)
    if not m or (not m.group(1) and not m.group(2)):
        return None  # several ranges or garbage: the whole body is a valid answer
    if len(m.group(1)) > 18 or len(m.group(2)) > 18:
        return "bad"  # past any file's size (and past what int() reads from text)
    if not m.group(1):  # the last N bytes
        if size is None:
            return "wait"
        n = int(m.group(2))
        return (max(0, size - n), size - 1) if n and size else "bad"
    start = int(m.group(1))
    end = int(m.group(2)) if m.group(2) else None
    if end is not None and end < start:
        return "bad"
    if size is not None:
        if start >= size:
            return "bad"
        end = size - 1 if end is None else min(end, size - 1)
    return start, end


class PlaybackApp:
    def __init__(
        self,
        review: Review,
        *,
        bitrate: int = 32000,
        token: str | None = None,
        channels: dict[str, int] | None = None,
    ):
        self.review = review
        self.channels = channels
        self.bitrate = bitrate
        self.token = token or secrets.token_urlsafe(24)
        self.encodings: dict[int, Encoding] = {}
        # Where the page's listener is: (recording from 1, seconds, playing, when it was told).
        self.position: tuple[int, float, bool, float] | None = None
        self.app = Starlette(
            routes=[
                Route("/{token}/", self.page),
                Route("/{token}/audio/{n:int}.webm", self.audio),
                Route("/{token}/captions/{n:int}.vtt", self.captions),
                Route("/{token}/at", self.at, methods=["POST"]),
            ],
            exception_handlers={_NotFound: _not_found, 404: _not_found},
        )

    # --- helpers ---------------------------------------------------------------------------------

    def _check(self, request: Request) -> None:
        given = str(request.path_params["token"]).encode("utf-8", "surrogateescape")
        if not secrets.compare_digest(given, self.token.encode()):  # bytes: any text compares
            raise _NotFound()

    def _audio(self, request: Request):
        n = request.path_params["n"]
        if not 0 <= n < len(self.review.audio):
            raise _NotFound()
        return n, self.review.audio[n]

    def encoding(self, n: int) -> Encoding:
        if n not in self.encodings:
            self.encodings[n] = Encoding(self.review.audio[n].path, self.bitrate)
        return self.encodings[n].start()

    def close(self) -> None:
        for e in self.encodings.values():
            e.stop()

    # --- endpoints -------------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        self._check(request)
        body = render_page(self.review, self.channels)
        return HTMLResponse(body, headers={**SECURITY_HEADERS, "Content-Security-Policy": PAGE_CSP})

    async def at(self, request: Request) -> Response:
        """The page says where its listener is (a few bytes of JSON; anything else is ignored)."""
        self._check(request)
        body = await request.body()
        try:
            said = json.loads(body) if len(body) <= 256 else None
            n, t, playing = int(said["n"]), float(said["t"]), bool(said["playing"])
        except (ValueError, TypeError, KeyError):
            return Response(status_code=400, headers=SECURITY_HEADERS)
        if 1 <= n <= len(self.review.audio) and 0 <= t < 1e7:
            import time

            self.position = (n, t, playing, time.monotonic())
        return Response(status_code=204, headers=SECURITY_HEADERS)

    async def captions(self, request: Request) -> Response:
        self._check(request)
        _, audio = self._audio(request)
        t = self.review.transcript
        if t is None:
            text = "WEBVTT\n\nNOTE no transcript for this conversation\n"
        else:
            mine = [p for p in t.phrases if p.recording_id == audio.id]
            text = to_vtt(dataclasses.replace(t, phrases=mine), words=True)
        return PlainTextResponse(text, media_type="text/vtt", headers=SECURITY_HEADERS)

    async def audio(self, request: Request) -> Response:
        self._check(request)
        n, _ = self._audio(request)
        enc = self.encoding(n)
        headers = {**SECURITY_HEADERS, "Accept-Ranges": "bytes"}
        rng = parse_range(request.headers.get("range"), enc.size if enc.done else None)
        if not enc.done and (
            rng == "wait"
            or (isinstance(rng, tuple) and rng[0] > 0 and (rng[1] is None or rng[1] >= enc.size))
        ):
            # A seek ahead of the encoder: its bytes do not exist yet, and neither does the total.
            await enc.wait_done(RANGE_WAIT_S)
            rng = parse_range(request.headers.get("range"), enc.size if enc.done else None)
        if enc.error and enc.error != "stopped":
            return PlainTextResponse(
                f"transcoding failed: {enc.error}", status_code=500, headers=SECURITY_HEADERS
            )
        if rng == "bad":
            return Response(
                status_code=416, headers={**headers, "Content-Range": f"bytes */{enc.size}"}
            )
        if isinstance(rng, tuple):
            start, end = rng
            if end is not None and end < enc.size:  # bytes we already have
                total = str(enc.size) if enc.done else "*"
                headers["Content-Range"] = f"bytes {start}-{end}/{total}"
                return Response(
                    enc.read(start, end + 1),
                    status_code=206,
                    media_type="audio/webm",
                    headers=headers,
                )
            if start == 0:
                rng = None  # "bytes=0-" while encoding: the growing stream, as a 200
        if rng is None and enc.done:
            headers["Content-Length"] = str(enc.size)
        return StreamingResponse(_stream(enc, 0), media_type="audio/webm", headers=headers)


async def _stream(enc: Encoding, pos: int):
    """The bytes from pos on, as they are produced; a client that goes away just stops this."""
    while True:
        chunk = enc.read(pos, pos + CHUNK)
        if chunk:
            pos += len(chunk)
            yield chunk
        elif enc.done:
            return
        else:
            await asyncio.sleep(0.02)


class _NotFound(Exception):
    pass


async def _not_found(request: Request, exc: Exception) -> Response:
    """A wrong token, a wrong path: the same bare 404 (never saying which)."""
    return PlainTextResponse("Not Found", status_code=404, headers=SECURITY_HEADERS)


def _json(data: object) -> str:
    """JSON inside a <script> element: raw text there, so only `<` needs care (`</script>`)."""
    return json.dumps(data).replace("<", "\\u003c")


def _words_html(review: Review, p) -> str:
    """A phrase's words, each with the time it is said (seconds into the recording)."""
    esc, t = html.escape, review.transcript
    timed = t.words(p) if t is not None and p.word_count else []
    if not timed or len(timed) != len(p.text.split()):
        return esc(p.text)
    return " ".join(
        f'<span data-t="{(p.media_ms + (s - p.start_ms)) / 1000:.3f}">{esc(w)}</span>'
        for w, s, _d, _c in timed
    )


def render_page(review: Review, channels: dict[str, int] | None = None) -> str:
    """The call in a browser: per recording its waveform (a click seeks), the player with what
    Review's has (each party on, solo or muted through the browser's own channel gains; silences
    and holds skipped; an A-B loop; speed, the pitch kept), and the transcript with the phrase
    and the word being said highlighted."""
    from genesys_tui.flows.review.listening import ivr_spans_ms, skippable_ms
    from genesys_tui.flows.review.report import waveform_svg

    esc = html.escape
    conv = review.conversation
    channels = channels or {"customer": 0, "agent": 1}
    sections = []
    for n, a in enumerate(review.audio):
        items = []
        t = review.transcript
        if t is not None:
            for p in t.phrases:
                if p.recording_id != a.id or p.media_ms is None:
                    continue
                s = p.media_ms / 1000
                items.append(
                    f'<li data-start="{s:.3f}" data-role="{esc(p.role)}" class="{esc(p.role)}">'
                    f"<time>{int(s // 60)}:{int(s % 60):02d}</time> "
                    f"<b>{esc(ROLE_LABELS.get(p.role, p.role))}</b> {_words_html(review, p)}</li>"
                )
        data = {
            "channels": a.channels,
            "customer": channels["customer"],
            "agent": channels["agent"],
            "ivr": [[x / 1000, y / 1000] for x, y in ivr_spans_ms(a, t)] if t else [],
            "skips": [[x / 1000, y / 1000] for x, y in skippable_ms(a, t)],
        }
        sections.append(
            f"<section><h2>Recording {n + 1} of {len(review.audio)}</h2>"
            f'<div class="wave">{waveform_svg(a, ())}<i class="head"></i><i class="loop"></i></div>'
            f'<audio controls preload="metadata" src="audio/{n}.webm">'
            f'<track kind="captions" srclang="en" label="Transcript" src="captions/{n}.vtt" default></audio>'
            f"{CONTROLS}"
            f'<script type="application/json" class="data">{_json(data)}</script>'
            f"<ol>{''.join(items) or '<li>No transcript.</li>'}</ol></section>"
        )
    notes = "".join(f"<p class=note>{esc(x)}</p>" for x in review.notes)
    return PAGE.format(
        title=esc(f"Conversation {conv.id}"),
        notes=notes,
        sections="".join(sections) or "<p>No recording to play.</p>",
    )


CONTROLS = (
    '<div class="controls">'
    '<button data-party="agent">Agent: on</button> '
    '<button data-party="customer">Customer: on</button> '
    '<button data-party="ivr">IVR: on</button> '
    '<label><input type="checkbox" class="skip"> skip silences and holds</label> '
    '<button class="in">Loop in</button> <button class="out">Loop out</button> '
    '<button class="clear">Clear loop</button> '
    '<select class="speed">'
    + "".join(
        f'<option value="{v}"{" selected" if v == 1 else ""}>{v:g}×</option>'
        for v in (0.5, 0.75, 1, 1.25, 1.5, 2)
    )
    + "</select></div>"
)


PAGE = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} · genesys-tui</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}
audio {{ width: 100%; }} ol {{ list-style: none; padding: 0; }}
li {{ padding: .2rem .5rem; cursor: pointer; border-left: 4px solid transparent; }}
li.customer {{ border-color: #3b82f6; }} li.agent {{ border-color: #22c55e; }}
li.ivr, li.system {{ border-color: #a855f7; }} li.now {{ background: #fde68a; }}
span.word {{ background: #f59e0b; color: #000; border-radius: 2px; }}
time {{ color: #666; font-variant-numeric: tabular-nums; }} .note {{ color: #92400e; }}
.wave {{ position: relative; cursor: pointer; }} .wave svg {{ display: block; }}
.wave .head {{ position: absolute; top: 0; bottom: 0; width: 2px; background: #dc2626; left: 0; }}
.wave .loop {{ position: absolute; top: 0; bottom: 0; background: #3b82f633; display: none; }}
.controls {{ margin: .4rem 0; }} button[data-state=solo] {{ font-weight: bold; }}
button[data-state=muted] {{ text-decoration: line-through; }}
::cue(:past) {{ color: #aaa; }}
</style></head><body>
<h1>{title}</h1>{notes}{sections}
<p><small>Keys: space play/pause · s / S next / previous speaker · }} / {{ the speaker's next /
previous phrase · A C I a party on, solo, muted · z skip silences · ( ) \ loop in, out, clear.
</small></p>
<script>
const players = [];
for (const section of document.querySelectorAll("section")) {{
  const audio = section.querySelector("audio"), items = [...section.querySelectorAll("li[data-start]")];
  const data = JSON.parse(section.querySelector("script.data").textContent);
  const wave = section.querySelector(".wave"), head = wave.querySelector(".head"), band = wave.querySelector(".loop");
  const p = {{ audio, items, state: {{agent: "on", customer: "on", ivr: "on"}}, skip: false, loop: [null, null], gains: null, sel: 0 }};
  players.push(p);
  // Each party is a channel of the stereo recording (the IVR a span of the customer's): the
  // browser's own gains, built on the first play (an AudioContext needs a gesture).
  const graph = () => {{
    if (p.gains || data.channels < 2) return;
    const ctx = new AudioContext(), src = ctx.createMediaElementSource(audio);
    const split = ctx.createChannelSplitter(2), merge = ctx.createChannelMerger(2);
    p.gains = [ctx.createGain(), ctx.createGain()];
    src.connect(split);
    for (const i of [0, 1]) {{ split.connect(p.gains[i], i); p.gains[i].connect(merge, 0, i); }}
    merge.connect(ctx.destination);
  }};
  audio.addEventListener("play", graph);
  const audible = () => {{
    const solo = Object.keys(p.state).filter(k => p.state[k] === "solo");
    return new Set(solo.length ? solo : Object.keys(p.state).filter(k => p.state[k] !== "muted"));
  }};
  p.cycle = party => {{
    const next = {{on: "solo", solo: "muted", muted: "on"}}[p.state[party]];
    if (next === "solo") for (const k in p.state) if (p.state[k] === "solo") p.state[k] = "on";
    p.state[party] = next;
    for (const b of section.querySelectorAll("button[data-party]")) {{
      const k = b.dataset.party; b.dataset.state = p.state[k];
      b.textContent = k === "ivr" ? "IVR: " + p.state[k] : k[0].toUpperCase() + k.slice(1) + ": " + p.state[k];
    }}
  }};
  for (const b of section.querySelectorAll("button[data-party]")) b.onclick = () => p.cycle(b.dataset.party);
  const skipBox = section.querySelector(".skip");
  skipBox.onchange = () => {{ p.skip = skipBox.checked; }};
  p.toggleSkip = () => {{ skipBox.checked = !skipBox.checked; p.skip = skipBox.checked; }};
  p.loopIn = () => {{ p.loop = [audio.currentTime, null]; }};
  p.loopOut = () => {{ if (p.loop[0] !== null && audio.currentTime > p.loop[0]) {{ p.loop[1] = audio.currentTime; audio.currentTime = p.loop[0]; audio.play(); }} }};
  p.clearLoop = () => {{ p.loop = [null, null]; }};
  section.querySelector(".in").onclick = p.loopIn;
  section.querySelector(".out").onclick = p.loopOut;
  section.querySelector(".clear").onclick = p.clearLoop;
  section.querySelector(".speed").onchange = e => {{ audio.preservesPitch = true; audio.playbackRate = +e.target.value; }};
  wave.onclick = e => {{
    const r = wave.getBoundingClientRect();
    if (audio.duration) audio.currentTime = (e.clientX - r.left) / r.width * audio.duration;
  }};
  for (const [k, li] of items.entries()) li.onclick = () => {{ p.sel = k; audio.currentTime = +li.dataset.start; audio.play(); }};
  p.go = k => {{ if (k >= 0 && k < items.length) {{ p.sel = k; audio.currentTime = +items[k].dataset.start; items[k].scrollIntoView({{block: "nearest"}}); }} }};
  p.speaker = dir => {{
    const role = items[p.sel]?.dataset.role;
    for (let k = p.sel + dir; k >= 0 && k < items.length; k += dir) if (items[k].dataset.role !== role) return p.go(k);
  }};
  p.sameRole = dir => {{
    const role = items[p.sel]?.dataset.role;
    for (let k = p.sel + dir; k >= 0 && k < items.length; k += dir) if (items[k].dataset.role === role) return p.go(k);
  }};
  const tick = () => {{
    let t = audio.currentTime;
    if (p.skip) for (const [a, b] of data.skips) if (t >= a && t < b) {{ audio.currentTime = t = b; }}
    if (p.loop[0] !== null && p.loop[1] !== null && t >= p.loop[1]) audio.currentTime = t = p.loop[0];
    if (p.gains) {{
      const hear = audible(), ivr = data.ivr.some(([a, b]) => t >= a && t < b);
      p.gains[data.customer].gain.value = (ivr ? hear.has("ivr") : hear.has("customer")) ? 1 : 0;
      p.gains[data.agent].gain.value = hear.has("agent") ? 1 : 0;
    }}
    let cur = null;
    for (const li of items) if (+li.dataset.start <= t + 0.05) cur = li;
    for (const li of items) li.classList.toggle("now", li === cur);
    for (const w of section.querySelectorAll("span.word")) w.classList.remove("word");
    if (cur) {{
      let word = null;
      for (const w of cur.querySelectorAll("span[data-t]")) if (+w.dataset.t <= t + 0.02) word = w;
      if (word) word.classList.add("word");
      if (!audio.paused) cur.scrollIntoView({{block: "nearest"}});
    }}
    if (audio.duration) {{
      head.style.left = (t / audio.duration * 100) + "%";
      band.style.display = p.loop[0] !== null && p.loop[1] !== null ? "block" : "none";
      if (p.loop[1] !== null) {{ band.style.left = (p.loop[0] / audio.duration * 100) + "%"; band.style.width = ((p.loop[1] - p.loop[0]) / audio.duration * 100) + "%"; }}
    }}
    requestAnimationFrame(tick);
  }};
  requestAnimationFrame(tick);
}}
document.addEventListener("keydown", e => {{
  if (e.target.closest("input, select, button") && e.key === " ") return;
  const p = players.find(x => !x.audio.paused) || players[0];
  if (!p) return;
  const act = {{" ": () => p.audio.paused ? p.audio.play() : p.audio.pause(), "s": () => p.speaker(1), "S": () => p.speaker(-1),
    "}}": () => p.sameRole(1), "{{": () => p.sameRole(-1), "A": () => p.cycle("agent"), "C": () => p.cycle("customer"),
    "I": () => p.cycle("ivr"), "z": p.toggleSkip, "(": p.loopIn, ")": p.loopOut, "\\": p.clearLoop}}[e.key];
  if (act) {{ e.preventDefault(); act(); }}
}});
// Where the listener is, told to the app that opened this page (Review follows it), twice a
// second while a recording plays, and once when it pauses or seeks.
let told = "";
const tell = () => {{
  const k = players.findIndex(x => !x.audio.paused), p = players[k < 0 ? 0 : k];
  if (!p) return;
  const now = JSON.stringify({{n: (k < 0 ? 0 : k) + 1, t: +p.audio.currentTime.toFixed(2), playing: k >= 0}});
  if (now !== told) {{ told = now; fetch("at", {{method: "POST", body: now}}).catch(() => {{}}); }}
}};
setInterval(tell, 500);
// #t=SECONDS (or #t=r2/SECONDS for the second recording) starts there: a link to a moment
const want = /^#t=(?:r(\d+)\/)?(\d+(?:\.\d+)?)$/.exec(location.hash);
if (want) {{
  const audios = document.querySelectorAll("audio"), a = audios[(+want[1] || 1) - 1];
  if (a) {{
    const go = () => {{ a.currentTime = +want[2]; a.scrollIntoView(); }};
    if (a.readyState >= 1) go(); else a.addEventListener("loadedmetadata", go, {{once: true}});
  }}
}}
</script></body></html>
"""


class PlaybackServer:
    """`with PlaybackServer(review) as srv: print(srv.url)`; stops the encoders on exit."""

    def __init__(
        self,
        review: Review,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bitrate: int = 32000,
        channels: dict[str, int] | None = None,
    ):
        self.playback = PlaybackApp(review, bitrate=bitrate, channels=channels)
        self.server = ThreadedServer(
            self.playback.app, host, port, name="review-playback", lifespan="off"
        )

    @property
    def url(self) -> str:
        return f"{self.server.base_url}/{self.playback.token}/"

    def start(self) -> PlaybackServer:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.playback.close()

    def run(self) -> None:
        try:
            self.server.run()
        finally:
            self.playback.close()

    def __enter__(self) -> PlaybackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
