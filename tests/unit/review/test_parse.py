"""The transcript parser: the real schema, streamed; damaged documents give a clear error."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from genesys_tui.flows.review.parse import TranscriptError, parse_transcript
from tests.unit.review.builders import T0, write_document

SAMPLE = {  # the official sample's shape (abridged), with an IVR and a queue before the agent
    "conversationId": "c",
    "communicationId": "m",
    "transcripts": [
        {
            "language": "en-US",
            "phrases": [
                {
                    "text": "welcome to acme",
                    "startTimeMs": T0 + 1000,
                    "duration": {"milliseconds": 1500},
                    "words": [
                        {
                            "word": "welcome",
                            "confidence": 0.9,
                            "startTimeMs": T0 + 1000,
                            "duration": {"milliseconds": 400},
                        },
                        {
                            "word": "to",
                            "confidence": 0.8,
                            "startTimeMs": T0 + 1500,
                            "duration": {"milliseconds": 100},
                        },
                        {
                            "word": "acme",
                            "confidence": 0.7,
                            "startTimeMs": T0 + 1700,
                            "duration": {"milliseconds": 500},
                        },
                    ],
                    "participantPurpose": "internal",
                },
                {
                    "phraseIndex": 1,
                    "text": "hi there",
                    "decoratedText": "Hi there.",
                    "startTimeMs": T0 + 12_000,
                    "duration": {"milliseconds": 900},
                    "confidence": 0.95,
                    "words": [],
                    "participantPurpose": "external",
                },
                {
                    "phraseIndex": 2,
                    "text": "how can i help",
                    "startTimeMs": T0 + 13_500,
                    "duration": {"milliseconds": 1200},
                    "words": [],
                    "participantPurpose": "internal",
                },
            ],
            "analytics": {
                "sentiment": [{"phraseIndex": 1, "sentiment": 1}],
                "topics": [
                    {
                        "topicName": "Greeting",
                        "transcriptPhrase": "hi there",
                        "startTimeMs": T0 + 12_000,
                        "participant": "external",
                    }
                ],
            },
        }
    ],
    "participants": [
        {"participantPurpose": "customer", "startTimeMs": T0, "endTimeMs": T0 + 60_000},
        {"participantPurpose": "ivr", "startTimeMs": T0, "endTimeMs": T0 + 10_000},
        {
            "participantPurpose": "agent",
            "userId": "u1",
            "startTimeMs": T0 + 11_000,
            "endTimeMs": T0 + 60_000,
        },
    ],
}


def test_the_sample_document(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(SAMPLE))
    t = parse_transcript(path, "c", "m")
    assert [(p.role, p.text) for p in t.phrases] == [
        ("ivr", "welcome to acme"),
        ("customer", "Hi there."),
        ("agent", "how can i help"),
    ]
    first = t.phrases[0]
    assert first.start_ms == T0 + 1000 and first.duration_ms == 1500
    assert abs(first.confidence - 0.8) < 1e-6  # no phrase confidence: the words' mean
    assert [w[0] for w in t.words(first)] == ["welcome", "to", "acme"]
    assert t.words(first)[2][1:3] == (T0 + 1700, 500)
    assert t.phrases[1].sentiment == 1.0 and t.phrases[0].sentiment is None
    assert t.topics[0].name == "Greeting" and t.language == "en-US"
    assert t.participants[2].user_id == "u1"


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s[: len(s) // 2],
        lambda s: s.replace('"phrases": [', '"phrases": [,'),
        lambda s: "not json at all",
    ],
)
def test_damaged_documents_give_a_clear_error(tmp_path, damage):
    path = tmp_path / "t.json"
    path.write_text(damage(json.dumps(SAMPLE)))
    with pytest.raises(TranscriptError, match="not valid JSON"):
        parse_transcript(path)


def test_a_missing_file_is_a_transcript_error(tmp_path):
    with pytest.raises(TranscriptError, match="cannot read"):
        parse_transcript(tmp_path / "nope.json")


# Measured in a process of its own: tracemalloc counts every thread's allocations, and in the
# test process the servers other tests left running would be counted too.
PEAKS = """
import json, sys, tracemalloc
from genesys_tui.flows.review.parse import parse_transcript
path = sys.argv[1]
tracemalloc.start()
t = parse_transcript(path)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
assert len(t.phrases) == 4000 and len(t.word_start) == 4000 * 12, len(t.phrases)
assert t.phrases[0].sentiment == -1.0
del t
data = open(path, "rb").read()
tracemalloc.start()
json.loads(data)
whole = tracemalloc.get_traced_memory()[1]
print(peak, whole)
"""


def test_a_large_document_streams_in_bounded_memory(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "big.json"
    size = write_document(path, phrases=4000, words_per_phrase=12)  # about 6 MB
    assert size > 5_000_000
    out = subprocess.run(
        [sys.executable, "-c", PEAKS, str(path)], capture_output=True, text=True, check=True
    )
    peak, whole = map(int, out.stdout.split())
    # The document never sits whole in memory: the model is a small fraction of what json builds.
    assert peak < whole / 5, f"peak {peak / 1e6:.1f} MB vs json {whole / 1e6:.1f} MB"


def _reference(doc: dict):
    """What the document says, read with json: participants, sentiments, topics."""
    spans = [(p["participantPurpose"], p["startTimeMs"]) for p in doc["participants"]]
    sentiment = {
        s["phraseIndex"]: s["sentiment"]
        for tr in doc["transcripts"]
        for s in tr["analytics"]["sentiment"]
    }
    topics = [
        x["topicName"] for tr in doc["transcripts"] for x in tr["analytics"].get("topics", [])
    ]
    return spans, sentiment, topics


@pytest.mark.parametrize(
    "variant",
    ["sample", "participants-first", "analytics-first", "tricky-words", "two-transcripts"],
)
def test_participants_and_analytics_however_the_document_is_ordered(tmp_path, variant):
    import copy

    doc = copy.deepcopy(SAMPLE)
    if variant == "participants-first":
        doc = {"participants": doc.pop("participants"), **doc}
    elif variant == "analytics-first":
        tr = doc["transcripts"][0]
        doc["transcripts"][0] = {"analytics": tr.pop("analytics"), **tr}
    elif variant == "tricky-words":  # the key names said as words, before the real keys
        doc["transcripts"][0]["phrases"][0]["text"] = 'said "analytics": and "participants": here'
        doc["transcripts"][0]["phrases"][0]["words"][0]["word"] = "analytics"
    elif variant == "two-transcripts":
        second = copy.deepcopy(doc["transcripts"][0])
        for p in second["phrases"]:
            p["startTimeMs"] += 60_000
            p["phraseIndex"] = p.get("phraseIndex", 0) + 10
        second["analytics"] = {
            "sentiment": [{"phraseIndex": 11, "sentiment": -1}],
            "topics": [{"topicName": "Farewell", "startTimeMs": T0 + 72_000}],
        }
        doc["transcripts"].append(second)
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc))
    t = parse_transcript(path)
    spans, sentiment, topics = _reference(doc)
    assert [(s.purpose, s.start_ms) for s in t.participants] == spans
    assert {p.index: p.sentiment for p in t.phrases if p.sentiment is not None} == sentiment
    assert [x.name for x in t.topics] == topics


def _mutated(mutate) -> dict:
    doc = json.loads(json.dumps(SAMPLE))
    mutate(doc)
    return doc


def _set(path, value):
    def apply(doc):
        node = doc
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value

    return apply


PH = ("transcripts", 0, "phrases")
MUTATIONS = {
    "phrase not an object": _set((*PH, 0), "hello"),
    "phrase a list": _set((*PH, 0), [1, 2]),
    "words a string": _set((*PH, 0, "words"), "welcome to acme"),
    "words hold numbers": _set((*PH, 0, "words"), [1, 2, 3]),
    "confidence a word": _set((*PH, 1, "confidence"), "high"),
    "word confidence a list": _set((*PH, 0, "words", 0, "confidence"), [0.9]),
    "start a string": _set((*PH, 2, "startTimeMs"), "soon"),
    "duration a list": _set((*PH, 2, "duration"), [1]),
    "text a number": _set((*PH, 2, "text"), 42),
    "phraseIndex a string": _set((*PH, 1, "phraseIndex"), "one"),
    "sentiment a dict": _set(("transcripts", 0, "analytics", "sentiment"), {"phraseIndex": 1}),
    "sentiment value a string": _set(
        ("transcripts", 0, "analytics", "sentiment", 0, "sentiment"), "great"
    ),
    "topics a string": _set(("transcripts", 0, "analytics", "topics"), "billing"),
    "participants a number": _set(("participants",), 7),
    "participant a string": _set(("participants", 0), "customer"),
    "purpose a dict": _set(("participants", 1, "participantPurpose"), {"x": 1}),
    "language a dict": _set(("transcripts", 0, "language"), {"code": "en"}),
    "phrases an object": _set(PH, {"a": 1}),
    "transcripts a string": _set(("transcripts",), "none"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_wrong_types_are_skipped_never_a_crash(tmp_path, name):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(_mutated(MUTATIONS[name])))
    t = parse_transcript(path, "c", "m")  # no exception: what cannot be read is left out
    for p in t.phrases:
        assert isinstance(p.text, str) and isinstance(p.start_ms, int)
        assert p.confidence is None or isinstance(p.confidence, float)
    assert t.language is None or isinstance(t.language, str)


def test_deep_nesting_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "deep.json"
    depth = 100_000
    path.write_text(
        '{"transcripts": [{"phrases": [{"words": ' + "[" * depth + "]" * depth + "}]}]}"
    )
    tracemalloc.start()
    with pytest.raises(TranscriptError, match="nests deeper than"):
        parse_transcript(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50 << 20


def test_a_huge_string_is_refused(tmp_path):
    path = tmp_path / "long.json"
    path.write_text(
        '{"transcripts": [{"phrases": [{"text": "' + "a" * (3 << 20) + '", "startTimeMs": 1}]}]}'
    )
    with pytest.raises(TranscriptError, match="string is longer than"):
        parse_transcript(path)


def test_invalid_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"transcripts": [{"phrases": [{"text": "\xff\xfe", "startTimeMs": 1}]}]}')
    with pytest.raises(TranscriptError):
        parse_transcript(path)


def test_the_typed_and_the_tolerant_path_read_a_phrase_alike(tmp_path, monkeypatch):
    """Phrases of the usual shape take the typed decoder; any other shape takes the tolerant
    path. Both must make the same model of the same phrase."""
    import msgspec

    from genesys_tui.flows.review import parse

    path = tmp_path / "t.json"
    write_document(path, phrases=50, words_per_phrase=5)
    typed = parse_transcript(path)

    class Refuses:
        def decode(self, data):
            raise msgspec.ValidationError("forced")

    monkeypatch.setattr(parse, "_typed", Refuses())
    tolerant = parse_transcript(path)
    assert typed.phrases == tolerant.phrases and len(typed.phrases) == 50
    for name in ("word_start", "word_duration", "word_confidence"):
        assert getattr(typed, name) == getattr(tolerant, name)
    assert typed.participants == tolerant.participants and typed.language == tolerant.language
