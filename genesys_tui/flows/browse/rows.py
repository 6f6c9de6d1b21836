"""The conversation list's rows in compact columns (issue 33): a million rows in about 150 MB where
a million ConversationSummary objects took well over a gigabyte. IDs are kept as 16 bytes, times
as epoch milliseconds, numbers as their digits, and what repeats (queues, agents, wrap-up codes,
participants' purposes and names) once, each row holding an index. A row comes back as a
ConversationSummary when it is shown, selected or queued."""

from __future__ import annotations

import re
import uuid
from array import array
from collections.abc import Hashable, Iterator, Sequence
from datetime import UTC, datetime

import numpy as np

from genesys_tui.genesys.summaries import ConversationSummary, ParticipantSummary

_TEL = re.compile(r"tel:\+([0-9]{1,18})")
NONE, SAME_AS_ANI = -1, -2  # a participant's name: none, or the customer's number as "+digits"


class Interner:
    """Each distinct value once; rows keep its index."""

    def __init__(self) -> None:
        self.values: list = []
        self._index: dict[Hashable, int] = {}

    def __call__(self, value: Hashable) -> int:
        k = self._index.get(value)
        if k is None:
            k = self._index[value] = len(self.values)
            self.values.append(value)
        return k

    def __len__(self) -> int:
        return len(self.values)


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class Rows(Sequence[ConversationSummary]):
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.ids = bytearray()  # 16 bytes a row; an ID that is not a UUID is kept in `odd`
        self.odd: dict[int, str] = {}
        self.start, self.end = array("q"), array("q")  # epoch ms; end -1: still going
        self.direction = array("i")
        self.queues, self.users, self.wrapups = array("i"), array("i"), array("i")
        self.media, self.divisions = array("i"), array("i")
        self.ani, self.dnis = array("q"), array("q")  # digits of tel:+…; < 0: -(interned + 1)
        self.recorded = bytearray()
        self.p_first = array("q", [0])  # row k's participants: p_first[k] to p_first[k + 1]
        self.p_ids = bytearray()
        self.p_purpose, self.p_name, self.p_user = array("i"), array("i"), array("i")
        self.strings = Interner()  # directions, numbers that are not tel:, purposes, names, ids
        self.tuples = Interner()  # queue, agent, wrap-up, media and division lists
        # Finding a row by its ID: the first 8 bytes of each UUID, sorted, with the rows they
        # name (16 bytes a row, where a dict of the IDs took about 100), and the latest rows
        # in a dict until they are merged in.
        self._keys = np.zeros(0, np.uint64)
        self._key_rows = np.zeros(0, np.int64)
        self._recent: dict[int, int] = {}
        self._odd_index: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.start)

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            return [self.summary(j) for j in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        return self.summary(k)

    def __iter__(self) -> Iterator[ConversationSummary]:
        return (self.summary(k) for k in range(len(self)))

    # --- in ---------------------------------------------------------------------------------------

    @staticmethod
    def _key(conversation_id: str) -> bytes | str:
        """A UUID in its usual text (lower case, dashed) as its 16 bytes; anything else as is."""
        c = conversation_id
        if len(c) == 36 and c[8] == c[13] == c[18] == c[23] == "-" and c == c.lower():
            try:
                raw = bytes.fromhex(c.replace("-", ""))
            except ValueError:
                return c
            if len(raw) == 16:  # (fromhex skips spaces)
                return raw
        return c

    def __contains__(self, conversation_id: object) -> bool:
        return isinstance(conversation_id, str) and self.find(conversation_id) is not None

    def find(self, conversation_id: str) -> int | None:
        return self._find(self._key(conversation_id))

    def _find(self, key: bytes | str) -> int | None:
        if isinstance(key, str):
            return self._odd_index.get(key)
        h = int.from_bytes(key[:8], "little")
        k = self._recent.get(h)
        if k is not None and self.ids[16 * k : 16 * k + 16] == key:
            return k
        pos = int(np.searchsorted(self._keys, np.uint64(h)))
        while pos < self._keys.size and int(self._keys[pos]) == h:
            k = int(self._key_rows[pos])
            if self.ids[16 * k : 16 * k + 16] == key:
                return k
            pos += 1
        return None

    def _remember(self, key: bytes, k: int) -> None:
        h = int.from_bytes(key[:8], "little")
        if h in self._recent:  # two IDs that begin alike: the older one goes to the array
            self._merge({h: self._recent.pop(h)})
        self._recent[h] = k
        if len(self._recent) >= 65_536:
            self._merge(self._recent)
            self._recent = {}

    def _merge(self, more: dict[int, int]) -> None:
        keys = np.concatenate([self._keys, np.fromiter(more.keys(), np.uint64, len(more))])
        rows = np.concatenate([self._key_rows, np.fromiter(more.values(), np.int64, len(more))])
        order = np.argsort(keys, kind="stable")
        self._keys, self._key_rows = keys[order], rows[order]

    def _number(self, value: str | None) -> int:
        if value is None:
            return 0
        m = _TEL.fullmatch(value)
        if m and not m.group(1).startswith("0"):
            return int(m.group(1))
        return -(self.strings(value) + 1)

    def number(self, code: int) -> str | None:
        if code == 0:
            return None
        return f"tel:+{code}" if code > 0 else self.strings.values[-code - 1]

    def _uuid16(self, value: str) -> bytes | None:
        key = self._key(value)
        return key if isinstance(key, bytes) else None

    def append(self, s: ConversationSummary) -> bool:
        """Add a row; False when its conversation is listed already."""
        key = self._key(s.conversation_id)
        if self._find(key) is not None:
            return False
        k = len(self)
        if isinstance(key, bytes):
            self.ids += key
            self._remember(key, k)
        else:
            self.ids += bytes(16)
            self.odd[k] = s.conversation_id
            self._odd_index[key] = k
        self.start.append(_ms(s.start))
        self.end.append(_ms(s.end) if s.end else -1)
        self.direction.append(self.strings(s.direction) if s.direction else NONE)
        t = self.tuples
        self.queues.append(t(s.queue_ids))
        self.users.append(t(s.user_ids))
        self.wrapups.append(t(s.wrapup_codes))
        self.media.append(t(s.media_types))
        self.divisions.append(t(s.division_ids))
        self.ani.append(self._number(s.ani))
        self.dnis.append(self._number(s.dnis))
        self.recorded.append(1 if s.has_recording else 0)
        as_ani = "+" + s.ani[5:] if s.ani and s.ani.startswith("tel:+") else None
        for p in s.participants:
            raw = self._uuid16(p.participant_id)
            self.p_ids += raw if raw is not None else bytes(16)
            if raw is None:  # not a UUID: kept whole, in the name table, flagged by a zero ID
                self.odd[-(len(self.p_purpose) + 1)] = p.participant_id
            self.p_purpose.append(self.strings(p.purpose))
            name = p.name
            self.p_name.append(
                NONE if name is None else SAME_AS_ANI if name == as_ani else self.strings(name)
            )
            self.p_user.append(self.strings(p.user_id) if p.user_id else NONE)
        self.p_first.append(len(self.p_purpose))
        return True

    # --- out --------------------------------------------------------------------------------------

    def conversation_id(self, k: int) -> str:
        odd = self.odd.get(k)
        return (
            odd if odd is not None else str(uuid.UUID(bytes=bytes(self.ids[16 * k : 16 * k + 16])))
        )

    def summary(self, k: int) -> ConversationSummary:
        strings, tuples = self.strings.values, self.tuples.values
        ani = self.number(self.ani[k])
        parts = []
        for j in range(self.p_first[k], self.p_first[k + 1]):
            pid = self.odd.get(-(j + 1)) or str(
                uuid.UUID(bytes=bytes(self.p_ids[16 * j : 16 * j + 16]))
            )
            code = self.p_name[j]
            name = (
                None
                if code == NONE
                else ("+" + ani[5:] if ani else None)
                if code == SAME_AS_ANI
                else strings[code]
            )
            user = strings[self.p_user[j]] if self.p_user[j] != NONE else None
            parts.append(ParticipantSummary(pid, strings[self.p_purpose[j]], name, user))
        end = self.end[k]
        return ConversationSummary(
            conversation_id=self.conversation_id(k),
            start=_time(self.start[k]),
            end=_time(end) if end >= 0 else None,
            direction=strings[self.direction[k]] if self.direction[k] != NONE else None,
            media_types=tuples[self.media[k]],
            queue_ids=tuples[self.queues[k]],
            user_ids=tuples[self.users[k]],
            ani=ani,
            dnis=self.number(self.dnis[k]),
            wrapup_codes=tuples[self.wrapups[k]],
            has_recording=bool(self.recorded[k]),
            division_ids=tuples[self.divisions[k]],
            participants=tuple(parts),
        )

    def column(self, name: str) -> np.ndarray:
        """A column as a numpy array (a copy: the arrays grow while the list loads)."""
        return np.array(getattr(self, name))

    def participant_rows(self) -> np.ndarray:
        """The row of each participant."""
        counts = np.diff(np.frombuffer(self.p_first, np.int64))
        return np.repeat(np.arange(len(self)), counts)

    def nbytes(self) -> int:
        """What the columns hold (the interned values aside)."""
        cols = (
            self.start, self.end, self.direction, self.queues, self.users, self.wrapups,
            self.media, self.divisions, self.ani, self.dnis, self.p_first, self.p_purpose,
            self.p_name, self.p_user,
        )  # fmt: skip
        return (
            len(self.ids)
            + len(self.p_ids)
            + len(self.recorded)
            + sum(c.itemsize * len(c) for c in cols)
        )
