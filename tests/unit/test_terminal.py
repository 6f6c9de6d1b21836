"""core/terminal.clean: what reaches a terminal from outside cannot drive it."""

from __future__ import annotations

import json

from genesys_tui.core.terminal import clean, clean_lines


def test_controls_and_bidi_become_visible_marks():
    evil = "\x00\u202e\x1b[2J\x1b]0;pwned\x07\x9b31m\u2066x\u2069\u200f"
    assert clean(evil) == "???[2J?]0;pwned??31m?x??"
    assert clean("tab\there\nnew\rline") == "tab here new line"  # one value, one line
    assert clean("Zoë Ñúñez · 日本 ☎") == "Zoë Ñúñez · 日本 ☎"  # text is text
    assert clean(42) == "42"


def test_lines_keep_their_breaks_and_json_is_exact():
    assert clean_lines("a\x1b[2J\nb\u202e") == "a?[2J\nb?"
    assert json.loads(json.dumps({"n": "\x1b[2J"}))["n"] == "\x1b[2J"  # JSON escapes, never cleans
    assert "\x1b" not in json.dumps({"n": "\x1b[2J"})
