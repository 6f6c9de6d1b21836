"""A call as one self-contained HTML page that can be mailed: who, when, the QA metrics, each
recording's waveform (inline SVG, from the peaks Review already has) with its bookmarks marked,
the transcript by speaker with times, the bookmarks. No script, no remote resource; every text
escaped."""

from __future__ import annotations

import html
from collections.abc import Sequence

from genesys_tui.core import fmt
from genesys_tui.flows.pull import meta as job_meta
from genesys_tui.flows.review.evaluation import Evaluated, Form
from genesys_tui.flows.review.export import _clock, _position
from genesys_tui.flows.review.marks import Mark
from genesys_tui.flows.review.model import ROLE_LABELS
from genesys_tui.flows.review.session import Audio, Review

WIDTH, HEIGHT = 900, 80
COLOURS = {"agent": "#2563eb", "customer": "#16a34a", "ivr": "#a855f7", "system": "#a855f7"}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def waveform_svg(a: Audio, marks: Sequence[Mark]) -> str:
    """Min/max bars across the recording, one per pixel column; bookmarks as red lines."""
    if a.peaks is None or not a.frames:
        return "<p class=dim>(no waveform)</p>"
    env = a.peaks.envelope(0, a.frames, WIDTH)
    if env is None:
        return "<p class=dim>(no waveform)</p>"
    lo, hi = env.min(axis=0)[:, 0], env.max(axis=0)[:, 1]  # all channels together
    mid = HEIGHT / 2
    bars = "".join(
        f'<line x1="{x}" x2="{x}" y1="{mid - hi[x] * mid:.1f}" y2="{mid - lo[x] * mid:.1f}"/>'
        for x in range(len(hi))
    )
    length_ms = a.frames * 1000 / a.rate
    lines = "".join(
        f'<line class=mark x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{HEIGHT}">'
        f"<title>{_e(m.clock)} {_e(m.note)}</title></line>"
        for m in marks
        if m.recording_id == a.id
        for x in [min(WIDTH - 1, m.ms / length_ms * WIDTH)]
    )
    return (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" height="{HEIGHT}" role="img" '
        f'aria-label="waveform"><g stroke="#64748b">{bars}</g>'
        f'<g stroke="#dc2626" stroke-width="2">{lines}</g></svg>'
    )


def _evaluation(ev: Evaluated, form: Form | None) -> list[str]:
    """One evaluation from Genesys: its form, status, scores, and each answer by its text."""
    head = f"{_e(ev.form_name or (form.name if form else ''))} · {_e(ev.status)}"
    if ev.total is not None:
        head += f" · <b>{ev.total:g}%</b>"
    if ev.fatal:
        head += " · a fatal question failed"
    out = [f"<h3>{head} <span class=dim>{_e(ev.evaluator)}</span></h3>"]
    if form is not None:
        out.append("<table>")
        for _, q in form.questions():
            answer, na, note = ev.answers.get(q.id, (None, False, ""))
            text = "N/A" if na else next((o.text for o in q.options if o.id == answer), "")
            out.append(f"<tr><th>{_e(q.text)}</th><td>{_e(text)}</td><td>{_e(note)}</td></tr>")
        out.append("</table>")
    if ev.comments:
        out.append(f"<p>{_e(ev.comments)}</p>")
    return out


def to_html(
    review: Review,
    names: dict[str, str],
    marks: Sequence[Mark] = (),
    evaluations: Sequence[tuple[Evaluated, Form | None]] = (),
) -> str:
    meta = job_meta.from_conversation(review.conversation, names)
    queue = ", ".join(q["name"] for q in meta["queues"]) or "-"
    agents = ", ".join(x["name"] for x in meta["agents"]) or "-"
    when = fmt.when(review.conversation.start_time) if review.conversation.start_time else "-"
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>Call {_e(review.id)}</title><style>",
        "body{font:14px/1.45 system-ui,sans-serif;max-width:960px;margin:2em auto;color:#111}",
        "table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left}",
        ".dim{color:#666}time{color:#666;font-variant-numeric:tabular-nums}",
        "li{list-style:none;margin:2px 0}",
        "".join(f".{r}{{border-left:4px solid {c};padding-left:6px}}" for r, c in COLOURS.items()),
        "</style></head><body>",
        f"<h1>Call {_e(review.id)}</h1>",
        f"<p>{_e(when)} UTC · queue {_e(queue)} · agent {_e(agents)}</p>",
    ]
    if review.metrics is not None:
        parts.append("<h2>QA metrics</h2><table>")
        parts += [f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in review.metrics.rows()]
        parts.append("</table>")
    for n, a in enumerate(review.audio, 1):
        parts.append(f"<h2>Recording {n} <span class=dim>{_e(a.id)}</span></h2>")
        parts.append(waveform_svg(a, marks))
    if marks:
        parts.append("<h2>Bookmarks</h2><ul>")
        ids = [a.id for a in review.audio]
        for m in marks:
            rec = ids.index(m.recording_id) + 1 if m.recording_id in ids else "?"
            parts.append(
                f"<li><time>{_e(m.clock)}</time> recording {rec}: {_e(m.note) or '-'}</li>"
            )
        parts.append("</ul>")
    if evaluations:
        parts.append("<h2>Evaluations</h2>")
        for ev, form in evaluations:
            parts += _evaluation(ev, form)
    t = review.transcript
    parts.append("<h2>Transcript</h2>")
    if t is None:
        parts.append(f"<p class=dim>{_e(' '.join(review.notes) or 'No transcript.')}</p>")
    else:
        parts.append("<ul>")
        for p in t.phrases:
            who = ROLE_LABELS.get(p.role, p.role)
            parts.append(
                f"<li class={_e(p.role)}><time>{_clock(_position(p, t))[:8]}</time> "
                f"<b>{_e(who)}</b> {_e(p.text)}</li>"
            )
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
