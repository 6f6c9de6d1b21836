"""What Review says in words: its help, the title line, the QA metrics panel and the selected
phrase's details."""

from __future__ import annotations

from rich.markup import escape

from genesys_tui.core import fmt
from genesys_tui.flows.pull import meta as job_meta
from genesys_tui.flows.review.listening import Listening
from genesys_tui.flows.review.listing import PhraseList, clock
from genesys_tui.flows.review.model import ROLE_LABELS
from genesys_tui.flows.review.session import Audio, Review

HELP = """
Review a conversation: its transcript aligned to the recording's waveform. Open one with `Enter` on
a conversation in Browse, or `o` and paste an ID.

The timeline shows one lane per party (customer, agent) in their colours, phrase spans below, holds
shaded and cut-out secure pauses marked `┃`/`✂`. Zoom with `+`/`-` (down to two seconds), `0` shows
the whole recording, `←`/`→` pan, a click seeks. Moving through the transcript moves the playhead.

`m` bookmarks the playhead's moment with a note (kept on this machine, per org, and exported with
the transcript), `'` jumps to the next bookmark, `w` writes the call's bookmarks to Genesys as
recording annotations (bookmarks Genesys already has are listed too); `M` hides the side panel.

`v` opens an evaluation form beside the transcript: `↑`/`↓` move between questions, `1`-`9` answer,
`x` marks N/A (where the form allows), `c` comments on the question, `C` on the whole call, `f`
switches to the next published form; the running score is computed as the form weights it (a
failed fatal question makes it 0). The draft is kept on this machine as you go; `ctrl+s` submits it
to Genesys after a confirmation. `v` again (or Tab) goes back to the transcript.

Playing (`space`, `p` the selected phrase): the word being said is highlighted in its phrase.
`A`, `C`, `I` take the agent, the customer, the IVR through heard → alone (solo) → muted; `z`
skips silences and holds; `(` and `)` mark a loop's start and end (it plays over and over), `\\`
clears it; `<`/`>` change the speed, the pitch kept. `s`/`S` go to the next/previous change of
speaker, `}`/`{` to the speaker's next/previous phrase. On a narrow screen the form (`v`) and the
metrics (`M`) take the transcript's place while in use.

Times are positions in the recording file: the part of a secure pause that was cut out of the
recording takes no time there, so what is highlighted is what you hear.

Playback needs an audio device; over SSH or on a server, `b` plays the call in a browser instead
(a loopback address with a random token; forward the port with `ssh -L` to listen from elsewhere).
"""


def title_text(
    r: Review,
    names: dict[str, str],
    a: Audio | None,
    recording: int,
    playing: bool,
    speed: float,
    listening: Listening | None = None,
) -> str:
    """The player's state first (it must stay in sight on a narrow terminal), then the call."""
    meta = job_meta.from_conversation(r.conversation, names)
    player = []
    if a:
        player.append(f"{'▶ playing' if playing else '‖ paused'} {speed:g}×")
        player.append(f"recording {recording + 1}/{len(r.audio)}")
        if listening is not None:
            if listening.skip:
                player.append("skipping silence")
            if listening.loop_in_ms is not None:
                end = clock(listening.loop_out_ms) if listening.loop_out_ms is not None else "…"
                player.append(f"loop {clock(listening.loop_in_ms)}–{end}")
            if listening.words():
                player.append(listening.words())
    bits = [f"Conversation {r.id}"]
    bits += [q["name"] for q in meta["queues"][:1]] + [x["name"] for x in meta["agents"][:2]]
    if r.conversation.start_time:
        bits.append(fmt.when(r.conversation.start_time))
    if a:
        bits.append(fmt.duration(a.frames / a.rate))
    call = escape(" · ".join(bits))
    return f"[b]{escape(' · '.join(player))}[/] │ {call}" if player else call


def metrics_text(r: Review | None) -> str:
    if r is None or r.metrics is None:
        return "[b]QA metrics[/]\n\nNo transcript, no metrics." if r else ""
    lines = ["[b]QA metrics[/]", ""] + [f"{k:<19}{v}" for k, v in r.metrics.rows()]
    if r.transcript and r.transcript.topics:
        lines += ["", "[b]Topics[/]"] + sorted({f"· {t.name}" for t in r.transcript.topics})
    return "\n".join(lines)


def phrase_text(listing: PhraseList, row: int) -> str:
    p = listing.phrase(row)
    bits = [f"{listing.when(p)} +{p.duration_ms / 1000:.1f}s", ROLE_LABELS.get(p.role, p.role)]
    if p.confidence is not None:
        bits.append(f"confidence {p.confidence:.2f}")
    if p.sentiment:
        bits.append(f"sentiment {p.sentiment:+g}")
    if p.media_ms is None:
        bits.append("not in the recording")
    return f"[dim]{' · '.join(bits)}[/]\n{escape(p.text)}"


def bar_text(
    listing: PhraseList, review: Review | None, playhead_ms: int | None, browser: str | None
) -> str:
    """The line under the timeline: which speakers show, the search, the playhead, the browser."""
    shown = listing.shown_roles
    bits = [
        "  ".join(
            f"[{'b' if k in shown else 'dim'}]{label}[/] {'✓' if k in shown else '·'}"
            for k, label in (("agent", "a Agent"), ("customer", "c Customer"), ("ivr", "i IVR"))
        )
    ]
    if listing.query:
        bits.append(f"search “{listing.query}”: {len(listing.hits)} phrase(s)")
    if review and review.transcript:
        bits.append(f"{len(listing)} of {len(listing.phrases)} phrases")
    if playhead_ms is not None:
        bits.append(f"playhead {clock(playhead_ms)}")
    if browser:
        bits.append(f"browser: {browser}")
    return "   ".join(bits)
