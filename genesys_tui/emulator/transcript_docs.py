"""The transcript document a transcript URL serves: phrases with words, times and confidences,
the speaker's purpose and participant, sentiment and topics, as Genesys's speech and text
analytics write it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from genesys_tui.emulator.call_model import CallDetail, RecordingInfo
from genesys_tui.emulator.corpus import TOPICS
from genesys_tui.emulator.documents import drop_none
from genesys_tui.emulator.ids import make_uuid

if TYPE_CHECKING:
    from genesys_tui.emulator.org import Org

_PUNCT = re.compile(r"[^\w\s'-]")


def _plain(text: str) -> str:
    return _PUNCT.sub("", text).lower()


def transcript(org: Org, d: CallDetail, rec: RecordingInfo | None = None) -> dict[str, Any]:
    lo, hi = (rec.start, rec.end) if rec else (d.start, d.end or d.start)
    phrases = [p for p in d.phrases if lo <= p.start < hi]
    start_ms = phrases[0].start if phrases else lo
    out_phrases, sentiment, topics = [], [], []
    for k, p in enumerate(phrases):
        out_phrases.append(
            {
                "phraseIndex": k,
                "text": _plain(p.text),
                "decoratedText": p.text,
                "stability": 1,
                "confidence": p.confidence,
                "startTimeMs": p.start,
                "duration": {"milliseconds": p.dur},
                "words": [
                    {
                        "word": _plain(w.text),
                        "confidence": w.conf,
                        "startTimeMs": w.start,
                        "duration": {"milliseconds": w.dur},
                    }
                    for w in p.words
                ],
                "alternatives": [],
                "participantPurpose": p.channel,
                "type": "transcript",
            }
        )
        if p.sentiment:
            sentiment.append(
                {
                    "participant": p.channel,
                    "phrase": p.text,
                    "phraseIndex": k,
                    "sentiment": float(p.sentiment),
                    "startTimeMs": p.start,
                    "duration": {"milliseconds": p.dur},
                    "type": "Phrase",
                }
            )
        low = p.text.lower()
        for tidx, (tname, needles) in enumerate(TOPICS):
            hit = next((n for n in needles if n in low), None)
            if hit:
                topics.append(
                    {
                        "participant": p.channel,
                        "topicId": make_uuid(org.s.seed, "topic", tidx),
                        "topicName": tname,
                        "topicPhrase": hit,
                        "transcriptPhrase": hit,
                        "confidence": 0.9,
                        "startTimeMs": p.start,
                        "duration": {"milliseconds": p.dur},
                        "type": "Topic",
                    }
                )
    participants = []
    for p in d.parties:
        participants.append(
            drop_none(
                {
                    "participantPurpose": p.purpose if p.purpose != "external" else "customer",
                    "userId": p.user_id,
                    "queueId": p.queue_id,
                    "flowId": (p.flow or {}).get("flowId"),
                    "initialDirection": p.direction,
                    "divisionId": d.division_id,
                    "ani": d.ani,
                    "dnis": d.dnis,
                    "startTimeMs": p.start,
                    "endTimeMs": p.end if p.end is not None else hi,
                }
            )
        )
    dur = (phrases[-1].end - start_ms) if phrases else 0
    return {
        "organizationId": org.id,
        "conversationId": d.id,
        "communicationId": d.communication_id,
        "mediaType": "call",
        "conversationStartTime": d.start,
        "startTime": start_ms,
        "duration": {"milliseconds": dur},
        "uri": f"/transcript/v1/organizations/{org.id}/conversations/{d.id}/communications/{d.communication_id}",
        "transcripts": [
            {
                "transcriptId": make_uuid(org.s.seed, "transcript", d.id, rec.id if rec else "all"),
                "language": "en-US",
                "programId": make_uuid(org.s.seed, "program"),
                "engineId": "genesys",
                "startTime": start_ms,
                "duration": {"milliseconds": dur},
                "phrases": out_phrases,
                "analytics": {"sentiment": sentiment, "topics": topics, "acoustic": []},
            }
        ],
        "participants": participants,
    }
