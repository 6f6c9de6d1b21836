"""Writing TOML by hand (a profile appended to the config by `login`): strings and keys quoted
so that whatever a user typed stays one value."""

from __future__ import annotations


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in value:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    """A bare key when it is one (letters, digits, - and _), else a quoted one."""
    return (
        key
        if key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
        else toml_string(key)
    )
