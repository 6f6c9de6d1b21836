"""Alerts on live calls, by the rules in `supervise.alerts`: a party on hold too long, a customer
waiting in queue too long, nobody speaking on a connected call too long, a keyword said, the
sentiment below a threshold, a secure pause. Each alert is raised once while its condition
holds (and again if it clears and comes back) and says what it measured; a keyword once per call
and phrase; a silence by the transcript's own time line (silence.py), never the wall clock."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from genesys_tui.core.config import AlertRules
from genesys_tui.flows.supervise.live import LiveCall
from genesys_tui.flows.supervise.silence import gaps
from genesys_tui.flows.supervise.words import LiveWords
from genesys_tui.genesys import states as S

HOLD, WAITING, SILENCE, KEYWORD, SENTIMENT, SECURE = (
    "hold",
    "waiting",
    "silence",
    "keyword",
    "sentiment",
    "secure-pause",
)
SHORT = {
    HOLD: "HOLD",
    WAITING: "WAIT",
    SILENCE: "SILENT",
    KEYWORD: "SAID",
    SENTIMENT: "MOOD",
    SECURE: "PAUSE",
}


@dataclass(frozen=True)
class Alert:
    conversation_id: str
    kind: str
    text: str  # for a person: what, how long
    since: datetime  # when its condition began (a hold's start...), else when first seen
    measured: str = ""  # what was measured, from what
    ongoing: bool = True  # it holds now (False: a thing that happened: a phrase, a past silence)
    mark: str = ""  # tells apart alerts of one kind on one call (a phrase, a silence's start)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.conversation_id, self.kind, self.mark)


class AlertEngine:
    """Raises an alert once when its condition starts holding, keeps its text current while it
    holds, and clears it when it stops. A phrase said and a silence that is over are things that
    happened: raised once (not ongoing), never cleared."""

    def __init__(self, rules: AlertRules) -> None:
        self.rules = rules
        self.active: dict[tuple[str, str, str], Alert] = {}
        self._once: set[tuple[str, str, str]] = set()  # one-off alerts already raised
        self._paused: dict[str, list[list]] = {}  # call -> [[start, end or None]] holds, pauses
        kws = [k.strip() for k in rules.keywords if k.strip()]
        self._keywords = [(k, re.compile(rf"\b{re.escape(k.lower())}\b")) for k in kws]

    @property
    def needs_words(self) -> bool:
        r = self.rules
        return bool(r.silence_seconds or self._keywords or r.sentiment_below > -100)

    def of(self, conversation_id: str) -> list[Alert]:
        return [a for a in self.active.values() if a.conversation_id == conversation_id]

    def ended(self, conversation_id: str) -> None:
        for key in [k for k in self.active if k[0] == conversation_id]:
            del self.active[key]
        self._once = {x for x in self._once if x[0] != conversation_id}
        self._paused.pop(conversation_id, None)

    def evaluate(
        self, call: LiveCall, now: datetime, words: LiveWords | None = None
    ) -> tuple[list[Alert], list[Alert]]:
        """(raised, cleared) for this call now."""
        self._note_pauses(call, now)
        holding = self._conditions(call, now, words)
        cid = call.conversation_id
        raised, cleared = [], []
        for alert in holding:
            if not alert.ongoing:
                if alert.key not in self._once:
                    self._once.add(alert.key)
                    raised.append(alert)
                continue
            if alert.key not in self.active:
                self.active[alert.key] = alert
                raised.append(alert)
            else:  # the text says how long: keep it current, raised when it began
                self.active[alert.key] = replace(alert, since=self.active[alert.key].since)
        keys = {a.key for a in holding if a.ongoing}
        for key in [k for k in self.active if k[0] == cid and k not in keys]:
            cleared.append(self.active.pop(key))
        return raised, cleared

    def _note_pauses(self, call: LiveCall, now: datetime) -> None:
        """Holds and secure pauses as windows on the call's time line (silence leaves them out):
        opened when seen (a hold from its startHoldTime), closed when seen over."""
        windows = self._paused.setdefault(call.conversation_id, [])
        held = [p for p in call.call.participants if p.end_time is None and p.held]
        hold_from = min((p.start_hold_time or now for p in held), default=None)
        for kind, since in (("hold", hold_from), ("pause", now if call.secure_pause else None)):
            current = next((w for w in windows if w[2] == kind and w[1] is None), None)
            if since is not None and current is None:
                windows.append([since, None, kind])
            elif since is None and current is not None:
                current[1] = now

    def _conditions(self, call: LiveCall, now: datetime, words: LiveWords | None) -> list[Alert]:
        r, cid, out = self.rules, call.conversation_id, []
        parts = [p for p in call.call.participants if p.end_time is None]
        if r.hold_seconds:
            for p in parts:
                if p.held and p.start_hold_time:
                    held = (now - p.start_hold_time).total_seconds()
                    if held >= r.hold_seconds:
                        who = p.name or p.purpose or "a party"
                        measured = f"on hold since {_clock(p.start_hold_time)} UTC"
                        text = f"{who} on hold {_mmss(held)}"
                        out.append(Alert(cid, HOLD, text, p.start_hold_time, measured))
                        break
        agent_on = [a for a in call.agents if a.state == S.CONNECTED]
        if r.queue_wait_seconds and not agent_on:
            for p in parts:
                if p.purpose == "acd" and p.start_time:
                    waited = (now - p.start_time).total_seconds()
                    if waited >= r.queue_wait_seconds:
                        where = call.queue or "queue"
                        measured = f"in queue since {_clock(p.start_time)} UTC, no agent yet"
                        text = f"waiting in {where} {_mmss(waited)}"
                        out.append(Alert(cid, WAITING, text, p.start_time, measured))
        if r.secure_pause and call.secure_pause:
            out.append(Alert(cid, SECURE, "secure pause", now, "the call says securePause"))
        if words is None:
            return out
        if r.silence_seconds and agent_on and not words.ended:
            out += self._silences(call, now, words, agent_on)
        if self._keywords:
            for u in words.utterances.values():
                text = u.text.lower()
                for kw, pattern in self._keywords:
                    if (cid, KEYWORD, kw) not in self._once and pattern.search(text):
                        at = _into(call, u.began)
                        out.append(
                            Alert(
                                cid,
                                KEYWORD,
                                f'{u.role} said "{kw}"',
                                now,
                                f"in the live transcript, {at} into the call",
                                ongoing=False,
                                mark=kw,
                            )
                        )
        if words.sentiment is not None and (
            words.sentiment < r.sentiment_below
            or (cid, SENTIMENT, "") in self.active  # it clears above the line plus HYSTERESIS
            and words.sentiment < r.sentiment_below + HYSTERESIS
        ):
            out.append(
                Alert(
                    cid,
                    SENTIMENT,
                    f"sentiment {words.sentiment:+.0f}",
                    now,
                    f"Genesys's overall score for the customer, below {r.sentiment_below:+.0f}",
                )
            )
        return out

    def _silences(self, call: LiveCall, now: datetime, words: LiveWords, agents) -> list[Alert]:
        """Silences on the call's own time line (silence.py): an open one holds until someone
        speaks; one found already over is a thing that happened."""
        agent_from = max((a.since for a in agents if a.since), default=None)
        found = gaps(
            words.spoken(),
            followed_from=words.followed_from,
            covered=words.covered,
            agent_from=agent_from,
            paused=[(s, e) for s, e, _ in self._paused.get(call.conversation_id, [])],
            threshold=self.rules.silence_seconds,
        )
        out = []
        for g in found:
            span = f"from {_into(call, g.start)} to {_into(call, g.end)} into the call"
            measured = (
                f"no words {span}, by the transcript (hold and secure pause left out)"
                if not g.open
                else f"no words {span}, as far as the transcript has come"
            )
            out.append(
                Alert(
                    call.conversation_id,
                    SILENCE,
                    f"silent {_mmss(g.seconds)}",
                    now,
                    measured,
                    ongoing=g.open,
                    mark=g.start.isoformat(),
                )
            )
        return out


HYSTERESIS = 5.0  # sentiment points above the line before its alert clears


def _mmss(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _clock(t: datetime) -> str:
    return t.strftime("%H:%M:%S")


def _into(call: LiveCall, t: datetime) -> str:
    """How far into the call `t` is, as m:ss."""
    return _mmss((t - call.start).total_seconds()) if call.start else _clock(t)
