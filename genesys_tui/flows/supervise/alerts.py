"""Alerts on live calls, by the rules in `supervise.alerts`: a party on hold too long, a customer
waiting in queue too long, nobody speaking on a connected call too long, a keyword said, the
sentiment below a threshold, a secure pause. Each alert is raised once while its condition
holds (and again if it clears and comes back); a keyword once per call and phrase."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from genesys_tui.core.config import AlertRules
from genesys_tui.flows.supervise.live import LiveCall
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
SHORT = {HOLD: "HOLD", WAITING: "WAIT", SILENCE: "SILENT", KEYWORD: "SAID", SENTIMENT: "MOOD"}


@dataclass(frozen=True)
class Alert:
    conversation_id: str
    kind: str
    text: str  # for a person: what, how long
    since: datetime

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.conversation_id, self.kind, self.text if self.kind == KEYWORD else "")


class AlertEngine:
    def __init__(self, rules: AlertRules) -> None:
        self.rules = rules
        self.active: dict[tuple[str, str, str], Alert] = {}
        self._said: set[tuple[str, str]] = set()  # (call, keyword) already raised
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
        self._said = {x for x in self._said if x[0] != conversation_id}

    def evaluate(
        self, call: LiveCall, now: datetime, words: LiveWords | None = None
    ) -> tuple[list[Alert], list[Alert]]:
        """(raised, cleared) for this call now."""
        holding = self._conditions(call, now, words)
        cid = call.conversation_id
        raised, cleared = [], []
        for alert in holding:
            if alert.key not in self.active:
                self.active[alert.key] = alert
                raised.append(alert)
            elif alert.kind != KEYWORD:  # the text says how long: keep it current
                self.active[alert.key] = alert
        keys = {a.key for a in holding}
        for key in [k for k in self.active if k[0] == cid and k not in keys]:
            if key[1] != KEYWORD:  # a phrase said stays said
                cleared.append(self.active.pop(key))
        return raised, cleared

    def _conditions(self, call: LiveCall, now: datetime, words: LiveWords | None) -> list[Alert]:
        r, cid, out = self.rules, call.conversation_id, []
        parts = [p for p in call.call.participants if p.end_time is None]
        if r.hold_seconds:
            for p in parts:
                if p.held and p.start_hold_time:
                    held = (now - p.start_hold_time).total_seconds()
                    if held >= r.hold_seconds:
                        who = p.name or p.purpose or "a party"
                        out.append(Alert(cid, HOLD, f"{who} on hold {_mmss(held)}", now))
                        break
        agent_on = any(a.state == S.CONNECTED for a in call.agents)
        if r.queue_wait_seconds and not agent_on:
            for p in parts:
                if p.purpose == "acd" and p.start_time:
                    waited = (now - p.start_time).total_seconds()
                    if waited >= r.queue_wait_seconds:
                        where = call.queue or "queue"
                        out.append(Alert(cid, WAITING, f"waiting in {where} {_mmss(waited)}", now))
        if r.secure_pause and call.secure_pause:
            out.append(Alert(cid, SECURE, "secure pause", now))
        if words is None:
            return out
        if r.silence_seconds and agent_on and words.heard and not words.ended:
            since = words.last_said or max((a.since for a in call.agents if a.since), default=None)
            if since is not None and (now - since).total_seconds() >= r.silence_seconds:
                out.append(
                    Alert(cid, SILENCE, f"silent {_mmss((now - since).total_seconds())}", now)
                )
        if self._keywords:
            for u in words.utterances.values():
                text = u.text.lower()
                for kw, pattern in self._keywords:
                    if (cid, kw) not in self._said and pattern.search(text):
                        self._said.add((cid, kw))
                        out.append(Alert(cid, KEYWORD, f'{u.role} said "{kw}"', now))
        if words.sentiment is not None and words.sentiment < r.sentiment_below:
            out.append(Alert(cid, SENTIMENT, f"sentiment {words.sentiment:+.0f}", now))
        return out


def _mmss(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"
