"""A QA sample: N calls per agent (or per queue) of an interval, picked reproducibly: the same
seed, interval and filters give the same calls, whoever runs it. Only calls with a recording,
and with a transcript unless asked otherwise (Speech and Text Analytics has the call: one
`GET /api/v2/speechandtextanalytics/conversations/{id}` per call tried, and only as many tried as
it takes). The last sample is kept per org, for Review to step through."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from genesys_tui.core.errors import UserError
from genesys_tui.core.files import write_bytes
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.summaries import ConversationSummary

MAX_CANDIDATES = 200_000  # conversations read from the interval, at most


class SampleError(UserError):
    pass


@dataclass
class Picked:
    group: str  # the agent's or queue's id
    conversation_id: str
    start: str


@dataclass
class Sample:
    per: str  # agent | queue
    n: int
    seed: int
    interval: str
    picked: list[Picked] = field(default_factory=list)
    short: dict[str, int] = field(default_factory=dict)  # group -> how many it lacked

    def ids(self) -> list[str]:
        return [p.conversation_id for p in self.picked]


def _order(seed: int, group: str, cid: str) -> str:
    """A call's place in its group's draw: a hash of seed, group and id (stable, unbiased)."""
    return hashlib.sha256(f"{seed}:{group}:{cid}".encode()).hexdigest()


async def draw(
    client: GenesysClient,
    start: datetime,
    end: datetime,
    flt: ConversationFilter | None,
    *,
    per: str,
    n: int,
    seed: int,
    transcribed: bool = True,
) -> Sample:
    if per not in ("agent", "queue"):
        raise SampleError("--per is agent or queue")
    if n < 1:
        raise SampleError("N must be at least 1")
    wanted = replace(flt or ConversationFilter(), has_recording=True, ended=True)
    groups: dict[str, list[ConversationSummary]] = {}
    seen = 0
    async for s in client.analytics.iter_conversations(start, end, wanted):
        seen += 1
        if seen > MAX_CANDIDATES:
            raise SampleError(f"more than {MAX_CANDIDATES} calls: narrow the interval or filters")
        keys = s.user_ids if per == "agent" else s.queue_ids
        for key in keys[:1]:  # the first agent who answered, the queue it came in on
            groups.setdefault(key, []).append(s)
    sample = Sample(per, n, seed, f"{start.isoformat()}/{end.isoformat()}")
    for group in sorted(groups):
        calls = sorted(groups[group], key=lambda s: _order(seed, group, s.conversation_id))
        got = 0
        for s in calls:
            if got == n:
                break
            if transcribed and not await client.transcripts.analyzed(s.conversation_id):
                continue
            sample.picked.append(Picked(group, s.conversation_id, s.start.isoformat()))
            got += 1
        if got < n:
            sample.short[group] = n - got
    return sample


class SampleStore:
    """The last sample drawn for an org (`sample.json` in its data directory)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def save(self, sample: Sample) -> None:
        write_bytes(self.path, json.dumps(asdict(sample), indent=1).encode())

    def load(self) -> Sample | None:
        try:
            if self.path.stat().st_size > 64 << 20:
                raise SampleError(f"{self.path} is larger than a sample can be")
            d = json.loads(self.path.read_bytes())
            return Sample(**{**d, "picked": [Picked(**p) for p in d["picked"]]})
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError, RecursionError) as e:
            raise SampleError(f"cannot read the sample in {self.path}: {e}") from None


async def evaluated(evaluations, conversation_id: str) -> str:
    """How far a sampled call's evaluation is, in a word or two: the latest evaluation's status
    and score in Genesys ("FINISHED 85%"), "none", or "not readable" without the permission."""
    from genesys_tui.genesys import errors as E

    try:
        found = await evaluations.existing(conversation_id)
    except E.PermissionDenied:
        return "not readable"
    if not found:
        return "none"
    last = found[-1]
    score = f" {last.total:g}%" if last.total is not None else ""
    return f"{last.status}{score}" + (f" (+{len(found) - 1})" if len(found) > 1 else "")
