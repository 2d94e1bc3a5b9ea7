"""Parse a slash command the way a user types it: `/slate compare first: CLGA second: "Labour First"`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.sim.errors import SimError


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == quote:
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise SimError(f"unterminated quote in {text!r}")


def parse_options(text: str, names: list[str]) -> dict[str, str]:
    """Split `a: x y b: "z"` into {"a": "x y", "b": "z"} using the command's real option names."""
    values: dict[str, str] = {}
    if not text.strip():
        return values
    if not names:
        raise SimError(f"this command takes no options, got {text!r}")
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    head = re.compile(rf"\s*({alternatives}):\s*")
    following = re.compile(rf"\s+(?:{alternatives}):")
    i = 0
    while i < len(text):
        if not text[i:].strip():
            break
        match = head.match(text, i)
        if match is None:
            raise SimError(f"expected one of {names} followed by ':' at {text[i:]!r}")
        name = match.group(1)
        i = match.end()
        if i < len(text) and text[i] in "\"'":
            value, i = _read_quoted(text, i)
        else:
            nxt = following.search(text, i)
            end = nxt.start() if nxt else len(text)
            value = text[i:end].strip()
            i = end
        if name in values:
            raise SimError(f"option {name!r} given twice")
        values[name] = value
    return values


def parse_invocation(text: str, lookup: Callable[[str], dict[str, Any]]) -> tuple[str, list[str], dict[str, str]]:
    """Return (command name, [group, subcommand], raw option texts) for a typed command line."""
    line = text.strip()
    if line.startswith("/"):
        line = line[1:]
    first, _, rest = line.partition(" ")
    cmd = lookup(first)
    options = cmd.get("options") or []
    path: list[str] = []
    rest = rest.strip()
    for _ in range(2):
        subs = {o["name"]: o for o in options if o.get("type") in (1, 2)}
        if not subs:
            break
        word, _, remainder = rest.partition(" ")
        if word not in subs:
            raise SimError(f"/{first} {' '.join(path)} needs one of {sorted(subs)}, got {word!r}")
        path.append(word)
        options = subs[word].get("options") or []
        rest = remainder.strip()
    return cmd["name"], path, parse_options(rest, [o["name"] for o in options])
