"""The scan that cuts a transcript's phrases out (core/jsonsplit.py), checked against json on
documents made to trip it: strings holding brackets, quotes and backslash runs, arbitrary
whitespace, arrays of the same name elsewhere, and blocks small enough that every item, key and
escape is cut by a block boundary somewhere."""

import json
import random

import pytest

from genesys_tui.core import jsonsplit
from genesys_tui.core.jsonbounds import Bounds, JsonBoundsError
from genesys_tui.core.jsonsplit import ITEM, PLACEHOLDER, SKELETON, split
from genesys_tui.flows.review.parse import TranscriptError, parse_transcript

KEYS = (b"transcripts", b"phrases")
TRICKY = ['a"b', "x\\", "\\\\", "[{", "}]", '\\"}', "phrases", '"phrases": [', "é", ""]


def _value(rng: random.Random, depth: int):
    kind = rng.randrange(6 if depth < 4 else 3)
    if kind == 0:
        return rng.choice(TRICKY) + rng.choice(TRICKY)
    if kind == 1:
        return rng.randrange(-5, 10**6)
    if kind == 2:
        return rng.choice([None, True, 0.5])
    if kind == 3:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    if kind == 4:  # an array of the same name, off the path: not cut
        return {"phrases": [{"k": _value(rng, depth + 2)}]}
    return {rng.choice(TRICKY): _value(rng, depth + 1) for _ in range(rng.randrange(3))}


def _document(rng: random.Random) -> dict:
    return {
        "conversationId": rng.choice(TRICKY),
        "phrases": [{"not": "these"}],
        "transcripts": [
            {
                "language": "en-US",
                "phrases": [
                    {"startTimeMs": k, "text": _value(rng, 2), "words": [_value(rng, 3)]}
                    if rng.random() < 0.9
                    else _value(rng, 2)
                    for k in range(rng.randrange(6))
                ],
                "analytics": {"sentiment": [], "x": _value(rng, 2)},
            }
            for _ in range(rng.randrange(1, 3))
        ],
        "participants": [_value(rng, 1)],
    }


def _spaced(doc: dict, rng: random.Random) -> str:
    """json.dumps with random whitespace around every separator."""
    text = json.dumps(doc, separators=(",", ":"))
    out, in_string, escaped = [], False, False
    for ch in text:
        out.append(ch)
        if in_string:
            in_string = not (ch == '"' and not escaped)
            escaped = ch == "\\" and not escaped
        elif ch == '"':
            in_string = True
        elif ch in ",:[]{}" and rng.random() < 0.5:
            out.append(rng.choice([" ", "\n", "\t ", "  \r\n"]))
    return "".join(out)


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 18])
def test_items_and_skeleton_match_json(tmp_path, monkeypatch, block):
    monkeypatch.setattr(jsonsplit, "BLOCK", block)
    rng = random.Random(block)
    for trial in range(40 if block > 1 else 8):
        doc = _document(rng)
        path = tmp_path / f"{trial}.json"
        path.write_text(_spaced(doc, rng), encoding="utf-8")
        items, skeleton = [], []
        for kind, data in split(path, KEYS, Bounds()):
            (items if kind == ITEM else skeleton).append(data)
        # Every bracketed phrase is cut; scalars stay in the skeleton.
        expected = [
            p for t in doc["transcripts"] for p in t["phrases"] if isinstance(p, dict | list)
        ]
        assert [json.loads(i) for i in items] == expected
        rest = json.loads(b"".join(skeleton))
        for t in doc["transcripts"]:
            t["phrases"] = [None if isinstance(p, dict | list) else p for p in t["phrases"]]
        assert rest == doc
        assert b"".join(skeleton).count(PLACEHOLDER) >= len(items)


def test_a_key_the_scan_cannot_read_is_still_parsed(tmp_path):
    phrase = '{"startTimeMs": 1000, "duration": 500, "text": "hello there"}'
    escaped = '{"transcripts": [{"phr\\u0061ses": [' + phrase + "]}]}"
    spaced = '{"transcripts": [{"phrases"' + " " * 5000 + ": [" + phrase + "]}]}"
    for text in (escaped, spaced):
        path = tmp_path / "t.json"
        path.write_text(text)
        assert [k for k, _ in split(path, KEYS, Bounds())] == [SKELETON]  # nothing cut
        assert [p.text for p in parse_transcript(path).phrases] == ["hello there"]


@pytest.mark.parametrize(
    "text",
    [
        '{"transcripts": [{"phrases": [{"startTimeMs": 1},,{"startTimeMs": 2}]}]}',
        '{"transcripts": [{"phrases": [{"startTimeMs": 1} {"startTimeMs": 2}]}]}',
        '{"transcripts": [{"phrases": [{"startTimeMs": 1]]}]}',
        '{"transcripts": [{"phrases": [{"startTimeMs": 1}]}]} trailing',
        '{"transcripts": [{"phrases": [{"startTimeMs": 1}',
    ],
)
def test_broken_syntax_between_and_inside_phrases_is_refused(tmp_path, text):
    path = tmp_path / "t.json"
    path.write_text(text)
    with pytest.raises(TranscriptError, match="not valid JSON"):
        parse_transcript(path)


def test_a_phrase_past_the_item_bound_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonsplit, "MAX_ITEM", 4096)
    monkeypatch.setattr(jsonsplit, "BLOCK", 1000)
    words = ",".join('{"word": "w"}' for _ in range(400))
    path = tmp_path / "t.json"
    path.write_text(
        '{"transcripts": [{"phrases": [{"startTimeMs": 1, "words": [' + words + "]}]}]}"
    )
    with pytest.raises(JsonBoundsError, match="an item is larger than"):
        list(split(path, KEYS, Bounds()))
