"""Name search for autocomplete and "did you mean": accent- and case-insensitive, word-start aware."""

from __future__ import annotations

import bisect
import difflib
import functools
import heapq
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from typing import TypeVar

from bot.domain.limits import AUTOCOMPLETE_CHOICES_MAX

T = TypeVar("T")

DEFAULT_LIMIT = AUTOCOMPLETE_CHOICES_MAX

# Tiers, best first.
EXACT, PREFIX, WORD_START, ALL_WORDS, SUBSTRING = range(5)

_APOSTROPHES = re.compile(r"['’‘`´]")
_SEPARATORS = re.compile(r"[^\w]+|_+")
_MAX_CHAR = chr(0x10FFFF)  # sorts after any character, closing a prefix range


# Characters that show nothing: format controls (zero-width space and joiners, bidi marks, soft hyphen,
# word joiner, BOM: category Cf) and the few invisible letters and marks outside Cf (Hangul fillers,
# the combining grapheme joiner, Mongolian and standard variation selectors).
_INVISIBLE_EXTRA = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u3164\uffa0"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
)


def _visible(ch: str) -> bool:
    return not unicodedata.combining(ch) and ch not in _INVISIBLE_EXTRA and unicodedata.category(ch) != "Cf"


def normalise(text: str) -> str:
    """Fold a name for comparison: no accents, case-folded, punctuation as spaces, single spaced,
    invisible characters dropped (so NFC and NFD spellings, and a pasted zero-width space, don't matter).

    "José" → "jose", "O'Brien" → "obrien", "Jean-Luc  Picard" → "jean luc picard".
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if _visible(ch))
    stripped = _APOSTROPHES.sub("", stripped)
    return " ".join(_SEPARATORS.sub(" ", stripped).split())


@functools.lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """The one folding rule for "is this the same name?": two names with the same key read the same.

    `normalise` (case, accents, NFC/NFD, invisible characters, spacing and punctuation), and letters
    of another script that look like Latin ones read as those ("Sіan" with a Cyrillic "і" → "sian"),
    from Unicode's confusables data (UTS #39). Latin letters themselves are left alone, so names
    that differ by a real letter stay different ("Ann Black", "Anne Black").
    """
    decomposed = unicodedata.normalize("NFKD", text)
    key = normalise(decomposed.translate(_look_alike_table()))
    if key:
        return key
    # Nothing but symbols ("🌹", "✊"): those are the name, so they stay (only invisibles and case go).
    return "".join(ch for ch in unicodedata.normalize("NFKC", text.casefold()) if _visible(ch) and not ch.isspace())


@functools.cache
def _look_alike_table() -> dict[int, str]:
    """Non-Latin letter → the ASCII letter it looks like, built once from the confusables data.

    A letter's lower-case form is tried first (Greek "Ι" is read via "ι" → "i", as Latin "I" folds to
    "i"), then the letter as written (Cyrillic "В" → "B", its lower case "в" looks like no Latin letter).
    """
    from confusable_homoglyphs import categories, confusables  # ~30 ms to load: only when first needed

    data = confusables.confusables_data

    def ascii_letter(ch: str) -> str | None:
        for glyph in data.get(ch, ()):
            target = str(glyph["c"])
            if len(target) == 1 and target.isascii() and target.isalpha():
                return target
        return None

    table: dict[int, str] = {}
    for ch in data:
        if len(ch) != 1 or not ch.isalpha() or ch.isascii() or categories.alias(ch) in ("LATIN", "COMMON"):
            continue
        lower = ch.lower()
        target = (ascii_letter(lower) if lower != ch else None) or ascii_letter(ch)
        if target is not None:
            table[ord(ch)] = target
    return table


def same_name(name: str, names: Iterable[str]) -> str | None:
    """The first of `names` that is the same name as `name` under `name_key` (None: it is new)."""
    key = name_key(name)
    return next((other for other in names if name_key(other) == key), None)


def resolve_name(text: str, labels: Mapping[str, T], index: NameIndex) -> T | None:
    """What a typed name means, as every command reads it: `labels` maps each name (or other label,
    e.g. a slug or short name) to its target; `index` holds the same labels.

    The exact label, else the label with the same folded form, else the one label whose words start
    with every typed word ("josan", "gurinder s"). A bare substring ("zar") is not taken as meant:
    the caller offers `suggest_names` instead.
    """
    if text in labels:
        return labels[text]
    folded = normalise(text)
    exact = [label for label in labels if normalise(label) == folded]
    if not exact:
        key = name_key(text)
        exact = [label for label in labels if name_key(label) == key]
    if exact:
        return labels[exact[0]]
    words = [" " + w for w in folded.split(" ") if w]
    hits = {  # several labels (a name and a short name) may lead to one target: count it once
        _identity(labels[h]): labels[h]
        for h in index.search(text, limit=26)
        if words and all(w in " " + normalise(h) for w in words)
    }
    if len(hits) == 1:
        return next(iter(hits.values()))
    return None


def _identity(target: object) -> object:
    """A target's value when hashable (equal names are one target), else the object itself."""
    return target if isinstance(target, Hashable) else id(target)


def suggest_names(
    text: str,
    index: NameIndex,
    labels: Mapping[str, str] | None = None,
    show: Callable[[str], str] | None = None,
) -> list[str]:
    """Up to three names like `text` for "did you mean …?" (closest spelling first, else search hits),
    mapped through `labels` and shown with `show` when given."""
    names = index.closest(text, n=3) or index.search(text, limit=3)
    if labels is not None:
        targets = list(dict.fromkeys(labels[n] for n in names))
        return [show(t) if show else t for t in targets][:3]
    return names[:3]


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
