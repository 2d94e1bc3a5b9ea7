"""Name search for autocomplete and "did you mean": accent- and case-insensitive, word-start aware."""

from __future__ import annotations

import bisect
import difflib
import heapq
import re
import unicodedata
from collections.abc import Iterable, Iterator

DEFAULT_LIMIT = 25  # Discord shows at most 25 autocomplete choices

# Tiers, best first.
EXACT, PREFIX, WORD_START, ALL_WORDS, SUBSTRING = range(5)

_APOSTROPHES = re.compile(r"['’‘`´]")
_SEPARATORS = re.compile(r"[^\w]+|_+")
_MAX_CHAR = chr(0x10FFFF)  # sorts after any character, closing a prefix range


def normalise(text: str) -> str:
    """Fold a name for comparison: no accents, case-folded, punctuation as spaces, single spaced.

    "José" → "jose", "O'Brien" → "obrien", "Jean-Luc  Picard" → "jean luc picard".
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _APOSTROPHES.sub("", stripped)
    return " ".join(_SEPARATORS.sub(" ", stripped).split())


class NameIndex:
    """Names prepared once for fast repeated search (autocomplete calls it on every keystroke).

    Ranking: exact match, then full-name prefix ("ya" → "Yasmine Dar"), then a match at the start
    of a later word ("josan", "singh jo"), then every query word starting some word in any order
    ("josan gurinder"), then a plain substring. Within a tier: earlier match, shorter, alphabetical.

    Every word-start suffix of every name is kept sorted, so the first three tiers are a binary
    search plus the hits; only when they give fewer than `limit` names is the list scanned for
    substrings.
    """

    __slots__ = ("_blob", "_entries", "_names", "_owners", "_positions", "_starts", "_suffixes")

    def __init__(self, names: Iterable[str]) -> None:
        unique = list(dict.fromkeys(names))
        self._names = tuple(sorted(unique, key=lambda n: (normalise(n), n)))
        self._entries = tuple((n, normalise(n)) for n in self._names)
        suffixes = sorted(
            (norm[pos:], i, pos) for i, (_, norm) in enumerate(self._entries) for pos in _word_starts(norm)
        )
        self._suffixes = [sfx for sfx, _, _ in suffixes]
        self._owners = [i for _, i, _ in suffixes]
        self._positions = [pos for _, _, pos in suffixes]
        # Every folded name in one string (NUL never occurs in a folded name, so no match spans two):
        # the substring tier is then one C-level `find` pass instead of a Python loop over every name.
        self._blob = "\0".join(norm for _, norm in self._entries)
        self._starts: list[int] = []
        offset = 0
        for _, norm in self._entries:
            self._starts.append(offset)
            offset += len(norm) + 1

    def __len__(self) -> int:
        return len(self._names)

    @property
    def names(self) -> tuple[str, ...]:
        """All indexed names, alphabetical by their folded form."""
        return self._names

    def search(self, query: str, limit: int = DEFAULT_LIMIT) -> list[str]:
        """Names matching `query`, best first, at most `limit`. An empty query lists names alphabetically."""
        if limit <= 0:
            return []
        q = normalise(query)
        if not q:
            return list(self._names[:limit])
        entries = self._entries
        hits: dict[int, tuple[int, int, int, str, str]] = {}
        for i, pos in self._word_start_hits(q):
            name, norm = entries[i]
            tier = (EXACT if len(norm) == len(q) else PREFIX) if pos == 0 else WORD_START
            key = (tier, pos, len(norm), norm, name)
            if i not in hits or key < hits[i]:
                hits[i] = key
        words = q.split(" ")
        if len(words) > 1:
            owners = [{i for i, _ in self._word_start_hits(w)} for w in words]
            for i in set.intersection(*owners) - hits.keys():
                name, norm = entries[i]
                hits[i] = (ALL_WORDS, 0, len(norm), norm, name)
        if len(hits) < limit:  # only now is a full scan worth it
            blob, starts = self._blob, self._starts
            found = blob.find(q)
            while found >= 0:
                i = bisect.bisect_right(starts, found) - 1
                if i not in hits:
                    name, norm = entries[i]
                    hits[i] = (SUBSTRING, found - starts[i], len(norm), norm, name)
                found = blob.find(q, starts[i] + len(entries[i][1]) + 1)  # on to the next name
        return [h[4] for h in heapq.nsmallest(limit, hits.values())]

    def closest(self, query: str, n: int = 3, cutoff: float = 0.6) -> list[str]:
        """Up to `n` names that look like `query` (for "did you mean …?"), best first."""
        return _closest(query, self._entries, n, cutoff)

    def _word_start_hits(self, q: str) -> Iterator[tuple[int, int]]:
        """(entry index, position) for every word-start suffix beginning with `q`."""
        lo = bisect.bisect_left(self._suffixes, q)
        hi = bisect.bisect_right(self._suffixes, q + _MAX_CHAR, lo)
        return zip(self._owners[lo:hi], self._positions[lo:hi], strict=True)


def _word_starts(norm: str) -> list[int]:
    return [0, *(i + 1 for i, ch in enumerate(norm) if ch == " ")]


def search_names(query: str, names: Iterable[str], limit: int = DEFAULT_LIMIT) -> list[str]:
    """One-off search; build a `NameIndex` instead when searching the same names repeatedly."""
    return NameIndex(names).search(query, limit)


def closest_names(query: str, names: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Up to `n` names similar to `query` by difflib ratio, best first, for "did you mean …?".

    Each name scores its best ratio against the whole name or any one word, so a misspelt surname
    ("Izard") still finds "Eddie Izzard".
    """
    entries = [(name, normalise(name)) for name in dict.fromkeys(names)]
    return _closest(query, entries, n, cutoff)


def _closest(query: str, entries: Iterable[tuple[str, str]], n: int, cutoff: float) -> list[str]:
    q = normalise(query)
    if not q or n <= 0:
        return []
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(q)  # difflib caches details about seq2, so the query goes there
    scored: list[tuple[float, str, str]] = []
    for name, norm in entries:
        best = 0.0
        forms = (norm, *norm.split(" ")) if " " in norm else (norm,)
        for candidate in forms:
            matcher.set_seq1(candidate)
            # Cheap upper bounds first: most names are nowhere near the query.
            if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
                continue
            best = max(best, matcher.ratio())
        if best >= cutoff:
            scored.append((-best, norm, name))
    scored.sort()
    return [name for _, _, name in scored[:n]]
